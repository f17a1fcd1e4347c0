"""Property: a valid submission written in any form the contract allows reads back as the same typed values.

Generated submissions obey the form's rules (register projects active in the year, their themes, ranges,
the risk rule); each is written with `form_writer` as .xlsx, .xlsm, .xls and .ods in bokmål or nynorsk, or
as a CSV export (UTF-8 with BOM, `,` and decimal point; Windows-1252, `;` and decimal comma), read back
with `reading.read_file` and typed with `validation.validate_year`, as `pipelines/assets/ingest.py` does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import landing, reading, validation
from schemas import form
from tools.form_writer import form_sheets, write_workbook

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2013
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def register() -> dict[str, pd.DataFrame]:
    ref = ROOT / "data" / "reference"
    return {
        "prosjekt": pd.read_csv(ref / "prosjekt.csv", dtype=str),
        "kommuner": pd.read_csv(ref / "kommuner.csv", dtype=str),
    }


@cache
def active_projects() -> list[dict]:
    reg = register()
    names = dict(zip(reg["kommuner"]["kommunenummer"], reg["kommuner"]["kommune"]))
    p = reg["prosjekt"]
    p = p[(p["forste_aar"].astype(int) <= YEAR) & (p["siste_aar"].astype(int) >= YEAR)]
    return [
        {
            "prosjektnummer": r.prosjektnummer,
            "kommunenummer": r.kommunenummer,
            "kommune": names[r.kommunenummer],
            "tema": r.tema.split(";"),
        }
        for r in p.itertuples()
    ]


# --- strategies ---------------------------------------------------------------------------------

# Encodable in Windows-1252, no control characters or newlines (those are cleaned, not kept)
ALPHABET = "abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅéüÉ0123456789 -.,;:'\"&<>/()!?%"
texts = st.text(ALPHABET, min_size=1, max_size=40).map(lambda s: " ".join(s.split())).filter(bool)
dates = st.dates(dt.date(2010, 1, 1), dt.date(2016, 12, 31))
kroner = st.integers(0, 5_000_000)
years = st.integers(2008, 2016)


@st.composite
def prosjekt(draw) -> dict:
    p = draw(st.sampled_from(active_projects()))
    themes = draw(st.lists(st.sampled_from(p["tema"]), min_size=1, unique=True))
    return {
        "prosjektnummer": p["prosjektnummer"],
        "kommunenummer": p["kommunenummer"],
        "kommune": p["kommune"],
        "rapporteringsaar": YEAR,
        "prosjektnavn": draw(texts),
        "tema": sorted(themes),
        "status": draw(st.sampled_from(sorted(form.STATUSES))),
        "prosjektleder": draw(texts),
        "epost": draw(st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8})?@[a-z]{2,10}\.kommune\.no", fullmatch=True)),
        "folkevalgte_med": draw(st.booleans()),
        "administrasjon_med": draw(st.booleans()),
        "tillitsvalgte_med": draw(st.booleans()),
        "temadag_dato": draw(st.none() | dates),
        "samlinger_deltatt": draw(st.integers(0, 3)),
        "tilskudd_mottatt": draw(kroner),
        "forbruk": draw(kroner),
        "egeninnsats": draw(st.none() | kroner),
        "hovedfunn": draw(texts),
        "godt_eksempel": draw(st.none() | texts),
        "innsendt_dato": draw(dates),
        "godkjent_av": draw(texts),
    }


def _value(ind: form.Indicator):
    high = ind.high if ind.high is not None else 50.0
    return st.integers(int(ind.low * 10), int(high * 10)).map(lambda n: n / 10)


@st.composite
def indicators(draw) -> list[dict]:
    chosen = draw(st.lists(st.sampled_from(form.STANDARD_INDICATORS), max_size=8, unique_by=lambda i: i.key))
    out = []
    for ind in chosen:
        out.append(
            {
                "indikator": ind.key,
                "utgangspunkt": draw(st.none() | _value(ind)),
                "utgangsaar": draw(st.none() | years),
                "maal": draw(st.none() | _value(ind)),
                "maalaar": draw(st.none() | years),
                "resultat": draw(_value(ind)),  # a standard row with no value at all is an unused row
                "kommentar": draw(st.none() | texts),
            }
        )
    return out


measures = st.lists(
    st.fixed_dictionaries(
        {
            "tiltak": texts,
            "status": st.sampled_from(sorted(form.TILTAK_STATUSES)),
            "start": st.none() | dates,
            "slutt": st.none() | dates,
            "kommentar": st.none() | texts,
        }
    ),
    max_size=3,
)


@st.composite
def risks(draw) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        s, k = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        needs = form.risk_needs_mitigation(s, k)
        out.append(
            {
                "risikofaktor": draw(texts),
                "sannsynlighet": s,
                "konsekvens": k,
                "mottiltak": draw(texts) if needs else draw(st.none() | texts),
            }
        )
    return out


# --- reading and validating with the functions the assets use -----------------------------------


def read_and_validate(paths: list[Path]) -> tuple[validation.Validated, dict[str, str]]:
    """(validated year, innsending_id -> file name) for the files, as the reading and validation assets do."""
    read = []
    for n, path in enumerate(paths):
        fmt = landing.sniff_format(path)
        landed = landing.LandedFile(
            filnavn=path.name,
            sha256=f"{n:016d}",
            storrelse_bytes=path.stat().st_size,
            mottatt_dato=dt.date(2014, 1, 15),
            format=fmt,
            arkivsti=path.name,
        )
        read.append((landed, reading.read_file(path, fmt)))
    raw = reading.raw_frames(read)
    assert raw["lesefeil"].empty, raw["lesefeil"].to_dict("records")
    file_of = dict(zip(raw["innsendinger"]["innsending_id"], raw["innsendinger"]["filnavn"]))
    rejected = validation.rejected_when_read(raw["lesefeil"], raw["innsendinger"])
    return validation.validate_year(YEAR, raw, register(), rejected), file_of


# --- comparison ------------------------------------------------------------------------------------


def _na(v) -> bool:
    return v is None or (not isinstance(v, (list, str)) and pd.isna(v))


def _same(got, want, where: str) -> None:
    if _na(want):
        assert _na(got), f"{where}: {got!r} != {want!r}"
        return
    assert not _na(got), f"{where}: {got!r} != {want!r}"
    if isinstance(want, dt.date):
        got = got.date() if isinstance(got, dt.datetime) else got
        assert got == want, f"{where}: {got!r} != {want!r}"
    elif isinstance(want, bool):
        assert bool(got) is want, f"{where}: {got!r} != {want!r}"
    elif isinstance(want, (int, float)):
        assert float(got) == pytest.approx(float(want), abs=1e-9), f"{where}: {got!r} != {want!r}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def check(
    v: validation.Validated,
    file_of: dict[str, str],
    values: dict,
    inds: list[dict],
    tiltak: list[dict] | None,
    risiko: list[dict] | None,
    expected_subs: int,
) -> None:
    assert v.issues == [], [(file_of.get(s), i) for s, i in v.issues]
    assert len(v.innsendinger) == expected_subs
    assert v.innsendinger["godkjent"].all()
    for row in v.innsendinger.to_dict("records"):
        sid, name = row["innsending_id"], file_of[row["innsending_id"]]
        for key in form.PROSJEKT_KEYS:
            _same(row[key], values[key], f"{name} {key}")
        got_inds = v.indikatorer[v.indikatorer["innsending_id"] == sid]
        assert sorted(got_inds["indikator"]) == sorted(i["indikator"] for i in inds), name
        for ind in inds:
            got = got_inds[got_inds["indikator"] == ind["indikator"]].iloc[0]
            assert got["standard"]
            parts = ("utgangspunkt", "utgangsaar", "maal", "maalaar", "resultat")
            for part in parts + (("kommentar",) if tiltak is not None else ()):
                _same(got[part], ind[part], f"{name} {ind['indikator']} {part}")
        if tiltak is None:  # a CSV export has no measures or risks
            assert (v.tiltak["innsending_id"] != sid).all() and (v.risiko["innsending_id"] != sid).all()
            continue
        for table, want_rows in (("tiltak", tiltak), ("risiko", risiko)):
            got_rows = getattr(v, table)
            got_rows = got_rows[got_rows["innsending_id"] == sid].to_dict("records")
            assert len(got_rows) == len(want_rows), f"{name} {table}"
            for got, want in zip(got_rows, want_rows):
                for key, value in want.items():
                    _same(got[key], value, f"{name} {table} {key}")


# --- workbooks ---------------------------------------------------------------------------------------

PERCENT_COLUMNS = (2, 4, 6)  # Utgangspunkt, Mål, Resultat


@pytest.mark.parametrize("lang", form.FORMS)
@SETTINGS
@given(
    values=prosjekt(),
    inds=indicators(),
    tiltak=measures,
    risiko=risks(),
    percent_as=st.sampled_from(("number", "cell", "text")),
)
def test_workbook_roundtrip(lang, values, inds, tiltak, risiko, percent_as):
    sheets = form_sheets(lang, values, inds, tiltak, risiko)
    ind_sheet = form.SHEET_INDIKATORER[form.FORMS.index(lang)]
    pct: set[tuple[str, int, int]] = set()
    for r0, ind in enumerate(inds, start=1):
        if not form.INDICATOR_BY_KEY[ind["indikator"]].is_percent or percent_as == "number":
            continue
        for c0 in PERCENT_COLUMNS:
            v = sheets[ind_sheet][r0][c0]
            if v is None:
                continue
            if percent_as == "cell":  # 8.4 stored as 0.084 and shown as 8,4 %
                sheets[ind_sheet][r0][c0] = v / 100
                pct.add((ind_sheet, r0, c0))
            else:
                sheets[ind_sheet][r0][c0] = f"{v:g} %".replace(".", ",")
    suffixes = (".xlsx", ".xlsm", ".xls", ".ods")
    with tempfile.TemporaryDirectory() as tmp:
        paths = [write_workbook(Path(tmp) / f"2014-01-15_{values['prosjektnummer']}{s}", sheets, pct) for s in suffixes]
        v, file_of = read_and_validate(paths)
    assert set(v.innsendinger["skjemaform"]) == {lang}
    check(v, file_of, values, inds, tiltak, risiko, len(suffixes))


def test_xls_percentage_cell(tmp_path):
    inds = [{"indikator": "sykefravaer_pst", "resultat": 0.084}]
    values = {**_fixed_values(), "tema": ["sykefravaer"]}
    p = write_workbook(tmp_path / "pct.xls", form_sheets("nb", values, inds, [], []), [("Indikatorer", 1, 6)])
    sub = reading.read_file(p, landing.sniff_format(p)).submissions[0]
    assert sub.indikatorer[0]["resultat"] == "8,4 %"


def _fixed_values() -> dict:
    p = active_projects()[0]
    return {
        "prosjektnummer": p["prosjektnummer"],
        "kommunenummer": p["kommunenummer"],
        "kommune": p["kommune"],
        "rapporteringsaar": YEAR,
        "tema": p["tema"][:1],
    }


# --- CSV exports -------------------------------------------------------------------------------------

CSV_VARIANTS = {"utf8-bom-comma-point": ("utf-8-sig", ",", "."), "cp1252-semicolon-comma": ("cp1252", ";", ",")}


def _csv_cell(key: str, v, decimal: str, date_form: str) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "Ja" if v else "Nei"
    if isinstance(v, list):
        return "; ".join(form.THEMES[t][0] for t in v)
    if isinstance(v, dt.date):
        return v.strftime(date_form)
    if isinstance(v, float):
        return f"{v:g}".replace(".", decimal)
    if key == "status":
        return form.STATUS_LABELS[v][0]
    return str(v)


@pytest.mark.parametrize("variant", sorted(CSV_VARIANTS))
@SETTINGS
@given(
    values=st.lists(prosjekt(), min_size=1, max_size=3),
    inds=indicators(),
    date_form=st.sampled_from(("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")),
)
def test_csv_roundtrip(variant, values, inds, date_form):
    encoding, delimiter, decimal = CSV_VARIANTS[variant]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(form.CSV_COLUMNS)
    for row in values:
        flat = dict(row)
        for ind in inds:
            for part in form.CSV_INDICATOR_PARTS:
                flat[f"{ind['indikator']}__{part}"] = ind[part]
        writer.writerow([_csv_cell(c, flat.get(c), decimal, date_form) for c in form.CSV_COLUMNS])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "2014-02-14_eksport.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        v, file_of = read_and_validate([path])
    assert len(v.innsendinger) == len(values)
    by_line = sorted(v.innsendinger.to_dict("records"), key=lambda r: r["kilde_rad"])
    for row, want in zip(by_line, values):
        one = validation.Validated(
            v.innsendinger[v.innsendinger["innsending_id"] == row["innsending_id"]],
            v.indikatorer,
            v.tiltak,
            v.risiko,
            v.issues,
            v.checks,
        )
        check(one, file_of, want, inds, None, None, 1)
