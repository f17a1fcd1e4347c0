"""What the Dagster UI shows auditors: tables of source rows, issues and checks as asset metadata.

A table is shown in the UI as table metadata (`MetadataValue.table`) with its column schema and
a description of each column in bokmål, and is written whole as a CSV file under `OUT/Y/sporing/`,
whose path the metadata names. Up to `SHOWN` rows go into the metadata (a year at scale 1 fits
whole); a larger table shows its first rows and says how many the CSV holds. Values are shown as
a reader expects them: numbers in Norwegian notation (never `1.816e+07`), lists joined, no `nan`.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import dagster as dg
import pandas as pd
from babel.numbers import format_decimal

from pipelines.paths import TEMPLATES_DIR

SHOWN = 5000


@cache
def _texts() -> dict:
    with open(TEMPLATES_DIR / "kolonner.toml", "rb") as f:
        return tomllib.load(f)


def column_texts() -> dict[str, str]:
    return _texts()["kolonner"]


def mart_text(mart: str) -> str:
    """What one row of a mart is, in bokmål."""
    return _texts()["marter"][mart]


def check_text(check: str) -> str:
    """What a mart check (`sql/checks/<check>.sql`) compares, in bokmål."""
    return _texts()["sjekker"][check]


def cell(value) -> str | int | bool | None:
    """One value as the UI table shows it."""
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy scalars and arrays (DuckDB lists)
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in map(cell, value) if v is not None)
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, (float, Decimal)):
        number = Decimal(str(value))
        if number == number.to_integral_value():
            return format_decimal(int(number), locale="nb_NO")
        return format_decimal(number, format="#,##0.##", locale="nb_NO")
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat() if value == pd.Timestamp(value).normalize() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    return "string"


def schema(df: pd.DataFrame, texts: dict[str, str] | None = None) -> dg.TableSchema:
    texts = {**column_texts(), **(texts or {})}
    return dg.TableSchema(columns=[dg.TableColumn(c, _kind(df[c]), description=texts.get(c)) for c in df.columns])


def table(df: pd.DataFrame, texts: dict[str, str] | None = None, limit: int = SHOWN) -> dg.MetadataValue:
    shown = df.head(limit)
    integer = {c for c in shown.columns if _kind(shown[c]) == "int"}
    records = [
        dg.TableRecord(
            {
                c: (int(v) if c in integer and not pd.isna(v) else cell(v)) if v is not None else None
                for c, v in row.items()
            }
        )
        for row in shown.astype(object).where(shown.notna(), None).to_dict("records")
    ]
    return dg.MetadataValue.table(records=records, schema=schema(df, texts))


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """The whole table, for a spreadsheet or for years too large for the UI."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    df = df.copy()
    for column in df.columns:  # a row number with gaps is still a whole number: 4, not 4.0
        values = df[column]
        if pd.api.types.is_float_dtype(values) and values.dropna().map(float.is_integer).all():
            df[column] = values.astype("Int64")
    df.to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(path)
    return path


def traced(name: str, df: pd.DataFrame, path: Path, texts: dict[str, str] | None = None, limit: int = SHOWN) -> dict:
    """Metadata entries for one table: the table itself (whole, or its first `limit` rows), the CSV
    file `path` holding all of it, and how many rows there are."""
    write_csv(df, path)
    entries = {name: table(df, texts, limit), f"{name}_fil": dg.MetadataValue.path(str(path)), f"{name}_rader": len(df)}
    if len(df) > limit:
        entries[f"{name}_merknad"] = f"Tabellen viser de første {limit} av {len(df)} radene; alle står i {path.name}."
    return entries


def fingerprint(key: dg.AssetKey, year: int, *frames: pd.DataFrame) -> dg.DataVersion:
    """A hash of what an asset wrote for a year: the same rows give the same data version. The asset and the
    year are hashed too, so two tables that are both empty (no high risks in 2012 nor in 2013) differ."""
    h = hashlib.sha256(f"{key.to_user_string()}|{year}".encode())
    for df in frames:
        h.update(",".join(map(str, df.columns)).encode())
        h.update(pd.util.hash_pandas_object(df.astype(str), index=False).values.tobytes())
    return dg.DataVersion(h.hexdigest()[:16])
