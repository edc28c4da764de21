"""The requests the live tests and the recorder make, and how a recorded answer is scrubbed.

One list serves both: the contract tests send these to the sandbox (always) and to a real account (with
``VOICE_TOOLS_LIVE=1``); ``python -m tests.live.record`` sends them to a real account and writes the
scrubbed answers to ``tests/data/recorded/``, which ``tests/sandbox/test_recorded.py`` replays against the
sandbox field by field. Every probe reads; nothing here writes to an account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

VOICE = "/api/v2/channels/voice"
FIRST_ID = "{first_id}"  # in a path: the first number the account lists (resolved when sent)
MISSING_ID = "1"  # no account has a phone number with id 1


@dataclass(frozen=True)
class Probe:
    name: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    body: dict[str, Any] | None = None


PROBES: tuple[Probe, ...] = (
    Probe("list_numbers", f"{VOICE}/phone_numbers", {"per_page": "2"}),
    Probe("list_numbers_minimal", f"{VOICE}/phone_numbers", {"per_page": "2", "minimal_mode": "true"}),
    Probe("show_number", f"{VOICE}/phone_numbers/{FIRST_ID}"),
    Probe("show_number_with_settings", f"{VOICE}/phone_numbers/{FIRST_ID}", {"include": "settings"}),
    Probe("search_us", f"{VOICE}/phone_numbers/search", {"country": "US"}),
    Probe("search_us_toll_free", f"{VOICE}/phone_numbers/search", {"country": "US", "toll_free": "true"}),
    Probe("search_without_country", f"{VOICE}/phone_numbers/search"),
    Probe("list_addresses", f"{VOICE}/addresses"),
    Probe("number_not_found", f"{VOICE}/phone_numbers/{MISSING_ID}"),
)
# zendesk-api-behaviour.md: what minimal_mode=true keeps of a number (the tests' own copy, kept apart from the
# sandbox's, so one mistake cannot hide its twin)
MINIMAL_FIELDS = frozenset(
    {
        "id",
        "country_code",
        "external",
        "nickname",
        "display_number",
        "capabilities",
        "sms_enabled",
        "priority",
        "outbound_enabled",
        "line_type",
    }
)
KEPT_HEADERS = ("content-type", "x-rate-limit", "x-rate-limit-remaining", "x-zendesk-api-version", "retry-after")

# ----------------------------------------------------------------------------------------------- scrubbing
# Whatever names a person, a business or a place the account is in, and whatever could be replayed (tokens,
# address SIDs), is replaced by a placeholder of the same JSON type. Ids, flags, prices, codes and shapes stay:
# they are what the comparison needs, and say nothing about anyone.
PERSONAL = {
    "name",
    "nickname",
    "street",
    "city",
    "zip",
    "province",
    "state",
    "location",
    "email",
    "failover_number",
    "overflow_number",
    "description_of_the_caller",
}
SECRET = {"token", "provider_reference", "address_sid"}
DIGITS = re.compile(r"\d")
PHONE = re.compile(r"^\+?[\d ()\-]{7,}$")
URL = re.compile(r"https?://[^/\s\"]+")


def scrub_phone(value: str) -> str:
    """Keep the shape and the country code where a space shows where it ends, replace every other digit:
    "+1 (205) 953-1462" → "+1 (555) 555-5555"; "+12059531462" → "+15555555555" (only the first digit is
    kept where nothing shows how long the country code is)."""
    match = re.match(r"^(\+\d{1,3})(?=[ (])(.*)$", value) or re.match(r"^(\+\d)(.*)$", value)
    head, rest = (match.group(1), match.group(2)) if match else ("", value)
    return head + DIGITS.sub("5", rest)


def scrub(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    if not isinstance(value, str):
        return value
    if key in SECRET:
        return f"<{key}>"
    if key in PERSONAL:
        return f"<{key}>" if not PHONE.match(value) else scrub_phone(value)
    if key in {"number", "display_number"} or PHONE.match(value):
        return scrub_phone(value)
    return URL.sub("https://example.zendesk.com", value)


def scrub_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() in KEPT_HEADERS}


# ------------------------------------------------------------------------------- what a replay compares
# Values that are the recorded account's own (its ids, names, numbers, settings, what uses what): a sandbox is
# another account, so these are compared by type; everything else (Zendesk's codes, shapes, system values)
# by value. Scrubbed secrets are compared by their shape.
ACCOUNT_KEYS = PERSONAL | {
    "id",
    "number",
    "display_number",
    "created_at",
    "count",
    "next_page",
    "previous_page",
    "group_ids",
    "default_group_id",
    "greeting_ids",
    "ivr_id",
    "schedule_id",
    "sms_group_id",
    "brand_id",
    "priority",
    "sms_enabled",
    "recorded",
    "transcription",
    "outbound_enabled",
    "country_code",
    "toll_free",
    "price",
    "address_requirements",
    "capabilities",
    "settings",
    "call_recording_consent",
    "phone_number_ids",
    "active",
}
SHAPES = {"provider_reference": r"^AD[0-9a-f]{32}$", "token": r"^[0-9a-f]{16,64}$"}


def replay_rules(body: Any) -> dict[str, Any]:
    """For a recorded body: which values are the account's own (``account_values``), which scrubbed ones
    must keep their shape (``patterns``), and how its lists of records are matched (``match``: any)."""
    account: set[str] = set()
    patterns: dict[str, str] = {}
    match: dict[str, str] = {}

    def walk(node: Any, pattern: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                inner = f"{pattern}.{key}" if pattern else key
                if key in SHAPES and isinstance(value, str) and value.startswith("<"):
                    patterns[inner] = SHAPES[key]
                    account.add(inner)
                elif key in ACCOUNT_KEYS or key in SECRET:
                    account.add(inner)
                else:
                    walk(value, inner)
        elif isinstance(node, list) and any(isinstance(item, dict) for item in node):
            match[pattern] = "any"
            for item in node:
                walk(item, pattern + "[]")

    walk(body, "")
    return {"account_values": sorted(account), "patterns": patterns, "match": match}
