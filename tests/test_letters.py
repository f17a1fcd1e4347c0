"""Follow-up letters across re-runs: a corrected submission changes its own letter and no other."""

from __future__ import annotations

import csv
import datetime as dt
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


def test_every_letter_is_in_its_municipality_s_language_form(bundled_run):
    rows = journal(bundled_run)
    forms = expected_forms()
    assert {p: r["maalform"] for p, r in rows.items()} == {p: forms[p] for p in rows}
    assert {"nb", "nn"} <= set(forms[p] for p in rows)
    for project, row in rows.items():
        text = letter_text(bundled_run, project)
        if row["maalform"] == "nn":
            assert "Med helsing" in text and "Tilskot" in text and "Tilskudd" not in text, project
        else:
            assert "Med hilsen" in text and "Tilskudd" in text and "Tilskot" not in text, project


def test_reminders_only_where_nothing_arrived_and_unreadable_files_acknowledged(bundled_run):
    rows = journal(bundled_run)
    missing = {m["prosjektnummer"] for m in MANIFEST["missing"] if m["year"] == YEAR}
    reminded = {p for p, r in rows.items() if r["brevtype"] == "mangler"}
    assert reminded == missing and missing
    for project in reminded:
        assert "rapport_mangler" in rows[project]["funn"].split(";")
        phrase = "ikkje fått nokon rapport" if rows[project]["maalform"] == "nn" else "ikke fått noen rapport"
        text = letter_text(bundled_run, project)
        assert phrase in text and "Fristen har gått ut" in text, project
        assert all(d > "2014-01-31" for d in [rows[project]["dato"]])  # after the deadline, never on it
    # a file that arrived but could not be read is acknowledged by name and date: not a reminder
    unreadable = [d for d in MANIFEST["defects"] if d["year"] == YEAR and d["rule"] == "fil_ulesbar"]
    assert unreadable
    for defect in unreadable:
        row = rows[defect["prosjektnummer"]]
        assert row["brevtype"] == "ulesbar" and "rapport_mangler" not in row["funn"], defect
        text = letter_text(bundled_run, defect["prosjektnummer"])
        name = defect["file"].split("/", 1)[1]
        received = dt.date.fromisoformat(name[:10]).strftime("%d.%m.%Y")
        assert name in text and received in text, defect


def test_letters_of_a_batch_share_one_working_day_and_give_the_next_deadline(bundled_run):
    from pipelines import workdays

    rows = journal(bundled_run)
    (day,) = {r["dato"] for r in rows.values()}
    assert workdays.is_working_day(dt.date.fromisoformat(day))
    assert all(workdays.is_working_day(dt.date.fromisoformat(r["svarfrist"])) for r in rows.values())
    ends = {p["prosjektnummer"]: int(p["siste_aar"]) for p in register("prosjekt")}
    for project, _row in rows.items():
        text = letter_text(bundled_run, project)
        if ends[project] > YEAR:  # the 2014 report is due 31.01.2015, a Saturday: it runs to Monday
            assert "02.02.2015" in text, project
        words = re.sub(r"\S+\.(xlsx|xlsm|xls|ods|csv)\b\S*", " ", text)  # file names keep their underscores
        assert not re.findall(r"\b[a-z]+_[a-z_]+\b", words), (project, re.findall(r"\b[a-z]+_[a-z_]+\b", words))


def test_planted_defects_are_quoted_in_the_project_s_letter(bundled_run):
    rows = journal(bundled_run)
    planted = [
        d
        for d in MANIFEST["defects"]
        if d["year"] == YEAR and d["planted_in"] == "normal_submission" and d["rule"] != "fil_ulesbar"
    ]
    assert planted
    for defect in planted:
        row = rows[defect["prosjektnummer"]]
        text = letter_text(bundled_run, defect["prosjektnummer"])
        if row["brevtype"] == "avvist":
            # a rejected report: the reason stands with the file under «Dette har vi fått»,
            # and the one thing to do is to correct and send it again
            assert "rapport_avvist" in row["funn"].split(";"), defect
            assert defect["file"].split("/", 1)[1] in text and "Dette har vi fått" in text, defect
        else:
            assert f"avvik_{defect['rule']}" in row["funn"].split(";"), defect
        if defect["sheet"]:
            assert f"Arket «{defect['sheet']}», rad {defect['row']}" in text, defect


# The amounts of every letter against the ledger, for 2012–2015: tests/test_ledger.py.
