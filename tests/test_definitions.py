"""The asset graph as the UI shows it, and the inbox sensor and yearly schedule that operate it.

The graph is compared with a snapshot below: a change to the graph (a new asset, a new dependency)
must show as a diff here, on purpose.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.partitions import years
from pipelines.sensors import (
    aarlig_kjoring,
    aarskjoring,
    innboks_kjoring,
    innboks_sensor,
)

# words that give away a text in English or in nynorsk, where the UI speaks bokmål to its readers
ENGLISH = re.compile(r"\b(the|and|every|each|is|are|of|with|from|when|which|until|runs?)\b", re.IGNORECASE)
NYNORSK = re.compile(
    r"\b(ikkje|frå|kvar|eit|berre|dei|vert|vart|hovud\w*|køyr\w*|endra|lesne|teikn\w*|samanlikn\w*|døme)\b",
    re.IGNORECASE,
)
GROUPS = {"register", "landing", "reading", "warehouse", "marts", "reports"}
KINDS = {"excel", "csv", "duckdb", "sql", "pdf", "json"}
MARTS = [
    "mart_avvik_regel_aar",
    "mart_hoye_risikoer",
    "mart_indikator_aar",
    "mart_indikator_serie",
    "mart_kildefiler_aar",
    "mart_nettverk_aar",
    "mart_prosjekt_aar",
    "mart_pulje_aar",
    "mart_tema_aar",
    "mart_tiltak_risiko_aar",
]

# asset key -> its direct upstream keys. Update on purpose when the graph changes. A mart depends on the
# assets that write the tables its SQL reads (through the views), and on the models, whose lineage views
# list its source rows.
PROJECT = ["register/kommuner", "register/nettverk", "register/prosjekt", "register/prosjekt_kommuner"]
# the secretariat's ledger and the programme's parameters: read by the money model behind int_prosjekt_aar
LEDGER = ["register/overforinger", "register/programparametere", "register/tilbakebetalinger", "register/utbetalinger"]
PROJECT_YEAR = ["reading/validerte_innsendinger", *PROJECT, *LEDGER, "register/tilskudd", "warehouse/prosjekt_aar"]
SNAPSHOT = {
    "register/kommuner": [],
    "register/nettverk": [],
    "register/prosjekt": [],
    "register/prosjekt_kommuner": [],
    "register/tilskudd": [],
    "register/utbetalinger": [],
    "register/overforinger": [],
    "register/tilbakebetalinger": [],
    "register/programparametere": [],
    "landing/innkomne_filer": [],
    "reading/innsendinger": ["landing/innkomne_filer"],
    "reading/validerte_innsendinger": [
        "reading/innsendinger",
        "register/kommuner",
        "register/prosjekt",
        "register/tilskudd",
    ],
    "reading/indikatorer": ["reading/innsendinger"],
    "reading/tiltak": ["reading/innsendinger"],
    "reading/risiko": ["reading/innsendinger"],
    "warehouse/prosjekt_aar": [
        "reading/indikatorer",
        "reading/innsendinger",
        "reading/risiko",
        "reading/tiltak",
        "reading/validerte_innsendinger",
        *PROJECT,
        *LEDGER,
        "register/tilskudd",
    ],
    "marts/mart_avvik_regel_aar": ["reading/validerte_innsendinger", "warehouse/prosjekt_aar"],
    "marts/mart_kildefiler_aar": ["reading/validerte_innsendinger", "warehouse/prosjekt_aar"],
    "marts/mart_hoye_risikoer": [
        "reading/risiko",
        "reading/validerte_innsendinger",
        *PROJECT,
        "warehouse/prosjekt_aar",
    ],
    "marts/mart_indikator_aar": ["reading/indikatorer", "reading/validerte_innsendinger", "warehouse/prosjekt_aar"],
    "marts/mart_indikator_serie": [
        "reading/indikatorer",
        "reading/validerte_innsendinger",
        *PROJECT,
        "warehouse/prosjekt_aar",
    ],
    "marts/mart_nettverk_aar": PROJECT_YEAR,
    "marts/mart_pulje_aar": PROJECT_YEAR,
    "marts/mart_tema_aar": PROJECT_YEAR,
    "marts/mart_prosjekt_aar": ["reading/risiko", "reading/tiltak", *PROJECT_YEAR],
    "marts/mart_tiltak_risiko_aar": [
        "reading/risiko",
        "reading/tiltak",
        "reading/validerte_innsendinger",
        "warehouse/prosjekt_aar",
    ],
    # the documents' run key names the files of every year up to theirs (landing), the report's trends read
    # the earlier years' marts, the letters' final settlement the earlier years' money
    "reports/arsrapport": ["landing/innkomne_filer", *(f"marts/{m}" for m in MARTS)],
    "reports/oppfolgingsbrev": [
        "landing/innkomne_filer",
        "marts/mart_indikator_aar",
        "marts/mart_prosjekt_aar",
        *PROJECT_YEAR,
    ],
    "reports/kvitteringer": ["reading/validerte_innsendinger", "warehouse/prosjekt_aar"],
    "reports/kjoring": ["reports/arsrapport", "reports/kvitteringer", "reports/oppfolgingsbrev"],
}
# Checks that must stay beside their assets (more may be added).
CHECKS = {
    ("register/kommuner", "pandera_modell"),
    ("register/prosjekt", "pandera_modell"),
    ("register/tilskudd", "pandera_modell"),
    ("register/nettverk", "pandera_modell"),
    ("register/prosjekt_kommuner", "pandera_modell"),
    ("register/utbetalinger", "pandera_modell"),
    ("register/overforinger", "pandera_modell"),
    ("register/tilbakebetalinger", "pandera_modell"),
    ("register/programparametere", "pandera_modell"),
    ("reading/validerte_innsendinger", "alle_filer_gjort_greie_for"),
    ("reading/validerte_innsendinger", "pandera_prosjekt"),
    ("reading/validerte_innsendinger", "pandera_avvik"),
    ("reading/indikatorer", "pandera_indikatorer"),
    ("reading/tiltak", "pandera_tiltak"),
    ("reading/risiko", "pandera_risiko"),
    ("marts/mart_pulje_aar", "totaler_stemmer"),
    ("reports/oppfolgingsbrev", "brev_til_alle_aktive_prosjekt"),
    ("reports/arsrapport", "totaler_stemmer_med_lageret"),
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
    assert defs.resolve_job_def("aarskjoring") is not None
    assert defs.resolve_sensor_def("innboks_sensor") is not None
    assert defs.resolve_schedule_def("aarlig_kjoring") is not None


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
        assert dg.AssetKey(["reading", "validerte_innsendinger"]) in ancestors, report


def test_checks_sit_beside_their_assets(graph):
    present = {(_name(k.asset_key), k.name) for k in graph.asset_check_keys}
    assert CHECKS <= present, CHECKS - present


def test_report_totals_check_shows_but_does_not_block():
    # the report is the last step: a difference is for the secretariat to see, there is nothing to stop
    (spec,) = [
        s
        for s in defs.resolve_assets_def(dg.AssetKey(["reports", "arsrapport"])).check_specs
        if s.name == "totaler_stemmer_med_lageret"
    ]
    assert not spec.blocking and spec.description


def test_yearly_job_covers_the_register_and_every_yearly_asset(graph):
    # the register's blocking checks stop the year's run, so the job the UI, sensor and schedule
    # launch (and `samanom run`) starts with it
    job = defs.resolve_job_def(aarskjoring.name)
    in_job = {_name(k) for k in job.asset_layer.executable_asset_keys}
    assert in_job == {_name(k) for k in graph.get_all_asset_keys()}
    assert job.partitions_def is not None and _by_year(job.partitions_def)


def test_checks_on_what_is_published_block_and_belong_to_their_year(graph):
    for key in graph.asset_check_keys:
        spec = defs.resolve_assets_def(key.asset_key).get_spec_for_check_key(key)
        if graph.get(key.asset_key).partitions_def is not None:
            assert spec.partitions_def is not None, f"{key}: a check result shows under its year"
        if key.name.startswith("pandera_") or key.asset_key.path[0] == "marts":
            assert spec.blocking, f"{key}: blocks what is built on it"


def _years_read(graph, asset: str, upstream: str, year: str) -> tuple[list[str], list[str]]:
    """The upstream years one year of an asset reads, and the years of the asset that one upstream year
    makes stale."""
    mapping = graph.get_partition_mapping(dg.AssetKey.from_user_string(asset), dg.AssetKey.from_user_string(upstream))
    read = mapping.get_upstream_mapped_partitions_result_for_partitions(
        years.subset_with_partition_keys([year]), years, years
    ).partitions_subset.get_partition_keys()
    stale = mapping.get_downstream_partitions_for_partitions(
        years.subset_with_partition_keys([year]), years, years
    ).get_partition_keys()
    return sorted(read), sorted(stale)


@pytest.mark.parametrize(
    "asset, upstream",
    [
        ("marts/mart_indikator_serie", "reading/indikatorer"),
        # the report's trends and programme period, and its run key (every year's files)
        ("reports/arsrapport", "marts/mart_prosjekt_aar"),
        ("reports/arsrapport", "marts/mart_tema_aar"),
        ("reports/arsrapport", "marts/mart_indikator_aar"),
        ("reports/arsrapport", "landing/innkomne_filer"),
        # the letters' final settlement: every year's payments, transfers and spending
        ("reports/oppfolgingsbrev", "warehouse/prosjekt_aar"),
        ("reports/oppfolgingsbrev", "reading/validerte_innsendinger"),
        ("reports/oppfolgingsbrev", "landing/innkomne_filer"),
    ],
)
def test_what_reads_earlier_years_depends_on_them(graph, asset, upstream):
    read, _ = _years_read(graph, asset, upstream, "2014")
    assert read == ["2012", "2013", "2014"]
    # re-running 2012 makes every later year stale
    _, stale = _years_read(graph, asset, upstream, "2012")
    assert stale == ["2012", "2013", "2014", "2015"]


def test_what_reads_its_own_year_depends_on_that_year_only(graph):
    assert _years_read(graph, "reports/arsrapport", "marts/mart_pulje_aar", "2014") == (["2014"], ["2014"])
    assert _years_read(graph, "reports/oppfolgingsbrev", "marts/mart_prosjekt_aar", "2014") == (["2014"], ["2014"])


def test_every_query_over_earlier_years_is_declared_by_its_document():
    """A query of `sql/reports/` that reads earlier years (`aar <= $aar`) belongs to a document that declares
    those years: the report's (`arsrapport_*`), the letters' (`brev_*`) or the run key every document has."""
    from pipelines import lineage, warehouse
    from pipelines.assets.reports import RUN_KEY_QUERY

    earlier = {
        f"reports/{p.stem}" for p in warehouse.sql_files("reports") if lineage.reads_earlier_years(f"reports/{p.stem}")
    }
    assert "reports/arsrapport_trend_pulje" in earlier and "reports/brev_okonomi_periode" in earlier
    assert all(q.startswith(("reports/arsrapport_", "reports/brev_")) or q == RUN_KEY_QUERY for q in earlier), earlier
    assert not lineage.reads_earlier_years("marts/mart_pulje_aar")


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
    assert reverted.run_requests[0].run_key not in {new.run_requests[0].run_key, changed.run_requests[0].run_key}

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


def test_sensor_starts_from_the_files_landing_recorded(inbox):
    from pipelines.sensors import LANDING, REGISTER, inbox_fingerprints

    (inbox / "2013" / "a.xlsx").write_bytes(b"produced")
    (inbox / "2014" / "b.xlsx").write_bytes(b"not yet")
    with dg.instance_for_test() as instance:
        # 2013's landing took in exactly these files (its materialisation lists them); 2014 never ran, and
        # the register was never loaded: the sensor asks for the whole year's run
        landed = inbox_fingerprints(inbox, ["2013"])
        instance.report_runless_asset_event(
            dg.AssetMaterialization(
                LANDING, partition="2013", metadata={"innboks_filer": dg.MetadataValue.json(landed)}
            )
        )
        first = innboks_sensor(dg.build_sensor_context(instance=instance, cursor=None))
        assert [(r.partition_key, r.tags["samanom/aar"], r.job_name) for r in first.run_requests] == [
            ("2014", "2014", aarskjoring.name)
        ]
        # a new version of a 2013 file later starts 2013, named by year and by the files' version; with the
        # register loaded, only what a file needs (no annual report)
        for key in REGISTER:
            instance.report_runless_asset_event(dg.AssetMaterialization(key))
        (inbox / "2013" / "a.xlsx").write_bytes(b"corrected")
        later = innboks_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        assert [(r.partition_key, r.job_name) for r in later.run_requests] == [("2013", innboks_kjoring.name)]
        assert later.run_requests[0].run_key.startswith("2013-")


def test_the_sensor_path_leaves_the_annual_report_to_the_years_run():
    sensor_path = defs.resolve_job_def(innboks_kjoring.name).asset_layer.selected_asset_keys
    whole = defs.resolve_job_def(aarskjoring.name).asset_layer.selected_asset_keys
    report = dg.AssetKey(["reports", "arsrapport"])
    assert report in whole and report not in sensor_path
    assert dg.AssetKey(["reports", "kvitteringer"]) in sensor_path
    # everything else of the year is on the sensor path; the register is loaded by the year's run
    assert whole - sensor_path == {report, *(k for k in whole if k.path[0] == "register")}


def test_sensor_and_schedule_are_off_by_default():
    assert innboks_sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert aarlig_kjoring.default_status == dg.DefaultScheduleStatus.STOPPED
    assert {j.name for j in innboks_sensor.jobs} == {innboks_kjoring.name, aarskjoring.name}


@pytest.mark.parametrize(
    ("when", "year"),
    [(dt.datetime(2014, 2, 1, 6), "2013"), (dt.datetime(2016, 2, 1, 6), "2015"), (dt.datetime(2013, 2, 1, 6), "2012")],
)
def test_schedule_runs_the_year_just_reported(when, year):
    result = aarlig_kjoring(dg.build_schedule_context(scheduled_execution_time=when))
    assert isinstance(result, dg.RunRequest)
    assert result.partition_key == year


def test_schedule_skips_years_outside_the_programme():
    result = aarlig_kjoring(dg.build_schedule_context(scheduled_execution_time=dt.datetime(2017, 2, 1, 6)))
    assert isinstance(result, dg.SkipReason)


def bokmaal(text: str) -> bool:
    """No word of English or nynorsk in a text (code in backticks and file names aside)."""
    prose = re.sub(r"\S+\.(json|csv|pdf|xlsx|sql)\b", "", re.sub(r"`[^`]*`", "", text))
    return not ENGLISH.search(prose) and not NYNORSK.search(prose)


def test_what_the_ui_says_is_bokmaal(graph):
    """Descriptions of assets, checks, jobs, the sensor and the schedule, the schedule's reason to skip and the
    column texts, all in bokmål."""
    from pipelines import sporing

    texts = {_name(k): graph.get(k).description for k in graph.get_all_asset_keys()}
    for key in graph.asset_check_keys:
        texts[f"{_name(key.asset_key)}:{key.name}"] = graph.get_check_spec(key).description
    repo = defs.get_repository_def()
    texts |= {f"sensor {d.name}": d.description for d in repo.sensor_defs}
    texts |= {f"schedule {d.name}": d.description for d in repo.schedule_defs}
    texts |= {f"job {j.name}": j.description for j in (aarskjoring, innboks_kjoring)}
    skip = aarlig_kjoring(dg.build_schedule_context(scheduled_execution_time=dt.datetime(2017, 2, 1, 6)))
    texts["schedule skip"] = skip.skip_message
    texts |= {f"kolonner.toml {k}": v for k, v in sporing.column_texts().items()}
    assert all(texts.values()), [k for k, v in texts.items() if not v]
    wrong = {k: v for k, v in texts.items() if not bokmaal(v)}
    assert not wrong, wrong
    assert not bokmaal("Watches the inbox") and not bokmaal("hovudbodskapen i ord")  # the test tells them apart


def test_the_outcome_column_names_every_outcome():
    from pipelines import sporing
    from schemas.accepted import OUTCOMES

    text = sporing.column_texts()["utfall"]
    assert [o for o in OUTCOMES if not re.search(rf"\b{o}\b", text)] == []
