"""One run identity: `samanom run` is a run of the job `aarskjoring`, the report prints its Dagster
run id, and run.json is written by the run it describes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import dagster as dg

from pipelines.cli import main
from tests.conftest import YEAR

RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def printed_run_id(out, document: str = f"arsrapport-{YEAR}-vedlegg.pdf") -> str:
    """The run id a document prints: by default the report's appendix (the auditors' material), which the
    report refers to; a letter prints it at its end."""
    text = subprocess.run(
        ["pdftotext", str(out / str(YEAR) / document), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = set(RUN_ID.findall(text.replace("\n", "")))
    assert len(found) == 1, found
    return found.pop()


def test_the_report_prints_the_run_of_the_job_that_made_it(small_run):
    run_id = printed_run_id(small_run)
    record = json.loads((small_run / str(YEAR) / "run.json").read_text(encoding="utf-8"))
    with dg.DagsterInstance.from_config(str(small_run / ".dagster")) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None, "the printed id is a run of this instance"
        assert run.job_name == "aarskjoring"  # not __ephemeral_asset_job__: the UI lists it under the job
        assert run.tags["dagster/partition"] == str(YEAR)
        assert run.status == dg.DagsterRunStatus.SUCCESS
        (latest,) = instance.get_runs(limit=1)
    assert record["dagster_run_id"] == run_id == latest.run_id and record["vellykket"] is True
    letters = sorted((small_run / str(YEAR) / "brev").glob("*.pdf"))
    assert letters and {printed_run_id(small_run, f"brev/{p.name}") for p in letters} == {run_id}


def test_a_rerun_of_the_same_inputs_keeps_the_report_and_its_run(small_run, small_inbox, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(small_run, out)
    before = (out / str(YEAR) / f"arsrapport-{YEAR}.pdf").read_bytes()
    letters = {p.name: p.read_bytes() for p in (out / str(YEAR) / "brev").glob("*.pdf")}
    first = printed_run_id(out)
    assert main(["run", "--year", str(YEAR), "--inbox", str(small_inbox), "--out", str(out)]) == 0
    # the same content: the same bytes, naming the run that first made them; run.json names the new run
    assert (out / str(YEAR) / f"arsrapport-{YEAR}.pdf").read_bytes() == before
    assert printed_run_id(out) == first
    # and each letter, naming the same first run
    assert {p.name: p.read_bytes() for p in (out / str(YEAR) / "brev").glob("*.pdf")} == letters
    assert printed_run_id(out, f"brev/{sorted(letters)[0]}") == first
    record = json.loads((out / str(YEAR) / "run.json").read_text(encoding="utf-8"))
    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        runs = instance.get_runs()
        assert [r.job_name for r in runs] == ["aarskjoring", "aarskjoring"]
        assert record["dagster_run_id"] == runs[0].run_id != first


def test_a_failed_run_writes_its_own_record(small_inbox, tmp_path):
    """Launched as the UI launches it (the job, with run config), not through `samanom run`."""
    from pipelines.definitions import defs
    from pipelines.resources import REGISTER_DIR

    register = tmp_path / "reference"
    shutil.copytree(REGISTER_DIR, register)
    (register / "tilskudd.csv").write_text("prosjektnummer;aar\nP1-01;2013\n", encoding="utf-8")
    out = tmp_path / "out"
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("aarskjoring").execute_in_process(
            instance=instance,
            partition_key=str(YEAR),
            raise_on_error=False,
            run_config={
                "resources": {
                    "settings": {"config": {"inbox": str(small_inbox), "out": str(out), "register_dir": str(register)}}
                }
            },
        )
    assert not result.success
    record = json.loads((out / str(YEAR) / "run.json").read_text(encoding="utf-8"))
    assert record["dagster_run_id"] == result.run_id and record["vellykket"] is False
    assert record["feilet_steg"] == "register__tilskudd"


def test_a_run_of_some_assets_from_the_ui_writes_its_own_record(small_run, small_inbox, tmp_path):
    """The UI's «Materialize» of a few of a year's assets runs neither `reports/kjoring` nor the jobs'
    failure hook: the run's resources write its record as it ends, succeeded or failed."""
    from pipelines.definitions import defs
    from pipelines.resources import Settings

    out = tmp_path / "out"
    shutil.copytree(small_run, out)
    before = json.loads((out / str(YEAR) / "run.json").read_text(encoding="utf-8"))
    with dg.instance_for_test() as instance:
        mart = dg.materialize(
            list(defs.assets),
            selection=[dg.AssetKey(["marts", "mart_pulje_aar"])],
            partition_key=str(YEAR),
            instance=instance,
            resources={"settings": Settings(inbox=str(small_inbox), out=str(out))},
        )
        assert mart.success
        record = json.loads((out / str(YEAR) / "run.json").read_text(encoding="utf-8"))
        assert record["dagster_run_id"] == mart.run_id != before["dagster_run_id"] and record["vellykket"] is True
        assert {k: v for k, v in record.items() if k != "dagster_run_id"} == {
            k: v for k, v in before.items() if k != "dagster_run_id"
        }  # the same warehouse, the same figures

        landing = dg.materialize(
            list(defs.assets),
            selection=[dg.AssetKey(["landing", "innkomne_filer"])],
            partition_key=str(YEAR),
            instance=instance,
            resources={"settings": Settings(inbox=str(tmp_path / "finnes_ikke"), out=str(out))},
            raise_on_error=False,
        )
        assert not landing.success
        record = json.loads((out / str(YEAR) / "run.json").read_text(encoding="utf-8"))
        assert record["dagster_run_id"] == landing.run_id and record["vellykket"] is False
        assert record["feilet_steg"] == "landing__innkomne_filer"
