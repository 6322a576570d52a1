#!/usr/bin/env python3
"""Decides every row of a campaign, for measuring `collect` and
`diff --decisions` at scale (docs/performance.md): one CSV export of the
Entitlements sheet per reviewer, as Excel's "CSV UTF-8" writes it (a byte
order mark, commas, CRLF), every row Keep with a reason.

    python3 benches/decide_all.py PACK_DIR OUT_DIR

PACK_DIR is a pack made with --policy ... --split-by-reviewer; its
reviewers/assignments.csv says which rows each reviewer was sent. The
layout is samples/demo/make_returned.py's.
"""

import csv
import sys
from pathlib import Path

HEADER = ["Who", "Entitlement", "Gives", "Decision", "Reviewer", "Review date",
          "Justification", "Ticket", "Modify to", "Principal ID", "Row key"]


def main(pack, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    by_reviewer = {}
    sha = None
    with open(pack / "reviewers" / "assignments.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if not r["row_key"] or not r["reviewer"]:
                continue
            sha = sha or r["snapshot_sha256"]
            by_reviewer.setdefault(r["reviewer"], []).append(r)
    for reviewer, rows in sorted(by_reviewer.items()):
        name = reviewer.replace("@", "_at_")
        with open(out_dir / f"{name}-entitlements.csv", "w", newline="", encoding="utf-8-sig") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow([f"Entitlements · Synthetic · for {reviewer}"])
            w.writerow([f"snapshot SHA-256 {sha}"])
            w.writerow(HEADER)
            for r in rows:
                w.writerow([r["principal_email"] or r["principal_id"], r["entitlement"],
                            r["privilege_level"], "Keep", reviewer, "2026-12-01",
                            "still needed for the quarter", "", "", r["principal_id"],
                            r["row_key"]])
    print(f"{sum(len(v) for v in by_reviewer.values())} rows, {len(by_reviewer)} reviewers")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
