"""Column lineage of the marts, read from their SQL with sqlglot.

For each column of a mart: the columns of the staging views (`stg_*`), and of the
core and register tables a mart reads directly, that its values come from. The
intermediate views are traced through; staging views are where tracing stops,
since each of them reads one core or register table under the same names.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlglot
import sqlglot.errors
from sqlglot import exp
from sqlglot.lineage import Node, lineage
from sqlglot.optimizer.qualify import qualify

from pipelines import versions, warehouse
from schemas.register import DERIVED_COLUMNS, REGISTER_SCHEMAS

DIALECT = "duckdb"
TRACED_THROUGH = ("intermediate",)


class LineageError(ValueError):
    """A mart column whose values cannot be traced to a table or view column."""


@dataclass(frozen=True, order=True)
class Source:
    table: str
    column: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column}"


def mart_names() -> list[str]:
    return [p.stem for p in warehouse.sql_files("marts")]


def mart_lineage(mart: str, cache_dir: Path | None = None) -> dict[str, tuple[Source, ...]]:
    """Each output column of `sql/marts/<mart>.sql`, in order, with the columns it comes from.

    An empty tuple means a constant (only literals or `$aar`). Tracing all marts
    takes seconds, which every run would pay again, so with ``cache_dir`` the
    result is kept on disk under the mart's version (which covers its SQL, the views it
    reads and this module) and sqlglot's version.
    """
    if cache_dir is None:
        return _traced_mart(mart)
    version = versions.mart(warehouse.SQL_DIR / "marts" / f"{mart}.sql")
    path = Path(cache_dir) / f"{version}-sqlglot-{sqlglot.__version__}" / f"{mart}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return {column: tuple(Source(*s) for s in sources) for column, sources in stored}
    except (OSError, ValueError, TypeError):
        pass
    traced = _traced_mart(mart)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps([[c, [[s.table, s.column] for s in sources]] for c, sources in traced.items()]), encoding="utf-8"
    )
    os.replace(tmp, path)
    return traced


@cache
def _traced_mart(mart: str) -> dict[str, tuple[Source, ...]]:
    return trace((warehouse.SQL_DIR / "marts" / f"{mart}.sql").read_text(), f"sql/marts/{mart}.sql")


def trace(sql: str, name: str = "query") -> dict[str, tuple[Source, ...]]:
    """The lineage of each output column of a SELECT over the warehouse's tables and views."""
    try:
        tree = _count_by_deciding_columns(sqlglot.parse_one(sql, dialect=DIALECT))
        nodes = lineage(None, tree, schema=_schema(), sources=_traced_views(), dialect=DIALECT)
    except sqlglot.errors.SqlglotError as err:
        raise LineageError(f"{name}: {err}") from err
    return {column: _sources(name, column, node) for column, node in nodes.items()}


def _sources(name: str, column: str, node: Node) -> tuple[Source, ...]:
    found, untraced = set(), []
    for n in node.walk():
        if n.downstream:
            continue
        if isinstance(n.expression, exp.Table):
            source = Source(n.expression.name, n.name.split(".")[-1])
            if source.column not in _schema().get(source.table, {}):
                # sqlglot places an unknown unqualified name in the only table in scope, unchecked
                untraced.append(f"{source} (no such table or column)")
            found.add(source)
        elif not _is_literal(n.expression):
            untraced.append(n.expression.sql(DIALECT))
    if untraced:
        raise LineageError(f"{name}: column {column}: cannot trace {'; '.join(untraced)} to a table or view column")
    return tuple(sorted(found))


def _is_literal(expression: exp.Expr) -> bool:
    value = expression.unalias() if isinstance(expression, exp.Alias) else expression
    # `$aar` (a named placeholder) is one year within a run, as constant as a literal; sqlglot
    # leaves a nameless placeholder where it could not resolve a column
    return not any(
        isinstance(e, (exp.Column, exp.Star, exp.AggFunc)) or (isinstance(e, exp.Placeholder) and not e.name)
        for e in value.walk()
    )


def _count_by_deciding_columns(tree: exp.Expr) -> exp.Expr:
    """Give each bare `count(*)` the columns that decide which rows it counts.

    A row count reads no column, so sqlglot finds no source for it. Its sources are
    the columns its own select filters and groups by (`where`, `group by`), and the
    columns of a `select distinct` it counts, which define those rows. Outer columns
    of a correlated subquery are left out: they are the row being counted for.
    The rewritten tree is only traced, never run.
    """
    ctes = {cte.alias: cte.this for cte in tree.find_all(exp.CTE)}
    for count in list(tree.find_all(exp.Count)):
        select = count.find_ancestor(exp.Select)
        if not isinstance(count.this, exp.Star) or select is None:
            continue
        selected = count
        while selected.parent is not select:
            selected = selected.parent
        if any(selected.find_all(exp.Column)):  # count(*) filter (where …) is traced by its filter
            continue
        source = select.args.get("from_")
        relations = [source.this, *(j.this for j in select.args.get("joins") or [])] if source else []
        local = {r.alias_or_name for r in relations}
        deciding = []
        group = select.args.get("group")
        for key in group.expressions if group else []:
            if isinstance(key, exp.Literal) and key.is_int:  # group by 2
                key = select.expressions[int(key.this) - 1].unalias()
            deciding += _own_columns(key, select)
        if select.args.get("where"):
            deciding += [c for c in _own_columns(select.args["where"], select) if not c.table or c.table in local]
        for r in relations:
            defined = ctes.get(r.name) if isinstance(r, exp.Table) else None
            if isinstance(defined, exp.Select) and defined.args.get("distinct"):
                deciding += [exp.column(name, table=r.alias_or_name) for name in defined.named_selects]
        if deciding:  # else left as count(*), which _sources reports as untraceable
            count.set("this", exp.Anonymous(this="rader", expressions=deciding))
    return tree


def _own_columns(expression: exp.Expr, select: exp.Select) -> list[exp.Column]:
    """The columns of an expression that belong to this select, not to a subquery inside it."""
    return [c.copy() for c in expression.find_all(exp.Column) if c.find_ancestor(exp.Select) is select]


@cache
def _traced_views() -> dict[str, str]:
    return {p.stem: p.read_text() for layer in TRACED_THROUGH for p in warehouse.sql_files(layer)}


@cache
def _schema() -> dict[str, dict[str, str]]:
    """Columns of every table and view a mart can read: declared core tables, the register as its
    pandera models read it, and the views' output columns, layer by layer."""
    schema: dict[str, dict[str, str]] = {}
    for path in warehouse.sql_files("core"):
        for statement in sqlglot.parse(path.read_text(), dialect=DIALECT):
            if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
                schema[statement.this.this.name] = {
                    c.name: c.args["kind"].sql(DIALECT)
                    for c in statement.this.expressions
                    if isinstance(c, exp.ColumnDef)
                }
    for name, model in REGISTER_SCHEMAS.items():
        schema[f"ref_{name}"] = {column: "VARCHAR" for column in (*model.columns, *DERIVED_COLUMNS.get(name, ()))}
    for layer in ("staging", *TRACED_THROUGH):
        for path in warehouse.sql_files(layer):
            view = qualify(sqlglot.parse_one(path.read_text(), dialect=DIALECT), schema=schema, dialect=DIALECT)
            schema[path.stem] = {column: "UNKNOWN" for column in view.named_selects}
    return schema


# --- row lineage: which rows of the sources fed which row of a mart ------------------------------

# The columns that identify a row of each mart; `lin_mart_kilder.nokkel` is them joined by '/'.
# Every file in sql/marts/ has an entry (tests/test_lineage.py proves it, and that every row of
# every mart has source rows).
MART_KEYS: dict[str, tuple[str, ...]] = {
    "mart_avvik_regel_aar": ("regel", "alvorsgrad"),
    "mart_hoye_risikoer": ("prosjektnummer", "rad"),
    "mart_indikator_aar": ("indikator",),
    "mart_indikator_serie": ("prosjektnummer", "indikator", "verdiaar"),
    "mart_kildefiler_aar": ("filnavn",),
    "mart_nettverk_aar": ("pulje", "nettverk_id"),
    "mart_prosjekt_aar": ("prosjektnummer",),
    "mart_pulje_aar": ("pulje",),
    "mart_tema_aar": ("tema",),
    "mart_tiltak_risiko_aar": ("kategori", "verdi"),
}


def row_key(values) -> str:
    """A mart row's key as `lin_mart_kilder.nokkel` writes it."""
    return "/".join("" if v is None or (isinstance(v, float) and v != v) else str(v) for v in values)


# --- which tables a query reads: the asset graph follows the SQL -------------------------------------


@cache
def _view_sql() -> dict[str, str]:
    return {
        p.stem: p.read_text() for layer in ("staging", "intermediate", "lineage") for p in warehouse.sql_files(layer)
    }


def tables_read(sql: str) -> set[str]:
    """The tables and views a query names (not its own CTEs)."""
    tree = sqlglot.parse_one(sql, dialect=DIALECT)
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}


@cache
def base_tables(name: str) -> frozenset[str]:
    """A table, or for a view every table and view it reads, down to the stored tables."""
    if name not in _view_sql():
        return frozenset({name})
    found = {name}
    for table in tables_read(_view_sql()[name]):
        found |= base_tables(table)
    return frozenset(found)


def reads(query: str) -> frozenset[str]:
    """Every table and view `sql/<query>.sql` reads, directly or through the views."""
    sql = (warehouse.SQL_DIR / f"{query}.sql").read_text()
    return frozenset().union(*(base_tables(t) for t in tables_read(sql)))


def mart_reads(mart: str) -> frozenset[str]:
    return reads(f"marts/{mart}")


def reads_earlier_years(query: str) -> bool:
    """Whether `sql/<query>.sql` reads the years before the run's too: it compares `aar` with `$aar` by
    `<=` or `<` (a year's own rows are `aar = $aar`)."""
    tree = sqlglot.parse_one((warehouse.SQL_DIR / f"{query}.sql").read_text(), dialect=DIALECT)
    for compare in tree.find_all(exp.LTE, exp.LT, exp.GTE, exp.GT):
        sides = (
            (compare.left, compare.right) if isinstance(compare, (exp.LTE, exp.LT)) else (compare.right, compare.left)
        )
        column, bound = sides
        if isinstance(column, exp.Column) and column.name == "aar" and isinstance(bound, exp.Placeholder):
            if bound.name == "aar":
                return True
    return False
