"""The programme register: municipalities, networks, projects and grant letters."""


from pathlib import Path

import dagster as dg
import pandas as pd
import pandera.errors

from pipelines import warehouse
from pipelines import versions
from pipelines.resources import Settings
from schemas.register import REGISTER_SCHEMAS

OWNER = "team:sekretariatet"
FILES = {
    "kommuner": "Municipalities of the programme, with their number as valid 2012–2015, county and chosen "
                "language form (bokmål, nynorsk or neutral) — the form decides the language of each letter.",
    "nettverk": "The networks of both pools, with their themes and network leader (from the booklet's Vedlegg 2).",
    "prosjekt": "Every project: pool, network, themes, lead municipality and years active.",
    "prosjekt_kommuner": "Which municipalities take part in each project, and which one leads it.",
    "tilskudd": "Grant letters: the amount granted per project and year, the reporting deadline and the "
                "conditions. The amounts are sample data.",
}


def read_register(directory: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


def _register_asset(name: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["register", name],
        group_name="register",
        description=description,
        owners=[OWNER],
        kinds={"csv", "duckdb"},
        code_version=versions.register(),
        check_specs=[dg.AssetCheckSpec("pandera_modell", asset=["register", name], blocking=True,
                                       description=f"The register file {name}.csv follows its pandera model.")],
    )
    def _asset(settings: Settings) -> dg.MaterializeResult:
        df = read_register(Path(settings.register_dir), name)
        try:
            REGISTER_SCHEMAS[name].validate(df, lazy=True)
            check = dg.AssetCheckResult(passed=True)
        except pandera.errors.SchemaErrors as err:
            cases = err.failure_cases[["column", "check", "failure_case", "index"]].astype(str)
            check = dg.AssetCheckResult(passed=False, metadata={
                "feil": len(cases), "døme": dg.MetadataValue.md(cases.head(20).to_markdown(index=False))})
        with settings.connect() as con:
            rows = warehouse.replace_table(con, f"ref_{name}", df)
        return dg.MaterializeResult(
            metadata={"dagster/row_count": rows, "fil": str(Path(settings.register_dir) / f"{name}.csv"),
                      "førehandsvising": dg.MetadataValue.md(df.head(5).to_markdown(index=False))},
            check_results=[check],
        )

    return _asset


register_assets = [_register_asset(name, text) for name, text in FILES.items()]
