"""Prices as Zendesk writes them ("$1.00", "$1,250.00", "1.250,00 €", "£3"), read as exact decimals.

A price decides whether the spend policy lets a purchase through, so it is read strictly: the amount is
the one run of digits and separators in the text; a text with no amount, two amounts, or separators in
a pattern no locale writes is unreadable (``None``), never guessed.

Which separator is the decimal point: when both "." and "," appear, the last one; when only one of
them appears, it groups thousands if it appears more than once, or once followed by exactly three
digits after a non-zero whole part ("1,250" is 1250, "0,250" is 0.25, "1,50" is 1.50). Spaces and
apostrophes only ever group thousands ("1 250,00 €", "CHF 1'250.00").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"[.,]?[0-9][0-9.,' \u00a0\u202f]*")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:([,. '])[0-9]{3})(?:\1[0-9]{3})*")  # one grouping character throughout


def parse_price(text: str | None) -> Decimal | None:
    """The amount in ``text`` as a Decimal, or None when it cannot be read without guessing. The currency sign
    is not read: an account's prices are taken to be in one currency (registry: one-currency)."""
    runs = [run.rstrip(" .,'") for run in _AMOUNT.findall((text or "").replace("\u00a0", " ").replace("\u202f", " "))]
    runs = [run for run in runs if run]
    if len(runs) != 1:
        return None
    run = runs[0]
    point = _decimal_point(run)
    whole, fraction = run.rsplit(point, 1) if point else (run, "")
    if point and not re.fullmatch(r"[0-9]{1,4}", fraction):
        return None
    whole = whole or "0"  # ".50"
    if not whole.isdigit() and not _THOUSANDS.fullmatch(whole):
        return None
    try:
        value = Decimal(re.sub(r"[^0-9]", "", whole) + ("." + fraction if fraction else ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _decimal_point(run: str) -> str | None:
    marks = [c for c in run if c in ".,"]
    if not marks:
        return None
    last = marks[-1]
    if len(set(marks)) == 2:
        return last
    if len(marks) > 1:
        return None  # "1,234,567": thousands only
    whole, fraction = run.rsplit(last, 1)
    groups_thousands = len(fraction) == 3 and whole.strip("0 '") != ""
    return None if groups_thousands else last
