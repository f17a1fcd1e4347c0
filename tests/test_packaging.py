"""The wheel works on its own: installed (not editable) into a fresh environment, away from the
checkout, it loads the code location with every mart."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from pipelines import paths

SOURCES = (
    "pyproject.toml",
    "setup.py",
    "README.md",
    "pipelines",
    "schemas",
    "tools",
    "sql",
    "report_templates",
    "data/reference",
)

CHECK = """
import json, pipelines, pipelines.paths as p
from pipelines.definitions import defs
marts = sorted(k.path[-1] for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "marts")
print(json.dumps({"package": pipelines.__file__, "root": str(p.ROOT), "marts": marts,
                  "templates": sorted(x.name for x in p.TEMPLATES_DIR.iterdir())}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    where = tmp_path_factory.mktemp("wheel")
    # built from a copy: setuptools writes build/ beside the sources, and stale copies there would
    # end up in the next wheel
    source = where / "source"
    for name in SOURCES:
        src, dst = paths.CHECKOUT / name, source / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(where),
            str(source),
        ],
        check=True,
        cwd=where,
        capture_output=True,
    )
    wheel = next(where.glob("samanom-*.whl"))
    env_dir = where / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    return python, where


def _run(python: Path, cwd: Path, code: str) -> subprocess.CompletedProcess:
    # the dependencies come from this environment's site-packages, read as a plain path entry, so that
    # the editable install of the checkout (a .pth hook there) is not applied
    return subprocess.run(
        [str(python), "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": sysconfig.get_paths()["purelib"], "PATH": str(python.parent), "DAGSTER_HOME": str(cwd)},
    )


def test_the_installed_wheel_loads_every_mart(installed):
    python, where = installed
    done = _run(python, where, CHECK)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(loaded["package"]).is_relative_to(where / "venv"), "the wheel's code, not the checkout's"
    assert Path(loaded["root"]).is_relative_to(where / "venv")
    assert loaded["marts"] == sorted(p.stem for p in (paths.SQL_DIR / "marts").glob("*.sql"))
    assert {"brev.html.j2", "arsrapport.html.j2", "tekstar.toml"} <= set(loaded["templates"])


def test_a_wheel_without_its_sql_fails_loudly(installed):
    python, where = installed
    site = next((where / "venv" / "lib").glob("python*/site-packages"))
    marts = site / "pipelines" / "_data" / "sql" / "marts"
    moved = marts.with_name("marts-away")
    marts.rename(moved)
    try:
        done = _run(python, where, CHECK)
    finally:
        moved.rename(marts)
    assert done.returncode != 0
    assert "samanom cannot find its data folders" in done.stderr
