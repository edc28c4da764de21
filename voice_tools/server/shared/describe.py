"""Changes and numbers in words a person reads in a form, a code summary or a preview.

"Apply {"changes": {"recorded": true}} to 2 number(s): +12125550178, ..." is written for a machine. A person
confirms "Turn call recording on for 2 numbers: "Support" (+1 212-555-0178), "Sales" (+1 415-555-0134)". Every
value that comes from the model or the account goes through the one sanitiser (``guard.text``), so it
can never pass for the sentence's own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voice_tools.guard import as_data
from voice_tools.models import PhoneNumber
from voice_tools.models.dialling import international

SETTING = "settings."
# Fields whose on/off reads best as a sentence: (turned on, turned off).
SWITCHES: dict[str, tuple[str, str]] = {
    "recorded": ("turn call recording on", "turn call recording off"),
    "transcription": ("turn transcription on", "turn transcription off"),
    "sms_enabled": ("turn SMS on", "turn SMS off"),
    "outbound_enabled": ("allow outbound calls", "stop outbound calls"),
    "voice_enabled": ("turn voice on", "turn voice off"),
    "settings.voicemail": ("turn voicemail on", "turn voicemail off"),
    "settings.voicemail_outside_business_hours": (
        "send calls outside business hours to voicemail",
        "stop sending calls outside business hours to voicemail",
    ),
    "settings.callback_from_queue": ("offer callbacks from the queue", "stop offering callbacks from the queue"),
    "settings.wrap_up_enabled": ("turn wrap-up on", "turn wrap-up off"),
    "settings.auto_accept_enabled": ("turn auto-accept on", "turn auto-accept off"),
}
GROUP_FIELDS = {"group_ids", "default_group_id", "sms_group_id", "settings.outbound_calls_group_ids"}
GROUP_PHRASES = {
    "group_ids": "route calls to {}",
    "default_group_id": "make {} the default group",
    "sms_group_id": "send SMS to {}",
    "settings.outbound_calls_group_ids": "let {} make outbound calls",
}


def label(field: str) -> str:
    """``settings.call_recording_delete_after`` -> ``call recording delete after``."""
    return field.removeprefix(SETTING).replace("_", " ")


def value_text(field: str, value: Any, groups: Mapping[int, str]) -> str:
    if value is None:
        return "nothing (cleared)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if field in GROUP_FIELDS:
        ids = value if isinstance(value, list) else [value]
        names = [as_data(groups.get(i), 40) if groups.get(i) else str(i) for i in ids]
        return ", ".join(names) if names else "no group"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, dict)):
        return as_data(str(value), 60)
    return as_data(str(value), 60)


def change_words(wanted: Mapping[str, Any], groups: Mapping[int, str] | None = None) -> str:
    """The change as one clause: ``turn call recording on and set nickname to "Support"``. ``wanted`` maps
    field names (settings prefixed ``settings.``) to the new values."""
    names = groups or {}
    parts = []
    for field, value in wanted.items():
        if isinstance(value, bool) and field in SWITCHES:
            parts.append(SWITCHES[field][0 if value else 1])
        elif field in GROUP_PHRASES:
            parts.append(GROUP_PHRASES[field].format(value_text(field, value, names)))
        else:
            parts.append(f"set {label(field)} to {value_text(field, value, names)}")
    if not parts:
        return "change nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def sentence(text: str) -> str:
    """``text`` with its first letter in upper case, the rest as it is (names keep their case)."""
    return text[:1].upper() + text[1:]


def counted(count: int, noun: str) -> str:
    """``"1 number"``, ``"2 numbers"``: a person reads words, not ``number(s)``."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def number_label(number: PhoneNumber) -> str:
    """A number as the account names it and as it is dialled, written from the number itself:
    ``"Support" (+1 212-555-0178)``. A name that is only the number again (Zendesk names an unnamed number
    by its display text) is not repeated."""
    shown = international(number.number) if number.number else number.display_number or str(number.id)
    name = number.nickname or number.name
    if name and number.number and _only_the_number(name, number.number):
        name = None
    return f"{as_data(name, 40)} ({as_data(shown, 32)[1:-1]})" if name else as_data(shown, 32)[1:-1]


def _only_the_number(name: str, e164: str) -> bool:
    """Whether ``name`` is the number written some way (international or national): nothing but its digits."""
    if any(c.isalpha() for c in name):
        return False
    digits = "".join(c for c in name if c.isdigit()).lstrip("0")
    return len(digits) >= 6 and e164.lstrip("+").endswith(digits)


def numbers_text(numbers: list[PhoneNumber], shown: int = 10) -> str:
    listed = ", ".join(number_label(n) for n in numbers[:shown])
    more = f" and {len(numbers) - shown} more" if len(numbers) > shown else ""
    return listed + more
