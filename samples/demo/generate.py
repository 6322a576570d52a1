#!/usr/bin/env python3
"""Generates the bundled demo account "Acme Demo" for reviewpack.

Everything here is invented: the account, its people (example.com and
example.org addresses), its teams and its credentials. The account is defined
once, below, and written three ways:

* ``snapshot.json``: a reviewpack snapshot (format ``reviewpack.snapshot``,
  version 5, with no ``scim`` section and no ``completeness.unread``: the
  caller could read everything) in the canonical order of
  ``Snapshot::normalize``, byte for byte what ``reviewpack::snapshot::to_bytes``
  would write for the same content;
* ``api/``: the raw Harness API responses that snapshot stands for, one file
  per request, for the fake Harness server (``api/README.md`` names them);
* ``README.md`` and ``api/README.md``: what the account holds and which object
  demonstrates which case, with the generated identifiers filled in.

The script uses the Python 3.11 standard library only and is deterministic:
identifiers come from SHA-256 of fixed labels, the login history from a seeded
``random.Random``, the dates users joined from a fixed table, and no wall
clock is read. Running it twice writes the same bytes. Run it from anywhere:
``python3 samples/demo/generate.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import string
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------
# Fixed facts of the pull
# ---------------------------------------------------------------------------

ACCOUNT_ID = "Xq3demoACCT0000000001"
ACCOUNT_NAME = "Acme Demo"
ACCOUNT_COMPANY = "Acme Demo Inc."
ACCOUNT_CREATED = "2024-03-04T10:00:00Z"
AUTH_MECHANISM = "USER_PASSWORD"
TWO_FACTOR_ENFORCED = False
BASE_URL = "https://app.harness.io"
TOOL_VERSION = "0.1.0"
STARTED_AT = "2026-10-01T08:58:03Z"
FINISHED_AT = "2026-10-01T09:00:00Z"
WINDOW_DAYS = 180
PAGE_SIZE = 100
RNG_SEED = 20261001
NOTE = "Invented demo account for reviewpack; no real data"
CALLER_SA = "reviewpack_reader"

# ---------------------------------------------------------------------------
# Small helpers: time, identifiers, scopes
# ---------------------------------------------------------------------------


def dt(s: str) -> datetime:
    """Parses `YYYY-MM-DDTHH:MM:SSZ`."""
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def iso(d: datetime | None) -> str | None:
    """RFC 3339 UTC with a `Z`, whole seconds (as chrono writes it)."""
    if d is None:
        return None
    assert d.microsecond == 0, d
    return d.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ms(d: datetime | None) -> int | None:
    """Epoch milliseconds, as Harness sends every time."""
    if d is None:
        return None
    return int(d.timestamp()) * 1000


def digest(label: str) -> bytes:
    return hashlib.sha256(label.encode("utf-8")).digest()


def user_uuid(label: str) -> str:
    """A Harness-style user uuid: 22 characters of URL-safe base64."""
    return base64.urlsafe_b64encode(digest("user:" + label)).decode("ascii")[:22]


ALNUM = string.ascii_letters + string.digits


def alnum(label: str, n: int) -> str:
    """`n` letters and digits derived from a label."""
    value = int.from_bytes(digest(label), "big")
    out = []
    for _ in range(n):
        value, r = divmod(value, len(ALNUM))
        out.append(ALNUM[r])
    return "".join(out)


def hex_id(label: str, n: int = 24) -> str:
    return digest(label).hex()[:n]


def correlation_id(label: str) -> str:
    h = digest("corr:" + label).hex()
    return f"{h[0:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


# A scope is a tuple: ("account",), ("org", ORG) or ("project", ORG, PROJECT).
ACCOUNT = ("account",)


def org_scope(o: str) -> tuple:
    return ("org", o)


def project_scope(o: str, p: str) -> tuple:
    return ("project", o, p)


def scope_str(s: tuple) -> str:
    """`account`, `org:ORG`, `project:ORG/PROJECT`."""
    if s[0] == "account":
        return "account"
    if s[0] == "org":
        return f"org:{s[1]}"
    return f"project:{s[1]}/{s[2]}"


def scope_sort(s: tuple) -> tuple:
    """The order of the Rust `Scope` enum: Account < Org(..) < Project(..)."""
    return {"account": 0, "org": 1, "project": 2}[s[0]], s[1:]


def scope_file_key(s: tuple) -> str:
    """The scope part of an `api/` file path."""
    if s[0] == "account":
        return "account"
    if s[0] == "org":
        return f"org={s[1]}"
    return f"project={s[1]}~{s[2]}"


LEVEL_OF = {"account": "account", "org": "organization", "project": "project"}
LEVEL_RANK = {"account": 0, "organization": 1, "project": 2}


def level(s: tuple) -> str:
    return LEVEL_OF[s[0]]


def ancestor_at(s: tuple, lvl: str) -> tuple | None:
    if lvl == "account":
        return ACCOUNT
    if lvl == "organization":
        return org_scope(s[1]) if s[0] in ("org", "project") else None
    return s if s[0] == "project" else None


def self_and_ancestors(s: tuple) -> list:
    if s[0] == "account":
        return [ACCOUNT]
    if s[0] == "org":
        return [s, ACCOUNT]
    return [s, org_scope(s[1]), ACCOUNT]


def wire_scope(s: tuple) -> dict:
    """`{accountIdentifier, orgIdentifier, projectIdentifier}`."""
    return {
        "accountIdentifier": ACCOUNT_ID,
        "orgIdentifier": s[1] if len(s) > 1 else None,
        "projectIdentifier": s[2] if len(s) > 2 else None,
    }


def parse_scope(text: str) -> tuple:
    if text == "account":
        return ACCOUNT
    if text.startswith("org:"):
        return org_scope(text[4:])
    o, p = text[len("project:"):].split("/")
    return project_scope(o, p)


# ---------------------------------------------------------------------------
# The account, defined once
# ---------------------------------------------------------------------------

# (id, name, description, tags, createdAt)
ORGS = [
    ("default", "Default", "The organization Harness creates with every account", {}, "2024-03-04T10:12:00Z"),
    ("eng", "Engineering", "Product engineering teams", {"cost_center": "cc-200"}, "2024-03-11T14:30:00Z"),
    ("ops", "Operations", "Infrastructure and site reliability", {"cost_center": "cc-300"}, "2024-04-02T09:05:00Z"),
]

# (org, id, name, description, tags, modules, createdAt)
PROJECTS = [
    ("default", "sandbox", "Sandbox", "A place to try pipelines out", {}, ["CD", "CI"], "2024-03-04T10:15:00Z"),
    ("default", "docs_site", "Docs Site", "The public documentation site", {"tier": "3"}, ["CI"], "2024-06-18T08:40:00Z"),
    ("eng", "payments", "Payments", "Payment processing services", {"pci": "", "tier": "1"}, ["CD", "CI", "STO"], "2024-03-12T11:00:00Z"),
    ("eng", "checkout", "Checkout", "Web checkout flow", {"tier": "1"}, ["CD", "CI"], "2024-03-12T11:20:00Z"),
    ("eng", "mobile", "Mobile App", "iOS and Android apps", {"tier": "2"}, ["CI"], "2024-05-07T16:02:00Z"),
    ("eng", "data_platform", "Data Platform", "Batch and streaming data jobs", {"tier": "2"}, ["CD", "CI"], "2024-09-23T13:45:00Z"),
    ("ops", "infra", "Infrastructure", "Shared cloud infrastructure", {"tier": "1"}, ["CD", "IACM"], "2024-04-02T09:30:00Z"),
    ("ops", "observability", "Observability", "Metrics, logs and alerting", {"tier": "2"}, ["CD"], "2024-04-15T12:10:00Z"),
]

# Login patterns: ("recent",) several logins, the latest in the last three
# weeks; ("ago", DAYS) the latest login DAYS days before the window end;
# ("since", DAYS) several logins, all in the last DAYS - 1 days (a user who
# joined DAYS days ago); ("none",) no login in the window.
R = ("recent",)
NONE = ("none",)


def AGO(days: int) -> tuple:
    return ("ago", days)


def SINCE(days: int) -> tuple:
    return ("since", days)


# handle -> attributes. The email is handle@domain; the uuid derives from it.
# scopes: extra memberships beyond those implied by groups and assignments.
USERS = [
    # handle, name, domain, 2fa, scim, disabled, locked, login, extra scopes
    ("amara.okonkwo", "Amara Okonkwo", "example.com", True, True, False, False, R, []),
    ("bjorn.castell", "Bjørn Castell", "example.com", False, True, False, False, R, []),
    ("meilin.tan", "Mei-Lin Tan", "example.com", True, False, False, False, R, []),
    ("victor.haldane", "Victor Haldane", "example.com", False, False, False, False, R, []),
    ("priya.raman", "Priya Raman", "example.com", True, True, False, False, R, []),
    ("marcus.feld", "Marcus Feld", "example.com", True, False, False, False, AGO(130), []),
    ("grace.ito", "Grace Ito", "example.com", True, False, False, False, R, []),
    ("hyperlink.test", '=HYPERLINK("http://example.invalid","click")', "example.org", False, False, False, False, NONE, []),
    ("lena.marsh", "Lena Marsh", "example.org", False, False, False, False, R, []),
    ("tobias.renner", "Tobias Renner", "example.org", False, False, False, False, NONE, []),
    ("noor.haddad", "@Noor Haddad", "example.com", True, False, False, False, R, []),
    ("ines.calder", "Ines Calder", "example.com", True, True, False, False, R, []),
    ("oskar.brandt", "Oskar Brandt", "example.com", True, True, False, False, R, []),
    ("farah.nasser", "Farah Nasser", "example.com", False, True, False, False, AGO(100), []),
    ("diego.marquez", "Diego Marquez", "example.com", True, True, False, False, R, ["project:eng/payments", "project:eng/checkout"]),
    ("hana.kobayashi", "Hana Kobayashi", "example.com", True, True, False, False, R, ["project:eng/payments", "project:eng/checkout"]),
    ("liam.byrne", "Liam Byrne", "example.com", False, True, False, False, R, ["project:eng/payments", "project:eng/checkout"]),
    ("sofia.lindgren", "Sofia Lindgren", "example.com", True, True, False, False, R, ["project:eng/payments", "project:eng/checkout"]),
    ("kwame.mensah", "Kwame Mensah", "example.com", True, True, False, False, R, ["project:eng/payments"]),
    ("elena.varga", "Elena Varga", "example.com", True, True, False, False, R, ["project:eng/mobile"]),
    ("ravi.kulkarni", "Ravi Kulkarni", "example.com", False, True, False, False, R, ["project:eng/data_platform"]),
    ("yusuf.demir", "Yusuf Demir", "example.com", True, True, False, False, R, []),
    ("maren.holt", "Maren Holt", "example.com", True, True, False, False, R, []),
    ("aiko.tanabe", "Aiko Tanabe", "example.com", False, True, False, False, R, []),
    ("pablo.serrano", "Pablo Serrano", "example.com", True, False, False, True, AGO(95), []),
    ("nadia.karim", "Nadia Karim", "example.com", True, False, False, False, R, []),
    ("gavin.roche", "Gavin Roche", "example.com", False, False, True, False, NONE, []),
    ("iris.vogel", "Iris Vogel", "example.com", True, False, False, False, NONE, []),
    ("kofi.asante", "Kofi Asante", "example.com", True, False, False, False, AGO(150), []),
    ("lucia.ferraz", "Lucia Ferraz", "example.com", False, False, False, False, NONE, []),
    ("mateo.rios", "Mateo Rios", "example.com", True, False, False, False, R, []),
    ("zara.quinn", "Zara Quinn", "example.com", True, False, False, False, R, []),
    ("anders.nyberg", "Anders Nyberg", "example.com", True, False, False, False, R, []),
    ("bea.santos", "Bea Santos", "example.com", True, False, False, False, R, []),
    ("celine.dubois", "Céline Dubois", "example.com", True, False, False, False, AGO(85), []),
    ("ivo.marek", "Ivo Marek", "example.com", True, False, False, False, R, []),
    ("jonas.weber", "Jonas Weber", "example.com", True, False, False, False, R, []),
    ("keira.doyle", "Keira Doyle", "example.com", False, False, False, False, R, []),
    ("olivia.fenwick", "Olivia Fenwick", "example.com", True, False, False, False, R, []),
    ("theo.lambert", "Theo Lambert", "example.com", True, False, False, False, R, []),
    ("uma.patel", "Uma Patel", "example.com", False, False, False, False, NONE, ["project:default/sandbox"]),
    # Joined inside the activity window (JOINS below). Listed last, so the
    # seeded login history of everyone above stays what it was.
    ("rosa.delgado", "Rosa Delgado", "example.com", False, True, False, False, NONE, []),
    ("tariq.benali", "Tariq Benali", "example.com", True, False, False, False, SINCE(40), []),
]

# A user deleted from Harness whose role assignment was left behind.
DELETED_USER = "former.employee@example.com"

SSO_ID = "samlAcmeDemoOkta01"
SSO_DISPLAY = "Okta (Acme Demo)"

# Custom user groups: (scope, id, name, member handles, sso group name or
# None, externally managed, description, tags)
GROUPS = [
    ("account", "platform_admins", "Platform Admins", ["amara.okonkwo", "bjorn.castell", "meilin.tan", "oskar.brandt"],
     "harness-platform-admins", False, "Administrators of the whole account", {"team": "platform"}),
    ("account", "security_auditors", "Security Auditors", ["ines.calder", "oskar.brandt", "farah.nasser", "rosa.delgado"],
     "sec-auditors", False, "Read-only access for the security team", {"team": "security"}),
    ("account", "release_managers", "Release Managers", ["diego.marquez", "hana.kobayashi", "liam.byrne", "sofia.lindgren"],
     None, False, "Approve and run production releases", {}),
    ("account", "contractors", "Contractors <script>alert(1)</script>", ["lena.marsh", "tobias.renner"],
     None, False, "External contractors (display name is deliberately hostile)", {"vendor": "example-org"}),
    ("org:eng", "eng_leads", "Engineering Leads", ["kwame.mensah", "elena.varga", "ravi.kulkarni"],
     "eng-leads", True, "Provisioned by SCIM from the identity provider", {}),
    ("org:ops", "incident_commanders", "Incident Commanders", [],
     None, False, "Break-glass group for major incidents; normally empty", {"break_glass": ""}),
    ("project:ops/infra", "infra_oncall", "Infra On-call", ["ivo.marek", "jonas.weber"],
     None, False, "On-call rota kept by hand in Harness", {}),
    ("project:eng/payments", "payments_devs", "Payments Developers",
     ["yusuf.demir", "maren.holt", "aiko.tanabe", "pablo.serrano", "nadia.karim"],
     None, False, None, {}),
    ("project:eng/mobile", "mobile_team", "+Mobile Team", ["noor.haddad", "kofi.asante", "lucia.ferraz", "mateo.rios"],
     None, False, "Display name starts with a plus sign", {}),
]

# Built-in all-users groups whose stored member list is deliberately partial:
# the tool must treat them as every user of the scope anyway.
PARTIAL_ALL_USERS = {"org:ops": ["ivo.marek"]}  # handles left out

# ----- Permissions: (id, name, resource type, action, scope levels) ----------
A, O, P = "account", "organization", "project"
PERMISSIONS = [
    ("core_user_view", "View Users", "USER", "view", [A, O, P]),
    ("core_user_manage", "Manage Users", "USER", "manage", [A, O, P]),
    ("core_usergroup_view", "View User Groups", "USERGROUP", "view", [A, O, P]),
    ("core_usergroup_manage", "Manage User Groups", "USERGROUP", "manage", [A, O, P]),
    ("core_serviceaccount_view", "View Service Accounts", "SERVICEACCOUNT", "view", [A, O, P]),
    ("core_serviceaccount_edit", "Create / Edit Service Accounts", "SERVICEACCOUNT", "edit", [A, O, P]),
    ("core_serviceaccount_delete", "Delete Service Accounts", "SERVICEACCOUNT", "delete", [A, O, P]),
    ("core_serviceaccount_manageapikey", "Manage Service Account API Keys", "SERVICEACCOUNT", "manageapikey", [A, O, P]),
    ("core_role_view", "View Roles", "ROLE", "view", [A, O, P]),
    ("core_role_edit", "Create / Edit Roles", "ROLE", "edit", [A, O, P]),
    ("core_role_delete", "Delete Roles", "ROLE", "delete", [A, O, P]),
    ("core_resourcegroup_view", "View Resource Groups", "RESOURCEGROUP", "view", [A, O, P]),
    ("core_resourcegroup_edit", "Create / Edit Resource Groups", "RESOURCEGROUP", "edit", [A, O, P]),
    ("core_resourcegroup_delete", "Delete Resource Groups", "RESOURCEGROUP", "delete", [A, O, P]),
    ("core_pipeline_view", "View Pipelines", "PIPELINE", "view", [A, O, P]),
    ("core_pipeline_edit", "Create / Edit Pipelines", "PIPELINE", "edit", [A, O, P]),
    ("core_pipeline_execute", "Execute Pipelines", "PIPELINE", "execute", [A, O, P]),
    ("core_pipeline_delete", "Delete Pipelines", "PIPELINE", "delete", [A, O, P]),
    ("core_secret_view", "View Secrets", "SECRET", "view", [A, O, P]),
    ("core_secret_edit", "Create / Edit Secrets", "SECRET", "edit", [A, O, P]),
    ("core_secret_access", "Access Secrets", "SECRET", "access", [A, O, P]),
    ("core_secret_delete", "Delete Secrets", "SECRET", "delete", [A, O, P]),
    ("core_connector_view", "View Connectors", "CONNECTOR", "view", [A, O, P]),
    ("core_connector_edit", "Create / Edit Connectors", "CONNECTOR", "edit", [A, O, P]),
    ("core_connector_access", "Access Connectors", "CONNECTOR", "access", [A, O, P]),
    ("core_connector_delete", "Delete Connectors", "CONNECTOR", "delete", [A, O, P]),
    ("core_project_view", "View Projects", "PROJECT", "view", [A, O, P]),
    ("core_project_create", "Create Projects", "PROJECT", "create", [A, O]),
    ("core_project_edit", "Edit Projects", "PROJECT", "edit", [A, O, P]),
    ("core_project_delete", "Delete Projects", "PROJECT", "delete", [A, O, P]),
    ("core_organization_view", "View Organizations", "ORGANIZATION", "view", [A, O]),
    ("core_organization_create", "Create Organizations", "ORGANIZATION", "create", [A]),
    ("core_organization_edit", "Edit Organizations", "ORGANIZATION", "edit", [A, O]),
    ("core_organization_delete", "Delete Organizations", "ORGANIZATION", "delete", [A, O]),
    ("core_account_view", "View Account", "ACCOUNT", "view", [A]),
    ("core_account_edit", "Edit Account", "ACCOUNT", "edit", [A]),
    ("core_audit_view", "View Audit Trail", "AUDIT", "view", [A, O, P]),
    ("core_authsetting_view", "View Authentication Settings", "AUTHSETTING", "view", [A]),
    ("core_authsetting_edit", "Edit Authentication Settings", "AUTHSETTING", "edit", [A]),
    ("core_authsetting_delete", "Delete Authentication Settings", "AUTHSETTING", "delete", [A]),
]
PERM_BY_ID = {p[0]: p for p in PERMISSIONS}
ALL_PERMS = [p[0] for p in PERMISSIONS]
VIEW_PERMS = [p[0] for p in PERMISSIONS if p[3] == "view"]


def perms_at(lvl: str, ids: list) -> list:
    """The permissions of `ids` that apply at scope level `lvl`."""
    return [i for i in ids if lvl in PERM_BY_ID[i][4]]


# Harness-managed roles: (id, name, level, permissions).
ORG_EXCLUDED = {"core_organization_create"}
MANAGED_ROLES = [
    ("_account_admin", "Account Admin", A, perms_at(A, ALL_PERMS)),
    ("_account_viewer", "Account Viewer", A, perms_at(A, VIEW_PERMS)),
    ("_organization_admin", "Organization Admin", O, [p for p in perms_at(O, ALL_PERMS) if p not in ORG_EXCLUDED]),
    ("_organization_viewer", "Organization Viewer", O, perms_at(O, VIEW_PERMS)),
    ("_project_admin", "Project Admin", P, perms_at(P, ALL_PERMS)),
    ("_project_viewer", "Project Viewer", P, perms_at(P, VIEW_PERMS)),
    ("_pipeline_executor", "Pipeline Executor", P, [
        "core_pipeline_view", "core_pipeline_execute", "core_secret_view", "core_secret_access",
        "core_connector_view", "core_connector_access", "core_project_view"]),
]

# Custom roles: (scope, id, name, description, allowed levels, permissions).
CUSTOM_ROLES = [
    ("account", "release_manager", "Release Manager", "Runs and edits release pipelines; uses their secrets",
     [A, O, P], ["core_pipeline_view", "core_pipeline_edit", "core_pipeline_execute", "core_secret_view",
                 "core_secret_access", "core_connector_view", "core_connector_access", "core_project_view"]),
    ("account", "group_manager", "Group Manager", "Helpdesk role: maintains group membership",
     [A], ["core_user_view", "core_usergroup_view", "core_usergroup_manage"]),
    ("account", "security_auditor", "Security Auditor", "Read-only, including the audit trail",
     [A, O, P], list(VIEW_PERMS)),
    # What the review's key needs beyond viewing to list API keys and tokens
    # (docs/operations.md): Harness guards those lists with manageapikey.
    ("account", "token_reader", "Review Token Reader",
     "Lists service accounts' API keys and tokens for the access review",
     [A], ["core_serviceaccount_view", "core_serviceaccount_manageapikey"]),
    ("org:eng", "eng_deployer", "Eng Deployer", "Runs any Engineering pipeline",
     [O, P], ["core_pipeline_view", "core_pipeline_execute", "core_connector_view", "core_connector_access",
              "core_project_view"]),
]

# Harness's built-in resource groups, as managed-resourcegroups.yml defines
# them: (id, name, description, including child scopes, allowed scope
# levels). Harness stores each once, with no scope; it is listed at every
# scope of an allowed level, and its one `includedScopes` entry names no
# scope: "the scope the group is used at".
BUILTIN_RGS = [
    ("_all_account_level_resources", "All Account Level Resources",
     "All the resources at this account scope are included in this resource group.", False, [A]),
    ("_all_organization_level_resources", "All Organization Level Resources",
     "All the resources at this organization scope are included in this resource group.", False, [O]),
    ("_all_project_level_resources", "All Project Level Resources",
     "All the resources at this project scope are included in this resource group.", False, [P]),
    ("_all_resources_including_child_scopes", "All Resources Including Child Scopes",
     "All the resources in this scope as well as the child scopes are included in this resource group.", True, [A, O]),
]

# Custom resource groups: (scope, id, name, description, included scopes
# [(scope, including children)], include all, resources
# [(type, identifiers, (attribute, values) or None)], color)
CUSTOM_RGS = [
    ("account", "payments_only", "Payments project only", "Everything in eng/payments, nothing else",
     [("project:eng/payments", False)], True, [], "#0063F7"),
    ("account", "broad_secrets", "broad secrets", "Every secret in the account, its orgs and projects",
     [("account", True)], False, [("SECRET", [], None)], "#E43326"),
    ("org:eng", "eng_pipelines", "Eng pipelines (all projects)", "Pipelines of every Engineering project",
     [("org:eng", True)], False, [("PIPELINE", [], None)], "#1B841D"),
    ("org:ops", "cloud_connectors", "Cloud provider connectors", "Cloud-provider connectors of Operations",
     [("org:ops", True)], False, [("CONNECTOR", [], ("category", ["CLOUD_PROVIDER"]))], "#6938C0"),
]

# Service accounts: (scope, id, name, description, tags, createdAt,
# [(api key id, name, createdAt, [(token id, name, validFrom, validTo, valid, createdAt)])])
SERVICE_ACCOUNTS = [
    ("account", "terraform_automation", "Terraform Automation", "Applies the platform Terraform workspace",
     {"managed_by": "terraform", "owner": "platform-team@example.com"}, "2025-02-10T09:00:00Z", [
         ("tf_apply_key", "Terraform apply", "2025-11-03T10:00:00Z", [
             ("tf_apply_token", "terraform-apply", "2025-11-03T10:00:00Z", None, True, "2025-11-03T10:00:00Z"),
         ]),
     ]),
    ("account", "ci_bot", "CI Bot", "Triggers builds from the source host",
     {"owner": "release-eng@example.com"}, "2024-05-20T15:30:00Z", [
         ("ci_bot_primary", "Primary", "2025-09-15T08:00:00Z", [
             ("ci_bot_2025", "ci-bot-2025", "2025-09-15T08:00:00Z", "2027-09-15T08:00:00Z", True, "2025-09-15T08:00:00Z"),
         ]),
         ("ci_bot_rotation", "Rotation", "2026-01-05T08:00:00Z", [
             ("ci_bot_2026q1", "ci-bot-2026-q1", "2026-01-05T08:00:00Z", "2026-04-05T08:00:00Z", False, "2026-01-05T08:00:00Z"),
             ("ci_bot_2026q3", "ci-bot-2026-q3", "2026-07-01T08:00:00Z", "2026-12-28T08:00:00Z", True, "2026-07-01T08:00:00Z"),
         ]),
     ]),
    ("account", "audit_exporter", "Audit Exporter", "Ships the audit trail to the SIEM",
     {"owner": "security@example.com", "purpose": "siem-export"}, "2025-06-02T11:00:00Z", [
         ("siem_export", "SIEM export", "2026-08-01T07:00:00Z", [
             ("siem_export_token", "siem-export", "2026-08-01T07:00:00Z", "2026-10-30T07:00:00Z", True, "2026-08-01T07:00:00Z"),
         ]),
     ]),
    ("account", CALLER_SA, "Reviewpack Reader", "Read-only key for the quarterly access review",
     {"owner": "grc@example.com", "purpose": "access-review"}, "2026-09-28T13:00:00Z", [
         ("review_q4", "Q4 2026 review", "2026-09-28T13:05:00Z", [
             ("review_q4_token", "review-q4-2026", "2026-09-28T13:05:00Z", "2026-10-28T13:05:00Z", True, "2026-09-28T13:05:00Z"),
         ]),
     ]),
    ("org:ops", "ops_runner", "Ops Runner", "Runs operations jobs (no owner recorded)",
     {"team": "sre"}, "2024-11-12T10:20:00Z", [
         ("ops_runner_key", "Default", "2026-06-20T09:00:00Z", [
             ("ops_runner_token", "ops-runner", "2026-06-20T09:00:00Z", "2026-12-17T09:00:00Z", True, "2026-06-20T09:00:00Z"),
         ]),
     ]),
    ("project:ops/infra", "infra_deployer", "Infra Deployer", "Deploys the shared infrastructure stack",
     {"owner": "ivo.marek@example.com"}, "2025-03-03T12:00:00Z", [
         ("infra_deployer_key", "Deploy", "2026-08-15T06:00:00Z", [
             ("infra_deploy_token", "infra-deploy", "2026-08-15T06:00:00Z", "2026-11-13T06:00:00Z", True, "2026-08-15T06:00:00Z"),
         ]),
         ("infra_legacy_key", "Legacy (no tokens)", "2025-03-03T12:10:00Z", []),
     ]),
]

# Role assignments. Principal references: ("USER", handle) for a user,
# ("USER", "deleted:EMAIL") for a user that no longer exists, ("USER_GROUP",
# id, level or None), ("SERVICE_ACCOUNT", id, level or None).
# Fields: label (the case it demonstrates; also the seed of its id), scope,
# principal, (role id, role level or None), resource group, disabled, managed.
ASSIGNMENTS = [
    # --- account -------------------------------------------------------
    ("admin via group", "account", ("USER_GROUP", "platform_admins", "account"),
     ("_account_admin", "account"), "_all_resources_including_child_scopes", False, False),
    ("direct admin without 2FA", "account", ("USER", "victor.haldane"),
     ("_account_admin", "account"), "_all_account_level_resources", False, False),
    ("narrow account admin (payments_only, not admin per PL-47632)", "account", ("USER", "priya.raman"),
     ("_account_admin", "account"), "payments_only", False, False),
    ("disabled assignment that would grant admin", "account", ("USER", "marcus.feld"),
     ("_account_admin", "account"), "_all_account_level_resources", True, False),
    ("security auditors group", "account", ("USER_GROUP", "security_auditors", "account"),
     ("security_auditor", "account"), "_all_resources_including_child_scopes", False, False),
    ("broad secret access through release managers", "account", ("USER_GROUP", "release_managers", "account"),
     ("release_manager", "account"), "broad_secrets", False, False),
    ("escalation: group manager held by a non-admin", "account", ("USER", "grace.ito"),
     ("group_manager", "account"), "_all_account_level_resources", False, False),
    ("contractors viewer (hostile group name)", "account", ("USER_GROUP", "contractors", "account"),
     ("_account_viewer", "account"), "_all_account_level_resources", False, False),
    ("service account admin", "account", ("SERVICE_ACCOUNT", "terraform_automation", "account"),
     ("_account_admin", "account"), "_all_resources_including_child_scopes", False, False),
    ("audit exporter, service account without scope level", "account", ("SERVICE_ACCOUNT", "audit_exporter", None),
     ("security_auditor", None), "_all_resources_including_child_scopes", False, False),
    ("reviewpack reader (the caller)", "account", ("SERVICE_ACCOUNT", CALLER_SA, "account"),
     ("security_auditor", "account"), "_all_resources_including_child_scopes", False, False),
    ("reviewpack reader lists tokens (the caller)", "account", ("SERVICE_ACCOUNT", CALLER_SA, "account"),
     ("token_reader", "account"), "_all_resources_including_child_scopes", False, False),
    ("hostile user name, direct viewer", "account", ("USER", "hyperlink.test"),
     ("_account_viewer", "account"), "_all_account_level_resources", False, False),
    # --- org:default ---------------------------------------------------
    ("default org admin", "org:default", ("USER", "olivia.fenwick"),
     ("_organization_admin", "organization"), "_all_organization_level_resources", False, False),
    # --- org:eng -------------------------------------------------------
    ("all-users group of eng bound above viewer", "org:eng", ("USER_GROUP", "_organization_all_users", "organization"),
     ("eng_deployer", "organization"), "_all_resources_including_child_scopes", False, False),
    ("eng leads (SCIM group) org admin", "org:eng", ("USER_GROUP", "eng_leads", "organization"),
     ("_organization_admin", "organization"), "_all_resources_including_child_scopes", False, False),
    ("direct eng deployer on eng_pipelines", "org:eng", ("USER", "hana.kobayashi"),
     ("eng_deployer", "organization"), "eng_pipelines", False, False),
    # Harness makes this one itself when an account group is given a role in
    # a project (RoleAssignmentResourceImpl.checkAndAddManagedRoleAssignmentForUserGroup):
    # release_managers got one in project:eng/payments below.
    ("org viewer Harness made for release managers in payments", "org:eng",
     ("USER_GROUP", "release_managers", "account"),
     ("_organization_viewer", "organization"), "_all_organization_level_resources", False, False),
    # --- org:ops -------------------------------------------------------
    ("empty privileged group", "org:ops", ("USER_GROUP", "incident_commanders", None),
     ("_organization_admin", None), "_all_organization_level_resources", False, False),
    ("ops runner on cloud connectors, service account at org level", "org:ops",
     ("SERVICE_ACCOUNT", "ops_runner", "organization"),
     ("release_manager", "account"), "cloud_connectors", False, False),
    ("ops runner org viewer, service account without scope level", "org:ops", ("SERVICE_ACCOUNT", "ops_runner", None),
     ("_organization_viewer", None), "_all_organization_level_resources", False, False),
    # --- project:default/sandbox ---------------------------------------
    ("orphaned: group that exists nowhere", "project:default/sandbox", ("USER_GROUP", "qa_team_old", None),
     ("_project_admin", None), "_all_project_level_resources", False, False),
    ("sandbox admin", "project:default/sandbox", ("USER", "olivia.fenwick"),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    # --- project:default/docs_site -------------------------------------
    ("docs site admin", "project:default/docs_site", ("USER", "theo.lambert"),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    ("docs site contractor executor", "project:default/docs_site", ("USER", "lena.marsh"),
     ("_pipeline_executor", "project"), "_all_project_level_resources", False, False),
    # --- project:eng/payments ------------------------------------------
    ("payments developers executor", "project:eng/payments", ("USER_GROUP", "payments_devs", None),
     ("_pipeline_executor", None), "_all_project_level_resources", False, False),
    ("project assignment to an account group via scope level", "project:eng/payments",
     ("USER_GROUP", "release_managers", "account"),
     ("release_manager", "account"), "_all_project_level_resources", False, False),
    ("ci bot executor, account service account with scope level", "project:eng/payments",
     ("SERVICE_ACCOUNT", "ci_bot", "account"),
     ("_pipeline_executor", "project"), "_all_project_level_resources", False, False),
    ("payments project admin", "project:eng/payments", ("USER", "priya.raman"),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    # --- project:eng/checkout ------------------------------------------
    ("orphaned: deleted user", "project:eng/checkout", ("USER", "deleted:" + DELETED_USER),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    ("ci bot executor, service account found by searching upwards", "project:eng/checkout",
     ("SERVICE_ACCOUNT", "ci_bot", None),
     ("_pipeline_executor", None), "_all_project_level_resources", False, False),
    ("disabled user still bound", "project:eng/checkout", ("USER", "gavin.roche"),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    ("checkout viewer", "project:eng/checkout", ("USER", "iris.vogel"),
     ("_project_viewer", "project"), "_all_project_level_resources", False, False),
    # --- project:eng/mobile --------------------------------------------
    ("mobile team executor", "project:eng/mobile", ("USER_GROUP", "mobile_team", "project"),
     ("_pipeline_executor", "project"), "_all_project_level_resources", False, False),
    ("mobile project admin", "project:eng/mobile", ("USER", "zara.quinn"),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    # --- project:eng/data_platform -------------------------------------
    ("data platform admin", "project:eng/data_platform", ("USER", "anders.nyberg"),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    ("data platform executor", "project:eng/data_platform", ("USER", "bea.santos"),
     ("_pipeline_executor", "project"), "_all_project_level_resources", False, False),
    ("data platform viewer", "project:eng/data_platform", ("USER", "celine.dubois"),
     ("_project_viewer", "project"), "_all_project_level_resources", False, False),
    # --- project:ops/infra ---------------------------------------------
    ("orphaned: account group referenced without scope level", "project:ops/infra",
     ("USER_GROUP", "security_auditors", None),
     ("_project_viewer", None), "_all_project_level_resources", False, False),
    ("infra deployer, project service account without scope level", "project:ops/infra",
     ("SERVICE_ACCOUNT", "infra_deployer", None),
     ("_pipeline_executor", None), "_all_project_level_resources", False, False),
    ("hand-managed admin group", "project:ops/infra", ("USER_GROUP", "infra_oncall", None),
     ("_project_admin", None), "_all_project_level_resources", False, False),
    ("infra project admin", "project:ops/infra", ("USER", "ivo.marek"),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    # --- project:ops/observability -------------------------------------
    ("observability admin", "project:ops/observability", ("USER", "jonas.weber"),
     ("_project_admin", "project"), "_all_project_level_resources", False, False),
    ("ops runner executor in observability, org service account", "project:ops/observability",
     ("SERVICE_ACCOUNT", "ops_runner", "organization"),
     ("_pipeline_executor", "project"), "_all_project_level_resources", False, False),
    ("observability executor", "project:ops/observability", ("USER", "keira.doyle"),
     ("_pipeline_executor", "project"), "_all_project_level_resources", False, False),
]

# Users added to the account inside the activity window: (handle, time of
# the ADD_COLLABORATOR event at account scope, re-added). Everyone else
# joined before the window. A user who was not re-added has no login before
# the join (checked below).
JOINS = [
    # New hire, never logged in, joined 6 days ago.
    ("rosa.delgado", "2026-09-25T08:14:37Z", False),
    # Joined about 40 days ago and has logged in since.
    ("tariq.benali", "2026-08-22T08:05:48Z", False),
    # A long-standing user removed by mistake and added back ~100 days ago.
    ("yusuf.demir", "2026-06-23T07:31:02Z", True),
]
# Who added them: an account admin (a member of platform_admins).
JOINS_BY = "amara.okonkwo"

# ---------------------------------------------------------------------------
# Derived tables
# ---------------------------------------------------------------------------

FINISHED = dt(FINISHED_AT)
WINDOW_END = FINISHED
WINDOW_START = FINISHED - timedelta(days=WINDOW_DAYS)


class Model:
    """The account with every reference resolved and checked."""

    def __init__(self) -> None:
        self.orgs = {o[0]: o for o in ORGS}
        self.projects = {(p[0], p[1]): p for p in PROJECTS}
        self.scopes = [ACCOUNT] + [org_scope(o) for o in self.orgs] + [project_scope(*k) for k in self.projects]
        self.scopes.sort(key=scope_sort)

        self.users = {}
        for (handle, name, domain, tfa, scim, disabled, locked, login, extra) in USERS:
            email = f"{handle}@{domain}"
            self.users[handle] = {
                "handle": handle, "uuid": user_uuid(email), "name": name, "email": email,
                "tfa": tfa, "scim": scim, "disabled": disabled, "locked": locked,
                "login": login, "scopes": {ACCOUNT},
            }
            for s in extra:
                self.add_member(handle, parse_scope(s))
        assert len({u["uuid"] for u in self.users.values()}) == len(self.users)

        self.groups = []
        for (scope, gid, name, members, sso, ext, desc, tags) in GROUPS:
            s = parse_scope(scope)
            self.check_scope(s)
            for h in members:
                assert h in self.users, h
                self.add_member(h, s)
            self.groups.append({
                "scope": s, "id": gid, "name": name, "members": list(members), "sso": sso,
                "externally_managed": ext, "harness_managed": False, "description": desc, "tags": tags,
            })

        self.assignments = []
        for (label, scope, principal, role, rg, disabled, managed) in ASSIGNMENTS:
            s = parse_scope(scope)
            self.check_scope(s)
            if principal[0] == "USER" and not principal[1].startswith("deleted:") and s != ACCOUNT:
                self.add_member(principal[1], s)
            self.assignments.append(self.make_assignment(label, s, principal, role, rg, disabled, managed))

        # Built-in all-users groups (every scope) and their Harness-managed
        # viewer assignments.
        for s in self.scopes:
            gid = {"account": "_account_all_users", "org": "_organization_all_users",
                   "project": "_project_all_users"}[s[0]]
            gname = {"account": "All Account Users", "org": "All Organization Users",
                     "project": "All Project Users"}[s[0]]
            if s[0] == "project":
                members = []  # Harness keeps these lists empty here
            else:
                left_out = set(PARTIAL_ALL_USERS.get(scope_str(s), []))
                members = [h for h, u in self.users.items() if s in u["scopes"] and h not in left_out]
            self.groups.append({
                "scope": s, "id": gid, "name": gname, "members": members, "sso": None,
                "externally_managed": False, "harness_managed": True,
                "description": f"All the users of this {level(s)}", "tags": {},
            })
            viewer, rg = {
                "account": ("_account_viewer", "_all_account_level_resources"),
                "org": ("_organization_viewer", "_all_organization_level_resources"),
                "project": ("_project_viewer", "_all_project_level_resources"),
            }[s[0]]
            self.assignments.append(self.make_assignment(
                f"managed default viewer for {scope_str(s)}", s, ("USER_GROUP", gid, level(s)),
                (viewer, level(s)), rg, False, True))

        # Roles: managed ones at every scope of their level, then custom.
        self.roles = []
        for (rid, name, lvl, perms) in MANAGED_ROLES:
            for s in self.scopes:
                if level(s) == lvl:
                    self.roles.append({"scope": s, "id": rid, "name": name, "permissions": list(perms),
                                       "levels": [lvl], "harness_managed": True,
                                       "description": f"Harness-managed {name} role"})
        for (scope, rid, name, desc, levels, perms) in CUSTOM_ROLES:
            s = parse_scope(scope)
            self.check_scope(s)
            self.roles.append({"scope": s, "id": rid, "name": name, "permissions": list(perms),
                               "levels": list(levels), "harness_managed": False, "description": desc})
        for r in self.roles:
            for p in r["permissions"]:
                assert p in PERM_BY_ID, p

        # Resource groups: built-ins at every scope of an allowed level (their
        # included scope is None: the scope they are used at), then custom.
        self.rgs = []
        for s in self.scopes:
            for (gid, name, desc, children, levels) in BUILTIN_RGS:
                if level(s) in levels:
                    self.rgs.append({"scope": s, "id": gid, "name": name, "harness_managed": True,
                                     "description": desc, "levels": list(levels),
                                     "included": [(None, children)], "include_all": True, "resources": [],
                                     "color": None, "created": "2024-03-04T10:12:00Z"})
        for (scope, gid, name, desc, included, include_all, resources, color) in CUSTOM_RGS:
            s = parse_scope(scope)
            self.check_scope(s)
            inc = []
            for (t, children) in included:
                ts = parse_scope(t)
                self.check_scope(ts)
                inc.append((ts, children))
            self.rgs.append({"scope": s, "id": gid, "name": name, "harness_managed": False, "description": desc,
                             "levels": [level(s)], "included": inc, "include_all": include_all, "resources": resources,
                             "color": color, "created": "2025-04-22T09:30:00Z"})

        self.service_accounts = []
        for (scope, sid, name, desc, tags, created, keys) in SERVICE_ACCOUNTS:
            s = parse_scope(scope)
            self.check_scope(s)
            self.service_accounts.append({"scope": s, "id": sid, "name": name, "description": desc,
                                          "tags": tags, "created": created, "keys": keys,
                                          "email": f"{sid}@service.example.com"})

        self.check_assignments()

    # -- helpers ----------------------------------------------------------

    def check_scope(self, s: tuple) -> None:
        assert s in self.scopes, s

    def add_member(self, handle: str, s: tuple) -> None:
        self.check_scope(s)
        u = self.users[handle]
        u["scopes"].add(s)
        if s[0] == "project":
            u["scopes"].add(org_scope(s[1]))

    def make_assignment(self, label, s, principal, role, rg, disabled, managed) -> dict:
        kind = principal[0]
        scope_level = None
        if kind == "USER":
            ref = principal[1]
            pid = user_uuid(ref[len("deleted:"):]) if ref.startswith("deleted:") else self.users[ref]["uuid"]
        else:
            pid, scope_level = principal[1], principal[2]
        return {
            "label": label, "scope": s,
            "id": "role_assignment_" + alnum("ra:" + scope_str(s) + ":" + label, 20),
            "kind": kind, "principal": pid, "principal_level": scope_level,
            "role": role[0], "role_level": role[1], "rg": rg,
            "disabled": disabled, "managed": managed,
            "created": "2025-01-15T10:00:00Z" if managed else "2025-07-01T10:00:00Z",
        }

    def find(self, table: list, s: tuple, ident: str):
        for x in table:
            if x["scope"] == s and x["id"] == ident:
                return x
        return None

    def resolve_principal(self, a: dict):
        """What design.md section 6 step 2 finds; None when orphaned."""
        if a["kind"] == "USER":
            return next((u for u in self.users.values() if u["uuid"] == a["principal"]), None)
        if a["kind"] == "USER_GROUP":
            target = ancestor_at(a["scope"], a["principal_level"] or level(a["scope"]))
            return target and self.find(self.groups, target, a["principal"])
        if a["principal_level"]:
            candidates = [ancestor_at(a["scope"], a["principal_level"])]
        else:
            candidates = self_and_ancestors(a["scope"])
        for c in candidates:
            sa = c and self.find(self.service_accounts, c, a["principal"])
            if sa:
                return sa
        return None

    def resolve_role(self, a: dict):
        if a["role_level"]:
            candidates = [ancestor_at(a["scope"], a["role_level"])]
        else:
            candidates = self_and_ancestors(a["scope"])
        for c in candidates:
            r = c and self.find(self.roles, c, a["role"])
            if r:
                return r
        return None

    def check_assignments(self) -> None:
        orphans = set()
        for a in self.assignments:
            assert self.resolve_role(a), a
            assert self.find(self.rgs, a["scope"], a["rg"]), a
            p = self.resolve_principal(a)
            if p is None:
                orphans.add(a["label"])
            elif a["kind"] == "USER" and a["scope"] != ACCOUNT:
                assert a["scope"] in p["scopes"], (a, p["scopes"])
        assert orphans == {
            "orphaned: group that exists nowhere",
            "orphaned: deleted user",
            "orphaned: account group referenced without scope level",
        }, orphans
        ids = [(scope_sort(a["scope"]), a["id"]) for a in self.assignments]
        assert len(set(ids)) == len(ids)

    def assignment(self, label: str) -> dict:
        (a,) = [a for a in self.assignments if a["label"] == label]
        return a


# ---------------------------------------------------------------------------
# Audit trail
# ---------------------------------------------------------------------------

CLIENT_IPS = ["203.0.113.7", "203.0.113.42", "198.51.100.23", "198.51.100.77", "192.0.2.15"]


def at_time_of_day(day: datetime, rng: random.Random) -> datetime:
    """A working-hours time (07:00-19:59 UTC) on the same date."""
    return day.replace(hour=rng.randint(7, 19), minute=rng.randint(0, 59), second=rng.randint(0, 59),
                       microsecond=0)


def login_times(pattern: tuple, rng: random.Random) -> list:
    """The login instants of one user, inside the window, newest first."""
    if pattern[0] == "none":
        return []
    oldest_days = WINDOW_DAYS - 1
    if pattern[0] == "recent":
        latest_days = rng.randint(0, 20)
        count = rng.randint(3, 10)
    elif pattern[0] == "since":
        oldest_days = pattern[1] - 1
        latest_days = rng.randint(0, min(20, oldest_days - 1))
        count = rng.randint(3, 10)
    else:
        latest_days = pattern[1]
        count = rng.randint(1, 4)
    times = set()
    latest = at_time_of_day(WINDOW_END - timedelta(days=latest_days), rng)
    if latest >= WINDOW_END:
        latest = WINDOW_END - timedelta(hours=rng.randint(1, 6))
    times.add(latest)
    while len(times) < count:
        days = rng.randint(latest_days + 1, oldest_days)
        times.add(at_time_of_day(WINDOW_END - timedelta(days=days), rng))
    out = sorted(times, reverse=True)
    assert all(WINDOW_START < t < WINDOW_END for t in out)
    assert out[0] == latest
    return out


def audit_events(m: Model) -> list:
    """Every audit event of the window the pull asks for (logins and users
    added to the account), newest first, in wire shape."""
    rng = random.Random(RNG_SEED)
    events = []
    for (handle, *_rest) in USERS:
        u = m.users[handle]
        action = "LOGIN2FA" if (u["tfa"] and not u["scim"]) else "LOGIN"
        for t in login_times(u["login"], rng):
            label = f"login:{u['uuid']}:{ms(t)}"
            events.append({
                "auditId": hex_id("audit:" + label),
                "insertId": alnum("insert:" + label, 24),
                "resourceScope": wire_scope(ACCOUNT),
                "httpRequestInfo": {"requestMethod": "POST"},
                "requestMetadata": {"clientIP": rng.choice(CLIENT_IPS)},
                "timestamp": ms(t),
                "authenticationInfo": {
                    "principal": {"type": "USER", "identifier": u["email"]},
                    "labels": {"userId": u["uuid"], "username": u["name"]},
                },
                "module": "CORE",
                "environment": None,
                "resource": {"type": "USER", "identifier": u["email"],
                             "labels": {"resourceName": u["name"], "userId": u["uuid"]}},
                "yamlDiffRecord": None,
                "action": action,
                "auditEventData": None,
                "internalInfo": None,
            })
    # Users added to the account: UserMembershipAddEvent at account scope;
    # the resource is the user's email, the principal the admin who added
    # them.
    admin = m.users[JOINS_BY]
    for (handle, when, _readded) in JOINS:
        u = m.users[handle]
        t = dt(when)
        assert WINDOW_START < t < WINDOW_END, handle
        label = f"added:{u['uuid']}:{ms(t)}"
        events.append({
            "auditId": hex_id("audit:" + label),
            "insertId": alnum("insert:" + label, 24),
            "module": "CORE",
            "action": "ADD_COLLABORATOR",
            "timestamp": ms(t),
            "resourceScope": {"accountIdentifier": ACCOUNT_ID},
            "resource": {"type": "USER", "identifier": u["email"], "labels": {"resourceName": u["name"]}},
            "authenticationInfo": {
                "principal": {"type": "USER", "identifier": admin["email"]},
                "labels": {"userId": admin["uuid"], "username": admin["name"]},
            },
            "httpRequestInfo": {"requestMethod": "POST"},
        })
    events.sort(key=lambda e: (-e["timestamp"], e["auditId"]))
    check_joins(m, events)
    return events


def check_joins(m: Model, events: list) -> None:
    """A user who joined in the window and was not re-added logged in only
    after joining (or never: the new hire); a re-added one logged in both
    before and after (the README says so)."""
    for (handle, when, readded) in JOINS:
        u = m.users[handle]
        assert not u["disabled"], handle
        logins = [e["timestamp"] for e in login_events(events) if e["resource"]["identifier"] == u["email"]]
        if readded:
            assert min(logins) < ms(dt(when)) < max(logins), handle
        else:
            assert all(t > ms(dt(when)) for t in logins), handle


LOGIN_ACTIONS = {"LOGIN", "LOGIN2FA"}
ADDED_ACTIONS = {"ADD_COLLABORATOR"}
AUDIT_LOGINS = "POST /audit/api/audits/list (logins)"
AUDIT_ADDED = "POST /audit/api/audits/list (users added)"
AUDIT_REMOVALS = "POST /audit/api/audits/list (removals)"
AUDIT_GROUP_CHANGES = "POST /audit/api/audits/list (groups, service accounts, keys, tokens deleted or changed)"


def in_window(e: dict) -> bool:
    return ms(WINDOW_START) <= e["timestamp"] <= ms(WINDOW_END)


def login_events(events: list) -> list:
    """What the query with `actions: ["LOGIN","LOGIN2FA"]` returns."""
    return [e for e in events if in_window(e) and e["action"] in LOGIN_ACTIONS]


def added_events(events: list) -> list:
    """What the query with `actions: ["ADD_COLLABORATOR"]` returns."""
    return [e for e in events if in_window(e) and e["action"] in ADDED_ACTIONS]


def derive_activity(m: Model, events: list) -> tuple:
    """(logins, joined) as the snapshot stores them: logins from the login
    query's events, joined from the users-added query's (as `pull` does:
    the latest account-scope event per user, found by the resource's
    email)."""
    logins = {}
    joined = {}
    for e in login_events(events):
        auth = e["authenticationInfo"]
        user = (auth.get("labels") or {}).get("userId") \
            or (e["resource"].get("labels") or {}).get("userId") \
            or auth["principal"]["identifier"]
        last, n = logins.get(user, (0, 0))
        logins[user] = (max(last, e["timestamp"]), n + 1)
    by_email = {u["email"].lower(): u["uuid"] for u in m.users.values()}
    for e in added_events(events):
        scope = e["resourceScope"]
        if scope.get("orgIdentifier") or scope.get("projectIdentifier"):
            continue
        user = by_email[e["resource"]["identifier"].lower()]
        joined[user] = max(joined.get(user, 0), e["timestamp"])
    login_list = [
        {"user": u, "last_login": iso(from_ms(t)), "events": n}
        for u, (t, n) in sorted(logins.items())
    ]
    joined_list = [{"user": u, "at": iso(from_ms(t))} for u, t in sorted(joined.items())]
    return login_list, joined_list


def from_ms(v: int) -> datetime:
    return datetime.fromtimestamp(v // 1000, tz=timezone.utc)


# ---------------------------------------------------------------------------
# Wire files
# ---------------------------------------------------------------------------


class Api:
    """Writes one file per request and keeps the completeness accounting."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = {}  # relative path -> document
        # (label, scope) -> accounting, one per list the pull reads; the
        # label is the `endpoint` of the snapshot's `completeness.lists`.
        self.lists = {}
        self.endpoints = {}  # "METHOD /path" -> set of scopes (for the README)

    def envelope(self, rel: str, data) -> dict:
        return {"status": "SUCCESS", "data": data, "metaData": None, "correlationId": correlation_id(rel)}

    def account(self, endpoint: str, label: str | None, s: tuple, total, stored: int, pages: int) -> None:
        """Records one list, as `pull` records it: one entry per list."""
        key = (label or endpoint, s)
        assert key not in self.lists, key
        self.lists[key] = {"total": total, "stored": stored, "pages": pages}
        self.endpoints.setdefault(endpoint, set()).add(s)

    def paged(self, method: str, path: str, s: tuple, items: list, extra: str | None = None,
              label: str | None = None) -> None:
        """A `PageResponse`: 0-based pages of at most PAGE_SIZE items. An
        empty list is one page (the pull reads page 0 and stops)."""
        base = f"{path.strip('/')}/{scope_file_key(s)}" + (f"/{extra}" if extra else "")
        chunks = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
        total_pages = (len(items) + PAGE_SIZE - 1) // PAGE_SIZE
        for index, chunk in enumerate(chunks):
            rel = f"{base}/page-{index}.json"
            data = {
                "totalPages": total_pages,
                "totalItems": len(items),
                "pageItemCount": len(chunk),
                "pageSize": PAGE_SIZE,
                "content": chunk,
                "pageIndex": index,
                "empty": not chunk,
            }
            self.files[rel] = self.envelope(rel, data)
        self.account(f"{method} {path}", label, s, len(items), len(items), len(chunks))

    def single(self, method: str, path: str, s: tuple, data: dict) -> None:
        """One object, not a list: a single `page-0.json` and no entry in
        `completeness.lists` (the pull records none for it)."""
        rel = f"{path.strip('/')}/{scope_file_key(s)}/page-0.json"
        self.files[rel] = self.envelope(rel, data)
        self.endpoints.setdefault(f"{method} {path}", set()).add(s)

    def unpaged(self, method: str, path: str, s: tuple, items: list, extra: str | None = None,
                label: str | None = None) -> None:
        """An unpaged list: `data` is a plain array; `totalItems` unknown."""
        base = f"{path.strip('/')}/{scope_file_key(s)}" + (f"/{extra}" if extra else "")
        rel = f"{base}/page-0.json"
        self.files[rel] = self.envelope(rel, items)
        self.account(f"{method} {path}", label, s, None, len(items), 1)

    def write(self) -> None:
        if self.root.exists():
            for child in sorted(self.root.iterdir()):
                if child.is_dir():
                    shutil.rmtree(child)
        for rel in sorted(self.files):
            write_json(self.root / rel, self.files[rel])

    def completeness(self) -> list:
        """`completeness.lists` in the order of the derived `Ord` on
        `ListCompleteness`: endpoint, scope, total_items (None first),
        stored, pages (retries 0, complete true, note None throughout)."""
        def order(k):
            acc = self.lists[k]
            total = (0,) if acc["total"] is None else (1, acc["total"])
            return (k[0].encode("utf-8"), scope_sort(k[1]), total, acc["stored"], acc["pages"])
        out = []
        for (endpoint, s) in sorted(self.lists, key=order):
            acc = self.lists[(endpoint, s)]
            out.append({
                "endpoint": endpoint,
                "scope": scope_str(s),
                "total_items": acc["total"],
                "stored": acc["stored"],
                "pages": acc["pages"],
                "retries": 0,
                "complete": True,
                "note": None,
            })
        return out


def role_counts(m, s, role_id: str) -> tuple:
    """What the role list says of a role at scope `s`
    (`RoleServiceImpl.listWithPrincipalCount`): the scope's assignments
    naming it, disabled ones included, by principal type."""
    kinds = [a["kind"] for a in m.assignments if a["scope"] == s and a["role"] == role_id]
    return tuple(kinds.count(k) for k in ("USER", "USER_GROUP", "SERVICE_ACCOUNT"))


def non_null(d: dict) -> dict:
    """The keys of `d` whose value is not None, as a DTO annotated
    `@JsonInclude(NON_NULL)` writes it."""
    return {k: v for k, v in d.items() if v is not None}


def write_json(path: Path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    path.write_bytes(text.encode("utf-8"))


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def user_metadata(u: dict) -> dict:
    return {
        "name": u["name"],
        "email": u["email"],
        "uuid": u["uuid"],
        "locked": u["locked"],
        "disabled": u["disabled"],
        "externallyManaged": u["scim"],
        "twoFactorAuthenticationEnabled": u["tfa"],
    }


def build_api(m: Model, events: list) -> Api:
    api = Api(HERE / "api")
    created = lambda s: ms(dt(s))  # noqa: E731

    # The account itself (one object, not a list).
    api.single("GET", f"/ng/api/accounts/{ACCOUNT_ID}", ACCOUNT, {
        "identifier": ACCOUNT_ID, "name": ACCOUNT_NAME, "companyName": ACCOUNT_COMPANY,
        "cluster": "prod1", "defaultExperience": "NG", "authenticationMechanism": AUTH_MECHANISM,
        "isNextGenEnabled": True, "twoFactorAdminEnforced": TWO_FACTOR_ENFORCED,
        "createdAt": created(ACCOUNT_CREATED),
    })

    # Organizations and projects.
    api.paged("GET", "/ng/api/organizations", ACCOUNT, [
        {"organization": {"identifier": oid, "name": name, "description": desc, "tags": dict(sorted(tags.items()))},
         "createdAt": created(c), "lastModifiedAt": created(c), "harnessManaged": oid == "default"}
        for (oid, name, desc, tags, c) in sorted(ORGS)
    ])
    for oid in sorted(m.orgs):
        api.paged("GET", "/ng/api/projects", org_scope(oid), [
            {"project": {"orgIdentifier": o, "identifier": pid, "name": name, "color": "#0063f7",
                         "modules": modules, "description": desc, "tags": dict(sorted(tags.items()))},
             "createdAt": created(c), "lastModifiedAt": created(c), "isFavorite": False}
            for (o, pid, name, desc, tags, modules, c) in sorted(PROJECTS) if o == oid
        ])

    # Users: the account list, then membership per org and project with the
    # user's direct role assignments at exactly that scope.
    by_email = sorted(m.users.values(), key=lambda u: u["email"])
    api.paged("POST", "/ng/api/user/batch", ACCOUNT, [user_metadata(u) for u in by_email])
    for s in m.scopes:
        if s == ACCOUNT:
            continue
        content = []
        for u in by_email:
            if s not in u["scopes"]:
                continue
            meta = []
            for a in sorted(m.assignments, key=lambda a: a["id"]):
                if a["scope"] == s and a["kind"] == "USER" and a["principal"] == u["uuid"]:
                    role = m.resolve_role(a)
                    rg = m.find(m.rgs, s, a["rg"])
                    meta.append({
                        "identifier": a["id"], "roleIdentifier": a["role"], "roleName": role["name"],
                        "roleScopeLevel": level(role["scope"]),
                        "resourceGroupIdentifier": a["rg"], "resourceGroupName": rg["name"],
                        "managedRole": role["harness_managed"], "managedRoleAssignment": a["managed"],
                    })
            content.append({"user": user_metadata(u), "roleAssignmentMetadata": meta})
        api.paged("POST", "/ng/api/user/aggregate", s, content)

    # User groups (the DTO is NON_NULL: absent rather than null).
    for s in m.scopes:
        content = []
        for g in sorted((g for g in m.groups if g["scope"] == s), key=lambda g: g["id"]):
            sso = g["sso"]
            w = wire_scope(s)
            content.append(non_null({
                "accountIdentifier": w["accountIdentifier"], "orgIdentifier": w["orgIdentifier"],
                "projectIdentifier": w["projectIdentifier"],
                "identifier": g["id"], "name": g["name"],
                "users": [m.users[h]["uuid"] for h in g["members"]],
                "notificationConfigs": [],
                "isSsoLinked": sso is not None,
                "linkedSsoId": SSO_ID if sso else None,
                "linkedSsoType": "SAML" if sso else None,
                "linkedSsoDisplayName": SSO_DISPLAY if sso else None,
                "ssoGroupId": sso, "ssoGroupName": sso,
                "externallyManaged": g["externally_managed"],
                "description": g["description"], "tags": dict(sorted(g["tags"].items())),
                "ssoLinked": sso is not None,
                "harnessManaged": g["harness_managed"],
            }))
        api.paged("GET", "/ng/api/user-groups", s, content)

    # Service accounts (paged aggregates, every scope), their API keys (paged
    # aggregates, per service account, with each key's `tokensCount`) and
    # every service-account token of the account in one paged list (account
    # scope, `apiKeyType=SERVICE_ACCOUNT` and no parent or key: it spans
    # every scope, each token naming its own).
    all_tokens = []
    for s in m.scopes:
        sas = sorted((sa for sa in m.service_accounts if sa["scope"] == s), key=lambda sa: sa["id"])
        w = wire_scope(s)
        api.paged("GET", "/ng/api/serviceaccount/aggregate", s, [
            {"serviceAccount": {"identifier": sa["id"], "name": sa["name"], "email": sa["email"],
                                "description": sa["description"],
                                "tags": dict(sorted(sa["tags"].items())), **w},
             "createdAt": created(sa["created"]), "lastModifiedAt": created(sa["created"]),
             # Named for tokens, but the server counts API keys
             # (ServiceAccountServiceImpl: getApiKeysPerParentIdentifier).
             "tokensCount": len(sa["keys"]),
             "roleAssignmentsMetadataDTO": []}
            for sa in sas
        ])
        for sa in sas:
            api.paged("GET", "/ng/api/apikey/aggregate", s, [
                {"apiKey": {"identifier": kid, "name": kname, "description": None, "tags": {},
                            "apiKeyType": "SERVICE_ACCOUNT", "parentIdentifier": sa["id"],
                            "defaultTimeToExpireToken": 7776000000, **w},
                 "createdAt": created(kc), "lastModifiedAt": created(kc), "tokensCount": len(ktokens)}
                for (kid, kname, kc, ktokens) in sorted(sa["keys"])
            ], extra=f"SERVICE_ACCOUNT~{sa['id']}",
                label=f"GET /ng/api/apikey/aggregate?parentIdentifier={sa['id']}")
            for (kid, _kname, _kc, tokens) in sorted(sa["keys"]):
                for (tid, tname, vfrom, vto, valid, tc) in tokens:
                    all_tokens.append(((scope_sort(s), sa["id"], kid, tid), {
                        "token": {
                            "identifier": tid, "name": tname,
                            "validFrom": created(vfrom), "validTo": created(vto) if vto else None,
                            "scheduledExpireTime": None, "valid": valid,
                            "accountIdentifier": ACCOUNT_ID, "projectIdentifier": w["projectIdentifier"],
                            "orgIdentifier": w["orgIdentifier"], "apiKeyIdentifier": kid,
                            "parentIdentifier": sa["id"], "apiKeyType": "SERVICE_ACCOUNT",
                            "description": None, "tags": {},
                        },
                        "expiryAt": created(vto) if vto else None,
                        "createdAt": created(tc), "lastModifiedAt": created(tc),
                    }))
    # The pull skips this list when no key has any token; here some do.
    assert all_tokens
    api.paged("GET", "/ng/api/token/aggregate", ACCOUNT, [t for _k, t in sorted(all_tokens, key=lambda x: x[0])],
              extra="SERVICE_ACCOUNT")

    # Roles.
    for s in m.scopes:
        content = []
        for r in sorted((r for r in m.roles if r["scope"] == s), key=lambda r: (not r["harness_managed"], r["id"])):
            content.append({
                "role": {"identifier": r["id"], "name": r["name"], "permissions": sorted(r["permissions"]),
                         "allowedScopeLevels": sorted(r["levels"], key=LEVEL_RANK.get),
                         "description": r["description"], "tags": {}},
                "scope": wire_scope(s),
                "harnessManaged": r["harness_managed"],
                "createdAt": created("2024-03-04T10:12:00Z" if r["harness_managed"] else "2025-04-22T09:00:00Z"),
                "lastModifiedAt": created("2024-03-04T10:12:00Z" if r["harness_managed"] else "2026-06-30T15:00:00Z"),
                **{f"roleAssignedTo{k}Count": n for k, n in zip(
                    ("User", "UserGroup", "ServiceAccount"), role_counts(m, s, r["id"]))},
            })
        api.paged("GET", "/authz/api/roles", s, content)

    # The permission catalogue (unpaged, account; `scopeFilterDisabled=true`).
    api.unpaged("GET", "/authz/api/permissions", ACCOUNT, [
        {"permission": {"identifier": pid, "name": name, "status": "ACTIVE", "includeInAllRoles": False,
                        "allowedScopeLevels": levels, "resourceType": rtype, "action": action}}
        for (pid, name, rtype, action, levels) in sorted(PERMISSIONS)
    ])

    # Resource groups. The DTO is NON_NULL. A built-in is stored once for
    # every scope, so it carries no scope identifiers at all, and its one
    # included scope is just a filter.
    for s in m.scopes:
        content = []
        for g in sorted((g for g in m.rgs if g["scope"] == s), key=lambda g: (not g["harness_managed"], g["id"])):
            if g["harness_managed"]:
                ((_none, children),) = g["included"]
                group = {
                    "identifier": g["id"], "name": g["name"], "description": g["description"], "tags": {},
                    "allowedScopeLevels": list(g["levels"]),
                    "includedScopes": [{"filter": "INCLUDING_CHILD_SCOPES" if children else "EXCLUDING_CHILD_SCOPES"}],
                    "resourceFilter": {"resources": [], "includeAllResources": True},
                }
            else:
                resources = []
                for (rtype, idents, attr) in sorted(g["resources"]):
                    sel = {"resourceType": rtype}
                    if idents:
                        sel["identifiers"] = list(idents)
                    if attr:
                        sel["attributeFilter"] = {"attributeName": attr[0], "attributeValues": list(attr[1])}
                    resources.append(sel)
                w = wire_scope(s)
                group = non_null({
                    "accountIdentifier": w["accountIdentifier"], "orgIdentifier": w["orgIdentifier"],
                    "projectIdentifier": w["projectIdentifier"],
                    "identifier": g["id"], "name": g["name"], "color": g["color"], "tags": {},
                    "description": g["description"], "allowedScopeLevels": list(g["levels"]),
                    "includedScopes": [
                        non_null({"filter": "INCLUDING_CHILD_SCOPES" if ch else "EXCLUDING_CHILD_SCOPES",
                                  **wire_scope(inc)})
                        for (inc, ch) in sorted(g["included"], key=lambda x: (scope_sort(x[0]), x[1]))
                    ],
                    "resourceFilter": {"includeAllResources": g["include_all"], "resources": resources},
                })
            content.append({
                "resourceGroup": group,
                "createdAt": created(g["created"]), "lastModifiedAt": created(g["created"]),
                "harnessManaged": g["harness_managed"],
            })
        api.paged("GET", "/resourcegroup/api/v2/resourcegroup", s, content)

    # Role assignments (`scopeLevel` is absent, not null, when unset). The
    # filter with body `{}` returns USER, USER_GROUP and SERVICE_ACCOUNT
    # principals only.
    for s in m.scopes:
        content = []
        for a in sorted((a for a in m.assignments if a["scope"] == s), key=lambda a: a["id"]):
            content.append({
                "roleAssignment": {
                    "identifier": a["id"], "resourceGroupIdentifier": a["rg"], "roleIdentifier": a["role"],
                    "roleReference": non_null({"identifier": a["role"], "scopeLevel": a["role_level"]}),
                    "principal": non_null({"identifier": a["principal"], "type": a["kind"],
                                           "scopeLevel": a["principal_level"]}),
                    "disabled": a["disabled"], "managed": a["managed"], "internal": False,
                },
                "scope": wire_scope(s),
                "createdAt": created(a["created"]), "lastModifiedAt": created(a["created"]),
                "harnessManaged": a["managed"],
            })
        api.paged("POST", "/authz/api/roleassignments/filter", s, content)

    # The audit trail (account scope, newest first), as the pull asks for it:
    # one query for LOGIN / LOGIN2FA events, one for ADD_COLLABORATOR.
    api.paged("POST", "/audit/api/audits/list", ACCOUNT, login_events(events), extra="logins",
              label=AUDIT_LOGINS)
    api.paged("POST", "/audit/api/audits/list", ACCOUNT, added_events(events), extra="users-added",
              label=AUDIT_ADDED)
    # The removals a review's revocations are timed by: none in this
    # window (samples/quarter/make_q4.py adds next quarter's).
    api.paged("POST", "/audit/api/audits/list", ACCOUNT, [], extra="removals",
              label=AUDIT_REMOVALS)
    api.paged("POST", "/audit/api/audits/list", ACCOUNT, [], extra="group-changes",
              label=AUDIT_GROUP_CHANGES)
    return api


# ---------------------------------------------------------------------------
# The snapshot
# ---------------------------------------------------------------------------


def build_snapshot(m: Model, api: Api, events: list) -> dict:
    logins, joined = derive_activity(m, events)
    caller = next(sa for sa in m.service_accounts if sa["id"] == CALLER_SA and sa["scope"] == ACCOUNT)
    tag_map = lambda t: dict(sorted(t.items()))  # noqa: E731

    users = []
    for u in sorted(m.users.values(), key=lambda u: u["uuid"]):
        users.append({
            "id": u["uuid"], "name": u["name"], "email": u["email"],
            "disabled": u["disabled"], "locked": u["locked"], "externally_managed": u["scim"],
            "two_factor_enabled": u["tfa"],
            "scopes": [scope_str(s) for s in sorted(u["scopes"], key=scope_sort)],
        })

    groups = []
    for g in sorted(m.groups, key=lambda g: (scope_sort(g["scope"]), g["id"])):
        groups.append({
            "scope": scope_str(g["scope"]), "id": g["id"], "name": g["name"],
            "members": sorted({m.users[h]["uuid"] for h in g["members"]}),
            "sso_linked": g["sso"] is not None,
            "sso_type": "SAML" if g["sso"] else None,
            "sso_group": g["sso"],
            "externally_managed": g["externally_managed"],
            "harness_managed": g["harness_managed"],
            "description": g["description"],
            "tags": tag_map(g["tags"]),
        })

    sas, keys, tokens = [], [], []
    for sa in sorted(m.service_accounts, key=lambda x: (scope_sort(x["scope"]), x["id"])):
        sas.append({
            "scope": scope_str(sa["scope"]), "id": sa["id"], "name": sa["name"], "email": sa["email"],
            "description": sa["description"], "tags": tag_map(sa["tags"]),
            # `createdAt` of GET /ng/api/serviceaccount/aggregate.
            "created_at": sa["created"],
            # Its `tokensCount`, which counts API keys.
            "api_key_count": len(sa["keys"]),
        })
        for (kid, kname, kc, ktokens) in sa["keys"]:
            # `createdAt` of GET /ng/api/apikey/aggregate.
            keys.append({"scope": scope_str(sa["scope"]), "key_type": "SERVICE_ACCOUNT", "parent": sa["id"],
                         "id": kid, "name": kname, "created_at": kc, "_sort": (scope_sort(sa["scope"]), sa["id"], kid)})
            for (tid, tname, vfrom, vto, valid, tc) in ktokens:
                tokens.append({"scope": scope_str(sa["scope"]), "key_type": "SERVICE_ACCOUNT", "parent": sa["id"],
                               "api_key": kid, "id": tid, "name": tname, "valid_from": vfrom, "valid_to": vto,
                               "valid": valid, "created_at": tc,
                               "_sort": (scope_sort(sa["scope"]), sa["id"], kid, tid)})
    keys.sort(key=lambda k: k["_sort"])
    tokens.sort(key=lambda t: t["_sort"])
    for x in keys + tokens:
        del x["_sort"]

    roles = []
    for r in sorted(m.roles, key=lambda r: (scope_sort(r["scope"]), r["id"])):
        roles.append({
            "scope": scope_str(r["scope"]), "id": r["id"], "name": r["name"],
            "permissions": sorted(set(r["permissions"])),
            "allowed_scope_levels": sorted(set(r["levels"]), key=LEVEL_RANK.get),
            "harness_managed": r["harness_managed"],
            "assignment_counts": dict(zip(("users", "user_groups", "service_accounts"),
                                          role_counts(m, r["scope"], r["id"]))),
        })

    permissions = [
        {"id": pid, "name": name, "resource_type": rtype, "action": action, "status": "ACTIVE",
         "allowed_scope_levels": sorted(levels, key=LEVEL_RANK.get)}
        for (pid, name, rtype, action, levels) in sorted(PERMISSIONS)
    ]

    rgs = []
    for g in sorted(m.rgs, key=lambda g: (scope_sort(g["scope"]), g["id"])):
        selectors = []
        for (rtype, idents, attr) in g["resources"]:
            selectors.append((rtype, sorted(idents), attr))
        # ResourceSelector's Ord: type, identifiers, then attribute filter (None first).
        selectors.sort(key=lambda x: (x[0], x[1], x[2] is not None, x[2] or ("", [])))
        rgs.append({
            "scope": scope_str(g["scope"]), "id": g["id"], "name": g["name"],
            "harness_managed": g["harness_managed"],
            # ScopeSelector's Ord: the scope (None first), then the flag. A
            # built-in's entry names no scope, so it has no `scope` key.
            "included_scopes": [
                ({} if s is None else {"scope": scope_str(s)}) | {"include_child_scopes": ch}
                for (s, ch) in sorted(g["included"],
                                      key=lambda x: ((0,) if x[0] is None else (1, scope_sort(x[0])), x[1]))
            ],
            "resource_filter": {
                "include_all": g["include_all"],
                "resources": [
                    {"resource_type": rtype, "identifiers": idents,
                     "attribute_filter": {"name": attr[0], "values": list(attr[1])} if attr else None}
                    for (rtype, idents, attr) in selectors
                ],
            },
        })

    assignments = []
    for a in sorted(m.assignments, key=lambda a: (scope_sort(a["scope"]), a["id"])):
        assignments.append({
            "scope": scope_str(a["scope"]), "id": a["id"],
            "principal": {"kind": a["kind"], "id": a["principal"], "scope_level": a["principal_level"]},
            "role": {"id": a["role"], "scope_level": a["role_level"]},
            "resource_group": a["rg"],
            "disabled": a["disabled"],
            "managed": a["managed"],
            "internal": False,
        })

    return {
        "format": "reviewpack.snapshot",
        "version": 5,
        "provenance": {
            "tool_version": TOOL_VERSION,
            "base_url": BASE_URL,
            "account_id": ACCOUNT_ID,
            "caller": {"kind": "service_account", "id": f"sa:account/{caller['id']}",
                       "name": caller["name"], "email": caller["email"]},
            "started_at": STARTED_AT,
            "finished_at": FINISHED_AT,
            "command_line": ["reviewpack", "pull", "--account-id", ACCOUNT_ID, "-o", "snapshot.json"],
            "note": NOTE,
        },
        "completeness": {"complete": True, "lists": api.completeness()},
        "account": {"id": ACCOUNT_ID, "name": ACCOUNT_NAME, "authentication_mechanism": AUTH_MECHANISM,
                    "two_factor_enforced": TWO_FACTOR_ENFORCED},
        "orgs": [{"id": oid, "name": name, "description": desc, "tags": tag_map(tags)}
                 for (oid, name, desc, tags, _c) in sorted(ORGS)],
        "projects": [{"org": o, "id": pid, "name": name, "description": desc, "tags": tag_map(tags)}
                     for (o, pid, name, desc, tags, _mods, _c) in sorted(PROJECTS)],
        "users": users,
        "user_groups": groups,
        "service_accounts": sas,
        "api_keys": keys,
        "tokens": tokens,
        "roles": roles,
        "permissions": permissions,
        "resource_groups": rgs,
        "role_assignments": assignments,
        "activity": {
            "window_days": WINDOW_DAYS,
            "window_start": iso(WINDOW_START),
            "window_end": iso(WINDOW_END),
            "logins": logins,
            "joined": joined,
            "removals_since": iso(WINDOW_START),
        },
    }


# ---------------------------------------------------------------------------
# READMEs
# ---------------------------------------------------------------------------


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def md_code(text: str) -> str:
    """Inline code that survives backticks and pipes in hostile names."""
    return "`` " + text.replace("|", "\\|") + " ``" if "`" in text else "`" + text.replace("|", "\\|") + "`"


def build_readme(m: Model, snap: dict, api: Api, events: list) -> str:
    u = m.users
    ra = lambda label: m.assignment(label)["id"]  # noqa: E731
    logins = {x["user"]: x for x in snap["activity"]["logins"]}
    joined = {x["user"]: x["at"] for x in snap["activity"]["joined"]}
    # Users with no login who did not join inside the window: the dormant
    # ones (a new hire who never logged in is a case of its own).
    no_login = [h for h in u if u[h]["uuid"] not in logins and u[h]["uuid"] not in joined]
    (new_hire,) = [h for h in u if u[h]["uuid"] not in logins and u[h]["uuid"] in joined]
    joins = {h: (when, readded) for (h, when, readded) in JOINS}
    old = sorted((h for h in u if u[h]["uuid"] in logins
                  and dt(logins[u[h]["uuid"]]["last_login"]) < WINDOW_END - timedelta(days=90)))
    n_login_events = len(login_events(events))
    n_added_events = len(added_events(events))
    login_pages = api.lists[(AUDIT_LOGINS, ACCOUNT)]["pages"]
    added_pages = api.lists[(AUDIT_ADDED, ACCOUNT)]["pages"]

    def days_before_pull(h: str) -> int:
        return (WINDOW_END - dt(joined[u[h]["uuid"]])).days

    def user_ref(h: str) -> str:
        return f"{md_code(u[h]['name'])} ({md_code(u[h]['email'])}, uuid {md_code(u[h]['uuid'])})"

    rows = [
        ("Admin through a group", f"group `account/platform_admins` (SAML-linked, members {', '.join(md_code(u[h]['email']) for h in ['amara.okonkwo', 'bjorn.castell', 'meilin.tan', 'oskar.brandt'])}) bound to `_account_admin` on `_all_resources_including_child_scopes`: assignment `{ra('admin via group')}`"),
        ("Direct account admin without 2FA (`admin-without-2fa`, `direct-user-grant`)", f"{user_ref('victor.haldane')}, 2FA off, not SCIM-managed: `_account_admin` on `_all_account_level_resources`, assignment `{ra('direct admin without 2FA')}`"),
        ("More account admins than the default limit of 5 (`excess-admins`)", f"6 principals administer the account: the 4 members of `platform_admins`, {user_ref('victor.haldane')} and `sa:account/terraform_automation`"),
        ("Admin without 2FA but SSO-managed (near miss)", f"{user_ref('bjorn.castell')} in `platform_admins`, externally managed"),
        ("`_account_admin` on a narrow resource group: **not** admin (PL-47632)", f"{user_ref('priya.raman')} on `account/payments_only` (covers only `project:eng/payments`): assignment `{ra('narrow account admin (payments_only, not admin per PL-47632)')}`; she is a real admin of `project:eng/payments` through `{ra('payments project admin')}`"),
        ("Disabled assignment that would grant admin (`disabled-assignment`)", f"`{ra('disabled assignment that would grant admin')}`: {user_ref('marcus.feld')} to `_account_admin` on `_all_account_level_resources`, `disabled: true`"),
        ("Orphaned assignment: deleted user (`orphaned-assignment`)", f"`{ra('orphaned: deleted user')}` at `project:eng/checkout`: USER `{user_uuid(DELETED_USER)}` (was `{DELETED_USER}`) to `_project_admin`"),
        ("Orphaned assignment: group that exists nowhere", f"`{ra('orphaned: group that exists nowhere')}` at `project:default/sandbox`: USER_GROUP `qa_team_old` to `_project_admin`"),
        ("Group at the wrong scope level (orphaned)", f"`{ra('orphaned: account group referenced without scope level')}` at `project:ops/infra`: USER_GROUP `security_auditors` with no `scope_level`; the group exists only at `account`, so Harness looks for it in the project and finds nothing"),
        ("Project assignment to an account group through `scope_level: account`", f"`{ra('project assignment to an account group via scope level')}` at `project:eng/payments`: `release_managers` (account) to the account role `release_manager`"),
        ("All-users group bound above viewer (`all-users-group-privileged`)", f"`{ra('all-users group of eng bound above viewer')}` at `org:eng`: `_organization_all_users` to the custom `org:eng/eng_deployer` (pipeline execute, connector access) on `_all_resources_including_child_scopes`"),
        ("Built-in all-users groups with partial stored members", "`org:ops/_organization_all_users` leaves out " + md_code(u['ivo.marek']['email']) + "; every `_project_all_users` stores no members. Both still mean every user of the scope"),
        ("Service account admin (`service-account-admin`)", f"`sa:account/terraform_automation` to `_account_admin` on `_all_resources_including_child_scopes`: assignment `{ra('service account admin')}`"),
        ("Service-account principals with and without `scope_level`", f"with: `{ra('ci bot executor, account service account with scope level')}` (ci_bot, account, from a project), `{ra('ops runner executor in observability, org service account')}` (ops_runner, organization, from a project); without: `{ra('ci bot executor, service account found by searching upwards')}` (ci_bot found at account by searching upwards), `{ra('infra deployer, project service account without scope level')}`, `{ra('audit exporter, service account without scope level')}`"),
        ("The review's own key (`privilege-escalation-path`)", f"the caller `sa:account/{CALLER_SA}` holds custom `account/token_reader` (`core_serviceaccount_manageapikey`) through `{ra('reviewpack reader lists tokens (the caller)')}`, because Harness lists API keys and tokens only to that permission (docs/operations.md): it could mint a token of `terraform_automation` (account admin), two steps; the demo's token list is complete because of it"),
        ("Privilege escalation (`privilege-escalation-path`)", f"{user_ref('grace.ito')} holds custom `account/group_manager` (`core_usergroup_manage`) through `{ra('escalation: group manager held by a non-admin')}`: Harness checks only the permission to manage a group when a role is bound to it, so she can bind `_account_admin` to a group she creates and joins (`bind-admin-role`), one step; adding herself to `platform_admins` would take two"),
        ("Disabled user still bound (`disabled-user-with-access`)", f"{user_ref('gavin.roche')} (`disabled: true`) bound directly to `_project_admin` at `project:eng/checkout`: `{ra('disabled user still bound')}`"),
        ("Locked user with access", f"{user_ref('pablo.serrano')} (`locked: true`), member of `project:eng/payments/payments_devs`"),
        ("Group with roles and no members (`empty-privileged-group`)", f"`org:ops/incident_commanders` to `_organization_admin`: `{ra('empty privileged group')}`"),
        ("Separation of duties (`sod-conflict`, default set `pipeline-author-and-deployer`)", f"the 4 members of `release_managers` hold `core_pipeline_edit` and `core_pipeline_execute` on `project:eng/payments` through `{ra('project assignment to an account group via scope level')}`"),
        ("Broad secret access (`broad-secret-access`)", f"`release_managers` to `release_manager` (`core_secret_access`) on `account/broad_secrets` (SECRET, account and every child scope): `{ra('broad secret access through release managers')}`"),
        ("Resource group limited to one resource type across an org", f"`org:eng/eng_pipelines` (PIPELINE, INCLUDING_CHILD_SCOPES), used by `{ra('direct eng deployer on eng_pipelines')}`"),
        ("Attribute-filter resource group", f"`org:ops/cloud_connectors` (CONNECTOR with `category` in [CLOUD_PROVIDER]), used by `{ra('ops runner on cloud connectors, service account at org level')}`"),
        ("Token without expiry (`token-long-lived`)", "`terraform_automation` / `tf_apply_key` / `tf_apply_token`: `valid_to` null"),
        ("Token valid more than 365 days (`token-long-lived`)", "`ci_bot` / `ci_bot_primary` / `ci_bot_2025`: 2025-09-15 to 2027-09-15"),
        ("Expired token not removed (`token-expired-not-removed`)", "`ci_bot` / `ci_bot_rotation` / `ci_bot_2026q1`: expired 2026-04-05, `valid: false`"),
        ("API key with no tokens", "`project:ops/infra` `infra_deployer` / `infra_legacy_key`"),
        ("Service account without an owner tag (`service-account-no-owner`)", "`sa:org:ops/ops_runner` (tags: `team=sre` only)"),
        ("Hostile display names (spreadsheet formula, HTML)", f"user {user_ref('hyperlink.test')}; group `account/contractors` named {md_code('Contractors <script>alert(1)</script>')}; group `project:eng/mobile/mobile_team` named `+Mobile Team`; user {user_ref('noor.haddad')}"),
        ("Non-ASCII names", f"{user_ref('bjorn.castell')}, {user_ref('celine.dubois')}"),
        (f"No login in the window (`inactive-user`: \"no login in {WINDOW_DAYS} days\")", ", ".join(md_code(u[h]["email"]) for h in no_login if not u[h]["disabled"]) + "; the disabled " + ", ".join(md_code(u[h]["email"]) for h in no_login if u[h]["disabled"]) + " is `disabled-user-with-access` instead"),
        ("Last login more than 90 days ago (`inactive-user`)", ", ".join(md_code(u[h]["email"]) + f" ({logins[u[h]['uuid']]['last_login'][:10]})" for h in old)),
        ("Last login 85 days ago (near miss for the 90-day default)", user_ref("celine.dubois")),
        ("New hire, never logged in, joined 6 days ago", f"{user_ref(new_hire)}: no login event at all; the only audit event about her is `ADD_COLLABORATOR` at account scope {days_before_pull(new_hire)} days before the pull ({joined[u[new_hire]['uuid']]}, `activity.joined`); she has access as a member of `account/security_auditors` (`security_auditor`, read-only)"),
        ("Users added in the window (`activity.joined`)", "; ".join(
            f"{user_ref(h)} at {joined[u[h]['uuid']]} ({days_before_pull(h)} days before the pull"
            + ("; a long-standing user removed and added back, with logins before and after" if joins[h][1]
               else ("; never logged in" if u[h]["uuid"] not in logins else "; has logged in since, and never before"))
            + ")"
            for h in sorted(joins, key=lambda h: joined[u[h]["uuid"]], reverse=True))
         + f". Each is one `ADD_COLLABORATOR` event by {md_code(u[JOINS_BY]['email'])}; everyone else joined before the window"),
        ("Incomplete population (`population-incomplete`)", "not shown: every list of the demo is complete; a snapshot written by `pull --allow-partial` with an incomplete list triggers it"),
        ("Admin group kept by hand (`unmanaged-privileged-group`)", f"`project:ops/infra/infra_oncall` (2 members, neither SSO-linked nor SCIM-provisioned) to `_project_admin`: `{ra('hand-managed admin group')}`"),
        ("SCIM-provisioned users and groups (`unmanaged-user` contrast)", f"{sum(1 for x in u.values() if x['scim'])} of {len(u)} users are externally managed; `org:eng/eng_leads` is an externally managed SAML group"),
    ]

    counts = {
        "orgs": len(snap["orgs"]), "projects": len(snap["projects"]), "users": len(snap["users"]),
        "groups": len(snap["user_groups"]), "sas": len(snap["service_accounts"]),
        "keys": len(snap["api_keys"]), "tokens": len(snap["tokens"]), "roles": len(snap["roles"]),
        "perms": len(snap["permissions"]), "rgs": len(snap["resource_groups"]),
        "ras": len(snap["role_assignments"]), "files": len(api.files),
        "custom_groups": len(GROUPS), "custom_roles": len(CUSTOM_ROLES), "custom_rgs": len(CUSTOM_RGS),
        "disabled_ras": sum(1 for a in snap["role_assignments"] if a["disabled"]),
        "managed_ras": sum(1 for a in snap["role_assignments"] if a["managed"]),
    }
    lines = [
        "# Demo account: Acme Demo",
        "",
        "<!-- Generated by generate.py; edit the script, not this file. -->",
        "",
        "An invented Harness account for trying reviewpack without a Harness login,",
        "and a fixture for the tests. Everything in it is fictional: the people,",
        "the teams, the addresses (`example.com`, `example.org`) and the credentials.",
        "",
        "| file | what |",
        "|---|---|",
        "| `generate.py` | defines the account once and writes everything below (Python 3.11, standard library, deterministic) |",
        "| `snapshot.json` | the snapshot a `reviewpack pull` of this account would write |",
        f"| `api/` | the {counts['files']} raw Harness API responses the snapshot stands for, one file per request; see `api/README.md` |",
        "",
        "Try it:",
        "",
        "```",
        "reviewpack report samples/demo/snapshot.json -o /tmp/demo-pack --force",
        "reviewpack explain samples/demo/snapshot.json grace.ito@example.com",
        "```",
        "",
        "Regenerate after editing the script (the output is byte-for-byte stable):",
        "",
        "```",
        "python3 samples/demo/generate.py",
        "```",
        "",
        "## What the account holds",
        "",
        f"- Account `{ACCOUNT_ID}` named \"{ACCOUNT_NAME}\" (sign-in `{AUTH_MECHANISM}`, two-factor authentication {'enforced' if TWO_FACTOR_ENFORCED else 'not enforced'} for everyone), pulled {STARTED_AT} to {FINISHED_AT} by the service account `sa:account/{CALLER_SA}`.",
        f"- {counts['orgs']} organizations (`default`, `eng`, `ops`) and {counts['projects']} projects: " + ", ".join(f"`{o}/{p}`" for (o, p, *_r) in sorted(PROJECTS)) + ".",
        f"- {counts['users']} users with their memberships per org and project; some with 2FA, some without, {sum(1 for x in m.users.values() if x['scim'])} SCIM-provisioned, one disabled, one locked.",
        f"- {counts['groups']} user groups: {counts['custom_groups']} custom ones at account, org and project level (three SAML-linked) and the built-in `_account_all_users`, `_organization_all_users` (each org) and `_project_all_users` (each project).",
        f"- {counts['sas']} service accounts at account, org and project scope, with {counts['keys']} API keys and {counts['tokens']} tokens; service accounts, keys and tokens all carry their creation time.",
        f"- {counts['roles']} roles: the Harness-managed ones at every scope where they apply (`_account_admin`, `_account_viewer`; `_organization_admin`, `_organization_viewer`; `_project_admin`, `_project_viewer`, `_pipeline_executor`) and {counts['custom_roles']} custom ones: `account/release_manager` (pipeline execute, secret access), `account/group_manager` (`core_usergroup_manage`, an escalation permission), `account/security_auditor` (view-only incl. `core_audit_view`), `account/token_reader` (`core_serviceaccount_view` and `core_serviceaccount_manageapikey`: what the review's key needs to list tokens), `org:eng/eng_deployer`.",
        f"- {counts['perms']} permissions in the catalogue.",
        f"- {counts['rgs']} resource groups: {counts['rgs'] - counts['custom_rgs']} built-ins, each listed at every scope where Harness allows it (`_all_account_level_resources` and `_all_resources_including_child_scopes` at the account, `_all_organization_level_resources` and `_all_resources_including_child_scopes` in each org, `_all_project_level_resources` in each project) and {counts['custom_rgs']} custom ones (`account/payments_only`, `account/broad_secrets`, `org:eng/eng_pipelines`, `org:ops/cloud_connectors`). Built-in resource groups carry no scope identifiers, as the server sends them (Harness stores them once for every scope): their one included scope has no `scope`, meaning the scope the group is used at.",
        f"- {counts['ras']} role assignments, {counts['managed_ras']} of them Harness-managed defaults (each all-users group to its scope's viewer role) and {counts['disabled_ras']} disabled.",
        f"- Activity over {WINDOW_DAYS} days ({iso(WINDOW_START)} to {iso(WINDOW_END)}): {n_login_events} LOGIN / LOGIN2FA events ({plural(login_pages, 'page')} of the login query) and {n_added_events} ADD_COLLABORATOR events ({plural(added_pages, 'page')} of the users-added query); `activity.logins` holds {len(snap['activity']['logins'])} users, `activity.joined` {len(snap['activity']['joined'])}.",
        f"- `completeness.lists`: {len(snap['completeness']['lists'])} entries, one per list `pull` reads (every list at every scope where the pull asks, empty ones included; one per service account's API keys; one account-wide list of every token; the login, users-added and two removal audit queries separately), all complete; `api/README.md` explains the labels. The account itself is one object, not a list, and has no entry.",
        "",
        "## Which object demonstrates which case",
        "",
        "Rule codes are those of the design (section 7). Assignment identifiers are",
        "derived from fixed labels in `generate.py`, so they stay the same as long",
        "as the label and scope do.",
        "",
        "| case | object |",
        "|---|---|",
    ]
    for case, obj in rows:
        lines.append(f"| {case} | {obj} |")
    lines += [
        "",
        "## Every role assignment",
        "",
        "| scope | assignment | principal | role | resource group | notes |",
        "|---|---|---|---|---|---|",
    ]
    for a in sorted(m.assignments, key=lambda a: (scope_sort(a["scope"]), a["label"])):
        if a["kind"] == "USER":
            who = next((x for x in u.values() if x["uuid"] == a["principal"]), None)
            principal = f"USER {md_code(who['email'] if who else a['principal'])}"
        else:
            principal = f"{a['kind']} `{a['principal']}`" + (f" (level {a['principal_level']})" if a["principal_level"] else "")
        role = f"`{a['role']}`" + (f" ({a['role_level']})" if a["role_level"] else "")
        notes = [a["label"]]
        if a["disabled"]:
            notes.append("disabled")
        if a["managed"]:
            notes.append("Harness-managed")
        lines.append(f"| `{scope_str(a['scope'])}` | `{a['id']}` | {principal} | {role} | `{a['rg']}` | {'; '.join(notes)} |")
    lines += [
        "",
        "## Users",
        "",
        "| user | uuid | 2FA | SCIM | status | last login in window | joined in window | scopes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for h, x in sorted(u.items(), key=lambda kv: kv[1]["email"]):
        status = "disabled" if x["disabled"] else ("locked" if x["locked"] else "active")
        last = logins.get(x["uuid"])
        last_text = f"{last['last_login']} ({last['events']} events)" if last else "none"
        scopes = ", ".join(scope_str(s) for s in sorted(x["scopes"], key=scope_sort) if s != ACCOUNT) or "account only"
        joined_text = joined.get(x["uuid"], "no")
        lines.append(f"| {md_code(x['name'])} {md_code(x['email'])} | `{x['uuid']}` | {'yes' if x['tfa'] else 'no'} | "
                     f"{'yes' if x['scim'] else 'no'} | {status} | {last_text} | {joined_text} | {scopes} |")
    lines.append("")
    return "\n".join(lines)


API_README = """# Raw API responses of the demo account

<!-- Generated by ../generate.py; edit the script, not this file. -->

One JSON file per request that `reviewpack pull` makes against the demo
account, in the wire shapes of the Harness NextGen API (`ResponseDTO`
envelope, camelCase fields, epoch-millisecond times). A fake Harness server
answers a request by building the file name below and serving that file with
HTTP 200; a request whose file does not exist should fail loudly.

## File names

```
api/<endpoint path>/<scope key>[/<parent key> | /<query key>]/page-<pageIndex>.json
```

- **endpoint path**: the URL path without the leading slash, e.g.
  `ng/api/user-groups`, `authz/api/roleassignments/filter`,
  `resourcegroup/api/v2/resourcegroup`, `ng/api/accounts/ACCOUNT_ID`. The
  HTTP method is not part of the name (no path is used with two methods).
- **scope key**: from the `orgIdentifier` / `projectIdentifier` query
  parameters: `account` when neither is given, `org=ORG` for an org,
  `project=ORG~PROJECT` for a project. `accountIdentifier` is always
  `ACCOUNT_ID` and is not part of the name.
- **parent key**, only for the API key and token lists, from the query
  parameters joined with `~`:
  - `GET /ng/api/apikey/aggregate`: `apiKeyType~parentIdentifier`, e.g.
    `SERVICE_ACCOUNT~ci_bot`;
  - `GET /ng/api/token/aggregate`: `apiKeyType`, i.e. `SERVICE_ACCOUNT`: the
    pull reads every token of the account in one list, at account scope with
    no `parentIdentifier` or `apiKeyIdentifier` (the server then lists the
    tokens of every scope, each naming its own scope, parent and key).
- **query key**, only for `POST /audit/api/audits/list`, which the pull sends
  four times with different bodies (see below): `logins` for the body with
  `"actions":["LOGIN","LOGIN2FA"]`, `users-added` for the body with
  `"actions":["ADD_COLLABORATOR"]`, `removals` for
  `"actions":["ROLE_ASSIGNMENT_DELETED","REMOVE_COLLABORATOR"]`,
  `group-changes` for `"actions":["DELETE","UPDATE"]` with
  `"resources":[{"type":"USER_GROUP"},{"type":"SERVICE_ACCOUNT"},{"type":"API_KEY"},{"type":"TOKEN"}]`.
- **page**: `page-N.json` with `N` the 0-based `pageIndex`. Every page holds at
  most 100 items (`pageSize=100`); a request for a page past the last one is
  not in the tree (a server may answer it with an empty page). Unpaged
  endpoints have a single `page-0.json`, served whatever `pageIndex` says.

`~` cannot occur in Harness identifiers, so the names are unambiguous.

Examples:

| request | file |
|---|---|
| `GET /ng/api/organizations?accountIdentifier=ACCOUNT_ID&pageIndex=0&pageSize=100` | `ng/api/organizations/account/page-0.json` |
| `GET /ng/api/projects?accountIdentifier=ACCOUNT_ID&orgIdentifier=eng&pageIndex=0` | `ng/api/projects/org=eng/page-0.json` |
| `GET /ng/api/user-groups?accountIdentifier=ACCOUNT_ID&orgIdentifier=eng&projectIdentifier=payments&pageIndex=0` | `ng/api/user-groups/project=eng~payments/page-0.json` |
| `POST /authz/api/roleassignments/filter?accountIdentifier=ACCOUNT_ID&pageIndex=0` | `authz/api/roleassignments/filter/account/page-0.json` |
| `GET /ng/api/serviceaccount/aggregate?accountIdentifier=ACCOUNT_ID&orgIdentifier=ops&pageIndex=0&pageSize=100` | `ng/api/serviceaccount/aggregate/org=ops/page-0.json` |
| `GET /ng/api/apikey/aggregate?accountIdentifier=ACCOUNT_ID&apiKeyType=SERVICE_ACCOUNT&parentIdentifier=ci_bot&pageIndex=0&pageSize=100` | `ng/api/apikey/aggregate/account/SERVICE_ACCOUNT~ci_bot/page-0.json` |
| `GET /ng/api/token/aggregate?accountIdentifier=ACCOUNT_ID&apiKeyType=SERVICE_ACCOUNT&pageIndex=0&pageSize=100` | `ng/api/token/aggregate/account/SERVICE_ACCOUNT/page-0.json` |
| `GET /authz/api/permissions?accountIdentifier=ACCOUNT_ID&scopeFilterDisabled=true` | `authz/api/permissions/account/page-0.json` |
| `GET /ng/api/accounts/ACCOUNT_ID?accountIdentifier=ACCOUNT_ID` | `ng/api/accounts/ACCOUNT_ID/account/page-0.json` |
| `POST /audit/api/audits/list?accountIdentifier=ACCOUNT_ID&pageIndex=AUDIT_LAST_PAGE&pageSize=100` with body `{"filterType":"Audit","scopes":[{"accountIdentifier":"ACCOUNT_ID"}],"actions":["LOGIN","LOGIN2FA"],"startTime":START_MS,"endTime":END_MS}` | `audit/api/audits/list/account/logins/page-AUDIT_LAST_PAGE.json` |
| `POST /audit/api/audits/list?accountIdentifier=ACCOUNT_ID&pageIndex=0&pageSize=100` with body `{"filterType":"Audit","scopes":[{"accountIdentifier":"ACCOUNT_ID"}],"actions":["ADD_COLLABORATOR"],"startTime":START_MS,"endTime":END_MS}` | `audit/api/audits/list/account/users-added/page-0.json` |

## Endpoints and shapes

| endpoint | scopes | `data` |
|---|---|---|
ENDPOINT_ROWS

Paged `data` is a `PageResponse`: `{totalPages, totalItems, pageItemCount,
pageSize, content, pageIndex, empty}`; an empty list is one page with
`totalPages: 0`, `totalItems: 0`, `content: []`, `empty: true`. Unpaged `data`
is a plain array; the account's `data` is one object. Every list the pull
reads has its files, empty ones included (for example
`ng/api/serviceaccount/aggregate/project=eng~mobile/page-0.json`).

The snapshot's `completeness.lists` has one entry per list above (LIST_COUNT in
all), labelled as the pull labels them: `METHOD /path` for most; the API key
lists name their parent, as in
`GET /ng/api/apikey/aggregate?parentIdentifier=ci_bot`; the one token list is
`GET /ng/api/token/aggregate` at `account`; the four audit queries are
`POST /audit/api/audits/list (logins)`,
`POST /audit/api/audits/list (users added)`,
`POST /audit/api/audits/list (removals)` and
`POST /audit/api/audits/list (groups, service accounts, keys, tokens deleted or changed)`. For a paged list `total_items`
and `stored` are its item count and `pages` is the number of page files (at
least one); the unpaged permission catalogue has `total_items: null`. The
account (`GET /ng/api/accounts/ACCOUNT_ID`) is not a list and has no entry.

Notes:

- Request bodies and query parameters other than the scope are not part of
  the name, except for the audit query key and the API key and token parent
  keys. The pull sends `{}` to `user/batch`, `user/aggregate` and
  `roleassignments/filter` (which then returns USER, USER_GROUP and
  SERVICE_ACCOUNT principals only), and asks for the permission catalogue
  with `scopeFilterDisabled=true` (every permission, whatever the scope).
- `POST /audit/api/audits/list` is read twice over the activity window
  (WINDOW_START to WINDOW_END, `startTime` START_MS, `endTime` END_MS),
  newest first:
  - `logins/`: the body has `"actions":["LOGIN","LOGIN2FA"]`; LOGIN_COUNT
    LOGIN / LOGIN2FA events, one per login (`resource.labels.userId` and
    `authenticationInfo.labels.userId` are the user's uuid,
    `authenticationInfo.principal.identifier` is the email);
  - `users-added/`: the body has `"actions":["ADD_COLLABORATOR"]`;
    ADDED_COUNT events, one per user added to the account in the window
    (`resourceScope` is the account alone, `resource.identifier` is the
    added user's email, the principal is the admin who added them).

  A server tells the two apart by the body's `actions`.
- Shapes follow the server's DTOs where they are `@JsonInclude(NON_NULL)`:
  user groups, resource groups (and their `includedScopes` entries) and the
  `principal` / `roleReference` of role assignments leave out a key rather
  than send `null`. Other shapes keep their `null`s.
- Service accounts come from the paged `serviceaccount/aggregate` (items
  `{serviceAccount, createdAt, lastModifiedAt, tokensCount,
  roleAssignmentsMetadataDTO}`, the last always `[]` here) and their API keys
  from the paged `apikey/aggregate` (items `{apiKey, createdAt,
  lastModifiedAt, tokensCount}`), so the snapshot's `created_at` of service
  accounts and API keys is their `createdAt`; tokens have theirs from
  `token/aggregate`, which is sorted by scope, service account, API key and
  token, the order of the snapshot's `tokens`.
- Only service accounts hold API keys here; no personal access tokens are
  listed (`apiKeyType=USER` requests have no files).
- Built-in all-users groups: `_account_all_users` and each
  `_organization_all_users` list their members (`org=ops` deliberately leaves
  one out), each `_project_all_users` lists none. They mean every user of
  their scope regardless.
- Harness-managed roles are listed at every scope where they apply, with
  that scope in their `scope`. Built-in resource groups are listed at every
  scope of their `allowedScopeLevels` (`_all_account_level_resources`:
  account; `_all_organization_level_resources`: organization;
  `_all_project_level_resources`: project;
  `_all_resources_including_child_scopes`: account and organization) and,
  as the server sends them, carry no `accountIdentifier`, `orgIdentifier` or
  `projectIdentifier`: Harness stores them once for every scope, and their
  one `includedScopes` entry is just a `filter` (the scope the group is used
  at).
- The account (`ng/api/accounts/ACCOUNT_ID/account/page-0.json`) is an
  `AccountDTO`: name, company, cluster, sign-in mechanism
  (`authenticationMechanism`) and whether two-factor authentication is
  enforced for everyone (`twoFactorAdminEnforced`).
"""


def build_api_readme(api: Api) -> str:
    describe = {
        "GET /ng/api/organizations": "`PageResponse<OrganizationResponse>`",
        "GET /ng/api/projects": "`PageResponse<ProjectResponse>` (per org, `orgIdentifier`)",
        "POST /ng/api/user/batch": "`PageResponse<UserMetadata>` (flat users)",
        "POST /ng/api/user/aggregate": "`PageResponse<UserAggregate>` (members of the scope, with their direct assignments there)",
        "GET /ng/api/user-groups": "`PageResponse<UserGroup>` (`users` are uuids)",
        "GET /ng/api/serviceaccount/aggregate": "`PageResponse<ServiceAccountAggregate>`",
        "GET /ng/api/apikey/aggregate": "`PageResponse<ApiKeyAggregate>` (per service account)",
        "GET /ng/api/token/aggregate": "`PageResponse<TokenAggregate>` (one list: every service-account token of every scope)",
        "GET /authz/api/roles": "`PageResponse<RoleResponse>`",
        "GET /authz/api/permissions": "`List<PermissionResponse>` (unpaged; `scopeFilterDisabled=true`)",
        "GET /resourcegroup/api/v2/resourcegroup": "`PageResponse<ResourceGroupV2Response>`",
        "POST /authz/api/roleassignments/filter": "`PageResponse<RoleAssignmentResponse>`",
        "POST /audit/api/audits/list": "`PageResponse<AuditEvent>` (two queries: `logins/`, `users-added/`)",
        f"GET /ng/api/accounts/{ACCOUNT_ID}": "`AccountDTO` (one object, not a list)",
    }
    scopes_of = api.endpoints
    rows = []
    for endpoint in describe:
        ss = scopes_of[endpoint]
        kinds = sorted({s[0] for s in ss}, key={"account": 0, "org": 1, "project": 2}.get)
        where = ", ".join({"account": "account", "org": "each org", "project": "each project"}[k] for k in kinds)
        if endpoint in ("GET /ng/api/apikey/aggregate", "GET /ng/api/token/aggregate"):
            where = ", ".join(f"`{scope_file_key(s)}`" for s in sorted(ss, key=scope_sort))
        rows.append(f"| `{endpoint}` | {where} | {describe[endpoint]} |")
    assert set(describe) == set(scopes_of), set(scopes_of) ^ set(describe)
    audit_last = api.lists[(AUDIT_LOGINS, ACCOUNT)]["pages"] - 1
    return (API_README
            .replace("ENDPOINT_ROWS", "\n".join(rows))
            .replace("ACCOUNT_ID", ACCOUNT_ID)
            .replace("AUDIT_LAST_PAGE", str(audit_last))
            .replace("LIST_COUNT", str(len(api.lists)))
            .replace("LOGIN_COUNT", str(api.lists[(AUDIT_LOGINS, ACCOUNT)]["stored"]))
            .replace("ADDED_COUNT", str(api.lists[(AUDIT_ADDED, ACCOUNT)]["stored"]))
            .replace("START_MS", str(ms(WINDOW_START)))
            .replace("END_MS", str(ms(WINDOW_END)))
            .replace("WINDOW_START", iso(WINDOW_START))
            .replace("WINDOW_END", iso(WINDOW_END)))


# ---------------------------------------------------------------------------


def main() -> int:
    m = Model()
    events = audit_events(m)
    api = build_api(m, events)
    snap = build_snapshot(m, api, events)
    api.write()
    write_json(HERE / "snapshot.json", snap)
    write_text(HERE / "api" / "README.md", build_api_readme(api))
    write_text(HERE / "README.md", build_readme(m, snap, api, events))
    print(f"wrote {HERE / 'snapshot.json'}, {len(api.files)} API files, 2 READMEs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
