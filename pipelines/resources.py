"""Where a run reads and writes, and the run's own parameters (never the clock)."""


from pathlib import Path

import dagster as dg
import pydantic

from pipelines import warehouse
from pipelines.paths import DEFAULT_INBOX, DEFAULT_OUT, REGISTER_DIR

FORMS = ("nb", "nn")


class Settings(dg.ConfigurableResource):
    """The inbox to read, the output folder to write, and the report's date, status and language form.

    `rapportdato` empty means: the date of the last file received for the
    year (or its deadline), so the same inbox always gives the same documents.
    `form` is the annual report's language form (bokmål or nynorsk); each
    letter still follows its municipality's own choice.
    """

    inbox: str = str(DEFAULT_INBOX)
    out: str = str(DEFAULT_OUT)
    register_dir: str = str(REGISTER_DIR)
    rapportdato: str = ""
    status: str = "utkast"
    form: str = "nb"

    @pydantic.field_validator("form")
    @classmethod
    def _known_form(cls, value: str) -> str:
        # a typo would otherwise surface only when the report renders, after the whole run
        if value not in FORMS:
            raise ValueError(f"form must be one of {', '.join(FORMS)}, not {value!r}")
        return value

    @property
    def out_dir(self) -> Path:
        return Path(self.out)

    def year_dir(self, year: int) -> Path:
        return self.out_dir / str(year)

    def inbox_dir(self, year: int) -> Path:
        return Path(self.inbox) / str(year)

    @property
    def archive_dir(self) -> Path:
        return self.out_dir / "arkiv"

    @property
    def cache_dir(self) -> Path:
        """What a re-run need not compute again: rendered PDFs by their HTML's fingerprint, the marts'
        column lineage by code version."""
        return self.out_dir / ".cache"

    @property
    def database(self) -> Path:
        return self.out_dir / "samanom.duckdb"

    def connect(self, read_only: bool = False):
        return warehouse.connect(self.database, read_only=read_only)
