#!/usr/bin/python3
"""A reviewer filling in a reviewpack reviewer workbook in LibreOffice Calc,
driven through LibreOffice's own scripting bridge (Python UNO), headless.

    /usr/bin/python3 tests/lo/review_in_libreoffice.py IN.xlsx OUT.xlsx|OUT.ods [--sort]

It starts a private soffice (a throw-away profile, a private pipe), opens
IN.xlsx, and on its Entitlements sheet types, as a person would, a decision
on every data row (Revoke on every third row with a ticket, Keep on the
others), the reviewer (from the About sheet), a justification and a review
date. With --sort it then sorts the
Decision cells alone, the sheet still protected, as LibreOffice lets a
reviewer do (Data > Sort, "Current selection"); this is the API of the same
sort. It saves OUT.xlsx with LibreOffice's Excel 2007-365 filter (OUT.ods:
in LibreOffice's own format) and prints
one JSON line: the LibreOffice version, the rows filled, and how many rows'
decisions the sort changed.

tests/it/libreoffice.rs runs it; .ci/run installs libreoffice-calc and
python3-uno. Exit 0 on success, 2 on any failure.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.table import TableSortField


def pv(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def start_office():
    tmp = tempfile.mkdtemp(prefix="reviewpack-lo-")
    pipe = "reviewpack_lo_%d" % os.getpid()
    cmd = ["soffice", "--headless", "--invisible", "--norestore", "--nologo",
           "--nodefault", "--nolockcheck",
           "-env:UserInstallation=file://%s/profile" % tmp,
           "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe]
    log = open(os.path.join(tmp, "soffice.log"), "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    url = "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe
    for _ in range(480):  # the first start makes the profile
        try:
            return proc, resolver.resolve(url), tmp
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError("soffice exited with %s" % proc.returncode)
            time.sleep(0.25)
    raise RuntimeError("could not connect to soffice")


def stop_office(proc, ctx, tmp):
    try:
        ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx).terminate()
    except Exception:
        pass  # the bridge goes with the process
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(tmp, ignore_errors=True)


def version(ctx):
    cp = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", ctx)
    node = cp.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationAccess",
        (pv("nodepath", "/org.openoffice.Setup/Product"),))
    return "%s %s" % (node.getByName("ooName"), node.getByName("ooSetupVersionAboutBox"))


def main(src, dst, sort):
    proc, ctx, tmp = start_office()
    try:
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0, (pv("Hidden", True),))
        reviewer = doc.Sheets.getByName("About").getCellByPosition(1, 0).getString()
        sheet = doc.Sheets.getByName("Entitlements")
        if not sheet.isProtected():
            raise RuntimeError("the Entitlements sheet is not protected")
        # The header row: the first naming Decision.
        header, cols = None, {}
        for r in range(10):
            titles = {sheet.getCellByPosition(c, r).getString(): c for c in range(80)}
            if "Decision" in titles:
                header, cols = r, titles
                break
        if header is None:
            raise RuntimeError("no header row with a Decision column")
        first = header + 1
        last = first
        while sheet.getCellByPosition(cols["Row key"], last).getString():
            last += 1
        rows = last - first
        for i in range(rows):
            r = first + i
            revoke = i % 3 == 0
            sheet.getCellByPosition(cols["Decision"], r).setString("Revoke" if revoke else "Keep")
            sheet.getCellByPosition(cols["Reviewer"], r).setString(reviewer)
            sheet.getCellByPosition(cols["Justification"], r).setString("checked with the team")
            # Typed like a person types a date: Calc reads it as one.
            sheet.getCellByPosition(cols["Review date"], r).setFormula("2026-10-15")
            if revoke:
                sheet.getCellByPosition(cols["Ticket"], r).setString("SEC-%d" % (100 + i))
        before = [sheet.getCellByPosition(cols["Decision"], first + i).getString() for i in range(rows)]
        if sort:
            c = cols["Decision"]
            cells = sheet.getCellRangeByPosition(c, first, c, last - 1)
            field = TableSortField()
            field.Field = 0
            field.IsAscending = True
            desc = list(cells.createSortDescriptor())
            for p in desc:
                if p.Name == "SortFields":
                    p.Value = uno.Any("[]com.sun.star.table.TableSortField", (field,))
            cells.sort(tuple(desc))
        after = [sheet.getCellByPosition(cols["Decision"], first + i).getString() for i in range(rows)]
        flt = "calc8" if dst.lower().endswith(".ods") else "Calc MS Excel 2007 XML"
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)), (pv("FilterName", flt),))
        doc.close(True)
        print(json.dumps({
            "libreoffice": version(ctx),
            "rows": rows,
            "changed_by_sort": sum(1 for a, b in zip(before, after) if a != b),
        }))
    finally:
        stop_office(proc, ctx, tmp)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--sort"]
    if len(args) != 2:
        sys.exit(__doc__)
    try:
        main(args[0], args[1], "--sort" in sys.argv[1:])
    except Exception as e:  # one line, and a clear exit code
        print("review_in_libreoffice: %s" % e, file=sys.stderr)
        sys.exit(2)
