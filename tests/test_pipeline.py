"""The yearly run end to end: real Dagster materialisation, a real DuckDB file, real PDFs read back."""

from __future__ import annotations

import json
import subprocess

import duckdb
import pytest
from pypdf import PdfReader

from tests.conftest import YEAR


def sql(out, query, *params):
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def pdf_text(path, layout: bool = True) -> str:
    return subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_every_file_has_an_outcome(small_run):
    outcomes = dict(sql(small_run, "select filnavn, utfall from core_filer where aar = ?", YEAR))
    assert outcomes == {
        "2014-01-12_P1-01_arsrapport.xlsx": "lest",
        "2014-01-20_P1-01_arsrapport_kopi.xlsx": "duplikat",
        "2014-01-13_P1-02_arsrapport.xlsx": "avvist",
        "2014-02-14_sporjeskjema_eksport.csv": "delvis_lest",
    }
    run = json.loads((small_run / str(YEAR) / "run.json").read_text())
    assert run["filer"] == sum(run["filer_utfall"].values()) == 4
    assert (run["innsendinger_godkjente"], run["innsendinger_avviste"]) == (2, 1)


def test_files_are_archived_byte_for_byte(small_run, small_inbox):
    import hashlib

    for name, sha, path in sql(small_run, "select filnavn, sha256, arkivsti from core_filer where aar = ?", YEAR):
        original = (small_inbox / str(YEAR) / name).read_bytes()
        assert hashlib.sha256(original).hexdigest() == sha
        assert (small_run / path).read_bytes() == original


def test_rejections_say_what_and_where(small_run):
    rows = sql(
        small_run,
        "select filnavn, regel, alvorsgrad, felt, verdi, rad, melding_nb from core_avvik "
        "where aar = ? order by filnavn, regel",
        YEAR,
    )
    by_rule = {(r[0], r[1]): r for r in rows}
    broken = by_rule[("2014-01-13_P1-02_arsrapport.xlsx", "fil_ulesbar")]
    assert broken[2] == "avvis_fil"
    unknown = by_rule[("2014-02-14_sporjeskjema_eksport.csv", "prosjekt_ukjent")]
    assert unknown[3:6] == ("prosjektnummer", "P9-99", 3)  # CSV line 3: header, Haugesund, then this row
    assert "P9-99" in unknown[6] and "register" in unknown[6]
    risk = by_rule[("2014-01-12_P1-01_arsrapport.xlsx", "risiko_uten_mottiltak")]
    assert risk[2] == "merknad" and risk[5] == 2  # only the K = 5 row, not the S × K = 4 row
    assert sum(1 for r in rows if r[1] == "risiko_uten_mottiltak") == 1


def test_values_are_read_as_written(small_run):
    (nn_row,) = sql(
        small_run,
        "select skjemaform, kommunenummer, tema, tilskudd_mottatt, temadag_dato, "
        "tillitsvalgte_med from core_innsendinger where prosjektnummer = 'P1-01' "
        "and gjeldende",
    )
    assert nn_row[0] == "nn" and nn_row[1] == "1426" and nn_row[2] == ["kompetanse_rekruttering"]
    assert nn_row[3] == 340000 and str(nn_row[4]) == "2013-03-01" and nn_row[5] is False
    indicators = dict(sql(small_run, "select indikator, resultat from stg_indikatorer where aar = ?", YEAR))
    assert indicators == {"fagutdanning_andel_pst": 64.5, "kvalifiserte_sokere": 1.6, "sykefravaer_pst": 8.4}
    (csv_row,) = sql(small_run, "select tema, mottatt_dato from core_innsendinger where prosjektnummer = 'P2-01'")
    assert csv_row[0] == ["omdomme", "sykefravaer"] and str(csv_row[1]) == "2014-02-14"


def test_report_status_per_project(small_run):
    status = dict(sql(small_run, "select prosjektnummer, rapportstatus from mart_prosjekt_aar where aar = ?", YEAR))
    active = sql(small_run, "select count(*) from ref_tilskudd where aar = ?", str(YEAR))[0][0]
    assert len(status) == active
    assert status["P1-01"] == "i_tide" and status["P2-01"] == "for_sent"
    assert status["P1-02"] == "mangler"  # its only file could not be read as a workbook, nor tied to it
    assert set(status.values()) == {"i_tide", "for_sent", "mangler"}


def test_annual_report_totals_match_the_warehouse(small_run):
    text = pdf_text(small_run / str(YEAR) / f"arsrapport-{YEAR}.pdf", layout=False)
    flat = "".join(text.split()).replace("-", "")  # pdftotext joins words broken at a hyphen
    projects, received = sql(
        small_run, "select count(*), count(innsending_id) from mart_prosjekt_aar where aar = ?", YEAR
    )[0]
    assert str(projects) in text and "Eksempeldata" in text
    for network in (r[0] for r in sql(small_run, "select nettverk from ref_nettverk")):
        assert "".join(network.split()).replace("-", "") in flat
    assert received == 2


def test_letters_one_per_active_project_in_the_right_language(small_run):
    letters = small_run / str(YEAR) / "brev"
    active = sql(small_run, "select count(*) from mart_prosjekt_aar where aar = ?", YEAR)[0][0]
    assert len(list(letters.glob("*.pdf"))) == active
    luster = pdf_text(letters / "P1-01.pdf")  # Luster has chosen nynorsk
    assert "motteke" in luster and "tilskot" in luster and "ikkje" in luster
    assert "40 000 kr" in luster  # unspent: 340 000 received, 300 000 spent
    assert "tillitsvalde" in luster
    haugesund = pdf_text(letters / "P2-01.pdf")  # Haugesund: bokmål
    assert "mottatt" in haugesund and "ikkje" not in haugesund
    assert "etter fristen" in haugesund and "spørreskjemaet" in haugesund
    unreadable = pdf_text(letters / "P1-02.pdf")  # its file arrived but is no workbook: acknowledged, not reminded
    assert "2014-01-13_P1-02_arsrapport.xlsx" in unreadable and "13.01.2014" in unreadable
    assert "lar seg ikke åpne" in unreadable or "let seg ikkje opne" in unreadable
    journal = (letters / "journal.csv").read_text(encoding="utf-8").splitlines()
    assert len(journal) == active + 1


def test_pdfs_are_archival_and_tagged(small_run):
    reader = PdfReader(small_run / str(YEAR) / f"arsrapport-{YEAR}.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "nb-NO"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfaid:part" in xmp


@pytest.mark.parametrize("form", ["nb", "nn"])
def test_blank_form(tmp_path, form):
    import python_calamine

    from pipelines.cli import main

    path = tmp_path / f"skjema-{form}.xlsx"
    assert main(["template", "--year", "2014", "--form", form, "--out", str(path)]) == 0
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    labels = [row[0] for row in wb.get_sheet_by_name("Prosjekt").to_python()]
    assert ("Prosjektnamn" if form == "nn" else "Prosjektnavn") in labels


def test_bundled_inbox_run_accounts_for_every_file(bundled_run):
    # where each planted defect is caught is checked for every year in test_sample_roundtrip.py
    run = json.loads((bundled_run / str(YEAR) / "run.json").read_text())
    assert run["filer"] == sum(run["filer_utfall"].values())
    assert run["brev"] == run["aktive_prosjekt"]


def test_every_mart_figure_traces_to_files_and_rows(small_run):
    (projects,) = sql(
        small_run,
        "select prosjekt_med_indikator from mart_indikator_aar where aar = ? and indikator = 'sykefravaer_pst'",
        YEAR,
    )[0]
    sources = sql(
        small_run,
        "select distinct prosjektnummer, filnavn, ark, rad from lin_mart_kilder "
        "where mart = 'mart_indikator_aar' and aar = ? and nokkel = 'sykefravaer_pst'",
        YEAR,
    )
    assert len({s[0] for s in sources}) == projects == 1
    assert sources == [("P2-01", "2014-02-14_sporjeskjema_eksport.csv", None, 2)]  # CSV line 2
    per_pool = dict(
        sql(
            small_run,
            "select nokkel, count(distinct innsending_id) from lin_mart_kilder "
            "where mart = 'mart_pulje_aar' and aar = ? group by nokkel",
            YEAR,
        )
    )
    accepted = dict(
        sql(
            small_run,
            "select cast(pulje as varchar), rapporter_i_tide + rapporter_for_sent from mart_pulje_aar where aar = ?",
            YEAR,
        )
    )
    assert per_pool == accepted == {"1": 1, "2": 1}
