"""The Dagster UI in a real browser, over a real run of the sample year: what an auditor sees.

`samanom run --year 2013` on the bundled inbox, then `samanom ui` on a free loopback port, driven by
Debian's Chromium through Playwright: the report group's graph, the annual report's page with its
latest materialisation (partition 2013) and metadata, and the checks beside the assets on its path.
No mock of the UI or of its GraphQL. Screenshots land in `tests/artifacts/` (git-ignored).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.resources import DEFAULT_INBOX, REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
YEAR = "2013"
LOCATION = "pipelines.definitions"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's Chromium (/usr/bin/chromium) is not installed; "
                                       "`make system` (scripts/install-system.sh) installs it")


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
    pytest.fail(f"the Dagster UI did not answer on {url} within {timeout} s:\n"
                f"{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """`dagster dev` does not exit promptly on SIGTERM: end its whole process group."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    """A fresh run of 2013 (about a minute), or an output folder of an earlier `samanom run --year 2013`
    named by SAMANOM_UI_TEST_OUT, to iterate on this test faster."""
    if os.environ.get("SAMANOM_UI_TEST_OUT"):
        return Path(os.environ["SAMANOM_UI_TEST_OUT"])
    out = tmp_path_factory.mktemp("ui-out")
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--year", YEAR, "--inbox",
                           str(DEFAULT_INBOX), "--out", str(out)], cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def ui(sample_run, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("ui-log") / "dagster-dev.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port), "--inbox",
                                 str(DEFAULT_INBOX), "--out", str(sample_run)], cwd=REPO, env=_env(),
                                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/server_info", proc, log)
        yield base
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def page(ui, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1600, "height": 1000}, locale="nb-NO")
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


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


def test_auditor_follows_the_annual_report_in_the_ui(ui, page):
    from playwright.sync_api import expect

    # 1. The graph of the report group: both documents, with the marts they are built from.
    page.goto(f"{ui}/locations/{LOCATION}/asset-groups/reports", wait_until="domcontentloaded")
    _dismiss_dialogs(page)
    expect(page.get_by_text("arsrapport", exact=True).first).to_be_visible()
    expect(page.get_by_text("oppfolgingsbrev", exact=True).first).to_be_visible()
    expect(page.get_by_text("mart_pulje_aar").first).to_be_visible()
    page.wait_for_timeout(1_000)  # let the graph settle before the picture
    _shot(page, "ui-01-graf-reports.png")

    # 2. The group's list, and from there the annual report's own page.
    page.get_by_role("tab", name="List").click()
    page.locator('a[href="/assets/reports/arsrapport"]').first.click()
    expect(page).to_have_url(f"{ui}/assets/reports/arsrapport")
    _dismiss_dialogs(page)

    # 3. Its latest materialisation, for partition 2013, with the PDF's fingerprint and its upstream.
    expect(page.get_by_text("Latest materialization").first).to_be_visible()
    expect(page.locator(f'a[href="/assets/reports/arsrapport?view=partitions&partition={YEAR}"]').first
           ).to_be_visible()
    expect(page.get_by_text("sha256", exact=True).first).to_be_visible()
    expect(page.get_by_text(f"arsrapport-{YEAR}.pdf").first).to_be_visible()
    expect(page.get_by_text("marts / mart_kjeldefiler_aar").first).to_be_visible()
    _shot(page, "ui-02-arsrapport.png")

    # 4. The checks beside the assets on the report's path: every check in the code is listed.
    checks = _checks_in_code()
    for asset, shot in (("reports/arsrapport", "ui-03-arsrapport-sjekkar.png"),
                        ("reports/oppfolgingsbrev", "ui-04-oppfolgingsbrev-sjekkar.png"),
                        ("reading/validerte_innsendingar", "ui-05-validerte-innsendingar-sjekkar.png")):
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
