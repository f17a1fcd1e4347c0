"""Where samanom finds what is not Python: its SQL, its templates and phrases, and the register.

In a source checkout these are the repository's own folders. An installed wheel carries copies under
`pipelines/_data/` (see `setup.py`), so the same code runs from a container image. A missing folder is
an error at import: without `sql/marts/` the code location would load with no marts and say nothing.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
#: the folders that travel with the code, by their name in the source checkout
DATA_FOLDERS = ("sql", "report_templates", "data/reference")


def _root() -> Path:
    packaged = PACKAGE / "_data"
    return packaged if packaged.is_dir() else CHECKOUT


ROOT = _root()
SQL_DIR = ROOT / "sql"
TEMPLATES_DIR = ROOT / "report_templates"
REGISTER_DIR = ROOT / "data" / "reference"
# an inbox and an output folder belong to the secretariat, not to the code: these defaults suit a checkout
DEFAULT_INBOX = CHECKOUT / "data" / "inbox"
DEFAULT_OUT = CHECKOUT / "output"

_missing = [str(ROOT / f) for f in DATA_FOLDERS if not (ROOT / f).is_dir()]
if _missing or not any((SQL_DIR / "marts").glob("*.sql")):
    raise ImportError(
        f"samanom cannot find its data folders ({', '.join(_missing) or 'sql/marts/*.sql'}); "
        f"reinstall the package or run from a source checkout"
    )
