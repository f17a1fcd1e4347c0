"""Checks of the programme register (data/reference/*.csv) against the seeds.

The literal lists below are copied from the booklet (seeds/004_5e2d0d5ab7f8e34f.txt,
«Vedlegg 2»). When the seeds are at hand (../shared beside the repository) the test
also checks that every literal really occurs in the booklet, and checks numbers and
names against SSB's municipality lists for 2012 and 2013.

Each check is a function that returns a list of problems; the `test_checks_catch_*`
tests feed them broken copies of the register to show that they can fail.
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "data" / "reference"
SHARED = Path(__file__).resolve().parents[2] / "shared"
BOOKLET = SHARED / "seeds" / "004_5e2d0d5ab7f8e34f.txt"

needs_shared = pytest.mark.skipif(
    not (SHARED / "reference" / "kommuner_2013.csv").exists() or not BOOKLET.exists(),
    reason=f"the shared seeds and SSB reference files are not at {SHARED}",
)

THEMES = ("sykefravaer", "heltid_deltid", "kompetanse_rekruttering", "omdomme", "innovasjon")
MALFORMER = {"nb", "nn", "noytral"}
GRUNNLAG = {"direkte", "utleidd", "usikker"}

# --- copied from the booklet, «Vedlegg 2», «Nettverk pulje 1/2» (municipality text and leader verbatim)
BOOKLET_NETWORKS = [
    (1, "Kompetanse Vest og Øst", "Luster, Gloppen, Lom, Lunner, Bø, Hobøl og Finnøy & Rennesøy", "Marit Tovsen"),
    (
        1,
        "Kompetanse Nord",
        "Saltdal, Brønnøy, Dyrøy, Vesterålen Regionråd (Andøy, Hadsel, Sortland, Bø, Lødingen og Øksnes)",
        "Geir Johan Hansen",
    ),
    (1, "Omdømme", "Ørland, Gamvik, Meland, Karmøy, Strand og Bjugn", "Asbjørn Stavem"),
    (1, "Heltid/deltid Nord og Sør", "Sortland, Meråker, Songdalen, Time, Kvinesdal og Lillesand", "Geir Johan Hansen"),
    (1, "Heltid/deltid Øst", "Våler, Elverum, Løten, Eidsvoll, Drammen og Fredrikstad", "Marit Tovsen"),
    (1, "Sykefravær Nord og Vest", "Vefsn, Steinkjer, Jondal, Sund og Bømlo", "Geir Johan Hansen"),
    (1, "Sykefravær Sør", "Arendal, Songdalen, Sola, Vegårshei, Stavanger og Mandal", "Dorrit Svenning"),
    (1, "Sykefravær Øst", "Molde, Nord-Aurdal, Kongsberg, Nedre Eiker, Skiptvet, Horten og Tinn", "Geir Johan Hansen"),
    (
        2,
        "Omdømme med øvrige tema",
        "Haugesund, Innherred Samkommune, Oppdal, Sel, Ringerike, Rissa, Austrheim, Åfjord, Vågå",
        "Asbjørn Stavem",
    ),
    (
        2,
        "Omdømme (rekr., frivillig sektor, folkehelse)",
        "Høylandet, Os (og Tolga), Sogndal, Stordal, Sørreisa, Ørsta, Åsnes, Øvre Eiker",
        "Marit Tovsen",
    ),
    (
        2,
        "Heltidskultur/ Kompetanse-rekruttering/ sykefravær",
        "Båtsfjord, Fræna, Inderøy, Kvæfjord, Midtre-Gauldal, Skånland, Rælingen",
        "Ine Charlotte Haustreis",
    ),
    (
        2,
        "Kompetanse-rekruttering",
        "Etne, Ibestad, Lofotsamarbeid (Røst, Værøy, Flakstad, Moskenes), Nordre Land, Salangen, Sørum",
        "Geir Johan Hansen",
    ),
    (2, "Sykefravær", "Andebu, Høyanger, Lenvik, Stord, Østre Toten, Porsgrunn", "Ine Charlotte Haustreis"),
    (
        2,
        "Innovasjon",
        "Frøya, Grong, Hamar, Kristiansund, Nøtterøy, Sarpsborg",
        "Riche Vestby og Gustav Weiberg-Aurdal",
    ),
    (2, "Innovasjon: Listerregionen", "Sirdal, Flekkefjord, Hægebosta, Kvinesdal, Lyngdal, Farsund", "Dorrit Svenning"),
    (
        2,
        "Heltidskultur",
        "Andøy, Dønna, Eigersund, Oppegård, Spydeberg, Sunndal, Surnadal, Vaksdal",
        "Geir Johan Hansen",
    ),
]
# the whole network is one project (a regional project, not six)
ONE_PROJECT_NETWORKS = {"Innovasjon: Listerregionen"}

# --- copied from the booklet, «Vedlegg 2», «Kommuner i pulje 1 / Kommuner i pulje 2» (two-column
# table flattened by the text extraction; below as extracted, then split into the two pools by hand:
# each pool's column pair is alphabetical)
POOL_TABLE_TEXT = (
    "Andøy Lødingen Andebu Oppegård Arendal Løten Andøy Os Bjugn Mandal Arendal Porsgrunn Brønnøy Meland "
    "Austrheim Ringerike Bø i Nordland Meråker Båtsfjord Rissa Bø i Telemark Molde Dønna Rælingen Bømlo Nedre "
    "Eiker Eigersund Røst Drammen Nord-Aurdal Etne Salangen Dyrøy Rennesøy Flakstad Sarpsborg Eidsvoll Saltdal "
    "Flekkefjord Sel Elverum Skiptvet Fræna Sirdal Finnøy Sola Frøya Skånland Fredrikstad Songdalen Grong Sogndal "
    "Gamvik Sortland Hamar Spydeberg Gloppen Stavanger Haugesund Stord Hadsel Steinkjer Hægebostad Stordal Hobøl "
    "Strand Høyanger Sunndal Horten Sund Høylandet Surnadal Jondal Time Ibestad Sørreisa Karmøy Tinn Inderøy "
    "Sørum Kongsberg Vefsn Innherred Sam kommune (Levanger og Verdal) KS Agder (Verdiprosjektet) Tolga Vegårshei "
    "Kristiansund Vaksdal Kvinesdal Våler Kvæfjord Værøy Lillesand Øksnes Lenvik Vågå Lom Ørland Lyngdal Ørsta "
    "Lunner Midtre Gauldal Østre Toten Luster Moskenes Øvre Eiker Nordre Land Åfjord Nøtterøy Åsnes Oppdal"
)
POOL_LISTS = {
    1: [
        "Andøy",
        "Arendal",
        "Bjugn",
        "Brønnøy",
        "Bø i Nordland",
        "Bø i Telemark",
        "Bømlo",
        "Drammen",
        "Dyrøy",
        "Eidsvoll",
        "Elverum",
        "Finnøy",
        "Fredrikstad",
        "Gamvik",
        "Gloppen",
        "Hadsel",
        "Hobøl",
        "Horten",
        "Jondal",
        "Karmøy",
        "Kongsberg",
        "KS Agder (Verdiprosjektet)",
        "Kvinesdal",
        "Lillesand",
        "Lom",
        "Lunner",
        "Luster",
        "Lødingen",
        "Løten",
        "Mandal",
        "Meland",
        "Meråker",
        "Molde",
        "Nedre Eiker",
        "Nord-Aurdal",
        "Rennesøy",
        "Saltdal",
        "Skiptvet",
        "Sola",
        "Songdalen",
        "Sortland",
        "Stavanger",
        "Steinkjer",
        "Strand",
        "Sund",
        "Time",
        "Tinn",
        "Vefsn",
        "Vegårshei",
        "Våler",
        "Øksnes",
        "Ørland",
    ],
    2: [
        "Andebu",
        "Andøy",
        "Arendal",
        "Austrheim",
        "Båtsfjord",
        "Dønna",
        "Eigersund",
        "Etne",
        "Flakstad",
        "Flekkefjord",
        "Fræna",
        "Frøya",
        "Grong",
        "Hamar",
        "Haugesund",
        "Hægebostad",
        "Høyanger",
        "Høylandet",
        "Ibestad",
        "Inderøy",
        "Innherred Sam kommune (Levanger og Verdal)",
        "Kristiansund",
        "Kvæfjord",
        "Lenvik",
        "Lyngdal",
        "Midtre Gauldal",
        "Moskenes",
        "Nordre Land",
        "Nøtterøy",
        "Oppdal",
        "Oppegård",
        "Os",
        "Porsgrunn",
        "Ringerike",
        "Rissa",
        "Rælingen",
        "Røst",
        "Salangen",
        "Sarpsborg",
        "Sel",
        "Sirdal",
        "Skånland",
        "Sogndal",
        "Spydeberg",
        "Stord",
        "Stordal",
        "Sunndal",
        "Surnadal",
        "Sørreisa",
        "Sørum",
        "Tolga",
        "Vaksdal",
        "Værøy",
        "Vågå",
        "Ørsta",
        "Østre Toten",
        "Øvre Eiker",
        "Åfjord",
        "Åsnes",
    ],
}
# the seeds' own counts (slides 003 and DOMAIN.md)
STATED = {1: (48, 51), 2: (51, 59)}  # pool: (projects, municipalities)
STATED_TOTAL = 110

# --- the register's recorded choices for names the seeds leave ambiguous or spell differently
RESOLVE = {  # (network, name in booklet) or name -> SSB 2013 name
    ("Kompetanse Vest og Øst", "Bø"): "Bø (Telemark)",
    ("Vesterålen Regionråd", "Bø"): "Bø (Nordland)",
    "Bø i Telemark": "Bø (Telemark)",
    "Bø i Nordland": "Bø (Nordland)",
    "Os": "Os (Hedmark)",
    "Våler": "Våler (Hedmark)",
    "Hægebosta": "Hægebostad",
    "Midtre-Gauldal": "Midtre Gauldal",
}
GROUPS = {  # entries that stand for several municipalities without listing them in the network text
    "Innherred Samkommune": ["Levanger", "Verdal"],
    "Innherred Sam kommune (Levanger og Verdal)": ["Levanger", "Verdal"],
    "Finnøy & Rennesøy": ["Finnøy", "Rennesøy"],
}
# not a municipality: KS Agder's project in the pool-1 list, in no network
KS_AGDER = "KS Agder (Verdiprosjektet)"
DISAMBIGUATED_NUMBERS = {
    "Bø (Telemark)": "0821",
    "Bø (Nordland)": "1867",
    "Os (Hedmark)": "0441",
    "Våler (Hedmark)": "0426",
}


# ---------------------------------------------------------------- parsing the literals
def split_top(text: str) -> list[str]:
    """Split 'a, b (c, d og e), f og g' at top-level commas and a final top-level ' og '."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    last, depth = parts[-1], 0
    for i, ch in enumerate(last):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and last.startswith(" og ", i):
            parts[-1:] = [last[:i].strip(), last[i + 4 :].strip()]
            break
    return parts


def resolve(name: str, context: str | None = None) -> str:
    return RESOLVE.get((context, name), RESOLVE.get(name, name))


def entry_members(entry: str, network: str) -> tuple[str, list[str]]:
    """An entry of a network list -> (label, SSB 2013 names of its municipalities)."""
    if entry in GROUPS:
        return entry, [resolve(n) for n in GROUPS[entry]]
    m = re.fullmatch(r"(.+?) \((.+)\)", entry)
    if m:
        label, inner = m.group(1), m.group(2)
        if inner.startswith("og "):  # 'Os (og Tolga)'
            return entry, [resolve(label, network), resolve(inner[3:], label)]
        return label, [resolve(n, label) for n in split_top(inner)]
    return entry, [resolve(entry, network)]


def booklet_entries() -> list[tuple[int, str, str, list[str]]]:
    """(pool, network, entry label, municipality names) for every project the network lists imply."""
    out = []
    for pulje, net, text, _leader in BOOKLET_NETWORKS:
        entries = [entry_members(e, net) for e in split_top(text)]
        if net in ONE_PROJECT_NETWORKS:
            out.append((pulje, net, net, [n for _, ns in entries for n in ns]))
        else:
            out.extend((pulje, net, label, ns) for label, ns in entries)
    return out


def pool_list_names(pulje: int) -> list[str]:
    names = []
    for e in POOL_LISTS[pulje]:
        if e == KS_AGDER:
            continue
        names.extend(resolve(n) for n in GROUPS.get(e, [e]))
    return names


# ---------------------------------------------------------------- loading
def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


COLUMNS = {
    "kommuner": ["kommunenummer", "kommune", "fylkesnummer", "fylke", "maalform", "maalform_grunnlag", "merknad"],
    "nettverk": ["nettverk_id", "pulje", "nettverk", "tema", "nettverksleder"],
    "prosjekt": [
        "prosjektnummer",
        "pulje",
        "nettverk_id",
        "prosjektnavn",
        "tema",
        "kommunenummer",
        "forste_aar",
        "siste_aar",
    ],
    "prosjekt_kommuner": ["prosjektnummer", "kommunenummer", "rolle"],
    "tilskudd": ["prosjektnummer", "aar", "innvilget_kr", "rapporteringsfrist", "vilkaar", "eksempeldata"],
}


@pytest.fixture(scope="module")
def reg() -> dict[str, list[dict[str, str]]]:
    return {name: read_csv(REF / f"{name}.csv") for name in COLUMNS}


def ssb() -> dict[str, dict[str, dict[str, str]]]:
    return {
        y: {r["kommunenummer"]: r for r in read_csv(SHARED / "reference" / f"kommuner_{y}.csv")}
        for y in ("2012", "2013")
    }


# ---------------------------------------------------------------- checks (return problems)
def check_columns(reg):
    probs = []
    for name, cols in COLUMNS.items():
        with open(REF / f"{name}.csv", encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        if header != cols:
            probs.append(f"{name}.csv header {header} != {cols}")
        if reg[name] and list(reg[name][0]) != cols:
            probs.append(f"{name} rows have columns {list(reg[name][0])}")
    return probs


def check_networks(reg):
    probs = []
    got = [(int(n["pulje"]), n["nettverk"], n["nettverksleder"]) for n in reg["nettverk"]]
    want = [(p, net, leader) for p, net, _t, leader in BOOKLET_NETWORKS]
    if got != want:
        probs.append(f"networks differ from the booklet: missing {set(want) - set(got)}, extra {set(got) - set(want)}")
    seen = Counter()
    for n in reg["nettverk"]:
        seen[n["pulje"]] += 1
        if n["nettverk_id"] != f"P{n['pulje']}-N{seen[n['pulje']]:02d}":
            probs.append(f"nettverk_id {n['nettverk_id']} out of order / badly formed")
        themes = n["tema"].split(";")
        if not themes or any(t not in THEMES for t in themes) or len(set(themes)) != len(themes):
            probs.append(f"network {n['nettverk_id']} has bad themes {n['tema']!r}")
    return probs


def check_projects(reg):
    probs = []
    nets = {n["nettverk_id"]: n for n in reg["nettverk"]}
    knr = {k["kommunenummer"] for k in reg["kommuner"]}
    nums = [p["prosjektnummer"] for p in reg["prosjekt"]]
    if len(nums) != len(set(nums)):
        probs.append("duplicate prosjektnummer")
    per_pool = defaultdict(list)
    for p in reg["prosjekt"]:
        m = re.fullmatch(r"P([12])-(\d{2})", p["prosjektnummer"])
        if not m or m.group(1) != p["pulje"]:
            probs.append(f"bad prosjektnummer/pulje {p['prosjektnummer']} {p['pulje']}")
            continue
        per_pool[p["pulje"]].append((int(m.group(2)), p))
        themes = p["tema"].split(";")
        if not themes or any(t not in THEMES for t in themes) or len(set(themes)) != len(themes):
            probs.append(f"{p['prosjektnummer']} bad themes {p['tema']!r}")
        if p["nettverk_id"]:
            net = nets.get(p["nettverk_id"])
            if net is None:
                probs.append(f"{p['prosjektnummer']} unknown network {p['nettverk_id']}")
            else:
                if net["pulje"] != p["pulje"]:
                    probs.append(f"{p['prosjektnummer']} in a network of the other pool")
                if not set(themes) <= set(net["tema"].split(";")):
                    probs.append(f"{p['prosjektnummer']} themes {p['tema']} not within network's {net['tema']}")
        if p["kommunenummer"] not in knr:
            probs.append(f"{p['prosjektnummer']} lead {p['kommunenummer']} not in kommuner.csv")
        first, last = int(p["forste_aar"]), int(p["siste_aar"])
        if first != {"1": 2012, "2": 2013}[p["pulje"]] or last not in (2014, 2015):
            probs.append(f"{p['prosjektnummer']} years {first}-{last} break the year rule")
        if not p["prosjektnavn"].strip():
            probs.append(f"{p['prosjektnummer']} has no name")
    for pulje, items in per_pool.items():
        items.sort(key=lambda t: t[0])
        if [n for n, _ in items] != list(range(1, len(items) + 1)):
            probs.append(f"pool {pulje} project numbers not consecutive from 01")
        order = [p["nettverk_id"] or "~" for _, p in items]  # network-less projects come last
        if order != sorted(order):
            probs.append(f"pool {pulje} projects not numbered in network order")
    return probs


def check_membership(reg):
    probs = []
    members = defaultdict(list)
    for r in reg["prosjekt_kommuner"]:
        if r["rolle"] not in ("leiar", "deltakar"):
            probs.append(f"bad rolle {r['rolle']!r}")
        members[r["prosjektnummer"]].append(r)
    knr = {k["kommunenummer"] for k in reg["kommuner"]}
    pnr = {p["prosjektnummer"] for p in reg["prosjekt"]}
    for p in reg["prosjekt"]:
        rows = members.get(p["prosjektnummer"], [])
        leads = [r["kommunenummer"] for r in rows if r["rolle"] == "leiar"]
        if leads != [p["kommunenummer"]]:
            probs.append(f"{p['prosjektnummer']} leiar rows {leads} != lead {p['kommunenummer']}")
        nrs = [r["kommunenummer"] for r in rows]
        if len(nrs) != len(set(nrs)):
            probs.append(f"{p['prosjektnummer']} lists a municipality twice")
    for r in reg["prosjekt_kommuner"]:
        if r["prosjektnummer"] not in pnr:
            probs.append(f"membership of unknown project {r['prosjektnummer']}")
        if r["kommunenummer"] not in knr:
            probs.append(f"membership of unknown municipality {r['kommunenummer']}")
    unused = knr - {r["kommunenummer"] for r in reg["prosjekt_kommuner"]}
    if unused:
        probs.append(f"municipalities in no project: {sorted(unused)}")
    return probs


def expected_frist(aar: int) -> str:
    return "2015-11-01" if aar == 2015 else f"{aar + 1}-01-31"


def check_tilskudd(reg):
    probs = []
    want = {
        (p["prosjektnummer"], a) for p in reg["prosjekt"] for a in range(int(p["forste_aar"]), int(p["siste_aar"]) + 1)
    }
    got = Counter((t["prosjektnummer"], int(t["aar"])) for t in reg["tilskudd"])
    if set(got) != want:
        probs.append(f"tilskudd missing {sorted(want - set(got))[:5]}, extra {sorted(set(got) - want)[:5]}")
    if any(c > 1 for c in got.values()):
        probs.append("tilskudd has a project-year twice")
    for t in reg["tilskudd"]:
        if not re.fullmatch(r"\d+", t["innvilget_kr"]) or int(t["innvilget_kr"]) <= 0:
            probs.append(f"{t['prosjektnummer']} {t['aar']}: innvilget_kr {t['innvilget_kr']!r} not a positive int")
        elif int(t["innvilget_kr"]) % 10_000:
            probs.append(f"{t['prosjektnummer']} {t['aar']}: amount not rounded to 10 000")
        if t["rapporteringsfrist"] != expected_frist(int(t["aar"])):
            probs.append(f"{t['prosjektnummer']} {t['aar']}: frist {t['rapporteringsfrist']}")
        if t["eksempeldata"] != "ja":
            probs.append(f"{t['prosjektnummer']} {t['aar']}: eksempeldata must be 'ja' (amounts are invented)")
        if not t["vilkaar"].strip():
            probs.append(f"{t['prosjektnummer']} {t['aar']}: no vilkaar")
    return probs


def check_against_booklet(reg):
    """Every entry of every booklet network is one project in that network with exactly its municipalities."""
    probs = []
    by_name = {k["kommune"]: k["kommunenummer"] for k in reg["kommuner"]}
    nets = {(int(n["pulje"]), n["nettverk"]): n["nettverk_id"] for n in reg["nettverk"]}
    members = defaultdict(set)
    for r in reg["prosjekt_kommuner"]:
        members[r["prosjektnummer"]].add(r["kommunenummer"])
    projects = defaultdict(list)
    for p in reg["prosjekt"]:
        projects[p["nettverk_id"]].append(frozenset(members[p["prosjektnummer"]]))
    wanted = defaultdict(list)
    for pulje, net, label, names in booklet_entries():
        missing = [n for n in names if n not in by_name]
        if missing:
            probs.append(f"{net}/{label}: {missing} not in kommuner.csv")
            continue
        wanted[nets.get((pulje, net))].append(frozenset(by_name[n] for n in names))
    for nid, sets in wanted.items():
        if sorted(map(sorted, sets)) != sorted(map(sorted, projects.get(nid, []))):
            probs.append(f"network {nid}: projects' municipalities differ from the booklet")
    return probs


def check_maalform(reg):
    probs = []
    for k in reg["kommuner"]:
        if k["maalform"] not in MALFORMER:
            probs.append(f"{k['kommune']}: maalform {k['maalform']!r}")
        if k["maalform_grunnlag"] not in GRUNNLAG:
            probs.append(f"{k['kommune']}: maalform_grunnlag {k['maalform_grunnlag']!r}")
    return probs


ALL_CHECKS = (
    check_columns,
    check_networks,
    check_projects,
    check_membership,
    check_tilskudd,
    check_against_booklet,
    check_maalform,
)


# ---------------------------------------------------------------- tests on the register
@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_register_passes(reg, check):
    assert check(reg) == []


def test_municipality_count(reg):
    """110 = distinct municipalities named in the booklet's network lists, groups expanded.

    Counted once each although named twice: Sortland, Songdalen (two pool-1 projects), Andøy and
    Kvinesdal (both pools). Farsund is included (only in the Listerregionen network list).
    """
    named = {n for _p, _net, _label, names in booklet_entries() for n in names}
    assert len(named) == STATED_TOTAL
    assert {k["kommune"] for k in reg["kommuner"]} == named
    assert len(reg["kommuner"]) == STATED_TOTAL
    # the pool lists alone name 109: all of the above except Farsund
    in_pool_lists = set(pool_list_names(1)) | set(pool_list_names(2))
    assert named - in_pool_lists == {"Farsund"}
    assert in_pool_lists <= named


def test_counts_per_pool_against_seeds(reg):
    entries = booklet_entries()
    pool = {p["prosjektnummer"]: p for p in reg["prosjekt"]}
    members = defaultdict(set)
    for r in reg["prosjekt_kommuner"]:
        members[pool[r["prosjektnummer"]]["pulje"]].add(r["kommunenummer"])
    # pool 1: 47 network entries + KS Agder (Verdiprosjektet) = 48 projects, 51 municipalities, as stated
    assert sum(e[0] == 1 for e in entries) == 47
    assert sum(p["pulje"] == "1" for p in reg["prosjekt"]) == STATED[1][0]
    assert len(members["1"]) == STATED[1][1]
    assert len(set(pool_list_names(1))) == STATED[1][1]
    # pool 2: 51 network entries, as stated; plus Arendal, in the pool-2 list but in no network
    assert sum(e[0] == 2 for e in entries) == STATED[2][0]
    assert sum(p["pulje"] == "2" and p["nettverk_id"] != "" for p in reg["prosjekt"]) == STATED[2][0]
    networkless = sorted(
        (p["pulje"], p["prosjektnavn"], p["kommunenummer"]) for p in reg["prosjekt"] if not p["nettverk_id"]
    )
    assert networkless == [("1", "Verdiprosjektet (KS Agder)", "0906"), ("2", "Nærvær i Arendal (pulje 2)", "0906")]
    # 59 = the pool-2 list without Arendal = the pool-2 networks without Kvinesdal and Farsund
    assert len(set(pool_list_names(2)) - {"Arendal"}) == STATED[2][1]
    assert len(members["2"] - {"0906", "1037", "1003"}) == STATED[2][1]
    # both pools present in every table
    assert {n["pulje"] for n in reg["nettverk"]} == {"1", "2"}
    assert Counter(n["pulje"] for n in reg["nettverk"]) == {"1": 8, "2": 8}


def test_every_pool_list_name_in_kommuner(reg):
    names = {k["kommune"] for k in reg["kommuner"]}
    for pulje in (1, 2):
        missing = [n for n in pool_list_names(pulje) if n not in names]
        assert missing == [], f"pool {pulje}: {missing}"


def test_pool_lists_are_the_booklet_table(reg):
    """The two hand-split pool lists hold exactly the words of the flattened table."""
    words = Counter(POOL_TABLE_TEXT.split())
    assert Counter(" ".join(POOL_LISTS[1] + POOL_LISTS[2]).split()) == words
    assert len(POOL_LISTS[1]) == 52 and len(POOL_LISTS[2]) == 59
    for lst in POOL_LISTS.values():
        key = [re.sub(r"[^a-zæøå ]", "", s.lower()) for s in lst]
        assert key == sorted(key, key=lambda s: [" abcdefghijklmnopqrstuvwxyzæøå".index(c) for c in s])


def test_disambiguation(reg):
    nr = {k["kommune"]: k["kommunenummer"] for k in reg["kommuner"]}
    for name, number in DISAMBIGUATED_NUMBERS.items():
        assert nr.get(name) == number, name
    assert "Våler (Østfold)" not in nr and "Os (Hordaland)" not in nr


def test_multi_municipality_projects(reg):
    members = defaultdict(dict)
    for r in reg["prosjekt_kommuner"]:
        members[r["prosjektnummer"]][r["kommunenummer"]] = r["rolle"]
    name = {k["kommunenummer"]: k["kommune"] for k in reg["kommuner"]}
    groups = {
        frozenset(name[n] for n in m): next(n for n, r in m.items() if r == "leiar")
        for m in members.values()
        if len(m) > 1
    }
    assert {frozenset(g): name[lead] for g, lead in groups.items()} == {
        frozenset({"Andøy", "Hadsel", "Sortland", "Bø (Nordland)", "Lødingen", "Øksnes"}): "Sortland",
        frozenset({"Levanger", "Verdal"}): "Levanger",
        frozenset({"Røst", "Værøy", "Flakstad", "Moskenes"}): "Røst",
        frozenset({"Sirdal", "Flekkefjord", "Hægebostad", "Kvinesdal", "Lyngdal", "Farsund"}): "Flekkefjord",
        frozenset({"Finnøy", "Rennesøy"}): "Finnøy",
        frozenset({"Os (Hedmark)", "Tolga"}): "Os (Hedmark)",
    }


def test_repeated_municipalities_keep_each_project(reg):
    count = Counter(r["kommunenummer"] for r in reg["prosjekt_kommuner"])
    repeated = {k["kommune"]: count[k["kommunenummer"]] for k in reg["kommuner"] if count[k["kommunenummer"]] > 1}
    assert repeated == {"Sortland": 2, "Songdalen": 2, "Andøy": 2, "Kvinesdal": 2, "Arendal": 3}


def test_maalform_evidence(reg):
    k = {r["kommune"]: r for r in reg["kommuner"]}
    direct = {
        "Eigersund": "nb",
        "Haugesund": "nb",
        "Time": "nn",
        "Strand": "noytral",
        "Karmøy": "noytral",
        "Finnøy": "nn",
        "Rennesøy": "noytral",
        "Jondal": "nn",
    }
    for name, form in direct.items():
        assert (k[name]["maalform"], k[name]["maalform_grunnlag"]) == (form, "direkte"), name
    for name in ("Fræna", "Bø (Telemark)", "Midtre Gauldal"):
        assert k[name]["maalform_grunnlag"] == "usikker", name
    assert {r["kommune"] for r in reg["kommuner"] if r["maalform_grunnlag"] == "direkte"} == set(direct)
    inferred_nn = [
        "Luster",
        "Gloppen",
        "Høyanger",
        "Sogndal",
        "Bømlo",
        "Austrheim",
        "Etne",
        "Stord",
        "Vaksdal",
        "Lom",
        "Vågå",
        "Ørsta",
        "Surnadal",
        "Hægebostad",
        "Stordal",
        "Sund",
        "Meland",
    ]
    inferred_neutral = ["Sel", "Nord-Aurdal", "Os (Hedmark)", "Tolga", "Tinn", "Sunndal", "Sirdal", "Kvinesdal"]
    for name in inferred_nn:
        assert (k[name]["maalform"], k[name]["maalform_grunnlag"]) == ("nn", "utleidd"), name
    for name in inferred_neutral:
        assert (k[name]["maalform"], k[name]["maalform_grunnlag"]) == ("noytral", "utleidd"), name


def test_readme_says_sample_data():
    text = (REF / "README.md").read_text(encoding="utf-8")
    assert re.search(r"eksempeldata|sample data", text, re.I)
    assert "Tobias McVey" in text and "CC BY 4.0" in text


def test_make_tilskudd_reproduces_csv(reg):
    spec = importlib.util.spec_from_file_location("make_tilskudd", REF / "make_tilskudd.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.rows() == reg["tilskudd"]


def test_theme_keys_match_form():
    sys.path.insert(0, str(ROOT))
    try:
        form = pytest.importorskip("schemas.form", reason="schemas.form not importable")
    finally:
        sys.path.remove(str(ROOT))
    assert tuple(form.THEMES) == THEMES


# ---------------------------------------------------------------- tests against the shared seeds
@needs_shared
def test_literals_are_in_the_booklet():
    text = BOOKLET.read_text(encoding="utf-8")
    for _p, net, munis, leader in BOOKLET_NETWORKS:
        pattern = (
            re.escape(net) + r"(?: Kommuner:|:)? " + re.escape(munis) + r"\.? Nettverksleder: " + re.escape(leader)
        )
        assert re.search(pattern, text), net
    assert "Kommuner i pulje 1 Kommuner i pulje 2 " + POOL_TABLE_TEXT + " " in text


@needs_shared
def test_numbers_and_names_against_ssb(reg):
    s = ssb()
    for k in reg["kommuner"]:
        nr = k["kommunenummer"]
        assert re.fullmatch(r"\d{4}", nr), nr
        assert nr in s["2012"] or nr in s["2013"], nr
        row = s["2013"].get(nr) or s["2012"][nr]
        assert (k["kommune"], k["fylkesnummer"], k["fylke"]) == (row["kommune"], row["fylkesnummer"], row["fylke"]), nr
        assert k["fylkesnummer"] == nr[:2]
        if nr in s["2012"] and nr not in s["2013"]:
            assert "2013" in k["merknad"], f"{nr} changed number in 2013 but merknad says nothing"


# ---------------------------------------------------------------- the checks can fail
def broken(reg, table, fn):
    r = copy.deepcopy(reg)
    fn(r[table])
    return r


def test_checks_catch_missing_project_year(reg):
    assert check_tilskudd(broken(reg, "tilskudd", lambda t: t.pop(5)))


def test_checks_catch_wrong_deadline_and_flag(reg):
    def mutate(t):
        t[0]["rapporteringsfrist"] = "2013-02-01"
        t[1]["eksempeldata"] = "nei"

    assert len(check_tilskudd(broken(reg, "tilskudd", mutate))) == 2


def test_checks_catch_second_leader(reg):
    def mutate(t):
        t.append({"prosjektnummer": "P1-01", "kommunenummer": "1445", "rolle": "leiar"})

    assert check_membership(broken(reg, "prosjekt_kommuner", mutate))


def test_checks_catch_bad_theme_and_theme_outside_network(reg):
    def mutate(t):
        t[0]["tema"] = "sykefravær"
        t[1]["tema"] = "innovasjon"

    probs = check_projects(broken(reg, "prosjekt", mutate))
    assert "P1-01 bad themes 'sykefravær'" in probs
    assert any(p.startswith("P1-02 themes innovasjon not within") for p in probs)


def test_checks_catch_dropped_member(reg):
    def mutate(t):
        t[:] = [r for r in t if not (r["kommunenummer"] == "1721")]  # Verdal leaves Innherred

    r = broken(reg, "prosjekt_kommuner", mutate)
    assert check_against_booklet(r) and check_membership(r)


def test_checks_catch_wrong_leader_name(reg):
    def mutate(t):
        t[7]["nettverksleder"] = "Asbjørn Stavem"  # the 2012 calendar's leader for Sykefravær Øst

    assert check_networks(broken(reg, "nettverk", mutate))


def test_parser_on_seed_phrases():
    assert split_top("Luster, Bø og Finnøy & Rennesøy") == ["Luster", "Bø", "Finnøy & Rennesøy"]
    assert split_top("Høylandet, Os (og Tolga), Sogndal") == ["Høylandet", "Os (og Tolga)", "Sogndal"]
    assert split_top("Dyrøy, Vesterålen Regionråd (Andøy, Bø og Øksnes)") == [
        "Dyrøy",
        "Vesterålen Regionråd (Andøy, Bø og Øksnes)",
    ]
    assert entry_members("Os (og Tolga)", "x") == ("Os (og Tolga)", ["Os (Hedmark)", "Tolga"])
    assert entry_members("Vesterålen Regionråd (Andøy, Bø og Øksnes)", "x") == (
        "Vesterålen Regionråd",
        ["Andøy", "Bø (Nordland)", "Øksnes"],
    )
