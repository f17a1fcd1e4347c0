"""Where a run reads and writes, and the run's own parameters (never the clock).

`settings()` is the one place they are built, from the environment (`SAMANOM_*`, which `samanom run`
and `samanom ui` set for Dagster's processes) and from what the caller gives; the code location, the
sensor and the command all take theirs from it, and `environment()` turns them back into variables.
"""

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import pydantic

from pipelines import warehouse
from pipelines.paths import DEFAULT_INBOX, DEFAULT_OUT, REGISTER_DIR
from schemas.form import FORMS

#: each setting's environment variable
ENVIRONMENT = {
    "inbox": "SAMANOM_INBOX",
    "out": "SAMANOM_OUT",
    "register_dir": "SAMANOM_REGISTER_DIR",
    "rapportdato": "SAMANOM_RAPPORTDATO",
    "status": "SAMANOM_STATUS",
    "form": "SAMANOM_FORM",
}


class Settings(dg.ConfigurableResource):
    """The inbox to read, the output folder to write, and the report's date, status and language form.

    `rapportdato` empty means: the first working day after the later of the
    year's reporting deadline and the last file received for it
    (`pipelines/workdays.dispatch_date`), so the same inbox always gives the
    same documents. `status` `endelig` dispatches the year's letters.
    `form` is the annual report's language form (bokmål or nynorsk); each
    letter still follows its municipality's own choice.
    """

    inbox: str = str(DEFAULT_INBOX)
    out: str = str(DEFAULT_OUT)
    register_dir: str = str(REGISTER_DIR)
    rapportdato: str = ""
    status: str = "utkast"
    form: str = "nb"
    # a year that had files is emptied only when the run says so (`samanom run --tom-innboks-ok`)
    tom_innboks_ok: bool = False

    @pydantic.field_validator("form")
    @classmethod
    def _known_form(cls, value: str) -> str:
        # a typo would otherwise surface only when the report renders, after the whole run
        if value not in FORMS:
            raise ValueError(f"form must be one of {', '.join(FORMS)}, not {value!r}")
        return value

    @pydantic.field_validator("rapportdato")
    @classmethod
    def _working_day(cls, value: str) -> str:
        # a run from the UI is refused at its start, as `samanom run --date` is, not when the report renders
        if value:
            import datetime as dt

            from pipelines import workdays

            refused = workdays.refused_date(dt.date.fromisoformat(value))
            if refused:
                raise ValueError(refused)
        return value

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # every run (CLI, UI, sensor, back-fill) names its process, so one left «started» by a killed
        # process can be told from one still running (pipelines/runs.py)
        from pipelines import runs

        runs.tag_run(context.instance, context.run_id)
        if runs.hold_for_run(self.out_dir):
            # not started by `samanom run`, which checked before it began: a damaged warehouse stops the
            # run here, before any step writes into it
            try:
                warehouse.check_integrity(self.database)
            except BaseException:
                runs.release_for_run(self.out_dir)
                raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        from pipelines import run_record, runs

        try:
            run_record.after_run(self, context.instance, context.run_id)  # while the run still holds the folder
        finally:
            runs.release_for_run(self.out_dir)

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


def settings(env: Mapping[str, str] | None = None, **given) -> Settings:
    """The run's settings: what is `given` (None counts as not given), else the environment, else the defaults.

    Read when called, not at import, so `samanom ui --inbox DIR` and tests can point the code elsewhere.
    """
    env = os.environ if env is None else env
    values = {name: env[var] for name, var in ENVIRONMENT.items() if env.get(var)}
    values.update({name: value for name, value in given.items() if value is not None})
    return Settings(**values)


def environment(s: Settings) -> dict[str, str]:
    """The environment variables that give `settings()` in another process the same settings."""
    paths = {"inbox", "out", "register_dir"}
    return {
        var: str(Path(getattr(s, name)).resolve()) if name in paths else str(getattr(s, name))
        for name, var in ENVIRONMENT.items()
    }
