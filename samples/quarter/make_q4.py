#!/usr/bin/env python3
"""Makes two snapshots of the demo account a quarter apart, for `reviewpack diff`.

Reads ``samples/demo/snapshot.json`` (the demo account as pulled on
2026-10-01) and writes, next to this script:

* ``q3.json``: the demo snapshot byte for byte: last quarter's pull;
* ``q4.json``: the same account pulled 92 days later, with these changes:
  - a new account admin through membership only: Keira Doyle
    (keira.doyle@example.com, no 2FA) joins ``account/platform_admins``;
    no role assignment changes for her;
  - a leaver removed: Farah Nasser (farah.nasser@example.com) is gone from
    the account and from ``account/security_auditors``;
  - a widened resource group: ``account/payments_only`` now also covers
    ``project:eng/checkout``;
  - a role that gained a permission: ``account/release_manager`` gains
    ``core_pipeline_delete``;
  - a revocation carried out: Victor Haldane's direct ``_account_admin``
    assignment is deleted;
  - a revocation decided but not done: Gavin Roche's direct
    ``_project_admin`` on ``project:eng/checkout`` is still there;
  - the audit trail records the two removals, as Harness's handlers write
    them (docs/harness-behaviour.md E7, E8): Victor's assignment deleted on
    2026-10-23 by Amara Okonkwo (a ``ROLE_ASSIGNMENT_DELETED`` event on
    Victor, the assignment named in its YAML), and Farah removed from the
    account on 2026-11-18 (``REMOVE_COLLABORATOR``), so with the campaign's
    14 days from the 2026-10-21 collection one is on time and one is 14
    days late;
  - the pull and its activity evidence move 92 days later (the same login
    pattern, a quarter on), tokens are renewed on schedule (their validity
    moves with it, so no token expires in between), and the completeness
    counts follow the objects;
* ``q3-decisions.csv``: reviewer decisions on the Q3 pack, in the columns of
  ``csv/effective_access.csv`` plus the reviewer columns (``decision``,
  ``reviewer``, ``review_date``, ``justification``, ``ticket``): Revoke on
  Victor's admin grant (done in Q4) and on Gavin's (not done), Keep on others.

The output is canonical (what ``reviewpack::snapshot::to_bytes`` writes) and
deterministic: no clock, no randomness. Re-run it after the demo changes:
``python3 samples/quarter/make_q4.py``. Python 3.9+, standard library only.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "demo" / "snapshot.json"
QUARTER = timedelta(days=92)

NEW_ADMIN = "keira.doyle@example.com"
ADMIN_GROUP = ("account", "platform_admins")
LEAVER = "farah.nasser@example.com"
WIDENED_RG = ("account", "payments_only")
WIDENED_TO = "project:eng/checkout"
GROWN_ROLE = ("account", "release_manager")
NEW_PERMISSION = "core_pipeline_delete"
REVOKED_DONE = ("account", "role_assignment_qggRnZ7WlONL6gyObfuT")  # Victor Haldane
REVOKED_NOT_DONE = ("project:eng/checkout", "role_assignment_SjrVgNt50iXESQx8j3Au")  # Gavin Roche
REMOVED_BY = "USER amara.okonkwo@example.com"
REVOKED_AT = "2026-10-23T14:12:05Z"
LEAVER_REMOVED_AT = "2026-11-18T09:30:41Z"
KEPT = [
    ("account", "role_assignment_QTW4VF2ln4HrZi6fDpCQ"),  # platform_admins: account admin
    ("account", "role_assignment_WxOUhMbJ4ZaWOgiHwTrJ"),  # Priya Raman on payments_only
    ("account", "role_assignment_W66DC3TPVpcdOlpU0c8N"),  # terraform_automation admin
]


def fail(msg: str) -> None:
    sys.exit(f"make_q4.py: {msg} (has samples/demo changed? adjust the constants at the top)")


def shift(ts: str | None) -> str | None:
    if ts is None:
        return None
    t = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return (t + QUARTER).strftime("%Y-%m-%dT%H:%M:%SZ")


def scope_key(s: str):
    """Sorts scopes as `Scope`'s Ord does: account, then orgs, then projects."""
    if s == "account":
        return (0, "", "")
    if s.startswith("org:"):
        return (1, s[4:], "")
    org, _, project = s[len("project:"):].partition("/")
    return (2, org, project)


def find(items, scope: str, ident: str, what: str):
    for x in items:
        if x["scope"] == scope and x["id"] == ident:
            return x
    fail(f"{what} {scope}/{ident} not found")


def user_by_email(snap, email: str):
    for u in snap["users"]:
        if u["email"] == email:
            return u
    fail(f"user {email} not found")


def completeness(snap, endpoint: str, scope: str):
    for entry in snap["completeness"]["lists"]:
        if entry["endpoint"] == endpoint and entry["scope"] == scope:
            return entry
    fail(f"completeness entry {endpoint} at {scope} not found")


def adjust(entry, delta: int) -> None:
    entry["stored"] += delta
    if entry["total_items"] is not None:
        entry["total_items"] += delta


def make_q4(q3):
    q4 = json.loads(json.dumps(q3))

    # The pull a quarter later.
    prov = q4["provenance"]
    prov["started_at"] = shift(prov["started_at"])
    prov["finished_at"] = shift(prov["finished_at"])
    act = q4["activity"]
    act["window_start"] = shift(act["window_start"])
    act["window_end"] = shift(act["window_end"])
    act["removals_since"] = shift(act["removals_since"])
    for login in act["logins"]:
        login["last_login"] = shift(login["last_login"])
    for joined in act.get("joined", []):
        joined["at"] = shift(joined["at"])
    for token in q4["tokens"]:
        for field in ("valid_from", "valid_to", "created_at"):
            token[field] = shift(token[field])

    # A new admin through membership only.
    keira = user_by_email(q4, NEW_ADMIN)
    group = find(q4["user_groups"], *ADMIN_GROUP, "group")
    if keira["id"] in group["members"]:
        fail(f"{NEW_ADMIN} is already in {ADMIN_GROUP}")
    group["members"] = sorted(group["members"] + [keira["id"]])

    # A leaver removed from the account, its groups and its evidence.
    leaver = user_by_email(q4, LEAVER)
    lid = leaver["id"]
    q4["users"] = [u for u in q4["users"] if u["id"] != lid]
    adjust(completeness(q4, "POST /ng/api/user/batch", "account"), -1)
    for scope in leaver["scopes"]:
        if scope != "account":
            adjust(completeness(q4, "POST /ng/api/user/aggregate", scope), -1)
    for g in q4["user_groups"]:
        g["members"] = [m for m in g["members"] if m != lid]
    if any(a["principal"]["kind"] == "USER" and a["principal"]["id"] == lid for a in q4["role_assignments"]):
        fail(f"{LEAVER} has direct role assignments; remove them too")
    events = sum(x["events"] for x in act["logins"] if x["user"] == lid)
    act["logins"] = [x for x in act["logins"] if x["user"] != lid]
    adjust(completeness(q4, "POST /audit/api/audits/list (logins)", "account"), -events)
    if any(x["user"] == lid for x in act.get("joined", [])):
        act["joined"] = [x for x in act["joined"] if x["user"] != lid]
        adjust(completeness(q4, "POST /audit/api/audits/list (users added)", "account"), -1)

    # A widened resource group.
    rg = find(q4["resource_groups"], *WIDENED_RG, "resource group")
    if any(s.get("scope") == WIDENED_TO for s in rg["included_scopes"]):
        fail(f"{WIDENED_RG} already covers {WIDENED_TO}")
    rg["included_scopes"].append({"scope": WIDENED_TO, "include_child_scopes": False})
    # Rust's order: an entry naming no scope first, then by scope.
    rg["included_scopes"].sort(key=lambda s: (
        "scope" in s, scope_key(s["scope"]) if "scope" in s else (), s["include_child_scopes"]))

    # A role that gained a permission.
    role = find(q4["roles"], *GROWN_ROLE, "role")
    if NEW_PERMISSION in role["permissions"]:
        fail(f"{GROWN_ROLE} already has {NEW_PERMISSION}")
    role["permissions"] = sorted(role["permissions"] + [NEW_PERMISSION])

    # One revocation carried out, one not.
    find(q4["role_assignments"], *REVOKED_NOT_DONE, "role assignment")
    find(q4["role_assignments"], *REVOKED_DONE, "role assignment")
    q4["role_assignments"] = [
        a for a in q4["role_assignments"] if (a["scope"], a["id"]) != REVOKED_DONE
    ]
    adjust(completeness(q4, "POST /authz/api/roleassignments/filter", REVOKED_DONE[0]), -1)

    # The audit trail's record of both removals, oldest first.
    victor = next(u for u in q3["users"] if u["id"] == find(q3["role_assignments"], *REVOKED_DONE,
                                                             "role assignment")["principal"]["id"])
    revoked = find(q3["role_assignments"], *REVOKED_DONE, "role assignment")
    act["removals"] = [
        {"at": REVOKED_AT, "audit_id": "aud_6f1c2e9b4d7a40e3b8c5d2f1a9e0c7b4",
         "action": "ROLE_ASSIGNMENT_DELETED", "resource_type": "USER", "resource": victor["email"],
         "scope": REVOKED_DONE[0], "by": REMOVED_BY, "removed": [REVOKED_DONE[1]],
         "role": revoked["role"]["id"], "resource_group": revoked["resource_group"]},
        {"at": LEAVER_REMOVED_AT, "audit_id": "aud_9a4e7c2b1f8d43a6a0e5c3b7d2f1e8a6",
         "action": "REMOVE_COLLABORATOR", "resource_type": "USER", "resource": LEAVER,
         "scope": "account", "by": REMOVED_BY},
    ]
    adjust(completeness(q4, "POST /audit/api/audits/list (removals)", "account"), 2)

    # The role lists' per-role counts, as the server would answer them now.
    for role in q4["roles"]:
        if role.get("assignment_counts") is None:
            continue
        kinds = [a["principal"]["kind"] for a in q4["role_assignments"]
                 if a["scope"] == role["scope"] and a["role"]["id"] == role["id"] and not a["internal"]]
        role["assignment_counts"] = {
            "users": kinds.count("USER"),
            "user_groups": kinds.count("USER_GROUP"),
            "service_accounts": kinds.count("SERVICE_ACCOUNT"),
        }
    return q4


def grant_rows(q3, scope: str, ident: str):
    """The effective-access rows of an assignment (groups at the assignment scope)."""
    a = find(q3["role_assignments"], scope, ident, "role assignment")
    users = {u["id"]: u for u in q3["users"]}
    if a["principal"]["kind"] == "USER":
        u = users.get(a["principal"]["id"]) or fail(f"user of {ident} not found")
        return [("user", u, "direct", a)]
    if a["principal"]["kind"] == "USER_GROUP":
        g = find(q3["user_groups"], a["scope"], a["principal"]["id"], "group")
        via = f"group:{g['scope']}/{g['id']}"
        return [("user", users[m], via, a) for m in sorted(g["members"]) if m in users]
    if a["principal"]["kind"] == "SERVICE_ACCOUNT":
        sa = find(q3["service_accounts"], a["scope"], a["principal"]["id"], "service account")
        return [("service_account", {"id": f"sa:{sa['scope']}/{sa['id']}", "name": sa["name"],
                                     "email": sa.get("email") or ""}, "direct", a)]
    fail(f"unexpected principal kind in {ident}")


def decisions_csv(q3) -> str:
    headers = [
        "principal_kind", "principal_id", "principal_name", "principal_email", "via",
        "assignment_id", "assignment_scope", "role_id", "resource_group_id",
        "decision", "reviewer", "review_date", "justification", "ticket",
    ]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(headers)
    plan = [
        (REVOKED_DONE, "Revoke", "Ines Calder", "2026-10-06",
         "Standing account admin without 2FA; use the platform_admins group", "SEC-2041"),
        (REVOKED_NOT_DONE, "Revoke", "Ines Calder", "2026-10-06",
         "Disabled user still bound as project admin", "SEC-2042"),
    ] + [(k, "Keep", "Ines Calder", "2026-10-06", "Reviewed", "") for k in KEPT]
    for key, decision, reviewer, date, why, ticket in plan:
        for kind, p, via, a in grant_rows(q3, *key):
            w.writerow([
                kind, p["id"], p["name"], p["email"], via, a["id"], a["scope"],
                a["role"]["id"], a["resource_group"], decision, reviewer, date, why, ticket,
            ])
    return out.getvalue()


def write_json(path: Path, doc) -> None:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    q3 = json.loads(DEMO.read_text(encoding="utf-8"))
    shutil.copyfile(DEMO, HERE / "q3.json")
    write_json(HERE / "q4.json", make_q4(q3))
    (HERE / "q3-decisions.csv").write_text(decisions_csv(q3), encoding="utf-8", newline="")
    print(f"wrote {HERE / 'q3.json'}, {HERE / 'q4.json'}, {HERE / 'q3-decisions.csv'}")


if __name__ == "__main__":
    main()
