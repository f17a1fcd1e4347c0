"""The DuckDB warehouse: one file, written one year-partition at a time.

Writes are idempotent: a year's rows are deleted and inserted again in one
transaction, from a DataFrame (bulk, never row by row). SQL lives in `sql/`:
staging views over the validated tables, and marts rebuilt per year.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.paths import SQL_DIR


class WarehouseDamaged(Exception):
    """The DuckDB file cannot be read: say so, and how to get the last good one back."""


def backup_path(path: Path) -> Path:
    """The copy of the warehouse as the last successful run left it."""
    return path.with_name(path.name + ".siste-gode")


def damaged_message(path: Path, exc: Exception) -> str:
    cause = str(exc).strip().splitlines()[0][:160]
    backup = backup_path(path)
    if backup.exists():
        how = (
            f"Hent den siste gode kopien: cp {backup} {path}  (og kjør årene som er kjørt etter den, på nytt), "
            f"eller slett {path} og kjør alle årene på nytt."
        )
    else:
        how = f"Slett {path} og kjør alle årene på nytt; arkivet og innboksen har alt som trengs."
    return f"Lageret {path} er skadet og kan ikke leses ({cause}).\n{how}"


def is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "could not set lock" in text or "conflicting lock" in text


@contextmanager
def connect(path: Path, read_only: bool = False):
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        if is_lock_error(exc) or not path.exists():
            raise
        raise WarehouseDamaged(damaged_message(path, exc)) from exc
    try:
        yield con
    finally:
        con.close()


def check_integrity(path: Path) -> None:
    """Read every table of the warehouse once, before a run writes anything: a damaged file (a bad
    block fails DuckDB's checksum) stops the run while the file is still as it was."""
    if not path.exists():
        return
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = [
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
                ).fetchall()
            ]
            for table in tables:
                con.execute(f'select count(hash(t)) from "{table}" as t').fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        if is_lock_error(exc):
            raise
        raise WarehouseDamaged(damaged_message(path, exc)) from exc


def backup(path: Path) -> Path:
    """Keep a copy of the warehouse after a successful run (written beside it, then renamed into place)."""
    import os
    import shutil

    target = backup_path(path)
    tmp = target.with_name(target.name + ".tmp")
    with path.open("rb") as src, tmp.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())
    try:
        check_integrity(tmp)  # a copy taken while another process wrote is not a good one: keep the old
    except (WarehouseDamaged, duckdb.Error):
        tmp.unlink(missing_ok=True)
        return target
    os.replace(tmp, target)
    return target


def _exists(con, table: str) -> bool:
    return bool(
        con.execute("select count(*) from information_schema.tables where table_name = ?", [table]).fetchone()[0]
    )


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
    return replace_year_tables(con, year, {table: df})[table]


def replace_year_tables(con, year: int, frames: dict[str, pd.DataFrame], before=None) -> dict[str, int]:
    """Several tables' rows of one year replaced in ONE transaction: a reader, or a run killed half-way,
    sees either the year as it was or the year as it is now, never core_filer new and core_avvik old.

    `before(con)`, when given, runs first inside the same transaction (e.g. forgetting what was read
    from an archive file that had to be repaired).
    """
    counts = {}
    con.execute("begin")
    try:
        if before is not None:
            before(con)
        for table, df in frames.items():
            counts[table] = _replace(con, table, year, df)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def _replace(con, table: str, year: int, df: pd.DataFrame) -> int:
    df = df.copy()
    if "aar" not in df.columns:
        df.insert(0, "aar", year)
    con.register("_frame", df)
    try:
        if not _exists(con, table):
            _create_like_frame(con, table, {})
        elif _columns(con, table) != list(df.columns):
            _reshape(con, table, df)
        con.execute(f'delete from "{table}" where aar = ?', [year])
        con.execute(f'insert into "{table}" by name select * from _frame')
    finally:
        con.unregister("_frame")
    return len(df)


def _columns(con, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_name = ? order by ordinal_position", [table]
        ).fetchall()
    ]


def _reshape(con, table: str, df: pd.DataFrame) -> None:
    """The code now writes other columns (a new version): rebuild the table in the new shape.

    Other years keep their rows in the columns both shapes share; columns the
    new shape adds are empty for them until their year is run again.
    """
    shared = [c for c in _columns(con, table) if c in df.columns]
    _create_like_frame(
        con,
        "_reshaped",
        dict(
            con.execute(
                "select column_name, data_type from information_schema.columns where table_name = ?", [table]
            ).fetchall()
        ),
    )
    if shared:
        names = ", ".join(f'"{c}"' for c in shared)
        con.execute(f'insert into "_reshaped" ({names}) select {names} from "{table}"')
    con.execute(f'drop table "{table}"')
    con.execute(f'alter table "_reshaped" rename to "{table}"')


def register_fingerprint(con) -> str:
    """A fingerprint of every register table (`ref_*`), row order aside: what the reports read besides files."""
    h = hashlib.sha256()
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_name like 'ref\\_%' escape '\\' "
            "order by table_name"
        ).fetchall()
    ]
    for table in tables:
        h.update(table.encode())
        for row in sorted(repr(r) for r in con.execute(f'select * from "{table}"').fetchall()):
            h.update(row.encode())
    return h.hexdigest()


def _create_like_frame(con, table: str, types: dict[str, str]) -> None:
    """A table with the frame's columns: a column the table had keeps its type, and a column the frame
    holds only empty values in is text, not DuckDB's NULL type (which no later value could be cast to)."""
    columns = []
    for name, kind, *_ in con.execute("describe select * from _frame").fetchall():
        kind = types.get(name) or ("VARCHAR" if kind.strip('"') == "NULL" else kind)
        columns.append(f'"{name}" {kind}')
    con.execute(f'create table "{table}" ({", ".join(columns)})')


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


def query(con, name: str, year: int, **params) -> pd.DataFrame:
    """The rows of `sql/<name>.sql` for a year (the query names the year `$aar`, and any other
    parameter `$name`)."""
    return _execute(con, SQL_DIR / f"{name}.sql", year, params).df()


def scalar(con, name: str, year: int):
    """The one value of a one-row, one-column query `sql/<name>.sql`."""
    return _execute(con, SQL_DIR / f"{name}.sql", year).fetchone()[0]


def _execute(con, path: Path, year: int, params: dict | None = None):
    text = path.read_text()
    return con.execute(text, {**({"aar": year} if "$aar" in text else {}), **(params or {})})


def build_mart(con, path: Path, year: int) -> int:
    """A mart is a SELECT over the views with `$aar` for the year; its rows replace that year's."""
    return replace_year(con, path.stem, year, _execute(con, path, year).df())
