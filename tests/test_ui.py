"""The Dagster UI in a real browser, over a real run of the sample year: what an auditor sees.

`samanom run --year 2013` on the bundled inbox, then `samanom ui` on a free loopback port, driven by
Debian's Chromium through Playwright: the report group's graph, the annual report's page with its
latest materialisation (partition 2013) and metadata, the checks beside the assets on its path, a
mart's column lineage (`kolonneopphav`), and, as the secretariat would, a back-fill of 2012–2014 launched
from the job `aarskjoring` and found on the back-fills page. The back-fill is not waited for: its runs
die with the UI's process group at teardown, and the test fails if any process of that group survives.
No mock of the UI or of its GraphQL. Screenshots land in `tests/artifacts/` (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.paths import CHECKOUT as REPO
from pipelines.paths import DEFAULT_INBOX

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
YEAR = "2013"
BACKFILL_YEARS = ("2012", "2013", "2014")
LOCATION = "pipelines.definitions"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium (/usr/bin/chromium) is not installed; "
    "`make system` (scripts/install-system.sh) installs it",
)


def _env() -> dict[str, str]:
    """The child processes get their instance and folders from the command line only."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SAMANOM_") and k != "DAGSTER_HOME"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`samanom ui` exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"the Dagster UI did not answer on {url} within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}"
    )


def _group_alive(pgid: int) -> list[str]:
    """The live (not zombie) processes of a process group, from /proc: `pid command` each."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        rest = text[text.rindex(")") + 2 :].split()  # state, ppid, pgrp, …
        if int(rest[2]) == pgid and rest[0] != "Z":
            alive.append(f"{stat.parent.name} {comm}")
    return alive


def _stop(proc: subprocess.Popen, grace: float = 3) -> list[str]:
    """End the UI's whole process group: `samanom ui` exits at once on SIGTERM, but `dagster dev`, its
    daemon, code server and any run a back-fill started may linger, so SIGKILL what is left after
    `grace` seconds. Returns the processes still alive after that (none, normally)."""
    pgid = proc.pid  # start_new_session: the group is the child's own
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()  # reap our own child, so it does not count as alive
            if proc.returncode is not None and not _group_alive(pgid):
                return []
            time.sleep(0.2)
    proc.poll()
    return _group_alive(pgid)


@pytest.fixture(scope="module")
def sample_run(bundled_run, tmp_path_factory) -> Path:
    """A copy of the session's run of 2013 on the bundled inbox (`samanom run --year 2013`, with its run
    history), or of the output folder named by SAMANOM_UI_TEST_OUT, to iterate on this test faster: a copy,
    since the back-fill launched by the test writes to the folder and its instance."""
    out = tmp_path_factory.mktemp("ui-out") / "out"
    shutil.copytree(os.environ.get("SAMANOM_UI_TEST_OUT") or bundled_run, out, symlinks=True)
    return out


@pytest.fixture(scope="module")
def ui(sample_run, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("ui-log") / "dagster-dev.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipelines.cli",
                "ui",
                "--port",
                str(port),
                "--inbox",
                str(DEFAULT_INBOX),
                "--out",
                str(sample_run),
            ],
            cwd=REPO,
            env=_env(),
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/server_info", proc, log)
        yield base
    finally:
        left = _stop(proc)
    assert not left, f"processes of `samanom ui` still alive after SIGKILL: {left}"


@pytest.fixture(scope="module")
def page(ui, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1600, "height": 1000},
            locale="nb-NO",
        )
        try:
            # The open-source UI asks once for a newsletter sign-up on loopback addresses; mark it as
            # seen (the key the UI itself stores when «Skip» is pressed), so no dialog covers the page.
            context.add_init_script("window.localStorage.setItem('communityNux', '1');")
            tab = context.new_page()
            tab.set_default_timeout(60_000)
            yield tab
        finally:
            context.close()


def _checks_in_code() -> dict[str, list[str]]:
    from pipelines.definitions import defs

    checks: dict[str, list[str]] = {}
    for key in defs.resolve_asset_graph().asset_check_keys:
        checks.setdefault(key.asset_key.to_user_string(), []).append(key.name)
    return {asset: sorted(names) for asset, names in checks.items()}


def _dismiss_dialogs(page) -> None:
    """Should the sign-up dialog show anyway, press «Skip» as an auditor would."""
    skip = page.get_by_role("button", name="Skip")
    if skip.count() and skip.first.is_visible():
        skip.first.click()


def _shot(page, name: str, clip: dict | None = None) -> None:
    """The window (or `clip` of it), with CSS transitions run to their end so no dialog is half faded in."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False, animations="disabled", clip=clip)


def _warehouse(out: Path, query: str, *params) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def _printed_run_id(out: Path) -> str:
    text = subprocess.run(
        ["pdftotext", str(out / YEAR / f"arsrapport-{YEAR}-vedlegg.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.replace("\n", "")
    (run_id,) = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))
    return run_id


def _table_row(page, *cells: str):
    """The row of a metadata table that holds every one of `cells` as a whole cell (the innermost row:
    the metadata list is itself a table)."""
    row = page.locator("tr:not(:has(tr))")
    for text in cells:
        row = row.filter(has=page.get_by_role("cell", name=text, exact=True))
    return row


def test_auditor_follows_the_annual_report_in_the_ui(ui, page, sample_run):
    from playwright.sync_api import expect

    # Two shared cores, and from step 7 a back-fill running beside the UI: wait up to 20 s, not 5.
    expect.set_options(timeout=20_000)

    # 1. The graph of the report group: both documents, with the marts they are built from.
    page.goto(f"{ui}/locations/{LOCATION}/asset-groups/reports", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    # (the documents read every earlier year of the marts, so the graph is wide: fitted to the window, Dagster
    # labels the nodes nearest the middle; the documents are then found in the group's list)
    expect(page.get_by_text("mart_prosjekt_aar").first).to_be_visible()
    page.wait_for_timeout(1_000)  # let the graph settle before the picture
    _shot(page, "ui-01-graf-reports.png")

    # 2. The group's list with both documents, and from there the annual report's own page.
    page.get_by_role("tab", name="List").click()
    expect(page.locator('a[href="/assets/reports/arsrapport"]').first).to_be_visible()
    expect(page.locator('a[href="/assets/reports/oppfolgingsbrev"]').first).to_be_visible()
    page.locator('a[href="/assets/reports/arsrapport"]').first.click()
    expect(page).to_have_url(f"{ui}/assets/reports/arsrapport")
    _dismiss_dialogs(page)

    # 3. Its latest materialisation, for partition 2013, with the PDF's fingerprint and its upstream.
    expect(page.get_by_text("Latest materialization").first).to_be_visible()
    expect(page.locator(f'a[href="/assets/reports/arsrapport?view=partitions&partition={YEAR}"]').first).to_be_visible()
    expect(page.get_by_text("sha256", exact=True).first).to_be_visible()
    expect(page.get_by_text(f"arsrapport-{YEAR}.pdf").first).to_be_visible()
    expect(page.get_by_text("marts / mart_kildefiler_aar").first).to_be_visible()
    _shot(page, "ui-02-arsrapport.png")

    # 4. The checks beside the assets on the report's path: every check in the code is listed.
    checks = _checks_in_code()
    for asset, shot in (
        ("reports/arsrapport", "ui-03-arsrapport-sjekkar.png"),
        ("reports/oppfolgingsbrev", "ui-04-oppfolgingsbrev-sjekkar.png"),
        ("reading/validerte_innsendinger", "ui-05-validerte-innsendingar-sjekkar.png"),
    ):
        page.goto(f"{ui}/assets/{asset}?view=checks", wait_until="domcontentloaded")
        _dismiss_dialogs(page)
        names = checks.get(asset, [])
        if names:
            expect(page.get_by_text(f"Checks ({len(names)})").first).to_be_visible()
            for name in names:
                expect(page.get_by_text(name, exact=True).first).to_be_visible()
        else:
            expect(page.get_by_text("No checks defined for this asset")).to_be_visible()
        _shot(page, shot)

    # 5. The partitions of the annual report: 2013 materialised (with its PDF), the other years missing.
    page.goto(f"{ui}/assets/reports/arsrapport?view=partitions&partition={YEAR}", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    expect(page.get_by_text("Materialized (1)").first).to_be_visible()
    expect(page.get_by_text("Missing (3)").first).to_be_visible()
    expect(page.get_by_text(f"arsrapport-{YEAR}.pdf").first).to_be_visible()
    _shot(page, "ui-06-arsrapport-partisjon-2013.png")

    # The remaining pictures are for the README: a smaller window keeps them readable there.
    page.set_viewport_size({"width": 1400, "height": 900})

    # 6. A mart's column lineage: Overview → Metadata → `kolonneopphav`, a table of where each column's
    #    figures come from (the open-source UI does not show `dagster/column_lineage`).
    page.goto(f"{ui}/assets/marts/mart_pulje_aar", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    entry = page.locator("tr").filter(has=page.get_by_text("kolonneopphav", exact=True))
    expect(entry.first).to_be_visible()
    entry.first.get_by_text("[Show Markdown]").click()
    lineage = page.get_by_role("dialog").filter(has_text="kolonneopphav")
    expect(lineage.get_by_text("innvilget_kr", exact=True)).to_be_visible()
    expect(lineage.get_by_text("stg_tilskudd.innvilget_kr").first).to_be_visible()
    _shot(page, "ui-07-mart-kolonneopphav.png")
    lineage.get_by_role("button", name="Close").click()
    expect(lineage).to_be_hidden()

    # 6b. From the annual report to the rows behind a figure, without SQL: the report's metadata links the
    #     mart behind its summary; that mart's `kilderader` lists, for Pulje 1's «Innvilget», every grant
    #     letter's line in tilskudd.csv. The expected rows come from the warehouse, not from the UI.
    grants = _warehouse(
        sample_run,
        "select t.prosjektnummer, t.kilde_rad, t.innvilget_kr from ref_tilskudd t "
        "join ref_prosjekt p using (prosjektnummer) where t.aar = ? and p.pulje = '1' "
        "order by t.prosjektnummer",
        YEAR,
    )
    page.goto(f"{ui}/assets/reports/arsrapport", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    page.locator('a[href="/assets/marts/mart_pulje_aar"]').first.click()
    expect(page).to_have_url(re.compile(r"/assets/marts/mart_pulje_aar"))
    expect(page.get_by_text("kilderader", exact=True).first).to_be_visible()
    for prosjekt, rad, kroner in (grants[0], grants[-1]):
        row = _table_row(page, "1", "innvilget_kr", prosjekt, "tilskudd.csv", str(rad), "innvilget_kr", kroner)
        expect(row.first).to_be_attached()
    rows = _table_row(page, "innvilget_kr", "tilskudd.csv")
    pools = _warehouse(
        sample_run,
        "select count(*) from ref_tilskudd t join ref_prosjekt p using (prosjektnummer) where t.aar = ?",
        YEAR,
    )[0][0]
    expect(rows).to_have_count(pools)  # both pools' grant lines; Pulje 1's are those checked above
    row = _table_row(page, "1", "innvilget_kr", grants[0][0], "tilskudd.csv")
    row.first.scroll_into_view_if_needed()
    _shot(page, "ui-11-pulje-1-innvilget-kjelderader.png")

    # 6c. A letter's finding, with its file, sheet, row and value: `reports / oppfolgingsbrev` → `funn`.
    quoted = _warehouse(
        sample_run,
        "select a.prosjektnummer, a.filnavn, a.ark, a.rad, a.verdi, a.regel "
        "from core_avvik a join core_innsendinger s using (aar, innsending_id) "
        "where a.aar = ? and s.gjeldende and a.ark is not null and a.verdi is not null "
        "and a.regel <> 'mottaksdato_mangler' order by a.prosjektnummer limit 1",
        YEAR,
    )
    page.goto(f"{ui}/assets/reports/oppfolgingsbrev", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    expect(page.get_by_text("funn", exact=True).first).to_be_visible()
    assert quoted, "the bundled inbox has a current report with an issue on a sheet's row"
    prosjekt, filnavn, ark, rad, verdi, regel = quoted[0]
    finding = _table_row(page, prosjekt, f"avvik_{regel}", filnavn, ark, str(rad), verdi)
    expect(finding.first).to_be_attached()
    finding.first.scroll_into_view_if_needed()
    _shot(page, "ui-12-brev-funn-med-plass.png")

    # 6d. Every issue of the year and every rejected file with its reason, on the validation asset.
    page.goto(f"{ui}/assets/reading/validerte_innsendinger", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    expect(page.get_by_text("avviksliste", exact=True).first).to_be_visible()
    for filnavn, ark, rad, regel in _warehouse(
        sample_run, "select filnavn, ark, rad, regel from core_avvik where aar = ? and ark is not null limit 3", YEAR
    ):
        expect(_table_row(page, filnavn, ark, str(rad), regel).first).to_be_attached()
    rejected = _warehouse(
        sample_run,
        "select f.filnavn, min(a.melding_nb) filter (where a.alvorsgrad = 'avvis_fil') from core_filer f "
        "left join core_avvik a on a.aar = f.aar and a.sha256 = f.sha256 "
        "where f.aar = ? and f.utfall = 'avvist' group by f.filnavn order by f.filnavn",
        YEAR,
    )
    assert rejected and all(melding for _, melding in rejected), "the bundled inbox has files rejected whole"
    for filnavn, melding in rejected:
        # the file's row in `avviste_filer`, with the reason beside it: the file list `filer` has no reasons
        expect(_table_row(page, filnavn).filter(has_text=melding).first).to_be_attached()

    # 6e. The run id the report prints is found by the Runs filter: the run of the job aarskjoring.
    run_id = _printed_run_id(sample_run)
    page.goto(f"{ui}/runs", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    page.get_by_role("button", name="Filter").click()
    page.keyboard.type(run_id)
    options = page.get_by_role("menuitem").filter(has_text=run_id)
    expect(options.first).to_be_visible()
    for i in range(options.count()):  # the suggestions offer the text as run id, tag, partition …
        options.nth(i).click()
        if f"id%3A{run_id}" in page.url:
            break
        page.goto(f"{ui}/runs", wait_until="domcontentloaded")
        page.get_by_role("button", name="Filter").click()
        page.keyboard.type(run_id)
    expect(page).to_have_url(re.compile(rf"id%3A{run_id}"))
    found = page.locator(f'a[href^="/runs/{run_id}"]')
    expect(found.first).to_be_visible()
    expect(page.get_by_text("Invalid Run ID")).to_have_count(0)
    expect(page.get_by_text("aarskjoring").first).to_be_visible()
    page.keyboard.press("Escape")
    _shot(page, "ui-13-kjoerings-id-i-filteret.png", clip={"x": 0, "y": 0, "width": 1400, "height": 320})

    # 7. The secretariat's back-fill: Jobs → aarskjoring → Materialize all… → Custom partitions
    #    2012, 2013, 2014 → Launch backfill. The UI answers with a toast naming the new back-fill.
    page.goto(f"{ui}/jobs", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    page.get_by_role("link", name="aarskjoring").first.click()
    expect(page).to_have_url(re.compile(r"/jobs/aarskjoring"))
    page.get_by_role("button", name="Materialize all…").click()
    launch = page.get_by_role("dialog").filter(has_text="Launch runs to materialize")
    expect(launch.get_by_text("Partition selection")).to_be_visible()
    launch.get_by_text("Select a partition or create one").click()
    for year in BACKFILL_YEARS:
        page.get_by_role("menuitem", name=year).first.click()
    launch.get_by_text("Launch runs to materialize").click()  # close the partition list, keep the dialog
    expect(page.get_by_role("menuitem", name="Select all")).to_be_hidden()
    expect(launch.get_by_text(f"{len(BACKFILL_YEARS)} partitions", exact=True)).to_be_visible()
    box = launch.bounding_box()
    _shot(
        page,
        "ui-08-tilbakefylling-2012-2014.png",
        clip={"x": 0, "y": 0, "width": 1400, "height": min(900, box["y"] + box["height"] + 24)},
    )
    launch.get_by_role("button", name="Launch backfill").click()
    toast = page.get_by_text(re.compile(r"Created backfill \w+"))
    expect(toast).to_be_visible()
    backfill_id = re.search(r"Created backfill (\w+)", toast.inner_text()).group(1)

    # 8. The back-fills page (Runs → Backfills; /overview/backfills leads there) lists it, and its
    #    partitions are exactly 2012, 2013 and 2014. It is left running and ends with the UI at teardown.
    page.goto(f"{ui}/overview/backfills", wait_until="domcontentloaded")
    expect(page).to_have_url(re.compile(r"backfills"))
    _dismiss_dialogs(page)
    link = page.get_by_role("link", name=re.compile(rf"\b{backfill_id}\b"))
    expect(link).to_be_visible()
    # The list is a grid of divs, not a table: its row is the nearest block holding the link and the
    # partition count.
    row = link.locator("xpath=ancestor::div[.//button[contains(., ' partitions')]][1]")
    expect(row.get_by_text("aarskjoring").first).to_be_visible()
    expect(row.get_by_text(f"{len(BACKFILL_YEARS)} partitions", exact=True)).to_be_visible()
    _shot(page, "ui-09-tilbakefyllingar.png", clip={"x": 0, "y": 0, "width": 1400, "height": 240})
    row.get_by_text(f"{len(BACKFILL_YEARS)} partitions", exact=True).click()
    requested = page.get_by_role("dialog").filter(has_text=f"Partitions requested for backfill: {backfill_id}")
    for year in BACKFILL_YEARS:
        expect(requested.get_by_text(year, exact=True)).to_be_visible()
    expect(requested.get_by_text("2015", exact=True)).to_have_count(0)
    _shot(page, "ui-10-tilbakefylling-partisjonar.png")
