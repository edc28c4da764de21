"""The values an update may carry, field by field, and which source makes each refusal.

A check answers ``None`` (fine) or a ``Problem``. A problem's ``rule`` says what makes it a refusal:
``None`` when a Zendesk document states it (an enum's allowed values, cited beside the table), else the
registry's inference (``update-type-422``: a value of another JSON type than documented;
``update-value-limits-422``: a limit no document states). With ``--accept-inferred`` the first kind is
ignored and the second accepted and applied (``updates.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TYPE = "update-type-422"
LIMIT = "update-value-limits-422"
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
LOCALE = re.compile(r"^[a-z]{2}(-[A-Za-z0-9]{2,3})?$")
# PhoneNumberSettingsObject (OpenAPI): call_recording_delete_after / voicemail_recording_delete_after enums
DELETE_AFTER = (
    "never",
    "1.days",
    "1.weeks",
    "2.weeks",
    "1.months",
    "2.months",
    "3.months",
    "6.months",
    "1.years",
    "2.years",
)


@dataclass(frozen=True)
class Problem:
    text: str
    rule: str | None  # the inference that makes it a refusal; None: a document states it


Check = Callable[[Any], Problem | None]


def _bool(v: Any) -> Problem | None:
    return None if isinstance(v, bool) else Problem("must be true or false", TYPE)


def _int(v: Any) -> Problem | None:
    if not isinstance(v, int) or isinstance(v, bool):
        return Problem("must be a whole number", TYPE)
    return None if v >= 0 else Problem("must be 0 or more", LIMIT)


def _str(v: Any) -> Problem | None:
    if not isinstance(v, str):
        return Problem("must be a string", TYPE)
    return None if len(v) <= 255 else Problem("must be at most 255 characters", LIMIT)


def _int_list(v: Any) -> Problem | None:
    ok = isinstance(v, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in v)
    return None if ok else Problem("must be a list of integer ids", TYPE)


def _enum(*allowed: Any) -> Check:
    """Documented allowed values: refusing others is the document's rule."""

    def check(v: Any) -> Problem | None:
        if v in allowed and type(v) is type(allowed[0]):
            return None
        return Problem("must be one of " + ", ".join(map(str, allowed)), None)

    return check


def _nullable(inner: Check) -> Check:
    return lambda v: None if v is None else inner(v)


def _phone(v: Any) -> Problem | None:
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        return Problem("must be a phone number string", TYPE)
    return None if E164.match(v) else Problem("must be a number in E.164 form, like +14155550100", LIMIT)


def _locale(v: Any) -> Problem | None:
    if not isinstance(v, str):
        return Problem("must be a string", TYPE)
    return None if LOCALE.match(v) else Problem("must be a language code like en or en-US", LIMIT)


def _overflow(v: Any) -> Problem | None:
    if not isinstance(v, dict) or set(v) - {"enabled", "number"}:
        return Problem("must be an object with enabled (boolean) and number (string)", TYPE)
    if "enabled" in v and not isinstance(v["enabled"], bool):
        return Problem("enabled must be true or false", TYPE)
    if v.get("enabled") and not v.get("number"):
        return Problem("number is needed when enabled is true", LIMIT)
    return _phone(v.get("number"))


# The phone number object (Zendesk's JSON format table and PhoneNumberObject): writable attributes
ATTRIBUTE_RULES: dict[str, Check] = {
    "brand_id": _nullable(_int),
    "call_recording_consent": _str,
    "default_group_id": _nullable(_int),
    "failover_number": _phone,
    "greeting_ids": _int_list,
    "group_ids": _int_list,
    "ivr_id": _nullable(_int),
    "line_type": _enum("phone", "digital"),  # "The type line, either phone or digital"
    "nickname": _nullable(_str),
    "outbound_enabled": _bool,
    "post_call_voice_ai_enabled": _bool,
    "priority": _int,
    "recorded": _bool,
    "schedule_id": _nullable(_int),
    "sms_enabled": _bool,
    "sms_group_id": _nullable(_int),
    "transcription": _bool,
    "voice_enabled": _bool,
    "voice_qa_enabled": _bool,
}

# PhoneNumberSettingsObject (OpenAPI), enums as documented there
SETTINGS_RULES: dict[str, Check] = {
    "all_groups_access_enabled": _bool,
    "allow_outbound_calls": _bool,
    "auto_accept_enabled": _bool,
    "auto_accept_time": _enum(0, 5, 10),
    "average_wait_time_message_enabled": _bool,
    "call_offering_duration": _int,
    "call_recording_delete_after": _enum(*DELETE_AFTER),
    "callback_from_queue": _bool,
    "callback_locale": _locale,
    "create_ticket_for_abandoned_calls": _bool,
    "dequeue_retry_if_attempted": _bool,
    "forwarding_caller_id": _enum("caller_number", "talk_number", "talk_number_for_anonymous"),
    "maximum_queue_size": _int,
    "maximum_queue_wait_time": _int,
    "outbound_calls_group_ids": _int_list,
    "overflow_number": _overflow,
    "priority": _int,
    "voicemail": _bool,
    "voicemail_outside_business_hours": _bool,
    "voicemail_recording_delete_after": _enum(*DELETE_AFTER),
    "wrap_up_enabled": _bool,
    "wrap_up_time_limit": _nullable(_int),
}

# readOnly in the OpenAPI document (or derived, as name is)
READ_ONLY_ATTRIBUTES = frozenset(
    {
        "id",
        "number",
        "display_number",
        "country_code",
        "created_at",
        "external",
        "location",
        "name",
        "toll_free",
        "capabilities",
        "categorised_greetings",
        "categorised_greetings_with_sub_settings",
        "default_greeting_ids",
        "ai_agent_enabled",
        "bot_id",
    }
)
# In the documented update request, though not writable: ``name`` is derived ("the nickname if one is set,
# otherwise the display_number") and ``token`` is "writeable on create only". Accepted, and not applied.
LISTED_NOT_APPLIED = frozenset({"name", "token"})


def detail(error: str, description: str) -> list[dict[str, str]]:
    return [{"description": description, "error": error}]
