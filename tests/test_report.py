"""The annual report of the bundled 2013 inbox, read back from the PDF.

The figures the report must show are computed here again, with this module's
own queries over the register, staging and core tables (never the marts),
and looked for in the text that pdftotext reads from the PDF. Numbers are
written the way Babel writes Norwegian (no-break spaces between thousands),
so whitespace is folded before comparing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pypdf import PdfReader

from tests.conftest import YEAR

# The programme's five themes (../shared/DOMAIN.md), as headings in each language form.
THEMES = {
    "sykefravaer": ("Sykefravær", "Sjukefråvær"),
    "heltid_deltid": ("Heltid/deltid", "Heiltid/deltid"),
    "kompetanse_rekruttering": ("Kompetanse og rekruttering", "Kompetanse og rekruttering"),
    "omdomme": ("Omdømme", "Omdøme"),
    "innovasjon": ("Innovasjon", "Innovasjon"),
}
# The standard indicators' chart headings in bokmål: label (unit).
INDICATOR_HEADINGS = {
    "Sykefravær (%)": "sykefravaer_pst",
    "Gjennomsnittlig stillingsstørrelse (%)": "stillingsstorrelse_pst",
    "Andel heltidsansatte (%)": "heltid_andel_pst",
    "Andel ufrivillig deltid (%)": "ufrivillig_deltid_pst",
    "Kvalifiserte søkere per stilling (antall)": "kvalifiserte_sokere",
    "Andel med fagutdanning (%)": "fagutdanning_andel_pst",
    "Omdømmeskår (poeng)": "omdomme_skar",
    "Medarbeidertilfredshet (poeng)": "medarbeidertilfredshet",
}


# --------------------------------------------------------------------------------------------------
# Reading the warehouse and the PDF
# --------------------------------------------------------------------------------------------------


def sql(out: Path, query: str, *params) -> list[tuple]:
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def report_pdf(out: Path) -> Path:
    return out / str(YEAR) / f"arsrapport-{YEAR}.pdf"


def layout_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def fold(text: str) -> str:
    """Runs of any whitespace (also no-break and narrow no-break spaces) as one plain space."""
    return re.sub(r"[\s\xa0\u202f]+", " ", text).strip()


def squash(text: str) -> str:
    """No whitespace and no hyphens: a name broken over lines, or hyphenated, compares equal."""
    return re.sub(r"[\s\xa0\u202f\-\u2010\u00ad]+", "", text)


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """The PDF's bookmarks (its headings) as (depth, title, page number)."""
    reader = PdfReader(pdf)
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


def section(text: str, heading: str, next_heading: str) -> list[str]:
    """The lines of the body (not the table of contents) from one heading to the next."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == next_heading)
    return lines[start:end]


# --------------------------------------------------------------------------------------------------
# Norwegian numbers and order, written out here rather than taken from the code under test
# --------------------------------------------------------------------------------------------------


def whole(n) -> str:
    return f"{int(n):,}".replace(",", " ")


def kroner(amount) -> str:
    value = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if value == value.to_integral_value():
        return f"{whole(value)} kr"
    return f"{value:,.2f}".replace(",", " ").replace(".", ",") + " kr"


def one_decimal(value) -> str:
    text = f"{Decimal(repr(float(value))).quantize(Decimal('0.1'), ROUND_HALF_UP):,}"
    return text.replace(",", " ").replace(".", ",").replace("-", "−")


def norwegian_order(name: str) -> str:
    """Alphabetical as in a Norwegian dictionary: case and accents aside, æ ø å after z."""
    name = name.casefold().translate(str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"}))
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))


# --------------------------------------------------------------------------------------------------
# The figures, computed again from the register and the submissions
# --------------------------------------------------------------------------------------------------


def expected_summary(out: Path) -> dict[str, dict]:
    """Per pool ('1', '2') and in total: the summary's figures, from ref_*, stg_tilskudd, core_innsendinger."""
    projects = sql(
        out,
        """
        select p.prosjektnummer, p.pulje, t.innvilget_kr, t.rapporteringsfrist
        from ref_prosjekt p join stg_tilskudd t on t.prosjektnummer = p.prosjektnummer and t.aar = ?
        where ? between cast(p.forste_aar as int) and cast(p.siste_aar as int)""",
        YEAR,
        YEAR,
    )
    submissions = defaultdict(list)
    for nummer, accepted, current, received, paid, spent in sql(
        out,
        """
            select prosjektnummer, godkjent, gjeldende, mottatt_dato, tilskudd_mottatt, forbruk
            from core_innsendinger where aar = ? and prosjektnummer is not null""",
        YEAR,
    ):
        submissions[nummer].append((accepted, current, received, paid, spent))
    # paid and transferred in: the secretariat's ledger, not what the municipalities say they received
    ledger = {
        nummer: (Decimal(str(paid)), Decimal(str(moved)))
        for nummer, paid, moved in sql(
            out,
            """
        select t.prosjektnummer,
               coalesce((select sum(cast(belop_kr as bigint)) from ref_utbetalinger u
                         where u.prosjektnummer = t.prosjektnummer and cast(u.aar as int) = ?), 0),
               coalesce((select sum(cast(belop_kr as bigint)) from ref_overforinger o
                         where o.prosjektnummer = t.prosjektnummer and cast(o.til_aar as int) = ?), 0)
        from ref_tilskudd t where cast(t.aar as int) = ?""",
            YEAR,
            YEAR,
            YEAR,
        )
    }
    members = defaultdict(set)
    for nummer, kommunenummer in sql(out, "select prosjektnummer, kommunenummer from ref_prosjekt_kommuner"):
        members[nummer].add(kommunenummer)

    figures: dict[str, dict] = {}
    for nummer, pool, granted, deadline in projects:
        for key in (str(pool), "totalt"):
            f = figures.setdefault(key, defaultdict(int, kommuner=set()))
            f["prosjekt"] += 1
            f["kommuner"] |= members[nummer]
            f["innvilget"] += granted
            paid, moved = ledger[nummer]
            f["utbetalt"] += paid
            f["overfort_inn"] += moved
            counted = [s for s in submissions[nummer] if s[0] and s[1]]
            assert len(counted) <= 1, f"{nummer}: more than one current submission"
            if counted:
                _, _, received, _, spent = counted[0]
                f["for_sent" if received and received > deadline else "i_tide"] += 1
                f["forbruk"] += Decimal(str(spent or 0))
                if spent is not None:
                    f["ubrukt"] += max(paid + moved - Decimal(str(spent)), Decimal(0))
            elif submissions[nummer]:
                f["avvist"] += 1
            else:
                f["mangler"] += 1
    return figures


def expected_series(out: Path) -> dict[str, list[tuple[str, str, float, float]]]:
    """Per standard indicator: (label, number, baseline, result) of every project with a result. The label
    is the lead municipality, with the project number where a municipality leads two charted projects."""
    series = defaultdict(list)
    for indikator, kommune, nummer, base, result in sql(
        out,
        """
            select i.indikator, k.kommune, p.prosjektnummer, i.utgangspunkt, i.resultat
            from stg_indikatorer i join ref_prosjekt p using (prosjektnummer)
            join ref_kommuner k on k.kommunenummer = p.kommunenummer
            where i.aar = ? and i.standard and i.resultat is not null""",
        YEAR,
    ):
        series[indikator].append((kommune, nummer, base, result))
    for indikator, rows in series.items():
        twice = {k for k, n in Counter(r[0] for r in rows).items() if n > 1}
        series[indikator] = [(f"{k} ({nummer})" if k in twice else k, nummer, b, r) for k, nummer, b, r in rows]
    return series


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nb_text(bundled_run) -> str:
    return layout_text(report_pdf(bundled_run))


def _materialize_nn(bundled_run: Path, out: Path) -> dg.ExecuteInProcessResult:
    """The `arsrapport` asset in nynorsk over a copy of the bundled run's warehouse (its own output
    folder, so nothing of the bokmål run is overwritten and no earlier rendering is reused)."""
    from pipelines.assets.reports import arsrapport
    from pipelines.resources import DEFAULT_INBOX, Settings

    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundled_run / "samanom.duckdb", out / "samanom.duckdb")
    # the folder's own run history, as `samanom run` keeps it: the report prints a run it knows
    (out / ".dagster").mkdir(exist_ok=True)
    with dg.DagsterInstance.local_temp(tempdir=str(out / ".dagster")) as instance:
        return dg.materialize(
            [arsrapport],
            partition_key=str(YEAR),
            instance=instance,
            resources={"settings": Settings(inbox=str(DEFAULT_INBOX), out=str(out), form="nn")},
        )


@pytest.fixture(scope="module")
def nn_runs(bundled_run, tmp_path_factory) -> list[tuple[dg.ExecuteInProcessResult, Path]]:
    """Two independent nynorsk renderings of the same warehouse."""
    runs = []
    for i in (1, 2):
        out = tmp_path_factory.mktemp(f"nn{i}") / "out"
        if runs:
            # the report prints the Dagster run that first made its content: a second rendering of the same
            # warehouse in the same output folder (its cache) names that run and gives the same bytes
            shutil.copytree(runs[0][1], out)
        runs.append((_materialize_nn(bundled_run, out), out))
    return runs


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------


def test_summary_totals_equal_the_warehouse(bundled_run, nb_text):
    figures = expected_summary(bundled_run)
    assert set(figures) == {"1", "2", "totalt"}
    # the programme's own count, not the sum of the pools: some municipalities are in both
    assert len(figures["totalt"]["kommuner"]) < len(figures["1"]["kommuner"]) + len(figures["2"]["kommuner"])
    lines = {fold(line) for line in section(nb_text, "Sammendrag per pulje", "Puljer og nettverk")}
    for key, f in figures.items():
        label = "Totalt" if key == "totalt" else f"Pulje {key}"
        reports = " ".join(
            whole(n) for n in (f["prosjekt"], len(f["kommuner"]), f["i_tide"], f["for_sent"], f["mangler"], f["avvist"])
        )
        money = " ".join(kroner(f[k]) for k in ("innvilget", "utbetalt", "overfort_inn", "forbruk", "ubrukt"))
        assert f"{label} {reports}" in lines, f"{label} {reports}"
        # the share spent follows (its denominator is tested in tests/test_ledger.py)
        assert any(line.startswith(f"{label} {money} ") for line in lines), f"{label} {money}"


def test_every_theme_has_its_section(bundled_run, nb_text):
    headings = outline(report_pdf(bundled_run))
    start = next(i for i, h in enumerate(headings) if h[1] == "Temaer og indikatorer")
    depth, _, first_page = headings[start]
    chapter = []
    for d, title, page in headings[start + 1 :]:
        if d <= depth:
            break
        if d == depth + 1:
            chapter.append((title, page))
    pages = nb_text.split("\f")
    for nb, _ in THEMES.values():
        (page,) = [p for title, p in chapter if title == nb] or [None]
        assert page, f"no section for {nb} in the chapter «Temaer og indikatorer»"
        assert nb in {fold(line) for line in pages[page - 1].splitlines()}, f"{nb} is not printed on page {page}"


def test_every_network_in_its_pool(bundled_run, nb_text):
    """Each network of the register is a row of its pool's table, with its themes beneath the name."""
    theme_labels = {k: nb.lower() for k, (nb, _) in THEMES.items()}
    rows: dict[tuple[str, str], str] = {}  # (pool, first column's text) as printed
    pool, boundary, block = None, None, []
    # projects, reports received, all three parties, theme days, gatherings on average
    numbers = re.compile(r"\s\d+\s+\d+\s+\d+\s+\d+\s+(\d+,\d|–)\s*$")
    for line in [*section(nb_text, "Puljer og nettverk", "Temaer og indikatorer"), ""]:
        if re.fullmatch(r"Pulje \d", line.strip()):
            pool = line.strip().split()[1]
        elif "Nettverksle" in line:
            boundary = line.index("Nettverksle")  # where the leader's column begins
        elif not line.strip():
            if (
                block
                and numbers.search(block[0])
                and not re.match(r"\s*(Uten nettverk|Sum pulje \d|Totalt)\s", block[0])
            ):
                rows[(pool, squash("".join(b[:boundary] for b in block)))] = block[0]
            block = []
        else:
            block.append(line)
    expected = set()
    for nettverk, pulje, tema in sql(bundled_run, "select nettverk, pulje, tema from ref_nettverk"):
        themes = [theme_labels[t] for t in tema.split(";")]
        match = [
            cell
            for (p, cell) in rows
            if p == pulje
            and cell.startswith(squash(nettverk))
            and set(cell[len(squash(nettverk)) :].split(",")) == {squash(t) for t in themes}
        ]
        assert match, f"network {nettverk!r} (pool {pulje}) is not a row of its pool's table"
        expected.add((pulje, match[0]))
    assert set(rows) == expected, "rows that are no network of the register"


def test_indicator_charts_list_projects_alphabetically_not_by_result(bundled_run, nb_text):
    series = expected_series(bundled_run)
    row = re.compile(
        r"^\s*(?P<name>\S.*?)\s{2,}(?P<base>−?[\d ]*\d,\d) → (?P<now>−?[\d ]*\d,\d)"
        r"(?:\s+\(mål [^)]*\))?\s*$"
    )
    charts: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    current = None
    for line in nb_text.replace("\xa0", " ").splitlines():
        if line.strip() in INDICATOR_HEADINGS:
            current = INDICATOR_HEADINGS[line.strip()]
        elif (m := row.match(line)) and current:
            charts[current].append((m["name"], m["base"], m["now"]))
    assert set(charts) == set(series), "a chart for every standard indicator with results, and no other"
    for indikator, printed in charts.items():
        wanted = sorted(series[indikator], key=lambda r: (norwegian_order(r[0]), r[1]))
        assert len(printed) == len(wanted), indikator
        for (name, base, now), (navn, _nummer, utgangspunkt, resultat) in zip(printed, wanted):
            assert name == navn, (indikator, name, navn)  # a municipality's name is never cut
            assert (base, now) == (one_decimal(utgangspunkt), one_decimal(resultat)), (indikator, navn)
        # the data could tell a ranking apart from the alphabet: neither results nor changes give this order
        for score in (lambda r: r[3], lambda r: r[3] - r[2]):
            assert [r[1] for r in wanted] not in (
                [r[1] for r in sorted(wanted, key=score)],
                [r[1] for r in sorted(wanted, key=score, reverse=True)],
            )


def test_nynorsk_report_same_figures_other_words_same_bytes_twice(bundled_run, nn_runs, nb_text):
    (first, first_out), (second, second_out) = nn_runs
    for result in (first, second):
        assert result.success
        (materialization,) = result.asset_materializations_for_node("reports__arsrapport")
        assert materialization.metadata["maalform"].value == "nn"
        assert [(c.check_name, c.passed) for c in result.get_asset_check_evaluations()] == [
            ("totaler_stemmer_med_lageret", True)
        ]
    nn_pdf, nb_pdf = report_pdf(first_out), report_pdf(bundled_run)
    assert nn_pdf.read_bytes() == report_pdf(second_out).read_bytes(), "same warehouse, same bytes"
    assert nn_pdf.read_bytes() != nb_pdf.read_bytes()
    assert PdfReader(nn_pdf).trailer["/Root"]["/Lang"] == "nn-NO"

    text = layout_text(nn_pdf)
    lines = {fold(line) for line in text.splitlines()}
    for heading in (
        "Innhald",
        "Hovudbodskap",
        "Samandrag per pulje",
        "Status og gevinstrealisering",
        "Puljar og nettverk",
        "Tema og indikatorar",
        "Gode døme",
        "Hovudfunn frå prosjekta",
        "Utviklinga per pulje",
        "Prosjekt utan rapport",
        "Vedlegg for revisjonen",
        *(nn for _, nn in THEMES.values()),
    ):
        assert heading in lines, heading
    flat = fold(text)
    for phrase in (
        "Frå sekretariatet",
        "Kvar rad er eitt prosjekt, merkt med kommunen som leier det",
        "men berre éin gong i totalen",
        "Sjukefråvær (%)",
        "Utan nettverk",
        "Sum pulje 1",
        "Heile programmet",
        "leverte rapporten i tide",
        "har kome nærare eige mål",
    ):
        assert phrase in flat, phrase
    for bokmaal in (
        "Sammendrag",
        "Innhold",
        "Temaer og indikatorer",
        "Prosjekter uten rapport",
        "i alfabetisk rekkefølge",
        "Kjørings-ID",
        "Fra sekretariatet",
        "Hovedbudskap",
        "Uten nettverk",
        "kommet nærmere",
    ):
        assert bokmaal not in flat, bokmaal
    # the run's identity is in the nynorsk appendix, not in the report
    appendix = fold(layout_text(first_out / str(YEAR) / f"arsrapport-{YEAR}-vedlegg.pdf"))
    assert "Køyrings-ID" in appendix and "Slik finn du køyringa i Dagster" in appendix
    assert "Køyrings-ID" not in flat
    # the same figures: the summary's rows are the bokmål rows with the same numbers
    nb_rows = [
        fold(x)
        for x in section(nb_text, "Sammendrag per pulje", "Status og gevinstrealisering")
        if re.match(r"\s*(Pulje \d|Totalt) ", x)
    ]
    nn_rows = [
        fold(x)
        for x in section(text, "Samandrag per pulje", "Status og gevinstrealisering")
        if re.match(r"\s*(Pulje \d|Totalt) ", x)
    ]
    assert nn_rows == nb_rows and len(nb_rows) == 6

    # the key messages say the same in both forms: the same figures in the same order
    def key_figures(t: str) -> list[str]:
        page = next(p for p in t.split("\f") if re.search(r"^(Hovedbudskap|Hovudbodskap)$", p, re.M))
        page = fold(page.split("Budskap")[0].split("Bodskap")[0])  # the forms wrap their lines differently
        return re.findall(r"[−+]?\d+(?: \d{3})*(?:,\d+)?", page)

    assert key_figures(text) == key_figures(nb_text)


def test_totals_check_names_a_difference(bundled_run):
    """The asset check compares what was printed with the warehouse, and fails on one wrong figure."""
    from pipelines.assets.reports import totals_against_warehouse
    from pipelines.documents import report_context
    from pipelines.resources import Settings

    settings = Settings(out=str(bundled_run))
    with settings.connect(read_only=True) as con:
        base = report_context.common(YEAR, "nb", report_context.report_date(con, YEAR, ""), "k", "v", "utkast", True)
        ctx = report_context.annual_report(con, YEAR, base)
        assert totals_against_warehouse(con, ctx, YEAR).passed
        summed = sum(p["kommuner"] for p in ctx["pulje"])  # what the report printed before
        ctx["pulje_totalt"] = {**ctx["pulje_totalt"], "kommuner": summed}
        result = totals_against_warehouse(con, ctx, YEAR)
    assert not result.passed and result.metadata["avvik"].value == 1
    assert "kommuner" in result.metadata["avvik_tabell"].value and str(summed) in result.metadata["avvik_tabell"].value


def test_both_forms_are_tagged_archival_pdfs(bundled_run, nn_runs):
    """What can be checked without veraPDF: qpdf finds no damage, every font is embedded, and the
    document says PDF/A-2a, is tagged (a structure tree, marked content) and names its language."""
    for pdf, lang in ((report_pdf(bundled_run), "nb-NO"), (report_pdf(nn_runs[0][1]), "nn-NO")):
        assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0, pdf
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
        rows = [line.split() for line in fonts.splitlines()[2:]]
        assert rows and all(r[-5] == "yes" for r in rows), fonts  # the «emb» column
        root = PdfReader(pdf).trailer["/Root"]
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="A"' in xmp
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] and root["/Lang"] == lang
