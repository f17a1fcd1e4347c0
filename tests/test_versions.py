"""Code versions per concern: an unrelated change re-reads and re-renders nothing; a changed phrase
re-renders exactly the documents that print it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from pipelines import paths
from pipelines.documents import formatting

COPIED = ("pipelines", "schemas", "tools", "sql", "report_templates", "data/reference")


def _versions(root: Path) -> dict:
    code = (
        "import json; from pipelines import versions as v; "
        "print(json.dumps({'landing': v.landing(), 'reading': v.reading(), 'validation': v.validation(), "
        "'models': v.models(), 'documents': v.documents(), 'pdf': v.pdf(), 'register': v.register(), "
        "**{p.stem: v.mart(p) for p in v.sql_files('marts')}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture
def checkout(tmp_path) -> Path:
    for folder in COPIED:
        shutil.copytree(paths.CHECKOUT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_comments_docstrings_and_the_command_line_change_no_version(checkout):
    before = _versions(checkout)
    _append(checkout / "pipelines" / "cli.py", "\n\ndef extra():\n    return 1  # the CLI is no stage\n")
    _append(checkout / "pipelines" / "reading.py", "\n# a comment changes no behaviour\n")
    reading = checkout / "pipelines" / "reading.py"
    source = reading.read_text(encoding="utf-8")
    reading.write_text(re.sub(r'^"""', '"""An added sentence. ', source, count=1), encoding="utf-8")
    assert _versions(checkout) == before


def test_a_change_moves_only_the_versions_that_depend_on_it(checkout):
    before = _versions(checkout)
    _append(checkout / "pipelines" / "reading.py", "\nREAD_AGAIN = True\n")
    after = _versions(checkout)
    assert after["reading"] != before["reading"]
    assert {k for k in before if before[k] != after[k]} == {"reading"}

    mart = sorted((checkout / "sql" / "marts").glob("*.sql"))[0]
    _append(mart, "\n-- reviewed\n")
    again = _versions(checkout)
    assert {k for k in after if after[k] != again[k]} == {mart.stem}

    _append(checkout / "report_templates" / "tekstar.toml", "\n# a phrase file is part of the documents\n")
    assert {k for k, v in _versions(checkout).items() if v != again[k]} == {"documents"}


def _letter_only_phrase() -> str:
    """A phrase key the letter template prints and the annual report does not."""
    used = {
        name: set(re.findall(r"""\bt\(\s*['"]([\w.]+)['"]""", (paths.TEMPLATES_DIR / name).read_text()))
        for name in ("brev.html.j2", "arsrapport.html.j2")
    }
    keys = sorted(k for k in used["brev.html.j2"] - used["arsrapport.html.j2"] if k in formatting.phrases())
    assert keys, "the letter prints phrases of its own"
    return keys[0]


def _pdfs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.glob("2013/**/*.pdf"))}


def _text(pdf: bytes) -> str:
    import io

    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_changed_phrase_re_renders_exactly_the_documents_that_print_it(small_run, small_inbox, tmp_path, monkeypatch):
    from pipelines.cli import main

    out = tmp_path / "out"
    shutil.copytree(small_run, out)
    before, cache_before = _pdfs(out), set((out / ".cache" / "pdf").rglob("*.pdf"))
    key = _letter_only_phrase()
    marker = "MERKEFRASE"
    changed = {form: f"{marker} {text}" for form, text in formatting.phrases()[key].items()}
    monkeypatch.setitem(formatting.phrases(), key, changed)

    assert main(["run", "--year", "2013", "--inbox", str(small_inbox), "--out", str(out)]) == 0
    after = _pdfs(out)
    printing = {name for name, pdf in after.items() if marker in _text(pdf)}
    assert printing, f"some letter prints {key}"
    assert all(name.startswith("2013/brev/") for name in printing)
    assert {name for name in after if after[name] != before.get(name)} == printing
    new_in_cache = set((out / ".cache" / "pdf").rglob("*.pdf")) - cache_before
    assert len(new_in_cache) == len(printing), "only the documents that print the phrase were rendered"
