"""Available numbers: what a search for numbers to buy finds.

A carrier's inventory is large, so the sandbox does not store one: each search draws its candidates
from a random generator seeded by the sandbox seed and the query, which makes the answer to the same
question the same every time, and lets a vanity search ("HELP", "pizza", "555*") find numbers that
really match it. Tokens are derived from the seed and the number, like an opaque id.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass

from .catalog import COUNTRIES, KEYPAD, CountryPlan, NumberRange, e164, messaging

MAX_RESULTS = 20
CONTAINS_PATTERN = re.compile(r"^[0-9A-Za-z*]+$")


@dataclass(frozen=True)
class Offer:
    """One available number, as search shows it and as create buys it."""

    token: str
    number: str
    national: str
    display_number: str
    country_code: str
    location: str
    toll_free: bool
    price: str
    address_requirements: str
    sms: bool
    mms: bool
    number_range: NumberRange

    def to_json(self) -> dict[str, object]:
        return {
            "address_requirements": self.address_requirements,
            "capabilities": {"mms": self.mms, "sms": self.sms, "voice": True},
            "country_code": self.country_code,
            "display_number": self.display_number,
            "location": self.location,
            "nickname": None,
            "number": self.number,
            "price": self.price,
            "token": self.token,
            "toll_free": self.toll_free,
        }


def keypad_digits(contains: str) -> str:
    """``contains`` as a digit pattern: letters become keypad digits, ``*`` stays a wildcard."""
    return "".join(KEYPAD.get(ch, ch) for ch in contains.lower())


def matches(national: str, pattern: str) -> bool:
    """Whether the digit pattern (``*`` = any one digit) occurs anywhere in the national number."""
    width = len(pattern)
    return any(
        all(p in ("*", d) for p, d in zip(pattern, national[i : i + width], strict=True))
        for i in range(len(national) - width + 1)
    )


def token_for(seed: int, number: str) -> str:
    return hashlib.sha256(f"token:{seed}:{number}".encode()).hexdigest()[:32]


def _candidate(rng: random.Random, number_range: NumberRange, pattern: str) -> str | None:
    """A national number in the range, containing the pattern if one is given."""
    free = number_range.length - len(number_range.prefix)
    digits = [rng.choice("0123456789") for _ in range(free)]
    national = number_range.prefix + "".join(digits)
    if not pattern:
        return national
    offsets = [
        i
        for i in range(number_range.length - len(pattern) + 1)
        # the pattern may overlap the prefix only where it agrees with it
        if all(
            p in ("*", number_range.prefix[i + k]) for k, p in enumerate(pattern) if i + k < len(number_range.prefix)
        )
    ]
    if not offsets:
        return None
    start = rng.choice(offsets)
    chars = list(national)
    for k, p in enumerate(pattern):
        if start + k >= len(number_range.prefix) and p != "*":
            chars[start + k] = p
    return "".join(chars)


@dataclass(frozen=True)
class Query:
    toll_free: bool | None
    area_code: str | None
    contains: str | None
    mixed: bool = False  # toll_free not given: local and toll-free both (registry: search-toll-free-unset off)
    most: int = MAX_RESULTS
    sms_everywhere: bool = False  # registry: sms-capability-by-country off


def search(*, seed: int, plan: CountryPlan, query: Query, taken: set[str]) -> list[Offer]:
    """Up to ``query.most`` distinct offers matching the query, none of them already owned."""
    if query.mixed and query.toll_free is None:
        choices = [(r, False) for r in plan.local] + [(r, True) for r in plan.toll_free]
    else:
        want = bool(query.toll_free)
        choices = [(r, want) for r in (plan.toll_free if want else plan.local)]
    if query.area_code:
        choices = [(r, tf) for r, tf in choices if r.prefix == query.area_code]
    pattern = keypad_digits(query.contains or "")
    rng = random.Random(f"{seed}|{plan.code}|{query.toll_free}|{query.mixed}|{query.area_code}|{pattern}")
    offers: dict[str, Offer] = {}
    attempts = 0
    while choices and len(offers) < query.most and attempts < query.most * 20:
        attempts += 1
        number_range, toll_free = rng.choice(choices)
        national = _candidate(rng, number_range, pattern)
        if national is None or (pattern and not matches(national, pattern)):
            continue
        number = e164(plan, national)
        if number in taken or number in offers:
            continue
        offers[number] = make_offer(seed, plan, number_range, national, toll_free, sms_everywhere=query.sms_everywhere)
    return list(offers.values())


def make_offer(
    seed: int,
    plan: CountryPlan,
    number_range: NumberRange,
    national: str,
    toll_free: bool,
    *,
    sms_everywhere: bool = False,
) -> Offer:
    number = e164(plan, national)
    sms, mms = messaging(plan, toll_free, everywhere=sms_everywhere)
    return Offer(
        token=token_for(seed, number),
        number=number,
        national=national,
        display_number=plan.formatter(number_range.prefix, national),
        country_code=plan.code,
        location=number_range.location,
        toll_free=toll_free,
        price=plan.toll_free_price if toll_free else plan.local_price,
        address_requirements=plan.toll_free_address if toll_free else plan.local_address,
        sms=sms,
        mms=mms,
        number_range=number_range,
    )


def supported_country(code: str) -> CountryPlan | None:
    return COUNTRIES.get(code.upper())
