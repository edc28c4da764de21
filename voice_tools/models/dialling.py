"""A phone number as people read it: in its country's own format, and as it is dialled there.

Zendesk gives numbers in E.164 (``+353215289370``) and, for some, a ``display_number`` of its own making.
What a person confirms must be readable *and* must spell exactly the digits being bought or released, so it
is written here from the E.164 number alone, with libphonenumber's metadata (each country's grouping and
trunk prefix: Ireland dials ``(021) 528 9370``, Italy keeps its leading 0 and adds none, Spain has no trunk
prefix), never from account text. A number the metadata cannot parse is shown as it is.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat


def _formatted(e164: str, how: int) -> str:
    """``e164`` in the format ``how``, or as it is wherever the metadata would not spell the same digits (it
    reads a number's digits as an integer, so a run of leading zeros in an invalid number can vanish)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    spelled = f"{parsed.country_code}{phonenumbers.national_significant_number(parsed)}"
    if spelled != e164.lstrip("+") or not e164.startswith("+"):
        return e164
    shown: str = phonenumbers.format_number(parsed, how)
    return shown or e164


def international(e164: str) -> str:
    """``+353 21 528 9370``, ``+1 415-555-0134``: unambiguous from anywhere."""
    return _formatted(e164, PhoneNumberFormat.INTERNATIONAL)


def national(e164: str) -> str:
    """``(021) 528 9370``, ``(415) 555-0134``, ``06 1234 5678``: as it is dialled in its own country."""
    return _formatted(e164, PhoneNumberFormat.NATIONAL)


def spoken(e164: str) -> str:
    """What a summary a person confirms names: the international form, and how it is dialled at home."""
    whole, home = international(e164), national(e164)
    return whole if home == whole else f"{whole} (dialled at home as {home})"
