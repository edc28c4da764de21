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
