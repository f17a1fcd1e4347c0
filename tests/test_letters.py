"""Follow-up letters across re-runs: a corrected submission changes its own letter and no other."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import re
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from babel.numbers import format_decimal

from pipelines.cli import main
from pipelines.paths import DEFAULT_INBOX
from tests.conftest import INDICATORS_NN, RISIKO, TILTAK, YEAR, prosjekt_values
from tools.form_writer import form_sheets, write_workbook


def journal(out, year: int = YEAR) -> dict[str, dict]:
    with open(out / str(year) / "brev" / "journal.csv", encoding="utf-8", newline="") as f:
        return {row["prosjektnummer"]: row for row in csv.DictReader(f)}


def letter_text(out, project: str, year: int = YEAR) -> str:
    path = out / str(year) / "brev" / f"{project}.pdf"
    return _pdf_text(path, path.stat().st_mtime_ns, path.stat().st_size)


@functools.cache
def _pdf_text(path: Path, mtime_ns: int, size: int) -> str:
    return " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


def latest_metadata(out, *key: str) -> dict:
    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(list(key)))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def warehouse_rows(out) -> dict[str, list[tuple]]:
    """Every raw and core table of the year, rows sorted: what a run leaves in the warehouse."""
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        # the letter journal is not what a run makes of the inbox: it is what the secretariat dispatched
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where "
                "(table_name like 'raw_%' or table_name like 'core_%') "
                "and table_name <> 'core_brevjournal'"
            ).fetchall()
        ]
        return {
            t: sorted(con.execute(f'select * from "{t}" where aar = ?', [YEAR]).fetchall(), key=repr) for t in tables
        }


def sent_letters(out, year: int = YEAR) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / str(year) / "brev" / "sendt").glob("*.pdf"))}


def test_dispatched_letters_are_never_rewritten_and_a_change_makes_one_new_letter(small_run, small_inbox, tmp_path):
    # the re-runs start from the small run's output folder: its warehouse, letters, cache and run history
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    shutil.copytree(small_inbox, inbox)
    shutil.copytree(small_run, out)
    run = ["run", "--year", str(YEAR), "--inbox", str(inbox), "--out", str(out)]
    assert "sendt" not in {r["status"] for r in journal_rows(out)}  # a plain run writes drafts only
    assert re.search(r"\b40 000 kr", letter_text(out, "P1-01"))  # 340 000 received, 300 000 spent

    # the secretariat dispatches the batch on Monday 17 February 2014
    assert main([*run, "--status", "endelig", "--date", "2014-02-17"]) == 0
    first = sent_letters(out)
    rows = journal_rows(out)
    assert len(first) == len(rows) == len(journal(out)) and {r["status"] for r in rows} == {"sendt"}
    assert {r["dato"] for r in rows} == {"2014-02-17"}
    assert {r["journalnummer"] for r in rows} == {f"{YEAR}/{p}-1" for p in journal(out)}
    assert "2013/P1-01-1" in letter_text(out, "P1-01") and "UTKAST" not in letter_text(out, "P1-01")
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        stored = dict(
            con.execute(
                "select journalnummer, sha256 from core_brevjournal where aar = ? and dokument = 'brev'", [YEAR]
            ).fetchall()
        )
    assert stored == {r["journalnummer"]: r["sha256"] for r in rows}

    # a re-run with nothing new writes no letter
    assert main(run) == 0
    assert sent_letters(out) == first and {r["status"] for r in journal_rows(out)} == {"sendt"}

    # Luster sends a corrected report after the deadline: all the grant spent
    corrected = form_sheets(
        "nn", prosjekt_values(forbruk=340000, innsendt_dato=dt.date(2014, 2, 19)), INDICATORS_NN, TILTAK, RISIKO
    )
    write_workbook(inbox / str(YEAR) / "2014-02-20_P1-01_arsrapport_retta.xlsx", corrected)
    assert main(run) == 0
    assert sent_letters(out) == first  # every dispatched letter byte for byte
    drafts = [r for r in journal_rows(out) if r["status"] == "utkast"]
    assert [r["prosjektnummer"] for r in drafts] == ["P1-01"]
    text = letter_text(out, "P1-01")
    assert "UTKAST" in text and "17.02.2014" in text and "2013/P1-01-1" in text  # refers to the earlier letter
    assert "2014-02-20_P1-01_arsrapport_retta.xlsx" in text and not re.search(r"\b40 000 kr", text)
    assert drafts[0]["dato"] == "2014-02-21"  # the first working day after the last file received
    for name, data in first.items():
        project = name.removeprefix(f"{YEAR}-").rsplit("-", 1)[0]
        if project != "P1-01":  # the current letter of every other project is its dispatched letter
            assert (out / str(YEAR) / "brev" / f"{project}.pdf").read_bytes() == data, project

    # only the new file was read; the warehouse is the one a run from scratch makes of the same inbox
    meta = latest_metadata(out, "reading", "innsendinger")
    assert (meta["filer_leste"], meta["filer_uendret_siden_sist"]) == (1, 3)
    fresh = tmp_path / "fresh"
    assert main(["run", "--year", str(YEAR), "--inbox", str(inbox), "--out", str(fresh)]) == 0
    assert warehouse_rows(out) == warehouse_rows(fresh)

    # dispatching again sends that one letter, numbered after the first
    assert main([*run, "--status", "endelig", "--date", "2014-02-24"]) == 0
    second = sent_letters(out)
    assert {k: v for k, v in second.items() if k in first} == first
    assert set(second) - set(first) == {f"{YEAR}-P1-01-2.pdf"}
    last = journal(out)["P1-01"]
    assert (last["journalnummer"], last["viser_til"], last["dato"]) == (
        f"{YEAR}/P1-01-2",
        f"{YEAR}/P1-01-1",
        "2014-02-24",
    )


def test_a_given_date_must_be_a_working_day(small_run, small_inbox, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(small_run, out)
    before = (out / "samanom.duckdb").read_bytes()
    # 25.12.2014 is Christmas Day: the run refuses it rather than date a batch on a holiday, before it starts
    with pytest.raises(SystemExit) as stop:
        main(["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out), "--date", "2014-12-25"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "Datoen 2014-12-25 er ikke en arbeidsdag (Første juledag); neste arbeidsdag er 2014-12-29." in err
    assert (out / "samanom.duckdb").read_bytes() == before


def journal_rows(out, year: int = YEAR) -> list[dict]:
    with open(out / str(year) / "brev" / "journal.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- the bundled sample year

MANIFEST = json.loads((DEFAULT_INBOX / "manifest.json").read_text(encoding="utf-8"))
REGISTER = Path(__file__).resolve().parent.parent / "data" / "reference"


def register(name: str) -> list[dict]:
    with open(REGISTER / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def expected_forms() -> dict[str, str]:
    """The Language Act: nynorsk to a municipality that has chosen nynorsk, bokmål to the others."""
    form_of = {k["kommunenummer"]: k["maalform"] for k in register("kommuner")}
    return {p["prosjektnummer"]: "nn" if form_of[p["kommunenummer"]] == "nn" else "nb" for p in register("prosjekt")}


def kroner(amount: float, form: str) -> str:
    return " ".join(f"{format_decimal(amount, locale=form)} kr".split())


YEARS = (2012, 2013, 2014, 2015)
# a date as the letters print it, and the dates a letter gives as deadlines («innen 02.02.2015»)
DATE = r"\d\d\.\d\d\.\d{4}"
DEADLINE = re.compile(rf"\binn[ea]n ({DATE})")


def dmy(day: str | dt.date) -> str:
    return (dt.date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d.%m.%Y")


def deadlines(year: int) -> dict[str, dt.date]:
    """Each project's reporting deadline for the year as the grant letter set it, moved to a working day."""
    from pipelines import workdays

    return {
        t["prosjektnummer"]: workdays.on_or_after(dt.date.fromisoformat(t["rapporteringsfrist"]))
        for t in register("tilskudd")
        if int(t["aar"]) == year
    }


def received_files(year: int) -> dict[str, list[dict]]:
    """The manifest's files of each project for the year: every submission and every unreadable file,
    with the day it arrived (the date its name starts with)."""
    files: dict[str, dict[str, dict]] = {}
    for s in MANIFEST["submissions"]:
        if s["year"] == year:
            files.setdefault(s["prosjektnummer"], {})[s["file"]] = s
    for d in MANIFEST["defects"]:
        if d["year"] == year and d["rule"] == "fil_ulesbar":
            files.setdefault(d["prosjektnummer"], {}).setdefault(d["file"], {"file": d["file"], "supersedes": None})
    return {
        p: [
            {**f, "name": f["file"].split("/", 1)[1], "received": dmy(f["file"].split("/", 1)[1][:10])}
            for f in fs.values()
        ]
        for p, fs in files.items()
    }


@pytest.mark.parametrize("year", YEARS)
def test_every_letter_is_in_its_municipality_s_language_form(all_years_run, year):
    rows = journal(all_years_run, year)
    forms = expected_forms()
    assert {p: r["maalform"] for p, r in rows.items()} == {p: forms[p] for p in rows}
    assert {"nb", "nn"} <= set(forms[p] for p in rows)
    for project, row in rows.items():
        text = letter_text(all_years_run, project, year)
        if row["maalform"] == "nn":
            assert "Med helsing" in text and "Tilskot" in text and "Tilskudd" not in text, project
        else:
            assert "Med hilsen" in text and "Tilskudd" in text and "Tilskot" not in text, project


@pytest.mark.parametrize("year", YEARS)
def test_reminders_only_where_nothing_arrived_and_unreadable_files_acknowledged(all_years_run, year):
    rows = journal(all_years_run, year)
    due = deadlines(year)
    missing = {m["prosjektnummer"] for m in MANIFEST["missing"] if m["year"] == year}
    reminded = {p for p, r in rows.items() if r["brevtype"] == "mangler"}
    assert reminded == missing and missing
    for project in reminded:
        assert "rapport_mangler" in rows[project]["funn"].split(";")
        phrase = "ikkje fått nokon rapport" if rows[project]["maalform"] == "nn" else "ikke fått noen rapport"
        text = letter_text(all_years_run, project, year)
        assert phrase in text and "Fristen har gått ut" in text, project
        assert dt.date.fromisoformat(rows[project]["dato"]) > due[project]  # after the deadline, never on it
    # a file that arrived but could not be read is acknowledged by name and date: not a reminder
    unreadable = {
        d["prosjektnummer"]: d for d in MANIFEST["defects"] if d["year"] == year and d["rule"] == "fil_ulesbar"
    }
    assert unreadable
    assert {p for p, r in rows.items() if r["brevtype"] == "ulesbar"} == set(unreadable)
    for project, defect in unreadable.items():
        row = rows[project]
        assert "rapport_mangler" not in row["funn"], defect
        text = letter_text(all_years_run, project, year)
        name = defect["file"].split("/", 1)[1]
        assert name in text and dmy(name[:10]) in text, defect


@pytest.mark.parametrize("year", YEARS)
def test_letters_of_a_batch_share_one_working_day_and_give_the_next_deadline(all_years_run, year):
    from pipelines import workdays

    rows = journal(all_years_run, year)
    (day,) = {r["dato"] for r in rows.values()}
    assert workdays.is_working_day(dt.date.fromisoformat(day))
    assert dt.date.fromisoformat(day) > max(deadlines(year).values())  # the batch goes out after the deadline
    assert all(workdays.is_working_day(dt.date.fromisoformat(r["svarfrist"])) for r in rows.values())
    ends = {p["prosjektnummer"]: int(p["siste_aar"]) for p in register("prosjekt")}
    following = deadlines(year + 1)
    for project, row in rows.items():
        text = letter_text(all_years_run, project, year)
        if ends[project] > year:  # e.g. the 2014 report is due 31.01.2015, a Saturday: it runs to Monday 02.02
            nb = f"Årsrapporten for {year + 1} skal være hos oss innen {dmy(following[project])}"
            nn = f"Årsrapporten for {year + 1} skal vere hos oss innan {dmy(following[project])}"
            assert (nn if row["maalform"] == "nn" else nb) in text, project
        else:
            assert "siste årsrapport" in text, project
        # every deadline the letter gives falls on a working day
        given = DEADLINE.findall(text)
        assert given and all(workdays.is_working_day(dt.datetime.strptime(d, "%d.%m.%Y").date()) for d in given), (
            project,
            given,
        )
        words = re.sub(r"\S+\.(xlsx|xlsm|xls|ods|csv)\b\S*", " ", text)  # file names keep their underscores
        assert not re.findall(r"\b[a-z]+_[a-z_]+\b", words), (project, re.findall(r"\b[a-z]+_[a-z_]+\b", words))


@pytest.mark.parametrize("year", YEARS)
def test_every_file_received_is_acknowledged_and_each_letter_states_its_facts(all_years_run, year):
    rows = journal(all_years_run, year)
    due = deadlines(year)
    files = received_files(year)
    superseded = 0
    for project, row in rows.items():
        text = letter_text(all_years_run, project, year)
        nn = row["maalform"] == "nn"
        mine = files.get(project, [])
        assert (row["brevtype"] == "mangler") == (not mine), project
        for f in mine:  # named with the day it arrived, whatever became of it
            assert f"«{f['name']}», {'motteken' if nn else 'mottatt'} {f['received']}" in text, (project, f["name"])
        for f in mine:
            if f["supersedes"]:
                older = f["supersedes"].split("/", 1)[1]
                newer = "erstatta av den nyare versjonen" if nn else "erstattet av den nyere versjonen"
                assert f"«{older}»" in text and f"{newer} «{f['name']}», " in text, (project, older)
                superseded += 1
        if row["brevtype"] in ("i_tide", "for_sent"):
            on_time = row["brevtype"] == "i_tide"
            said = ("innan fristen" if nn else "innen fristen") if on_time else "etter fristen"
            got = re.search(rf"Vi (?:fikk|fekk) rapporten ({DATE})", text)
            assert said in text and got and got.group(1) in {f["received"] for f in mine}, project
            day = dt.datetime.strptime(got.group(1), "%d.%m.%Y").date()
            assert (day <= due[project]) == on_time, (project, day, due[project])
            assert ("rapport_for_sent" in row["funn"].split(";")) != on_time, project
    assert superseded == sum(1 for s in MANIFEST["submissions"] if s["year"] == year and s["supersedes"]) > 0


@pytest.mark.parametrize("year", YEARS)
def test_planted_defects_are_quoted_in_the_project_s_letter(all_years_run, year):
    rows = journal(all_years_run, year)
    planted = [
        d
        for d in MANIFEST["defects"]
        if d["year"] == year and d["planted_in"] == "normal_submission" and d["rule"] != "fil_ulesbar"
    ]
    assert planted
    for defect in planted:
        row = rows[defect["prosjektnummer"]]
        text = letter_text(all_years_run, defect["prosjektnummer"], year)
        if row["brevtype"] == "avvist":
            # a rejected report: the reason stands with the file under «Dette har vi fått»,
            # and the one thing to do is to correct and send it again
            assert "rapport_avvist" in row["funn"].split(";"), defect
            assert defect["file"].split("/", 1)[1] in text and "Dette har vi fått" in text, defect
        else:
            assert f"avvik_{defect['rule']}" in row["funn"].split(";"), defect
        if defect["sheet"]:
            assert f"Arket «{defect['sheet']}», rad {defect['row']}" in text, defect


@pytest.mark.parametrize("year", YEARS)
def test_each_letter_names_the_ministry_of_its_date(all_years_run, year):
    krd, kmd = "Kommunal- og regionaldepartementet", "Kommunal- og moderniseringsdepartementet"
    rows = journal(all_years_run, year)
    for project, row in rows.items():
        text = letter_text(all_years_run, project, year)
        right, wrong = (kmd, krd) if row["dato"] >= "2014-01-01" else (krd, kmd)
        assert right in text and wrong not in text, (project, row["dato"])
    # the 2012 letters go out in 2013, all later ones in 2014 or after
    assert ({r["dato"] >= "2014-01-01" for r in rows.values()} == {True}) == (year > 2012)


def test_the_ministry_was_renamed_on_1_january_2014():
    from pipelines.documents import report_context

    sec = report_context.secretariat(REGISTER)
    assert report_context.ministry(sec, dt.date(2013, 12, 31)) == "Kommunal- og regionaldepartementet"
    assert report_context.ministry(sec, dt.date(2014, 1, 1)) == "Kommunal- og moderniseringsdepartementet"
    assert report_context.sender(sec, dt.date(2012, 3, 1))["departement"] == "Kommunal- og regionaldepartementet"


# The amounts of every letter against the ledger, for 2012–2015: tests/test_ledger.py.
