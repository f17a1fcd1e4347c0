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
from tools.form_writer import form_sheets, write_workbook
from pipelines.paths import DEFAULT_INBOX
from tests.conftest import INDICATORS_NN, RISIKO, TILTAK, YEAR, prosjekt_values


def journal(out, year: int = YEAR) -> dict[str, dict]:
    with open(out / str(year) / "brev" / "journal.csv", encoding="utf-8", newline="") as f:
        return {row["prosjektnummer"]: row for row in csv.DictReader(f)}


def letter_text(out, project: str, year: int = YEAR) -> str:
    path = out / str(year) / "brev" / f"{project}.pdf"
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def latest_metadata(out, *key: str) -> dict:
    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(list(key)))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def warehouse_rows(out) -> dict[str, list[tuple]]:
    """Every raw and core table of the year, rows sorted: what a run leaves in the warehouse."""
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables where "
                                            "table_name like 'raw_%' or table_name like 'core_%'").fetchall()]
        return {t: sorted(con.execute(f'select * from "{t}" where aar = ?', [YEAR]).fetchall(), key=repr)
                for t in tables}


def test_corrected_submission_changes_that_letter_and_no_other(small_run, small_inbox, tmp_path):
    # the re-run starts from the small run's output folder: its warehouse, letters, cache and run history
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    shutil.copytree(small_inbox, inbox)
    shutil.copytree(small_run, out)
    run = ["run", "--year", str(YEAR), "--inbox", str(inbox), "--out", str(out)]
    before = journal(out)
    assert re.search(r"\b40 000 kr", letter_text(out, "P1-01"))  # 340 000 received, 300 000 spent

    # Luster sends a corrected report after the deadline: all the grant spent
    corrected = form_sheets("nn", prosjekt_values(forbruk=340000, innsendt_dato=dt.date(2014, 2, 19)),
                            INDICATORS_NN, TILTAK, RISIKO)
    write_workbook(inbox / str(YEAR) / "2014-02-20_P1-01_arsrapport_retta.xlsx", corrected)
    assert main(run) == 0
    after = journal(out)

    assert before.keys() == after.keys()
    changed = {p for p in before if before[p]["sha256"] != after[p]["sha256"]}
    assert changed == {"P1-01"}
    assert after["P1-01"]["dato"] == "2014-02-20" and before["P1-01"]["dato"] == "2014-01-31"
    assert "ubrukt_tilskot" in before["P1-01"]["funn"] and "ubrukt_tilskot" not in after["P1-01"]["funn"]
    assert not re.search(r"\b40 000 kr", letter_text(out, "P1-01"))
    meta = latest_metadata(out, "reports", "oppfolgingsbrev")
    assert (meta["teikna_paa_nytt"], meta["uendra"]) == (1, len(after) - 1)

    # only the new file was read; the warehouse is the one a run from scratch makes of the same inbox
    meta = latest_metadata(out, "reading", "innsendingar")
    assert (meta["filer_lesne"], meta["filer_uendra_sidan_sist"]) == (1, 3)
    fresh = tmp_path / "fresh"
    assert main(["run", "--year", str(YEAR), "--inbox", str(inbox), "--out", str(fresh)]) == 0
    assert warehouse_rows(out) == warehouse_rows(fresh)
    assert journal(fresh) == after


# ---------------------------------------------------------------- the bundled sample year

MANIFEST = json.loads((DEFAULT_INBOX / "manifest.json").read_text(encoding="utf-8"))
REGISTER = Path(__file__).resolve().parent.parent / "data" / "reference"


def register(name: str) -> list[dict]:
    with open(REGISTER / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def expected_forms() -> dict[str, str]:
    """The Language Act: nynorsk to a municipality that has chosen nynorsk, bokmål to the others."""
    form_of = {k["kommunenummer"]: k["malform"] for k in register("kommuner")}
    return {p["prosjektnummer"]: "nn" if form_of[p["kommunenummer"]] == "nn" else "nb" for p in register("prosjekt")}


def kroner(amount: float, form: str) -> str:
    return " ".join(f"{format_decimal(amount, locale=form)} kr".split())


def test_every_letter_is_in_its_municipality_s_language_form(bundled_run):
    rows = journal(bundled_run)
    forms = expected_forms()
    assert {p: r["malform"] for p, r in rows.items()} == {p: forms[p] for p in rows}
    assert {"nb", "nn"} <= set(forms[p] for p in rows)
    for project, row in rows.items():
        text = letter_text(bundled_run, project)
        if row["malform"] == "nn":
            assert "Med helsing" in text and "Tilskot" in text and "Tilskudd" not in text, project
        else:
            assert "Med hilsen" in text and "Tilskudd" in text and "Tilskot" not in text, project


def test_projects_without_a_report_get_a_reminder(bundled_run):
    rows = journal(bundled_run)
    missing = {m["prosjektnummer"] for m in MANIFEST["missing"] if m["year"] == YEAR}
    # a file that cannot be read cannot be tied to its project either: that project, too, is reminded
    unreadable = {d["prosjektnummer"] for d in MANIFEST["defects"] if d["year"] == YEAR and d["rule"] == "fil_ulesbar"}
    reminded = {p for p, r in rows.items() if r["rapportstatus"] == "manglar"}
    assert reminded == missing | unreadable and missing
    for project in reminded:
        assert "rapport_manglar" in rows[project]["funn"].split(";")
        phrase = "ikkje motteke årsrapporten" if rows[project]["malform"] == "nn" else "ikke mottatt årsrapporten"
        assert phrase in letter_text(bundled_run, project), project


def test_planted_defects_are_quoted_in_the_project_s_letter(bundled_run):
    rows = journal(bundled_run)
    planted = [d for d in MANIFEST["defects"] if d["year"] == YEAR and d["planted_in"] == "normal_submission"
               and d["rule"] != "fil_ulesbar"]
    assert planted
    for defect in planted:
        codes = rows[defect["prosjektnummer"]]["funn"].split(";")
        assert f"avvik_{defect['rule']}" in codes, defect
        text = letter_text(bundled_run, defect["prosjektnummer"])
        if defect["sheet"]:
            assert defect["sheet"] in text and str(defect["row"]) in text, defect


@pytest.fixture(scope="module")
def bundled_2014(tmp_path_factory) -> Path:
    """Pool 1 ends in 2014: the year with repayments."""
    out = tmp_path_factory.mktemp("bundled2014")
    assert main(["run", "--year", "2014", "--inbox", str(DEFAULT_INBOX), "--out", str(out)]) == 0
    return out


def last_clean_submissions(year: int) -> dict[str, dict]:
    last = {}
    for s in sorted((s for s in MANIFEST["submissions"] if s["year"] == year), key=lambda s: s["received"]):
        last[s["prosjektnummer"]] = s  # a later submission supersedes an earlier one
    return {p: s["prosjekt"] for p, s in last.items() if not s["defects"]}


@pytest.mark.parametrize("year", [YEAR, 2014])
def test_amounts_unspent_paid_back_and_next_grants(year, bundled_run, bundled_2014):
    out = {YEAR: bundled_run, 2014: bundled_2014}[year]
    rows = journal(out, year)
    ends = {p["prosjektnummer"]: int(p["siste_aar"]) for p in register("prosjekt")}
    grants = {(t["prosjektnummer"], int(t["aar"])): int(t["innvilget_kr"]) for t in register("tilskudd")}
    current = last_clean_submissions(year)
    checked = {"tilbakebetaling": 0, "ubrukt_tilskot": 0}
    for project, row in rows.items():
        codes = row["funn"].split(";")
        if ends[project] == year:
            assert row["neste_aar_innvilga_kr"] == "", project
        else:
            assert float(row["tilbakebetaling_kr"]) == 0 and "tilbakebetaling" not in codes, project
            assert float(row["neste_aar_innvilga_kr"]) == grants[(project, year + 1)], project
        values = current.get(project)
        if not values or row["rapportstatus"] == "avvist":
            continue
        unspent = max(values["tilskudd_mottatt"] - (values["forbruk"] or 0), 0)
        code = "tilbakebetaling" if ends[project] == year else "ubrukt_tilskot"
        assert (code in codes) == (unspent > 0), project
        if unspent:
            if code == "tilbakebetaling":
                assert float(row["tilbakebetaling_kr"]) == unspent, project
            assert kroner(unspent, row["malform"]) in letter_text(out, project, year), project
            checked[code] += 1
    assert checked["ubrukt_tilskot"] and (checked["tilbakebetaling"] or year == YEAR)
