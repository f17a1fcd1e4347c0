"""The DuckDB warehouse: one file, written one year-partition at a time.

Writes are idempotent: a year's rows are deleted and inserted again in one
transaction, from a DataFrame (bulk, never row by row). SQL lives in `sql/`:
staging views over the validated tables, and marts rebuilt per year.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.paths import SQL_DIR



@contextmanager
def connect(path: Path, read_only: bool = False):
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _exists(con, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [table]).fetchone()[0])


def replace_table(con, table: str, df: pd.DataFrame) -> int:
    """Unpartitioned tables (the register): replaced whole."""
    con.register("_frame", df)
    con.execute(f'create or replace table "{table}" as select * from _frame')
    con.unregister("_frame")
    return len(df)


def replace_year(con, table: str, year: int, df: pd.DataFrame) -> int:
    """Year-partitioned tables: delete the year's rows, insert the new ones.

    The first write fixes the table's columns from the frame; later frames
    are matched by column name, so an empty year still writes cleanly.
    """
    df = df.copy()
    if "aar" not in df.columns:
        df.insert(0, "aar", year)
    con.register("_frame", df)
    try:
        con.execute("begin")
        if not _exists(con, table):
            con.execute(f'create table "{table}" as select * from _frame limit 0')
        elif _columns(con, table) != list(df.columns):
            _reshape(con, table, df)
        con.execute(f'delete from "{table}" where aar = ?', [year])
        con.execute(f'insert into "{table}" by name select * from _frame')
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_frame")
    return len(df)


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
        [table]).fetchall()]


def _reshape(con, table: str, df: pd.DataFrame) -> None:
    """The code now writes other columns (a new version): rebuild the table in the new shape.

    Other years keep their rows in the columns both shapes share; columns the
    new shape adds are empty for them until their year is run again.
    """
    shared = [c for c in _columns(con, table) if c in df.columns]
    con.execute('create table "_reshaped" as select * from _frame limit 0')
    if shared:
        names = ", ".join(f'"{c}"' for c in shared)
        con.execute(f'insert into "_reshaped" ({names}) select {names} from "{table}"')
    con.execute(f'drop table "{table}"')
    con.execute(f'alter table "_reshaped" rename to "{table}"')


def read_year(con, table: str, year: int) -> pd.DataFrame:
    return con.execute(f'select * from "{table}" where aar = ?', [year]).df()


def create_core_tables(con) -> None:
    for path in sql_files("core"):
        con.execute(path.read_text())


def sql_files(layer: str) -> list[Path]:
    return sorted((SQL_DIR / layer).glob("*.sql"))


def create_views(con) -> list[str]:
    """Staging, intermediate and lineage models are views: always current, no copies."""
    names = []
    for layer in ("staging", "intermediate", "lineage"):
        for path in sql_files(layer):
            con.execute(f'create or replace view "{path.stem}" as {path.read_text()}')
            names.append(path.stem)
    return names


def query(con, name: str, year: int) -> pd.DataFrame:
    """The rows of `sql/<name>.sql` for a year (the query names the year `$aar`)."""
    return _execute(con, SQL_DIR / f"{name}.sql", year).df()


def scalar(con, name: str, year: int):
    """The one value of a one-row, one-column query `sql/<name>.sql`."""
    return _execute(con, SQL_DIR / f"{name}.sql", year).fetchone()[0]


def _execute(con, path: Path, year: int):
    text = path.read_text()
    return con.execute(text, {"aar": year} if "$aar" in text else {})


def build_mart(con, path: Path, year: int) -> int:
    """A mart is a SELECT over the views with `$aar` for the year; its rows replace that year's."""
    return replace_year(con, path.stem, year, _execute(con, path, year).df())
