"""Landing: every file that arrived for a year, fingerprinted and archived.

The received date is taken from the file name as the secretariat saves it from
the mailbox (`2014-01-17_P1-07_arsrapport.xlsx`), because file times do not
survive a copy or a git clone. Files are archived byte for byte under their
SHA-256, so the same bytes arriving twice are stored once.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

RECEIVED_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ _-]")
MAX_FILE_BYTES = 20 * 1024 * 1024

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


@dataclass(frozen=True)
class LandedFile:
    filnavn: str  # path relative to the year's inbox folder
    sha256: str
    storleik_bytes: int
    mottatt_dato: date | None
    format: str  # xlsx | xlsm | xls | ods | csv | ukjent
    arkivsti: str  # relative to the output folder


def received_date(name: str) -> date | None:
    m = RECEIVED_PREFIX.match(name)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


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
                        b"application/vnd.oasis.opendocument.spreadsheet"):
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
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def inbox_files(year_dir: Path) -> list[Path]:
    if not year_dir.is_dir():
        return []
    return sorted(p for p in year_dir.rglob("*") if p.is_file() and not p.name.startswith("."))


def land(year_dir: Path, archive_dir: Path, out_dir: Path) -> list[LandedFile]:
    archive_dir.mkdir(parents=True, exist_ok=True)
    landed = []
    for path in inbox_files(year_dir):
        digest = sha256_of(path)
        suffix = path.suffix.lower() if len(path.suffix) <= 6 else ""
        target = archive_dir / f"{digest}{suffix}"
        if not target.exists():
            shutil.copyfile(path, target)
        landed.append(LandedFile(
            filnavn=path.relative_to(year_dir).as_posix(),
            sha256=digest,
            storleik_bytes=path.stat().st_size,
            mottatt_dato=received_date(path.name),
            format=sniff_format(path),
            arkivsti=target.relative_to(out_dir).as_posix(),
        ))
    return landed
