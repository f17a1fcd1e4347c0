"""The house's shape: no import cycle among the project's modules, and no stage importing a later one.

The stages follow the yearly cycle (landing → reading and validation → warehouse → marts →
documents); a stage may use what an earlier stage or the shared modules define, never what a
later stage or the top (assets, code location, command, sensors, the run's resources) defines.
Imports are read from the source with `ast`, lazy imports inside functions included, so a cycle
cannot hide behind an import moved into a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipelines", "schemas", "tools")

SHARED, TOP = "shared", "top"
#: stage order; a module may import from its own stage, an earlier one, or the shared modules
STAGES = (SHARED, "landing", "reading", "warehouse", "marts", "documents", TOP)
#: module (or package prefix) -> stage; the longest matching prefix decides
STAGE_OF = {
    "pipelines": SHARED,
    "pipelines.paths": SHARED,
    "pipelines.issues": SHARED,
    "pipelines.partitions": SHARED,
    "pipelines.workdays": SHARED,
    "pipelines.versions": SHARED,
    "schemas": SHARED,
    "schemas.form": SHARED,
    "schemas.register": SHARED,
    "pipelines.landing": "landing",
    "pipelines.reading": "reading",
    "pipelines.values": "reading",
    "pipelines.validation": "reading",
    "schemas.submission": "reading",
    "schemas.accepted": "reading",
    "pipelines.warehouse": "warehouse",
    "pipelines.sporing": "warehouse",
    "pipelines.lineage": "marts",
    "pipelines.documents": "documents",
    "pipelines.assets": TOP,
    "pipelines.definitions": TOP,
    "pipelines.cli": TOP,
    "pipelines.sensors": TOP,
    "pipelines.resources": TOP,
    "pipelines.settings": TOP,
    "pipelines.run_record": TOP,
    "pipelines.runs": TOP,
    "pipelines.progress": TOP,
    "tools": TOP,
}


def module_files(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(module: str, source: str, known: set[str], is_package: bool = False) -> set[str]:
    """The project modules `module` imports, anywhere in its source (`from pipelines import x` names
    module x when x is one, else the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name:
                    found.add(name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
                elif base in known:
                    found.add(base)
    return found - {module}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = module_files(root)
    return {
        m: imports_of(m, p.read_text(encoding="utf-8"), set(files), p.name == "__init__.py") for m, p in files.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def stage_of(module: str) -> str | None:
    name = module
    while name:
        if name in STAGE_OF:
            return STAGE_OF[name]
        name = name.rpartition(".")[0]
    return None


def backward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a later stage (or the top) by an earlier one, as «a (stage) → b (stage)»."""
    rank = {s: i for i, s in enumerate(STAGES)}
    wrong = []
    for module, targets in sorted(graph.items()):
        here = stage_of(module)
        for target in sorted(targets):
            there = stage_of(target)
            if here != TOP and rank[there] > rank[here]:
                wrong.append(f"{module} ({here}) → {target} ({there})")
    return wrong


# --- the detectors, on graphs made to fail ----------------------------------------------------------


def test_cycle_detector_finds_a_planted_cycle_and_passes_a_clean_graph():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_import_reader_sees_lazy_and_relative_imports(tmp_path):
    known = {
        "pipelines",
        "pipelines.landing",
        "pipelines.documents",
        "pipelines.documents.charts",
        "pipelines.documents.pdf",
    }
    source = (
        "from pipelines import landing\ndef f():\n    from .pdf import render_many\nimport pipelines.documents.pdf\n"
    )
    assert imports_of("pipelines.documents.charts", source, known) == {"pipelines.landing", "pipelines.documents.pdf"}


def test_planted_cycle_in_a_copy_of_the_tree_is_found(tmp_path):
    """A copy of the real tree with one lazy import planted back from the formatting module to pdf."""
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            target = tmp_path / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert find_cycle(import_graph(tmp_path)) is None
    planted = tmp_path / "pipelines" / "documents" / "formatting.py"
    planted.write_text(
        planted.read_text(encoding="utf-8") + "\n\ndef _late():\n    from pipelines.documents import pdf  # noqa\n",
        encoding="utf-8",
    )
    graph = import_graph(tmp_path)
    cycle = find_cycle(graph)
    assert cycle and "pipelines.documents.formatting" in cycle and "pipelines.documents.pdf" in cycle
    # and an import of the top from a stage is named as going the wrong way
    landing = tmp_path / "pipelines" / "landing.py"
    landing.write_text(
        landing.read_text(encoding="utf-8") + "\nfrom pipelines.resources import Settings  # noqa\n", encoding="utf-8"
    )
    assert "pipelines.landing (landing) → pipelines.resources (top)" in backward_imports(import_graph(tmp_path))


# --- the real house ------------------------------------------------------------------------------------


def test_every_module_has_a_stage():
    unplaced = [m for m in module_files() if stage_of(m) is None]
    assert not unplaced, f"give these modules a stage in tests/test_layout.py: {unplaced}"


def test_no_import_cycle():
    graph = import_graph()
    assert "pipelines.documents.formatting" in graph["pipelines.documents.charts"]  # the reader reads the tree
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_no_stage_imports_a_later_one():
    wrong = backward_imports(import_graph())
    assert not wrong, "imports against the cycle's order:\n" + "\n".join(wrong)


def test_documents_are_one_package_without_the_old_rendering_module():
    modules = module_files()
    assert {
        "pipelines.documents.formatting",
        "pipelines.documents.templating",
        "pipelines.documents.pdf",
        "pipelines.documents.charts",
    } <= set(modules)
    assert "pipelines.rendering" not in modules
