"""A quiet, helpful terminal: `samanom run` prints a line per stage and the summary; Dagster's event
log stays in the run storage, and `--verbose` prints it too."""

from __future__ import annotations

import shutil
import subprocess
import sys

import dagster as dg
from conftest import YEAR

from pipelines import progress


def _stage_lines(text: str) -> dict[str, str]:
    return {
        stage: line
        for line in text.splitlines()
        for stage, label in progress.STAGES.items()
        if line.strip().startswith(label + " ")
    }


def test_a_run_prints_its_stages_and_summary_and_keeps_the_event_log_in_the_run_storage(small_run, small_run_terminal):
    lines = small_run_terminal.splitlines()
    assert not [line for line in lines if "DEBUG" in line or "STEP_START" in line], small_run_terminal[:2000]
    stages = _stage_lines(small_run_terminal)
    assert set(stages) == set(progress.STAGES), small_run_terminal
    assert all("ferdig" in line for line in stages.values())
    order = [
        next(i for i, line in enumerate(lines) if line in stages.values() and line == stages[s])
        for s in ("landing", "reading", "warehouse", "marts", "reports")
    ]
    assert order == sorted(order)  # each stage finishes after the one it reads
    assert f"samanom {YEAR}: ferdig" in lines
    # the whole event log is still there, for the UI
    with dg.DagsterInstance.from_config(str(small_run / ".dagster")) as instance:
        run = instance.get_runs(limit=1)[0]
        assert run.run_id in small_run_terminal
        events = instance.all_logs(run.run_id)
    assert sum(e.dagster_event is not None and e.dagster_event.event_type_value == "STEP_START" for e in events) >= len(
        stages
    )
    assert len(events) > 3 * len(lines)


def test_verbose_prints_the_event_log_as_well(small_inbox, small_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(small_run, out, symlinks=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--year",
            str(YEAR),
            "--inbox",
            str(small_inbox),
            "--out",
            str(out),
            "--verbose",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert " - DEBUG - " in done.stderr and "STEP_START" in done.stderr
    assert set(_stage_lines(done.stdout)) == set(progress.STAGES)
