"""Runs that clean up after each other: one writer per output folder, no run left «started» forever,
and failures told in one or two Norwegian lines instead of a traceback.

The output folder holds the warehouse (DuckDB allows one writer) and the run history, so a run
takes `OUT/.samanom.lock` (an flock, which the kernel releases when the process dies however it
dies) and writes its pid into it for the message the next one prints. Every run also tags itself
in the run history with the process that runs it (host, pid and the process's start time, so a
reused pid is not mistaken for it); a run still «started» whose process is gone is marked failed.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
from pathlib import Path

PROCESS_TAG = "samanom/prosess"
LOCK_NAME = ".samanom.lock"
ACTIVE = ("STARTING", "STARTED", "CANCELING")


class Stop(Exception):
    """A run that must not go on, with the one or two lines that say why and what to do."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, after the command name in parentheses


def this_process() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"


def process_alive(identity: str) -> bool:
    host, _, rest = identity.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: not ours to judge
    now = _start_time(int(pid))
    return now is not None and (not started or now == started)


_held: dict[Path, int] = {}


def take_lock(out: Path) -> None:
    """Hold the output folder for this process, or stop with a line naming the run that holds it."""
    path = out / LOCK_NAME
    if path in _held:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "ukjent"
        os.close(fd)
        raise Stop(
            f"En annen samanom-kjøring (pid {holder}) skriver allerede til {out}.\n"
            "Vent til den er ferdig, og prøv igjen (eller bruk en annen --out).",
            code=3,
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _held[path] = fd


def release_lock(out: Path) -> None:
    fd = _held.pop(out / LOCK_NAME, None)
    if fd is not None:
        os.ftruncate(fd, 0)
        os.close(fd)  # closing releases the flock


_for_runs: set[Path] = set()


def hold_for_run(out: Path) -> bool:
    """A run started from the UI, the sensor or a back-fill holds the folder too, for as long as it runs
    (a `samanom run` already holds it for the whole command). Whether this call took it: then the run
    still has to make the checks `samanom run` makes before it starts."""
    path = out / LOCK_NAME
    if path in _held:
        return False
    out.mkdir(parents=True, exist_ok=True)
    take_lock(out)
    _for_runs.add(path)
    return True


def release_for_run(out: Path) -> None:
    path = out / LOCK_NAME
    if path in _for_runs:
        _for_runs.discard(path)
        release_lock(out)


def tag_run(instance, run_id: str | None) -> None:
    """Name the process that runs run_id in the run history (called as the run's resources start)."""
    if instance is not None and run_id:
        instance.add_run_tags(run_id, {PROCESS_TAG: this_process()})


def fail_abandoned_runs(instance) -> list[str]:
    """Mark failed every run still «started» whose process is gone: otherwise it holds the run queue
    (one run at a time) forever."""
    import dagster as dg

    failed = []
    statuses = [dg.DagsterRunStatus[s] for s in ACTIVE]
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=statuses)):
        identity = run.tags.get(PROCESS_TAG)
        if identity and not process_alive(identity):
            instance.report_run_failed(
                run,
                message="Prosessen som kjørte denne kjøringen, finnes ikke lenger "
                "(avbrutt eller drept); markert som feilet av samanom.",
            )
            failed.append(run.run_id)
    return failed


def check_writable(out: Path) -> None:
    """Stop before anything is written if the output folder cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".skriveprove-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise Stop(explain_os_error(exc, out)) from None


def explain_os_error(exc: OSError, out: Path) -> str:
    where = exc.filename or out
    if exc.errno == errno.ENOSPC:
        return (
            f"Disken er full (No space left on device) ved skriving til {where}.\n"
            "Frigjør plass og kjør på nytt; det som ble skrevet halvveis, blir rettet av neste kjøring."
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"Kan ikke skrive til {where} ({os.strerror(exc.errno)}).\n"
            "Velg en mappe du kan skrive til med --out, eller rett tilgangen til mappen."
        )
    return f"{os.strerror(exc.errno) if exc.errno else exc} ({where})."


def explain_failure(result, out: Path) -> str | None:
    """The root cause of a failed Dagster run in one line, when it is one samanom knows how to explain."""
    import dagster as dg

    for event in result.all_events:
        if event.event_type not in (dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE):
            continue
        if event.event_specific_data is None or getattr(event.event_specific_data, "error", None) is None:
            continue
        error = event.event_specific_data.error
        chain = []
        while error is not None:
            chain.append(error)
            error = error.cause or error.context
        text = " ".join(f"{e.cls_name}: {e.message}" for e in chain)
        if "No space left on device" in text or "ENOSPC" in text:
            return explain_os_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), out)
        if "Read-only file system" in text or "Permission denied" in text:
            code = errno.EROFS if "Read-only" in text else errno.EACCES
            return explain_os_error(OSError(code, os.strerror(code)), out)
        user = getattr(event.event_specific_data, "user_failure_data", None)
        if user is not None and user.description:  # a dg.Failure: its description is already the message
            return user.description
        ours = next((e for e in chain if e.cls_name in ("WarehouseDamaged", "Stop")), None)
        if ours is not None:
            return ours.message.strip()
        step = event.step_key or "et steg"
        return f"Steget {step} feilet: {chain[-1].cls_name}: {chain[-1].message.strip().splitlines()[0]}"
    return None
