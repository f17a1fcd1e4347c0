"""Column lineage of the marts: read from their SQL, and carried by every mart materialisation."""

import dagster as dg
import duckdb
import pytest

from pipelines import lineage
from pipelines.definitions import defs
from pipelines.lineage import LineageError
from tests.conftest import YEAR, materialised_metadata

# Columns the SQL fills with literals: the only mart columns without a source column, besides the
# year partition `aar` that warehouse.replace_year adds
CONSTANTS = {("mart_tiltak_risiko_aar", "kategori")}
MODELS = dg.AssetKey(["warehouse", "prosjekt_aar"])


def _table_columns(out, table: str) -> list[str]:
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
        ]


def test_every_mart_column_is_traced(small_run):
    marts = lineage.mart_names()
    assert len(marts) >= 10
    for mart in marts:
        traced = lineage.mart_lineage(mart)
        table = _table_columns(small_run, mart)
        # sqlglot's reading of the SQL (stars expanded) gives exactly the columns DuckDB wrote
        assert [c for c in table if c != "aar" or "aar" in traced] == list(traced), mart
        for column, sources in traced.items():
            assert bool(sources) != ((mart, column) in CONSTANTS), f"{mart}.{column}: {sources}"
            # the intermediate view is traced through, down to staging views and core and register tables
            assert all(s.table.startswith(("stg_", "core_", "ref_")) for s in sources), f"{mart}.{column}"


@pytest.mark.parametrize(
    "mart, column, expected",
    [
        ("mart_pulje_aar", "innvilget_kr", {"stg_tilskudd.innvilget_kr"}),
        # unspent is the ledger's payments and transfers against the accepted report's spending, never
        # what the municipality says it received
        (
            "mart_pulje_aar",
            "ubrukt_kr",
            {"stg_utbetalinger.belop_kr", "stg_overforinger.belop_kr", "stg_innsendinger.forbruk"},
        ),
        ("mart_pulje_aar", "utbetalt_kr", {"stg_utbetalinger.belop_kr"}),
        ("mart_tema_aar", "forbruk_kr", {"stg_innsendinger.forbruk"}),
        ("mart_prosjekt_aar", "prosjektleder", {"stg_innsendinger.prosjektleder"}),
        ("mart_prosjekt_aar", "neste_aar_innvilget_kr", {"stg_tilskudd.innvilget_kr"}),
        (
            "mart_prosjekt_aar",
            "rapportstatus",
            {
                "stg_innsendinger.innsending_id",
                "stg_innsendinger.mottatt_dato",
                "stg_tilskudd.rapporteringsfrist_virkedag",
                "core_innsendinger.prosjektnummer",
            },
        ),
        ("mart_indikator_aar", "median_endring", {"stg_indikatorer.resultat", "stg_indikatorer.utgangspunkt"}),
        ("mart_indikator_serie", "verdi", {"stg_indikatorer.resultat"}),
        ("mart_indikator_serie", "maal", {"stg_indikatorer.maal", "stg_indikatorer.aar"}),  # the latest year's target
        ("mart_nettverk_aar", "nettverksleder", {"ref_nettverk.nettverksleder"}),
        ("mart_kildefiler_aar", "sha256", {"core_filer.sha256"}),
        # a row count comes from the columns that decide which rows it counts
        ("mart_prosjekt_aar", "tiltak", {"stg_tiltak.aar", "stg_tiltak.prosjektnummer"}),
        ("mart_avvik_regel_aar", "antall", {"core_avvik.aar", "core_avvik.regel", "core_avvik.alvorsgrad"}),
        ("mart_tema_aar", "prosjekt", {"stg_prosjekt.tema"}),
    ],
)
def test_lineage_by_hand(mart, column, expected):
    assert {str(s) for s in lineage.mart_lineage(mart)[column]} == expected


def test_constants_and_counts_are_told_apart():
    traced = lineage.trace(
        "select 'tiltak' as kategori, $aar as aar, count(*) as antall from core_avvik group by regel"
    )
    assert {c: [str(s) for s in sources] for c, sources in traced.items()} == {
        "kategori": [],
        "aar": [],
        "antall": ["core_avvik.regel"],
    }


@pytest.mark.parametrize(
    "sql",
    [
        "select count(*) as tal from core_avvik",  # nothing decides which rows: no source to name
        "select nope from stg_tiltak",  # sqlglot alone would place it in stg_tiltak
        "select t.nope from stg_tiltak t",
        "select * from nowhere",
    ],
)
def test_an_untraceable_column_is_a_clear_error(sql):
    with pytest.raises(LineageError, match="query"):
        lineage.trace(sql)


def test_mart_materialisations_carry_column_lineage(small_run):
    graph = defs.resolve_asset_graph()
    with dg.DagsterInstance.from_config(str(small_run / ".dagster")) as instance:
        for mart in lineage.mart_names():
            key = dg.AssetKey(["marts", mart])
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=[str(YEAR)]), limit=1
            ).records
            assert records, mart
            metadata = records[0].asset_materialization.metadata
            deps = metadata["dagster/column_lineage"].value.deps_by_column
            schema = [c.name for c in metadata["dagster/column_schema"].value.columns]
            assert schema == _table_columns(small_run, mart), mart
            assert sorted(deps) == sorted(schema), mart  # the stored lineage comes back sorted by column
            upstream = graph.get_ancestor_asset_keys(key)
            assert all(d.asset_key in upstream for ds in deps.values() for d in ds), mart
            if mart == "mart_pulje_aar":
                assert deps["innvilget_kr"] == [dg.TableColumnDep(MODELS, "stg_tilskudd.innvilget_kr")]
                assert deps["aar"] == []
                assert (
                    "| innvilget_kr | `warehouse/prosjekt_aar` stg_tilskudd.innvilget_kr |"
                    in metadata["kolonneopphav"].value
                )
            if mart == "mart_nettverk_aar":  # one table per register asset: the column is not qualified
                assert deps["nettverksleder"] == [dg.TableColumnDep(["register", "nettverk"], "nettverksleder")]
            if mart == "mart_avvik_regel_aar":
                assert dg.TableColumnDep(["reading", "validerte_innsendinger"], "core_avvik.regel") in deps["antall"]


def test_lineage_kept_on_disk_is_the_lineage_traced(tmp_path):
    """Each run reads the traced lineage from the output folder instead of tracing again."""
    traced = lineage.mart_lineage("mart_pulje_aar")
    assert lineage.mart_lineage("mart_pulje_aar", tmp_path) == traced
    (stored,) = tmp_path.glob("*/mart_pulje_aar.json")
    assert lineage.mart_lineage("mart_pulje_aar", tmp_path) == traced
    stored.write_text('[["innvilget_kr", [["stg_x"]]]]', encoding="utf-8")  # damaged: traced again
    assert lineage.mart_lineage("mart_pulje_aar", tmp_path) == traced


# --- row lineage: the source rows behind every row of every mart ---------------------------------------


def _rows(out, query, *params):
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def test_every_mart_file_has_row_lineage_for_every_row(small_run):
    marts = [p.stem for p in sorted((lineage.warehouse.SQL_DIR / "marts").glob("*.sql"))]
    assert sorted(lineage.MART_KEYS) == marts, "a key for every file in sql/marts/"
    for mart in marts:
        keys = lineage.MART_KEYS[mart]
        rows = {
            lineage.row_key(r) for r in _rows(small_run, f"select {', '.join(keys)} from {mart} where aar = ?", YEAR)
        }
        traced = {
            r[0]
            for r in _rows(
                small_run, "select distinct nokkel from lin_mart_kilder where mart = ? and aar = ?", mart, YEAR
            )
        }
        assert rows, f"{mart}: the small inbox gives it rows, so its lineage is tested"
        assert rows <= traced, f"{mart}: rows without source rows: {sorted(rows - traced)[:5]}"
        assert traced <= rows, f"{mart}: source rows under keys the mart does not have: {sorted(traced - rows)[:5]}"
        # every source row names its file and fingerprint, and the file is one the year received or
        # a register file
        for filnavn, sha256 in _rows(
            small_run, "select distinct filnavn, sha256 from lin_mart_kilder where mart = ? and aar = ?", mart, YEAR
        ):
            assert filnavn and sha256 and len(sha256) == 64, (mart, filnavn)


def test_lineage_columns_are_named_not_positional(small_run):
    # a field goes to `felt`, an indicator key never lands in it (the old union by position did that)
    rows = _rows(
        small_run,
        "select felt, verdi, tabell from lin_mart_kilder where mart = 'mart_avvik_regel_aar' and aar = ?",
        YEAR,
    )
    felt_of_issues = {r[0] for r in _rows(small_run, "select felt from core_avvik where aar = ?", YEAR)}
    assert {r[0] for r in rows} <= felt_of_issues and {r[2] for r in rows} == {"avvik"}


def _register_lines(name: str) -> tuple[dict[int, dict], str]:
    """A register file's lines by line number (the header is line 1), and its SHA-256."""
    import csv
    import hashlib

    from pipelines.paths import REGISTER_DIR

    path = REGISTER_DIR / name
    with open(path, encoding="utf-8", newline="") as f:
        lines = {i: row for i, row in enumerate(csv.DictReader(f), start=2)}
    return lines, hashlib.sha256(path.read_bytes()).hexdigest()


def _traced(out, mart: str, nokkel: str, column: str, tabell: str | None = None) -> list[tuple]:
    """The source rows listed under one column of one mart row (`kolonne` lists the columns a value feeds)."""
    return [
        r[:-1]
        for r in _rows(
            out,
            "select prosjektnummer, filnavn, sha256, rad, felt, verdi, tabell from lin_mart_kilder "
            "where mart = ? and aar = ? and nokkel = ? and list_contains(string_split(kolonne, ', '), ?)",
            mart,
            YEAR,
            nokkel,
            column,
        )
        if tabell is None or r[-1] == tabell
    ]


def _ledger_total(out, mart, nokkel, column, tabell, filnavn, year_field) -> int:
    """The ledger lines traced behind a mart figure, each checked against its line in the register file; their
    sum."""
    lines, sha = _register_lines(filnavn)
    traced = _traced(out, mart, nokkel, column, tabell)
    for prosjekt, fil, sha256, rad, felt, verdi in traced:
        assert (fil, sha256, felt) == (filnavn, sha, "belop_kr"), (mart, nokkel, column)
        assert lines[rad]["prosjektnummer"] == prosjekt and lines[rad]["belop_kr"] == verdi
        assert lines[rad][year_field] == str(YEAR), (mart, nokkel, column, rad)
    return sum(int(t[5]) for t in traced)


def test_pool_grants_trace_to_the_register_lines(small_run):
    """For each pool's «Innvilget», the grant letters' lines in tilskudd.csv that add up to it."""
    lines, sha = _register_lines("tilskudd.csv")
    for pulje, innvilget in _rows(small_run, "select pulje, innvilget_kr from mart_pulje_aar where aar = ?", YEAR):
        grants = _traced(small_run, "mart_pulje_aar", str(pulje), "innvilget_kr")
        assert grants
        for prosjekt, filnavn, sha256, rad, felt, verdi in grants:
            assert (filnavn, sha256, felt) == ("tilskudd.csv", sha, "innvilget_kr")
            assert lines[rad]["prosjektnummer"] == prosjekt and lines[rad]["innvilget_kr"] == verdi
            assert lines[rad]["aar"] == str(YEAR)
        assert sum(int(g[5]) for g in grants) == innvilget


def test_pool_money_traces_to_the_ledger_lines(small_run):
    """«Utbetalt», the transfers and what «Ubrukt» is computed over, per pool: the secretariat's ledger lines
    (utbetalinger.csv, overforinger.csv) that add up to them, never what a municipality says it received."""
    pools = _rows(
        small_run,
        "select pulje, utbetalt_kr, overfort_inn_kr, overfort_ut_kr, grunnlag_kr, prosjekt_med_forbruk "
        "from mart_pulje_aar where aar = ?",
        YEAR,
    )
    for pulje, utbetalt, inn, ut, grunnlag, med_forbruk in pools:
        key = str(pulje)
        assert _traced(small_run, "mart_pulje_aar", key, "utbetalt_kr"), "every pool was paid"
        assert (
            _ledger_total(small_run, "mart_pulje_aar", key, "utbetalt_kr", "utbetaling", "utbetalinger.csv", "aar")
            == utbetalt
        )
        assert (
            _ledger_total(
                small_run, "mart_pulje_aar", key, "overfort_inn_kr", "overforing_inn", "overforinger.csv", "til_aar"
            )
            == inn
        )
        assert (
            _ledger_total(
                small_run, "mart_pulje_aar", key, "overfort_ut_kr", "overforing_ut", "overforinger.csv", "fra_aar"
            )
            == ut
        )
        # what the share spent is over: the payments and transfers in of the projects that reported spending
        assert (
            _ledger_total(small_run, "mart_pulje_aar", key, "grunnlag_kr", "utbetaling", "utbetalinger.csv", "aar")
            + _ledger_total(
                small_run, "mart_pulje_aar", key, "grunnlag_kr", "overforing_inn", "overforinger.csv", "til_aar"
            )
            == grunnlag
        )
        # unspent is that less the reported spending, over the same projects
        behind = {r[0] for r in _traced(small_run, "mart_pulje_aar", key, "ubrukt_kr")}
        assert {r[0] for r in _traced(small_run, "mart_pulje_aar", key, "prosjekt_med_forbruk")} == behind
        assert len(behind) == med_forbruk
    reported = _rows(
        small_run,
        "select distinct mart, kolonne from lin_mart_kilder where felt = 'tilskudd_mottatt' and aar = ?",
        YEAR,
    )
    assert reported, "the reports' own figure is shown where it is compared"
    for mart, kolonne in reported:
        assert not {"utbetalt_kr", "ubrukt_kr"} & set(kolonne.split(", ")), (mart, kolonne)


def _money_checked(out, year: int) -> int:
    """Asserts that each amount (a `*_kr` column) that is not 0, in every row of every mart of the year, has
    the source values behind it listed under its column; how many amounts it checked."""
    checked = 0
    for mart in lineage.mart_names():
        money = [c for c in _table_columns(out, mart) if c.endswith("_kr")]
        if not money:
            continue
        keys = lineage.MART_KEYS[mart]
        traced: dict[str, set[str]] = {}
        for nokkel, kolonne in _rows(
            out, "select nokkel, kolonne from lin_mart_kilder where mart = ? and aar = ?", mart, year
        ):
            traced.setdefault(nokkel, set()).update(kolonne.split(", "))
        for row in _rows(out, f"select {', '.join(keys)}, {', '.join(money)} from {mart} where aar = ?", year):
            key = lineage.row_key(row[: len(keys)])
            missing = [
                c for c, v in zip(money, row[len(keys) :]) if v not in (None, 0) and c not in traced.get(key, ())
            ]
            assert not missing, f"{mart} {year} {key}: amounts without source rows: {missing}"
            checked += sum(v not in (None, 0) for v in row[len(keys) :])
    return checked


@pytest.mark.parametrize("run", ["small_run", "bundled_run"])
def test_every_money_figure_has_source_rows(run, request):
    assert _money_checked(request.getfixturevalue(run), YEAR) > 100


def test_every_money_figure_of_every_year_has_source_rows_and_fits_the_ui(all_years_run):
    """Every year, the final settlement's too (what a project pays back, from the period's ledger lines and
    spending): every amount has its source rows, and each mart's source rows fit whole in the metadata."""
    from pipelines import sporing

    for year in (2012, 2013, 2014, 2015):
        assert _money_checked(all_years_run, year) > 100, year
        largest = _rows(
            all_years_run,
            "select mart, count(*) from lin_mart_kilder where aar = ? group by mart order by 2 desc",
            year,
        )[0]
        assert largest[1] <= sporing.SHOWN, (year, largest)
    settled = _rows(
        all_years_run, "select count(*) from mart_prosjekt_aar where aa_betale_tilbake_kr > 0 or tilbakebetalt_kr > 0"
    )[0][0]
    assert settled, "the ledger's sample data has repayments, so the settlement's lineage is tested"


def test_mart_materialisations_carry_their_source_rows(small_run):
    with dg.DagsterInstance.from_config(str(small_run / ".dagster")) as instance:
        for mart in lineage.mart_names():
            (record,) = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(["marts", mart]), asset_partitions=[str(YEAR)]), limit=1
            ).records
            metadata = record.asset_materialization.metadata
            table = metadata["kilderader"].value
            expected = _rows(
                small_run,
                "select nokkel, filnavn, sha256, ark, rad, felt, verdi from lin_mart_kilder where mart = ? and aar = ?",
                mart,
                YEAR,
            )
            shown = [
                (
                    r.data["nokkel"],
                    r.data["filnavn"],
                    r.data["sha256"],
                    r.data["ark"],
                    r.data["rad"],
                    r.data["felt"],
                    r.data["verdi"],
                )
                for r in table.records
            ]
            assert sorted(shown, key=repr) == sorted(expected, key=repr), mart  # whole, at this size
            assert metadata["kilderader_rader"].value == len(expected)
            path = metadata["kilderader_fil"].value
            assert path == str(small_run / str(YEAR) / "sporing" / f"{mart}.csv")
            with open(path, encoding="utf-8") as f:
                assert sum(1 for _ in f) == len(expected) + 1
            # every column described for the reader, and in the UI's table schema
            assert all(c.description for c in table.schema.columns), mart
            assert all(
                c.description
                for c in metadata["dagster/column_schema"].value.columns
                if c.name in ("innvilget_kr", "pulje")
            ), mart
            # a preview a person reads: no Python lists, `nan` or exponent notation
            for row in metadata["innhold"].value.records:
                for value in row.data.values():
                    text = str(value)
                    assert not text.startswith("[") and text != "nan" and "e+" not in text, (mart, text)


def test_data_version_fingerprints_the_rows_the_asset_and_the_year():
    import pandas as pd

    from pipelines import sporing

    mart = dg.AssetKey(["marts", "mart_hoye_risikoer"])
    rows = pd.DataFrame({"prosjektnummer": ["P1-01", "P1-02"], "rad": [4, 5]})
    empty = rows.head(0)
    version = sporing.fingerprint(mart, 2013, rows)
    assert version == sporing.fingerprint(mart, 2013, rows.copy())  # the same rows, the same version
    assert version != sporing.fingerprint(mart, 2013, rows.head(1))
    assert version != sporing.fingerprint(mart, 2013, rows.assign(rad=[4, 6]))
    assert version != sporing.fingerprint(mart, 2014, rows)
    # an empty table is told apart by year and by asset
    assert sporing.fingerprint(mart, 2012, empty) != sporing.fingerprint(mart, 2013, empty)
    assert sporing.fingerprint(mart, 2013, empty) != sporing.fingerprint(dg.AssetKey(["marts", "x"]), 2013, empty)


def test_each_mart_is_versioned_by_the_rows_it_wrote(small_run):
    from pipelines import sporing, warehouse

    versions = {}
    with dg.DagsterInstance.from_config(str(small_run / ".dagster")) as instance:
        for mart in lineage.mart_names():
            key = dg.AssetKey(["marts", mart])
            (record,) = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=[str(YEAR)]), limit=1
            ).records
            versions[mart] = record.asset_materialization.tags["dagster/data_version"]
            with warehouse.connect(small_run / "samanom.duckdb", read_only=True) as con:
                written = warehouse.read_year(con, mart, YEAR)
            assert versions[mart] == sporing.fingerprint(key, YEAR, written).value, mart
    assert len(set(versions.values())) == len(versions)


def test_every_letter_finding_that_quotes_an_issue_carries_the_issues_place(small_run):
    """The letters' `funn` table gives each quoted issue its file, sheet, row and value, however the letter
    words the finding (the letter names a field by its label, the issue by its key)."""
    import pandas as pd

    found = pd.read_csv(small_run / str(YEAR) / "sporing" / "brevfunn.csv", dtype=str, keep_default_na=False)
    quoted = found[found["funn"].str.startswith("avvik_")]
    assert len(quoted), "the small inbox has reports with issues"
    issues = {
        (p, f"avvik_{regel}", fil, "" if rad is None else str(rad), verdi or "")
        for p, regel, fil, rad, verdi in _rows(
            small_run, "select prosjektnummer, regel, filnavn, rad, verdi from core_avvik where aar = ?", YEAR
        )
    }
    places = set(quoted[["prosjektnummer", "funn", "filnavn", "rad", "verdi"]].itertuples(index=False, name=None))
    assert all(quoted["filnavn"] != "") and all(quoted["sha256"].str.len() == 64)
    assert places <= issues


# --- the issue lists on the validation asset ---------------------------------------------------------


def _shown(value) -> str | None:
    """A cell as the UI table holds it, as text without the thousands' spaces."""
    return None if value is None else str(value).replace("\xa0", "")


def test_landing_lists_every_file_received(small_run):
    metadata = materialised_metadata(small_run, dg.AssetKey(["landing", "innkomne_filer"]))
    table = metadata["filer"].value
    names = sorted(r.data["filnavn"] for r in table.records)
    assert names == sorted(f for (f,) in _rows(small_run, "select filnavn from raw_filer where aar = ?", YEAR))
    assert metadata["filer_rader"].value == len(names) == 4
    assert all(c.description for c in table.schema.columns)


@pytest.mark.parametrize("run", ["small_run", "bundled_run"])
def test_the_validation_asset_lists_every_issue_and_every_rejected_file(run, request):
    from pipelines.assets.ingest import VALIDATED
    from pipelines.landing import NOT_READ

    out = request.getfixturevalue(run)
    metadata = materialised_metadata(out, VALIDATED)
    fields = ("filnavn", "prosjektnummer", "ark", "rad", "felt", "verdi", "regel", "melding_nb")
    shown = sorted((tuple(_shown(r.data[f]) for f in fields) for r in metadata["avviksliste"].value.records), key=repr)
    issues = sorted(
        (
            tuple(_shown(v) for v in r)
            for r in _rows(out, f"select {', '.join(fields)} from core_avvik where aar = ?", YEAR)
        ),
        key=repr,
    )
    assert issues and shown == issues
    assert metadata["avviksliste_rader"].value == len(issues)

    rejected = {r.data["filnavn"]: r.data for r in metadata["avviste_filer"].value.records}
    expected = _rows(
        out,
        "select filnavn, sha256, utfall from core_filer where aar = ? and (utfall = 'avvist' or list_contains(?, utfall))",
        YEAR,
        sorted(NOT_READ),
    )
    assert expected and sorted(rejected) == sorted(f for f, _, _ in expected)
    for filnavn, sha256, utfall in expected:
        grunn = rejected[filnavn]["grunn"]
        assert grunn, filnavn
        if utfall == "avvist":  # the reason is what the file's issues say
            messages = {
                m for (m,) in _rows(out, "select melding_nb from core_avvik where aar = ? and sha256 = ?", YEAR, sha256)
            }
            assert set(grunn.split(" | ")) <= messages, (filnavn, grunn)


def test_metadata_labels_are_bokmaal(small_run):
    """Every metadata label of the run (materialisations and check results) in bokmål: no nynorsk words
    (a plural in -ar, `innhald`, `tal`, `døme` …), as the names pass made the tables' and columns' names."""
    from tests.test_definitions import NYNORSK

    nynorsk_words = {"innhald", "uendra", "døme", "tal", "teikna", "lesne", "samanlikning", "samanlikna"}
    labels = set()
    with dg.DagsterInstance.from_config(str(small_run / ".dagster")) as instance:
        (run,) = instance.get_runs(limit=1)
        for kind in (dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION):
            for record in instance.get_records_for_run(run.run_id, of_type=kind).records:
                data = record.event_log_entry.dagster_event.event_specific_data
                metadata = (
                    data.materialization.metadata
                    if kind == dg.DagsterEventType.ASSET_MATERIALIZATION
                    else data.metadata
                )
                labels |= {k for k in metadata if not k.startswith("dagster/")}
    assert len(labels) > 50, sorted(labels)
    wrong = sorted(
        label
        for label in labels
        if any(
            w in nynorsk_words or (w.endswith("ar") and w != "aar") or NYNORSK.fullmatch(w) for w in label.split("_")
        )
    )
    assert not wrong, wrong
