"""Validation: raw text into typed tables, every failure into an issue.

Three passes over a whole year at once: typing each value by the form's rules
(`pipelines.values`), the pandera models (`schemas.submission`, lazy, so every
failure is collected), and the cross-checks against the register. A
submission or row is rejected only by a rule whose severity says so; all else
is kept and becomes a finding for the follow-up letter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.errors

from pipelines import values
from pipelines.issues import REJECT_FILE, REJECT_ROW, RULES, Issue
from schemas import form
from schemas.submission import SCHEMAS

IDENTITY_FIELDS = ("prosjektnummer", "kommunenummer", "rapporteringsaar")
TABLES = ("indikatorer", "tiltak", "risiko")
VALUE_PARTS = ("utgangspunkt", "utgangsaar", "maal", "maalaar", "resultat")
# Rules that reject a value: it stays in `raw_*` and in the issue, and is empty in the typed tables, so that
# no `core_*` table or mart holds it as if accepted.
VALUE_REJECTING = ("verdi_utenfor_omrade",)
_HELPER_COLUMNS = ("min", "maks", "_prosent", "_tekst")


@dataclass
class Validated:
    innsendinger: pd.DataFrame  # one row per submission read, accepted or not
    indikatorer: pd.DataFrame
    tiltak: pd.DataFrame
    risiko: pd.DataFrame
    issues: list[tuple[str, Issue]]  # (innsending_id, issue)
    checks: dict[str, int]  # pandera model -> number of failures, for the asset checks


def validate_year(
    year: int,
    raw: dict[str, pd.DataFrame],
    register: dict[str, pd.DataFrame],
    rejected_when_read: set[str] = frozenset(),
) -> Validated:
    issues: list[tuple[str, Issue]] = []
    subs = raw["innsendinger"].copy()
    prosjekt = _type_prosjekt(subs, raw["felt"], issues)
    tables = {
        "indikatorer": _type_indikatorer(raw["indikatorer"], issues),
        "tiltak": _type_tiltak(raw["tiltak"], issues),
        "risiko": _type_risiko(raw["risiko"], issues),
    }
    checks = {}
    prosjekt, checks["prosjekt"] = _run_schema("prosjekt", prosjekt, issues)
    for name in TABLES:
        tables[name], checks[name] = _run_schema(name, tables[name], issues)
    _cross_check(year, prosjekt, register, issues)
    prosjekt = subs.merge(prosjekt.drop(columns=["ark", "rad"]), on="innsending_id", how="left")

    rejected = {sid for sid, i in issues if i.alvorsgrad == REJECT_FILE} | set(rejected_when_read)
    # a rejected row of a sheet's table; a CSV line's rejected value rejects that value only, not the line
    rejected_rows = {(sid, i.ark, i.rad) for sid, i in issues if i.alvorsgrad == REJECT_ROW and isinstance(i.ark, str)}
    prosjekt["godkjent"] = ~prosjekt["innsending_id"].isin(rejected)
    for name in TABLES:
        t = tables[name]
        keep = t["innsending_id"].isin(prosjekt.loc[prosjekt["godkjent"], "innsending_id"])
        keep &= ~pd.Series(
            [(a, b, c) in rejected_rows for a, b, c in zip(t["innsending_id"], t["ark"], t["rad"])],
            index=t.index,
            dtype=bool,
        )
        tables[name] = t[keep].drop(columns=[c for c in _HELPER_COLUMNS if c in t.columns]).reset_index(drop=True)
    prosjekt = _supersede(prosjekt)
    return Validated(prosjekt, tables["indikatorer"], tables["tiltak"], tables["risiko"], issues, checks)


def rejected_when_read(lesefeil: pd.DataFrame, innsendinger: pd.DataFrame) -> set[str]:
    """Submissions that reading already rejected: by their own issue, or because their whole file was."""
    rejecting = (lesefeil["alvor"] == REJECT_FILE) | lesefeil["regel"].map(lambda r: RULES[r][0] == REJECT_FILE)
    rejected_files = set(lesefeil.loc[rejecting & lesefeil["innsending_id"].isna(), "sha256"])
    return set(lesefeil.loc[rejecting, "innsending_id"].dropna()) | set(
        innsendinger.loc[innsendinger["sha256"].isin(rejected_files), "innsending_id"]
    )


# --- typing --------------------------------------------------------------------


def _parse(text, parser, sid, ark, rad, felt, issues, **kwargs):
    if text is None or (isinstance(text, float) and pd.isna(text)) or str(text).strip() == "":
        return None
    try:
        return parser(str(text), **kwargs)
    except ValueError as exc:
        issues.append(
            (
                sid,
                Issue(
                    "ugyldig_verdi",
                    ark=None if _isna(ark) else ark,
                    rad=_int(rad),
                    felt=felt,
                    verdi=str(text),
                    forventet=exc.args[0] if exc.args else None,
                ),
            )
        )
        return None


def _clean(value) -> str | None:
    if value is None or _isna(value):
        return None
    return values.clean_text(str(value)) or None


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _type_prosjekt(subs: pd.DataFrame, felt: pd.DataFrame, issues) -> pd.DataFrame:
    rows = []
    by_sub = {sid: g for sid, g in felt.groupby("innsending_id", sort=False)}
    for sub in subs.itertuples(index=False):
        record = {"innsending_id": sub.innsending_id, "ark": None, "rad": sub.kilde_rad}
        fields = by_sub.get(sub.innsending_id)
        places = {}
        if fields is not None:
            for f in fields.itertuples(index=False):
                places[f.felt] = (f.verdi, f.ark, f.rad)
        for fdef in form.PROSJEKT_FIELDS:
            text, ark, rad = places.get(fdef.key, (None, None, None))
            ark = None if ark is None or _isna(ark) else ark  # a CSV line has no sheet (NaN when read back)
            record[fdef.key] = _parse(text, values.PARSERS[fdef.kind], sub.innsending_id, ark, rad, fdef.key, issues)
            record[f"_plass_{fdef.key}"] = (ark, _int(rad))
        if record.get("hovedfunn") or record.get("godt_eksempel"):
            for key in ("hovedfunn", "godt_eksempel"):
                if record[key] and len(record[key]) > form.LONGTEXT_MAX:
                    ark, rad = record[f"_plass_{key}"]
                    issues.append(
                        (
                            sub.innsending_id,
                            Issue(
                                "tekst_for_lang",
                                ark=ark,
                                rad=rad,
                                felt=key,
                                verdi=record[key][:60],
                                forventet="maks_4000",
                            ),
                        )
                    )
                    record[key] = record[key][: form.LONGTEXT_MAX]
        rows.append(record)
    return pd.DataFrame(
        rows,
        columns=["innsending_id", "ark", "rad"]
        + list(form.PROSJEKT_KEYS)
        + [f"_plass_{k}" for k in form.PROSJEKT_KEYS],
    )


def _type_indikatorer(raw: pd.DataFrame, issues) -> pd.DataFrame:
    rows = []
    for r in raw.itertuples(index=False):
        sid, ark, rad = r.innsending_id, r.ark, r.rad
        label = _clean(r.indikator)
        key = values.indicator_key(label) if label else None
        ind = form.INDICATOR_BY_KEY.get(key)
        unit = ind.unit if ind else _clean(r.enhet)
        # a percentage is one whether the indicator is standard or the project's own with the unit «%»
        percent = ind.is_percent if ind else values.is_percent_unit(unit)

        def felt(part: str) -> str:
            # a CSV row holds every indicator on one line: name the column, whose label names the indicator
            return part if not _isna(ark) else f"{key or label}__{part}"

        rows.append(
            {
                "innsending_id": sid,
                "ark": ark,
                "rad": rad,
                "indikator": key or label,
                "standard": ind is not None,
                "enhet": unit,
                **{
                    part: _parse(
                        getattr(r, part), values.parse_number, sid, ark, rad, felt(part), issues, percent=percent
                    )
                    for part in ("utgangspunkt", "maal", "resultat")
                },
                **{
                    part: _parse(getattr(r, part), values.parse_year, sid, ark, rad, felt(part), issues)
                    for part in ("utgangsaar", "maalaar")
                },
                "kommentar": _clean(r.kommentar),
                "min": ind.low if ind else None,
                "maks": ind.high if ind else None,
                "_prosent": percent,
                "_tekst": {"indikator": label, **{p: _clean(getattr(r, p)) for p in VALUE_PARTS}},
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "innsending_id",
            "ark",
            "rad",
            "indikator",
            "standard",
            "enhet",
            "utgangspunkt",
            "maal",
            "resultat",
            "utgangsaar",
            "maalaar",
            "kommentar",
            "min",
            "maks",
            "_prosent",
            "_tekst",
        ],
    )


def _type_tiltak(raw: pd.DataFrame, issues) -> pd.DataFrame:
    rows = []
    for r in raw.itertuples(index=False):
        sid, ark, rad = r.innsending_id, r.ark, r.rad
        rows.append(
            {
                "innsending_id": sid,
                "ark": ark,
                "rad": rad,
                "tiltak": _clean(r.tiltak),
                "status": _parse(r.status, values.parse_measure_status, sid, ark, rad, "status", issues),
                "start": _parse(r.start, values.parse_date, sid, ark, rad, "start", issues),
                "slutt": _parse(r.slutt, values.parse_date, sid, ark, rad, "slutt", issues),
                "kommentar": _clean(r.kommentar),
            }
        )
    return pd.DataFrame(
        rows, columns=["innsending_id", "ark", "rad", "tiltak", "status", "start", "slutt", "kommentar"]
    )


def _type_risiko(raw: pd.DataFrame, issues) -> pd.DataFrame:
    rows = []
    for r in raw.itertuples(index=False):
        sid, ark, rad = r.innsending_id, r.ark, r.rad
        rows.append(
            {
                "innsending_id": sid,
                "ark": ark,
                "rad": rad,
                "risikofaktor": _clean(r.risikofaktor),
                "sannsynlighet": _parse(r.sannsynlighet, values.parse_int, sid, ark, rad, "sannsynlighet", issues),
                "konsekvens": _parse(r.konsekvens, values.parse_int, sid, ark, rad, "konsekvens", issues),
                "mottiltak": _clean(r.mottiltak),
            }
        )
    return pd.DataFrame(
        rows, columns=["innsending_id", "ark", "rad", "risikofaktor", "sannsynlighet", "konsekvens", "mottiltak"]
    )


# --- pandera ---------------------------------------------------------------------


def _run_schema(name: str, df: pd.DataFrame, issues) -> tuple[pd.DataFrame, int]:
    schema = SCHEMAS[name]()
    try:
        return schema.validate(df, lazy=True), 0
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        validated = err.data if err.data is not None else df
    seen = set()
    for case in cases.itertuples(index=False):
        idx = case.index
        parts = str(case.check).split(":")
        if len(parts) < 2 or idx is None or pd.isna(idx):
            continue
        regel, expected = parts[0], parts[1]
        felt = parts[2] if len(parts) > 2 else case.column
        key = (int(idx), regel, felt)
        if key in seen:  # row-wide checks report every column of the failing row
            continue
        seen.add(key)
        row = df.loc[int(idx)]
        ark, rad = _place(row, felt)
        value = row.get(felt)
        shown = None if value is None or _isna(value) else _show(value, percent=bool(row.get("_prosent")))
        if isinstance(row.get("_tekst"), dict) and row["_tekst"].get(felt):
            shown = row["_tekst"][felt]  # the indicator's label or the value as the person wrote it
        if expected == "indikator_omrade":
            hi = "" if pd.isna(row["maks"]) else f" og {row['maks']:g}"
            expected = f"mellom {row['min']:g}{hi}" if hi else f"minst {row['min']:g}"
        alvor = REJECT_FILE if name == "prosjekt" and felt in IDENTITY_FIELDS else None
        if name == "indikatorer" and _isna(row["ark"]) and felt in VALUE_PARTS:
            felt = f"{row['indikator']}__{felt}"  # a CSV line: the column names the indicator
        issues.append(
            (
                row["innsending_id"],
                Issue(regel, ark=ark, rad=rad, felt=felt, verdi=shown, forventet=expected, alvor=alvor),
            )
        )
        if regel in VALUE_REJECTING:
            validated.loc[int(idx), felt.rsplit("__", 1)[-1]] = pd.NA
    return validated, len(seen)


def _isna(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _show(value, percent: bool = False) -> str:
    """A typed value as a Norwegian reader sees it: decimal comma, «%» on a percentage."""
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")
        return f"{text} %" if percent else text
    return str(value)


def _place(row: pd.Series, felt: str) -> tuple[str | None, int | None]:
    plass = row.get(f"_plass_{felt}")
    if isinstance(plass, tuple):
        return plass
    ark = row.get("ark")
    return (None if ark is None or _isna(ark) else ark), _int(row.get("rad"))


# --- register ------------------------------------------------------------------


def _cross_check(year: int, prosjekt: pd.DataFrame, register: dict[str, pd.DataFrame], issues) -> None:
    projects = register["prosjekt"].set_index("prosjektnummer")
    names = dict(zip(register["kommuner"]["kommunenummer"], register["kommuner"]["kommune"]))
    for row in prosjekt.to_dict("records"):
        sid = row["innsending_id"]

        def issue(regel, felt, verdi, forventet, alvor=None):
            ark, rad = row[f"_plass_{felt}"] if f"_plass_{felt}" in row else (None, None)
            issues.append(
                (sid, Issue(regel, ark=ark, rad=rad, felt=felt, verdi=verdi, forventet=forventet, alvor=alvor))
            )

        pnr, knr, aar = row["prosjektnummer"], row["kommunenummer"], row["rapporteringsaar"]
        if aar is not None and not _isna(aar) and int(aar) != year:
            issue("aar_feil", "rapporteringsaar", str(int(aar)), f"{year}")
        if pnr is None or _isna(pnr):
            continue
        if pnr not in projects.index:
            issue("prosjekt_ukjent", "prosjektnummer", pnr, "registeret")
            continue
        p = projects.loc[pnr]
        if knr and knr != p["kommunenummer"]:
            issue(
                "kommune_ikke_leder",
                "kommunenummer",
                knr,
                f"{p['kommunenummer']} ({names.get(p['kommunenummer'], '')})",
            )
        elif (
            knr
            and row["kommune"]
            and names.get(knr)
            and form.normalise_label(row["kommune"]) != form.normalise_label(names[knr])
        ):
            issue("kommunenavn_feil", "kommune", row["kommune"], names[knr])
        if not int(p["forste_aar"]) <= year <= int(p["siste_aar"]):
            issue("aar_utenfor_prosjekt", "rapporteringsaar", str(year), f"{p['forste_aar']}–{p['siste_aar']}")
        themes = row["tema"]
        if isinstance(themes, list):
            allowed = set(str(p["tema"]).split(";"))
            for t in themes:
                if t not in allowed:
                    issue("tema_ikke_i_prosjekt", "tema", form.THEMES[t][0], "prosjektets_tema")


def _supersede(prosjekt: pd.DataFrame) -> pd.DataFrame:
    """A later submission for the same project supersedes the earlier; both are kept."""
    prosjekt = prosjekt.drop(columns=[c for c in prosjekt.columns if c.startswith("_plass_")])
    prosjekt["erstattet_av"] = None
    ok = prosjekt[prosjekt["godkjent"]].sort_values(
        ["prosjektnummer", "mottatt_dato", "innsendt_dato", "filnavn", "kilde_rad"], na_position="first"
    )
    for _pnr, group in ok.groupby("prosjektnummer", sort=False):
        ids = list(group["innsending_id"])
        for earlier in ids[:-1]:
            prosjekt.loc[prosjekt["innsending_id"] == earlier, "erstattet_av"] = ids[-1]
    prosjekt["gjeldende"] = prosjekt["godkjent"] & prosjekt["erstattet_av"].isna()
    return prosjekt
