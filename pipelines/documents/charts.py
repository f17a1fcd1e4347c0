"""Inline SVG charts for the annual report (no plotting library, no randomness).

One chart per indicator: one row per project, labelled by its lead
municipality (and the project's name where one municipality has two projects
in the chart), in Norwegian alphabetical order of that label — never sorted
by result, since the programme measures each municipality against its own
starting point, not against the others. Each row shows the project's own
baseline (hollow circle), the values of earlier years (small grey dots), this
year's value (black diamond) and the project's target (thick vertical bar).
For sick leave a dashed vertical line marks the IA agreement's goal as it
was: a national goal, 20 % below the 8,4 % of 2001, i.e. 6,72 %, by the end
of 2013 — not a cut from each project's own start. The legend shows only the
marks the chart draws. The numbers are written at the end of each row, so the
chart reads in greyscale and does not depend on colour.

Once an indicator has more projects than :data:`PROJECT_ROWS_MAX` (about two
pages of rows), the chart shows one row per network instead (the medians of
its projects' baselines, values and targets, with the number of projects), so
the report's length follows the networks, not the projects. ``<title>`` (used by WeasyPrint
as the figure's alternative text) and ``<desc>`` (every value, in words)
make the figure accessible.

Every function is pure: same input, same string.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from markupsafe import escape

from pipelines.documents.formatting import format_num, sort_key_nb
from schemas.form import INDICATOR_BY_KEY, UNIT_WORDS

MAX_ROWS = 30  # rows per SVG; a longer list is split into parts (an SVG cannot break across pages)
PROJECT_ROWS_MAX = 2 * MAX_ROWS  # beyond this an indicator is charted per network, not per project
# The IA agreement (inkluderende arbeidsliv): a national goal of 20 % less sick leave than the 8,4 % of
# 2001, by the end of 2013 — one line for the whole country, drawn as such.
IA_START = Decimal("8.4")
IA_GOAL = IA_START * Decimal("0.8")  # 6,72 %
IA_GOAL_YEAR = 2013

# Geometry (SVG user units; the figure is scaled to the text width).
# The width matches the A4 text column (168 mm ≈ 635 CSS px), so 1 unit ≈ 1 px
# and a 9-unit font prints at about 6,8 pt.
WIDTH = 635
LABEL_RIGHT = 178  # project names end here
PLOT_LEFT = 188
PLOT_RIGHT = 448
TEXT_LEFT = 458
ROW_H = 17
LEGEND_H = 24
AXIS_H = 36
FONT = "DejaVu Sans"
NAME_CHARS = 31  # longer labels end with «…» after the last whole word (the full name is in <desc>)

# Legend and description phrases: (bokmål, nynorsk).
_WORDS: dict[str, tuple[str, str]] = {
    "utgangspunkt": ("Utgangspunkt", "Utgangspunkt"),
    "tidlegare": ("Tidligere år", "Tidlegare år"),
    "resultat": ("Resultat {aar}", "Resultat {aar}"),
    "maal": ("Mål", "Mål"),
    "referanse": ("IA-mål for landet {v} %", "IA-mål for landet {v} %"),
    "ingen_verdi": ("ingen verdi for {aar}", "ingen verdi for {aar}"),
    "ingen_verdi_kort": ("ingen verdi", "ingen verdi"),
    "maal_kort": ("mål", "mål"),
    "tittel": (
        "{label}: hvert prosjekt mot eget utgangspunkt og mål, {aar}",
        "{label}: kvart prosjekt mot eige utgangspunkt og mål, {aar}",
    ),
    "del": (" (del {i} av {n})", " (del {i} av {n})"),
    "rekkefolge": (
        "Prosjektene står i alfabetisk rekkefølge og er ikke rangert etter resultat.",
        "Prosjekta står i alfabetisk rekkjefølgje og er ikkje rangerte etter resultat.",
    ),
    "desc_utgangspunkt": ("utgangspunkt {v} ({aar})", "utgangspunkt {v} ({aar})"),
    "desc_maal": ("mål {v} ({aar})", "mål {v} ({aar})"),
    "desc_referanse": (
        "IA-målet for landet er {v} % innen utgangen av {aar} (20 % under {start} %)",
        "IA-målet for landet er {v} % innan utgangen av {aar} (20 % under {start} %)",
    ),
    "tittel_nettverk": (
        "{label}: median per nettverk mot eget utgangspunkt og mål, {aar}",
        "{label}: median per nettverk mot eige utgangspunkt og mål, {aar}",
    ),
    "rekkefolge_nettverk": (
        "Hver rad er ett nettverk (medianen av prosjektene), i alfabetisk rekkefølge.",
        "Kvar rad er eitt nettverk (medianen av prosjekta), i alfabetisk rekkjefølgje.",
    ),
    "uten_nettverk": ("Uten nettverk, pulje {pulje}", "Utan nettverk, pulje {pulje}"),
    "n_prosjekt": ("{label} ({n})", "{label} ({n})"),
    "ukjent_aar": ("år ukjent", "år ukjent"),
    "akse": ("{label} ({unit})", "{label} ({unit})"),
}


def _w(key: str, form: str, **values: Any) -> str:
    nb, nn = _WORDS[key]
    return (nn if form == "nn" else nb).format(**values)


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectSeries:
    prosjektnummer: str
    prosjektnavn: str
    utgangspunkt: float | None
    utgangsaar: int | None
    maal: float | None
    maalaar: int | None
    verdiar: tuple[tuple[int, float], ...]  # (year, value), ascending by year
    kommune: str | None = None
    nettverk: str | None = None
    pulje: int | None = None
    label: str = ""  # what the row is labelled with (see :func:`label_rows`)

    def value_in(self, year: int) -> float | None:
        for y, v in self.verdiar:
            if y == year:
                return v
        return None

    def earlier(self, year: int) -> tuple[tuple[int, float], ...]:
        return tuple((y, v) for y, v in self.verdiar if y < year)


def series_by_project(rows: Iterable[Mapping[str, Any]], aar: int) -> list[ProjectSeries]:
    """Group ``seriar`` rows (one per project and year) into one series per project.

    Baseline and target are taken from the latest year's row that has them
    (a project may correct them). Years after ``aar`` are ignored. The result
    is in alphabetical order of project name.
    """
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row["prosjektnummer"]), []).append(row)
    series = []
    for nummer, project_rows in grouped.items():
        project_rows = sorted(project_rows, key=lambda r: (r.get("verdiaar") is None, r.get("verdiaar") or 0))

        def latest(key: str) -> Any:
            for r in reversed(project_rows):
                if r.get(key) is not None:
                    return r[key]
            return None

        values = {}
        for r in project_rows:
            year, value = r.get("verdiaar"), r.get("verdi")
            if year is not None and value is not None and int(year) <= aar:
                values[int(year)] = float(value)
        series.append(
            ProjectSeries(
                prosjektnummer=nummer,
                prosjektnavn=str(latest("prosjektnavn") or nummer),
                utgangspunkt=_float(latest("utgangspunkt")),
                utgangsaar=_int(latest("utgangsaar")),
                maal=_float(latest("maal")),
                maalaar=_int(latest("maalaar")),
                verdiar=tuple(sorted(values.items())),
                kommune=latest("kommune"),
                nettverk=latest("nettverk"),
                pulje=_int(latest("pulje")),
            )
        )
    return label_rows(series)


def label_rows(series: list[ProjectSeries]) -> list[ProjectSeries]:
    """Label each row by its lead municipality, adding the project («Arendal (P1-05)») only where one
    municipality has two or more projects in the chart; then order the rows alphabetically by that label.

    The municipality is what a council member looks for; a project's name («Heiltid…», «Heltid…»,
    «Omdømme og …») says more about its language form than about where it is.
    """
    per_kommune: dict[str, int] = {}
    for p in series:
        per_kommune[p.kommune or ""] = per_kommune.get(p.kommune or "", 0) + 1
    labelled = []
    for p in series:
        if not p.kommune:
            label = p.prosjektnavn
        elif per_kommune[p.kommune] > 1:  # the project number tells them apart, and is never cut
            label = f"{p.kommune} ({p.prosjektnummer})"
        else:
            label = p.kommune
        labelled.append(replace(p, label=label))
    labelled.sort(key=lambda s: (sort_key_nb(s.label), s.prosjektnummer))
    return labelled


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(Decimal(repr(v)) for v in values)
    mid = len(ordered) // 2
    return float(ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2)


def series_by_network(projects: list[ProjectSeries], form: str) -> list[ProjectSeries]:
    """One row per network (projects without one: per pool): the medians of its projects' baselines,
    targets and each year's values, labelled with the network's name and its number of projects."""
    groups: dict[tuple, list[ProjectSeries]] = {}
    for p in projects:
        groups.setdefault((p.nettverk or "", p.pulje or 0), []).append(p)
    rows = []
    for (nettverk, pulje), members in groups.items():
        name = nettverk or _w("uten_nettverk", form, pulje=pulje)
        years = sorted({y for p in members for y, _ in p.verdiar})
        rows.append(
            ProjectSeries(
                prosjektnummer=f"{pulje}/{nettverk}",
                prosjektnavn=name,
                utgangspunkt=_median([p.utgangspunkt for p in members if p.utgangspunkt is not None]),
                utgangsaar=None,
                maal=_median([p.maal for p in members if p.maal is not None]),
                maalaar=None,
                verdiar=tuple(
                    (y, v)
                    for y in years
                    if (v := _median([x for p in members for yy, x in p.verdiar if yy == y])) is not None
                ),
                nettverk=nettverk,
                pulje=pulje,
                label=_w("n_prosjekt", form, label=name, n=len(members)),
            )
        )
    rows.sort(key=lambda s: (sort_key_nb(s.label), s.prosjektnummer))
    return rows


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def reference_value(indikator: str) -> float | None:
    """Sick leave only: the IA agreement's national goal (6,72 %), the same line for every project."""
    return float(IA_GOAL) if indikator == "sykefravaer_pst" else None


# --------------------------------------------------------------------------
# Scale
# --------------------------------------------------------------------------


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[Decimal]:
    """Round tick values covering [lo, hi] (steps 1, 2, 2,5 or 5 × 10^k)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    span = hi - lo
    magnitude = Decimal(10) ** math.floor(math.log10(span / target))
    step = magnitude * 10
    for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if span / float(m * magnitude) <= target:
            step = m * magnitude
            break
    start = Decimal(math.floor(Decimal(repr(lo)) / step)) * step
    end = Decimal(math.ceil(Decimal(repr(hi)) / step)) * step
    ticks = []
    value = start
    while value <= end:
        ticks.append(value.normalize() if value != 0 else Decimal(0))
        value += step
    return ticks


def domain(indikator: str, projects: Iterable[ProjectSeries]) -> list[Decimal]:
    """Ticks for the value axis of one indicator, shared by all parts of its chart."""
    values: list[float] = []
    for p in projects:
        values += [v for v in (p.utgangspunkt, p.maal) if v is not None]
        values += [v for _, v in p.verdiar]
    if values and reference_value(indikator) is not None:
        values.append(reference_value(indikator))
    ind = INDICATOR_BY_KEY.get(indikator)
    if not values:
        lo, hi = (ind.low, ind.high if ind.high is not None else 10) if ind else (0, 10)
        return nice_ticks(float(lo), float(hi))
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.06 or max(abs(hi) * 0.1, 1.0)
    lo, hi = lo - pad, hi + pad
    if ind is not None:
        lo = max(lo, ind.low)
        if ind.high is not None:
            hi = min(hi, ind.high)
    ticks = nice_ticks(lo, hi)
    if ind is not None:
        ticks = [
            t
            for t in ticks
            if t >= Decimal(repr(float(ind.low))) and (ind.high is None or t <= Decimal(repr(float(ind.high))))
        ]
    return ticks


def _decimals(ticks: list[Decimal]) -> int:
    return max((max(0, -t.normalize().as_tuple().exponent) for t in ticks), default=0)


# --------------------------------------------------------------------------
# SVG
# --------------------------------------------------------------------------


def _e(text: Any) -> str:
    return str(escape(str(text)))


def _c(x: float) -> str:
    """Coordinates with one decimal (stable text, small files)."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _truncate(name: str, limit: int = NAME_CHARS) -> str:
    """Shorten after the last whole word that fits, with «…»: never inside a word.

    A first word longer than the limit is kept whole (a municipality's name is never cut).
    """
    if len(name) <= limit:
        return name
    words, kept = name.split(), []
    for word in words:
        if len(" ".join([*kept, word])) > limit - 1 and kept:
            break
        kept.append(word)
    text = " ".join(kept).rstrip(":,;–- ")
    return text + "…" if len(kept) < len(words) else text


def _fmt(value: float | None, form: str, decimals: int = 1) -> str:
    return format_num(value, form, decimals)


def _circle_d(x, y, r) -> str:
    return f"M{_c(x - r)} {_c(y)}a{_c(r)} {_c(r)} 0 1 0 {_c(2 * r)} 0a{_c(r)} {_c(r)} 0 1 0 {_c(-2 * r)} 0z"


def _diamond_d(x, y, r=4.8) -> str:
    return f"M{_c(x)} {_c(y - r)}L{_c(x + r)} {_c(y)}L{_c(x)} {_c(y + r)}L{_c(x - r)} {_c(y)}z"


def _text(x, y, content, size=9, anchor="start", weight=None, fill="#000") -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_c(x)}" y="{_c(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}"{extra}>{_e(content)}</text>'
    )


def _legend(drawn: set[str], aar: int, form: str, y: float) -> list[str]:
    """The legend of what the chart draws, and nothing else (``drawn``: the kinds of mark present)."""
    items = [
        (
            "utgangspunkt",
            lambda x: f'<path fill="#fff" stroke="#000" stroke-width="1.2" d="{_circle_d(x, y, 4)}"/>',
            _w("utgangspunkt", form),
        ),
        (
            "tidlegare",
            lambda x: f'<path fill="#777" stroke="#777" stroke-width="0.5" d="{_circle_d(x, y, 2.6)}"/>',
            _w("tidlegare", form),
        ),
        (
            "resultat",
            lambda x: f'<path fill="#000" stroke="#000" stroke-width="0.6" d="{_diamond_d(x, y)}"/>',
            _w("resultat", form, aar=aar),
        ),
        (
            "maal",
            lambda x: f'<path fill="none" stroke="#000" stroke-width="2.6" d="M{_c(x)} {_c(y - 5.5)}v11"/>',
            _w("maal", form),
        ),
        (
            "referanse",
            lambda x: (
                f'<path fill="none" stroke="#444" stroke-width="1.4" stroke-dasharray="3 2" '
                f'd="M{_c(x)} {_c(y - 6)}v12"/>'
            ),
            _w("referanse", form, v=_fmt(float(IA_GOAL), form, 2)),
        ),
    ]
    parts, x = [], 6.0
    for kind, draw, label in items:
        if kind not in drawn:
            continue
        parts.append(draw(x + 5))
        parts.append(_text(x + 14, y + 3.2, label, size=9))
        x += 14 + 5.5 * len(label) + 14
    return parts


def _describe(p: ProjectSeries, indikator: str, aar: int, form: str) -> str:
    bits = []
    if p.utgangspunkt is not None:
        bits.append(
            _w("desc_utgangspunkt", form, v=_fmt(p.utgangspunkt, form), aar=p.utgangsaar or _w("ukjent_aar", form))
        )
    for y, v in p.verdiar:
        bits.append(f"{y}: {_fmt(v, form)}")
    if p.value_in(aar) is None:
        bits.append(_w("ingen_verdi", form, aar=aar))
    if p.maal is not None:
        bits.append(_w("desc_maal", form, v=_fmt(p.maal, form), aar=p.maalaar or _w("ukjent_aar", form)))
    name = p.label or p.prosjektnavn
    if p.prosjektnavn not in name:
        name += f", {p.prosjektnavn}"
    return f"{name} ({p.prosjektnummer}): " + "; ".join(bits) + "."


def indicator_chart(
    indikator: str,
    projects: list[ProjectSeries],
    aar: int,
    form: str,
    ticks: list[Decimal] | None = None,
    part: tuple[int, int] | None = None,
    per_network: bool = False,
) -> str:
    """One SVG for the given rows (in the order given: use :func:`series_by_project`); ``per_network``
    when each row is a network's medians (:func:`series_by_network`)."""
    ind = INDICATOR_BY_KEY.get(indikator)
    label = ind.label(form) if ind else str(indikator)
    unit = UNIT_WORDS.get(ind.unit if ind else "", ("", ""))[1 if form == "nn" else 0]
    ticks = ticks if ticks is not None else domain(indikator, projects)
    if len(ticks) < 2:  # degenerate axis (e.g. every value outside the indicator's range)
        ticks = nice_ticks(float(ticks[0]) if ticks else 0.0, (float(ticks[0]) if ticks else 0.0) + 1)
    lo, hi = float(ticks[0]), float(ticks[-1])
    decimals = _decimals(ticks)

    def sx(v: float) -> float:
        x = PLOT_LEFT + (v - lo) / (hi - lo) * (PLOT_RIGHT - PLOT_LEFT)
        return min(max(x, PLOT_LEFT), PLOT_RIGHT)  # out-of-range data stays inside the plot

    height = LEGEND_H + ROW_H * len(projects) + AXIS_H
    title = _w("tittel_nettverk" if per_network else "tittel", form, label=label, aar=aar)
    if part and part[1] > 1:
        title += _w("del", form, i=part[0], n=part[1])
    ref = reference_value(indikator)
    ref_drawn = ref is not None and lo <= ref <= hi
    desc = " ".join(
        [_w("rekkefolge_nettverk" if per_network else "rekkefolge", form)]
        + (
            [
                _w("desc_referanse", form, v=_fmt(ref, form, 2), aar=IA_GOAL_YEAR, start=_fmt(float(IA_START), form))
                + "."
            ]
            if ref_drawn
            else []
        )
        + [_describe(p, indikator, aar, form) for p in projects]
    )
    drawn = {"referanse"} if ref_drawn else set()
    for p in projects:
        drawn |= {
            k
            for k, present in (
                ("utgangspunkt", p.utgangspunkt is not None),
                ("tidlegare", bool(p.earlier(aar))),
                ("resultat", p.value_in(aar) is not None),
                ("maal", p.maal is not None and lo <= p.maal <= hi),
            )
            if present
        }

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graf" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="{FONT}">',
        f"<title>{_e(title)}</title>",
        f"<desc>{_e(desc)}</desc>",
    ]
    out += _legend(drawn, aar, form, LEGEND_H / 2)

    top, bottom = LEGEND_H, LEGEND_H + ROW_H * len(projects)
    # Marks of the same kind share one <path> (fewer SVG elements: faster to lay out).
    stripes, grid, tick_marks = [], [], []
    spans, crosses, bars, dots, rings, diamonds = [], [], [], [], [], []
    texts = []
    for i in range(0, len(projects), 2):  # zebra stripes help the eye along a row
        stripes.append(f"M0 {_c(top + i * ROW_H)}h{WIDTH}v{ROW_H}h-{WIDTH}z")
    for t in ticks:
        x = sx(float(t))
        grid.append(f"M{_c(x)} {_c(top)}V{_c(bottom)}")
        tick_marks.append(f"M{_c(x)} {_c(bottom)}v4")
        texts.append(_text(x, bottom + 14, _fmt(float(t), form, decimals), size=9, anchor="middle"))
    texts.append(
        _text(
            (PLOT_LEFT + PLOT_RIGHT) / 2, bottom + 29, _w("akse", form, label=label, unit=unit), size=9, anchor="middle"
        )
    )

    for i, p in enumerate(projects):
        y = top + i * ROW_H + ROW_H / 2
        texts.append(_text(LABEL_RIGHT, y + 3.3, _truncate(p.label or p.prosjektnavn), size=9, anchor="end"))
        now = p.value_in(aar)
        path_values = [v for v in (p.utgangspunkt, *(v for _, v in p.verdiar)) if v is not None]
        if len(path_values) > 1:
            spans.append(f"M{_c(sx(min(path_values)))} {_c(y)}H{_c(sx(max(path_values)))}")
        if p.maal is not None and lo <= p.maal <= hi:
            bars.append(f"M{_c(sx(p.maal))} {_c(y - 6)}v12")
        for _, v in p.earlier(aar):
            dots.append(_circle_d(sx(v), y, 2.6))
        if p.utgangspunkt is not None:
            rings.append(_circle_d(sx(p.utgangspunkt), y, 4))
        if now is not None:
            diamonds.append(_diamond_d(sx(now), y))
        # Numbers at the end of the row: baseline → this year (target).
        if now is None:
            right = f"{_fmt(p.utgangspunkt, form)} → {_w('ingen_verdi_kort', form)}"
        else:
            right = f"{_fmt(p.utgangspunkt, form)} → {_fmt(now, form)}"
        if p.maal is not None:
            right += f"  ({_w('maal_kort', form)} {_fmt(p.maal, form)})"
        texts.append(_text(TEXT_LEFT, y + 3.3, right, size=9))

    def path(parts: list[str], attrs: str) -> None:
        if parts:
            out.append(f'<path {attrs} d="{"".join(parts)}"/>')

    if ref_drawn:  # one national line, not a mark per project
        crosses.append(f"M{_c(sx(ref))} {_c(top)}V{_c(bottom)}")
    path(stripes, 'fill="#eeeeee"')
    path(grid, 'fill="none" stroke="#bbbbbb" stroke-width="0.6" stroke-dasharray="2 2"')
    path(tick_marks + [f"M{PLOT_LEFT} {_c(bottom)}H{PLOT_RIGHT}"], 'fill="none" stroke="#000" stroke-width="0.8"')
    path(spans, 'class="forlop" fill="none" stroke="#666" stroke-width="1.4"')
    path(crosses, 'class="ia-referanse" fill="none" stroke="#444" stroke-width="1.4" stroke-dasharray="3 2"')
    path(bars, 'class="maal" fill="none" stroke="#000" stroke-width="2.6"')
    path(dots, 'class="tidlegare" fill="#777" stroke="#777" stroke-width="0.5"')
    path(rings, 'class="utgangspunkt" fill="#fff" stroke="#000" stroke-width="1.2"')
    path(diamonds, 'class="resultat" fill="#000" stroke="#000" stroke-width="0.6"')
    out.extend(texts)
    out.append("</svg>")
    return "".join(out)


def per_network(indikator: str, rows: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the indicator is charted per network (more projects than :data:`PROJECT_ROWS_MAX`)."""
    return len({r["prosjektnummer"] for r in rows if r.get("indikator") == indikator}) > PROJECT_ROWS_MAX


def indicator_charts(
    indikator: str, rows: Iterable[Mapping[str, Any]], aar: int, form: str, max_rows: int = MAX_ROWS
) -> list[str]:
    """SVG(s) for one indicator from ``seriar`` rows; split into parts of at most ``max_rows``.

    Rows of other indicators are ignored, so the whole ``seriar`` list can be passed.
    Returns an empty list when no project reports the indicator.
    """
    projects = series_by_project((r for r in rows if r.get("indikator") == indikator), aar)
    if not projects:
        return []
    per_network = len(projects) > PROJECT_ROWS_MAX
    if per_network:
        projects = series_by_network(projects, form)
    ticks = domain(indikator, projects)
    n = max(1, math.ceil(len(projects) / max_rows))
    size = math.ceil(len(projects) / n)  # balanced parts
    return [
        indicator_chart(
            indikator, projects[i * size : (i + 1) * size], aar, form, ticks, (i + 1, n), per_network=per_network
        )
        for i in range(n)
    ]
