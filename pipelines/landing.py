"""Landing: every entry that arrived for a year, fingerprinted and archived.

The received date is taken from the file name as the secretariat saves it from
the mailbox (`2014-01-17_P1-07_arsrapport.xlsx`), because file times do not
survive a copy or a git clone. Files are archived byte for byte under their
SHA-256, so the same bytes arriving twice are stored once.

Nothing received may be lost or silently changed, so the archive is written
the way a crash cannot corrupt: a temporary file in the archive folder, synced
to disk, its bytes hashed again and compared with what was read from the
inbox, then renamed into place. An archive entry that already exists is
trusted only when its bytes still hash to its name; otherwise it is repaired
from the inbox, and the caller is told so that what was read from it is read
again.

The inbox is taken as it really is: names that are not valid UTF-8 (a Latin-1
«å» from a Windows zip file) are kept byte for byte and shown readably;
symbolic links are never followed; hidden files and office lock files are
recorded with their own outcome and never read as reports.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

RECEIVED_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ _-]")
MAX_FILE_BYTES = 20 * 1024 * 1024

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# What landing made of an inbox entry (raw_filer.mottak). Only `arkivert` files are read as reports;
# the others are recorded, and appear with this as their outcome (core_filer.utfall).
ARCHIVED = "arkivert"
LINK = "lenke_avvist"  # a symbolic link: never followed, whatever it points to
HIDDEN = "skjult_fil"  # a name (or folder) starting with '.': archived, not read
LOCK = "laasefil"  # an office lock file (`~$…`, `.~lock…#`): archived, not read
NOT_A_FILE = "ikke_vanlig_fil"  # a pipe, socket or device: never opened
UNSTABLE = "endret_under_kopiering"  # changed every time it was copied: not archived, try again
UNREADABLE = "kunne_ikke_leses"  # the operating system refused to open it (permissions)
NOT_READ = {LINK, HIDDEN, LOCK, NOT_A_FILE, UNSTABLE, UNREADABLE}

COPY_ATTEMPTS = 5
TEMP_PREFIX = ".kopi-"
CHUNK = 1 << 20


class ArchiveError(OSError):
    """The archive could not be written so that it holds exactly the bytes received."""


@dataclass(frozen=True)
class LandedFile:
    filnavn: str  # path relative to the year's inbox folder, readable (see display_name)
    sha256: str | None
    storrelse_bytes: int | None
    mottatt_dato: date | None
    format: str | None  # xlsx | xlsm | xls | ods | csv | ukjent
    arkivsti: str | None  # relative to the output folder
    mottak: str = ARCHIVED
    filnavn_hex: str | None = None  # the name's exact bytes, when they are not valid UTF-8


@dataclass
class Landing:
    files: list[LandedFile]
    repaired: set[str] = field(default_factory=set)  # sha256 of archive entries that were wrong and are mended


def received_date(name: str) -> date | None:
    m = RECEIVED_PREFIX.match(name)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def display_name(raw: bytes) -> tuple[str, str | None]:
    """A name as a person reads it, and its exact bytes (hex) when they are not UTF-8.

    Windows zip tools write names in the old code pages; cp1252 shows «å» and «ø»
    as the sender saw them. The hex keeps the file identifiable byte for byte.
    """
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), raw.hex()


def inbox_key(raw: bytes) -> str:
    """A file's key in the inbox sensor's cursor and in landing's record of what it landed: its path from
    the inbox, `<year>/<name>`; a name that is not UTF-8 is kept apart by its escaped bytes."""
    return raw.decode("utf-8", "backslashreplace")


def landed_files(year: int | str, files: list[LandedFile]) -> dict[str, str]:
    """`{"<year>/<file>": sha256}` for the files landed as reports: what the inbox sensor starts from."""
    return {
        inbox_key(
            f"{year}/".encode() + (bytes.fromhex(f.filnavn_hex) if f.filnavn_hex else f.filnavn.encode())
        ): f.sha256
        for f in files
        if f.mottak == ARCHIVED and f.sha256
    }


def sniff_format(path: Path) -> str:
    """The format the bytes say, not the name: a renamed file must not fool the reader."""
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "mimetype" in names and zf.read("mimetype").startswith(
                    b"application/vnd.oasis.opendocument.spreadsheet"
                ):
                    return "ods"
                if "xl/workbook.xml" in names:
                    return "xlsm" if suffix == ".xlsm" else "xlsx"
        except (zipfile.BadZipFile, OSError, KeyError):
            return "ukjent"
        return "ukjent"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if suffix in {".csv", ".txt"}:
        return "csv"
    return "ukjent"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def is_lock_file(name: str) -> bool:
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def _entries(folder: Path, hidden: bool = False):
    """(path, kind) for every entry under folder, links never followed, in byte order of the names."""
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: os.fsencode(e.name))
    for e in entries:
        path = Path(e.path)
        inside_hidden = hidden or e.name.startswith(".")
        if e.is_symlink():
            yield path, LINK
        elif e.is_dir(follow_symlinks=False):
            yield from _entries(path, inside_hidden)
        elif not e.is_file(follow_symlinks=False):
            yield path, NOT_A_FILE
        elif is_lock_file(e.name):
            yield path, LOCK
        elif inside_hidden:
            yield path, HIDDEN
        else:
            yield path, ARCHIVED


def inbox_files(year_dir: Path) -> list[Path]:
    """The regular files of a year's folder that are read as reports (no links, hidden or lock files)."""
    if not year_dir.is_dir():
        return []
    return [p for p, kind in _entries(year_dir) if kind == ARCHIVED]


def clear_temporaries(archive_dir: Path) -> int:
    """Half-written copies left by a run that was killed: never trusted, always removed."""
    removed = 0
    if archive_dir.is_dir():
        for p in archive_dir.glob(f"{TEMP_PREFIX}*"):
            p.unlink(missing_ok=True)
            removed += 1
    return removed


def land(year_dir: Path, archive_dir: Path, out_dir: Path) -> Landing:
    archive_dir.mkdir(parents=True, exist_ok=True)
    clear_temporaries(archive_dir)
    result = Landing(files=[])
    for path, kind in _entries(year_dir):
        name, name_hex = display_name(os.fsencode(path.relative_to(year_dir).as_posix()))
        received = received_date(display_name(os.fsencode(path.name))[0])
        if kind in (LINK, NOT_A_FILE):
            result.files.append(LandedFile(name, None, None, received, None, None, kind, name_hex))
            continue
        suffix = path.suffix.lower() if len(path.suffix) <= 6 else ""
        try:
            archived = archive(path, archive_dir, suffix)
        except PermissionError:
            result.files.append(LandedFile(name, None, None, received, None, None, UNREADABLE, name_hex))
            continue
        if archived is None:
            result.files.append(LandedFile(name, None, None, received, None, None, UNSTABLE, name_hex))
            continue
        digest, target, repaired = archived
        if repaired:
            result.repaired.add(digest)
        result.files.append(
            LandedFile(
                filnavn=name,
                sha256=digest,
                storrelse_bytes=target.stat().st_size,
                mottatt_dato=received,
                format=sniff_format(target),
                arkivsti=target.relative_to(out_dir).as_posix(),
                mottak=kind,
                filnavn_hex=name_hex,
            )
        )
    fsync_dir(archive_dir)  # the renames are on disk before the warehouse records them
    return result


def archive(src: Path, archive_dir: Path, suffix: str) -> tuple[str, Path, bool] | None:
    """Archive src under its SHA-256: (digest, archive path, whether a wrong entry was repaired).

    None when the source changed on every attempt (someone is still saving it).
    """
    digest = sha256_of(src)
    target = archive_dir / f"{digest}{suffix}"
    if target.exists() and sha256_of(target) == digest:
        return digest, target, False
    for _ in range(COPY_ATTEMPTS):
        fd, tmp_name = tempfile.mkstemp(dir=archive_dir, prefix=TEMP_PREFIX, suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                copied = _copy_once(src, out)
                out.flush()
                os.fsync(out.fileno())
            if sha256_of(tmp) != copied:
                raise ArchiveError(f"arkivkopien av {src.name!r} har andre byte enn dem som ble lest")
            if sha256_of(src) != copied:
                tmp.unlink()  # the source changed while it was copied: what we hold is neither version
                continue
            target = archive_dir / f"{copied}{suffix}"
            repaired = target.exists() and sha256_of(target) != copied
            os.replace(tmp, target)  # the folder is synced once, after the last file (land)
            return copied, target, repaired
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return None


def _copy_once(src: Path, out) -> str:
    """Copy src into the open file out; the SHA-256 of the bytes read."""
    h = hashlib.sha256()
    with src.open("rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise ArchiveError(f"{src.name!r} er ikke en vanlig fil")
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
            _write_chunk(out, chunk)
    return h.hexdigest()


def _write_chunk(out, chunk: bytes) -> None:
    out.write(chunk)


def fsync_dir(folder: Path) -> None:
    """Sync a folder, so the renames into it are on disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify(path: Path, sha256: str) -> None:
    """Reading reads only bytes that still are what was received."""
    if sha256_of(path) != sha256:
        raise ArchiveError(
            f"arkivfila {path.name} har endret seg siden den ble arkivert; kjør samanom på nytt, "
            "så blir den reparert fra innboksen"
        )


HISTORY_COLUMNS = [
    "filnavn",
    "filnavn_hex",
    "versjon",
    "sha256",
    "storrelse_bytes",
    "mottatt_dato",
    "format",
    "arkivsti",
    "mottak",
    "erstattet_av",
    "borte",
]


def history(earlier: list[dict], current: list[LandedFile]) -> list[dict]:
    """Every version a file name ever had in the year's inbox, as the landing history keeps them.

    A name whose bytes changed gets a new version, and the one before names its
    successor (`erstattet_av`); a name no longer in the inbox keeps its last
    version, marked `borte`, until it comes back. The same inbox landed again
    changes nothing, so the history depends on what arrived, never on when.
    """
    versions: dict[tuple, list[dict]] = {}
    for row in sorted(earlier, key=lambda r: (r["filnavn"], r["filnavn_hex"] or "", r["versjon"])):
        versions.setdefault((row["filnavn"], row["filnavn_hex"]), []).append(dict(row))
    seen = set()
    for f in current:
        key = (f.filnavn, f.filnavn_hex)
        seen.add(key)
        mine = versions.setdefault(key, [])
        now = {
            "filnavn": f.filnavn,
            "filnavn_hex": f.filnavn_hex,
            "sha256": f.sha256,
            "storrelse_bytes": f.storrelse_bytes,
            "mottatt_dato": f.mottatt_dato,
            "format": f.format,
            "arkivsti": f.arkivsti,
            "mottak": f.mottak,
            "erstattet_av": None,
            "borte": False,
        }
        if mine and (mine[-1]["sha256"], mine[-1]["mottak"]) == (f.sha256, f.mottak):
            mine[-1].update(now, versjon=mine[-1]["versjon"])
            continue
        if mine:
            mine[-1]["erstattet_av"] = f.sha256 or f.mottak
            mine[-1]["borte"] = False
        mine.append({**now, "versjon": len(mine) + 1})
    for key, mine in versions.items():
        if key not in seen:
            mine[-1]["borte"] = True
    return [
        {c: row.get(c) for c in HISTORY_COLUMNS}
        for key in sorted(versions, key=lambda k: (k[0], k[1] or ""))
        for row in versions[key]
    ]


def inbox_problem(year_dir: Path, had_files: int, empty_ok: bool) -> str | None:
    """Why a year's inbox must not be landed, in words the secretariat can act on (None: land it).

    A missing folder is a mistake (a wrong --inbox, a year not yet unpacked), never an empty year; and a
    year that had reports (`had_files`, the files landed as `arkivert`) is not replaced by one without any
    unless the run says so. What is never read as a report does not count: a folder holding only `.DS_Store`,
    office lock files or links is empty here.
    """
    inbox = year_dir.parent
    if not inbox.is_dir():
        return (
            f"Innboksen {inbox} finnes ikke. Sjekk --inbox (mappen skal ha én undermappe per år, "
            f"for eksempel {inbox / year_dir.name})."
        )
    if not year_dir.is_dir():
        return (
            f"Årsmappen {year_dir} finnes ikke i innboksen. Legg filene for {year_dir.name} der, "
            "eller sjekk --inbox og --year."
        )
    if had_files and not empty_ok and not inbox_files(year_dir):
        return (
            f"Årsmappen {year_dir} er tom, men lageret har {had_files} filer for {year_dir.name}. "
            "Kjør med --tom-innboks-ok hvis året virkelig skal tømmes."
        )
    return None
