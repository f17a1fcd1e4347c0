"""The blocking checks stop what would be published wrong, and pass on a healthy run.

Each test breaks one thing the way a bug in a stage would (a register file out of its model, a
validation step that lets a second current report through, a mart whose pool total is off) and
runs the real assets over the small inbox: the check fails, and nothing built on it materialises.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.assets import marts
from pipelines.definitions import defs
from pipelines.resources import REGISTER_DIR, Settings
from tests.conftest import YEAR

ASSETS = list(defs.assets)
UP_TO_VALIDATION = [
    *marts.REGISTER,
    dg.AssetKey(["landing", "innkomne_filer"]),
    dg.AssetKey(["reading", "innsendinger"]),
    dg.AssetKey(["reading", "validerte_innsendinger"]),
    dg.AssetKey(["reading", "indikatorer"]),
    dg.AssetKey(["reading", "tiltak"]),
    dg.AssetKey(["reading", "risiko"]),
    dg.AssetKey(["warehouse", "prosjekt_aar"]),
]


def _run(inbox: Path, out: Path, selection, register_dir: Path = REGISTER_DIR) -> dg.ExecuteInProcessResult:
    settings = Settings(inbox=str(inbox), out=str(out), register_dir=str(register_dir))
    return dg.materialize(
        ASSETS, selection=selection, partition_key=str(YEAR), resources={"settings": settings}, raise_on_error=False
    )


def _checks(result) -> dict[tuple[str, str], bool]:
    return {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}


def _materialised(result) -> set[str]:
    return {
        e.event_specific_data.materialization.asset_key.to_user_string()
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }


def _year_rows(out: Path, table: str) -> int:
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        try:
            return con.execute(f"select count(*) from {table} where aar = ?", [YEAR]).fetchone()[0]
        except duckdb.CatalogException:
            return 0


@pytest.mark.parametrize("run", ["small_run", "bundled_run"])
def test_a_healthy_run_passes_every_check(run, request):
    """The small inbox, and the bundled one with its planted defects: bad input is recorded as issues, so
    every check passes, the report's totals and the letters' coverage among them."""
    out = request.getfixturevalue(run)
    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        (run,) = instance.get_runs(limit=1)
        evaluations = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
    results = {
        (
            e.event_log_entry.dagster_event.event_specific_data.asset_key.to_user_string(),
            e.event_log_entry.dagster_event.event_specific_data.check_name,
        ): e.event_log_entry.dagster_event.event_specific_data
        for e in evaluations
    }
    graph = defs.resolve_asset_graph()
    assert set(results) == {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    for (asset, name), evaluation in results.items():
        assert evaluation.passed, (asset, name, evaluation.metadata)
        if asset.split("/")[0] != "register":
            assert evaluation.partition == str(YEAR), (asset, name)  # each result belongs to its year


def test_a_register_out_of_its_model_stops_the_year_and_is_not_written(small_inbox, tmp_path):
    register = tmp_path / "reference"
    shutil.copytree(REGISTER_DIR, register)
    text = (register / "kommuner.csv").read_text(encoding="utf-8").splitlines()
    text[1] = "14x6" + text[1][4:]  # a municipality number that is no number
    (register / "kommuner.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    result = _run(small_inbox, tmp_path / "out", UP_TO_VALIDATION, register)
    assert not result.success
    assert _checks(result)[("register/kommuner", "pandera_modell")] is False
    done = _materialised(result)
    assert "register/kommuner" not in done and "reading/validerte_innsendinger" not in done
    with duckdb.connect(str(tmp_path / "out" / "samanom.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert "ref_kommuner" not in tables


def _second_current_report(result):
    subs = result.innsendinger
    row = subs[subs["gjeldende"]].head(1).assign(innsending_id="feil-kopi")
    result.innsendinger = pd.concat([subs, row], ignore_index=True)
    return result


def _row_from_rejected(table: str):
    def fault(result):
        rejected = result.innsendinger.loc[~result.innsendinger["godkjent"], "innsending_id"].iloc[0]
        frame = getattr(result, table)
        setattr(result, table, pd.concat([frame, frame.head(1).assign(innsending_id=rejected)], ignore_index=True))
        return result

    return fault


@pytest.mark.parametrize(
    ("check", "fault"),
    [
        (("reading/validerte_innsendinger", "pandera_prosjekt"), _second_current_report),
        (("reading/indikatorer", "pandera_indikatorer"), _row_from_rejected("indikatorer")),
        (("reading/tiltak", "pandera_tiltak"), _row_from_rejected("tiltak")),
        (("reading/risiko", "pandera_risiko"), _row_from_rejected("risiko")),
    ],
)
def test_validation_that_would_publish_wrong_rows_blocks(small_inbox, tmp_path, monkeypatch, check, fault):
    from pipelines.assets import ingest

    real = ingest.validation.validate_year
    monkeypatch.setattr(ingest.validation, "validate_year", lambda *a, **k: fault(real(*a, **k)))
    result = _run(small_inbox, tmp_path / "out", UP_TO_VALIDATION)
    checks = _checks(result)
    assert checks[check] is False
    assert all(passed for key, passed in checks.items() if key != check), checks
    done = _materialised(result)
    assert not done & {"reading/validerte_innsendinger", "reading/indikatorer", "warehouse/prosjekt_aar"}
    assert _year_rows(tmp_path / "out", "core_innsendinger") == 0  # nothing of the year was written


@pytest.mark.parametrize(
    ("check", "target", "fault"),
    [
        ("alle_filer_gjort_greie_for", "_outcomes", lambda df: df.iloc[:-1]),  # a file without an outcome
        ("pandera_avvik", "_issue_frame", lambda df: df.assign(melding_nn=None)),  # issues without a message
    ],
)
def test_files_and_issues_unaccounted_for_block(small_inbox, tmp_path, monkeypatch, check, target, fault):
    from pipelines.assets import ingest

    real = getattr(ingest, target)
    monkeypatch.setattr(ingest, target, lambda *a, **k: fault(real(*a, **k)))
    result = _run(small_inbox, tmp_path / "out", UP_TO_VALIDATION)
    assert _checks(result)[("reading/validerte_innsendinger", check)] is False
    assert "warehouse/prosjekt_aar" not in _materialised(result)


def test_a_pool_total_off_the_model_blocks_the_report(small_inbox, tmp_path, monkeypatch):
    from pipelines import warehouse

    real = warehouse.build_mart

    def off_by_one(con, path, year):
        rows = real(con, path, year)
        if path.stem == "mart_pulje_aar":
            con.execute("update mart_pulje_aar set innvilget_kr = innvilget_kr + 1 where aar = ? and pulje = 1", [year])
        return rows

    monkeypatch.setattr(warehouse, "build_mart", off_by_one)
    marts = [k for a in ASSETS for k in a.keys if k.path[0] == "marts"]
    result = _run(small_inbox, tmp_path / "out", [*UP_TO_VALIDATION, *marts, dg.AssetKey(["reports", "arsrapport"])])
    assert _checks(result)[("marts/mart_pulje_aar", "totaler_stemmer")] is False
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "totaler_stemmer")
    compared = evaluation.metadata["sammenligning"].value.records
    # the check shows per pool what it compared: pool 1's grants differ by one krone, pool 2's do not
    wrong = [r.data for r in compared if not r.data["stemmer"]]
    assert [(r["pulje"], r["tall"]) for r in wrong] == [("1", "innvilget_kr")]
    assert {r.data["pulje"] for r in compared} >= {"1", "2", "totalt"}
    done = _materialised(result)
    assert "marts/mart_pulje_aar" in done and "reports/arsrapport" not in done
    assert not (tmp_path / "out" / str(YEAR) / f"arsrapport-{YEAR}.pdf").exists()
