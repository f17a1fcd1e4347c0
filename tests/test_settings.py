"""Settings are built in one place (`pipelines.resources.settings`), from the environment and from what
the caller gives; the code location, the sensor and the command take theirs from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import YEAR

from pipelines import paths, resources, warehouse
from pipelines.documents import report_context


def test_settings_come_from_what_is_given_then_the_environment_then_the_defaults(tmp_path):
    env = {"SAMANOM_INBOX": str(tmp_path / "innboks"), "SAMANOM_FORM": "nn", "SAMANOM_STATUS": ""}
    s = resources.settings(env, status="endelig", out=None)
    assert (s.inbox, s.form, s.status, s.out) == (str(tmp_path / "innboks"), "nn", "endelig", str(paths.DEFAULT_OUT))
    assert resources.settings({}).register_dir == str(paths.REGISTER_DIR)
    # what `samanom run` hands Dagster's processes gives them the same settings back
    given = resources.settings({}, inbox=str(tmp_path), register_dir=str(tmp_path / "reg"), rapportdato="2014-03-03")
    again = resources.settings(resources.environment(given))
    assert again.model_dump() == given.model_dump()
    with pytest.raises(ValueError):
        resources.settings({"SAMANOM_FORM": "sv"})


def test_the_code_location_the_sensor_and_the_command_use_the_one_builder():
    for module in ("definitions", "sensors", "cli"):
        source = (paths.PACKAGE / f"{module}.py").read_text(encoding="utf-8")
        assert "Settings(" not in source and "SAMANOM_" not in source, module
        assert "settings(" in source, module


def test_the_letters_read_the_secretariat_from_the_runs_register_folder(small_run, tmp_path):
    register = tmp_path / "register"
    shutil.copytree(paths.REGISTER_DIR, register)
    sec = json.loads((register / "sekretariat.json").read_text(encoding="utf-8"))
    sec["kontakt"]["namn"] = "Ola Testesen"
    sec["svarfrist_dager"] = 14
    (register / "sekretariat.json").write_text(json.dumps(sec), encoding="utf-8")
    with warehouse.connect(small_run / "samanom.duckdb", read_only=True) as con:
        date = report_context.report_date(con, YEAR, "")
        base = report_context.common(YEAR, "nb", date, "-", "-", "utkast", True)
        bundled = report_context.letters(con, YEAR, base, "", paths.REGISTER_DIR)
        moved = report_context.letters(con, YEAR, base, "", Path(register))
    assert bundled and {c["kontakt"]["namn"] for c in moved} == {"Ola Testesen"}
    assert {c["kontakt"]["namn"] for c in bundled} != {"Ola Testesen"}
    assert {c["svarfrist"] for c in moved} != {c["svarfrist"] for c in bundled}
