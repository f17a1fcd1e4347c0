"""What the council reads: the annual reports of the bundled inbox for 2013 and 2015, read back from the PDF.

The bundled inbox is run for every year of the programme (2012–2015) into one
warehouse, so the trends have their earlier years. Every figure looked for is
computed here with this module's own SQL over the register and the core
tables (never the marts), and the tests do not know how many projects,
files or findings the inbox holds.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from pipelines import workdays
from schemas.form import STANDARD_INDICATORS
from tests.test_report import fold, kroner, layout_text, section, sql, squash, whole

RULE_HIGH = "(r.sannsynlighet * r.konsekvens >= 9 or r.konsekvens = 5)"


def pdf(out: Path, year: int, appendix: bool = False) -> Path:
    return out / str(year) / (f"arsrapport-{year}-vedlegg.pdf" if appendix else f"arsrapport-{year}.pdf")


@pytest.fixture(scope="module")
def all_years(all_years_run) -> Path:
    """Every year of the bundled inbox in one warehouse, 2012 first, so the 2013 report has its earlier
    year (see tests/conftest.py)."""
    return all_years_run


@pytest.fixture(scope="module")
def texts(all_years) -> dict[int, str]:
    return {year: layout_text(pdf(all_years, year)) for year in (2013, 2015)}


# --------------------------------------------------------------------------------------------------
# The figures, from the register and the core tables
# --------------------------------------------------------------------------------------------------

ACTIVE = """
    select p.prosjektnummer, cast(p.pulje as int) as pulje, nullif(p.nettverk_id, '') as nettverk_id,
           p.prosjektnavn, string_split(p.tema, ';') as tema, t.rapporteringsfrist
    from ref_prosjekt p join stg_tilskudd t on t.prosjektnummer = p.prosjektnummer and t.aar = $aar
    where $aar between cast(p.forste_aar as int) and cast(p.siste_aar as int)"""
CURRENT = "select * from core_innsendinger where aar = $aar and godkjent and gjeldende"


def projects(out: Path, year: int) -> dict[str, dict]:
    rows = {}
    for nummer, pulje, nettverk, navn, tema, frist in sql(out, ACTIVE.replace("$aar", "?"), year, year):
        rows[nummer] = {
            "pulje": pulje,
            "nettverk_id": nettverk,
            "navn": navn,
            "tema": tema,
            "frist": frist,
            "rapport": None,
        }
    for r in sql(
        out,
        f"""select prosjektnummer, mottatt_dato, folkevalgte_med and administrasjon_med
                          and tillitsvalgte_med, temadag_dato is not null, status, hovedfunn, godt_eksempel
                          from ({CURRENT.replace("$aar", "?")})""",
        year,
    ):
        if r[0] in rows:
            rows[r[0]]["rapport"] = dict(zip(("mottatt", "tre", "temadag", "status", "hovedfunn", "godt"), r[1:]))
    return rows


def high_risks(out: Path, year: int) -> list[tuple]:
    return sql(
        out,
        f"""select s.prosjektnummer, r.mottiltak is null
        from core_risiko r join core_innsendinger s using (aar, innsending_id)
        where r.aar = ? and s.godkjent and s.gjeldende and {RULE_HIGH}""",
        year,
    )


def indicator_values(out: Path, year: int) -> list[tuple]:
    """(indicator, baseline, target, result) of every standard indicator of a current report with all three."""
    return sql(
        out,
        """
            select i.indikator, i.utgangspunkt, i.maal, i.resultat
            from core_indikatorer i join core_innsendinger s using (aar, innsending_id)
            where i.aar = ? and s.godkjent and s.gjeldende and i.standard and i.utgangspunkt is not null
              and i.maal is not null and i.resultat is not null""",
        year,
    )


def moved_toward(base, target, result) -> bool:
    """A project moved toward its own target: its result left the baseline in the target's direction."""
    return result != base and (result > base) == (target > base)


def toward_target(out: Path, year: int) -> dict[str, tuple[int, int]]:
    """Per standard indicator: (projects that moved toward their own target, projects with all three values)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for indikator, base, target, result in indicator_values(out, year):
        counts[indikator][1] += 1
        counts[indikator][0] += moved_toward(base, target, result)
    return {k: tuple(v) for k, v in counts.items()}


def lines_of(text: str) -> set[str]:
    return {fold(line) for line in text.splitlines()}


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2013, 2015])
def test_key_messages_come_first_in_words_with_the_right_figures(all_years, texts, year):
    pages = texts[year].split("\f")
    first = next(i for i, p in enumerate(pages) if "Hovedbudskap" in lines_of(p))
    assert first <= 2, "the key messages open the report, right after the front page and contents"
    words = fold(pages[first])
    rows = projects(all_years, year)
    n = len(rows)
    reported = [p for p in rows.values() if p["rapport"]]
    # on time: by the deadline, moved to the next working day when it falls on a weekend or holiday
    on_time = sum(
        1
        for p in reported
        if not p["rapport"]["mottatt"] or p["rapport"]["mottatt"] <= workdays.on_or_after(p["frist"])
    )
    assert (
        f"{whole(on_time)} av {whole(n)} prosjekter" in words
        or f"alle de {whole(n)} prosjektene leverte rapporten i tide" in words
    ), words
    three = sum(1 for p in reported if p["rapport"]["tre"])
    assert f"I {whole(three)} av {whole(len(reported))} rapporter" in words
    days = sum(1 for p in reported if p["rapport"]["temadag"])
    assert f"{whole(days)} av {whole(len(reported))} prosjekter med rapport" in words
    risks = high_risks(all_years, year)
    without = [r for r in risks if r[1]]
    if without:
        assert f"{whole(len(without))} av dem, i {whole(len({r[0] for r in without}))} prosjekt" in words
    for indikator, (toward, total) in toward_target(all_years, year).items():
        assert f"{whole(toward)} av {whole(total)} prosjekt" in words, indikator
    # no municipality and no project is named in the key messages
    names = {p["navn"] for p in rows.values()} | {k for (k,) in sql(all_years, "select kommune from ref_kommuner")}
    assert not [name for name in names if re.search(rf"\b{re.escape(name)}\b", words)]


@pytest.mark.parametrize("year", [2013, 2015])
def test_every_project_counts_in_every_table_and_sums_equal_totals(all_years, texts, year):
    rows = projects(all_years, year)
    text = texts[year]
    lines = lines_of(text)
    for pulje in sorted({p["pulje"] for p in rows.values()}):
        mine = [p for p in rows.values() if p["pulje"] == pulje]
        reported = [p for p in mine if p["rapport"]]
        total = (
            f"Sum pulje {pulje} {whole(len(mine))} {whole(len(reported))} "
            f"{whole(sum(1 for p in reported if p['rapport']['tre']))} "
            f"{whole(sum(1 for p in reported if p['rapport']['temadag']))}"
        )
        assert any(line.startswith(total) for line in lines), total
        alone = [p for p in mine if p["nettverk_id"] is None]
        if alone:  # the projects without a network have a row of their own
            assert any(line.startswith(f"Uten nettverk – {whole(len(alone))} ") for line in lines), pulje
    # the network tables: every row's projects add up to the pool's sum row
    block = section(text, "Puljer og nettverk", "Temaer og indikatorer")
    for pulje in sorted({p["pulje"] for p in rows.values()}):
        mine = [p for p in rows.values() if p["pulje"] == pulje]
        start = block.index(next(b for b in block if b.strip() == f"Pulje {pulje}"))
        end = next(i for i in range(start, len(block)) if block[i].strip().startswith(f"Sum pulje {pulje}"))
        counts = [
            int(m.group(1))
            for line in block[start:end]
            if (m := re.search(r"\s(\d+)\s+\d+\s+\d+\s+\d+\s+(?:\d+,\d|–)\s*$", line))
        ]
        assert sum(counts) == len(mine), (pulje, counts)
    # the whole programme
    reported = [p for p in rows.values() if p["rapport"]]
    assert any(line.startswith(f"Totalt {whole(len(rows))} {whole(len(reported))} ") for line in lines)
    # projects by status: each pool's row and the total add up to every active project
    status = Counter(p["rapport"]["status"] if p["rapport"] else "uten_rapport" for p in rows.values())
    status_block = [fold(x) for x in section(text, "Status og gevinstrealisering", "Puljer og nettverk")]
    total_row = next(x for x in status_block if x.startswith("Totalt "))
    figures = [int(x.replace(" ", "")) for x in re.findall(r"\d+", total_row)]
    assert (
        figures[-1] == len(rows) and sum(figures[:-1]) == len(rows) and sorted(figures[:-1]) == sorted(status.values())
    ), (total_row, status)
    # themes: the sum row is the sum of the theme rows (a project counts in each of its themes)
    per_theme = Counter(t.strip() for p in rows.values() for t in p["tema"])
    assert f"Sum over temaene {whole(sum(per_theme.values()))} " in fold(text)


@pytest.mark.parametrize("year", [2013, 2015])
def test_each_theme_quotes_main_findings_of_its_own_projects_without_repeats(all_years, texts, year):
    rows = projects(all_years, year)
    text = fold(texts[year])
    quoted = re.findall(r"– ([^–«»]+?) \((P\d-\d+)\), ", text)
    assert quoted, "the report quotes the projects"
    numbers = [n for _, n in quoted]
    assert len(numbers) == len(set(numbers)), Counter(numbers).most_common(3)
    findings = 0
    for name, number in quoted:
        assert squash(rows[number]["navn"]) == squash(name), (name, number)
        r = rows[number]["rapport"]
        assert r, number
        # the quotation is the project's own words (shortened at a word with «…» when long)
        quote = re.search(r"«([^»]+)» – " + re.escape(name), text).group(1)
        for source in (r["hovedfunn"], r["godt"]):
            if source and (fold(source) == quote or (quote.endswith(" …") and fold(source).startswith(quote[:-2]))):
                findings += source == r["hovedfunn"]
                break
        else:
            raise AssertionError(f"{number}: «{quote}» is neither its main finding nor its good example")
    assert findings >= 3, "main findings are quoted"
    heading = "Hovedfunn fra prosjektene"
    assert text.count(heading) == 5, "one set of main findings per theme"


def test_trends_from_2012_for_every_pool(all_years, texts, bundled_run):
    text = texts[2013]
    block = [fold(x) for x in section(text, "Utviklingen per pulje", "Tiltak og risiko")]
    for year in (2012, 2013):
        rows = projects(all_years, year)
        for pulje in sorted({p["pulje"] for p in rows.values()}):
            mine = [p for p in rows.values() if p["pulje"] == pulje]
            reported = [p for p in mine if p["rapport"]]
            expected = f"{year} Pulje {pulje} {whole(len(mine))} {whole(len(reported))}"
            assert any(x.startswith(expected) for x in block), expected
    # each theme's trend table starts in 2012 too
    assert fold(text).count("Utviklingen for ") == 5 and "2012–2013" in fold(text)
    # where 2012 was never run, the report says so instead of printing zeros
    alone = fold(layout_text(pdf(bundled_run, 2013)))
    assert "Disse årene er ikke kjørt, og tallene deres mangler: 2012." in alone


def test_final_year_summarises_the_programme_period(all_years, texts):
    text = texts[2015]
    block = [fold(x) for x in section(text, "Programperioden 2012–2015", "Puljer og nettverk")]
    last = {}
    for nummer, pulje, siste, status in sql(
        all_years,
        """
            with aktive as (
                select p.prosjektnummer, cast(p.pulje as int) as pulje, cast(p.siste_aar as int) as siste, t.aar
                from ref_prosjekt p join stg_tilskudd t on t.prosjektnummer = p.prosjektnummer
                where t.aar between cast(p.forste_aar as int) and cast(p.siste_aar as int) and t.aar <= 2015)
            select a.prosjektnummer, any_value(a.pulje), any_value(a.siste),
                   arg_max(s.status, s.aar) filter (where s.prosjektnummer is not null)
            from aktive a left join core_innsendinger s
              on s.prosjektnummer = a.prosjektnummer and s.aar = a.aar and s.godkjent and s.gjeldende
            group by a.prosjektnummer""",
    ):
        last[nummer] = (pulje, siste, status or "uten_rapport")
    total = next(x for x in block if x.startswith("Totalt "))
    figures = [int(x) for x in re.findall(r"\d+", total.replace(" ", " "))]
    ended = sum(1 for _, s, _ in last.values() if s <= 2015)
    status = Counter(st for _, _, st in last.values())
    assert figures[0] == len(last) and figures[2] == ended, (total, len(last), ended)
    assert figures[3:8] == [
        status.get(k, 0) for k in ("avsluttet", "drift", "gjennomforing", "oppstart", "uten_rapport")
    ], (total, status)
    words = fold(text.split("\f")[2])
    assert (
        f"i sin siste rapport meldte {whole(status.get('avsluttet', 0))} at de er avsluttet og "
        f"{whole(status.get('drift', 0))} at arbeidet er overført til ordinær drift"
    ) in words


@pytest.mark.parametrize("year", [2013, 2015])
def test_auditors_material_is_in_its_own_appendix(all_years, texts, year):
    body = fold(texts[year])
    files = sql(all_years, "select filnavn, sha256 from core_filer where aar = ?", year)
    assert files and not any(sha in body for _, sha in files), "no checksum in the body"
    assert "Kjørings-ID" not in body and "Kodeversjon" not in body
    assert f"arsrapport-{year}-vedlegg.pdf" in body
    appendix = re.sub(r"\s+", "", layout_text(pdf(all_years, year, appendix=True)))
    for name, sha in files:
        assert sha in appendix, name
    with open(all_years / str(year) / f"arsrapport-{year}-filer.csv", encoding="utf-8") as fh:
        listed = {(r["filnavn"], r["sha256"]) for r in csv.DictReader(fh)}
    assert listed == set(files)


def test_risks_are_summarised_not_listed_in_full(all_years, texts):
    risks = high_risks(all_years, 2013)
    block = [fold(x) for x in section(texts[2013], "Tiltak og risiko", "Økonomi")]
    total = next(x for x in block if x.startswith("Totalt ") and len(re.findall(r"\d+", x)) == 5)
    figures = [int(x) for x in re.findall(r"\d+", total)]
    without = [r for r in risks if r[1]]
    assert figures[1:] == [len(risks), len(risks) - len(without), len(without), len({r[0] for r in without})]
    assert len(block) < 80, "the risk section fits about a page"


# --------------------------------------------------------------------------------------------------
# More printed figures, each against this module's own SQL
# --------------------------------------------------------------------------------------------------


def percent(part, whole_) -> str:
    """A share as the report prints it: a whole percent, half up."""
    return f"{(Decimal(part) * 100 / Decimal(whole_)).quantize(Decimal(1), ROUND_HALF_UP)} %"


def signed(value: Decimal) -> str:
    text = f"{abs(value).quantize(Decimal('0.1'), ROUND_HALF_UP)}".replace(".", ",")
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def median(values: list[Decimal]) -> Decimal:
    ordered, mid = sorted(values), len(values) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def figures_of(line: str) -> list[int]:
    """The whole numbers of a table row (the bundled inbox's counts are below a thousand)."""
    return [int(x) for x in re.findall(r"\d+", line)]


@pytest.mark.parametrize("year", [2013, 2015])
def test_share_spent_is_one_rule_in_the_key_message_and_the_money_table(all_years, texts, year):
    """What the projects with an approved report spent, over what those projects were paid and had
    transferred in from the year before (the money table's footnote ²), in the key message and the table."""
    ((spent, base),) = sql(
        all_years,
        f"""
        with aktive as ({ACTIVE.replace("$aar", "?")}),
        rapport as (select prosjektnummer, forbruk from ({CURRENT.replace("$aar", "?")}) where forbruk is not null),
        utbetalt as (select prosjektnummer, sum(belop_kr) as kr from stg_utbetalinger where aar = ? group by all),
        inn as (select prosjektnummer, sum(belop_kr) as kr from stg_overforinger where til_aar = ? group by all)
        select sum(r.forbruk), sum(coalesce(u.kr, 0) + coalesce(i.kr, 0))
        from aktive a join rapport r using (prosjektnummer)
        left join utbetalt u using (prosjektnummer) left join inn i using (prosjektnummer)""",
        year,
        year,
        year,
        year,
        year,
    )
    share = percent(Decimal(str(spent)), Decimal(str(base)))
    pages = texts[year].split("\f")
    words = fold(next(p for p in pages if "Hovedbudskap" in lines_of(p)))
    assert f"brukt {kroner(spent)} av de {kroner(base)} de fikk utbetalt og overført fra året før ({share})" in words
    money = [fold(x) for x in section(texts[year], "Tilskudd og forbruk", "Status og gevinstrealisering")]
    total = next(x for x in money if x.startswith("Totalt "))
    assert f" {kroner(spent)} " in total and total.endswith(f" {share}"), (total, share)


@pytest.mark.parametrize("year", [2013, 2015])
def test_each_indicator_table_counts_and_median_from_the_projects_own_figures(all_years, texts, year):
    """Per standard indicator: projects with baseline, target and result, those that moved toward their own
    target, the share, and the median change (result − baseline, half up to one decimal)."""
    own: dict[str, list[tuple[Decimal, bool]]] = defaultdict(list)
    for indikator, base, target, result in indicator_values(all_years, year):
        base, target, result = (Decimal(repr(float(v))) for v in (base, target, result))
        own[indikator].append((result - base, moved_toward(base, target, result)))
    lines = [fold(x) for x in section(texts[year], "Temaer og indikatorer", "Utviklingen per pulje")]
    checked = 0
    for ind in STANDARD_INDICATORS:
        rows = own.get(ind.key)
        start = next((i for i, x in enumerate(lines) if x.startswith(f"{ind.nb} (") and len(x) < 60), None)
        if not rows:
            continue
        assert start is not None, ind.key
        block = lines[start : start + 8]
        n, toward = len(rows), sum(1 for _, t in rows if t)
        expected = [
            f"Prosjekter som rapporterer utgangspunkt, mål og resultat {whole(n)}",
            f"Prosjekter som har kommet nærmere eget mål {whole(toward)}",
            f"Andel som har kommet nærmere eget mål {percent(toward, n)}",
            f"Median endring fra eget utgangspunkt {signed(median([c for c, _ in rows]))} ",
        ]
        for want in expected:
            assert any(x == want or x.startswith(want) for x in block), (ind.key, want, block)
        checked += 1
    assert checked >= 5, "the indicators the projects report are in the tables"


@pytest.mark.parametrize("year", [2013, 2015])
def test_every_network_row_from_its_projects_own_reports(all_years, texts, year):
    """Each row of the network tables (the networks and «Uten nettverk»): projects, reports, all three
    parties, theme days and the average gatherings, as one multiset per pool against own SQL."""
    own: dict[int, Counter] = defaultdict(Counter)
    for pulje, _, prosjekt, rapporter, tre, temadag, deltatt, rapportert in sql(
        all_years,
        f"""
        with aktive as ({ACTIVE.replace("$aar", "?")}), rapport as ({CURRENT.replace("$aar", "?")})
        select a.pulje, a.nettverk_id, count(*), count(r.prosjektnummer),
               count(*) filter (where r.folkevalgte_med and r.administrasjon_med and r.tillitsvalgte_med),
               count(r.temadag_dato), sum(r.samlinger_deltatt), count(r.samlinger_deltatt)
        from aktive a left join rapport r using (prosjektnummer)
        group by all""",
        year,
        year,
        year,
    ):
        snitt = (
            f"{(Decimal(deltatt) / Decimal(rapportert)).quantize(Decimal('0.1'), ROUND_HALF_UP)}".replace(".", ",")
            if rapportert
            else "–"
        )
        own[pulje][(prosjekt, rapporter, tre, temadag, snitt)] += 1
    block = section(texts[year], "Puljer og nettverk", "Temaer og indikatorer")
    for pulje, expected in own.items():
        start = next(i for i, b in enumerate(block) if b.strip() == f"Pulje {pulje}")
        end = next(i for i in range(start, len(block)) if block[i].strip().startswith(f"Sum pulje {pulje}"))
        printed = Counter(
            (int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5])
            for line in block[start:end]
            if (m := re.search(r"\s(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+,\d|–)\s*$", line))
        )
        assert printed == expected, (pulje, printed, expected)


STATUS_LABELS = {
    "Oppstart": "oppstart",
    "Gjennomføring": "gjennomforing",
    "Avsluttet": "avsluttet",
    "Drift": "drift",
    "Uten rapport": "uten_rapport",
}


@pytest.mark.parametrize("year", [2013, 2015])
def test_status_and_risk_rows_of_every_pool(all_years, texts, year):
    rows = projects(all_years, year)
    text = texts[year]
    # projects by status: each pool's row, column by column in the order of the printed header
    block = [fold(x) for x in section(text, "Status og gevinstrealisering", "Puljer og nettverk")]
    header = next(x for x in block if x.startswith("Pulje ") and "Totalt" in x)
    columns = sorted((header.index(label), key) for label, key in STATUS_LABELS.items() if label in header)
    for pulje in sorted({p["pulje"] for p in rows.values()}):
        mine = [p for p in rows.values() if p["pulje"] == pulje]
        status = Counter(p["rapport"]["status"] if p["rapport"] else "uten_rapport" for p in mine)
        want = [status.get(key, 0) for _, key in columns] + [len(mine)]
        line = next(x for x in block if x.startswith(f"Pulje {pulje} ") and x[len(f"Pulje {pulje} ") :][:1].isdigit())
        assert figures_of(line)[1:] == want, (line, want)
    # high risks per pool: assessed, high, with and without mitigation, projects with one left without
    risks = sql(
        all_years,
        f"""
        with aktive as ({ACTIVE.replace("$aar", "?")})
        select a.pulje, s.prosjektnummer, {RULE_HIGH} as hoy, r.mottiltak is null as uten
        from core_risiko r join core_innsendinger s using (aar, innsending_id)
        join aktive a on a.prosjektnummer = s.prosjektnummer
        where r.aar = ? and s.godkjent and s.gjeldende""",
        year,
        year,
        year,
    )
    block = [fold(x) for x in section(text, "Tiltak og risiko", "Økonomi")]
    for pulje in sorted({p["pulje"] for p in rows.values()}):
        mine = [r for r in risks if r[0] == pulje]
        high = [r for r in mine if r[2]]
        without = [r for r in high if r[3]]
        want = [pulje, len(mine), len(high), len(high) - len(without), len(without), len({r[1] for r in without})]
        line = next(x for x in block if x.startswith(f"Pulje {pulje} ") and len(figures_of(x)) == 6)
        assert figures_of(line) == want, (line, want)


def test_programme_period_row_of_every_pool(all_years, texts):
    block = [fold(x) for x in section(texts[2015], "Programperioden 2012–2015", "Puljer og nettverk")]
    per_pool: dict[int, list[int]] = {}
    statuses = ("avsluttet", "drift", "gjennomforing", "oppstart", "uten_rapport")
    for pulje, n, reports, ended, *status in sql(
        all_years,
        """
        with aktive as (
            select p.prosjektnummer, cast(p.pulje as int) as pulje, cast(p.siste_aar as int) as siste, t.aar
            from ref_prosjekt p join stg_tilskudd t on t.prosjektnummer = p.prosjektnummer
            where t.aar between cast(p.forste_aar as int) and cast(p.siste_aar as int) and t.aar <= 2015),
        per_prosjekt as (
            select a.prosjektnummer, any_value(a.pulje) as pulje, any_value(a.siste) as siste,
                   count(s.innsending_id) as rapporter,
                   coalesce(arg_max(s.status, s.aar) filter (where s.prosjektnummer is not null), 'uten_rapport')
                       as status
            from aktive a left join core_innsendinger s
              on s.prosjektnummer = a.prosjektnummer and s.aar = a.aar and s.godkjent and s.gjeldende
            group by a.prosjektnummer)
        select pulje, count(*), sum(rapporter), count(*) filter (where siste <= 2015),
               count(*) filter (where status = 'avsluttet'), count(*) filter (where status = 'drift'),
               count(*) filter (where status = 'gjennomforing'), count(*) filter (where status = 'oppstart'),
               count(*) filter (where status = 'uten_rapport')
        from per_prosjekt group by pulje order by pulje""",
    ):
        per_pool[pulje] = [pulje, n, int(reports), ended, *status]
    assert len(statuses) == len(next(iter(per_pool.values()))) - 4
    for pulje, want in per_pool.items():
        line = next(x for x in block if x.startswith(f"Pulje {pulje} ") and len(figures_of(x)) == 9)
        assert figures_of(line) == want, (line, want)
    total = next(x for x in block if x.startswith("Totalt "))
    assert figures_of(total) == [sum(w[i] for w in per_pool.values()) for i in range(1, 9)], total
