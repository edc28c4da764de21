"""A bulk change's plan: exactly which numbers a person confirms, and the values each held when it was shown.

The plan is worked out from the account's listing, not from a read of every number, so a preview of thousands
of numbers costs the listing (a page per 100 numbers) and is told in bounded words whatever the count: how many
numbers match, how many would change, grouped by the values they hold now, with a few examples per group. The
listing carries every attribute (``recorded``, ``group_ids``, ...), so their before-values are pinned from it.
Settings (``settings.voicemail``, ...) are returned number by number only: for a few numbers (READ_AT_PREVIEW)
each is read at the preview and pinned too; for more, the preview says they are read from each number when the
change runs, and a number that already has them is left as it is.

The plan is kept in the ledger under its handle (``p`` and 10 letters, a digest of every target and value and
of the change), so a later call on any replica applies exactly it (``plan=``), once: the job that applies it is
recorded in the plan, and the same preview made again after that gets a handle of its own.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from voice_tools.client import ZendeskError
from voice_tools.guard.ledger.base import HANDLE_ALPHABET
from voice_tools.models import PhoneNumber, PhoneNumberDetails

from ..state import AppState
from .describe import change_words, counted, number_label, numbers_text, sentence
from .errors import explain, message, tool_error
from .filters import voicemail_within_bounds
from .groups import GroupNameError
from .invalid import invalid_arguments
from .number_changes import SETTING, Request, parse_request
from .number_changes import plan as read_one
from .references import includes_for, preview_warnings, requested_fields
from .results import Change
from .selection import Selection

TOOL = "update_numbers"
READ_AT_PREVIEW = 25  # a change with settings reads each number at the preview up to this many
READ_CONCURRENCY = 8
PLAN_TTL_SECONDS = 3600  # a preview's plan can be confirmed (by its handle) for an hour
SHOWN_GROUPS, SHOWN_EXAMPLES, SHOWN_WARNINGS = 5, 3, 5
PLAN_HANDLE = re.compile(f"p[{HANDLE_ALPHABET}]{{10}}")
Failure = Literal["not_applied", "unknown", "changed_since_preview", "gone"]


class NumberOutcome(BaseModel):
    """A number the job did not change as asked, and why."""

    phone_number_id: int
    number: str | None = None
    outcome: Failure
    reason: str | None = None


class BeforeGroup(BaseModel):
    """Numbers that hold the same values now: how many, and a few of them."""

    before: dict[str, Any]
    count: int
    examples: list[str]


class Flag(BaseModel):
    """A warning the preview gives (Zendesk decides), and how many numbers it concerns."""

    warning: str
    count: int


@dataclass(frozen=True)
class Target:
    """One number the plan changes: the values it held when shown (each field of the change, settings only
    when read at the preview), checked again before it is sent."""

    id: int
    number: str | None
    name: str | None
    before: dict[str, Any]

    def as_record(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "name": self.name, "before": self.before}

    @classmethod
    def of(cls, row: dict[str, Any]) -> Target:
        return cls(int(row["id"]), row.get("number"), row.get("name"), dict(row.get("before") or {}))


@dataclass(frozen=True)
class BulkPlan:
    """What the person confirms, kept in the ledger under ``handle``."""

    handle: str
    request: Request
    targets: list[Target]  # would change (with settings unread: might)
    matched: int  # numbers the call named
    unchanged: int  # of those, numbers that already hold every value
    unread: list[str]  # settings of the change, read from each number when the job runs
    groups: list[BeforeGroup]  # the targets by the values they hold now (the most common first)
    warnings: list[Flag]
    summary: str
    job: str | None = None  # the job applying it, once confirmed
    account: int = 0  # numbers in the account when it was made (whether the job walks the listing)

    @property
    def wanted(self) -> dict[str, Any]:
        return wanted_of(self.request)

    def as_record(self) -> dict[str, Any]:
        return {
            "changes": self.request.wanted or None,
            "settings": self.request.settings.payload() if self.request.settings else None,
            "targets": [t.as_record() for t in self.targets],
            "matched": self.matched,
            "unchanged": self.unchanged,
            "unread": self.unread,
            "groups": [g.model_dump(mode="json") for g in self.groups],
            "warnings": [w.model_dump(mode="json") for w in self.warnings],
            "summary": self.summary,
            "job": self.job,
            "account": self.account,
        }


def wanted_of(request: Request) -> dict[str, Any]:
    """Every field of the change and its new value, settings as ``settings.name``."""
    settings = request.settings.payload() if request.settings else {}
    return dict(request.wanted) | {SETTING + name: value for name, value in settings.items()}


def values_of(number: PhoneNumber, fields: Iterable[str]) -> dict[str, Any]:
    """What ``number`` holds for these fields (settings only when it was read with them)."""
    attributes = number.model_dump(mode="json")
    settings = None if number.settings is None else number.settings.model_dump(mode="json")
    out: dict[str, Any] = {}
    for name in fields:
        if name.startswith(SETTING):
            if settings is not None:
                out[name] = settings.get(name.removeprefix(SETTING))
        else:
            out[name] = attributes.get(name)
    return out


# ------------------------------------------------------------------------------------------ targets
async def named_numbers(app: AppState, ids: list[int] | None, selection: Selection) -> tuple[list[PhoneNumber], int]:
    """The numbers a call names (its ids, each in the account, or what its filters match) and how many the
    account holds. Voicemail (a setting) is read for the numbers the other filters match, a bounded number."""
    if not ids and selection.empty:
        found = ["it names no numbers: give phone_number_ids, or filters (country, group, text, where, ...)"]
        raise ToolError(invalid_arguments(TOOL, found, fix=["phone_number_ids or a filter"]))
    try:
        numbers = await app.directory.numbers()  # at most a minute old: each target is checked again when sent
        if ids and not {n.id for n in numbers} >= set(ids):
            numbers = await app.directory.numbers(fresh=True)  # a number bought a moment ago
    except ZendeskError as error:
        raise tool_error(error, subject="the list of numbers") from None
    if ids:
        by_id = {n.id: n for n in numbers}
        if unknown := [i for i in ids if i not in by_id]:
            found = [f"phone_number_ids: the account has no number {', '.join(map(str, unknown))}"]
            raise ToolError(invalid_arguments(TOOL, found, fix=["phone_number_ids"]))
        chosen = [n for n in (by_id[i] for i in dict.fromkeys(ids)) if selection.matches(n)]
    else:
        chosen = [n for n in numbers if selection.matches(n)]
    if selection.where.needs_settings:
        voicemail = await voicemail_within_bounds(app.client, chosen)
        chosen = [n for n in chosen if voicemail[n.id] == selection.where.voicemail]
    return chosen, len(numbers)


async def group_id(app: AppState, group: int | str | None) -> int | None:
    if group is None:
        return None
    try:
        return await app.groups.resolve(group)
    except GroupNameError as error:
        raise ToolError(invalid_arguments(TOOL, [f"group: {error}"], fix=["group"])) from None
    except ZendeskError as error:
        raise tool_error(error, subject="the account's groups") from None


# ------------------------------------------------------------------------------------------ the plan
async def make_plan(
    app: AppState,
    numbers: list[PhoneNumber],
    changes: dict[str, Any] | None,
    settings: dict[str, Any] | None,
    account: int,
) -> BulkPlan:
    """Work out the change for these numbers (before-values from the listing; settings read for a few, or
    left to the job), keep the plan in the ledger and return it."""
    first = numbers[0].id if numbers else None
    request = await parse_request(app, first, changes, settings, TOOL)
    wanted = wanted_of(request)
    has_settings = any(f.startswith(SETTING) for f in wanted)
    if has_settings and len(numbers) <= READ_AT_PREVIEW:
        read, problems = await _read_each(app, numbers, request)
    else:
        read, problems = list(numbers), []
    details = await _side_loads(app, first, request) if read else None
    targets: list[Target] = []
    groups, flags = Counter[str](), Counter[str]()
    befores: dict[str, list[PhoneNumber]] = {}
    unchanged = 0
    for n in read:
        before = values_of(n, wanted)
        diff = [Change(field=f, before=before.get(f), after=v) for f, v in wanted.items() if before.get(f) != v]
        if not diff and all(f in before for f in wanted):
            unchanged += 1
            continue
        targets.append(Target(n.id, n.number, n.nickname or n.name, before))
        key = json.dumps(before, sort_keys=True, default=str)
        groups[key] += 1
        befores.setdefault(key, []).append(n)
        side_loaded = details.model_copy(update={"phone_number": n}) if details else PhoneNumberDetails(phone_number=n)
        warned = preview_warnings(diff, side_loaded)
        flags.update(warned)
    flags.update(problems)
    unread = sorted(f for f in wanted if f.startswith(SETTING) and any(f not in t.before for t in targets))
    shown_groups = [
        BeforeGroup(
            before=json.loads(key),
            count=count,
            examples=[number_label(n) for n in befores[key][:SHOWN_EXAMPLES]],
        )
        for key, count in groups.most_common(SHOWN_GROUPS)
    ]
    warnings = [Flag(warning=w, count=c) for w, c in flags.most_common(SHOWN_WARNINGS)]
    plan = BulkPlan(
        handle="",
        request=request,
        targets=targets,
        matched=len(numbers),
        unchanged=unchanged,
        unread=unread,
        groups=shown_groups,
        warnings=warnings,
        summary="",
        account=account,
    )
    handle = await _free_handle(app, plan)
    ids = {t.id for t in targets}
    changing = [n for n in read if n.id in ids]
    summary = f"{await _words(app, plan, changing)} (Plan {handle}.)"
    made = replace(plan, handle=handle, summary=summary)
    await save_plan(app, made)
    return made


async def _read_each(
    app: AppState, numbers: list[PhoneNumber], request: Request
) -> tuple[list[PhoneNumber], list[str]]:
    """Each number read with its settings (a few of them), and what could not be read."""
    read: dict[int, PhoneNumber] = {}
    problems: list[str] = []
    limiter = anyio.CapacityLimiter(READ_CONCURRENCY)

    async def one(n: PhoneNumber) -> None:
        async with limiter:
            try:
                read[n.id] = (await read_one(app, n.id, request)).current
            except ZendeskError as error:
                problems.append(f"{n.number or n.id} could not be read, so it is left out: {explain(error)}")

    async with anyio.create_task_group() as group:
        for n in numbers:
            group.start_soon(one, n)
    return [read[n.id] for n in numbers if n.id in read], problems


async def _side_loads(app: AppState, first: int | None, request: Request) -> PhoneNumberDetails | None:
    """The account's groups, IVRs, ... (what the change refers to), read once with one number, for the
    preview's warnings; None when the change refers to nothing."""
    includes = includes_for(requested_fields(request.wanted, request.settings))
    if first is None or not includes:
        return None
    try:
        return await app.client.get_number(first, includes)
    except ZendeskError:
        return None  # the warnings are advice: without the lists, none is given


def _digest(plan: BulkPlan, salt: str) -> str:
    rows = sorted((t.id, sorted(t.before.items())) for t in plan.targets)
    blob = json.dumps([rows, plan.wanted, plan.unread, salt], default=str)
    digest = hashlib.sha256(blob.encode()).digest()
    return "p" + "".join(HANDLE_ALPHABET[b % len(HANDLE_ALPHABET)] for b in digest[:10])


async def _free_handle(app: AppState, plan: BulkPlan) -> str:
    """The plan's handle: a digest of every target, value and the change, so the same preview made twice (the
    2026-07-28 era's second round) is the same plan; once a plan was applied, the same preview made again is a
    new plan (salted with that job), not a way back to the old one."""
    salt = ""
    handle = _digest(plan, salt)
    while (kept := await app.guard.ledger.load_record(handle)) is not None and kept.get("job"):
        salt += str(kept["job"])
        handle = _digest(plan, salt)
    return handle


async def _words(app: AppState, plan: BulkPlan, changing: list[PhoneNumber]) -> str:
    """What the person confirms, in bounded words whatever the count."""
    try:
        groups = {int(g.id): g.name or str(g.id) for g in await app.groups.all() if str(g.id).isdigit()}
    except ZendeskError:
        groups = {}
    up_to = "up to " if plan.unread else ""
    told = f"{sentence(change_words(plan.wanted, groups))} for {up_to}{counted(len(plan.targets), 'number')}"
    told += f": {numbers_text(changing)}" if changing else ""
    if plan.unchanged:
        others = counted(plan.unchanged, "other matched number")
        told += f"; {others} already {'has' if plan.unchanged == 1 else 'have'} these values"
    if plan.unread:
        fields = ", ".join(plan.unread)
        told += f"; {fields} are read from each number when the change runs, and one that already has them is left"
    return told + "."


async def save_plan(app: AppState, plan: BulkPlan) -> None:
    await app.guard.ledger.save_record(plan.handle, plan.as_record(), PLAN_TTL_SECONDS)


async def load_plan(app: AppState, handle: str) -> BulkPlan:
    """A plan made by an earlier preview, or ToolError when it is unknown or expired (nothing changed)."""
    handle = handle.strip()
    record = await app.guard.ledger.load_record(handle) if PLAN_HANDLE.fullmatch(handle) else None
    if record is None:
        raise ToolError(
            message(
                f"there is no change plan {handle!r}: it was never made on this server or is over an hour old",
                "no, not with this plan",
                "call update_numbers with dry_run=true for a new plan and show the user its preview",
            )
        )
    return await plan_of(app, handle, record)


async def plan_of(app: AppState, handle: str, record: dict[str, Any]) -> BulkPlan:
    request = await parse_request(app, None, record["changes"] or None, record["settings"], TOOL)
    return BulkPlan(
        handle=handle,
        request=request,
        targets=[Target.of(t) for t in record["targets"]],
        matched=int(record["matched"]),
        unchanged=int(record["unchanged"]),
        unread=list(record["unread"]),
        groups=[BeforeGroup.model_validate(g) for g in record["groups"]],
        warnings=[Flag.model_validate(w) for w in record["warnings"]],
        summary=str(record["summary"]),
        job=record.get("job"),
        account=int(record.get("account", 0)),
    )
