"""The sample inbox and the blank form: deterministic, complete, and saying what they hold.

The generator is the answer key for the reader's tests, so these tests check
that the key is right: every planted defect is where the manifest says, every
active project-year is accounted for, and the files are what they claim to be.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from schemas import form as F
from tools.form_writer import GUIDANCE_SHEET, form_sheets, render_workbook, write_blank_form
from tools.sample_inbox import DEFECT_RULES, UNKNOWN_PROJECT, generate_inbox, load_register

YEARS = (2012, 2013)
REGISTER = Path(__file__).resolve().parents[1] / "data" / "reference"
PROSJEKT_KEY_BY_LABEL = {F.normalise_label(lbl): f.key for f in F.PROSJEKT_FIELDS for lbl in (f.nb, f.nn)}


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("inbox")
    return out, generate_inbox(out, YEARS, seed=2013)


@pytest.fixture(scope="module")
def manifest(inbox) -> dict:
    return inbox[1]


def _workbook_entries(manifest: dict) -> list[dict]:
    return [e for e in manifest["submissions"] if e["format"] != "csv" and "fil_ulesbar" not in e["defects"]]


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(inbox, tmp_path):
    out, _ = inbox
    again = tmp_path / "again"
    generate_inbox(again, YEARS, seed=2013)
    assert _hashes(out) == _hashes(again)


def test_a_year_does_not_depend_on_the_other_years_asked_for(inbox, tmp_path):
    out, _ = inbox
    generate_inbox(tmp_path, [2013], seed=2013)
    assert _hashes(out / "2013") == _hashes(tmp_path / "2013")


def test_another_seed_gives_other_bytes(inbox, tmp_path):
    out, _ = inbox
    generate_inbox(tmp_path, [2013], seed=2014)
    ours, theirs = _hashes(out / "2013"), _hashes(tmp_path / "2013")
    assert set(ours.values()).isdisjoint(theirs.values())


def test_manifest_has_no_absolute_paths(inbox):
    out, _ = inbox
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert str(out) not in text and "/tmp" not in text


# --------------------------------------------------------------------------- completeness


def test_each_rule_is_planted_once_per_year(manifest):
    counts = Counter((d["year"], d["rule"]) for d in manifest["defects"])
    assert counts == Counter({(y, r): 1 for y in YEARS for r in DEFECT_RULES})
    for d in manifest["defects"]:
        entry = next(e for e in manifest["submissions"] if e["file"] == d["file"])
        assert d["rule"] in entry["defects"]
        assert d["planted_in"] in ("normal_submission", "extra_file")


def test_every_active_project_year_is_a_submission_or_missing(manifest):
    projects, _, _ = load_register(REGISTER)
    for year in YEARS:
        active = {p.prosjektnummer for p in projects if p.forste_aar <= year <= p.siste_aar}
        sent = {e["prosjektnummer"] for e in manifest["submissions"] if e["year"] == year} - {UNKNOWN_PROJECT}
        missing = {m["prosjektnummer"] for m in manifest["missing"] if m["year"] == year}
        assert sent | missing == active
        assert not sent & missing
        assert missing, "some reports never arrive"


def test_one_corrected_resubmission_per_year(manifest):
    for year in YEARS:
        resubs = [e for e in manifest["submissions"] if e["year"] == year and e["supersedes"]]
        assert len(resubs) == 1
        first = next(e for e in manifest["submissions"] if e["file"] == resubs[0]["supersedes"])
        assert first["prosjektnummer"] == resubs[0]["prosjektnummer"]
        assert first["received"] < resubs[0]["received"]
        assert resubs[0]["changed"]


def test_file_names_carry_the_received_date(inbox, manifest):
    out, _ = inbox
    listed = {e["file"] for e in manifest["submissions"]}
    on_disk = {p.relative_to(out).as_posix() for y in YEARS for p in (out / str(y)).iterdir()}
    assert listed == on_disk
    for e in manifest["submissions"]:
        assert Path(e["file"]).name.startswith(e["received"] + "_")


# --------------------------------------------------------------------------- the files


def test_workbooks_open_with_calamine_except_the_broken_one(inbox, manifest):
    out, _ = inbox
    for e in manifest["submissions"]:
        if e["format"] == "csv":
            continue
        path = out / e["file"]
        if "fil_ulesbar" in e["defects"]:
            with pytest.raises(Exception):  # noqa: B017 - whatever calamine raises for a file that is no workbook
                CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            continue
        wb = CalamineWorkbook.from_path(str(path))
        assert wb.sheet_names[0] == "Prosjekt"


def test_formats_and_forms_are_mixed(manifest):
    formats = Counter(e["format"] for e in manifest["submissions"])
    assert formats["xlsx"] > formats["xls"] + formats["ods"] + formats["xlsm"]
    assert all(formats[f] for f in ("xls", "ods", "xlsm", "csv"))
    forms = Counter(e["form"] for e in manifest["submissions"] if e["form"])
    assert forms["nb"] and forms["nn"]


def test_nynorsk_files_carry_nynorsk_labels(inbox, manifest):
    out, _ = inbox
    for e in _workbook_entries(manifest):
        wb = CalamineWorkbook.from_path(str(out / e["file"]))
        labels = [row[0] for row in wb.get_sheet_by_name("Prosjekt").to_python()]
        if e["form"] == "nn":
            assert "Prosjektnamn" in labels and "Prosjektleiar" in labels
            assert "Indikatorar" in wb.sheet_names
        else:
            assert "Prosjektnavn" in labels and "Indikatorer" in wb.sheet_names


def test_prosjekt_sheet_matches_the_manifest(inbox, manifest):
    out, _ = inbox
    for e in _workbook_entries(manifest)[::3]:
        rows = CalamineWorkbook.from_path(str(out / e["file"])).get_sheet_by_name("Prosjekt").to_python()
        got = {PROSJEKT_KEY_BY_LABEL[F.normalise_label(r[0])]: r[1] for r in rows}
        want = e["prosjekt"]
        assert got["prosjektnummer"] == want["prosjektnummer"]
        assert got["kommunenummer"] == want["kommunenummer"]  # text: leading zero kept
        assert int(got["rapporteringsaar"]) == want["rapporteringsaar"]
        assert (got["forbruk"] or None) == want["forbruk"]
        assert (got["innsendt_dato"].isoformat() if got["innsendt_dato"] else None) == want["innsendt_dato"]


def test_defects_are_where_the_manifest_says(inbox, manifest):
    out, _ = inbox
    for d in manifest["defects"]:
        if d["rule"] == "fil_ulesbar":
            assert d["sheet"] is None and d["row"] is None
            continue
        rows = CalamineWorkbook.from_path(str(out / d["file"])).get_sheet_by_name(d["sheet"]).to_python()
        row = rows[d["row"] - 1]
        if d["sheet"] == "Prosjekt":
            assert PROSJEKT_KEY_BY_LABEL[F.normalise_label(row[0])] == d["field"]
            cell = row[1]
        else:
            header = [F.normalise_label(h) for h in rows[0]]
            columns = F.RISIKO_COLUMNS if d["rule"] == "risiko_uten_mottiltak" else F.INDIKATOR_COLUMNS
            col = next(c for c in columns if c.key == d["field"])
            cell = row[header.index(F.normalise_label(col.label("nn" if d["sheet"] == "Indikatorar" else "nb")))]
        cell = (
            None
            if cell == ""
            else int(cell)
            if isinstance(cell, float) and cell.is_integer() and d["field"] == "rapporteringsaar"
            else cell
        )
        assert cell == d["value"], d
        if d["rule"] == "risiko_uten_mottiltak":
            assert row[2] == 5
        if d["rule"] == "indikator_duplikat":
            assert [r[0] for r in rows[1:]].count(d["value"]) == 2
        if d["rule"] == "verdi_utenfor_omrade":
            assert cell > 100
        if d["rule"] == "aar_feil":
            assert cell == d["year"] - 1


def test_risk_rule_holds_outside_the_planted_defect(manifest):
    for e in manifest["submissions"]:
        if "risiko_uten_mottiltak" in e["defects"]:
            continue
        for r in e["risiko"]:
            if F.risk_needs_mitigation(r["sannsynlighet"], r["konsekvens"]):
                assert r["mottiltak"]


def test_excel_percentage_cells_are_formatted_as_percent(inbox, manifest):
    out, _ = inbox
    files = manifest["percent_cell_files"]
    assert files
    entry = next(e for e in manifest["submissions"] if e["file"] == files[0])
    ws = openpyxl.load_workbook(out / entry["file"], read_only=True)
    cols = [c.key for c in F.INDIKATOR_COLUMNS]
    for cell in entry["percent_cells"]:
        c = ws[cell["sheet"]].cell(row=cell["row"], column=cols.index(cell["field"]) + 1)
        assert c.number_format == "0.0%" and 0 <= c.value <= 1


def test_csv_exports_utf8_with_bom_and_windows_1252(inbox, manifest):
    out, _ = inbox
    csv_files = {e["file"]: e for e in manifest["submissions"] if e["format"] == "csv"}
    encodings = Counter(e["csv_encoding"] for e in csv_files.values())
    assert set(encodings) == {"utf-8-sig", "cp1252"}
    for file, e in csv_files.items():
        raw = (out / file).read_bytes()
        assert re.fullmatch(rf"{e['received']}_sporjeskjema_eksport_{e['year']}\.csv", Path(file).name)
        if e["csv_encoding"] == "cp1252":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            text = raw.decode("cp1252")
            assert re.search(r";\d{2}\.\d{2}\.\d{4};", text)  # dd.mm.yyyy dates
        else:
            assert raw.startswith(b"\xef\xbb\xbf")
            text = raw.decode("utf-8-sig")
            assert re.search(r",\d{4}-\d{2}-\d{2},", text)  # ISO dates
        rows = list(csv.reader(io.StringIO(text), delimiter=e["csv_delimiter"]))
        assert tuple(rows[0]) == F.CSV_COLUMNS
        assert rows[e["csv_line"] - 1][0] == e["prosjektnummer"]
        assert e["tiltak"] == [] and e["risiko"] == []


# --------------------------------------------------------------------------- scale


def test_scale_writes_an_extended_register(tmp_path):
    m = generate_inbox(tmp_path, [2015], seed=1, scale=2)
    assert m["register_dir"] == "register"
    projects, _, grants = load_register(tmp_path / "register")
    numbers = {p.prosjektnummer for p in projects}
    base, _, _ = load_register(REGISTER)
    assert len(projects) == 2 * len(base)
    assert all(re.fullmatch(r"P[12]-\d+", n) for n in numbers)
    sent = {e["prosjektnummer"] for e in m["submissions"]} - {UNKNOWN_PROJECT}
    assert sent <= numbers and any(int(n.split("-")[1]) > 100 for n in sent)
    assert all((n, 2015) in grants for n in sent)
    # the extended register is one the pipeline accepts: each copy's ledger entries have their own numbers
    from pipelines.assets.register import FILES, read_register
    from schemas.register import REGISTER_SCHEMAS

    for name in FILES:
        REGISTER_SCHEMAS[name].validate(read_register(tmp_path / "register", name), lazy=True)


# --------------------------------------------------------------------------- the blank form


@pytest.mark.parametrize("form", ["nb", "nn"])
def test_blank_form_labels(tmp_path, form):
    path = write_blank_form(2014, form, tmp_path / f"skjema_{form}.xlsx")
    wb = CalamineWorkbook.from_path(str(path))
    names = wb.sheet_names
    # the instructions come first, so they are what a person sees on opening the form
    assert names == [
        GUIDANCE_SHEET[F.FORMS.index(form)],
        "Prosjekt",
        F.SHEET_INDIKATORER[F.FORMS.index(form)],
        "Tiltak",
        "Risiko",
    ]
    names = names[1:]
    rows = wb.get_sheet_by_name("Prosjekt").to_python()
    assert [r[0] for r in rows[: len(F.PROSJEKT_FIELDS)]] == [f.label(form) for f in F.PROSJEKT_FIELDS]
    year_row = next(r for r in rows if r[0] == F.FIELD_BY_KEY["rapporteringsaar"].label(form))
    assert year_row[1] == 2014
    ind = wb.get_sheet_by_name(names[1]).to_python()
    assert ind[0] == [c.label(form) for c in F.INDIKATOR_COLUMNS]
    fi = F.FORMS.index(form)
    expected = [(i.label(form), F.UNIT_LABELS[i.unit][fi]) for i in F.STANDARD_INDICATORS]
    assert [(r[0], r[1]) for r in ind[1:]] == expected
    assert wb.get_sheet_by_name("Risiko").to_python()[0] == [c.label(form) for c in F.RISIKO_COLUMNS]
    again = write_blank_form(2014, form, tmp_path / f"again_{form}.xlsx")
    assert again.read_bytes() == path.read_bytes()
    dv = openpyxl.load_workbook(path)["Prosjekt"].data_validations.dataValidation
    assert any(v.formula1 == '"Ja,Nei"' for v in dv)


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".xls", ".ods"])
def test_every_format_round_trips_values(tmp_path, suffix):
    sheets = form_sheets(
        "nb",
        {
            "prosjektnummer": "P1-07",
            "kommunenummer": "0301",
            "tilskudd_mottatt": 350000,
            "innsendt_dato": dt.date(2014, 1, 17),
            "tema": ["sykefravaer", "omdomme"],
        },
        [{"indikator": "sykefravaer_pst", "resultat": 0.084}],
        [],
        [],
    )
    data = render_workbook(suffix, sheets, {("Indikatorer", 1, 6)})
    assert data == render_workbook(suffix, sheets, {("Indikatorer", 1, 6)})
    (tmp_path / f"f{suffix}").write_bytes(data)
    wb = CalamineWorkbook.from_path(str(tmp_path / f"f{suffix}"))
    rows = {r[0]: r[1] for r in wb.get_sheet_by_name("Prosjekt").to_python()}
    assert rows["Kommunenummer"] == "0301"
    assert rows["Dato"] == dt.date(2014, 1, 17)
    assert rows["Tema"] == "sykefravær; omdømme"
    assert wb.get_sheet_by_name("Indikatorer").to_python()[1][6] == pytest.approx(0.084)
