#!/usr/bin/env python3
"""Writes samples/demo/returned/: two reviewers' answers to the demo
campaign, as CSV exports of their workbooks would hold them (the banner rows
naming the sheet, the reviewer and the snapshot, then the header and rows).

    python3 samples/demo/make_returned.py PACK_DIR samples/demo/returned

PACK_DIR is a pack made with
    reviewpack report samples/demo/snapshot.json -o PACK_DIR \
        --policy samples/demo/campaign-policy.toml --split-by-reviewer
Its reviewers/assignments.csv says which rows each reviewer was sent. The
decisions are invented and chosen to show what `reviewpack collect` checks:

- Elena Varga (org eng) revokes Gavin Roche's project admin on
  eng/checkout, modifies one other privileged grant to Organization Viewer,
  keeps the rest with a reason but one (Keep on privileged access without a
  justification), and leaves one Effective Access row undecided.
- Priya Raman (project eng/payments) modifies her first row of write
  access to Project Viewer without a ticket and keeps the rest.
Nobody answers for secops@ and ivo.marek@: their rows stay undecided.

tests/it/campaign.rs runs this script and checks the files in the repository
are what it writes.
"""

import csv
import io
import sys
from pathlib import Path

GAVIN = "03anCCxH1VWgJVaL1Tek7c"
HEADER = ["row_key", "principal_id", "principal_email", "decision", "reviewer",
          "review_date", "justification", "ticket", "modify_to"]


def rows_of(assignments, reviewer, sheet):
    return [r for r in assignments if r["reviewer"] == reviewer and r["sheet"] == sheet]


def write(out_dir, name, sheet, reviewer, sha, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"{sheet} · Demo · for {reviewer}"])
    w.writerow([f"Snapshot SHA-256 {sha}"])
    w.writerow(HEADER)
    for r in rows:
        w.writerow(r)
    (out_dir / name).write_text(buf.getvalue(), encoding="utf-8", newline="")


def main(pack, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(pack / "reviewers" / "assignments.csv", newline="", encoding="utf-8") as f:
        assignments = [r for r in csv.DictReader(f) if r["row_key"]]
    sha = assignments[0]["snapshot_sha256"]

    elena = "elena.varga@example.com"
    pa = []
    modified = False
    kept = 0
    for r in rows_of(assignments, elena, "Privileged Access"):
        base = [r["row_key"], r["principal_id"], r["principal_email"]]
        if r["principal_id"] == GAVIN:
            pa.append(base + ["Revoke", "Elena Varga", "2026-10-06", "left the checkout team", "SEC-101", ""])
        elif not modified:
            modified = True
            pa.append(base + ["Modify", "Elena Varga", "2026-10-06", "needs to see, not change", "ENG-7", "_organization_viewer"])
        else:
            kept += 1
            reason = "" if kept == 1 else "on call for the org"
            pa.append(base + ["Keep", "Elena Varga", "2026-10-06", reason, "", ""])
    write(out_dir, "elena.varga-privileged-access.csv", "Privileged Access", elena, sha, pa)

    ea = []
    for i, r in enumerate(rows_of(assignments, elena, "Effective Access")):
        base = [r["row_key"], r["principal_id"], r["principal_email"]]
        if i == 0:
            ea.append(base + ["", "", "", "", "", ""])
        elif r["principal_id"] == GAVIN:
            ea.append(base + ["Revoke", "Elena Varga", "2026-10-07", "left the checkout team", "SEC-101", ""])
        else:
            ea.append(base + ["Keep", "Elena Varga", "2026-10-07", "works in eng", "", ""])
    write(out_dir, "elena.varga-effective-access.csv", "Effective Access", elena, sha, ea)

    priya = "priya.raman@example.com"
    rows = []
    modified = False
    for r in rows_of(assignments, priya, "Effective Access"):
        base = [r["row_key"], r["principal_id"], r["principal_email"]]
        if not modified and r["privilege_level"] == "write":
            modified = True
            rows.append(base + ["Modify", "Priya Raman", "2026-10-08", "read is enough", "", "_project_viewer"])
        else:
            rows.append(base + ["Keep", "Priya Raman", "2026-10-08", "payments team", "", ""])
    write(out_dir, "priya.raman-effective-access.csv", "Effective Access", priya, sha, rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
