"""The yearly run at scale 1, 10 and 100, stage by stage through Dagster, and the ratios of issue 8.

    python -m tests.benchmarks.pipeline [--scales 1,10,100] [--year 2013] [--json bench-output/bench.json]
                                        [--parts reading,pool,overhead,incremental,profile]

For each scale it writes an inbox with the project's generator (`sample_inbox.generate_inbox`, as
`samanom sample --scale` does), then materialises the year's stages one after another through Dagster, in one
process and on one instance, as `samanom run` does: register, landing, reading, validation, warehouse load,
marts, annual report, letters. Each stage records its wall time, time per submission and peak memory (this
process's VmHWM, reset before the stage through /proc/self/clear_refs, plus its children's: the peak of their
summed VmHWM, sampled from /proc while the stage runs; getrusage(RUSAGE_CHILDREN) is recorded as well, but on
Linux it counts a child at this process's size when the child was started, so it is only an upper bound).

The ratios, each measured side by side in the same run:

- reading: `tests/benchmarks/reader.py` on the smallest scale's .xlsx files;
- letters: the letters asset's own jobs (recorded as it hands them to `documents.pdf.render_many`) rendered again in
  the process pool and in one process;
- per-letter overhead: the letters stage's time per letter against WeasyPrint alone rendering the same letters'
  HTML (an evenly spaced sample), in one process;
- incremental: after the full run, one corrected submission (an accepted one, rebuilt with the generator, one
  value changed, a later received date in the file name), then the year again; `--parts incremental --scales 1`
  re-runs just that;
- scale: time per submission of the non-rendering stages at 100 against 10, and peak memory at 100;
- annual report (issue 17): its pages at 10 and at 100 against 1 (so `--scales 1,10,100` in one run), and its
  wall time and peak memory at 100 against 2 minutes and 2 GB (the CPU seconds and load average beside them).

At scales above `--render-all-up-to`, the letters stage still runs through Dagster (contexts, journal, check)
but only an evenly spaced sample of `--render-sample` letters is rendered; the stage time is then extrapolated
(the sample's render time × letters / sample), and the table says so.

`--parts profile` runs the year once more at `--profile-scale` in a fresh folder, with pyinstrument on the
slowest stages, and records the top frames (full text profiles next to the JSON).

Before the first scale, the bundled-size year runs once unmeasured (`--no-warm-up` to skip), so that lazy imports
and start-up costs do not land on the first scale. Every figure is compared only with figures of the same run:
the machine is shared, and the JSON keeps the load average and each stage's CPU seconds to show how shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from tests.benchmarks import feedback

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "dagster",
    "duckdb",
    "weasyprint",
    "pandas",
    "pandera",
    "pyarrow",
    "python-calamine",
    "Jinja2",
    "openpyxl",
    "pyinstrument",
)
STAGES = ("register", "landing", "reading", "validation", "warehouse load", "marts", "annual report", "letters")
RENDERING = ("annual report", "letters")
TARGETS = {
    "reading": 5.0,
    "letters_pool": 1.6,
    "incremental": 0.20,
    "letter_overhead": 1.3,
    "scale_time": 1.3,
    "scale_memory_mib": 2048,
    "report_pages": 1.3,
    "report_time_s": 120,  # issue 17: the annual report at scale 100 in under 2 minutes and 2 GB
    "report_memory_mib": 2048,
}


def _stage_of(key) -> str:
    path = key.path
    if path[0] == "register":
        return "register"
    if path[0] == "landing":
        return "landing"
    if path == ["reading", "innsendinger"]:
        return "reading"
    if path[0] == "reading":  # the validated submissions and the accepted tables, written in one step
        return "validation"
    if path[0] == "warehouse":
        return "warehouse load"
    if path[0] == "marts":
        return "marts"
    if path == ["reports", "arsrapport"]:
        return "annual report"
    # run.json, written last; the receipts (issue 19r), documents to the projects like the letters
    if path in (["reports", "oppfolgingsbrev"], ["reports", "kjoring"], ["reports", "kvitteringer"]):
        return "letters"
    raise ValueError(f"asset {key.to_user_string()} belongs to no stage of the benchmark: add it to _stage_of")


# --------------------------------------------------------------------------- memory


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _own_peak_mib() -> float:
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())[1]) / 1024


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children: against wall time, how many cores a part got."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _children_maxrss_mib() -> float:
    """getrusage's largest finished child. An upper bound only: Linux counts a child's RSS before its exec, i.e.
    this process's size when it started the child, so it cannot tell a small worker from the parent."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


class ChildMemory(threading.Thread):
    """The peak of the summed VmHWM of this process's live children (the letter pool's workers, and Dagster's
    log tailers), sampled from /proc every `interval` seconds while a stage runs."""

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True)
        self.interval, self.peak_mib, self.most = interval, 0.0, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        me, total, alive = os.getpid(), 0, 0
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                stat = (proc / "stat").read_text()
                if int(stat[stat.rindex(")") + 2 :].split()[1]) != me:
                    continue
                hwm = re.search(r"VmHWM:\s+(\d+) kB", (proc / "status").read_text())
            except (OSError, ValueError):
                continue  # gone between listing and reading
            if hwm:
                total += int(hwm[1])
                alive += 1
        self.peak_mib = max(self.peak_mib, total / 1024)
        self.most = max(self.most, alive)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self.join()


# --------------------------------------------------------------------------- the letters asset's renderer


class LetterTap:
    """Stands between the letters asset and `documents.pdf.render_many`: keeps the jobs, times the rendering, and
    above `sample` jobs renders only an evenly spaced sample (the rest get an empty result)."""

    def __init__(self):
        self.sample: int | None = None
        self.jobs: list = []
        self.results: list = []
        self.rendered: list[int] = []
        self.render_s = 0.0

    @contextmanager
    def installed(self):
        from pipelines.documents import pdf

        real = pdf.render_many

        def render_many(jobs, *args, **kwargs):
            self.jobs = list(jobs)
            picked = _spaced(len(self.jobs), self.sample) if self.sample else list(range(len(self.jobs)))
            start = time.perf_counter()
            done = real([self.jobs[i] for i in picked], *args, **kwargs)
            self.render_s = time.perf_counter() - start
            self.rendered = picked
            results = [
                {"path": str(job[3]), "sha256": "", "pages": 0, "bytes": 0, "reused": False} for job in self.jobs
            ]
            for i, r in zip(picked, done):
                results[i] = r
            self.results = results
            return results

        pdf.render_many = render_many
        try:
            yield self
        finally:
            pdf.render_many = real


def _spaced(n: int, k: int | None) -> list[int]:
    if k is None or k >= n:
        return list(range(n))
    return sorted({round(i * (n - 1) / max(1, k - 1)) for i in range(k)})


# --------------------------------------------------------------------------- one year through Dagster


class Year:
    """One scale's inbox, output folder and Dagster instance."""

    def __init__(self, inbox: Path, out: Path, year: int, register_dir: Path | None):
        import dagster as dg

        from pipelines.cli import _instance_home
        from pipelines.definitions import defs
        from pipelines.resources import Settings

        self.year, self.inbox, self.out = year, inbox, out
        kw = {"register_dir": str(register_dir)} if register_dir else {}
        self.settings = Settings(inbox=str(inbox), out=str(out), **kw)
        self.instance = dg.DagsterInstance.from_config(str(_instance_home(out)))
        self.assets = list(defs.assets)
        self.keys: dict[str, list] = {s: [] for s in STAGES}
        for a in self.assets:
            for k in a.keys:
                self.keys[_stage_of(k)].append(k)
        self.tap = LetterTap()

    def close(self) -> None:
        self.instance.dispose()

    def stage(self, name: str) -> dict:
        """Materialise one stage and measure it."""
        import dagster as dg

        partition = None if name == "register" else str(self.year)
        _reset_peak()
        cpu, start = _cpu_s(), time.perf_counter()
        with self.tap.installed(), ChildMemory() as children:
            result = dg.materialize(
                self.assets,
                selection=self.keys[name],
                instance=self.instance,
                resources={"settings": self.settings},
                partition_key=partition,
                tags={"samanom/aar": str(self.year), "samanom/benchmark": name},
                raise_on_error=False,
            )
        wall, cpu = time.perf_counter() - start, _cpu_s() - cpu
        own = _own_peak_mib()
        row = {
            "stage": name,
            "wall_s": wall,
            "cpu_s": cpu,
            "success": result.success,
            "own_peak_mib": own,
            "children_peak_mib": children.peak_mib,
            "children_at_once": children.most,
            "children_maxrss_mib": _children_maxrss_mib(),
            "peak_mib": own + children.peak_mib,
        }
        if name == "annual report" and self.tap.results:  # render_pdf goes through render_many too
            row["pages"] = self.tap.results[0].get("pages")
        if name == "letters":
            tap = self.tap
            row.update(
                letters=len(tap.jobs),
                rendered=len(tap.rendered),
                render_s=tap.render_s,
                reused=sum(bool(r.get("reused")) for r in tap.results),
            )
            if tap.sample and len(tap.rendered) < len(tap.jobs):
                rest = wall - tap.render_s
                row["measured_wall_s"] = wall
                row["wall_s"] = rest + tap.render_s * len(tap.jobs) / max(1, len(tap.rendered))
                row["extrapolated"] = True
        if not result.success:
            failed = [e.message for e in result.all_events if e.is_failure]
            row["errors"] = failed[:3]
        return row

    def run(
        self, label: str, profile: set[str] | None = None, profile_dir: Path | None = None, progress=None, stages=STAGES
    ) -> list[dict]:
        rows = []
        for name in stages:
            if profile and name in profile:
                rows.append(self._profiled(name, profile_dir))
            else:
                rows.append(self.stage(name))
            r = rows[-1]
            print(
                f"  [{label}] {name:15} {r['wall_s']:8.2f} s  {r['peak_mib']:7.0f} MiB"
                + ("" if r["success"] else "  FAILED"),
                flush=True,
            )
            if progress:
                progress(rows)
        return rows

    def _profiled(self, name: str, profile_dir: Path | None) -> dict:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
        row = self.stage(name)
        session = profiler.stop()
        row["profile"] = top_frames(session, row["wall_s"])
        if profile_dir:
            profile_dir.mkdir(parents=True, exist_ok=True)
            path = profile_dir / f"profile-{name.replace(' ', '-')}.txt"
            path.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
            row["profile"]["text"] = str(path)
        return row


# --------------------------------------------------------------------------- profiles


def top_frames(session, wall: float, n: int = 10) -> dict:
    """What dominates: our functions by inclusive time, the library calls they make, and self time."""
    project, ours_too = str(ROOT / "pipelines"), str(ROOT / "tests" / "benchmarks")
    root = session.root_frame()
    total = root.time if root else 0.0
    self_time: Counter = Counter()
    ours: Counter = Counter()
    calls: Counter = Counter()
    # (frame, what is already counted on this path, caller's key if the caller is ours)
    stack = [(root, frozenset(), None)] if root else []
    while stack:
        frame, seen, our_caller = stack.pop()
        where = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        if (frame.file_path or "").startswith(ours_too):  # the benchmark's own wrappers are see-through
            stack.extend((child, seen, our_caller) for child in frame.children)
            continue
        mine = (frame.file_path or "").startswith(project)
        if not frame.is_synthetic:
            self_time[where] += frame.total_self_time
        counted = {where}
        if mine and where not in seen:
            ours[where] += frame.time  # once per path: recursion does not count twice
        if not mine and our_caller and not frame.is_synthetic:
            edge = f"{our_caller} → {where}"
            if edge not in seen:
                calls[edge] += frame.time
            counted.add(edge)
        for child in frame.children:
            stack.append((child, seen | counted, where if mine else None))
    pct = (lambda t: round(100 * t / total, 1)) if total else (lambda t: 0.0)
    return {
        "sampled_s": total,
        "wall_s": wall,
        "ours": [{"frame": k, "s": round(v, 3), "pct": pct(v)} for k, v in ours.most_common(n)],
        "calls_from_ours": [{"frame": k, "s": round(v, 3), "pct": pct(v)} for k, v in calls.most_common(n)],
        "self": [{"frame": k, "s": round(v, 3), "pct": pct(v)} for k, v in self_time.most_common(n)],
    }


def profile_letters_in_process(jobs: list, k: int, out_dir: Path) -> dict:
    """What a pool worker spends a letter on (the stage's profile sees only the parent waiting)."""
    from pyinstrument import Profiler

    from pipelines.documents import pdf

    with tempfile.TemporaryDirectory(prefix="samanom-letters-") as pdfs:
        sample = [(t, c, f, Path(pdfs) / Path(o).name) for t, c, f, o in (jobs[i] for i in _spaced(len(jobs), k))]
        profiler = Profiler(interval=0.002)
        profiler.start()
        start = time.perf_counter()
        pdf.render_many(sample, processes=1)
        wall = time.perf_counter() - start
        session = profiler.stop()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "profile-letters-in-process.txt").write_text(
        profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8"
    )
    result = top_frames(session, wall)
    result.update(letters=len(sample), text=str(out_dir / "profile-letters-in-process.txt"))
    return result


# --------------------------------------------------------------------------- ratios


def reading_ratio(inbox_year: Path, repeat: int) -> dict:
    from tests.benchmarks import reader

    files = sorted(p for p in inbox_year.rglob("*.xlsx") if p.is_file())
    result = reader.run(files, repeat)
    result["inbox"] = str(inbox_year)
    return result


def pool_ratio(jobs: list, work: Path) -> dict:
    """The same letters in the pool (processes=None) and in this process (processes=1), no PDF cache."""
    from pipelines.documents import pdf

    times, cores = {}, {}
    for label, processes in (("one_process", 1), ("pool", None)):
        target = work / f"letters-{label}"
        moved = [(t, c, f, target / Path(o).name) for t, c, f, o in jobs]
        cpu, start = _cpu_s(), time.perf_counter()
        pdf.render_many(moved, processes=processes)
        times[label] = time.perf_counter() - start
        cores[label] = (_cpu_s() - cpu) / times[label]
        shutil.rmtree(target, ignore_errors=True)
    # cores_used below the CPU count means the machine's other work took the rest
    return {
        "letters": len(jobs),
        "processes": os.cpu_count(),
        "one_process_s": times["one_process"],
        "pool_s": times["pool"],
        "ratio": times["one_process"] / times["pool"],
        "cores_used": cores,
        "load_average": os.getloadavg(),
    }


def weasyprint_alone(jobs: list, k: int) -> dict:
    """WeasyPrint rendering letters' HTML to PDF/A-2a with the project's stylesheet, nothing else timed."""
    import weasyprint

    from pipelines.documents import pdf, templating

    picked = _spaced(len(jobs), k)
    htmls = [templating.render_html(jobs[i][0], jobs[i][1], jobs[i][2]) for i in picked]
    pdf.warm_up()
    times = []
    for html in htmls:
        start = time.perf_counter()
        document = weasyprint.HTML(
            string=html, base_url=str(pdf.TEMPLATES_DIR) + os.sep, url_fetcher=pdf.url_fetcher()
        ).render(
            stylesheets=[pdf.stylesheet()], font_config=pdf._font_config(), pdf_variant=pdf.PDF_VARIANT, pdf_tags=True
        )
        document.write_pdf(pdf_variant=pdf.PDF_VARIANT, pdf_tags=True)
        times.append(time.perf_counter() - start)
    return {"letters": len(picked), "mean_s": statistics.mean(times), "median_s": statistics.median(times)}


# --------------------------------------------------------------------------- the corrected submission


def write_correction(y: Year, manifest: dict, scale: int, seed: int) -> dict:
    """One accepted submission again, rebuilt as the generator built it, `forbruk` lowered by about 10 %, received
    a day later (never after the year's last receipt, so the annual report keeps its date)."""
    from tools import sample_inbox

    year = y.year
    entries = {e["file"]: e for e in manifest["submissions"]}
    with y.settings.connect(read_only=True) as con:
        rows = con.execute(
            """
            select i.prosjektnummer, i.filnavn, i.mottatt_dato, i.forbruk
            from core_innsendinger i join core_filer f on f.aar = i.aar and f.filnavn = i.filnavn
            where i.aar = ? and i.gjeldende and f.utfall = 'lest' and i.format = 'xlsx'
              and i.mottatt_dato < (select max(mottatt_dato) from raw_filer where aar = ?)
            order by i.prosjektnummer""",
            [year, year],
        ).fetchall()
    pick = next((r for r in rows if not (entries.get(f"{year}/{r[1]}") or {}).get("defects", ["?"])), None)
    if pick is None:
        raise RuntimeError("no accepted .xlsx submission without planted defects to correct")
    pn, original, received, spent = pick
    projects, _, grants = sample_inbox.load_register(sample_inbox.DEFAULT_REGISTER)
    projects, grants = sample_inbox.scale_projects(projects, grants, scale)
    project = next(p for p in projects if p.prosjektnummer == pn)
    sub = sample_inbox.build_submission(
        sample_inbox.make_plan(project, seed), year, received, grants.get((pn, year)), seed
    )
    later = received + dt.timedelta(days=1)
    sub.received = later
    sub.values["innsendt_dato"] = later
    sub.values["forbruk"] = int(round(int(sub.values["forbruk"]) * 0.9, -2))
    data, _ = sample_inbox.render_submission(sub)
    name = f"{later.isoformat()}_{pn}_arsrapport_{year}_korrigert.xlsx"
    (y.inbox / str(year) / name).write_bytes(data)
    return {
        "prosjektnummer": pn,
        "original": original,
        "korrigert": name,
        "felt": "forbruk",
        "fraa": spent,
        "til": sub.values["forbruk"],
    }


def check_correction(y: Year, fix: dict) -> dict:
    with y.settings.connect(read_only=True) as con:
        outcome = dict(
            con.execute(
                "select filnavn, utfall from core_filer where aar = ? and filnavn in (?, ?)",
                [y.year, fix["original"], fix["korrigert"]],
            ).fetchall()
        )
    return {"utfall_original": outcome.get(fix["original"]), "utfall_korrigert": outcome.get(fix["korrigert"])}


# --------------------------------------------------------------------------- one scale


def warm_up(args, work: Path) -> float:
    """The bundled-size year once, unmeasured, up to the annual report: the first stages of a process pay for
    lazy imports, DuckDB's and WeasyPrint's start-up, which would otherwise land on the first scale only."""
    from tools.sample_inbox import generate_inbox

    start = time.perf_counter()
    base = work / "warm-up"
    generate_inbox(base / "inbox", [args.year], seed=args.seed, scale=1)
    y = Year(base / "inbox", base / "out", args.year, None)
    try:
        y.run("warm-up", stages=STAGES[:-1])
    finally:
        y.close()
        shutil.rmtree(base, ignore_errors=True)
    return time.perf_counter() - start


def run_scale(scale: int, args, work: Path, parts: set[str], result: dict) -> dict:
    from tools.sample_inbox import generate_inbox

    base = work / f"scale-{scale}"
    inbox, out = base / "inbox", base / "out"
    start = time.perf_counter()
    manifest = generate_inbox(inbox, [args.year], seed=args.seed, scale=scale)
    generated = time.perf_counter() - start
    subs = sum(1 for e in manifest["submissions"] if e["year"] == args.year)
    files = sum(1 for p in (inbox / str(args.year)).iterdir() if p.is_file())
    print(f"scale {scale}: {files} files, {subs} submissions (generated in {generated:.1f} s)", flush=True)
    register = inbox / manifest["register_dir"] if manifest["register_dir"] else None
    entry: dict = {
        "scale": scale,
        "files": files,
        "submissions": subs,
        "generate_s": generated,
        "load_average_before": os.getloadavg(),
    }
    y = Year(inbox, out, args.year, register)
    try:
        if scale > args.render_all_up_to:
            y.tap.sample = args.render_sample
        result["scales"][str(scale)] = entry

        def progress(rows):  # a long scale leaves its finished stages in the JSON
            entry["stages"] = rows
            if args.json:
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(
                    json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
                )

        entry["stages"] = y.run(f"scale {scale}", progress=progress, stages=args.stages)
        entry["load_average_after"] = os.getloadavg()  # other work on the machine inflates the times
        if entry["stages"]:  # `--stages ""`: no stage table, only the parts that run on their own (issue19)
            _per_submission(entry)
        result["scales"][str(scale)] = entry
        _save(result, args)
        letters = next((r for r in entry["stages"] if r["stage"] == "letters"), None)
        jobs = y.tap.jobs if letters else []

        if "overhead" in parts and jobs:
            alone = weasyprint_alone(jobs, args.overhead_sample)
            per_letter = letters["wall_s"] / max(1, letters["letters"])
            # the stage's wall time per letter has the pool's cores behind it; its CPU time per letter does not
            cpu_per_letter = letters["cpu_s"] / max(1, letters["rendered"])
            entry["letter_overhead"] = {
                "stage_s_per_letter": per_letter,
                "weasyprint_alone": alone,
                "render_many_s_per_letter": letters["render_s"] / max(1, letters["rendered"]),
                "stage_cpu_s_per_letter": cpu_per_letter,
                "cpu_ratio": cpu_per_letter / alone["mean_s"],
                "ratio": per_letter / alone["mean_s"],
            }
            print(
                f"  letter overhead: {per_letter:.3f} s per letter in the stage, WeasyPrint alone "
                f"{alone['mean_s']:.3f} s → {entry['letter_overhead']['ratio']:.2f}×",
                flush=True,
            )
        if "pool" in parts and jobs and scale == args.pool_scale:
            entry["letters_pool"] = pool_ratio(jobs, base)
            print(
                f"  letters pool: one process {entry['letters_pool']['one_process_s']:.1f} s, pool "
                f"{entry['letters_pool']['pool_s']:.1f} s → {entry['letters_pool']['ratio']:.2f}×",
                flush=True,
            )
        if "reading" in parts and scale == min(args.scales):
            entry["reading"] = reading_ratio(inbox / str(args.year), args.reader_repeat)
            print(f"  reading: {entry['reading']['ratio_openpyxl_over_samanom']:.1f}× against openpyxl", flush=True)
        _save(result, args)

        if "profile" in parts and scale == args.profile_scale and entry["stages"]:
            slowest = sorted((r for r in entry["stages"]), key=lambda r: -r["wall_s"])[: args.profile_stages]
            names = {r["stage"] for r in slowest}
            profile_dir = (args.json.parent if args.json else base) / "profiles"
            p = Year(inbox, base / "out-profile", args.year, register)
            try:
                if scale > args.render_all_up_to:
                    p.tap.sample = args.render_sample
                last = max(STAGES.index(n) for n in names)  # what comes after is not needed
                rows = p.run(
                    f"scale {scale} profiled",
                    profile=names,
                    profile_dir=profile_dir,
                    stages=[n for n in args.stages if STAGES.index(n) <= last],
                )
            finally:
                p.close()
                shutil.rmtree(base / "out-profile", ignore_errors=True)
            entry["profiles"] = {r["stage"]: r["profile"] for r in rows if "profile" in r}
            if "letters" in names and jobs:
                entry["profiles"]["letters (one process, sample)"] = profile_letters_in_process(
                    jobs, args.profile_letters, profile_dir
                )
            _save(result, args)

        if "issue19" in parts and scale in args.issue19_scales:
            entry["issue19"] = feedback.measure(
                scale,
                inbox,
                register,
                args.year,
                manifest,
                work,
                args.seed,
                args.letter_cost_sample,
                with_letters=scale == min(args.issue19_scales),
                with_sensor=True,
                profile_dir=(args.json.parent if args.json else base) / "profiles",
            )
            _save(result, args)

        if "incremental" in parts and scale in args.incremental_scales and args.stages == STAGES:
            fix = write_correction(y, manifest, scale, args.seed)
            rerun = y.run(f"scale {scale} re-run")
            full = sum(r["wall_s"] for r in entry["stages"])
            again = sum(r["wall_s"] for r in rerun)
            entry["incremental"] = {
                "correction": {**fix, **check_correction(y, fix)},
                "full_s": full,
                "rerun_s": again,
                "ratio": again / full,
                "stages": rerun,
            }
            print(
                f"  incremental: full {full:.1f} s, re-run after one corrected file {again:.1f} s "
                f"→ {100 * again / full:.0f} %",
                flush=True,
            )
            _save(result, args)
    finally:
        y.close()
    return entry


def _per_submission(entry: dict) -> None:
    for r in entry["stages"]:
        r["ms_per_submission"] = 1000 * r["wall_s"] / max(1, entry["submissions"])
    rows = entry["stages"]
    entry["non_rendering_s"] = sum(r["wall_s"] for r in rows if r["stage"] not in RENDERING)
    entry["total_s"] = sum(r["wall_s"] for r in rows)
    entry["peak_mib"] = max(r["peak_mib"] for r in rows)
    entry["non_rendering_ms_per_submission"] = 1000 * entry["non_rendering_s"] / max(1, entry["submissions"])


# --------------------------------------------------------------------------- ratios, table, record


def ratios(result: dict, args) -> list[dict]:
    scales = {k: s for k, s in result["scales"].items() if "total_s" in s}
    out = []

    def add(name, measured, target, met, detail):
        out.append({"ratio": name, "measured": measured, "target": target, "met": met, "detail": detail})

    for s in scales.values():
        if "reading" in s:
            r = s["reading"]["ratio_openpyxl_over_samanom"]
            add(
                "reading: openpyxl / samanom reader",
                r,
                f"≥ {TARGETS['reading']}×",
                r >= TARGETS["reading"],
                f"{s['reading']['files']} .xlsx files at scale {s['scale']}, {s['reading']['repeat']} passes",
            )
        if "letters_pool" in s:
            r = s["letters_pool"]
            add(
                "letters: one process / pool",
                r["ratio"],
                f"≥ {TARGETS['letters_pool']}×",
                r["ratio"] >= TARGETS["letters_pool"],
                f"{r['letters']} letters at scale {s['scale']}: {r['one_process_s']:.1f} s vs {r['pool_s']:.1f} s "
                f"({r['processes']} processes; cores used {r.get('cores_used', {}).get('pool', 0):.2f})",
            )
    for s in scales.values():
        if "incremental" in s:
            r = s["incremental"]
            add(
                f"incremental (scale {s['scale']}): re-run / full run",
                r["ratio"],
                f"≤ {TARGETS['incremental']:.0%}",
                r["ratio"] <= TARGETS["incremental"],
                f"{r['rerun_s']:.1f} s vs {r['full_s']:.1f} s after one corrected file",
            )
    for s in scales.values():
        if "letter_overhead" in s:
            r = s["letter_overhead"]
            add(
                f"per-letter overhead (scale {s['scale']})",
                r["ratio"],
                f"≤ {TARGETS['letter_overhead']}×",
                r["ratio"] <= TARGETS["letter_overhead"],
                f"stage {r['stage_s_per_letter']:.3f} s/letter vs WeasyPrint alone "
                f"{r['weasyprint_alone']['mean_s']:.3f} s ({r['weasyprint_alone']['letters']} letters, one process); "
                f"CPU per letter {r.get('cpu_ratio', 0):.2f}×",
            )
    out += feedback.ratios(result["scales"])  # measured on their own, with or without the stage table
    if "10" in scales and "100" in scales:
        a, b = scales["10"], scales["100"]
        r = b["non_rendering_ms_per_submission"] / a["non_rendering_ms_per_submission"]
        add(
            "scale: non-rendering time per submission, 100 / 10",
            r,
            f"≤ {TARGETS['scale_time']}×",
            r <= TARGETS["scale_time"],
            f"{b['non_rendering_ms_per_submission']:.1f} vs {a['non_rendering_ms_per_submission']:.1f} ms",
        )
    pages = {
        k: next((r.get("pages") for r in s["stages"] if r["stage"] == "annual report"), None) for k, s in scales.items()
    }
    for big in ("10", "100"):
        if pages.get("1") and pages.get(big):
            r = pages[big] / pages["1"]
            add(
                f"annual report pages, scale {big} / 1",
                r,
                f"≤ {TARGETS['report_pages']}×",
                r <= TARGETS["report_pages"],
                f"{pages[big]} vs {pages['1']} pages (the appendix is its own PDF)",
            )
    report = next((r for r in scales.get("100", {}).get("stages", []) if r["stage"] == "annual report"), None)
    if report:
        load = scales["100"].get("load_average_after") or scales["100"].get("load_average_before") or [0]
        add(
            "annual report time at scale 100",
            report["wall_s"],
            f"< {TARGETS['report_time_s']} s",
            report["wall_s"] < TARGETS["report_time_s"],
            f"{report['cpu_s']:.1f} CPU s, {report.get('pages')} pages, load average {load[0]:.1f}",
        )
        add(
            "annual report peak memory at scale 100",
            report["peak_mib"],
            f"< {TARGETS['report_memory_mib']} MiB",
            report["peak_mib"] < TARGETS["report_memory_mib"],
            "this process plus its children, reset before the stage",
        )
    if "100" in scales:
        top = max(scales["100"]["stages"], key=lambda r: r["peak_mib"])
        m = top["peak_mib"]
        ran = [r["stage"] for r in scales["100"]["stages"]]
        add(
            "scale: peak memory at 100",
            m,
            f"< {TARGETS['scale_memory_mib']} MiB",
            m < TARGETS["scale_memory_mib"],
            f"{top['stage']}: this process plus its children"
            + ("" if len(ran) == len(STAGES) else f"; only {', '.join(ran)} ran"),
        )
    return out


def table(result: dict) -> str:
    scales = [s for s in result["scales"].values() if "total_s" in s]  # a scale cut short has no totals
    lines = _stage_table(scales) if scales else []  # `--stages ""` leaves no stage table, only the ratios
    lines.append(f"{'ratio':52} {'measured':>10} {'target':>10}  result")
    for r in result.get("ratios", []):
        value = (
            f"{r['measured']:.0f} MiB"
            if "MiB" in r["target"]
            else (
                f"{r['measured']:.0%}"
                if "%" in r["target"]
                else f"{r['measured']:.1f} s"
                if r["target"].endswith(" s")
                else f"{r['measured']:.2f}×"
            )
        )
        lines.append(
            f"{r['ratio']:52} {value:>10} {r['target']:>10}  {'met' if r['met'] else 'MISSED'}  ({r['detail']})"
        )
    return "\n".join(lines)


def _stage_table(scales: list[dict]) -> list[str]:
    lines = []
    head = f"{'stage':16}" + "".join(f" | {'scale ' + str(s['scale']):>26}" for s in scales)
    sub = f"{'':16}" + "".join(f" | {'s':>8} {'ms/sub':>8} {'MiB':>7}" for _ in scales)
    lines += [head, sub, "-" * len(head)]
    for name in STAGES:
        cells = []
        for s in scales:
            r = next((r for r in s.get("stages", []) if r["stage"] == name), None)
            mark = "*" if r and r.get("extrapolated") else " "
            cells.append(
                f" | {r['wall_s']:>7.1f}{mark} {r['ms_per_submission']:>7.1f} {r['peak_mib']:>7.0f}"
                if r
                else f" | {'–':>26}"
            )
        lines.append(f"{name:16}" + "".join(cells))
    lines.append("-" * len(head))
    lines.append(
        f"{'non-rendering':16}"
        + "".join(
            f" | {s['non_rendering_s']:>8.1f} {s['non_rendering_ms_per_submission']:>8.1f} {'':>7}" for s in scales
        )
    )
    lines.append(
        f"{'total':16}"
        + "".join(
            f" | {s['total_s']:>8.1f} {1000 * s['total_s'] / s['submissions']:>8.1f} {s['peak_mib']:>7.0f}"
            for s in scales
        )
    )
    lines.append(f"{'submissions':16}" + "".join(f" | {s['submissions']:>26}" for s in scales))
    lines.append(f"{'letters':16}" + "".join(f" | {_letters_cell(s):>26}" for s in scales))
    if any(r.get("extrapolated") for s in scales for r in s.get("stages", [])):
        lines.append(
            "* letters rendered for an evenly spaced sample only; time = the rest of the stage + the "
            "sample's render time × letters / sample"
        )
    lines.append("")
    return lines


def _letters_cell(s: dict) -> str:
    r = next((r for r in s.get("stages", []) if r["stage"] == "letters"), None)
    if not r:
        return "–"
    return f"{r['letters']}" + (f" ({r['rendered']} rendered)" if r["rendered"] < r["letters"] else "")


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    mem = (
        re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if Path("/proc/meminfo").exists()
        else None
    )
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model[1].strip() if model else platform.processor(),
        "memory_gib": round(int(mem[1]) / 1024**2, 1) if mem else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
    }


def _save(result: dict, args) -> None:
    result["ratios"] = ratios(result, args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=_ints, default=[1, 10, 100])
    parser.add_argument("--year", type=int, default=2013)
    parser.add_argument(
        "--stages",
        default=",".join(STAGES),
        help='the stages to run, in order, e.g. register,landing,reading,validation; "" for none '
        "(then only the figures of issue 19, which run the job on their own)",
    )
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--parts",
        default="issue19,reading,pool,overhead,incremental,profile",
        help="which ratios besides the stage table: issue19 (the four figures of issue 19: "
        "sensor path, re-run, letter against plain page, full yearly run), reading, pool, "
        "overhead, incremental, profile",
    )
    parser.add_argument(
        "--issue19-scales", type=_ints, default=[1, 10], help="scales at which the figures of issue 19 are measured"
    )
    parser.add_argument(
        "--letter-cost-sample",
        type=int,
        default=30,
        help="letters rendered against their plain documents for the letter figure",
    )
    parser.add_argument(
        "--render-all-up-to",
        type=int,
        default=10,
        help="above this scale the letters stage renders only --render-sample letters",
    )
    parser.add_argument("--render-sample", type=int, default=500)
    parser.add_argument("--pool-scale", type=int, default=1, help="scale whose letters the pool ratio renders")
    parser.add_argument("--incremental-scales", type=_ints, default=[1, 10])
    parser.add_argument("--overhead-sample", type=int, default=60, help="letters WeasyPrint renders alone")
    parser.add_argument("--profile-scale", type=int, default=10)
    parser.add_argument("--profile-stages", type=int, default=3, help="how many of the slowest stages to profile")
    parser.add_argument("--profile-letters", type=int, default=30)
    parser.add_argument("--reader-repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, help="folder for inboxes and outputs (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="measure the first scale cold (by default the bundled-size year runs once first)",
    )
    args = parser.parse_args(argv)
    args.scales = sorted(set(args.scales))
    args.stages = tuple(n.strip() for n in args.stages.split(",") if n.strip())
    if [n for n in STAGES if n in args.stages] != list(args.stages):
        parser.error(f"--stages: a selection of {', '.join(STAGES)}, in that order")
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    if not Path("/proc/self/clear_refs").exists():
        print("needs Linux (/proc/self/clear_refs) to measure peak memory per stage", file=sys.stderr)
        return 1
    work = args.work or Path(tempfile.mkdtemp(prefix="samanom-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    import_start = time.perf_counter()
    importlib.import_module("pipelines.definitions")  # Dagster and the code location, once, outside every stage

    result = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "year": args.year,
        "seed": args.seed,
        "parts": sorted(parts),
        "import_s": time.perf_counter() - import_start,
        "scales": {},
        "ratios": [],
    }
    try:
        if not args.no_warm_up:
            result["warm_up_s"] = warm_up(args, work)
        for scale in args.scales:
            run_scale(scale, args, work, parts, result)
    finally:
        result["bench_s"] = time.perf_counter() - start
        _save(result, args)
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    m = result["machine"]
    print(
        f"\nsamanom {args.year}, {result['date'][:10]}, {m['cpus']} × {m['cpu_model']}, Python {m['python']}, "
        f"bench {result['bench_s'] / 60:.1f} min"
    )
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
