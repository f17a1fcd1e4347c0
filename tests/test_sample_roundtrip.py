"""`samanom sample` output read back through the real reading and validation assets, every year.

Each planted defect must be reported once at the place the manifest names, and every other
submission must come out of the warehouse with the values the generator wrote.
"""

from __future__ import annotations

import json
import math

import dagster as dg
import duckdb
import pytest

from pipelines.assets.ingest import innkomne_filer, innsendinger, validerte_innsendinger
from pipelines.assets.register import register_assets
from pipelines.resources import DEFAULT_INBOX, Settings
from schemas.form import YEARS

MANIFEST = json.loads((DEFAULT_INBOX / "manifest.json").read_text(encoding="utf-8"))
COMPARED = (
    "prosjektnummer",
    "kommunenummer",
    "kommune",
    "rapporteringsaar",
    "prosjektnavn",
    "tema",
    "status",
    "prosjektleder",
    "epost",
    "folkevalgte_med",
    "administrasjon_med",
    "tillitsvalgte_med",
    "temadag_dato",
    "samlinger_deltatt",
    "tilskudd_mottatt",
    "forbruk",
    "egeninnsats",
    "hovedfunn",
    "godt_eksempel",
    "innsendt_dato",
    "godkjent_av",
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    out = tmp_path_factory.mktemp("roundtrip")
    settings = Settings(inbox=str(DEFAULT_INBOX), out=str(out))
    assets = [*register_assets, innkomne_filer, innsendinger, validerte_innsendinger]
    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize(register_assets, resources={"settings": settings}, instance=instance).success
    for year in YEARS:
        result = dg.materialize(
            assets,
            selection=[k for a in assets[len(register_assets) :] for k in a.keys],
            partition_key=str(year),
            resources={"settings": settings},
            instance=instance,
        )
        assert result.success
    con = duckdb.connect(str(out / "samanom.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("year", YEARS)
def test_planted_defects_caught_once_at_their_place(warehouse, year):
    found = warehouse.execute("select filnavn, regel, ark, rad, felt from core_avvik where aar = ?", [year]).fetchall()
    planted = [d for d in MANIFEST["defects"] if d["year"] == year]
    assert {d["rule"] for d in planted} == {
        "felt_mangler",
        "verdi_utenfor_omrade",
        "risiko_uten_mottiltak",
        "prosjekt_ukjent",
        "aar_feil",
        "fil_ulesbar",
        "indikator_duplikat",
    }
    for d in planted:
        name = d["file"].split("/", 1)[1]
        hits = [f for f in found if f[0] == name and f[1] == d["rule"]]
        assert len(hits) == 1, (d, hits)
        if d["sheet"]:
            assert hits[0][2:] == (d["sheet"], d["row"], d["field"]), d
    # nothing is reported that was not planted, but for what the form says is a finding
    planted_files = {d["file"].split("/", 1)[1] for d in planted}
    unexpected = [f for f in found if f[0] not in planted_files and f[1] not in ("tema_ikke_i_prosjekt",)]
    assert unexpected == []


def _same(expected, got) -> bool:
    if isinstance(expected, float) or isinstance(got, float):
        return expected is not None and got is not None and math.isclose(expected, got, abs_tol=1e-9)
    if hasattr(got, "isoformat"):
        got = got.isoformat()
    if isinstance(got, list):
        got = sorted(got)
    return expected == got


@pytest.mark.parametrize("year", YEARS)
def test_every_clean_submission_reads_back_as_written(warehouse, year):
    columns = ", ".join(COMPARED)
    rows = {
        (r[0], r[1]): r[2:]
        for r in warehouse.execute(
            f"select filnavn, coalesce(kilde_rad, 0), innsending_id, {columns} from core_innsendinger where aar = ?",
            [year],
        ).fetchall()
    }
    indicators: dict[str, dict] = {}
    for sid, key, *values in warehouse.execute(
        "select innsending_id, indikator, utgangspunkt, utgangsaar, maal, maalaar, resultat "
        "from core_indikatorer where aar = ?",
        [year],
    ).fetchall():
        indicators.setdefault(sid, {})[key] = values
    checked = 0
    for sub in (s for s in MANIFEST["submissions"] if s["year"] == year and not s["defects"]):
        key = (sub["file"].split("/", 1)[1], sub["csv_line"] or 0)
        assert key in rows, key
        sid, *values = rows[key]
        for name, got in zip(COMPARED, values):
            expected = sub["prosjekt"].get(name)
            if expected in (None, "") and got is None:
                continue
            assert _same(expected, got), (key, name, expected, got)
        got_ind = indicators.get(sid, {})
        assert set(got_ind) == {i["indikator"] for i in sub["indicators"]}, key
        for ind in sub["indicators"]:
            expected = [ind[p] for p in ("utgangspunkt", "utgangsaar", "maal", "maalaar", "resultat")]
            assert all(_same(e, g) or (e is None and g is None) for e, g in zip(expected, got_ind[ind["indikator"]])), (
                key,
                ind,
                got_ind[ind["indikator"]],
            )
        checked += 1
    assert checked > 20
