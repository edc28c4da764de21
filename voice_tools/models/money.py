"""Prices as Zendesk writes them ("$1.00", "$1,250.00", "1.250,00 €", "£3"), read as exact amounts in a currency.

A price decides whether the spend policy lets a purchase through and what a person says yes to, so it is
read strictly (``read_price``): the amount is the one run of digits and separators in the text; a text
with no amount or two amounts, a negative amount, separators in a pattern no locale writes, a reading
that depends on a locale the currency does not settle, or no currency at all is refused (``PriceError``,
saying which), never guessed.

Which separator is the decimal point: when both "." and "," appear, the last one; when one of them
appears more than once, it groups thousands; when it appears once with one or two digits after it, it
is the decimal point everywhere ("1,50" is 1.50). Once with exactly three digits after a non-zero whole
part ("1,250", "1.250") it is read by the currency's own rule (the dollar, pound and yen write "." for
the decimal point, so "$1,250" is 1250; the real and the krona write ","); a currency with no single
rule (the euro: "1.250 €" in Germany, "€1.250" nowhere in Ireland) makes that text ambiguous. Spaces and
apostrophes only ever group thousands ("1 250,00 €", "CHF 1'250.00").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"[.,]?[0-9][0-9.,' \u00a0\u202f]*")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:([,. '])[0-9]{3})(?:\1[0-9]{3})*")  # one grouping character throughout
_NEGATIVE = re.compile(r"[-\u2212\u2012\u2013]\s*(?:[A-Z]{3}|[^\s\d.,]{1,3})?\s*[.,]?[0-9]")
# Signs, longest first, to the ISO 4217 code they name; a bare "$" names only "a dollar".
SIGNS = {
    "US$": "USD",
    "CA$": "CAD",
    "C$": "CAD",
    "AU$": "AUD",
    "A$": "AUD",
    "NZ$": "NZD",
    "R$": "BRL",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "￥": "JPY",
    "$": "$",
}
DOLLAR = "$"  # registry: one-currency (a bare dollar sign is read as the account's dollar currency)
DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"})  # currencies a bare "$" may stand for
# The decimal point each currency writes, where it has one rule (the euro has none; the yen no decimals).
_POINT = ("$", "USD", "CAD", "AUD", "NZD", "GBP", "CHF", "JPY", "MXN", "SGD", "HKD", "INR")
_COMMA = ("BRL", "SEK", "NOK", "DKK")
DECIMAL_MARK = dict.fromkeys(_POINT, ".") | dict.fromkeys(_COMMA, ",")


class PriceError(ValueError):
    """A price that cannot be read without guessing; the message says why, for a person."""


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str  # an ISO 4217 code, or "$" where the text says only "a dollar"
    text: str  # as Zendesk wrote it, whole

    def matches(self, currency: str) -> bool:
        """Whether this price is in ``currency`` (an ISO code): exactly, or a bare dollar for a dollar currency."""
        return self.currency == currency or (self.currency == DOLLAR and currency in DOLLARS)

    def words(self) -> str:
        """The amount and currency as read, for a person to check against the text: ``1250.00 USD``."""
        return f"{self.amount} {self.currency if self.currency != DOLLAR else 'dollars'}"


def currency_of(text: str) -> str | None:
    """The currency ``text`` names (a sign or an ISO code), None when it names none, or PriceError for two."""
    codes = set(re.findall(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])", text))
    rest = text
    for sign, code in SIGNS.items():
        if sign in rest:
            codes.add(code)
            rest = rest.replace(sign, " ")
    if DOLLAR in codes and len(codes) == 2 and codes - {DOLLAR} <= DOLLARS:
        codes.discard(DOLLAR)  # "$1.00 USD"
    if len(codes) > 1:
        raise PriceError(f"names more than one currency ({', '.join(sorted(codes))})")
    return codes.pop() if codes else None


def read_price(text: str | None) -> Money:
    """The price in ``text``, or PriceError saying why it cannot be read without guessing."""
    raw = (text or "").strip()
    if not raw:
        raise PriceError("is empty")
    spaced = raw.replace("\u00a0", " ").replace("\u202f", " ")
    if _NEGATIVE.search(spaced):
        raise PriceError("is negative")
    currency = currency_of(spaced)
    amount = _amount(spaced, DECIMAL_MARK.get(currency or ""), strict=True)
    if currency is None:
        raise PriceError("names no currency")
    return Money(amount=amount, currency=currency, text=raw)


def parse_price(text: str | None) -> Decimal | None:
    """The amount in ``text`` when it can be read without guessing the locale, else None (any currency or none)."""
    try:
        return _amount((text or "").replace("\u00a0", " ").replace("\u202f", " "), None, strict=False)
    except PriceError:
        return None


def _amount(text: str, rule: str | None, *, strict: bool) -> Decimal:
    runs = [run.rstrip(" .,'") for run in _AMOUNT.findall(text)]
    runs = [run for run in runs if run]
    if len(runs) != 1:
        raise PriceError("has no amount" if not runs else "has more than one amount")
    run = runs[0]
    point = _decimal_point(run, rule, strict=strict)
    whole, fraction = run.rsplit(point, 1) if point else (run, "")
    if point and not re.fullmatch(r"[0-9]{1,4}", fraction):
        raise PriceError("has separators in a pattern no locale writes")
    whole = whole or "0"  # ".50"
    if not whole.isdigit() and not _THOUSANDS.fullmatch(whole):
        raise PriceError("has separators in a pattern no locale writes")
    try:
        value = Decimal(re.sub(r"[^0-9]", "", whole) + ("." + fraction if fraction else ""))
    except InvalidOperation:
        raise PriceError("has no readable amount") from None
    if not value.is_finite():
        raise PriceError("has no readable amount")
    return value


def _decimal_point(run: str, rule: str | None, *, strict: bool) -> str | None:
    """Which mark is the decimal point; ``rule`` is the currency's, None when it has no single one. ``strict``:
    a reading that depends on a locale the currency does not settle is an error, not thousands."""
    marks = [c for c in run if c in ".,"]
    if not marks:
        return None
    last = marks[-1]
    if len(set(marks)) == 2:
        return last
    if len(marks) > 1:
        return None  # "1,234,567": thousands only
    whole, fraction = run.rsplit(last, 1)
    if len(fraction) != 3 or whole.strip("0 '") == "":
        return last  # "1,50", "0,250": a decimal point everywhere
    if rule is not None:
        return last if rule == last else None
    if strict:
        raise PriceError(f"could be read two ways ({run} is a whole number in some countries, a fraction in others)")
    return None  # without a currency to ask, one mark with three digits after a non-zero whole groups thousands
