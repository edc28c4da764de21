"""The simulated account as it is on day one: deterministic for a seed, any size.

Twelve hand-written numbers cover the cases an admin meets (local and toll-free, six countries,
numbers routed to groups, IVRs and schedules, recording and transcription on and off, and so on).
Larger accounts, for benchmarks, add generated numbers after those twelve. The account's content is
invented fixture data (registry: seed-account); what a real account shows the same way everywhere (greeting
categories, system greetings, IVR and number shapes) is copied from captures and documents, as each
table below says.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from .captured import CATEGORISED_GREETINGS, DEFAULT_GREETING_IDS
from .catalog import COUNTRIES, CountryPlan, NumberRange, e164

GROUPS: list[dict[str, Any]] = [
    {"id": 360001001, "name": "Support"},
    {"id": 360001002, "name": "Billing"},
    {"id": 360001003, "name": "Sales"},
    {"id": 360001004, "name": "Tier 2"},
    {"id": 360001005, "name": "VIP"},
    {"id": 360001006, "name": "EMEA Support"},
]


def _route(route_id: int, keypress: str, action: str, options: dict[str, Any], text: str | None) -> dict[str, Any]:
    """An IVR route as the IVR API documents it (option_text: the group's name for a group route)."""
    return {
        "id": route_id,
        "keypress": keypress,
        "greeting": None,
        "action": action,
        "options": options,
        "option_text": text,
        "overflow_options": [],
    }


def _group(name: str) -> dict[str, Any]:
    return {"group_ids": [next(g["id"] for g in GROUPS if g["name"] == name)]}


# IVRs as the IVR API documents them (registry: ivr-objects); each has a default menu named "Main menu"
IVRS: list[dict[str, Any]] = [
    {
        "id": 360002001,
        "name": "Support line",
        "menus": [
            {
                "id": 360002101,
                "name": "Main menu",
                "default": True,
                "greeting_id": None,
                "routes": [
                    _route(360002201, "1", "group", _group("Support"), "Support"),
                    _route(360002202, "2", "group", _group("Billing"), "Billing"),
                    _route(360002203, "3", "menu", {"menu_id": 360002102}, "Sales menu"),
                    _route(360002204, "0", "voicemail", _group("Support"), "Support"),
                ],
            },
            {
                "id": 360002102,
                "name": "Sales menu",
                "default": False,
                "greeting_id": None,
                "routes": [
                    _route(360002205, "1", "group", _group("Sales"), "Sales"),
                    _route(360002206, "*", "menu", {"menu_id": 360002101}, "Main menu"),
                ],
            },
        ],
        "phone_number_ids": [],
        "phone_number_names": [],
    },
    {
        "id": 360002002,
        "name": "After hours",
        "menus": [
            {
                "id": 360002103,
                "name": "Main menu",
                "default": True,
                "greeting_id": None,
                "routes": [
                    _route(360002207, "1", "voicemail", _group("Support"), "Support"),
                    _route(360002208, "2", "phone_number", {"phone_number": "+14155550134"}, "+14155550134"),
                ],
            }
        ],
        "phone_number_ids": [],
        "phone_number_names": [],
    },
]

SCHEDULES: list[dict[str, Any]] = [
    {"id": 360003001, "name": "US business hours", "time_zone": "Pacific Time (US & Canada)"},
    {"id": 360003002, "name": "EMEA business hours", "time_zone": "Dublin"},
    {"id": 360003003, "name": "24/7", "time_zone": "UTC"},
]

ADDRESSES = [
    ("Zendesk HQ", "1019 Market Street", "94103", "San Francisco", "California", "US"),
    ("Zendesk London", "30 Eastbourne Terrace", "W2 6LA", "London", "England", "GB"),
    ("Zendesk Dublin", "55 Charlemont Place", "D02 F985", "Dublin", "Leinster", "IE"),
    ("Zendesk Berlin", "Neue Schonhauser Strasse 20", "10178", "Berlin", "Berlin", "DE"),
    ("Zendesk Melbourne", "395 Collins Street", "3000", "Melbourne", "Victoria", "AU"),
]


def greeting(gid: int, name: str, category_id: int, *, default: bool = False) -> dict[str, Any]:
    return {
        "id": gid,
        "name": name,
        "category_id": category_id,
        "default": default,
        "default_lang": default,
        "active": False,
        "pending": False,
        "audio_url": f"/system/voice/uploads/0000/{gid % 10000:04d}/{name.lower().replace(' ', '-')}.mp3",
        "audio_name": f"{name.lower().replace(' ', '-')}.mp3",
        "upload_id": gid + 1000,
        "phone_number_ids": [],
        "ivr_ids": [],
        "has_sub_settings": category_id in (1, 2),
    }


GREETINGS = [
    greeting(360004001, "Welcome to Support", 2),
    greeting(360004002, "Billing voicemail", 1),
    greeting(360004003, "Hold music - calm", 4),
    greeting(360004004, "Queue wait message", 3),
    greeting(360004005, "Holiday closure", 1),
    greeting(360004006, "Recording notice", 9),
]


def provider_reference(seed: int, name: str) -> str:
    """An address's Twilio-style id: "AD" and 32 lowercase hex digits."""
    return "AD" + hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()[:32]


def default_settings(*, auto_accept: bool, alternative: bool = False) -> dict[str, Any]:
    """A new number's settings: the documents' example values (registry: new-number-defaults); the
    ``alternative`` set is what --accept-inferred gives a number bought while it runs."""
    settings: dict[str, Any] = {
        "all_groups_access_enabled": True,
        "allow_outbound_calls": True,
        "average_wait_time_message_enabled": False,
        "call_offering_duration": 30,
        "call_recording_delete_after": "never",
        "callback_from_queue": False,
        "callback_locale": "en",
        "create_ticket_for_abandoned_calls": True,
        "dequeue_retry_if_attempted": False,
        "forwarding_caller_id": "caller_number",
        "maximum_queue_size": 10,
        "maximum_queue_wait_time": 5,
        "outbound_calls_group_ids": [],
        "overflow_number": {"enabled": False, "number": ""},
        "priority": 0,
        "voicemail": True,
        "voicemail_outside_business_hours": True,
        "voicemail_recording_delete_after": "never",
        "wrap_up_enabled": True,
        "wrap_up_time_limit": 30,
    }
    if alternative:
        settings |= {
            "average_wait_time_message_enabled": True,
            "priority": 1,
            "voicemail_recording_delete_after": "1.months",
        }
    if auto_accept:
        settings |= {"auto_accept_enabled": False, "auto_accept_time": 5}
    return settings


@dataclass
class NumberSpec:
    """A hand-written seeded number: the range it comes from, and what differs from the defaults."""

    country: str
    toll_free: bool
    prefix: str
    subscriber: str
    attributes: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def _g(name: str) -> int:
    return next(int(g["id"]) for g in GROUPS if g["name"] == name)


HAND_WRITTEN_NUMBERS = [
    NumberSpec(
        "US",
        False,
        "415",
        "5550134",
        {
            "nickname": "US Support",
            "group_ids": [_g("Support"), _g("Tier 2")],
            "default_group_id": _g("Support"),
            "greeting_ids": [360004001, 360004003],
            "schedule_id": 360003001,
            "sms_enabled": True,
            "sms_group_id": _g("Support"),
            "priority": 1,
        },
        {"call_recording_delete_after": "6.months", "callback_from_queue": True},
    ),
    NumberSpec(
        "US",
        True,
        "800",
        "5550199",
        {
            "nickname": "1-800 Help Line",
            "group_ids": [_g("Support")],
            "default_group_id": _g("Support"),
            "ivr_id": 360002001,
            "transcription": True,
        },
        {"maximum_queue_size": 25, "maximum_queue_wait_time": 10},
    ),
    NumberSpec(
        "US",
        False,
        "212",
        "5550178",
        {
            "nickname": "NY Sales",
            "group_ids": [_g("Sales")],
            "default_group_id": _g("Sales"),
            "recorded": False,
            "outbound_enabled": True,
        },
        {"voicemail": False, "wrap_up_time_limit": 60},
    ),
    NumberSpec(
        "US",
        True,
        "888",
        "5550142",
        {
            "nickname": "Billing hotline",
            "group_ids": [_g("Billing")],
            "default_group_id": _g("Billing"),
            "greeting_ids": [360004002],
        },
        {"overflow_number": {"enabled": True, "number": "+14155550134"}},
    ),
    NumberSpec("US", False, "512", "5550111", {"recorded": True, "transcription": True}),
    NumberSpec(
        "CA",
        False,
        "416",
        "5550123",
        {
            "nickname": "Toronto Support",
            "group_ids": [_g("Support")],
            "default_group_id": _g("Support"),
            "schedule_id": 360003001,
        },
        {"callback_locale": "fr"},
    ),
    NumberSpec("CA", True, "855", "5550167", {"nickname": "Canada toll-free", "outbound_enabled": False}),
    NumberSpec(
        "GB",
        False,
        "20",
        "79460321",
        {
            "nickname": "London Support",
            "group_ids": [_g("EMEA Support")],
            "default_group_id": _g("EMEA Support"),
            "schedule_id": 360003002,
            "recorded": True,
        },
        {"call_recording_delete_after": "1.years", "forwarding_caller_id": "talk_number"},
    ),
    NumberSpec("GB", True, "808", "1570192", {"nickname": "UK freephone", "ivr_id": 360002002}),
    NumberSpec(
        "IE",
        False,
        "1",
        "5550147",
        {
            "nickname": "Dublin Support",
            "group_ids": [_g("EMEA Support")],
            "default_group_id": _g("EMEA Support"),
            "transcription": True,
        },
        {"voicemail_recording_delete_after": "3.months"},
    ),
    NumberSpec(
        "DE",
        False,
        "30",
        "12345678",
        {
            "nickname": "Berlin VIP",
            "group_ids": [_g("VIP")],
            "default_group_id": _g("VIP"),
            "recorded": False,
        },
    ),
    NumberSpec(
        "AU",
        False,
        "2",
        "91234567",
        {
            "nickname": "Sydney Support",
            "group_ids": [_g("Support")],
            "default_group_id": _g("Support"),
            "schedule_id": 360003003,
        },
    ),
]


def phone_number_record(
    *,
    number_id: int,
    plan: CountryPlan,
    number_range: NumberRange,
    national: str,
    toll_free: bool,
    created_at: str,
    messaging: tuple[bool, bool],
    outbound: bool,
    alternative: bool = False,
) -> dict[str, Any]:
    """A full phone number object with a freshly provisioned number's defaults (registry: new-number-defaults;
    ``alternative``: the other example values --accept-inferred gives a bought number). ``messaging`` is
    (sms, mms); ``outbound`` whether the number can call out (registry: toll-free-outbound)."""
    display = plan.formatter(number_range.prefix, national)
    sms, mms = messaging
    return {
        "id": number_id,
        "ai_agent_enabled": False,
        "bot_id": None,
        "brand_id": None if alternative else 1,
        "call_recording_consent": "always",
        "capabilities": {
            "emergency_address": plan.emergency_address and not toll_free,
            "mms": mms,
            "sms": sms,
            "voice": True,
        },
        "categorised_greetings": dict(CATEGORISED_GREETINGS),
        "categorised_greetings_with_sub_settings": {
            "1": {
                "voicemail_on_outside_business_hours": "voicemail_en",
                "voicemail_on_inside_business_hours": "voicemail_en",
                "voicemail_off_inside_business_hours": "voicemail_en_voicemail_config",
                "voicemail_off_outside_business_hours": "voicemail_en_voicemail_config",
            },
            "2": {"voicemail_on": "available_en", "voicemail_off": "available_en_voicemail_config"},
            **{k: v for k, v in CATEGORISED_GREETINGS.items() if k not in ("1", "2")},
        },
        "country_code": plan.code,
        "created_at": created_at,
        "default_greeting_ids": list(DEFAULT_GREETING_IDS),
        "default_group_id": None,
        "display_number": display,
        "external": False,
        "failover_number": None,
        "greeting_ids": [],
        "group_ids": [],
        "ivr_id": None,
        "line_type": "phone",
        "location": number_range.location,
        "name": display,
        "nickname": None,
        "number": e164(plan, national),
        "outbound_enabled": outbound,
        "post_call_voice_ai_enabled": False,
        "priority": 0,
        "recorded": not alternative,
        "schedule_id": None,
        "sms_enabled": False,
        "sms_group_id": None,
        "toll_free": toll_free,
        "transcription": False,
        "voice_enabled": True,
        "voice_qa_enabled": False,
    }


def generated_numbers(rng: random.Random, count: int) -> list[tuple[str, bool, NumberRange, str]]:
    """``count`` distinct (country, toll_free, range, national digits) for large benchmark accounts."""
    plans = list(COUNTRIES.values())
    seen: set[str] = set()
    out: list[tuple[str, bool, NumberRange, str]] = []
    while len(out) < count:
        plan = rng.choice(plans)
        toll_free = rng.random() < 0.2
        number_range = rng.choice(plan.toll_free if toll_free else plan.local)
        digits = "".join(rng.choice("0123456789") for _ in range(number_range.length - len(number_range.prefix)))
        national = number_range.prefix + digits
        if national in seen:
            continue
        seen.add(national)
        out.append((plan.code, toll_free, number_range, national))
    return out
