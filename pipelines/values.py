"""Text as written in a submission into typed values, by the rules of the form.

Each parser returns the value, or raises `ValueError` whose argument is a key
of `pipelines.issues.EXPECTED` (what was expected); validation turns that into
an issue with the value found and its place.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from schemas import form

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_DATE_FORMS = (
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$"),
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"),
)
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)  # no nan, inf, 1_000


def clean_text(text: str) -> str:
    """Drop control (C0, DEL, C1; not newline or tab) and format/bidirectional characters; keep the words."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")).strip()


def parse_number(text: str, *, percent: bool = False, money: bool = False) -> float:
    s = _SPACES.sub("", text)
    if money:
        s = re.sub(r"(?i)^(kr\.?|nok)|(kr\.?|nok|,-)$", "", s)
    if s.endswith("%"):
        if not percent:
            raise ValueError("tall_uten_prosent")
        s = s[:-1]
    if s.count(",") and s.count("."):
        raise ValueError("ett_desimaltegn")
    if s.count(",") > 1 or s.count(".") > 1:
        if money and re.fullmatch(r"\d{1,3}([.,]\d{3})+", s):
            s = s.replace(",", "").replace(".", "")
        else:
            raise ValueError("tal")
    elif money and re.fullmatch(r"\d{1,3}[.,]\d{3}", s):
        raise ValueError("belop_uten_skille")
    s = s.replace(",", ".")
    if not _NUMBER.fullmatch(s):  # float() would also take «nan», «inf», «1_000» and non-ASCII digits
        raise ValueError("tal")
    return float(s)


def parse_int(text: str) -> int:
    value = parse_number(text)
    if not value.is_integer():
        raise ValueError("helt_tall")
    return int(value)


def parse_year(text: str) -> int:
    value = parse_int(text)
    if not 1900 <= value <= 2100:
        raise ValueError("aarstal")
    return value


def parse_date(text: str) -> date:
    s = text.strip().split(" ")[0].split("T")[0]
    for pattern in _DATE_FORMS:
        m = pattern.match(s)
        if m:
            try:
                return date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                break
    raise ValueError("dato")


def parse_yesno(text: str) -> bool:
    s = text.strip().casefold()
    if s in form.YES:
        return True
    if s in form.NO:
        return False
    raise ValueError("ja_nei")


def parse_kommunenummer(text: str) -> str:
    s = _SPACES.sub("", text)
    if s.endswith(".0"):
        s = s[:-2]
    if re.fullmatch(r"\d{3}", s):  # a number cell lost its leading zero; all numbers have four digits
        s = "0" + s
    if not re.fullmatch(r"\d{4}", s):
        raise ValueError("kommunenummer")
    return s


_THEME_INDEX = {form.normalise_label(label): key for key, labels in form.THEMES.items() for label in labels}
_THEME_INDEX.update({key: key for key in form.THEMES})


def parse_themes(text: str) -> list[str]:
    parts = [p for p in re.split(r"[;,]", text) if p.strip()]
    keys = []
    for part in parts:
        key = _THEME_INDEX.get(form.normalise_label(part))
        if key is None:
            raise ValueError("tema")
        if key not in keys:
            keys.append(key)
    if not keys:
        raise ValueError("tema")
    return sorted(keys)


def _choice(text: str, choices: dict[str, tuple[str, ...]], expected: str) -> str:
    s = form.normalise_label(text)
    for key, spellings in choices.items():
        if s == key or s in (form.normalise_label(x) for x in spellings):
            return key
    raise ValueError(expected)


def parse_status(text: str) -> str:
    return _choice(text, form.STATUSES, "status")


def parse_measure_status(text: str) -> str:
    return _choice(text, form.TILTAK_STATUSES, "tiltaksstatus")


def parse_email(text: str) -> str:
    s = text.strip()
    if not _EMAIL.match(s):
        raise ValueError("epost")
    return s


def is_percent_unit(unit: object) -> bool:
    """Whether a project's own indicator is measured in per cent, by the unit it wrote (`%`, `prosent`, `pst`)."""
    return form.normalise_label(unit).rstrip(".") in form.PERCENT_UNITS


_INDICATOR_INDEX = {
    form.normalise_label(label): ind.key for ind in form.STANDARD_INDICATORS for label in (ind.nb, ind.nn, ind.key)
}


def indicator_key(label: str) -> str | None:
    """The standard indicator a label names, or None for a project's own indicator."""
    return _INDICATOR_INDEX.get(form.normalise_label(label))


PARSERS = {
    # text of nothing but marks or control characters is empty, so a required field is reported missing
    "text": lambda t: clean_text(t) or None,
    "longtext": lambda t: clean_text(t) or None,
    "prosjektnummer": lambda t: clean_text(t).upper(),
    "kommunenummer": parse_kommunenummer,
    "year": parse_year,
    "themes": parse_themes,
    "status": parse_status,
    "email": parse_email,
    "yesno": parse_yesno,
    "date": parse_date,
    "int03": parse_int,
    "nok": lambda t: parse_number(t, money=True),
}
