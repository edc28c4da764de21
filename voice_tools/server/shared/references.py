"""Ids an update refers to (groups, IVRs, schedules, greetings) checked against the account before
anything is sent, so that a dry run says what the real call would, and a real call with a wrong id
never reaches Zendesk.

The account's groups, IVRs, schedules and greetings come side-loaded with the number itself
(``include=``), in the one request an update makes anyway. Where an answer carries no side-load (its
shape is inferred: Zendesk's documents name the includes but not the answer), nothing is refused here
and Zendesk's own 422 decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from voice_tools.models import Include, PhoneNumber, PhoneNumberDetails, SettingsUpdate

from .results import Change

SHOWN_CANDIDATES = 8

# field -> (what include= side-loads it, its name in a message, the details attribute holding them)
REFERENCES: dict[str, tuple[Include, str, str]] = {
    "group_ids": ("all_groups", "group", "groups"),
    "default_group_id": ("all_groups", "group", "groups"),
    "sms_group_id": ("all_groups", "group", "groups"),
    "settings.outbound_calls_group_ids": ("all_groups", "group", "groups"),
    "greeting_ids": ("all_greetings", "greeting", "greetings"),
    "ivr_id": ("ivrs", "IVR", "ivrs"),
    "schedule_id": ("all_schedules", "schedule", "schedules"),
}


def includes_for(fields: Iterable[str]) -> list[Include]:
    """The side-loads needed to check these requested fields (``settings.x`` for settings)."""
    return sorted({REFERENCES[f][0] for f in fields if f in REFERENCES})


def requested_fields(changes: dict[str, Any], settings: SettingsUpdate | None) -> list[str]:
    named = list(changes)
    if settings is not None:
        named += [f"settings.{name}" for name in settings.payload()]
    return named


def reference_problems(diff: list[Change], details: PhoneNumberDetails) -> list[tuple[str, str]]:
    """(field, problem) for every changed field that names something the account does not have, and for
    SMS turned on where the number cannot send it."""
    found: list[tuple[str, str]] = []
    for change in diff:
        if change.field == "sms_enabled" and change.after and not _can_sms(details.phone_number):
            found.append(("sms_enabled", "this number cannot send SMS (capabilities.sms is false)"))
        if change.field not in REFERENCES or change.after is None:
            continue
        _, kind, attribute = REFERENCES[change.field]
        records = getattr(details, attribute)
        if records is None:
            continue  # not side-loaded: nothing to check against, so Zendesk decides (never a false refusal)
        known = {str(r.id) for r in records}
        wanted = change.after if isinstance(change.after, list) else [change.after]
        if unknown := [str(i) for i in wanted if str(i) not in known]:
            names = ", ".join(f"{r.name} {r.id}" for r in records[:SHOWN_CANDIDATES])
            more = f", and {len(records) - SHOWN_CANDIDATES} more" if len(records) > SHOWN_CANDIDATES else ""
            have = f"the account's {kind}s: {names}{more}" if records else f"the account has no {kind}s"
            found.append((change.field, f"no {kind} with id {', '.join(unknown)} ({have})"))
    return found


def _can_sms(number: PhoneNumber) -> bool:
    return bool(number.capabilities and number.capabilities.sms)
