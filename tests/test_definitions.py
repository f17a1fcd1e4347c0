"""The asset graph as the UI shows it, and the inbox sensor and yearly schedule that operate it.

The graph is compared with a snapshot below: a change to the graph (a new asset, a new dependency)
must show as a diff here, on purpose.
"""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.partitions import years
from pipelines.sensors import aarleg_koeyring, aarskoeyring, innboks_sensor

GROUPS = {"register", "landing", "reading", "warehouse", "marts", "reports"}
KINDS = {"excel", "csv", "duckdb", "sql", "pdf"}
MARTS = ["mart_avvik_regel_aar", "mart_hoge_risikoar", "mart_indikator_aar", "mart_indikator_serie",
         "mart_kjeldefiler_aar", "mart_nettverk_aar", "mart_prosjekt_aar", "mart_pulje_aar", "mart_tema_aar",
         "mart_tiltak_risiko_aar"]

# asset key -> its direct upstream keys. Update on purpose when the graph changes.
SNAPSHOT = {
    "register/kommuner": [],
    "register/nettverk": [],
    "register/prosjekt": [],
    "register/prosjekt_kommuner": [],
    "register/tilskudd": [],
    "register/utbetalingar": [],
    "register/overforingar": [],
    "register/tilbakebetalingar": [],
    "register/programparametrar": [],
    "landing/innkomne_filer": [],
    "reading/innsendingar": ["landing/innkomne_filer"],
    "reading/validerte_innsendingar": ["reading/innsendingar", "register/kommuner", "register/prosjekt",
                                       "register/tilskudd"],
    "warehouse/prosjekt_aar": ["reading/validerte_innsendingar", "register/kommuner", "register/nettverk",
                               "register/prosjekt", "register/prosjekt_kommuner", "register/tilskudd",
                               "register/utbetalingar", "register/overforingar", "register/tilbakebetalingar",
                               "register/programparametrar"],
    **{f"marts/{m}": ["warehouse/prosjekt_aar"] for m in MARTS},
    "reports/arsrapport": [f"marts/{m}" for m in MARTS],
    "reports/oppfolgingsbrev": ["marts/mart_indikator_aar", "marts/mart_prosjekt_aar"],
}
# Checks that must stay beside their assets (more may be added).
CHECKS = {
    ("register/kommuner", "pandera_modell"), ("register/prosjekt", "pandera_modell"),
    ("register/tilskudd", "pandera_modell"), ("register/nettverk", "pandera_modell"),
    ("register/prosjekt_kommuner", "pandera_modell"),
    ("register/utbetalingar", "pandera_modell"), ("register/overforingar", "pandera_modell"),
    ("register/tilbakebetalingar", "pandera_modell"), ("register/programparametrar", "pandera_modell"),
    ("reading/validerte_innsendingar", "alle_filer_gjort_greie_for"),
    ("reading/validerte_innsendingar", "pandera_prosjekt"),
    ("reports/oppfolgingsbrev", "brev_til_alle_aktive_prosjekt"),
    ("reports/arsrapport", "totalar_stemmer_med_lageret"),
}


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def _name(key: dg.AssetKey) -> str:
    return key.to_user_string()


def _by_year(partitions_def) -> bool:
    """Partitioned by reporting year: the years themselves, or a multi-partition with a year dimension
    (the letters may also be partitioned by project)."""
    if partitions_def is None:
        return False
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return any(_by_year(d.partitions_def) for d in partitions_def.partitions_defs)
    return list(partitions_def.get_partition_keys()) == list(years.get_partition_keys())


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("aarskoeyring") is not None
    assert defs.resolve_sensor_def("innboks_sensor") is not None
    assert defs.resolve_schedule_def("aarleg_koeyring") is not None


def test_graph_matches_snapshot(graph):
    actual = {_name(k): sorted(_name(p) for p in graph.get(k).parent_keys) for k in graph.get_all_asset_keys()}
    expected = {k: sorted(v) for k, v in SNAPSHOT.items()}
    assert actual == expected


def test_every_asset_is_documented_for_the_ui(graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = _name(key)
        assert node.description and len(node.description) >= 40, f"{name}: a description for the UI"
        assert node.owners, f"{name}: an owner"
        assert node.kinds and node.kinds <= KINDS, f"{name}: kinds {node.kinds}"
        assert node.group_name in GROUPS, f"{name}: group {node.group_name}"
        assert key.path[0] == node.group_name, f"{name}: the key's first part names its group"


def test_yearly_assets_are_partitioned_by_year_and_versioned(graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name == "register":
            assert node.partitions_def is None, f"{_name(key)}: the register is not yearly"
        else:
            assert _by_year(node.partitions_def), f"{_name(key)}: partitioned by year"
            assert node.code_version, f"{_name(key)}: a code version"


def test_reports_depend_on_landing(graph):
    landing = dg.AssetKey(["landing", "innkomne_filer"])
    for report in ("arsrapport", "oppfolgingsbrev"):
        ancestors = graph.get_ancestor_asset_keys(dg.AssetKey(["reports", report]))
        assert landing in ancestors, report
        assert dg.AssetKey(["reading", "validerte_innsendingar"]) in ancestors, report


def test_checks_sit_beside_their_assets(graph):
    present = {(_name(k.asset_key), k.name) for k in graph.asset_check_keys}
    assert CHECKS <= present, CHECKS - present


def test_report_totals_check_shows_but_does_not_block():
    # the report is the last step: a difference is for the secretariat to see, there is nothing to stop
    (spec,) = [s for s in defs.resolve_assets_def(dg.AssetKey(["reports", "arsrapport"])).check_specs
               if s.name == "totalar_stemmer_med_lageret"]
    assert not spec.blocking and spec.description


def test_yearly_job_covers_every_yearly_asset(graph):
    job = defs.resolve_job_def(aarskoeyring.name)
    in_job = {_name(k) for k in job.asset_layer.executable_asset_keys}
    yearly = {_name(k) for k in graph.get_all_asset_keys() if graph.get(k).group_name != "register"}
    assert in_job == yearly
    assert job.partitions_def is not None and _by_year(job.partitions_def)


# --- the inbox sensor --------------------------------------------------------------------------------

def _evaluate(cursor: str | None) -> dg.SensorResult:
    result = innboks_sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(result, dg.SensorResult)
    return result


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMANOM_INBOX", str(tmp_path))
    (tmp_path / "2013").mkdir()
    (tmp_path / "2014").mkdir()
    return tmp_path


def test_sensor_requests_a_run_per_changed_year(inbox):
    # An empty inbox: nothing to do.
    first = _evaluate(None)
    assert not first.run_requests
    assert json.loads(first.cursor) == {}

    # A new file for 2013: one request, for 2013's partition.
    (inbox / "2013" / "2014-01-12_P1-01_arsrapport.xlsx").write_bytes(b"first version")
    (inbox / "2013" / ".DS_Store").write_bytes(b"hidden files are not submissions")
    (inbox / "notes.txt").write_text("outside the year folders")
    new = _evaluate(first.cursor)
    assert [r.partition_key for r in new.run_requests] == ["2013"]
    assert new.run_requests[0].tags["samanom/aar"] == "2013"
    assert set(json.loads(new.cursor)) == {"2013/2014-01-12_P1-01_arsrapport.xlsx"}

    # The same files again (even touched): no request.
    (inbox / "2013" / "2014-01-12_P1-01_arsrapport.xlsx").touch()
    same = _evaluate(new.cursor)
    assert not same.run_requests
    assert same.skip_reason is not None
    assert same.cursor == new.cursor

    # The file changed: one new request with a new run key.
    (inbox / "2013" / "2014-01-12_P1-01_arsrapport.xlsx").write_bytes(b"corrected version")
    changed = _evaluate(same.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["2013"]
    assert changed.run_requests[0].run_key != new.run_requests[0].run_key

    # Reverted to the first version: still a new run (the warehouse holds the corrected one).
    (inbox / "2013" / "2014-01-12_P1-01_arsrapport.xlsx").write_bytes(b"first version")
    reverted = _evaluate(changed.cursor)
    assert [r.partition_key for r in reverted.run_requests] == ["2013"]
    assert reverted.run_requests[0].run_key not in {new.run_requests[0].run_key,
                                                    changed.run_requests[0].run_key}

    # Files for two years at once: one request each; evaluating again from the same cursor gives the
    # same run keys (Dagster then launches nothing twice).
    (inbox / "2014" / "2015-01-20_P2-01_arsrapport.csv").write_bytes(b"a;b\n1;2\n")
    (inbox / "2013" / "2014-02-01_P1-02_arsrapport.xlsx").write_bytes(b"another project")
    both = _evaluate(reverted.cursor)
    again = _evaluate(reverted.cursor)
    assert sorted(r.partition_key for r in both.run_requests) == ["2013", "2014"]
    assert [r.run_key for r in both.run_requests] == [r.run_key for r in again.run_requests]


def test_sensor_without_cursor_requests_every_year_with_files(inbox):
    (inbox / "2014" / "a.xlsx").write_bytes(b"x")
    result = _evaluate(None)
    assert [r.partition_key for r in result.run_requests] == ["2014"]


def test_sensor_and_schedule_are_off_by_default():
    assert innboks_sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert aarleg_koeyring.default_status == dg.DefaultScheduleStatus.STOPPED
    assert innboks_sensor.job_name == aarskoeyring.name


@pytest.mark.parametrize(("when", "year"), [(dt.datetime(2014, 2, 1, 6), "2013"),
                                            (dt.datetime(2016, 2, 1, 6), "2015"),
                                            (dt.datetime(2013, 2, 1, 6), "2012")])
def test_schedule_runs_the_year_just_reported(when, year):
    result = aarleg_koeyring(dg.build_schedule_context(scheduled_execution_time=when))
    assert isinstance(result, dg.RunRequest)
    assert result.partition_key == year


def test_schedule_skips_years_outside_the_programme():
    result = aarleg_koeyring(dg.build_schedule_context(scheduled_execution_time=dt.datetime(2017, 2, 1, 6)))
    assert isinstance(result, dg.SkipReason)
