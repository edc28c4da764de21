"""How one setting's text becomes a value: the parsers the table of variables (``variables.py``) uses.

Each parser takes the stripped, non-empty text of a variable and returns its value, or raises
``ValueError`` saying what to write instead; the reader adds the variable's name. Each also says in a few
words what it accepts (``describe()``), which is how ``--help`` and the configuration reference describe
it, so a parser and its documentation cannot disagree.

Kept free of third-party imports: ``serve --help`` renders the table without loading the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, Protocol

YES = frozenset({"1", "true", "yes", "on"})
NO = frozenset({"0", "false", "no", "off"})
NONE = "none"

# ISO 3166-1 alpha-2, generated from pycountry 26.2.16 (249 codes) and kept as data rather than a dependency;
# the tools' Country argument checks against the same list.
_ISO_ALPHA_2 = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT
HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS
LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI
NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG
SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRIES = frozenset(_ISO_ALPHA_2.split())
COUNTRY_MISTAKES = {"UK": "GB", "EN": "GB", "EL": "GR"}  # codes people write that ISO spells otherwise
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Parser(Protocol):
    """Text to value; ``describe()`` says what it takes, in the words the reference shows."""

    def __call__(self, text: str, /) -> Any: ...

    def describe(self) -> str: ...


def fail(problem: str) -> NoReturn:
    raise ValueError(problem)


@dataclass(frozen=True)
class Flag:
    """yes/no. ``words`` is how the reference names the two values (``on or off`` for a feature)."""

    words: str = "yes or no"

    def describe(self) -> str:
        return self.words

    def __call__(self, text: str) -> bool:
        lowered = text.lower()
        if lowered in YES | NO:
            return lowered in YES
        fail(f"must be {self.words} (got {text!r})")


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    def describe(self) -> str:
        return " | ".join(self.options)

    def __call__(self, text: str) -> str:
        lowered = text.lower()
        if lowered in self.options:
            return lowered
        fail(f"must be one of {', '.join(self.options)} (got {text!r})")


@dataclass(frozen=True)
class Count:
    """A whole number within bounds; ``none`` lifts the limit where ``allow_none``."""

    minimum: int = 0
    maximum: int | None = None
    allow_none: bool = False

    def describe(self) -> str:
        upper = "" if self.maximum is None else f" to {self.maximum}"
        lifted = ", or none for no limit" if self.allow_none else ""
        return f"a whole number from {self.minimum}{upper}{lifted}"

    def __call__(self, text: str) -> int | None:
        if self.allow_none and text.lower() == NONE:
            return None
        if not text.isdigit():
            fail(f"must be {self.describe()} (got {text!r})")
        value = int(text)
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            fail(f"must be {self.describe()} (got {text!r})")
        return value


@dataclass(frozen=True)
class Price:
    """An amount in the account's currency, like 10 or 10.00; ``none`` lifts the ceiling."""

    def describe(self) -> str:
        return "an amount like 10 or 10.00, or none for no ceiling"

    def __call__(self, text: str) -> Decimal | None:
        raw = text.lower().lstrip("$").strip()
        if raw == NONE:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or value < 0 or not re.fullmatch(r"\d+(\.\d{1,2})?", raw):
            fail(f"must be {self.describe()} (got {text!r})")
        return value


@dataclass(frozen=True)
class Seconds:
    """A duration: plain seconds (``900``) or with a unit (``30s``, ``15m``, ``2h``, ``1d``)."""

    maximum: float = 3600.0
    minimum: float = 0.0  # exclusive: a duration of 0 waits for nothing
    zero: bool = False  # 0 is allowed (turns the wait off)

    def describe(self) -> str:
        return f"a duration: seconds (900) or with a unit (30s, 15m, 2h, 1d), up to {duration_text(self.maximum)}"

    def __call__(self, text: str) -> float:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text.lower())
        if match is None:
            fail(f"must be {self.describe()} (got {text!r})")
        value = float(match.group(1)) * DURATION_UNITS[match.group(2) or "s"]
        if self.zero and value == 0:
            return value
        if not self.minimum < value <= self.maximum:
            fail(f"must be more than {self.minimum:g} s and at most {duration_text(self.maximum)} (got {text!r})")
        return value


@dataclass(frozen=True)
class Countries:
    def describe(self) -> str:
        return "ISO 3166 two-letter codes, comma-separated: US,CA,GB"

    def __call__(self, text: str) -> frozenset[str]:
        codes = {c.strip().upper() for c in text.split(",") if c.strip()}
        if wrong := sorted(c for c in codes if c in COUNTRY_MISTAKES):
            fail("takes ISO 3166 codes: " + ", ".join(f"write {COUNTRY_MISTAKES[c]}, not {c}" for c in wrong))
        if bad := sorted(c for c in codes if c not in ISO_COUNTRIES):
            fail(f"takes ISO 3166 two-letter codes like US,CA,GB; {', '.join(bad)} is not one")
        if not codes:
            fail("names no country; leave it unset to allow any")
        return frozenset(codes)


@dataclass(frozen=True)
class Text:
    """Free text; a secret has a minimum length (and the error says how to make a good one)."""

    what: str = "text"
    min_length: int = 1

    def describe(self) -> str:
        return self.what if self.min_length <= 1 else f"{self.what}, at least {self.min_length} characters"

    def __call__(self, text: str) -> str:
        if len(text) < self.min_length:
            fail(
                f"must be at least {self.min_length} characters (got {len(text)}); "
                'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        return text


@dataclass(frozen=True)
class Items:
    """A comma-separated list, each item checked by ``item``."""

    item: Parser
    what: str

    def describe(self) -> str:
        return f"{self.what}, comma-separated"

    def __call__(self, text: str) -> tuple[Any, ...]:
        return tuple(self.item(part.strip()) for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class Custom:
    """A parser written for one variable (a ledger URL, a list of toolsets)."""

    parse: Callable[[str], Any]
    what: str

    def describe(self) -> str:
        return self.what

    def __call__(self, text: str) -> Any:
        return self.parse(text)


def duration_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
