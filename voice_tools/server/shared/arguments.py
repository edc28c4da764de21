"""The tools' argument types: constrained, described, and with messages that say what to fix.

The published schema carries each constraint (``pattern``, bounds) so a model gets it right the first
time; the check itself is a validator with a message written for the model, rather than pydantic's
generic "String should match pattern".
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from ..config.values import ISO_COUNTRIES

AREA_CODE_COUNTRIES = frozenset({"US", "CA"})


def _country(value: str) -> str:
    code = value.strip().upper()
    if code == "UK":
        raise ValueError("use GB for the United Kingdom (ISO 3166 has no UK)")
    if code not in ISO_COUNTRIES:
        raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code; use two letters such as US, GB, DE")
    return code


def _area_code(value: str) -> str:
    if not re.fullmatch(r"[2-9][0-9]{2}", value.strip()):
        raise ValueError(f"{value!r} is not a North American area code; use three digits such as 415")
    return value.strip()


def _contains(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"[0-9A-Za-z*]{1,12}", text):
        raise ValueError(
            f"{value!r} cannot be searched: use 1-12 digits or letters (letters match keypad digits, HELP = 4357) "
            "and * for any one digit"
        )
    return text


def _number_text(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if not 4 <= len(digits) <= 15 or re.search(r"[^\d\s()+.\-/]", value):
        raise ValueError(f"{value!r} is not a phone number; give it like +1 415 555 0134 or (415) 555-0134")
    return value


def _address_sid(value: str) -> str:
    if not re.fullmatch(r"AD[0-9a-fA-F]{32}", value.strip()):
        raise ValueError(f"{value!r} is not an address_sid: it is AD followed by 32 hex digits, from an address list")
    return value.strip()


Country = Annotated[
    str,
    Field(description="ISO 3166 alpha-2 code, any case: US, gb", json_schema_extra={"pattern": "^[A-Za-z]{2}$"}),
    AfterValidator(_country),
]
AreaCode = Annotated[
    str,
    Field(description="US/CA area code, e.g. 415", json_schema_extra={"pattern": "^[2-9][0-9]{2}$"}),
    AfterValidator(_area_code),
]
Contains = Annotated[
    str,
    Field(
        description="Digits/letters the number must contain (keypad: HELP=4357); * = any digit",
        json_schema_extra={"pattern": "^[0-9A-Za-z*]{1,12}$"},
    ),
    AfterValidator(_contains),
]
NumberText = Annotated[str, Field(max_length=32, description="The number in any format"), AfterValidator(_number_text)]
AddressSid = Annotated[
    str,
    Field(description="address_sid from list_addresses (AD…)", json_schema_extra={"pattern": "^AD[0-9a-fA-F]{32}$"}),
    AfterValidator(_address_sid),
]
PhoneNumberId = Annotated[int, Field(ge=1, description="id from list_numbers")]
