"""The four figures of issue 19 («Feedback the day a file arrives, at the cost of what changed»), each measured
side by side in one run, on one scale's inbox:

- (d) the full yearly run: the job `aarskjoring` for the year, in one process, as `samanom run` runs it (wall
  seconds; target ≤ 20 s at scale 1 on two quiet cores);
- (b) one corrected file (`pipeline.write_correction`), then the job again: its wall time against (d) (≤ 20 %);
- (a) one new file (a report from a project that had sent none), seen by the repository's own sensor
  `innboks_sensor`, evaluated with Dagster's testing API (`build_sensor_context`), and every run it requests
  executed as it requests it (its job, partition, tags and asset selection): sensor evaluation plus those runs
  against (d) (≤ 5 %). Whatever the sensor asks for is what is timed, so a sensor that leaves the annual report
  out is measured as such;
- (c) WeasyPrint CPU seconds per letter (`documents.pdf.pdf_from_html`: PDF/A-2a, tags, our stylesheet and finisher)
  against a plain document: the same letter's text as plain paragraphs in the same font and size on A4, PDF/A-2a
  and tagged, with no stylesheet of ours (no running header, tables or positioned boxes). Letter and plain
  document are rendered alternately in this process, so both see the same load (≤ 2×).

Everything runs in a folder of its own (a copy of the scale's inbox), so the other parts of the benchmark are not
disturbed.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

TARGETS = {"sensor": 0.05, "rerun": 0.20, "letter_cpu": 2.0, "full_run_s": 20.0}
JOB = "aarskjoring"


@contextmanager
def _inbox_env(inbox: Path):
    """The sensor reads SAMANOM_INBOX when it is evaluated (as under `samanom ui --inbox`)."""
    before = os.environ.get("SAMANOM_INBOX")
    os.environ["SAMANOM_INBOX"] = str(inbox)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SAMANOM_INBOX", None)
        else:
            os.environ["SAMANOM_INBOX"] = before


def run_job(
    y,
    tap=None,
    partition: str | None = None,
    tags: dict | None = None,
    asset_selection=None,
    run_config: dict | None = None,
    job_name: str = JOB,
) -> dict:
    """One run of a job (by default the yearly job) in this process, as `samanom run` starts it (same resource
    configuration)."""
    from pipelines import progress
    from pipelines.definitions import defs

    job = defs.resolve_job_def(job_name)
    # the run configuration `samanom run` gives (its quiet logger: no debug line per event)
    config = {"resources": {"settings": {"config": y.settings.model_dump()}}, "loggers": progress.QUIET}
    for key, value in (run_config or {}).items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    from tests.benchmarks.pipeline import _cpu_s

    start, cpu = time.perf_counter(), _cpu_s()
    with tap.installed() if tap else _nothing():
        result = job.execute_in_process(
            instance=y.instance,
            partition_key=partition or str(y.year),
            raise_on_error=False,
            run_config=config,
            tags={"samanom/aar": str(y.year), "samanom/benchmark": "issue-19", **(tags or {})},
            asset_selection=list(asset_selection) if asset_selection else None,
        )
    wall = time.perf_counter() - start
    steps = sorted({e.step_key for e in result.all_events if e.is_step_success and e.step_key})
    return {
        "wall_s": wall,
        "cpu_s": _cpu_s() - cpu,
        "success": result.success,
        "steps": len(steps),
        "run_id": result.run_id,
        "errors": [e.message for e in result.all_events if e.is_failure][:3],
    }


@contextmanager
def _nothing():
    yield


class LetterJobs:
    """Keeps the letters' jobs as the letters asset hands them to `documents.pdf.render_many` (the annual report goes
    through it too, and the job may run either asset first), and renders them as it would."""

    TEMPLATE = "brev.html.j2"

    def __init__(self):
        self.jobs: list = []

    @contextmanager
    def installed(self):
        from pipelines.documents import pdf

        real = pdf.render_many

        def render_many(jobs, *args, **kwargs):
            jobs = list(jobs)
            self.jobs += [j for j in jobs if j[0] == self.TEMPLATE]
            return real(jobs, *args, **kwargs)

        pdf.render_many = render_many
        try:
            yield self
        finally:
            pdf.render_many = real


def evaluate_sensor(inbox: Path, instance, cursor: str | None):
    """`innboks_sensor` once, through Dagster's documented testing API."""
    import dagster as dg

    from pipelines.sensors import innboks_sensor

    with _inbox_env(inbox):
        return innboks_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))


class NoNewFile(RuntimeError):
    """Every active project has reported: no project can send a first file."""


def write_new_file(y, scale: int, seed: int) -> dict:
    """A report from a project active in the year that has sent none, built by the sample generator, received on
    the year's last received date (so the batch date of the documents stays)."""
    from tools import sample_inbox

    year = y.year
    with y.settings.connect(read_only=True) as con:
        missing = [
            r[0]
            for r in con.execute(
                "select prosjektnummer from mart_prosjekt_aar where aar = ? and rapportstatus = 'mangler' "
                "order by prosjektnummer",
                [year],
            ).fetchall()
        ]
        last = con.execute("select max(mottatt_dato) from raw_filer where aar = ?", [year]).fetchone()[0]
    if not missing:
        raise NoNewFile(f"every project sent a report for {year}: no project to send a new file")
    pn = missing[0]
    projects, _, grants = sample_inbox.load_register(sample_inbox.DEFAULT_REGISTER)
    projects, grants = sample_inbox.scale_projects(projects, grants, scale)
    project = next(p for p in projects if p.prosjektnummer == pn)
    sub = sample_inbox.build_submission(
        sample_inbox.make_plan(project, seed), year, last, grants.get((pn, year)), seed, tag="ny"
    )
    data, _ = sample_inbox.render_submission(sub)
    name = f"{last.isoformat()}_{pn}_arsrapport_{year}.xlsx"
    (y.inbox / str(year) / name).write_bytes(data)
    return {"prosjektnummer": pn, "fil": name}


def sensor_path(y, scale: int, seed: int) -> dict:
    """(a): the sensor sees one new file; it and the runs it requests, timed together."""
    first = evaluate_sensor(y.inbox, y.instance, None)  # starts from what is materialised: nothing to do
    idle = [r.partition_key for r in (first.run_requests or [])]
    new = write_new_file(y, scale, seed)
    start = time.perf_counter()
    tick = evaluate_sensor(y.inbox, y.instance, first.cursor)
    evaluation = time.perf_counter() - start
    runs = []
    for request in tick.run_requests or []:
        job = request.job_name or JOB  # the sensor names its job (issue 19r: `innboks_kjoring`)
        runs.append(
            {
                "job": job,
                "partition": request.partition_key,
                "asset_selection": [k.to_user_string() for k in request.asset_selection or []] or "the job",
                **run_job(
                    y,
                    partition=request.partition_key,
                    tags=dict(request.tags),
                    asset_selection=request.asset_selection,
                    run_config=request.run_config or None,
                    job_name=job,
                ),
            }
        )
    wall = time.perf_counter() - start
    return {
        "file": new,
        "requests_before_the_file": idle,
        "evaluation_s": evaluation,
        "runs": runs,
        "wall_s": wall,
        "success": bool(runs) and all(r["success"] for r in runs),
    }


# --------------------------------------------------------------------------- (c) letter against plain page

PLAIN = (
    '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title><style>'
    "@page {{ size: A4; margin: 24mm 20mm 20mm 22mm }} "
    'html {{ font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4 }} '
    "p {{ margin: 0 }}</style></head><body>{body}</body></html>"
)
_BLOCK = re.compile(r"(?s)<(p|h1|h2|li|tr|caption)\b[^>]*>(.*?)</\1>")


def plain_document(letter_html: str) -> str:
    """The letter's text (every paragraph, heading, list item and table row) as plain paragraphs."""
    lang = re.search(r'<html lang="([^"]+)"', letter_html)[1]
    title = re.search(r"(?s)<title>(.*?)</title>", letter_html)[1]
    body = letter_html.split("<body", 1)[1]
    paragraphs = [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", m[2])).split()) for m in _BLOCK.finditer(body)]
    return PLAIN.format(lang=lang, title=title, body="".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs if p))


def _render_plain(html: str):
    import weasyprint

    from pipelines.documents import pdf

    document = weasyprint.HTML(string=html).render(
        font_config=pdf._font_config(), pdf_variant=pdf.PDF_VARIANT, pdf_tags=True
    )
    return document.write_pdf(pdf_variant=pdf.PDF_VARIANT, pdf_tags=True), len(document.pages)


def letter_cost(jobs: list, k: int, profile: int = 0, profile_dir: Path | None = None) -> dict:
    """(c): CPU seconds of WeasyPrint per letter and per plain document, alternately, after one warm-up each;
    then, untimed, `profile` of the letters and their plain documents under pyinstrument (shares per area)."""
    from pipelines.documents import pdf, templating
    from tests.benchmarks.pipeline import _spaced

    letters = [templating.render_html(*jobs[i][:3]) for i in _spaced(len(jobs), k)]
    pdf.warm_up()
    pdf.pdf_from_html(letters[0])
    _render_plain(plain_document(letters[0]))
    cpu = {"letter": [], "plain": []}
    pages = {"letter": [], "plain": []}
    for html in letters:
        start = time.process_time()
        _, n = pdf.pdf_from_html(html)
        cpu["letter"].append(time.process_time() - start)
        pages["letter"].append(n)
        plain = plain_document(html)
        start = time.process_time()
        _, n = _render_plain(plain)
        cpu["plain"].append(time.process_time() - start)
        pages["plain"].append(n)
    letter, plain = statistics.mean(cpu["letter"]), statistics.mean(cpu["plain"])
    profile = profile_letters(letters[:profile], profile_dir) if profile else None
    return {
        "profile": profile,
        "letters": len(letters),
        "letter_cpu_s": letter,
        "plain_cpu_s": plain,
        "ratio": letter / plain,
        "letter_median_s": statistics.median(cpu["letter"]),
        "plain_median_s": statistics.median(cpu["plain"]),
        "letter_pages": dict(sorted(_count(pages["letter"]).items())),
        "plain_pages": dict(sorted(_count(pages["plain"]).items())),
        "load_average": os.getloadavg(),
    }


#: Where a letter's WeasyPrint time goes: (label, function, file the function is in).
AREAS = (
    ("layout", "layout_document", "layout/__init__.py"),
    ("tables", "table_layout", "layout/table.py"),
    ("positioned boxes", "absolute_layout", "layout/absolute.py"),
    ("shrink-to-fit", "shrink_to_fit", "layout/preferred.py"),
    ("page margin boxes", "make_margin_boxes", "layout/page.py"),
    ("cascade (computed styles)", "get_all_computed_styles", "css/__init__.py"),
    ("HTML and CSS parsing", "__init__", "weasyprint/__init__.py"),
    ("PDF (write_pdf)", "write_pdf", "document.py"),
    ("painting", "draw_page", "draw/__init__.py"),
    ("fonts", "build_fonts_dictionary", "pdf/fonts.py"),
    ("tags", "add_tags", "pdf/tags.py"),
    ("our finisher", "_artifact_margin_content", ".py"),
    ("hyphenation dictionary", "__init__", "pyphen/__init__.py"),
)


def profile_letters(letters: list[str], out_dir: Path | None) -> dict:
    """pyinstrument over the letters and over their plain documents: the share of each area in each."""
    from pyinstrument import Profiler

    from pipelines.documents import pdf

    shares = {}
    for label, render in (
        ("letter", pdf.pdf_from_html),
        ("plain document", lambda h: _render_plain(plain_document(h))),
    ):
        profiler = Profiler(interval=0.001)
        profiler.start()
        for html in letters:
            render(html)
        session = profiler.stop()
        root = session.root_frame()
        total = root.time if root else 0.0
        found = dict.fromkeys((a[0] for a in AREAS), 0.0)
        todo = [(root, frozenset())] if root else []
        while todo:
            frame, inside = todo.pop()
            hits = {
                name
                for name, function, where in AREAS
                if frame.function == function and (frame.file_path or "").endswith(where)
            }
            for name in hits - inside:  # a recursive call counts once
                found[name] += frame.time
            todo.extend((child, inside | hits) for child in frame.children)
        shares[label] = {"sampled_s": total, **{k: round(v / total, 3) if total else 0.0 for k, v in found.items()}}
        if out_dir:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / f"profile-{label.replace(' ', '-')}.txt").write_text(
                profiler.output_text(unicode=True, color=False, show_all=True), encoding="utf-8"
            )
    return shares


def _count(values):
    out: dict[int, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


# --------------------------------------------------------------------------- one scale


def measure(
    scale: int,
    inbox: Path,
    register: Path | None,
    year: int,
    manifest: dict,
    work: Path,
    seed: int,
    letters_sample: int,
    with_letters: bool,
    with_sensor: bool,
    profile_dir: Path | None = None,
) -> dict:
    """(d), (b), (a) and (c) in that order, in a folder of their own."""
    from tests.benchmarks.pipeline import Year, check_correction, write_correction

    base = work / f"issue19-scale-{scale}"
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(inbox, base / "inbox")
    y = Year(base / "inbox", base / "out", year, register)
    entry: dict = {"scale": scale, "load_average_before": os.getloadavg()}
    try:
        tap = LetterJobs()
        entry["full"] = run_job(y, tap=tap)
        print(
            f"  [issue 19, scale {scale}] full yearly run (job {JOB}) {entry['full']['wall_s']:.1f} s"
            + ("" if entry["full"]["success"] else "  FAILED"),
            flush=True,
        )
        fix = write_correction(y, manifest, scale, seed)
        entry["rerun"] = {**run_job(y), "correction": {**fix, **check_correction(y, fix)}}
        entry["rerun"]["ratio"] = entry["rerun"]["wall_s"] / entry["full"]["wall_s"]
        print(
            f"  [issue 19, scale {scale}] re-run after one corrected file {entry['rerun']['wall_s']:.1f} s "
            f"→ {entry['rerun']['ratio']:.0%}",
            flush=True,
        )
        if with_sensor:
            try:
                entry["sensor"] = sensor_path(y, scale, seed)
            except NoNewFile as exc:
                entry["sensor_skipped"] = str(exc)
                print(f"  [issue 19, scale {scale}] sensor path not measured: {exc}", flush=True)
        if "sensor" in entry:
            entry["sensor"]["ratio"] = entry["sensor"]["wall_s"] / entry["full"]["wall_s"]
            print(
                f"  [issue 19, scale {scale}] one new file through innboks_sensor {entry['sensor']['wall_s']:.1f} s "
                f"({len(entry['sensor']['runs'])} run(s)) → {entry['sensor']['ratio']:.0%}",
                flush=True,
            )
        if with_letters and tap.jobs:
            entry["letter_cost"] = letter_cost(tap.jobs, letters_sample, profile=10, profile_dir=profile_dir)
            r = entry["letter_cost"]
            print(
                f"  [issue 19, scale {scale}] WeasyPrint CPU per letter {r['letter_cpu_s']:.3f} s, plain "
                f"document {r['plain_cpu_s']:.3f} s → {r['ratio']:.2f}×",
                flush=True,
            )
            for label, shares in r["profile"].items():
                print(
                    f"    {label:15} " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items() if k != "sampled_s"),
                    flush=True,
                )
    finally:
        entry["load_average_after"] = os.getloadavg()
        y.close()
        shutil.rmtree(base, ignore_errors=True)
    return entry


def ratios(scales: dict) -> list[dict]:
    """The four figures as rows of the benchmark's ratio table."""
    out = []

    def add(name, measured, target, met, detail):
        out.append({"ratio": name, "measured": measured, "target": target, "met": met, "detail": detail})

    for s in scales.values():
        r = s.get("issue19")
        if not r or "full" not in r:
            continue
        full = r["full"]["wall_s"]
        load = "load {:.1f}–{:.1f}".format(r["load_average_before"][0], r.get("load_average_after", [0])[0])
        if "sensor" in r:
            a = r["sensor"]
            cpu = sum(run["cpu_s"] for run in a["runs"])
            add(
                f"(a) one new file via innboks_sensor / full run (scale {s['scale']})",
                a["ratio"],
                f"≤ {TARGETS['sensor']:.0%}",
                a["success"] and a["ratio"] <= TARGETS["sensor"],
                f"{a['wall_s']:.1f} s ({', '.join(run.get('job', JOB) for run in a['runs']) or 'no run'}, "
                f"evaluation {a['evaluation_s']:.2f} s) vs "
                f"{full:.1f} s; in CPU s {cpu / r['full']['cpu_s']:.0%}; {load}",
            )
        if "rerun" in r:
            b = r["rerun"]
            add(
                f"(b) re-run after one corrected file / full run (scale {s['scale']})",
                b["ratio"],
                f"≤ {TARGETS['rerun']:.0%}",
                b["success"] and b["ratio"] <= TARGETS["rerun"],
                f"{b['wall_s']:.1f} s vs {full:.1f} s; in CPU s {b['cpu_s'] / r['full']['cpu_s']:.0%}; {load}",
            )
        if "letter_cost" in r:
            c = r["letter_cost"]
            add(
                f"(c) WeasyPrint CPU per letter / plain document (scale {s['scale']})",
                c["ratio"],
                f"≤ {TARGETS['letter_cpu']:.0f}×",
                c["ratio"] <= TARGETS["letter_cpu"],
                f"{c['letter_cpu_s']:.3f} s vs {c['plain_cpu_s']:.3f} s, {c['letters']} letters (pages "
                f"{json.dumps(c['letter_pages'])} vs {json.dumps(c['plain_pages'])}); "
                f"load {c['load_average'][0]:.1f}",
            )
        if s["scale"] == 1:
            add(
                "(d) full yearly run at scale 1, wall seconds",
                full,
                f"≤ {TARGETS['full_run_s']:.0f} s",
                r["full"]["success"] and full <= TARGETS["full_run_s"],
                f"job {JOB} in one process, {r['full']['cpu_s']:.1f} CPU s with the letter pool; {load}",
            )
    return out
