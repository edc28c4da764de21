"""Phone numbers: the full object, the ``minimal_mode`` object, the writable attributes, and ``include=``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from .base import ZendeskRequest, ZendeskResponse, read_only
from .settings import PhoneNumberSettings, SettingsUpdate

LineType = Literal["phone", "digital"]
Include = Literal["settings", "ivrs", "all_greetings", "all_groups", "all_schedules"]
INCLUDES: tuple[Include, ...] = ("settings", "ivrs", "all_greetings", "all_groups", "all_schedules")


class Capabilities(ZendeskResponse):
    """What the carrier lets the number do; Zendesk sets these and never takes them in a write."""

    emergency_address: bool | None = read_only("Whether the number can be associated with an emergency address")
    mms: bool | None = read_only("Whether the number can send and receive MMS")
    sms: bool | None = read_only("Whether the number can send and receive SMS")
    voice: bool | None = read_only("Whether the number can take calls")


class PhoneNumber(ZendeskResponse):
    """A number in the account, as list, show, create and update return it."""

    id: int = read_only("Zendesk's id for the number", ...)
    ai_agent_enabled: bool | None = read_only("Whether an AI agent answers this number")
    bot_id: str | None = read_only("The AI agent bot on this number")
    brand_id: int | None = None
    call_recording_consent: str | None = None
    capabilities: Capabilities | None = None
    categorised_greetings: dict[str, Any] | None = read_only("Greeting category ids and names")
    categorised_greetings_with_sub_settings: dict[str, Any] | None = read_only("Greetings per category and setting")
    country_code: str | None = read_only("ISO 3166 alpha-2 country of the number")
    created_at: datetime | None = read_only("When the number was provisioned")
    default_greeting_ids: list[str] | None = read_only("Zendesk's system greetings in use")
    default_group_id: int | None = None
    display_number: str | None = read_only("The number, formatted for people")
    external: bool | None = read_only("Whether this is an external caller id number")
    failover_number: str | None = None
    greeting_ids: list[int] | None = None
    group_ids: list[int] | None = None
    ivr_id: int | None = None
    line_type: LineType | str | None = None
    location: str | None = read_only("Where the number is, e.g. 'CA' or 'Leeds'")
    name: str | None = read_only("The nickname if set, else the display number")
    nickname: str | None = None
    number: str | None = read_only("The number in E.164 form")
    outbound_enabled: bool | None = None
    post_call_voice_ai_enabled: bool | None = None
    priority: int | None = None
    recorded: bool | None = None
    schedule_id: int | None = None
    sms_enabled: bool | None = None
    sms_group_id: int | None = None
    token: str | None = Field(None, description="The purchase token; written on create only")
    toll_free: bool | None = read_only("Whether the number is toll-free")
    transcription: bool | None = None
    voice_enabled: bool | None = None
    voice_qa_enabled: bool | None = None
    settings: PhoneNumberSettings | None = None


class MinimalPhoneNumber(ZendeskResponse):
    """A number as ``minimal_mode=true`` returns it: a trimmed field set, no ``number``."""

    id: int = read_only("Zendesk's id for the number", ...)
    country_code: str | None = read_only("ISO 3166 alpha-2 country of the number")
    external: bool | None = read_only("Whether this is an external caller id number")
    nickname: str | None = None
    display_number: str | None = read_only("The number, formatted for people")
    capabilities: Capabilities | None = None
    sms_enabled: bool | None = None
    priority: int | None = None
    outbound_enabled: bool | None = None
    line_type: LineType | str | None = None


class PhoneNumberUpdate(ZendeskRequest):
    """A number's writable attributes. Read-only fields and ``token`` (create-only) cannot be set here.
    Values are checked against the documented types and enums only (line_type: "either phone or
    digital"): no document limits a nickname's length, a priority's sign or a failover number's form."""

    nullable_fields = frozenset(
        {
            "brand_id",
            "default_group_id",
            "failover_number",
            "ivr_id",
            "nickname",
            "schedule_id",
            "sms_group_id",
        }
    )

    brand_id: int | None = None
    """the brand the number belongs to"""
    call_recording_consent: str | None = None
    """what callers are told about recording (consent setting)"""
    default_group_id: int | None = None
    """the group calls go to first; a group name works too"""
    failover_number: str | None = None
    """where calls go if Zendesk cannot reach the agents"""
    greeting_ids: list[int] | None = None
    """the number's custom greetings"""
    group_ids: list[int] | None = None
    """the groups that answer its calls; names work too (with omnichannel routing only the first counts)"""
    ivr_id: int | None = None
    """the IVR menu callers hear; null removes it"""
    line_type: LineType | None = None
    """phone or digital"""
    nickname: str | None = None
    """the name agents see; null removes it"""
    outbound_enabled: bool | None = None
    """agents may call out from it"""
    post_call_voice_ai_enabled: bool | None = None
    """voice AI runs after calls"""
    priority: int | None = None
    """its priority among the account's numbers"""
    recorded: bool | None = None
    """calls are recorded"""
    schedule_id: int | None = None
    """the business-hours schedule; null removes it"""
    sms_enabled: bool | None = None
    """it sends and receives SMS (needs the sms capability)"""
    sms_group_id: int | None = None
    """the group SMS go to; a group name works too"""
    transcription: bool | None = None
    """voicemails are transcribed"""
    voice_enabled: bool | None = None
    """it takes calls"""
    voice_qa_enabled: bool | None = None
    """voice QA runs on its calls"""
    settings: SettingsUpdate | None = None
    """the number's settings (below)"""


class NamedRecord(ZendeskResponse):
    """A group, IVR, schedule or greeting as ``include=`` side-loads it: id and name, the rest kept as is."""

    id: int | str
    name: str | None = None


def as_records(value: Any) -> Any:
    """A side-load in any shape a real account may send, as a list of records. The documents name the
    ``include`` values but show no answer with them (the sandbox's shape, a list of ``{id, name}``, is
    inferred), so a map keyed by id (``{"360001": "Support"}`` or ``{"360001": {...}}``), one record, or a
    list of bare ids are read too, rather than losing the data or failing the whole answer; a map's numeric
    keys become integer ids, as the records' own ids are."""
    if isinstance(value, dict):
        if "id" in value:
            return [value]
        return [
            {"id": _key(key), **item} if isinstance(item, dict) else {"id": _key(key), "name": item}
            for key, item in value.items()
        ]
    if isinstance(value, list):
        return [item if isinstance(item, dict) else {"id": item} for item in value]
    return value


def _key(key: Any) -> Any:
    return int(key) if isinstance(key, str) and key.isdigit() else key


class PhoneNumberDetails(ZendeskResponse):
    """What show and update return: the number, plus whatever ``include=`` side-loaded next to it (in the
    fields below, whatever their shape; a side-load under another name stays in ``unknown_fields()``)."""

    phone_number: PhoneNumber
    ivrs: list[NamedRecord] | None = None
    groups: list[NamedRecord] | None = None
    schedules: list[NamedRecord] | None = None
    greetings: list[NamedRecord] | None = None

    _side_loads = field_validator("ivrs", "groups", "schedules", "greetings", mode="before")(as_records)
