"""Drive LibreOffice Calc as a person would: open a workbook, type text into cells, save it in other formats.

Run with Debian's Python (`/usr/bin/python3`, which has `uno` from `python3-uno`), never the project's venv:

    /usr/bin/python3 tests/libreoffice/calc.py JOB.json

JOB.json: {"profile": "/tmp/...", "open": "form.xlsx" | null, "typing": [[sheet, "B3", "8,4 %"], ...],
           "save": [["out.xlsx", "Calc MS Excel 2007 XML", ""], ["out.csv", "Text - txt - csv (StarCalc)",
           "59,34,1,1"]], "locale": "nb-NO"}
Typing goes through Calc's own input (a cell's `FormulaLocal`: what a person types in the office's locale), so Calc decides, as it does for
a person at the keyboard in that locale, what becomes a date, a percentage, a number or text; a protected cell
refuses the input as it would refuse a person, and the job fails. A private profile (`profile`) keeps parallel
runs apart and carries the locale. Prints one JSON line: what each typed cell holds afterwards.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Office.Linguistic/General"><prop oor:name="DefaultLocale" oor:op="fuse">
<value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="GenerateThumbnail" oor:op="fuse">
<value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def url(path):
    return uno.systemPathToFileUrl(str(Path(path).resolve()))


def start_office(profile: Path, locale: str):
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(XCU.format(locale=locale), encoding="utf-8")
    pipe = "samanom_" + uuid.uuid4().hex
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    proc = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr if os.environ.get("SAMANOM_LO_DEBUG") else subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("LibreOffice did not start") from None
            time.sleep(0.3)
    return proc, ctx


def main(job_path):
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    proc, ctx = start_office(Path(job["profile"]), job.get("locale", "nb-NO"))
    try:
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        load = (prop("Hidden", True),)
        doc = desktop.loadComponentFromURL(
            url(job["open"]) if job.get("open") else "private:factory/scalc", "_blank", 0, load
        )
        formats = doc.getNumberFormats()
        result = []
        for sheet_name, ref, text in job.get("typing", []):
            # «*» is the first sheet of a new document (its name depends on the office's language)
            sheet = doc.Sheets.getByIndex(0) if sheet_name == "*" else doc.Sheets.getByName(sheet_name)
            cell = sheet.getCellRangeByName(ref)
            if cell.getPropertyValue("CellProtection").IsLocked and sheet.isProtected():
                raise RuntimeError(f"{sheet_name}!{ref} is protected: a person could not type «{text}» there")
            # FormulaLocal is input in the office's own locale, interpreted as typed in a cell
            # (setFormula would read it in the API's English conventions)
            cell.setPropertyValue("FormulaLocal", text)
            cell = sheet.getCellRangeByName(ref)
            fmt = formats.getByKey(cell.getPropertyValue("NumberFormat"))
            state = {
                "sheet": sheet_name,
                "ref": ref,
                "typed": text,
                "shown": cell.getString(),
                "value": cell.getValue(),
                "text": cell.getType().value == "TEXT",
                "format": fmt.FormatString,
            }
            result.append(state)
        for target, filter_name, options in job.get("save", []):
            args = [prop("FilterName", filter_name), prop("Overwrite", True)]
            if options:
                args.append(prop("FilterOptions", options))
            doc.storeToURL(url(target), tuple(args))
        doc.close(True)
        print(json.dumps(result, ensure_ascii=False))
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


if __name__ == "__main__":
    main(sys.argv[1])
