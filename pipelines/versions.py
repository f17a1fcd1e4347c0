"""Code versions per concern: each asset's version comes from what defines it, and nothing else.

A Python module's version is a hash of its syntax tree without docstrings, and of the modules of
this project it imports, so a comment, a docstring or a reformatting changes nothing, and a change to
the command line (which no stage imports) re-reads and re-renders nothing. SQL files and templates
count by their bytes. The documents' templates and phrases are not part of any version here: a PDF
is cached by its own HTML (`documents.pdf.cache_key`), so a changed phrase re-renders exactly the documents
that print it; the assets' versions still name them, so the UI shows a changed template.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pipelines.paths import PACKAGE, SQL_DIR, TEMPLATES_DIR

LOCAL_PACKAGES = ("pipelines", "schemas")


def _digest(parts: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:12]


def _source_file(module: str) -> Path | None:
    """The file of one of the project's modules, found without importing it (a name imported from
    a module, `from pipelines.issues import Issue`, is no module and has none)."""
    base = PACKAGE.parent.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _imports(tree: ast.AST, module: str) -> set[str]:
    """The project's own modules that `module` imports (`from pipelines import x` names module x)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m.split(".")[0] in LOCAL_PACKAGES and _source_file(m)}


@cache
def _module_closure(module: str) -> frozenset[str]:
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse(_source_file(name).read_bytes())
        todo.extend(_imports(tree, name) - seen)
    return frozenset(seen)


@cache
def _module_tree(module: str) -> bytes:
    tree = _without_docstrings(ast.parse(_source_file(module).read_bytes()))
    return f"{module}\n{ast.dump(tree)}".encode()


def version(modules: Iterable[str] = (), files: Iterable[Path] = ()) -> str:
    """The version of what `modules` (with the project modules they import) and `files` define."""
    names = sorted(set().union(*(_module_closure(m) for m in modules))) if modules else []
    paths = sorted(set(files))
    return _digest([*(_module_tree(n) for n in names), *(f"{p.name}\n".encode() + p.read_bytes() for p in paths)])


def sql_files(*layers: str) -> list[Path]:
    return sorted(p for layer in layers for p in (SQL_DIR / layer).glob("*.sql"))


# --- the concerns of the yearly cycle -------------------------------------------------------------


def register() -> str:
    return version(["pipelines.assets.register"])


def landing() -> str:
    return version(["pipelines.landing"])


def reading() -> str:
    """Decides which archived files are read again (`raw_lesing`): the reader and the form."""
    return version(["pipelines.reading"])


def validation() -> str:
    return version(["pipelines.validation"], sql_files("core"))


def models() -> str:
    """The staging, intermediate and lineage views every mart reads."""
    return version(["pipelines.warehouse"], sql_files("core", "staging", "intermediate", "lineage"))


def mart(path: Path) -> str:
    checks = [p for p in sql_files("checks") if p.stem.startswith(f"{path.stem}__")]
    return version(
        ["pipelines.warehouse", "pipelines.lineage"],
        [path, *checks, *sql_files("core", "staging", "intermediate", "lineage")],
    )


def documents() -> str:
    """The code, queries, templates, phrases and stylesheet that make the documents."""
    return version(
        [
            "pipelines.documents.report_context",
            "pipelines.documents.pdf",
            "pipelines.documents.letter_journal",
            "pipelines.documents.receipts",
        ],
        [*sql_files("reports", "journal"), *(p for p in TEMPLATES_DIR.iterdir() if p.is_file())],
    )


def pdf() -> str:
    """What turns a document's HTML into PDF bytes besides the HTML: the finisher code, the stylesheet
    and whatever else a template links to. Part of the PDF cache key."""
    return version(
        ["pipelines.documents.pdf"],
        [p for p in TEMPLATES_DIR.iterdir() if p.is_file() and p.suffix not in {".j2", ".toml"}],
    )


def figures() -> str:
    """What produced the figures a document prints: printed on the report beside its inputs."""
    return _digest(
        [v.encode() for v in (landing(), reading(), validation(), models(), *(mart(p) for p in sql_files("marts")))]
    )
