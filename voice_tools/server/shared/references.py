"""What the preview of an update warns about, and never refuses: Zendesk's answer decides.

The server may refuse before sending only what a Zendesk document states or what it read from the account
through a documented endpoint. The checks here rest on neither alone, so each is a warning shown with the
preview (and with the answer), and the update is sent as asked:

- ids the update refers to (groups, IVRs, schedules, greetings) that the account's side-loaded lists do not
  hold: the lists come with the number itself (``include=``, in the one request an update makes anyway),
  but their shape is inferred (registry: side-load-shape), so a missing id may be a reading gap
  (registry: references-warn);
- SMS turned on where the number's ``capabilities.sms`` is false: the capability is documented, what
  Zendesk does about enabling SMS without it is not (registry: sms-capability-warn);
- outbound calling, overflow or callbacks turned on for a toll-free number outside the US, Canada and Japan:
  Zendesk's help centre says such numbers cannot call out (registry: toll-free-outbound-warn).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from voice_tools.models import Include, PhoneNumber, PhoneNumberDetails, SettingsUpdate

from .results import Change

SHOWN_CANDIDATES = 8
TOLL_FREE_OUTBOUND = ("US", "CA", "JP")
TOLL_FREE_PAGE = "support.zendesk.com/hc/en-us/articles/4408835827866"
# changes that need a number to call out (the help centre: "callback, overflow and call forwarding features
# rely on outbound calls")
NEEDS_OUTBOUND = ("outbound_enabled", "settings.allow_outbound_calls", "settings.callback_from_queue")

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


def preview_warnings(diff: list[Change], details: PhoneNumberDetails) -> list[str]:
    """What the preview should tell the user before the change is sent; the change is sent either way."""
    number = details.phone_number
    found: list[str] = []
    for change in diff:
        if change.field == "sms_enabled" and change.after and _cannot_sms(number):
            found.append(
                "sms_enabled: this number's capabilities.sms is false, so it may not send SMS; Zendesk decides"
            )
        if _calls_out(change) and _toll_free_without_outbound(number):
            found.append(
                f"{change.field}: Zendesk's help centre says toll-free numbers outside the US, Canada and Japan "
                f"cannot make outbound calls, which callbacks, overflow and forwarding need ({TOLL_FREE_PAGE})"
            )
        if missing := _missing_reference(change, details):
            found.append(missing)
    return found


def _missing_reference(change: Change, details: PhoneNumberDetails) -> str | None:
    if change.field not in REFERENCES or change.after is None:
        return None
    _, kind, attribute = REFERENCES[change.field]
    records = getattr(details, attribute)
    if records is None:
        return None  # not side-loaded: nothing to compare with
    known = {str(r.id) for r in records}
    wanted = change.after if isinstance(change.after, list) else [change.after]
    unknown = [str(i) for i in wanted if str(i) not in known]
    if not unknown:
        return None
    shown = sorted(records, key=lambda r: ((r.name or "").casefold(), str(r.id)))  # not in Zendesk's order
    names = ", ".join(f"{r.name} {r.id}" for r in shown[:SHOWN_CANDIDATES])
    more = f", and {len(records) - SHOWN_CANDIDATES} more" if len(records) > SHOWN_CANDIDATES else ""
    have = f"the account's {kind}s: {names}{more}" if records else f"the account lists no {kind}s"
    return (
        f"{change.field}: no {kind} with id {', '.join(unknown)} is among those Zendesk listed ({have}); "
        "Zendesk will likely refuse it"
    )


def _calls_out(change: Change) -> bool:
    if change.field == "settings.overflow_number":
        return isinstance(change.after, dict) and bool(change.after.get("enabled"))
    return change.field in NEEDS_OUTBOUND and bool(change.after)


def _toll_free_without_outbound(number: PhoneNumber) -> bool:
    return bool(number.toll_free) and (number.country_code or "").upper() not in TOLL_FREE_OUTBOUND


def _cannot_sms(number: PhoneNumber) -> bool:
    return number.capabilities is not None and number.capabilities.sms is False
