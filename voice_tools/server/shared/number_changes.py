"""Working out and applying a change to one number, for update_settings and update_numbers: parse the
request, read the number, diff, send what differs once, audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from voice_tools.client import APIConnectionError, InvalidRecordError, RateLimitError, ZendeskError
from voice_tools.client.errors import APIStatusError
from voice_tools.models import PhoneNumber, PhoneNumberSettings, PhoneNumberUpdate, SettingsUpdate

from ..state import AppState
from .errors import explain, message, tool_error, zendesk_words
from .groups import GroupNameError
from .invalid import invalid_arguments, problem
from .references import includes_for, preview_warnings, requested_fields
from .results import Change

WRITABLE = sorted(set(PhoneNumberUpdate.model_fields) - {"settings"})
SETTINGS = sorted(SettingsUpdate.model_fields)


def _problems(error: ValidationError, where: str) -> list[str]:
    problems: list[str] = []
    for item in error.errors(include_url=False):
        field = ".".join(str(p) for p in item["loc"]) or where
        if item["type"] == "extra_forbidden":
            read_only = field in PhoneNumber.read_only_fields() or field in {"token", "capabilities"}
            problems.append(f"{where}.{field} is " + ("read-only" if read_only else "not a writable field"))
        else:
            problems.append(problem(item, where=where))
    return problems


def _parse_all(
    changes: dict[str, Any] | None, settings: dict[str, Any] | None, tool: str = "update_settings"
) -> tuple[Any, Any]:
    """Both groups validated, every problem reported at once (a model fixes them in one go)."""
    parsed: list[Any] = []
    problems: list[str] = []
    allowed: list[str] = []
    for model, data, where, names in (
        (PhoneNumberUpdate, changes, "changes", WRITABLE),
        (SettingsUpdate, settings, "settings", SETTINGS),
    ):
        try:
            parsed.append(None if data is None else model.model_validate(data))
        except ValidationError as error:
            parsed.append(None)
            problems += _problems(error, where)
            if any(item["type"] == "extra_forbidden" for item in error.errors()):
                allowed.append(f"writable {where}: {', '.join(names)}")
    if problems:
        fix = [where for where, data in (("changes", changes), ("settings", settings)) if data is not None]
        raise ToolError(invalid_arguments(tool, problems, fix=fix, hint="; ".join(allowed)))
    return parsed[0], parsed[1]


SETTING = "settings."
GROUP_FIELDS = {"changes": ("group_ids", "default_group_id", "sms_group_id"), "settings": ("outbound_calls_group_ids",)}


async def _group_names_to_ids(
    app: AppState,
    phone_number_id: int | None,
    changes: dict[str, Any] | None,
    settings: dict[str, Any] | None,
    tool: str = "update_settings",
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Group names (where a group id is taken) replaced by their ids; an unknown or ambiguous name is
    refused with the candidates before anything else happens."""
    out: dict[str, dict[str, Any] | None] = {"changes": changes, "settings": settings}
    problems: list[str] = []
    for where, names in GROUP_FIELDS.items():
        values = out[where]
        if not isinstance(values, dict):
            continue
        resolved = dict(values)
        for name in names:
            value = values.get(name)
            items = value if isinstance(value, list) else [value]
            if not any(isinstance(i, str) for i in items):
                continue  # ids only (or nothing): validated as they are
            ids: list[Any] = []
            for item in items:
                try:
                    ids.append(
                        await app.groups.resolve(item, via_number_id=phone_number_id) if isinstance(item, str) else item
                    )
                except GroupNameError as error:
                    problems.append(f"{where}.{name}: {error}")
                except ZendeskError as error:
                    raise tool_error(error, subject="the account's groups") from None
            resolved[name] = ids if isinstance(value, list) else ids[0]
        out[where] = resolved
    if problems:
        raise ToolError(invalid_arguments(tool, problems, fix=[p.split(":")[0] for p in problems]))
    return out["changes"], out["settings"]


def _diff(wanted: dict[str, Any], current: dict[str, Any], prefix: str = "") -> list[Change]:
    return [
        Change(field=prefix + name, before=current.get(name), after=value)
        for name, value in wanted.items()
        if current.get(name) != value
    ]


def _request(changes: list[Change]) -> PhoneNumberUpdate:
    """The update that makes exactly these changes (settings nested, as Zendesk takes them)."""
    attributes = {c.field: c.after for c in changes if not c.field.startswith(SETTING)}
    settings = {c.field.removeprefix(SETTING): c.after for c in changes if c.field.startswith(SETTING)}
    return PhoneNumberUpdate.model_validate(attributes | ({"settings": settings} if settings else {}))


async def _audit_failure(
    app: AppState, phone_number_id: int, current: PhoneNumber, diff: list[Change], error: ZendeskError
) -> tuple[str, list[str]]:
    """Audit a failed update truthfully, and say which fields took their new value anyway. ``not_applied``
    when it was never sent or Zendesk refused it as a whole (a 4xx other than 422); otherwise read the number
    back: the answer was lost, or Zendesk refused some fields (422), and no document says an update is all or
    nothing (registry: update-read-back). ``applied`` if every field has the new value, ``not_applied`` if
    none has, else ``unknown`` (also when it cannot be read)."""
    outcome, taken = "not_applied", []
    if not _definitely_not_applied(error):
        outcome = "unknown"
        try:
            now = (await app.client.get_number(phone_number_id, ["settings"])).phone_number
        except ZendeskError:
            now = None
        if now is not None:
            taken = [c.field for c in diff if _value(now, c.field) == c.after]
            outcome = "applied" if len(taken) == len(diff) else "not_applied" if not taken else "unknown"
    await app.guard.write_after(
        "update",
        phone_number_id=phone_number_id,
        number=current.number,
        fields=[c.field for c in diff],
        outcome=outcome,
        reason=error.message,
        applied_anyway=taken or None,
    )
    return outcome, taken


def _definitely_not_applied(error: ZendeskError) -> bool:
    if isinstance(error, APIConnectionError):
        return error.never_sent
    if isinstance(error, InvalidRecordError):
        return False  # a 422 may refuse some fields and apply others
    return isinstance(error, APIStatusError) and 400 <= error.status_code < 500


def _value(number: PhoneNumber, field: str) -> Any:
    if field.startswith(SETTING):
        return (number.settings or PhoneNumberSettings()).model_dump(mode="json").get(field.removeprefix(SETTING))
    return number.model_dump(mode="json").get(field)


@dataclass
class Request:
    """One update as asked: the attributes and the settings, parsed and with group names resolved."""

    attributes: PhoneNumberUpdate | None
    settings: SettingsUpdate | None

    @property
    def wanted(self) -> dict[str, Any]:
        return self.attributes.payload() if self.attributes else {}


@dataclass
class Planned:
    """One number's side of an update: what it holds now, what would change, and what the preview warns
    about (``references.preview_warnings``). ``problems`` are refusals a document states; there are none
    today (kept for the callers that read it: nothing is refused on an inference)."""

    phone_number_id: int
    current: PhoneNumber
    diff: list[Change]
    problems: list[tuple[str, str]]
    warnings: list[str]


@dataclass
class Applied:
    outcome: str  # applied, not_applied, unknown (as audited); deferred (rate limited, not audited: see apply)
    diff: list[Change]
    missed: list[str]
    error: ZendeskError | None = None  # what Zendesk answered, when it was not a 200
    applied_anyway: list[str] | None = None  # with an error: fields that took their new value regardless


async def parse_request(
    app: AppState,
    via_number_id: int | None,
    changes: dict[str, Any] | None,
    settings: dict[str, Any] | None,
    tool: str = "update_settings",
) -> Request:
    """Group names resolved, both groups validated with every problem reported, something to change."""
    changes, settings = await _group_names_to_ids(app, via_number_id, changes, settings, tool)
    attributes, new_settings = _parse_all(changes, settings, tool)
    if attributes is None and new_settings is None:
        raise ToolError(invalid_arguments(tool, ["it was given nothing to change"], fix=["changes or settings"]))
    return Request(attributes, new_settings)


async def plan(app: AppState, phone_number_id: int, request: Request) -> Planned:
    """Read the number (with what the referenced ids are checked against) and work out the change."""
    side_loads = includes_for(requested_fields(request.wanted, request.settings))
    details = await app.client.get_number(phone_number_id, ["settings", *side_loads])
    current = details.phone_number
    diff = _diff(request.wanted, current.model_dump(mode="json"))
    current_settings = (current.settings or PhoneNumberSettings()).model_dump(mode="json")
    diff += _diff(request.settings.payload() if request.settings else {}, current_settings, SETTING)
    return Planned(phone_number_id, current, diff, [], preview_warnings(diff, details))


async def apply(app: AppState, planned: Planned, *, defer_rate_limit: bool = False) -> Applied:
    """Send the change once and audit it; shielded, so a caller that goes away cannot leave it unaudited.
    A failure is audited truthfully (``_audit_failure``) and returned with its error, not raised.
    ``defer_rate_limit``: Zendesk's rate limit (a 429, or the account's pause: nothing was done) is no failure
    but ``deferred``, unaudited, for a caller that sends it again later (a bulk job waits it out)."""
    with anyio.CancelScope(shield=True), app.guard.in_flight.track():
        number_id, diff = planned.phone_number_id, [c.model_copy() for c in planned.diff]
        try:
            result = await app.client.update_number(number_id, _request(diff))
        except ZendeskError as error:
            if defer_rate_limit and isinstance(error, RateLimitError):
                return Applied("deferred", diff, [], error)
            outcome, taken = await _audit_failure(app, number_id, planned.current, diff, error)
            return Applied(outcome, diff, [], error, taken)
        # what Zendesk now holds; a field that did not take the requested value is said, never hidden
        missed = []
        for change in diff:
            applied = _value(result.phone_number, change.field)
            if applied != change.after:
                missed.append(change.field)
            change.after = applied
        outcome = "not_applied" if len(missed) == len(diff) else "applied"
        app.directory.forget()  # what a filter over the directory's listing would match may have changed
        await app.guard.write_after(
            "update",
            phone_number_id=number_id,
            number=planned.current.number,
            fields=[c.field for c in diff],
            outcome=outcome,
            not_applied=missed or None,  # fields Zendesk left as they were, though it answered 200
        )
    return Applied(outcome, diff, missed)


def refused_update(done: Applied, subject: str, warnings: list[str]) -> ToolError:
    """Zendesk refused the update (its own words are in the message), with what changed anyway, read back,
    and what the preview had warned about."""
    assert done.error is not None
    text = explain(done.error, subject=f"the update of {subject}", writes=True)
    if done.applied_anyway and isinstance(done.error, APIStatusError):
        text = message(
            f"Zendesk refused part of the update of {subject} ({zendesk_words(done.error)}), yet these fields "
            f"took their new values (read back): {', '.join(done.applied_anyway)}",
            "no, not as it is",
            "tell the user which fields changed and which did not, then fix the others and call again",
        )
    if warnings:
        text += f" Warned before sending: {'; '.join(warnings)}."
    return ToolError(text)
