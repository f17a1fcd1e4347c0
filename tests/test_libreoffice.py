"""The blank form filled in LibreOffice Calc as a person types, saved as .xlsx, .xls, .ods and CSV, read back.

Calc runs headless with a private profile in the nb-NO locale. Every value is entered as the text a person
types (`tests/libreoffice/calc.py`, run by Debian's Python with `python3-uno`), so Calc itself decides what
becomes a date, a percentage, a number or text. The files Calc saves are read by samanom's reader and typed
by validation as the pipeline does; every value must come back as typed, with no issue. A second test exports
the survey tool's CSV layout from Calc in Windows-1252 with `;` and in UTF-8 with `,`; another prints the blank
form to PDF through LibreOffice and reads its pages back.

Marked `libreoffice` (about two minutes on a loaded machine: 113 s at load average 15 on two cores): it runs in
`make test` and CI, and `-m "not libreoffice"` leaves it out of a quick local run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import zipfile
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from pipelines import landing, reading, validation
from schemas import form as F
from tools.form_writer import sheet_names, write_blank_form

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "libreoffice" / "calc.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has `uno`; the venv's Python has not
YEAR = 2013
TIME_LIMIT = 240  # seconds for one Calc session


@cache
def register() -> dict[str, pd.DataFrame]:
    ref = ROOT / "data" / "reference"
    return {
        "prosjekt": pd.read_csv(ref / "prosjekt.csv", dtype=str),
        "kommuner": pd.read_csv(ref / "kommuner.csv", dtype=str),
    }


def project() -> dict:
    """An active project of the register, preferably one whose municipality number starts with 0."""
    reg = register()
    names = dict(zip(reg["kommuner"]["kommunenummer"], reg["kommuner"]["kommune"]))
    p = reg["prosjekt"]
    p = p[(p["forste_aar"].astype(int) <= YEAR) & (p["siste_aar"].astype(int) >= YEAR)]
    p = p.sort_values("kommunenummer")
    row = next(p.itertuples())
    return {
        "prosjektnummer": row.prosjektnummer,
        "kommunenummer": row.kommunenummer,
        "kommune": names[row.kommunenummer],
        "tema": row.tema.split(";"),
    }


def calc(job: dict, tmp: Path) -> list[dict]:
    """One Calc session: type, save; returns what each typed cell holds in Calc."""
    assert shutil.which("soffice"), "LibreOffice is missing: scripts/install-system.sh installs libreoffice-calc-nogui"
    assert Path(SYSTEM_PYTHON).exists()
    job = {"profile": str(tmp / "lo-profile"), "locale": "nb-NO", **job}
    path = tmp / "job.json"
    path.write_text(json.dumps(job, ensure_ascii=False, default=str), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, str(DRIVER), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and the office it started, nothing else
        proc.communicate()
        pytest.fail(f"LibreOffice took more than {TIME_LIMIT} s")
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


# --- what a project leader types ------------------------------------------------------------------


def typed_submission(form: str) -> dict:
    """Sheet -> [(cell, text typed)], and what each value means, for the blank form in `form`."""
    i = F.FORMS.index(form)
    p = project()
    names = sheet_names(form)
    nn = form == "nn"
    prosjekt = {
        "prosjektnummer": p["prosjektnummer"],
        "kommunenummer": p["kommunenummer"],
        "kommune": p["kommune"],
        "prosjektnavn": "Heiltid i pleie og omsorg" if nn else "Heltid i pleie og omsorg",
        "tema": "; ".join(F.THEMES[t][i] for t in p["tema"]),
        "status": "gjennomføring",
        "prosjektleder": "Kari Nordmann",
        "epost": "kari.nordmann@kommune.no",
        "folkevalgte_med": "Ja",
        "administrasjon_med": "Ja",
        "tillitsvalgte_med": "Nei",
        "temadag_dato": "01.03.2013",
        "samlinger_deltatt": "2",
        "tilskudd_mottatt": "350 000",
        "forbruk": "300000",
        "egeninnsats": "50 000",
        "hovedfunn": "Færre langtidssjukmelde etter nye rutinar & «tett oppfølging» <frå leiarane>."
        if nn
        else "Færre langtidssykmeldte etter nye rutiner & «tett oppfølging» <fra lederne>.",
        "godt_eksempel": "Fadderordning for nytilsette." if nn else "Fadderordning for nyansatte.",
        "innsendt_dato": "17.01.2014",
        "godkjent_av": "Ola Rå, rådmann",
    }
    row_of = {f.key: r for r, f in enumerate(F.PROSJEKT_FIELDS, start=1)}
    typing = [(names["prosjekt"], f"B{row_of[k]}", text) for k, text in prosjekt.items()]
    std_row = {ind.key: r for r, ind in enumerate(F.STANDARD_INDICATORS, start=2)}
    # standard indicators: a percentage cell, a decimal comma, a whole number
    indicators = {
        "sykefravaer_pst": ("8,4 %", "2011", "7,5", "2015", "8,1"),
        "kvalifiserte_sokere": ("1,2", "2011", "2", "2015", "1,6"),
        "heltid_andel_pst": ("31 %", "2012", "40 %", "2015", "35,5 %"),
    }
    for key, vals in indicators.items():
        typing += [(names["indikatorer"], f"{col}{std_row[key]}", v) for col, v in zip("CDEFG", vals)]
    own = [
        ("Del lærlingar" if nn else "Andel lærlinger", "%", "35 %", "2012", "40", "2015", "37,5 %"),
        ("Tal lærlingar" if nn else "Antall lærlinger", "antall", "12", "2012", "20", "2015", "120"),
        ("Del heiltid i pleie" if nn else "Andel heltid i pleie", "prosent", "42,5", "2012", "50 %", "2015", "44 %"),
    ]
    first_own = len(F.STANDARD_INDICATORS) + 2
    for r, vals in enumerate(own, start=first_own):
        typing += [(names["indikatorer"], f"{col}{r}", v) for col, v in zip("ABCDEFG", vals)]
    tiltak = [
        ("Kurs for leiarar" if nn else "Kurs for ledere", "i gang" if nn else "pågår", "01.02.2013", "31.12.2014"),
        ("Ny turnus", "planlagt", "2014-01-01", None),
        ("Heiltidsprosjekt" if nn else "Heltidsprosjekt", "avbrote" if nn else "avbrutt", "15.08.2012", "30.06.2013"),
    ]
    for r, vals in enumerate(tiltak, start=2):
        typing += [(names["tiltak"], f"{col}{r}", v) for col, v in zip("ABCD", vals) if v]
    risiko = [
        ("Nøkkelpersonar sluttar" if nn else "Nøkkelpersoner slutter", "3", "4", "Fadderordning"),
        ("Låg oppslutnad" if nn else "Lav oppslutning", "2", "2", None),
    ]
    for r, vals in enumerate(risiko, start=2):
        typing += [(names["risiko"], f"{col}{r}", v) for col, v in zip("ABCD", vals) if v]
    expected = {
        "prosjekt": {
            **{k: v for k, v in prosjekt.items()},
            "kommunenummer": p["kommunenummer"],
            "tema": sorted(p["tema"]),
            "status": "gjennomforing",
            "folkevalgte_med": True,
            "administrasjon_med": True,
            "tillitsvalgte_med": False,
            "temadag_dato": dt.date(2013, 3, 1),
            "samlinger_deltatt": 2,
            "tilskudd_mottatt": 350000,
            "forbruk": 300000,
            "egeninnsats": 50000,
            "innsendt_dato": dt.date(2014, 1, 17),
            "rapporteringsaar": YEAR,
        },
        "indikatorer": {
            "sykefravaer_pst": (8.4, 2011, 7.5, 2015, 8.1),
            "kvalifiserte_sokere": (1.2, 2011, 2.0, 2015, 1.6),
            "heltid_andel_pst": (31.0, 2012, 40.0, 2015, 35.5),
            own[0][0]: (35.0, 2012, 40.0, 2015, 37.5),
            own[1][0]: (12.0, 2012, 20.0, 2015, 120.0),
            own[2][0]: (42.5, 2012, 50.0, 2015, 44.0),
        },
        "tiltak": [
            (tiltak[0][0], "paagaar", dt.date(2013, 2, 1), dt.date(2014, 12, 31)),
            ("Ny turnus", "planlagt", dt.date(2014, 1, 1), None),
            (tiltak[2][0], "avbrutt", dt.date(2012, 8, 15), dt.date(2013, 6, 30)),
        ],
        "risiko": [(risiko[0][0], 3, 4, "Fadderordning"), (risiko[1][0], 2, 2, None)],
    }
    return {"typing": typing, "expected": expected}


def read_and_validate(paths: list[Path]) -> validation.Validated:
    read = []
    for path in paths:
        fmt = landing.sniff_format(path)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        read.append(
            (
                landing.LandedFile(
                    filnavn=path.name,
                    sha256=sha,
                    storrelse_bytes=0,
                    mottatt_dato=dt.date(2014, 1, 20),
                    format=fmt,
                    arkivsti=path.name,
                ),
                reading.read_file(path, fmt),
            )
        )
    for _f, result in read:
        assert not result.issues, [i.message("nb") for i in result.issues]
    return validation.validate_year(YEAR, reading.raw_frames(read), register())


def _value(v):
    if v is None or (not isinstance(v, (list, str)) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def assert_as_typed(v: validation.Validated, expected: dict, n: int, *, measures: bool = True) -> None:
    assert [(i.regel, i.message("nb")) for _sid, i in v.issues] == []
    assert len(v.innsendinger) == n and v.innsendinger["godkjent"].all()
    for sub in v.innsendinger.to_dict("records"):
        for key, want in expected["prosjekt"].items():
            got = _value(sub[key])
            if isinstance(want, float) or isinstance(got, float):
                assert got == pytest.approx(want), key
            else:
                assert got == want, (key, got, want)
    for sid, rows in v.indikatorer.groupby("innsending_id"):
        got = {
            r.indikator: tuple(
                _value(getattr(r, c)) for c in ("utgangspunkt", "utgangsaar", "maal", "maalaar", "resultat")
            )
            for r in rows.itertuples()
        }
        assert set(got) == set(expected["indikatorer"]), sid
        for key, want in expected["indikatorer"].items():
            assert got[key] == pytest.approx(want), (key, got[key])
    if measures:
        for _sid, rows in v.tiltak.groupby("innsending_id"):
            assert [
                tuple(_value(getattr(r, c)) for c in ("tiltak", "status", "start", "slutt")) for r in rows.itertuples()
            ] == expected["tiltak"]
        for _sid, rows in v.risiko.groupby("innsending_id"):
            assert [
                tuple(_value(getattr(r, c)) for c in ("risikofaktor", "sannsynlighet", "konsekvens", "mottiltak"))
                for r in rows.itertuples()
            ] == expected["risiko"]


# --- the tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", F.FORMS)
def test_form_filled_in_calc_reads_back_as_typed_in_every_format(tmp_path, form):
    blank = write_blank_form(YEAR, form, tmp_path / f"skjema-{form}.xlsx")
    sub = typed_submission(form)
    targets = [
        (tmp_path / f"2014-01-17_utfylt.{ext}", name)
        for ext, name in (("xlsx", "Calc MS Excel 2007 XML"), ("xls", "MS Excel 97"), ("ods", "calc8"))
    ]
    cells = calc(
        {"open": str(blank), "typing": sub["typing"], "save": [(str(p), name, "") for p, name in targets]}, tmp_path
    )
    # Calc decided as it does for a person: percentages, dates and text where the form asks for them
    by_text = {c["typed"]: c for c in cells}
    assert "%" in by_text["8,4 %"]["format"] and by_text["8,4 %"]["value"] == pytest.approx(0.084)
    assert by_text["01.03.2013"]["value"] == (dt.date(2013, 3, 1) - dt.date(1899, 12, 30)).days
    assert by_text[project()["kommunenummer"]]["text"]  # the form's text cell keeps a leading zero
    v = read_and_validate([p for p, _ in targets])
    assert set(v.innsendinger["skjemaform"]) == {form}
    assert_as_typed(v, sub["expected"], len(targets))
    # saved by Calc as .ods, the form keeps its protection, its checks and their help: a LibreOffice user
    # loses nothing by working in the .xlsx the secretariat offers and keeping it as .ods
    content = zipfile.ZipFile(targets[2][0]).read("content.xml").decode()
    tables = re.findall(r"<table:table [^>]*>", content)
    assert len(tables) == 5 and all('table:protected="true"' in t for t in tables)
    assert content.count("<table:content-validation ") >= 10 and "<table:help-message" in content


def test_what_calc_makes_of_a_typing_mistake_is_an_issue_not_a_value(tmp_path):
    """«kr 95 500,-» becomes −95 500 and «8.1» a date in nb-NO: each is reported as the person sees it, and
    neither stands in the typed tables."""
    blank = write_blank_form(YEAR, "nb", tmp_path / "skjema.xlsx")
    sub = typed_submission("nb")
    row_of = {f.key: r for r, f in enumerate(F.PROSJEKT_FIELDS, start=1)}
    typing = [t for t in sub["typing"] if t[1] not in (f"B{row_of['egeninnsats']}", "G2")]
    typing += [("Prosjekt", f"B{row_of['egeninnsats']}", "kr 95 500,-"), ("Indikatorer", "G2", "8.1")]
    target = tmp_path / "2014-01-17_feil.xlsx"
    calc({"open": str(blank), "typing": typing, "save": [(str(target), "Calc MS Excel 2007 XML", "")]}, tmp_path)
    v = read_and_validate([target])
    issues = {(i.regel, i.felt): i for _sid, i in v.issues}
    assert set(issues) == {("verdi_utenfor_omrade", "egeninnsats"), ("ugyldig_verdi", "resultat")}
    money = issues[("verdi_utenfor_omrade", "egeninnsats")].message("nb")
    assert "«Egeninnsats (kr)»" in money and "95500" in money.replace(" ", "")
    date = issues[("ugyldig_verdi", "resultat")].message("nb")
    assert "«08.01." in date and "Resultat" in date  # the date Calc made of 8.1, as a Norwegian reads it
    sub_row = v.innsendinger.iloc[0]
    assert pd.isna(sub_row["egeninnsats"])  # rejected: empty in the typed table, kept in raw_felt
    assert v.indikatorer.set_index("indikator").loc["sykefravaer_pst", "resultat"] is pd.NA or pd.isna(
        v.indikatorer.set_index("indikator").loc["sykefravaer_pst", "resultat"]
    )


CSV_EXPORTS = {  # Calc's CSV filter options: field separator, text delimiter, character set (1 = Windows-1252,
    # 76 = UTF-8), first line
    "cp1252-semikolon": ("59,34,1,1", "cp1252"),
    "utf8-komma": ("44,34,76,1", "utf-8"),
}


def test_csv_exported_by_calc_reads_back_as_typed(tmp_path):
    sub = typed_submission("nb")
    expected = sub["expected"]
    prosjekt = {
        f.key: text
        for (sheet, ref, text) in sub["typing"]
        for f, r in zip(F.PROSJEKT_FIELDS, range(1, 99))
        if sheet == "Prosjekt" and ref == f"B{r}"
    }
    prosjekt["rapporteringsaar"] = str(YEAR)
    columns = list(F.CSV_COLUMNS)
    values = {
        **prosjekt,
        **dict(zip([f"sykefravaer_pst__{p}" for p in F.CSV_INDICATOR_PARTS], ("8,4 %", "2011", "7,5", "2015", "8,1"))),
        **dict(zip([f"kvalifiserte_sokere__{p}" for p in F.CSV_INDICATOR_PARTS], ("1,2", "2011", "2", "2015", "1,6"))),
    }
    typing = [("*", f"{_col(c)}1", key) for c, key in enumerate(columns)]
    typing += [("*", f"{_col(c)}2", values[key]) for c, key in enumerate(columns) if values.get(key)]
    targets = {name: tmp_path / f"2014-02-14_eksport_{name}.csv" for name in CSV_EXPORTS}
    calc(
        {
            "open": None,
            "typing": typing,
            "save": [(str(targets[n]), "Text - txt - csv (StarCalc)", opts) for n, (opts, _enc) in CSV_EXPORTS.items()],
        },
        tmp_path,
    )
    for name, (_opts, encoding) in CSV_EXPORTS.items():
        data = targets[name].read_bytes()
        assert "Rå, rådmann".encode(encoding) in data
        if encoding == "cp1252":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
    v = read_and_validate(list(targets.values()))
    csv_expected = {
        **expected,
        "indikatorer": {k: expected["indikatorer"][k] for k in ("sykefravaer_pst", "kvalifiserte_sokere")},
    }
    assert_as_typed(v, csv_expected, len(targets), measures=False)


def _col(c0: int) -> str:
    s, n = "", c0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def test_the_blank_form_prints_one_page_per_sheet(tmp_path):
    """Printed by LibreOffice to PDF as a person would print it: five A4 pages, one per sheet, so every sheet
    is one page wide and the labels stand on the same page as the answer boxes; the tables in landscape, each
    page headed by its sheet's name and number."""
    from pypdf import PdfReader

    blanks = [write_blank_form(YEAR, form, tmp_path / f"skjema-{form}.xlsx") for form in F.FORMS]
    profile = (tmp_path / "lo-pdf").resolve().as_uri()
    proc = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf"]
        + ["--outdir", str(tmp_path), *map(str, blanks)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"LibreOffice took more than {TIME_LIMIT} s")
    for form, blank in zip(F.FORMS, blanks):
        names = sheet_names(form)
        pages = PdfReader(blank.with_suffix(".pdf")).pages
        sheets = [names[k] for k in ("veiledning", "prosjekt", "indikatorer", "tiltak", "risiko")]
        assert len(pages) == len(sheets), (form, len(pages))
        for n, (page, sheet) in enumerate(zip(pages, sheets), start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert sorted((round(width), round(height))) == [595, 842]  # A4
            text = page.extract_text()
            if n == 1:
                assert text.startswith("Rapporteringsskjema") and height > width
                continue
            assert text.splitlines()[0].replace(" ", "") == f"{sheet}{n}/{len(sheets)}"  # the page header
            assert (width > height) == (sheet != names["prosjekt"])  # the tables in landscape
        prosjekt = pages[1].extract_text()
        assert all(f.label(form) in prosjekt for f in F.PROSJEKT_FIELDS)  # every label on the answers' page
