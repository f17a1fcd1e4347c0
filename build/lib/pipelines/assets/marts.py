"""The warehouse's models: staging views, then one mart asset per file in sql/marts/."""


import re

import dagster as dg

from pipelines import lineage, warehouse
from pipelines.assets.ingest import VALIDATED
from pipelines.partitions import years
from pipelines import versions
from pipelines.resources import Settings

OWNER = "team:sekretariatet"
REGISTER = [dg.AssetKey(["register", n]) for n in ("kommuner", "nettverk", "prosjekt", "prosjekt_kommuner",
                                                    "tilskudd")]
MODELS = dg.AssetKey(["warehouse", "prosjekt_aar"])


@dg.asset(
    key=MODELS,
    group_name="warehouse",
    partitions_def=years,
    deps=[VALIDATED, *REGISTER],
    owners=[OWNER],
    kinds={"duckdb", "sql"},
    code_version=versions.models(),
    description=(
        "The warehouse's models over the validated tables and the register: staging views (`stg_*`: the "
        "current submission of each project, typed register), `int_prosjekt_aar`, one row per project "
        "and active year with the report's status (on time, late, missing, rejected), and the lineage views "
        "`lin_kjelderader` and `lin_mart_kjelder`: which file, sheet and row fed each row of every mart."
    ),
)
def prosjekt_aar(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    with settings.connect() as con:
        views = warehouse.create_views(con)
        df = con.execute("select * from int_prosjekt_aar where aar = ?", [year]).df()
    status = df["rapportstatus"].value_counts().to_dict()
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(df), "modellar": ", ".join(views), **{f"rapportar_{k}": v for k, v in status.items()},
    })


def _grain(path) -> str:
    first = path.read_text().splitlines()[0]
    return re.sub(r"^--\s*", "", first)


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
        deps=[MODELS],
        owners=[OWNER],
        kinds={"duckdb", "sql"},
        code_version=versions.mart(path),
        description=f"{_grain(path)}. Built by `sql/marts/{path.name}`; table `{name}` in the warehouse.",
        check_specs=[dg.AssetCheckSpec(check, asset=["marts", name], blocking=True, description=_grain(p))
                     for check, p in checks.items()],
    )
    def _asset(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
        year = int(context.partition_key)
        with settings.connect() as con:
            rows = warehouse.build_mart(con, path, year)
            preview = warehouse.read_year(con, name, year).head(10)
            columns = con.execute(
                "select column_name, data_type from information_schema.columns where table_name = ? "
                "order by ordinal_position", [name]).fetchall()
            results = [_run_check(con, check, p, year) for check, p in checks.items()]
        traced = lineage.mart_lineage(name, settings.cache_dir / "lineage")
        origins = _column_origins(name, [c for c, _ in columns], traced)
        return dg.MaterializeResult(check_results=results, metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(c, t) for c, t in columns]),
            "dagster/column_lineage": dg.TableColumnLineage(deps_by_column={
                column: [dg.TableColumnDep(key, col) for key, col in deps] for column, deps in origins.items()}),
            # Dagster's open-source UI hides `dagster/column_lineage` (its graph is a Dagster+ feature),
            # so the same lineage is also shown as a table the auditors can read.
            "kolonneopphav": _origins_md(origins, traced),
            "sql": f"sql/marts/{path.name}",
            "kjelderader": f"select * from lin_mart_kjelder where mart = '{name}' and aar = {year}",
            "førehandsvising": dg.MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "_tom_"),
        })

    return _asset


def _written_by(table: str) -> tuple[dg.AssetKey, bool]:
    """The asset that writes a table or view, and whether it writes several (then a column is
    named `table.column` there)."""
    if table.startswith(("stg_", "int_", "lin_")):
        return MODELS, True
    if table.startswith("core_"):
        return VALIDATED, True
    if dg.AssetKey(["register", table.removeprefix("ref_")]) in REGISTER:
        return dg.AssetKey(["register", table.removeprefix("ref_")]), False
    raise lineage.LineageError(f"no asset is known to write `{table}`: add it to marts._written_by")


def _column_origins(name: str, columns: list[str],
                    traced: dict) -> dict[str, list[tuple[dg.AssetKey, str]]]:
    """Each column of the mart's table with the (asset, column) pairs its values come from."""
    # `aar` is the partition, added by warehouse.replace_year when the SQL does not select it
    unknown = sorted(set(columns) - set(traced) - {"aar"}) + sorted(set(traced) - set(columns))
    if unknown:
        raise lineage.LineageError(f"{name}: the table's columns and the lineage read from "
                                   f"sql/marts/{name}.sql differ in {', '.join(unknown)}")
    origins = {}
    for column in columns:
        origins[column] = []
        for source in traced.get(column, ()):
            key, several = _written_by(source.table)
            origins[column].append((key, str(source) if several else source.column))
    return origins


def _origins_md(origins: dict, traced: dict) -> dg.MetadataValue:
    rows = ["| kolonne | kjem frå |", "| --- | --- |"]
    for column, deps in origins.items():
        if deps:
            text = "; ".join(f"`{key.to_user_string()}` {col}" for key, col in deps)
        else:
            text = "konstant i SQL-en" if column in traced else "året (partisjonen)"
        rows.append(f"| {column} | {text} |")
    return dg.MetadataValue.md("\n".join(rows))


def _run_check(con, check: str, path, year: int) -> dg.AssetCheckResult:
    row = warehouse.query(con, f"checks/{path.stem}", year).iloc[0].to_dict()
    passed = bool(row.pop("ok"))
    return dg.AssetCheckResult(check_name=check, passed=passed,
                               metadata={k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})


mart_assets = [_mart_asset(p) for p in warehouse.sql_files("marts")]
