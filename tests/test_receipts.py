"""Receipts the day a file arrives, and the sensor path that writes them at the cost of what changed.

The main test takes the small run's processed year, drops corrected files into its inbox, evaluates the
inbox sensor with Dagster's testing API against the run history, runs what it requests through the same
instance, and reads the receipts back from the PDFs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.documents import formatting, pdf, receipts
from pipelines.resources import Settings
from pipelines.sensors import ANNUAL_REPORT, innboks_kjoring, innboks_sensor
from schemas import form as F
from tests import conftest
from tests.conftest import INDICATORS_NN, RISIKO, TILTAK, YEAR, prosjekt_values
from tools.form_writer import form_sheets, write_workbook


def pdf_text(path: Path) -> str:
    return " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


def sql(out: Path, query: str, *params):
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def files_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.glob("*.pdf"))}


def issues_of(out: Path, filnavn: str) -> list[dict]:
    """The file's recorded issues as the warehouse holds them (the test's own SQL, not the receipt's)."""
    rows = sql(out, "select ark, rad, felt, verdi, regel from core_avvik where aar = ? and filnavn = ?", YEAR, filnavn)
    return [dict(zip(("ark", "rad", "felt", "verdi", "regel"), r)) for r in rows]


def column_label(key: str, form: str) -> str:
    return next(c for c in F.INDIKATOR_COLUMNS if c.key == key).label(form)


# Two corrected reports, received before the last file already in the inbox (so the year's documents keep
# their date): Luster's (nynorsk) with a share above 100 %, and Haugesund's (bokmål) workbook replacing its
# row of the survey export, with a sickness absence above 100 %.
LUSTER = "2014-02-03_P1-01_arsrapport_retta.xlsx"
HAUGESUND = "2014-02-04_P2-01_arsrapport.xlsx"


def write_corrected_files(year_dir: Path) -> None:
    bad_share = [{**INDICATORS_NN[0], "resultat": 108.0}, INDICATORS_NN[1]]
    write_workbook(year_dir / LUSTER, form_sheets("nn", prosjekt_values(), bad_share, TILTAK, RISIKO))
    haugesund = prosjekt_values(**conftest.HAUGESUND, innsendt_dato=dt.date(2014, 2, 4))
    absence = [
        {
            "indikator": "sykefravaer_pst",
            "enhet": "%",
            "utgangspunkt": 9.1,
            "utgangsaar": 2012,
            "maal": 7.5,
            "maalaar": 2015,
            "resultat": 140.0,
            "kommentar": None,
        }
    ]
    write_workbook(year_dir / HAUGESUND, form_sheets("nb", haugesund, absence, TILTAK, RISIKO))


def test_a_corrected_file_gets_its_receipt_through_the_sensor_and_nothing_else_is_redone(
    small_run, small_inbox, tmp_path, monkeypatch
):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    shutil.copytree(small_inbox, inbox)
    shutil.copytree(small_run, out)
    monkeypatch.setenv("SAMANOM_INBOX", str(inbox))
    year_dir = out / str(YEAR)
    report, appendix = year_dir / f"arsrapport-{YEAR}.pdf", year_dir / f"arsrapport-{YEAR}-vedlegg.pdf"
    report_before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in (report, appendix)]
    letters_before = files_of(year_dir / "brev")
    receipts_before = files_of(year_dir / receipts.FOLDER)
    # `samanom run` wrote a receipt for every file received as a report
    received = [r[0] for r in sql(out, "select filnavn from raw_filer where aar = ? and mottak = 'arkivert'", YEAR)]
    assert sorted(receipts_before) == sorted(receipts.file_names(received).values())

    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        # the sensor turned on over a processed year, with no cursor: it starts from what landing recorded
        first = innboks_sensor(dg.build_sensor_context(instance=instance, cursor=None, definitions=defs))
        assert not first.run_requests

        write_corrected_files(inbox / str(YEAR))
        tick = innboks_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor, definitions=defs))
        assert [(r.partition_key, r.job_name) for r in tick.run_requests] == [(str(YEAR), innboks_kjoring.name)]
        request = tick.run_requests[0]
        settings = Settings(inbox=str(inbox), out=str(out))
        result = defs.resolve_job_def(request.job_name).execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            tags=request.tags,
            asset_selection=request.asset_selection,
            run_config={"resources": {"settings": {"config": settings.model_dump()}}},
        )
        assert result.success
        materialised = {e.asset_key for e in result.get_asset_materialization_events()}
        assert dg.AssetKey(["reports", "kvitteringer"]) in materialised and ANNUAL_REPORT not in materialised
        # what it did is what the sensor saw: the next tick has nothing to do
        again = innboks_sensor(dg.build_sensor_context(instance=instance, cursor=tick.cursor, definitions=defs))
        assert not again.run_requests

    # the receipts: in the municipality's language form, quoting the file's issue with its place and value
    for name, form in ((LUSTER, "nn"), (HAUGESUND, "nb")):
        path = year_dir / receipts.FOLDER / f"{Path(name).stem}.pdf"
        text = pdf_text(path)
        other = "nb" if form == "nn" else "nn"
        assert formatting.text("k_h_rett", form) in text and formatting.text("k_h_rett", other) not in text
        issues = issues_of(out, name)
        [defect] = [a for a in issues if a["regel"] == "verdi_utenfor_omrade"]  # the one planted
        assert f"«{column_label(defect['felt'], form)}»" in text and f"«{defect['verdi']}»" in text
        for issue in issues:  # every issue of the file, each with its place
            assert f"«{issue['ark']}», {formatting.text('f_rad', form, rad=issue['rad'])}" in text
        sha = hashlib.sha256((inbox / str(YEAR) / name).read_bytes()).hexdigest()
        assert name in text and sha in text.replace(" ", "")
        assert formatting.format_dato(dt.date.fromisoformat(name[:10]), form) in text  # dated by its name
        # listed in the letter journal, with the receipt's SHA-256
        rows = sql(
            out,
            "select mottatt_sha256, sha256, maalform, mottaker from core_brevjournal "
            "where aar = ? and dokument = 'kvittering' and filnavn = ?",
            YEAR,
            name,
        )
        assert rows == [(sha, hashlib.sha256(path.read_bytes()).hexdigest(), form, name[11:16])]
        assert name in (year_dir / receipts.FOLDER / "journal.csv").read_text(encoding="utf-8")

    # the annual report was not rendered again, and the letters of the other projects are the same bytes
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in (report, appendix)] == report_before
    letters_after = files_of(year_dir / "brev")
    assert set(letters_after) == set(letters_before)
    changed = {n for n in letters_before if letters_after[n][0] != letters_before[n][0]}
    assert changed == {"P1-01.pdf", "P2-01.pdf"}
    # the files that did not change keep their receipts as they were sent, untouched (the earlier reports of
    # Luster too: a receipt says what a file was the day it arrived)
    receipts_after = files_of(year_dir / receipts.FOLDER)
    assert {n: receipts_after[n] for n in receipts_before} == receipts_before


def test_a_file_without_a_project_number_gets_a_receipt_to_the_secretariat(tmp_path):
    """A submission naming no project: the receipt is addressed to the secretariat, in bokmål, and still quotes
    the issue with its place and value."""
    received = dt.date(2014, 1, 15)
    sha = "ab" * 32
    files = [
        {
            "filnavn": "2014-01-15_arsrapport.xlsx",
            "sha256": sha,
            "mottatt_dato": received,
            "storrelse_bytes": 1,
            "format": "xlsx",
            "utfall": "avvist",
            "lest_fil": "2014-01-15_arsrapport.xlsx",
        }
    ]
    subs = [
        {
            "sha256": sha,
            "innsending_id": sha[:16],
            "kilde_rad": None,
            "skjemaform": "nn",
            "godkjent": False,
            "gjeldende": False,
            "prosjektnummer": None,
            "prosjektleder": "Kari Li",
            "epost": "kari@example.no",
            "kjent_prosjekt": False,
            "prosjektnavn": None,
            "kommune": None,
            "maalform": None,
            "rapporteringsfrist": None,
            **{f"{t}_{s}": 0 for t in ("indikatorer", "tiltak", "risiko") for s in ("leste", "godkjente")},
        }
    ]
    issue = {
        "sha256": sha,
        "filnavn": files[0]["filnavn"],
        "innsending_id": sha[:16],
        "ark": "Prosjekt",
        "rad": 1,
        "felt": "prosjektnummer",
        "verdi": None,
        "regel": "felt_mangler",
        "alvorsgrad": "avvis_fil",
        "forventet": "prosjektnummer",
        "melding_nb": "Feltet mangler",
        "melding_nn": "Feltet manglar",
        "indikator_tekst": None,
        "indikator_nokkel": None,
        "risikofaktor": None,
        "sannsynlighet": None,
        "konsekvens": None,
    }
    secretariat = {
        "kontakt": {"namn": "Kari Nordmann", "epost": "s@example.no", "telefon": "22 24 90 90"},
        "departement": [{"fra": "2010-01-01", "navn": "Departementet"}],
        "avsender_adresse": {
            "avdeling": "Avdelinga",
            "eining": "Sekretariatet",
            "postadresse": "Postboks 1",
            "postnummer_sted": "0032 Oslo",
            "eksempel": True,
        },
    }
    base = {
        "aar": YEAR,
        "form": "nb",
        "rapportdato": dt.date(2014, 2, 3),
        "run_id": "-",
        "kodeversjon": "-",
        "eksempeldata": True,
        "status": "endelig",
    }
    [ctx] = receipts.contexts(YEAR, files, subs, [issue], base, dt.date(2014, 1, 31), secretariat)
    assert ctx["mottaker"] is None and ctx["til_sekretariatet"] == receipts.NO_PROJECT_NUMBER
    assert ctx["form"] == "nb" and ctx["rapportdato"] == received

    out = tmp_path / "kvittering.pdf"
    pdf.render_pdf(receipts.TEMPLATE, ctx, ctx["form"], out)
    text = pdf_text(out)
    assert formatting.text("k_internt", "nb") in text and "Kari Li" not in text
    assert " ".join(formatting.text("k_sekretariatet_uten_prosjektnummer", "nb").split()) in text
    assert formatting.text("k_h_rett", "nb") in text
    label = next(f for f in F.PROSJEKT_FIELDS if f.key == "prosjektnummer").label("nb")
    assert f"«{label}»" in text and "«Prosjekt», rad 1" in text
    assert "15.01.2014" in text and sha in text.replace(" ", "")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["a.xlsx", "b.csv"], {"a.xlsx": "a.pdf", "b.csv": "b.pdf"}),
        (["a.xlsx", "a.csv"], {"a.xlsx": "a.xlsx.pdf", "a.csv": "a.csv.pdf"}),
        (["sub/a.xlsx"], {"sub/a.xlsx": "sub_a.pdf"}),
    ],
)
def test_receipt_names_are_the_file_names_without_extension(names, expected):
    assert receipts.file_names(names) == expected


def test_a_receipt_is_written_once_per_content_and_restored_when_its_file_is_lost(tmp_path):
    folder = tmp_path / receipts.FOLDER
    folder.mkdir()
    pdf = b"%PDF- the receipt as sent"
    (folder / "a.pdf").write_bytes(pdf)
    sent = {"a.xlsx": {"filnavn": "a.xlsx", "lopenr": 1, "situasjon": "s1", "sha256": hashlib.sha256(pdf).hexdigest()}}

    def ctx(name: str, situasjon: str) -> dict:
        return {"fil": {"filnavn": name}, "situasjon": situasjon, "kvittering_fil": f"{receipts.FOLDER}/{name[0]}.pdf"}

    # the same facts and the file as sent: nothing to do; new facts, or a new file: a new receipt
    assert receipts.plan([ctx("a.xlsx", "s1")], sent, folder) == ([], [])
    changed, fresh = ctx("a.xlsx", "s2"), ctx("b.xlsx", "s1")
    assert receipts.plan([changed, fresh], sent, folder) == ([changed, fresh], [])
    assert (changed["lopenr"], fresh["lopenr"]) == (2, 1)
    # the file lost: written again, and journaled again only if its bytes are not the ones sent
    (folder / "a.pdf").unlink()
    lost = ctx("a.xlsx", "s1")
    assert receipts.plan([lost], sent, folder) == ([], [lost]) and lost["lopenr"] == 1
    same = {"sha256": sent["a.xlsx"]["sha256"], "pages": 1}
    assert receipts.to_journal([lost], [same], sent) == []
