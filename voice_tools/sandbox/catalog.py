"""What the sandbox's telephone network offers: countries, number ranges, locations, prices, rules.

Each country lists the ranges real numbers come from (an area code and its location), how its
numbers are written, what a number costs per month, and the address its regulator requires
("none", "local", "any" or "foreign", as Zendesk's search reports it). The countries are those
Zendesk's help centre lists as selling Talk numbers; the ranges, prices, address requirements and
capabilities are labelled inferred in the registry (``inferred.py``: search-inventory): they make
results look real, they are not a price list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Letters on a phone keypad, for vanity searches such as contains=HELP (4357).
KEYPAD: dict[str, str] = {
    **dict.fromkeys("abc", "2"),
    **dict.fromkeys("def", "3"),
    **dict.fromkeys("ghi", "4"),
    **dict.fromkeys("jkl", "5"),
    **dict.fromkeys("mno", "6"),
    **dict.fromkeys("pqrs", "7"),
    **dict.fromkeys("tuv", "8"),
    **dict.fromkeys("wxyz", "9"),
}


@dataclass(frozen=True)
class NumberRange:
    """Numbers that start with ``prefix`` (national digits) and are ``length`` digits long."""

    prefix: str
    location: str
    length: int


@dataclass(frozen=True)
class CountryPlan:
    code: str
    dial_code: str
    local: tuple[NumberRange, ...]
    toll_free: tuple[NumberRange, ...]
    local_price: str
    toll_free_price: str
    local_address: str
    toll_free_address: str
    sms_local: bool
    emergency_address: bool
    formatter: Callable[[str, str], str]  # (prefix, national digits) -> display number
    # local numbers that need a verified business: Zendesk documents that create does not support them
    # (which countries: inferred, registry entry jp-local-business-verification)
    local_needs_business_verification: bool = False
    # toll-free numbers that can call out: "Toll-free numbers from the United States, Canada, and Japan can
    # make outbound calls" (support.zendesk.com/hc/en-us/articles/4408835827866); every other country's cannot
    toll_free_outbound: bool = False


def _nanp(prefix: str, national: str) -> str:
    return f"+1 ({national[:3]}) {national[3:6]}-{national[6:]}"


def _grouped(dial: str) -> Callable[[str, str], str]:
    """International format: prefix as its own group, then the rest in groups of 3 and 4."""

    def fmt(prefix: str, national: str) -> str:
        rest = national[len(prefix) :]
        if len(rest) == 8:
            groups = [rest[:4], rest[4:]]
        elif len(rest) == 7 or len(rest) == 6:
            groups = [rest[:3], rest[3:]]
        else:
            groups = [rest]
        return " ".join([f"+{dial}", prefix, *groups])

    return fmt


def _plan(
    code: str,
    dial: str,
    local: tuple[tuple[str, str, int], ...],
    toll_free: tuple[tuple[str, int], ...],
    prices: tuple[str, str],
    addresses: tuple[str, str],
) -> CountryPlan:
    """A country with no SMS, no emergency address and no outbound toll-free calls (the usual case)."""
    return CountryPlan(
        code=code,
        dial_code=dial,
        local=tuple(NumberRange(prefix, location, length) for prefix, location, length in local),
        toll_free=tuple(NumberRange(prefix, code, length) for prefix, length in toll_free),
        local_price=prices[0],
        toll_free_price=prices[1],
        local_address=addresses[0],
        toll_free_address=addresses[1],
        sms_local=False,
        emergency_address=False,
        formatter=_grouped(dial),
    )


# Countries the help centre lists as selling numbers, beyond the first eight (issue #25's reading of it).
_MORE_COUNTRIES = (
    _plan(
        "NL",
        "31",
        (("20", "Amsterdam", 9), ("10", "Rotterdam", 9), ("30", "Utrecht", 9)),
        (("800", 10),),
        ("$3.00", "$25.00"),
        ("local", "any"),
    ),
    _plan(
        "ES",
        "34",
        (("91", "Madrid", 9), ("93", "Barcelona", 9), ("96", "Valencia", 9)),
        (("900", 9),),
        ("$2.00", "$25.00"),
        ("local", "local"),
    ),
    _plan(
        "IT",
        "39",
        (("02", "Milan", 10), ("06", "Rome", 10), ("011", "Turin", 10)),
        (("800", 9),),
        ("$2.00", "$25.00"),
        ("local", "any"),
    ),
    _plan(
        "SE",
        "46",
        (("8", "Stockholm", 9), ("31", "Gothenburg", 9), ("40", "Malmo", 9)),
        (("20", 9),),
        ("$2.00", "$25.00"),
        ("any", "any"),
    ),
    _plan(
        "NZ",
        "64",
        (("9", "Auckland", 8), ("4", "Wellington", 8), ("3", "Christchurch", 8)),
        (("800", 9),),
        ("$3.00", "$25.00"),
        ("any", "any"),
    ),
    _plan(
        "MX",
        "52",
        (("55", "Mexico City", 10), ("33", "Guadalajara", 10), ("81", "Monterrey", 10)),
        (("800", 10),),
        ("$3.00", "$25.00"),
        ("local", "any"),
    ),
    _plan(
        "BR",
        "55",
        (("11", "Sao Paulo", 10), ("21", "Rio de Janeiro", 10)),
        (("800", 10),),
        ("$5.00", "$30.00"),
        ("local", "local"),
    ),
)

_US_TOLL_FREE = tuple(NumberRange(p, "US", 10) for p in ("800", "833", "844", "855", "866", "877", "888"))
_CA_TOLL_FREE = tuple(NumberRange(p, "CA", 10) for p in ("800", "833", "844", "855", "866", "877", "888"))

COUNTRIES: dict[str, CountryPlan] = {
    plan.code: plan
    for plan in (
        CountryPlan(
            code="US",
            dial_code="1",
            local=tuple(
                NumberRange(p, loc, 10)
                for p, loc in (
                    ("415", "CA"),
                    ("510", "CA"),
                    ("213", "CA"),
                    ("212", "NY"),
                    ("646", "NY"),
                    ("312", "IL"),
                    ("512", "TX"),
                    ("214", "TX"),
                    ("206", "WA"),
                    ("617", "MA"),
                    ("303", "CO"),
                    ("240", "MD"),
                    ("305", "FL"),
                    ("404", "GA"),
                )
            ),
            toll_free=_US_TOLL_FREE,
            local_price="$1.00",
            toll_free_price="$2.00",
            local_address="none",
            toll_free_address="none",
            sms_local=True,
            emergency_address=True,
            formatter=_nanp,
            toll_free_outbound=True,
        ),
        CountryPlan(
            code="CA",
            dial_code="1",
            local=tuple(
                NumberRange(p, loc, 10)
                for p, loc in (
                    ("416", "ON"),
                    ("647", "ON"),
                    ("613", "ON"),
                    ("604", "BC"),
                    ("514", "QC"),
                    ("403", "AB"),
                )
            ),
            toll_free=_CA_TOLL_FREE,
            local_price="$1.00",
            toll_free_price="$2.00",
            local_address="none",
            toll_free_address="none",
            sms_local=True,
            emergency_address=True,
            formatter=_nanp,
            toll_free_outbound=True,
        ),
        CountryPlan(
            code="GB",
            dial_code="44",
            local=(
                NumberRange("20", "London", 10),
                NumberRange("161", "Manchester", 10),
                NumberRange("113", "Leeds", 10),
                NumberRange("121", "Birmingham", 10),
                NumberRange("131", "Edinburgh", 10),
            ),
            toll_free=(NumberRange("800", "GB", 10), NumberRange("808", "GB", 10)),
            local_price="$1.00",
            toll_free_price="$2.00",
            local_address="any",
            toll_free_address="none",
            sms_local=False,
            emergency_address=False,
            formatter=_grouped("44"),
        ),
        CountryPlan(
            code="IE",
            dial_code="353",
            local=(
                NumberRange("1", "Dublin", 8),
                NumberRange("21", "Cork", 9),
                NumberRange("91", "Galway", 9),
                NumberRange("61", "Limerick", 9),
                NumberRange("76", "Ireland", 9),
            ),
            toll_free=(NumberRange("1800", "IE", 10),),
            local_price="$2.00",
            toll_free_price="$20.00",
            local_address="local",
            toll_free_address="any",
            sms_local=False,
            emergency_address=False,
            formatter=_grouped("353"),
        ),
        CountryPlan(
            code="DE",
            dial_code="49",
            local=(
                NumberRange("30", "Berlin", 10),
                NumberRange("40", "Hamburg", 10),
                NumberRange("89", "Munich", 10),
                NumberRange("69", "Frankfurt", 10),
                NumberRange("221", "Cologne", 10),
            ),
            toll_free=(NumberRange("800", "DE", 10),),
            local_price="$1.00",
            toll_free_price="$16.00",
            local_address="local",
            toll_free_address="any",
            sms_local=False,
            emergency_address=False,
            formatter=_grouped("49"),
        ),
        CountryPlan(
            code="AU",
            dial_code="61",
            local=(
                NumberRange("2", "Sydney", 9),
                NumberRange("3", "Melbourne", 9),
                NumberRange("7", "Brisbane", 9),
                NumberRange("8", "Perth", 9),
            ),
            toll_free=(NumberRange("1800", "AU", 10),),
            local_price="$3.00",
            toll_free_price="$16.00",
            local_address="local",
            toll_free_address="any",
            sms_local=False,
            emergency_address=False,
            formatter=_grouped("61"),
        ),
        CountryPlan(
            code="FR",
            dial_code="33",
            local=(
                NumberRange("1", "Paris", 9),
                NumberRange("4", "Lyon", 9),
                NumberRange("5", "Bordeaux", 9),
            ),
            toll_free=(NumberRange("800", "FR", 9),),
            local_price="$1.50",
            toll_free_price="$25.00",
            local_address="local",
            toll_free_address="local",
            sms_local=False,
            emergency_address=False,
            formatter=_grouped("33"),
        ),
        CountryPlan(
            code="JP",
            dial_code="81",
            local=(NumberRange("3", "Tokyo", 9), NumberRange("6", "Osaka", 9)),
            toll_free=(NumberRange("120", "JP", 9), NumberRange("800", "JP", 10)),
            local_price="$4.50",
            toll_free_price="$25.00",
            local_address="local",
            toll_free_address="any",
            sms_local=False,
            emergency_address=False,
            formatter=_grouped("81"),
            local_needs_business_verification=True,
            toll_free_outbound=True,
        ),
        *_MORE_COUNTRIES,
    )
}


def messaging(plan: CountryPlan, toll_free: bool, *, everywhere: bool = False) -> tuple[bool, bool]:
    """(sms, mms) for a number of this plan (registry: sms-capability-by-country): SMS and MMS on US and CA
    local numbers, SMS on their toll-free ones; ``everywhere`` (the inference off): both on every number."""
    if everywhere:
        return True, True
    return (plan.sms_local and not toll_free) or (
        toll_free and plan.code in ("US", "CA")
    ), plan.sms_local and not toll_free


def e164(plan: CountryPlan, national: str) -> str:
    return f"+{plan.dial_code}{national}"
