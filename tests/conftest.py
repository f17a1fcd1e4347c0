"""Shared fixtures: a small, hand-made inbox with known values, run once through Dagster."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
from pathlib import Path

import pytest

from tools.form_writer import form_sheets, write_workbook

YEAR = 2013


def built_once(tmp_path_factory, name: str, build) -> Path:
    """A session fixture's output folder built by one process for the whole run: with `-n` (pytest-xdist),
    the first worker to ask builds it under the run's shared temporary folder while the others wait on a
    lock (the pattern pytest-xdist documents), so a costly run is not made once per worker. Read it, never
    write into it."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out, done = root / name, root / f"{name}.ferdig"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists():
            out.mkdir(exist_ok=True)
            build(out)
            done.touch()
    return out


def materialised_metadata(out: Path, key) -> dict:
    """The metadata of the year's latest materialisation of asset `key` in a run's Dagster instance."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        (record,) = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[str(YEAR)]), limit=1
        ).records
        return record.asset_materialization.metadata


def prosjekt_values(**over) -> dict:
    values = dict(
        prosjektnummer="P1-01",
        kommunenummer="1426",
        kommune="Luster",
        rapporteringsaar=YEAR,
        prosjektnavn="Kompetanse og rekruttering i Luster",
        tema="kompetanse og rekruttering",
        status="gjennomføring",
        prosjektleder="Kari Li",
        epost="kari.li@luster.kommune.no",
        folkevalgte_med="Ja",
        administrasjon_med="Ja",
        tillitsvalgte_med="Nei",
        temadag_dato=dt.date(2013, 3, 1),
        samlinger_deltatt=2,
        tilskudd_mottatt=340000,
        forbruk=300000,
        egeninnsats=50000,
        hovedfunn="Fleire lærlingar <script>alert(1)</script>",
        godt_eksempel="Mentorordning for nye tilsette.",
        innsendt_dato=dt.date(2014, 1, 10),
        godkjent_av="Ola Rå, rådmann",
    )
    values.update(over)
    return values


INDICATORS_NN = [
    dict(
        indikator="Del med fagutdanning",
        enhet="%",
        utgangspunkt=61.0,
        utgangsaar=2011,
        maal=70,
        maalaar=2014,
        resultat="64,5 %",
        kommentar=None,
    ),
    dict(
        indikator="Kvalifiserte søkjarar per stilling",
        enhet="tal",
        utgangspunkt=1.2,
        utgangsaar=2011,
        maal=2,
        maalaar=2014,
        resultat=1.6,
        kommentar=None,
    ),
]
TILTAK = [dict(tiltak="Lærlingordning", status="pågår", start=dt.date(2012, 1, 1), slutt=None, kommentar=None)]
RISIKO = [
    dict(risikofaktor="Manglande forankring", sannsynlighet=2, konsekvens=5, mottiltak=None),
    dict(risikofaktor="Sjukdom i prosjektleiinga", sannsynlighet=2, konsekvens=2, mottiltak=None),
]


def write_csv_export(path: Path, rows: list[dict], encoding: str, delimiter: str, decimal: str) -> None:
    from schemas import form

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, float):
            return str(v).replace(".", decimal)
        if isinstance(v, dt.date):
            return v.strftime("%d.%m.%Y")
        return str(v)

    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(form.CSV_COLUMNS)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in form.CSV_COLUMNS])
    path.write_bytes(buffer.getvalue().encode(encoding))


# P2-01 in Haugesund, a bokmål municipality: the project of the small inbox's survey export
HAUGESUND = dict(
    prosjektnummer="P2-01",
    kommunenummer="1106",
    kommune="Haugesund",
    prosjektnavn="Omdømmebygging i Haugesund",
    tema="omdømme; sykefravær",
    prosjektleder="Per Ås",
    epost="per.as@haugesund.kommune.no",
    tillitsvalgte_med="Ja",
    hovedfunn="Betre omdømme blant unge.",
)


@pytest.fixture(scope="session")
def small_inbox(tmp_path_factory) -> Path:
    """Four files for 2013: an nn workbook, a bokmål CSV export (cp1252, two rows, one for an unknown
    project), a file that is not a workbook, and the nn workbook again under another name."""
    inbox = tmp_path_factory.mktemp("inbox")
    year_dir = inbox / str(YEAR)
    year_dir.mkdir()
    sheets = form_sheets("nn", prosjekt_values(), INDICATORS_NN, TILTAK, RISIKO)
    write_workbook(year_dir / "2014-01-12_P1-01_arsrapport.xlsx", sheets)
    write_workbook(year_dir / "2014-01-20_P1-01_arsrapport_kopi.xlsx", sheets)
    (year_dir / "2014-01-13_P1-02_arsrapport.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    haugesund = prosjekt_values(
        **HAUGESUND,
        tilskudd_mottatt=300000.0,
        forbruk=300000.0,
        innsendt_dato=dt.date(2014, 2, 10),
        godt_eksempel="",
        sykefravaer_pst__utgangspunkt=9.1,
        sykefravaer_pst__utgangsaar=2012,
        sykefravaer_pst__maal=7.5,
        sykefravaer_pst__maalaar=2015,
        sykefravaer_pst__resultat=8.4,
    )
    unknown = prosjekt_values(prosjektnummer="P9-99", kommunenummer="1106", kommune="Haugesund")
    write_csv_export(
        year_dir / "2014-02-14_sporjeskjema_eksport.csv",
        [haugesund, unknown],
        encoding="cp1252",
        delimiter=";",
        decimal=",",
    )
    return inbox


@pytest.fixture(scope="session")
def small_run(small_inbox, tmp_path_factory) -> Path:
    """The small inbox run once through `samanom run`; what it printed is kept for small_run_terminal."""
    from pipelines.cli import main

    out = tmp_path_factory.mktemp("out")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = main(["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out)])
    (tmp_path_factory.getbasetemp() / "small_run_terminal.txt").write_text(printed.getvalue(), encoding="utf-8")
    assert code == 0, printed.getvalue()[-3000:]
    return out


@pytest.fixture(scope="session")
def small_run_terminal(small_run, tmp_path_factory) -> str:
    """What `samanom run` printed (stdout and stderr) for small_run."""
    return (tmp_path_factory.getbasetemp() / "small_run_terminal.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory) -> Path:
    """The bundled sample inbox for 2013, run once for the whole session and every worker (about a minute)."""
    from pipelines.cli import main
    from pipelines.paths import DEFAULT_INBOX

    def build(out):
        assert main(["run", "--year", str(YEAR), "--inbox", str(DEFAULT_INBOX), "--out", str(out)]) == 0

    return built_once(tmp_path_factory, "bundled", build)


@pytest.fixture(scope="session")
def all_years_run(tmp_path_factory) -> Path:
    """The bundled inbox for every year, 2012 to 2015 in order, into one output folder, once for the session:
    each year's documents are made with its earlier years in the warehouse, as the secretariat runs them.
    Shared by the ledger's and the annual report's tests; read it, never write into it."""
    from pipelines.cli import main
    from pipelines.paths import DEFAULT_INBOX

    def build(out):
        for year in (2012, 2013, 2014, 2015):
            assert main(["run", "--year", str(year), "--inbox", str(DEFAULT_INBOX), "--out", str(out)]) == 0

    return built_once(tmp_path_factory, "alle_aar", build)
