"""Fault injection: crashes, odd inboxes and runs that meet each other lose nothing and leave no wrong result.

Each test breaks something on purpose (a kill during the archive copy or inside the validation write,
a file that changes while it is copied, names that are not UTF-8, links, hidden and lock files, two
runs on one folder, a damaged warehouse, a missing or empty inbox, a bad date, a full disk) and then
checks what a user would notice: what was received is in the archive byte for byte, the warehouse
holds no half year, the message says what happened, and the next run gives what a clean run gives.

Expensive steps are shared: the clean reference is conftest's `small_run` (the small hand-made inbox
through `samanom run`); most cases need only landing, reading and validation (`ingest`), which are
run through Dagster without the documents.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pypdf
import pytest
from conftest import YEAR, materialised_metadata

from pipelines import landing, runs, warehouse

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


# --- helpers ---------------------------------------------------------------------------------------


def copy_inbox(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def ingest(inbox: Path, out: Path, **settings) -> None:
    """Register, landing, reading and validation of YEAR through Dagster (no marts, no documents)."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.resources import Settings

    assets = list(defs.assets)
    keys = [k for a in assets for k in a.keys if k.path[0] == "register"]
    res = {"settings": Settings(inbox=str(inbox), out=str(out), **settings)}
    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize(assets, selection=keys, instance=instance, resources=res).success
    from pipelines.assets.ingest import validerte_innsendinger

    # validation is one step that writes the accepted tables together: all its assets are selected
    yearly = [
        dg.AssetKey(["landing", "innkomne_filer"]),
        dg.AssetKey(["reading", "innsendinger"]),
        *validerte_innsendinger.keys,
    ]
    assert dg.materialize(assets, selection=yearly, partition_key=str(YEAR), instance=instance, resources=res).success


def tables(db: Path) -> dict[str, list]:
    """Every table of the warehouse, rows sorted: what two runs must agree on."""
    with warehouse.connect(db, read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_type = 'BASE TABLE' order by table_name"
            ).fetchall()
        ]
        return {n: sorted(map(repr, con.execute(f'select * from "{n}"').fetchall())) for n in names}


def without_letter_hashes(out: Path) -> tuple[dict, list]:
    """The warehouse's tables and journal.csv with each dispatched letter's SHA-256 left out."""
    db = out / "samanom.duckdb"
    every = tables(db)
    with warehouse.connect(db, read_only=True) as con:
        every["core_brevjournal"] = sorted(
            map(repr, con.execute("select * exclude (sha256) from core_brevjournal").fetchall())
        )
    with open(out / str(YEAR) / "brev" / "journal.csv", encoding="utf-8") as f:
        rows = [{k: v for k, v in r.items() if k != "sha256"} for r in csv.DictReader(f)]
    return every, rows


RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def documents(out: Path) -> dict[str, str]:
    """SHA-256 of every PDF of the year (the annual report and each letter). The report's appendix and each
    letter name the Dagster run that made them, which differs between two output folders by design: they are
    compared by their text with the run id left out."""
    folder = out / str(YEAR)

    def fingerprint(p: Path) -> str:
        if p.name.endswith("-vedlegg.pdf") or "brev" in p.relative_to(folder).parts:
            # without whitespace, so that an id the table cell wrapped is whole again
            text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pypdf.PdfReader(p).pages))
            return hashlib.sha256(RUN_ID.sub("<kjøring>", text).encode()).hexdigest()
        return hashlib.sha256(p.read_bytes()).hexdigest()

    return {p.relative_to(folder).as_posix(): fingerprint(p) for p in sorted(folder.rglob("*.pdf"))}


def archive_is_sound(out: Path) -> None:
    """Every archive file's bytes hash to its name, and no half-written copy is left."""
    files = sorted((out / "arkiv").iterdir())
    assert files
    for p in files:
        assert not p.name.startswith(landing.TEMP_PREFIX), f"half-written copy left: {p.name}"
        assert landing.sha256_of(p) == p.name.split(".")[0], p.name


def inbox_shas(inbox: Path) -> set[str]:
    return {landing.sha256_of(p) for p in landing.inbox_files(inbox / str(YEAR))}


def run_cli(args: list[str], patch: str = "", timeout: int = 900) -> subprocess.CompletedProcess:
    """`samanom` in a child process, with `patch` (Python) applied first: how a fault is injected."""
    script = (
        f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n{textwrap.dedent(patch)}\n"
        f"from pipelines.cli import main\nsys.exit(main({args!r}))\n"
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=timeout)


def run_python(code: str, timeout: int = 600) -> subprocess.CompletedProcess:
    script = f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n{textwrap.dedent(code)}\n"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=timeout)


KILL_IN_COPY = """
    import os, signal
    from pipelines import landing
    def dying(out, chunk):
        out.write(chunk[: len(chunk) // 2]); out.flush(); os.fsync(out.fileno())
        os.kill(os.getpid(), signal.SIGKILL)
    landing._write_chunk = dying
"""


@pytest.fixture(scope="module")
def clean_ingest(small_inbox, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean_ingest")
    ingest(small_inbox, out)
    return out


# --- 1. landing that cannot lose or corrupt a file ------------------------------------------------


def test_kill_during_archive_copy_leaves_nothing_wrong_and_the_next_run_equals_a_clean_one(
    small_inbox, small_run, tmp_path
):
    out = tmp_path / "out"
    args = ["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out)]
    killed = run_cli(args, patch=KILL_IN_COPY)
    assert killed.returncode == -signal.SIGKILL
    # the kill left a half-written temporary copy, never an archive entry under a file's name
    arkiv = list((out / "arkiv").iterdir())
    assert arkiv and all(p.name.startswith(landing.TEMP_PREFIX) for p in arkiv)
    assert not (out / str(YEAR) / "run.json").exists()

    from pipelines.cli import main

    assert main(args) == 0
    archive_is_sound(out)
    assert {p.name.split(".")[0] for p in (out / "arkiv").iterdir()} == inbox_shas(small_inbox)
    assert tables(out / "samanom.duckdb") == tables(small_run / "samanom.duckdb")
    assert documents(out) == documents(small_run)
    # the killed run no longer stands «started» in the run history: it would hold the queue forever
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(out / ".dagster"))
    statuses = [r.status for r in instance.get_runs()]
    assert dg.DagsterRunStatus.STARTED not in statuses
    assert dg.DagsterRunStatus.FAILURE in statuses


def test_a_wrong_archive_entry_is_repaired_and_what_was_read_from_it_read_again(
    small_inbox, clean_ingest, tmp_path, monkeypatch
):
    """The old landing trusted an archive file that existed: after a crash an empty copy stood for a
    real report («Fila er tom»), and reading, which skips what it has read, kept that verdict."""
    out = tmp_path / "out"
    victim = small_inbox / str(YEAR) / "2014-01-12_P1-01_arsrapport.xlsx"
    sha = landing.sha256_of(victim)
    (out / "arkiv").mkdir(parents=True)
    (out / "arkiv" / f"{sha}.xlsx").write_bytes(b"")  # what a killed non-atomic copy left

    def old_archive(src, archive_dir, suffix):  # the landing before this issue: an existing entry is trusted
        digest = landing.sha256_of(src)
        target = archive_dir / f"{digest}{suffix}"
        if not target.exists():
            shutil.copyfile(src, target)
        return digest, target, False

    with monkeypatch.context() as m:
        m.setattr(landing, "archive", old_archive)
        m.setattr(landing, "verify", lambda path, sha256: None)
        ingest(small_inbox, out)
    with warehouse.connect(out / "samanom.duckdb", read_only=True) as con:
        wrong = con.execute(
            "select utfall from core_filer where sha256 = ? and mottak = 'arkivert' order by filnavn limit 1", [sha]
        ).fetchone()[0]
    assert wrong == "avvist"  # the wrong verdict, as the issue saw it

    ingest(small_inbox, out)
    archive_is_sound(out)
    assert (out / "arkiv" / f"{sha}.xlsx").read_bytes() == victim.read_bytes()
    assert tables(out / "samanom.duckdb") == tables(clean_ingest / "samanom.duckdb")


def test_a_file_that_changes_while_it_is_copied_is_archived_as_it_is_once_it_stands_still(tmp_path, monkeypatch):
    year_dir = tmp_path / "inbox" / str(YEAR)
    year_dir.mkdir(parents=True)
    src = year_dir / "2014-01-17_P2-07_arsrapport.xlsx"
    content = os.urandom(8095)
    src.write_bytes(content)
    original = landing._copy_once
    calls = []

    def truncated_while_copied(path, out):
        calls.append(path)
        if len(calls) == 1:  # the sender's program re-saves: truncated, copied, then written again
            path.write_bytes(b"")
            digest = original(path, out)
            path.write_bytes(content)
            return digest
        return original(path, out)

    monkeypatch.setattr(landing, "_copy_once", truncated_while_copied)
    result = landing.land(year_dir, tmp_path / "out" / "arkiv", tmp_path / "out")
    (f,) = result.files
    assert f.mottak == landing.ARCHIVED and f.storrelse_bytes == 8095
    assert f.sha256 == hashlib.sha256(content).hexdigest()
    assert (tmp_path / "out" / f.arkivsti).read_bytes() == content
    assert len(calls) == 2
    archive_is_sound(tmp_path / "out")

    # a file that never stands still is not archived half-way: it is recorded, to be landed next run
    def always_changing(path, out):
        digest = original(path, out)
        path.write_bytes(os.urandom(100))  # saved again while we copied
        return digest

    src.write_bytes(b"x")
    monkeypatch.setattr(landing, "_copy_once", always_changing)
    (g,) = landing.land(year_dir, tmp_path / "out" / "arkiv", tmp_path / "out").files
    assert g.mottak == landing.UNSTABLE and g.sha256 is None
    archive_is_sound(tmp_path / "out")


# --- 2. every version a name had, and files gone from the inbox -------------------------------------


def test_a_correction_under_the_same_name_and_a_removed_file_stay_in_the_warehouse(small_inbox, tmp_path):
    inbox = copy_inbox(small_inbox, tmp_path / "inbox")
    out = tmp_path / "out"
    year_dir = inbox / str(YEAR)
    ingest(inbox, out)
    csv = year_dir / "2014-02-14_sporjeskjema_eksport.csv"
    first = landing.sha256_of(csv)
    csv.write_bytes(csv.read_bytes().replace(b"Betre omd", b"Mykje betre omd"))  # corrected, same name
    second = landing.sha256_of(csv)
    broken = year_dir / "2014-01-13_P1-02_arsrapport.xlsx"
    gone = landing.sha256_of(broken)
    broken.unlink()
    ingest(inbox, out)
    ingest(inbox, out)  # the same inbox again changes nothing
    with warehouse.connect(out / "samanom.duckdb", read_only=True) as con:
        hist = con.execute(
            "select filnavn, versjon, sha256, erstattet_av, borte from raw_filhistorikk "
            "where aar = ? order by filnavn, versjon",
            [YEAR],
        ).fetchall()
        utfall = dict(
            ((r[0], r[1]), r[2])
            for r in con.execute("select sha256, versjon, utfall from core_filer where aar = ?", [YEAR]).fetchall()
        )
        current = {r[0] for r in con.execute("select sha256 from raw_filer where aar = ?", [YEAR]).fetchall()}
    assert (csv.name, 1, first, second, False) in hist
    assert (csv.name, 2, second, None, False) in hist
    assert (broken.name, 1, gone, None, True) in hist
    assert utfall[(first, 1)] == "eldre_versjon" and utfall[(gone, 1)] == "borte"
    assert utfall[(second, 2)] in {"lest", "delvis_lest"}
    assert first not in current and gone not in current  # not read as reports any more
    assert (out / "arkiv" / f"{first}.csv").read_bytes() != csv.read_bytes()  # the first version's bytes kept


# --- 3. the inbox as it really is ------------------------------------------------------------------


def test_odd_names_links_hidden_and_lock_files(small_inbox, small_run, tmp_path):
    inbox = copy_inbox(small_inbox, tmp_path / "inbox")
    year_dir = inbox / str(YEAR)
    report = (year_dir / "2014-01-12_P1-01_arsrapport.xlsx").read_bytes()
    latin1 = os.fsencode(year_dir) + b"/2014-01-21_\xe5rsrapport_kopi.txt"  # «å» in Latin-1, not UTF-8
    Path(os.fsdecode(latin1)).write_bytes(b"ikkje eit skjema")
    secret = tmp_path / "hemmeleg.xlsx"
    secret.write_bytes(b"must never be archived")
    (year_dir / "lenke.xlsx").symlink_to(secret)
    (year_dir / "mappelenke").symlink_to(tmp_path, target_is_directory=True)
    (year_dir / ".2014-01-23_P1-16_arsrapport.xlsx").write_bytes(report + b"\0")  # hidden, a real report
    (year_dir / "~$2014-01-12_P1-01_arsrapport.xlsx").write_bytes(b"\x0bKari Li" + b" " * 150)
    (year_dir / ".~lock.2014-01-12_P1-01_arsrapport.xlsx#").write_bytes(b"Kari Li,host,23.01.2014;")
    os.mkfifo(year_dir / "kanal.csv")  # reading it would hang the run

    out = tmp_path / "out"
    from pipelines.cli import main

    assert main(["run", "--year", str(YEAR), "--inbox", str(inbox), "--out", str(out)]) == 0
    with warehouse.connect(out / "samanom.duckdb", read_only=True) as con:
        got = {
            (r[0], r[1]): r[2]
            for r in con.execute("select filnavn, filnavn_hex, utfall from core_filer where aar = ?", [YEAR]).fetchall()
        }
        clean = duckdb.connect(str(small_run / "samanom.duckdb"), read_only=True)
        # hidden and lock files are never counted as reports, received or rejected
        for mart in ("mart_prosjekt_aar", "mart_pulje_aar", "mart_indikator_aar"):
            assert sorted(map(repr, con.execute(f"select * from {mart}").fetchall())) == sorted(
                map(repr, clean.execute(f"select * from {mart}").fetchall())
            ), mart
        clean.close()
    readable = "2014-01-21_årsrapport_kopi.txt"
    assert got[(readable, latin1.rsplit(b"/", 1)[1].hex())] == "avvist"
    assert got[("lenke.xlsx", None)] == "lenke_avvist" and got[("mappelenke", None)] == "lenke_avvist"
    assert got[(".2014-01-23_P1-16_arsrapport.xlsx", None)] == "skjult_fil"
    assert got[("~$2014-01-12_P1-01_arsrapport.xlsx", None)] == "laasefil"
    assert got[(".~lock.2014-01-12_P1-01_arsrapport.xlsx#", None)] == "laasefil"
    assert got[("kanal.csv", None)] == "ikke_vanlig_fil"
    # the validation asset lists every entry that was not read, with its outcome in words as its reason
    from pipelines.assets.ingest import VALIDATED
    from pipelines.documents.formatting import text

    reasons = {
        r.data["filnavn"]: r.data["grunn"] for r in materialised_metadata(out, VALIDATED)["avviste_filer"].value.records
    }
    for (filnavn, _), utfall in got.items():
        if utfall in landing.NOT_READ:
            assert reasons[filnavn] == text(f"utfall_{utfall}", "nb"), filnavn
    assert reasons[readable] and reasons["lenke.xlsx"] and reasons["kanal.csv"]
    archived = {p.read_bytes() for p in (out / "arkiv").iterdir()}
    assert secret.read_bytes() not in archived  # links are never followed
    assert report + b"\0" in archived  # the hidden report is kept, byte for byte
    archive_is_sound(out)
    text = subprocess.run(
        ["pdftotext", str(out / str(YEAR) / f"arsrapport-{YEAR}-vedlegg.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert readable in text and ".2014-01-23_P1-16_arsrapport.xlsx" in text
    summary = json.loads((out / str(YEAR) / "run.json").read_text(encoding="utf-8"))
    assert summary["vellykket"] and summary["filer_utfall"]["laasefil"] == 2


def test_a_missing_inbox_or_year_folder_is_an_error_and_an_empty_year_needs_the_flag(small_run, tmp_path, capsys):
    from pipelines.cli import _before_run, main

    out = tmp_path / "out"
    assert main(["run", "--year", str(YEAR), "--inbox", str(tmp_path / "finnes_ikke"), "--out", str(out)]) == 2
    assert "Innboksen" in capsys.readouterr().err and not (out / "samanom.duckdb").exists()
    (tmp_path / "inbox").mkdir()
    assert main(["run", "--year", str(YEAR), "--inbox", str(tmp_path / "inbox"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"Årsmappen {tmp_path / 'inbox' / str(YEAR)} finnes ikke" in err and len(err.strip().splitlines()) <= 2

    # a year that had files is not emptied by an empty folder, unless the run says so
    out = tmp_path / "out2"
    shutil.copytree(small_run, out)
    (tmp_path / "inbox" / str(YEAR)).mkdir()
    before = (out / "samanom.duckdb").read_bytes()
    assert main(["run", "--year", str(YEAR), "--inbox", str(tmp_path / "inbox"), "--out", str(out)]) == 2
    assert "--tom-innboks-ok" in capsys.readouterr().err
    assert (out / "samanom.duckdb").read_bytes() == before
    # what is never read as a report does not make the folder less empty: Finder's and Excel's leftovers, links
    year_dir = tmp_path / "inbox" / str(YEAR)
    (year_dir / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (year_dir / "~$2014-01-12_P1-01_arsrapport.xlsx").write_bytes(b"\x0bKari Li")
    (year_dir / "lenke.xlsx").symlink_to(small_run / "samanom.duckdb")
    (year_dir / ".skjult").mkdir()
    (year_dir / ".skjult" / "2014-01-12_P1-01_arsrapport.xlsx").write_bytes(b"PK\x03\x04")
    assert main(["run", "--year", str(YEAR), "--inbox", str(tmp_path / "inbox"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "er tom" in err and "--tom-innboks-ok" in err
    assert (out / "samanom.duckdb").read_bytes() == before
    import argparse

    from pipelines.cli import main as _main  # noqa: F401  (the flag is a real option of `samanom run`)

    args = argparse.Namespace(year=YEAR, inbox=str(tmp_path / "inbox"), out=str(out), tom_innboks_ok=True)
    _before_run(args, out.resolve())  # passes: the flag says the year is to be emptied
    runs.release_lock(out.resolve())


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2014-13-45", "«2014-13-45» er ikke en gyldig dato"),
        ("2014-03-01", "Datoen 2014-03-01 er ikke en arbeidsdag (lørdag); neste arbeidsdag er 2014-03-03."),
    ],
)
def test_a_bad_date_stops_before_anything_is_written(small_inbox, tmp_path, capsys, date, message):
    from pipelines.cli import main

    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        main(["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out), "--date", date])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and not any("Traceback" in line for line in err)
    assert not out.exists()


def test_a_run_from_the_ui_refuses_a_date_that_is_not_a_working_day_before_it_starts(tmp_path):
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.resources import Settings

    with pytest.raises(ValueError, match="er ikke en arbeidsdag"):
        Settings(out=str(tmp_path / "out"), rapportdato="2014-05-17")
    result = defs.resolve_job_def("aarskjoring").execute_in_process(
        partition_key=str(YEAR),
        run_config={"resources": {"settings": {"config": {"out": str(tmp_path / "out"), "rapportdato": "2014-05-17"}}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert not [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START]
    assert not (tmp_path / "out").exists()


# --- 4. one transaction per year's write, and a damaged warehouse -----------------------------------


def test_a_kill_inside_the_validation_write_leaves_the_year_as_it_was(small_inbox, clean_ingest, tmp_path):
    inbox = copy_inbox(small_inbox, tmp_path / "inbox")
    out = tmp_path / "out"
    shutil.copytree(clean_ingest, out)
    before = tables(out / "samanom.duckdb")
    (inbox / str(YEAR) / "2014-01-12_P1-01_arsrapport.xlsx").unlink()  # the next run would change the year
    killed = run_python(f"""
        import os, signal
        from pipelines import warehouse
        original = warehouse._replace
        def dying(con, table, year, df):
            if table == "core_avvik":  # core_filer and core_innsendinger are written, not committed
                os.kill(os.getpid(), signal.SIGKILL)
            return original(con, table, year, df)
        warehouse._replace = dying
        import test_faults
        test_faults.ingest({str(inbox)!r}, {str(out)!r})
    """)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    after = tables(out / "samanom.duckdb")
    for table in ("core_filer", "core_innsendinger", "core_avvik", "core_indikatorer"):
        assert after[table] == before[table], f"{table}: half a year shows after the kill"
    ingest(inbox, out)
    unbroken = tmp_path / "unbroken"  # the same two inboxes, one after the other, without the kill
    shutil.copytree(clean_ingest, unbroken)
    ingest(inbox, unbroken)
    assert tables(out / "samanom.duckdb") == tables(unbroken / "samanom.duckdb")


KILL_IN_MARTS = """
    import os, signal
    from pipelines import warehouse
    original, built = warehouse.build_mart, []
    def dying(con, path, year):
        built.append(path.stem)
        if len(built) == 4:  # some marts of the year written, the rest not
            os.kill(os.getpid(), signal.SIGKILL)
        return original(con, path, year)
    warehouse.build_mart = dying
"""


def test_a_kill_while_the_marts_are_built_and_the_next_run_equals_a_clean_one(small_inbox, small_run, tmp_path):
    out = tmp_path / "out"
    args = ["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out)]
    killed = run_cli(args, patch=KILL_IN_MARTS)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    from pipelines.cli import main

    assert main(args) == 0
    assert tables(out / "samanom.duckdb") == tables(small_run / "samanom.duckdb")
    assert documents(out) == documents(small_run)


def damage(db: Path) -> bytes:
    """A bad block where a table's data is (DuckDB reads and checksums only what a block holds, so a block
    picked by position may be spare room): the start of the first block of the file table."""
    with duckdb.connect(str(db), read_only=True) as con:
        size = con.execute("select block_size from pragma_database_size()").fetchone()[0]
        block = con.execute(
            "select min(block_id) from pragma_storage_info('core_filer') where block_id >= 0"
        ).fetchone()[0]
    start = 3 * 4096 + block * size + 8  # after the file's three headers and the block's own checksum
    damaged = bytearray(db.read_bytes())
    damaged[start : start + 4096] = b"\xff" * 4096
    db.write_bytes(bytes(damaged))
    return bytes(damaged)


def test_a_damaged_warehouse_stops_the_run_before_anything_is_written_and_names_the_backup(
    small_inbox, small_run, tmp_path, capsys
):
    from pipelines.cli import main

    out = tmp_path / "out"
    shutil.copytree(small_run, out)
    db = out / "samanom.duckdb"
    backup = warehouse.backup_path(db)
    assert backup.exists(), "a successful run keeps a backup of the warehouse"
    damaged = damage(db)
    runs_before = sorted((out / ".dagster").rglob("*"))
    args = ["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out)]
    assert main(args) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "er skadet" in err[0] and f"cp {backup} {db}" in err[1]
    assert db.read_bytes() == bytes(damaged)  # nothing written into it
    assert json.loads((out / str(YEAR) / "run.json").read_text(encoding="utf-8")) == json.loads(
        (small_run / str(YEAR) / "run.json").read_text(encoding="utf-8")
    )
    assert sorted((out / ".dagster").rglob("*")) == runs_before
    # the way the message says
    shutil.copyfile(backup, db)
    assert main(args) == 0
    assert tables(db) == tables(small_run / "samanom.duckdb")
    assert documents(out) == documents(small_run)


def dispatch(inbox: Path, out: Path) -> None:
    """The year's letters dispatched (`--status endelig`) through Dagster: the letters' asset only, over a
    warehouse a run has built."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.resources import Settings

    res = {"settings": Settings(inbox=str(inbox), out=str(out), status="endelig", rapportdato="2014-02-17")}
    assert dg.materialize(
        list(defs.assets),
        selection=[dg.AssetKey(["reports", "oppfolgingsbrev"])],
        partition_key=str(YEAR),
        instance=dg.DagsterInstance.ephemeral(),
        resources=res,
    ).success


KILL_IN_DISPATCH = """
    import os, signal
    from pipelines.documents import pdf
    original, archived = pdf.write_atomic, []
    def dying(path, data, durable=False):
        if durable:  # a dispatched letter: two are in the archive, the third is half-written, no journal row
            archived.append(path)
            if len(archived) == 3:
                path.with_name(f".{path.name}.{os.getpid()}{pdf.TEMP_SUFFIX}").write_bytes(data[: len(data) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
        return original(path, data, durable)
    pdf.write_atomic = dying
"""


def test_a_kill_during_dispatch_is_no_dead_end_and_the_next_run_equals_a_clean_dispatch(
    small_inbox, small_run, tmp_path
):
    clean = tmp_path / "clean"
    shutil.copytree(small_run, clean)
    dispatch(small_inbox, clean)
    out = tmp_path / "out"
    shutil.copytree(small_run, out)
    shutil.copytree(clean / ".cache", out / ".cache", dirs_exist_ok=True)  # the same letters, rendered once
    killed = run_python(
        KILL_IN_DISPATCH + f"    import test_faults\n    test_faults.dispatch({str(small_inbox)!r}, {str(out)!r})\n"
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    sendt = out / str(YEAR) / "brev" / "sendt"
    adopted, wrong = sorted(sendt.glob("*.pdf"))
    assert len(list(sendt.glob(".*"))) == 1  # the half-written third letter, under a temporary name
    with warehouse.connect(out / "samanom.duckdb", read_only=True) as con:
        assert con.execute("select count(*) from core_brevjournal where dokument = 'brev'").fetchone()[0] == 0
    # a file in the archive without its journal row was never dispatched: one with other bytes (what an
    # older, non-atomic copy left, or a dispatch whose facts changed since) is replaced, not trusted
    wrong.write_bytes(wrong.read_bytes()[:1000])
    killed_bytes = adopted.read_bytes()

    dispatch(small_inbox, out)
    # an unjournaled letter is kept only when the re-run writes the same bytes; letters print the run that first
    # wrote their content, and the killed run recorded none, so the re-run's letter (with its own id) replaces it
    assert adopted.exists() and adopted.read_bytes() != killed_bytes
    assert sorted(p.name for p in sendt.iterdir()) == sorted(
        p.name for p in (clean / str(YEAR) / "brev" / "sendt").iterdir()
    )
    # a dispatched letter's SHA-256 covers the run id it prints, which differs between two output folders by
    # design: the journal is compared without it here, and each hash against its file below
    assert without_letter_hashes(out) == without_letter_hashes(clean)
    assert documents(out) == documents(clean)
    with warehouse.connect(out / "samanom.duckdb", read_only=True) as con:
        journaled = dict(con.execute("select fil, sha256 from core_brevjournal where dokument = 'brev'").fetchall())
    assert journaled == {f"brev/sendt/{p.name}": landing.sha256_of(p) for p in sendt.glob("*.pdf")}


def test_a_damaged_warehouse_stops_a_run_from_the_ui_before_anything_is_written(small_inbox, small_run, tmp_path):
    """A run the UI, the sensor or a back-fill starts does not pass through `samanom run`'s checks: the
    run's resources check the warehouse before any step (the register is first) writes into it."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.resources import Settings

    out = tmp_path / "out"
    shutil.copytree(small_run, out)
    db = out / "samanom.duckdb"
    damaged = damage(db)
    config = Settings(inbox=str(small_inbox), out=str(out)).model_dump()
    result = defs.resolve_job_def("aarskjoring").execute_in_process(
        partition_key=str(YEAR),
        run_config={"resources": {"settings": {"config": config}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert not [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START]
    assert db.read_bytes() == damaged  # nothing written into it
    reason = runs.explain_failure(result, out)
    assert "er skadet" in reason and str(warehouse.backup_path(db)) in reason, reason
    runs.take_lock(out)  # the failed run let go of the folder
    runs.release_lock(out)


# --- 5. runs that meet each other --------------------------------------------------------------------


def test_a_second_run_on_the_same_folder_stops_with_one_line_and_leaves_the_other_alone(small_inbox, tmp_path, capsys):
    from pipelines.cli import main

    out = tmp_path / "out"
    (out / str(YEAR)).mkdir(parents=True)
    theirs = '{"vellykket": true, "dagster_run_id": "den andre"}\n'
    (out / str(YEAR) / "run.json").write_text(theirs, encoding="utf-8")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from pipelines import runs
        runs.take_lock(Path({str(out)!r}))
        print("held", flush=True)
        time.sleep(120)
    """),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out)]) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert f"pid {holder.pid}" in err[0] and "skriver allerede" in err[0] and len(err) == 2
        assert (out / str(YEAR) / "run.json").read_text(encoding="utf-8") == theirs
        assert not (out / "samanom.duckdb").exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder is gone (killed): its lock went with it, and the folder is free again
    runs.take_lock(out)
    runs.release_lock(out)


def test_an_abandoned_run_is_told_from_a_live_one():
    import dagster as dg
    from dagster._core.storage.dagster_run import DagsterRun

    instance = dg.DagsterInstance.ephemeral()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive, gone = runs.this_process(), f"{os.uname().nodename}:{dead.pid}:1"
    for run_id, identity in (("levande", alive), ("forlaten", gone)):
        instance.add_run(
            DagsterRun(
                job_name="aarskjoring",
                run_id=run_id,
                status=dg.DagsterRunStatus.STARTED,
                tags={runs.PROCESS_TAG: identity},
            )
        )
    assert runs.fail_abandoned_runs(instance) == ["forlaten"]
    assert instance.get_run_by_id("forlaten").status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("levande").status == dg.DagsterRunStatus.STARTED
    assert runs.fail_abandoned_runs(instance) == []


def test_a_run_killed_outside_the_command_is_failed_by_the_cleanup_sensor(tmp_path):
    """A run the UI, the sensor or a back-fill started, killed mid-run: with one run at a time it would hold
    the queue forever, and no `samanom run` comes along to clean up. The `opprydding` sensor, on by
    default, marks it failed; a run still alive is left alone."""
    import dagster as dg

    from pipelines.cli import INSTANCE_CONFIG, _instance_home
    from pipelines.definitions import defs
    from pipelines.sensors import opprydding

    out = tmp_path / "out"
    home = _instance_home(out)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == INSTANCE_CONFIG
    killed = run_python(f"""
        import os, signal
        import dagster as dg
        from pipelines.resources import Settings

        @dg.asset
        def dies(settings: Settings):  # the run has started and named its process (the resource's setup)
            os.kill(os.getpid(), signal.SIGKILL)

        instance = dg.DagsterInstance.from_config({str(home)!r})
        dg.materialize([dies], instance=instance, resources={{"settings": Settings(out={str(out)!r})}})
    """)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    instance = dg.DagsterInstance.from_config(str(home))
    assert instance.run_monitoring_enabled  # «starting» runs are Dagster's; «started» ones are ours
    (dead,) = instance.get_runs()
    assert dead.status == dg.DagsterRunStatus.STARTED and runs.PROCESS_TAG in dead.tags
    from dagster._core.storage.dagster_run import DagsterRun

    instance.add_run(
        DagsterRun(
            job_name="aarskjoring",
            run_id="levende",
            status=dg.DagsterRunStatus.STARTED,
            tags={runs.PROCESS_TAG: runs.this_process()},
        )
    )
    assert opprydding.default_status == dg.DefaultSensorStatus.RUNNING
    assert defs.resolve_sensor_def("opprydding") is opprydding
    result = opprydding(dg.build_sensor_context(instance=instance))
    assert dead.run_id in result.skip_message
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("levende").status == dg.DagsterRunStatus.STARTED
    # the folder is free again: the killed run's lock went with its process
    runs.take_lock(out)
    runs.release_lock(out)
    assert opprydding(dg.build_sensor_context(instance=instance)).skip_message == "Ingen avbrutte kjøringer."


# --- 6. clear errors ---------------------------------------------------------------------------------


def _mount_tmpfs(path: Path, options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return (
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True).returncode == 0
    )


def test_a_read_only_output_folder_gives_one_clear_line(small_inbox, tmp_path, capsys):
    from pipelines.cli import main

    out = tmp_path / "ro"
    if not _mount_tmpfs(out, "ro,size=1m"):
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        assert main(["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 2 and "Kan ikke skrive til" in err[0] and "--out" in err[1]
    finally:
        subprocess.run(["umount", str(out)], check=False)


def test_a_full_disk_says_no_space_left_and_the_next_run_equals_a_clean_one(small_inbox, small_run, tmp_path):
    out = tmp_path / "full"
    if not _mount_tmpfs(out, "size=3m"):
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        args = ["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out)]
        full = run_cli(args)
        assert full.returncode != 0
        assert "No space left on device" in full.stderr.strip().splitlines()[-2] + full.stderr.strip().splitlines()[-1]
        assert "Traceback" not in full.stderr.split("samanom:")[-1]
        subprocess.run(["mount", "-o", "remount,size=400m", str(out)], check=True)
        again = run_cli(args)
        assert again.returncode == 0, again.stderr[-3000:]
        archive_is_sound(out)
        assert tables(out / "samanom.duckdb") == tables(small_run / "samanom.duckdb")
        assert documents(out) == documents(small_run)
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)


def test_ui_on_sigterm_ends_dagster_dev(tmp_path):
    import socket as _socket

    with _socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ui = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port), "--out", str(tmp_path / "out")],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        group = None
        for _ in range(120):
            pids = _children(ui.pid)
            if pids:
                group = pids[0]
                break
            time.sleep(0.5)
        assert group, "samanom ui started no dagster dev"
        time.sleep(3)
        ui.send_signal(signal.SIGTERM)
        ui.wait(timeout=60)
        for _ in range(60):
            alive = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _pgid(int(p.name)) == group]
            if not alive:
                break
            time.sleep(0.5)
        assert not alive, f"dagster dev left running: {[p.name for p in alive]}"
    finally:
        if ui.poll() is None:
            ui.kill()


def _children(pid: int) -> list[int]:
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(p.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


# --- 7. reports from their inputs ---------------------------------------------------------------------


def test_the_run_key_covers_every_year_the_report_reads(small_run, tmp_path):
    from pipelines.assets.reports import run_key

    db = tmp_path / "lager.duckdb"
    shutil.copyfile(small_run / "samanom.duckdb", db)
    with warehouse.connect(db) as con:
        key = run_key(con, YEAR)
        assert run_key(con, YEAR) == key  # the same inputs, the same key
        con.execute(
            "insert into raw_filhistorikk (aar, filnavn, versjon, sha256, mottak, borte) "
            "values (?, 'a.xlsx', 1, 'ab', 'arkivert', false)",
            [YEAR - 1],
        )
        assert run_key(con, YEAR) != key  # another earlier year: the series mart reads it
        later = run_key(con, YEAR)
        con.execute(
            "insert into raw_filhistorikk (aar, filnavn, versjon, sha256, mottak, borte) "
            "values (?, 'a.xlsx', 1, 'ab', 'arkivert', false)",
            [YEAR + 1],
        )
        assert run_key(con, YEAR) == later  # a later year is not the report's input
        con.execute(
            "update ref_prosjekt set prosjektnavn = prosjektnavn || ' ' where prosjektnummer = "
            "(select min(prosjektnummer) from ref_prosjekt)"
        )
        assert run_key(con, YEAR) != later  # the register is an input too
