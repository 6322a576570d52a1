#!/usr/bin/env python3
"""Writes samples/demo/returned/: two reviewers' answers to the demo
campaign, as the CSV exports of their Entitlements sheet that Excel writes:
the banner rows (the sheet, the account, the reviewer, the snapshot), then
the header and the rows.

    python3 samples/demo/make_returned.py PACK_DIR samples/demo/returned

PACK_DIR is a pack made with
    reviewpack report samples/demo/snapshot.json -o PACK_DIR \
        --policy samples/demo/campaign-policy.toml --split-by-reviewer
Its reviewers/assignments.csv says which entitlements each reviewer was
sent. The decisions are invented and chosen to show what `reviewpack
collect` checks and what next quarter's diff (samples/quarter) proves:

- secops@ (the account's reviewer) saves with Excel's "CSV UTF-8" (a byte
  order mark, commas): revokes Victor Haldane's direct account admin
  assignment (carried out in q4) and Farah Nasser's user (she left; removed
  in q4), keeps the rest with a reason, and leaves the tokens undecided.
- Ines Calder (org eng) saves with Excel in German ("CSV (Trennzeichen-
  getrennt)": Windows-1252, semicolons): revokes Gavin Roche's project admin
  assignment on eng/checkout (not carried out in q4), modifies one write
  assignment to Project Viewer (not carried out either), keeps one admin
  assignment without a justification (a problem), keeps the rest, and leaves
  her first row undecided; one membership row carries a colleague's name in
  its Reviewer cell (Priya Raman filled it in), so collect excludes it as
  wrong-reviewer and it stays undecided.
Nobody answers for rosa.delgado@: her rows stay undecided (the follow-up
list names them).

tests/it/campaign.rs runs this script and checks the files in the repository
are what it writes.
"""

import csv
import io
import sys
from pathlib import Path

VICTOR_ADMIN = "RA:account/role_assignment_qggRnZ7WlONL6gyObfuT"
GAVIN_ADMIN = "RA:project:eng/checkout/role_assignment_SjrVgNt50iXESQx8j3Au"
FARAH = "farah.nasser@example.com"
HEADER = ["Who", "Entitlement", "Gives", "Decision", "Reviewer", "Review date",
          "Justification", "Ticket", "Modify to", "Principal ID", "Row key"]


def rows_of(assignments, reviewer):
    return [r for r in assignments if r["reviewer"] == reviewer]


def write(path, reviewer, sha, rows, encoding, delimiter):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow([f"Entitlements · Demo · for {reviewer}"])
    w.writerow([f"Account Xq3demoACCT0000000001 · snapshot SHA-256 {sha}"])
    w.writerow(HEADER)
    for r in rows:
        w.writerow(r)
    data = buf.getvalue().encode(encoding)
    if encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data  # Excel's "CSV UTF-8"
    path.write_bytes(data)


def line(r, decision, reviewer, date, why, ticket, to):
    return [r["principal_email"] or r["principal_id"], r["entitlement"], r["privilege_level"],
            decision, reviewer, date, why, ticket, to, r["principal_id"], r["row_key"]]


def main(pack, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(pack / "reviewers" / "assignments.csv", newline="", encoding="utf-8") as f:
        assignments = [r for r in csv.DictReader(f) if r["row_key"]]
    sha = assignments[0]["snapshot_sha256"]

    secops = "secops@example.com"
    rows = []
    for r in rows_of(assignments, secops):
        if r["row_key"] == VICTOR_ADMIN:
            rows.append(line(r, "Revoke", secops, "2026-10-06",
                             "standing account admin without 2FA; use platform_admins", "SEC-2041", ""))
        elif r["kind"] == "PR" and r["principal_email"] == FARAH:
            rows.append(line(r, "Revoke", secops, "2026-10-06", "left the company", "SEC-2043", ""))
        elif r["kind"] == "TK":
            rows.append(line(r, "", "", "", "", "", ""))
        else:
            rows.append(line(r, "Keep", secops, "2026-10-06", "still needed", "", ""))
    write(out_dir / "secops-entitlements.csv", secops, sha, rows, "utf-8", ",")

    ines = "ines.calder@example.com"
    rows = []
    modified = kept_admin = handed = False
    for i, r in enumerate(rows_of(assignments, ines)):
        if i == 0:
            rows.append(line(r, "", "", "", "", "", ""))
        elif r["row_key"] == GAVIN_ADMIN:
            rows.append(line(r, "Revoke", ines, "2026-10-07", "disabled user, still project admin", "SEC-2042", ""))
        elif not modified and r["kind"] == "RA" and r["privilege_level"] == "write":
            modified = True
            rows.append(line(r, "Modify", ines, "2026-10-07", "viewing is enough", "ENG-7", "_project_viewer"))
        elif not kept_admin and r["privilege_level"] == "admin":
            kept_admin = True
            rows.append(line(r, "Keep", ines, "2026-10-07", "", "", ""))
        elif not handed and r["kind"] == "SM":
            # A colleague filled in one row in her name: not Ines's
            # decision, so collect excludes it (wrong-reviewer).
            handed = True
            rows.append(line(r, "Keep", "priya.raman@example.com", "2026-10-07", "works in eng", "", ""))
        else:
            rows.append(line(r, "Keep", ines, "2026-10-07", "works in eng", "", ""))
    write(out_dir / "ines.calder-entitlements.csv", ines, sha, rows, "cp1252", ";")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
