"""The warehouse's models: staging views, then one mart asset per file in sql/marts/.

Each mart depends on the assets that write the tables its SQL reads (directly or through the views,
read with sqlglot), so the graph follows the data.
"""

import dagster as dg

from pipelines import lineage, sporing, versions, warehouse
from pipelines.assets import register
from pipelines.assets.ingest import TABLE_ASSETS, VALIDATED
from pipelines.partitions import year_check, years
from pipelines.resources import Settings

OWNER = "team:sekretariatet"
REGISTER = [dg.AssetKey(["register", n]) for n in register.FILES]
MODELS = dg.AssetKey(["warehouse", "prosjekt_aar"])
# the marts that read earlier years too (`aar <= $aar`): their year depends on every earlier year
CROSS_YEAR = {name for name in lineage.mart_names() if lineage.reads_earlier_years(f"marts/{name}")}
LANDING = dg.AssetKey(["landing", "innkomne_filer"])
UP_TO = dg.StaticPartitionMapping(
    {y: [later for later in years.get_partition_keys() if later >= y] for y in years.get_partition_keys()}
)


def _written_by(table: str) -> tuple[dg.AssetKey, bool]:
    """The asset that writes a table or view, and whether it writes several (then a column is
    named `table.column` there)."""
    if table.startswith(("stg_", "int_", "lin_")):
        return MODELS, True
    if table in TABLE_ASSETS:
        return TABLE_ASSETS[table][0], False
    if table in ("core_innsendinger", "core_filer", "core_avvik"):
        return VALIDATED, True
    if table in ("raw_filer", "raw_filhistorikk"):
        return LANDING, True
    if table.startswith("raw_"):
        return dg.AssetKey(["reading", "innsendinger"]), True
    if table in lineage.mart_names():
        return dg.AssetKey(["marts", table]), False
    if dg.AssetKey(["register", table.removeprefix("ref_")]) in REGISTER:
        return dg.AssetKey(["register", table.removeprefix("ref_")]), False
    raise lineage.LineageError(f"no asset is known to write `{table}`: add it to marts._written_by")


def asset_deps(tables, cross_year: bool = False) -> list[dg.AssetDep]:
    keys = sorted({_written_by(t)[0] for t in tables}, key=lambda k: k.path)
    return [
        dg.AssetDep(k, partition_mapping=UP_TO) if cross_year and k.path[0] != "register" else dg.AssetDep(k)
        for k in keys
    ]


MODEL_TABLES = frozenset().union(
    *(
        lineage.base_tables(p.stem)
        for layer in ("staging", "intermediate", "lineage")
        for p in warehouse.sql_files(layer)
    )
)


@dg.asset(
    key=MODELS,
    group_name="warehouse",
    partitions_def=years,
    deps=asset_deps(
        MODEL_TABLES - {p.stem for layer in ("staging", "intermediate", "lineage") for p in warehouse.sql_files(layer)}
    ),
    owners=[OWNER],
    kinds={"duckdb", "sql"},
    code_version=versions.models(),
    description=(
        "Lagerets modeller over de validerte tabellene og registeret: staging-visningene (`stg_*`: hvert prosjekts "
        "gjeldende innsending, registeret med typer), `int_prosjekt_aar` (ett prosjekt i ett aktivt år, med "
        "rapportens status: i tide, for sent, mangler, avvist) og sporingsvisningene `lin_kilderader` og "
        "`lin_mart_kilder`: hvilken fil, hvilket ark, hvilken rad og hvilken verdi hver rad i hver mart bygger på."
    ),
)
def prosjekt_aar(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    with settings.connect() as con:
        views = warehouse.create_views(con)
        df = con.execute("select * from int_prosjekt_aar where aar = ?", [year]).df()
    status = df["rapportstatus"].value_counts().to_dict()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(df),
            "modeller": ", ".join(views),
            **{f"rapporter_{k}": v for k, v in status.items()},
            "prosjekt_aar": sporing.table(
                df[
                    [
                        "prosjektnummer",
                        "prosjektnavn",
                        "pulje",
                        "nettverk_id",
                        "rapportstatus",
                        "innvilget_kr",
                        "filnavn",
                    ]
                ]
            ),
        },
        data_version=sporing.fingerprint(MODELS, year, df),
    )


def _checks(name: str) -> dict:
    """Checks of a mart live beside it in sql/checks/<mart>__<check>.sql; they block the reports."""
    return {p.stem.split("__", 1)[1]: p for p in warehouse.sql_files("checks") if p.stem.startswith(f"{name}__")}


def _mart_asset(path) -> dg.AssetsDefinition:
    name = path.stem
    checks = _checks(name)

    @dg.asset(
        key=["marts", name],
        group_name="marts",
        partitions_def=years,
        # its metadata lists the source rows from the lineage views, which the models asset creates
        deps=asset_deps(lineage.mart_reads(name) | {"lin_mart_kilder"}, cross_year=name in CROSS_YEAR),
        owners=[OWNER],
        kinds={"duckdb", "sql"},
        code_version=versions.mart(path),
        description=f"Mart `{name}`, én rad er {sporing.mart_text(name)}. Bygget av `sql/marts/{path.name}`; "
        "metadataene viser radene, hvor hver kolonne kommer fra (`kolonneopphav`) og kilderadene bak "
        "hver rad (`kilderader`: fil, SHA-256, ark, rad, felt og verdi).",
        check_specs=[year_check(check, ["marts", name], sporing.check_text(p.stem)) for check, p in checks.items()],
    )
    def _asset(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
        year = int(context.partition_key)
        with settings.connect() as con:
            rows = warehouse.build_mart(con, path, year)
            content = warehouse.read_year(con, name, year)
            columns = con.execute(
                "select column_name, data_type from information_schema.columns where table_name = ? "
                "order by ordinal_position",
                [name],
            ).fetchall()
            results = [_run_check(con, check, p, year) for check, p in checks.items()]
            sources = warehouse.query(con, "sporing/mart_kilder", year, mart=name)
        traced = lineage.mart_lineage(name, settings.cache_dir / "lineage")
        origins = _column_origins(name, [c for c, _ in columns], traced)
        texts = sporing.column_texts()
        return dg.MaterializeResult(
            check_results=results,
            data_version=sporing.fingerprint(context.asset_key, year, content),
            metadata={
                "dagster/row_count": rows,
                "dagster/column_schema": dg.TableSchema(
                    columns=[dg.TableColumn(c, t, description=texts.get(c)) for c, t in columns]
                ),
                "dagster/column_lineage": dg.TableColumnLineage(
                    deps_by_column={
                        column: [dg.TableColumnDep(key, col) for key, col in deps] for column, deps in origins.items()
                    }
                ),
                # Dagster's open-source UI hides `dagster/column_lineage` (its graph is a Dagster+ feature),
                # so the same lineage is also shown as a table the auditors can read.
                "kolonneopphav": _origins_md(origins, traced),
                "sql": f"sql/marts/{path.name}",
                "radnokkel": ", ".join(lineage.MART_KEYS[name]),
                # every row of the mart with the source values behind it: file, SHA-256, sheet, row, field, value
                **sporing.traced("kilderader", sources, settings.year_dir(year) / "sporing" / f"{name}.csv"),
                "innhold": sporing.table(content.drop(columns=["aar"], errors="ignore")),
            },
        )

    return _asset


def _column_origins(name: str, columns: list[str], traced: dict) -> dict[str, list[tuple[dg.AssetKey, str]]]:
    """Each column of the mart's table with the (asset, column) pairs its values come from."""
    # `aar` is the partition, added by warehouse.replace_year when the SQL does not select it
    unknown = sorted(set(columns) - set(traced) - {"aar"}) + sorted(set(traced) - set(columns))
    if unknown:
        raise lineage.LineageError(
            f"{name}: the table's columns and the lineage read from sql/marts/{name}.sql differ in {', '.join(unknown)}"
        )
    origins = {}
    for column in columns:
        origins[column] = []
        for source in traced.get(column, ()):
            key, several = _written_by(source.table)
            origins[column].append((key, str(source) if several else source.column))
    return origins


def _origins_md(origins: dict, traced: dict) -> dg.MetadataValue:
    rows = ["| kolonne | kommer fra |", "| --- | --- |"]
    for column, deps in origins.items():
        if deps:
            text = "; ".join(f"`{key.to_user_string()}` {col}" for key, col in deps)
        else:
            text = "konstant i SQL-en" if column in traced else "året (partisjonen)"
        rows.append(f"| {column} | {text} |")
    return dg.MetadataValue.md("\n".join(rows))


def _run_check(con, check: str, path, year: int) -> dg.AssetCheckResult:
    """A check's SQL gives one row per figure compared; `ok` on every row decides, and the rows are
    shown as they are, so the UI says what was compared with what."""
    df = warehouse.query(con, f"checks/{path.stem}", year)
    passed = bool(len(df)) and bool(df["ok"].fillna(False).all())
    return dg.AssetCheckResult(
        check_name=check,
        passed=passed,
        metadata={
            "tall_sammenlignet": len(df),
            "avvik": int((~df["ok"].fillna(False)).sum()),
            "sql": f"sql/checks/{path.name}",
            "sammenligning": sporing.table(df.rename(columns={"ok": "stemmer"})),
        },
    )


mart_assets = [_mart_asset(p) for p in warehouse.sql_files("marts")]
