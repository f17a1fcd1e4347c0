"""What `samanom run` shows while it runs: one line per stage of the yearly cycle as it finishes.

Dagster's event log (some hundred DEBUG events a run) stays in the run storage, where `samanom ui`
shows it; `samanom run --verbose` prints it as well. A stage is done when every asset of it in the
run is materialised; a stage that never got there (a failed step, or what came after it) is named
at the end, so the last lines say where the run stopped.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import TextIO

import dagster as dg

#: the stages as the terminal names them, in the cycle's order (the asset keys' first part)
STAGES = {
    "register": "registeret",
    "landing": "mottak av filer",
    "reading": "lesing og validering",
    "warehouse": "lageret",
    "marts": "marts",
    "reports": "årsrapport og brev",
}

#: the console logger's config: quiet prints nothing of the event log, verbose all of it
QUIET = {"console": {"config": {"log_level": "CRITICAL"}}}
VERBOSE = {"console": {"config": {"log_level": "DEBUG"}}}


def _seconds(s: float) -> str:
    return f"{s:.1f}".replace(".", ",") + " s"


class Progress:
    """An event listener (`instance.add_event_listener`) that prints a line per finished stage."""

    def __init__(self, asset_keys: Iterable[dg.AssetKey], out: TextIO | None = None):
        self.out = out
        self.waiting: dict[str, set[dg.AssetKey]] = {}
        for key in asset_keys:
            if key.path[0] in STAGES:
                self.waiting.setdefault(key.path[0], set()).add(key)
        self.total = {stage: len(keys) for stage, keys in self.waiting.items()}
        self.start = time.monotonic()
        self.done: list[str] = []

    def _print(self, line: str) -> None:
        print(line, file=self.out or sys.stdout, flush=True)

    def __call__(self, record) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None or event.event_type != dg.DagsterEventType.ASSET_MATERIALIZATION:
            return
        stage = event.asset_key.path[0]
        keys = self.waiting.get(stage)
        if keys is None or stage in self.done:
            return
        keys.discard(event.asset_key)
        if not keys:
            self.done.append(stage)
            n = self.total[stage]
            self._print(
                f"  {STAGES[stage]:<22} ferdig   {n} {'ressurs' if n == 1 else 'ressurser'}, "
                f"{_seconds(time.monotonic() - self.start)} etter start"
            )

    def finish(self) -> None:
        """Name the stages the run did not complete, in the cycle's order."""
        for stage in STAGES:
            if stage in self.waiting and stage not in self.done:
                left = len(self.waiting[stage])
                self._print(f"  {STAGES[stage]:<22} IKKE FERDIG   {left} av {self.total[stage]} ressurser mangler")
