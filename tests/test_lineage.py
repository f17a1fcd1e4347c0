"""Column lineage of the marts: read from their SQL, and carried by every mart materialisation."""

import dagster as dg
import duckdb
import pytest

from pipelines import lineage
from pipelines.definitions import defs
from pipelines.lineage import LineageError
from tests.conftest import YEAR

# Columns the SQL fills with literals: the only mart columns without a source column, besides the
# year partition `aar` that warehouse.replace_year adds
CONSTANTS = {("mart_tiltak_risiko_aar", "kategori")}
MODELS = dg.AssetKey(["warehouse", "prosjekt_aar"])


def _table_columns(out, table: str) -> list[str]:
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("select column_name from information_schema.columns "
                                          "where table_name = ? order by ordinal_position", [table]).fetchall()]


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


@pytest.mark.parametrize("mart, column, expected", [
    ("mart_pulje_aar", "innvilga_kr", {"stg_tilskudd.innvilga_kr"}),
    # unspent is the ledger's payments and transfers against the accepted report's spending, never
    # what the municipality says it received
    ("mart_pulje_aar", "ubrukt_kr", {"stg_utbetalingar.beloep_kr", "stg_overforingar.beloep_kr",
                                     "stg_innsendingar.forbruk"}),
    ("mart_pulje_aar", "utbetalt_kr", {"stg_utbetalingar.beloep_kr"}),
    ("mart_tema_aar", "forbruk_kr", {"stg_innsendingar.forbruk"}),
    ("mart_prosjekt_aar", "prosjektleiar", {"stg_innsendingar.prosjektleder"}),
    ("mart_prosjekt_aar", "neste_aar_innvilga_kr", {"stg_tilskudd.innvilga_kr"}),
    ("mart_prosjekt_aar", "rapportstatus", {"stg_innsendingar.innsending_id", "stg_innsendingar.mottatt_dato",
                                            "stg_tilskudd.rapporteringsfrist", "core_innsendingar.prosjektnummer"}),
    ("mart_indikator_aar", "median_endring", {"stg_indikatorer.resultat", "stg_indikatorer.utgangspunkt"}),
    ("mart_indikator_serie", "verdi", {"stg_indikatorer.resultat"}),
    ("mart_indikator_serie", "maal", {"stg_indikatorer.maal", "stg_indikatorer.aar"}),  # the latest year's target
    ("mart_nettverk_aar", "nettverksleiar", {"ref_nettverk.nettverksleder"}),
    ("mart_kjeldefiler_aar", "sha256", {"core_filer.sha256"}),
    # a row count comes from the columns that decide which rows it counts
    ("mart_prosjekt_aar", "tiltak", {"stg_tiltak.aar", "stg_tiltak.prosjektnummer"}),
    ("mart_avvik_regel_aar", "tal", {"core_avvik.aar", "core_avvik.regel", "core_avvik.alvorsgrad"}),
    ("mart_tema_aar", "prosjekt", {"stg_prosjekt.tema"}),
])
def test_lineage_by_hand(mart, column, expected):
    assert {str(s) for s in lineage.mart_lineage(mart)[column]} == expected


def test_constants_and_counts_are_told_apart():
    traced = lineage.trace("select 'tiltak' as kategori, $aar as aar, count(*) as tal from core_avvik group by regel")
    assert {c: [str(s) for s in sources] for c, sources in traced.items()} == {
        "kategori": [], "aar": [], "tal": ["core_avvik.regel"]}


@pytest.mark.parametrize("sql", [
    "select count(*) as tal from core_avvik",  # nothing decides which rows: no source to name
    "select nope from stg_tiltak",  # sqlglot alone would place it in stg_tiltak
    "select t.nope from stg_tiltak t",
    "select * from nowhere",
])
def test_an_untraceable_column_is_a_clear_error(sql):
    with pytest.raises(LineageError, match="query"):
        lineage.trace(sql)


def test_mart_materialisations_carry_column_lineage(small_run):
    graph = defs.resolve_asset_graph()
    with dg.DagsterInstance.from_config(str(small_run / ".dagster")) as instance:
        for mart in lineage.mart_names():
            key = dg.AssetKey(["marts", mart])
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=[str(YEAR)]), limit=1).records
            assert records, mart
            metadata = records[0].asset_materialization.metadata
            deps = metadata["dagster/column_lineage"].value.deps_by_column
            schema = [c.name for c in metadata["dagster/column_schema"].value.columns]
            assert schema == _table_columns(small_run, mart), mart
            assert sorted(deps) == sorted(schema), mart  # the stored lineage comes back sorted by column
            upstream = graph.get_ancestor_asset_keys(key)
            assert all(d.asset_key in upstream for ds in deps.values() for d in ds), mart
            if mart == "mart_pulje_aar":
                assert deps["innvilga_kr"] == [dg.TableColumnDep(MODELS, "stg_tilskudd.innvilga_kr")]
                assert deps["aar"] == []
                assert "| innvilga_kr | `warehouse/prosjekt_aar` stg_tilskudd.innvilga_kr |" in \
                    metadata["kolonneopphav"].value
            if mart == "mart_nettverk_aar":  # one table per register asset: the column is not qualified
                assert deps["nettverksleiar"] == [dg.TableColumnDep(["register", "nettverk"], "nettverksleder")]
            if mart == "mart_avvik_regel_aar":
                assert dg.TableColumnDep(["reading", "validerte_innsendingar"], "core_avvik.regel") in deps["tal"]


def test_lineage_kept_on_disk_is_the_lineage_traced(tmp_path):
    """Each run reads the traced lineage from the output folder instead of tracing again."""
    traced = lineage.mart_lineage("mart_pulje_aar")
    assert lineage.mart_lineage("mart_pulje_aar", tmp_path) == traced
    (stored,) = tmp_path.glob("*/mart_pulje_aar.json")
    assert lineage.mart_lineage("mart_pulje_aar", tmp_path) == traced
    stored.write_text("[[\"innvilga_kr\", [[\"stg_x\"]]]]", encoding="utf-8")  # damaged: traced again
    assert lineage.mart_lineage("mart_pulje_aar", tmp_path) == traced
