"""update_numbers (toolset ``bulk``): one change over several numbers, one preview, one confirmation.

"Move every number in the Sales group to Support" is one dry run (every number's before and after) and
one confirmed call, instead of a dry run and a change per number. The numbers are given by id, or by
the same filters list_numbers takes (country, group, text); at most MAX_NUMBERS in one call. The yes is
asked as for a purchase (a form; a code where the operator allows codes; the operator's policy in
``preapproved`` mode), since one call changes many lines at once. Each number is then read, checked
(referenced ids exist), changed once and audited on its own: the answer lists each number's outcome
(applied, not_applied, unknown, unchanged, refused), so nothing fails silently halfway.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import (
    Context,
    ElicitationResult,
    Resolve,
)
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, StrictBool

from voice_tools.client import ZendeskError
from voice_tools.guard import CodeSubject
from voice_tools.models import PhoneNumber

from ..shared.arguments import Country, PhoneNumberId
from ..shared.confirmed import Asked, NothingToConfirm, Words, ask, conclude, guarded
from ..shared.errors import explain, message, tool_error
from ..shared.groups import GroupNameError
from ..shared.invalid import invalid_arguments
from ..shared.number_changes import Planned, Request, apply, parse_request, plan
from ..shared.results import Change, respond
from ..state import AppState, state

MAX_NUMBERS = 100
CONCURRENCY = 8
DESCRIPTION = (
    "Apply one change (changes/settings, as update_settings) to several numbers, by phone_number_ids or by filter "
    "(country, group, text). Call with dry_run=true first; applying asks the user once for all."
)
CHANGE = Words(
    "apply",
    "changes several numbers at once",
    "not applied",
    "change the numbers one by one",
    "nothing changed",
    "the change",
)
Outcome = Literal["applied", "not_applied", "unknown", "unchanged", "refused", "would_change"]


class ConfirmBulk(BaseModel):
    confirm: StrictBool = Field(default=False, description="Yes, apply this change to all of these numbers")


class NumberOutcome(BaseModel):
    phone_number_id: int
    number: str | None = None
    outcome: Outcome
    changes: list[Change] | None = None
    reason: str | None = None


class BulkResult(BaseModel):
    applied: bool
    numbers: list[NumberOutcome]
    confirmation_code: str | None = None
    summary: str | None = None
    next_step: str


async def targets(
    app: AppState,
    ids: list[int] | None,
    country: str | None,
    group: int | str | None,
    text: str | None,
) -> list[PhoneNumber]:
    """The numbers a call names: its ids (each must be in the account), or what its filters match."""
    if not ids and country is None and group is None and text is None:
        found = ["it names no numbers: give phone_number_ids, or country, group or text"]
        raise ToolError(invalid_arguments("update_numbers", found, fix=["phone_number_ids or a filter"]))
    try:
        # the directory's listing (at most a minute old, shared by the resolver and the body): each number
        # is read afresh before it is changed (update.plan), so the targets need no listing of their own
        numbers = await app.directory.numbers()
        if ids and not {n.id for n in numbers} >= set(ids):
            numbers = await app.directory.numbers(fresh=True)  # a number bought a moment ago
        group_id = None if group is None else await app.groups.resolve(group)
    except GroupNameError as error:
        raise ToolError(invalid_arguments("update_numbers", [f"group: {error}"], fix=["group"])) from None
    except ZendeskError as error:
        raise tool_error(error, subject="the list of numbers") from None
    if ids:
        by_id = {n.id: n for n in numbers}
        if unknown := [i for i in ids if i not in by_id]:
            found = [f"phone_number_ids: the account has no number {', '.join(map(str, unknown))}"]
            raise ToolError(invalid_arguments("update_numbers", found, fix=["phone_number_ids"]))
        chosen = [by_id[i] for i in dict.fromkeys(ids)]
    else:
        needle = (text or "").strip().lower()
        chosen = [
            n
            for n in numbers
            if (country is None or n.country_code == country)
            and (group_id is None or group_id in (n.group_ids or []) or n.default_group_id == group_id)
            and (not needle or needle in f"{n.nickname or ''} {n.number or ''}".lower())
        ]
    if len(chosen) > MAX_NUMBERS:
        raise ToolError(
            message(
                f"{len(chosen)} numbers match; one call changes at most {MAX_NUMBERS}",
                "no, not as it is",
                "narrow with country, group or text, or pass phone_number_ids in batches",
            )
        )
    return chosen


def summary(numbers: list[PhoneNumber], changes: dict[str, Any] | None, settings: dict[str, Any] | None) -> str:
    what = json.dumps({k: v for k, v in (("changes", changes), ("settings", settings)) if v}, ensure_ascii=False)
    listed = ", ".join(n.number or str(n.id) for n in numbers[:10])
    more = f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    return f"Apply {what} to {len(numbers)} number(s): {listed}{more}."


def code_key(numbers: list[PhoneNumber], changes: dict[str, Any] | None, settings: dict[str, Any] | None) -> str:
    """A code confirms exactly this change to exactly these numbers."""
    blob = json.dumps([sorted(n.id for n in numbers), changes, settings], sort_keys=True, default=str)
    return "bulk-" + hashlib.sha256(blob.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class BulkPlan:
    numbers: list[PhoneNumber]
    request: Request
    summary: str
    key: str


@dataclass(frozen=True)
class BulkChange:
    """One update_numbers call (not a dry run) as a confirmed action (``shared/confirmed.py``)."""

    changes: dict[str, Any] | None
    settings: dict[str, Any] | None
    ids: list[int] | None
    country: str | None
    group: int | str | None
    text: str | None
    tool = "update_numbers"
    words = CHANGE
    form = ConfirmBulk
    page_asks = False

    async def prepare(self, app: AppState) -> BulkPlan:
        numbers = await targets(app, self.ids, self.country, self.group, self.text)
        first = numbers[0].id if numbers else None
        request = await parse_request(app, first, self.changes, self.settings, self.tool)
        return BulkPlan(
            numbers,
            request,
            summary(numbers, self.changes, self.settings),
            code_key(numbers, self.changes, self.settings),
        )

    def summary(self, plan: BulkPlan) -> str:
        return plan.summary

    def code_subject(self, plan: BulkPlan) -> CodeSubject:
        return CodeSubject(
            key=plan.key,
            binding=plan.key,
            event="update",
            this="this change to these numbers",
            fresh="Call update_numbers again without a code, show the user the new summary and wait for their yes",
            audit={"count": len(plan.numbers)},
        )

    async def record_no(self, app: AppState, plan: BulkPlan, how: str, why: str) -> None:
        await app.guard.write("update", outcome="not_applied", confirmed_by=how, reason=why, count=len(plan.numbers))

    async def answered_no(self, app: AppState, plan: BulkPlan, next_step: str) -> CallToolResult:
        return respond(BulkResult(applied=False, numbers=[], summary=plan.summary, next_step=next_step))

    async def awaiting(self, app: AppState, plan: BulkPlan, next_step: str, code: str | None) -> CallToolResult:
        preview = [_preview(p) for p in await _plan_all(app, plan.numbers, plan.request)]
        return respond(
            BulkResult(
                applied=False, numbers=preview, summary=plan.summary, confirmation_code=code, next_step=next_step
            )
        )

    def code_next_step(self) -> str:
        return (
            "Nothing changed yet. Show the user the summary; only after their yes, call again with the same arguments "
            "and this confirmation_code."
        )

    async def perform(self, app: AppState, plan: BulkPlan, confirmed_by: str, code: str | None) -> CallToolResult:
        if code is not None:
            await guarded(self.tool, CHANGE, lambda: app.guard.codes.redeem(self.code_subject(plan), code))
        planned = await _plan_all(app, plan.numbers, plan.request)
        results = await _apply_all(app, planned)
        app.directory.forget()  # routing changed: the next filter reads the account again
        done = sum(1 for r in results if r.outcome == "applied")
        problems = [r for r in results if r.outcome in ("not_applied", "unknown", "refused")]
        next_step = f"Applied to {done} of {len(results)}."
        if problems:
            next_step += " Tell the user which were not (reason given), and check the unknown ones with get_number."
        return respond(BulkResult(applied=done > 0, numbers=results, summary=plan.summary, next_step=next_step))


async def ask_for_confirmation(
    ctx: Context[Any, Any],
    changes: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    phone_number_ids: list[int] | None = None,
    country: str | None = None,
    group: int | str | None = None,
    text: str | None = None,
    dry_run: bool = False,
) -> Asked:
    if dry_run:
        return NothingToConfirm(reason="a dry run changes nothing")
    return await ask(ctx, BulkChange(changes, settings, phone_number_ids, country, group, text))


async def update_numbers(
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmBulk], Resolve(ask_for_confirmation)],
    changes: Annotated[dict[str, Any] | None, Field(description="Attributes, as update_settings")] = None,
    settings: Annotated[dict[str, Any] | None, Field(description="Settings, as update_settings")] = None,
    phone_number_ids: Annotated[list[PhoneNumberId] | None, Field(max_length=MAX_NUMBERS)] = None,
    country: Country | None = None,
    group: Annotated[int | str | None, Field(description="Group name or id")] = None,
    text: Annotated[str | None, Field(max_length=64, description="Match in nickname or number")] = None,
    dry_run: Annotated[bool, Field(description="true: show every number's change, change nothing")] = False,
    confirmation_code: Annotated[str | None, Field(max_length=12)] = None,
) -> Annotated[CallToolResult, BulkResult]:
    action = BulkChange(changes, settings, phone_number_ids, country, group, text)
    if not dry_run:
        return await conclude(ctx, action, confirmation, confirmation_code)
    app = state(ctx)
    plan = await action.prepare(app)
    preview = [_preview(p) for p in await _plan_all(app, plan.numbers, plan.request)]
    changing = sum(1 for p in preview if p.outcome == "would_change")
    return respond(
        BulkResult(
            applied=False,
            numbers=preview,
            summary=plan.summary,
            next_step=f"{changing} of {len(preview)} would change. Show the user; call again with dry_run=false "
            "to apply (they confirm once).",
        )
    )


async def _plan_all(app: AppState, numbers: list[PhoneNumber], request: Request) -> list[Planned | NumberOutcome]:
    """Every number read and its change worked out, a few at a time; one that cannot be read is refused."""
    found: dict[int, Planned | NumberOutcome] = {}
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(n: PhoneNumber) -> None:
        async with limiter:
            try:
                found[n.id] = await plan(app, n.id, request)
            except ZendeskError as error:
                found[n.id] = NumberOutcome(
                    phone_number_id=n.id, number=n.number, outcome="refused", reason=explain(error)
                )

    async with anyio.create_task_group() as group:
        for n in numbers:
            group.start_soon(one, n)
    return [found[n.id] for n in numbers]


def _preview(item: Planned | NumberOutcome) -> NumberOutcome:
    if isinstance(item, NumberOutcome):
        return item
    number = item.current.number
    if item.problems:
        reason = "; ".join(f"{f}: {p}" for f, p in item.problems)
        return NumberOutcome(phone_number_id=item.phone_number_id, number=number, outcome="refused", reason=reason)
    if not item.diff:
        return NumberOutcome(phone_number_id=item.phone_number_id, number=number, outcome="unchanged")
    return NumberOutcome(phone_number_id=item.phone_number_id, number=number, outcome="would_change", changes=item.diff)


async def _apply_all(app: AppState, planned: list[Planned | NumberOutcome]) -> list[NumberOutcome]:
    """Each number changed once and audited on its own (shielded in ``apply``), a few at a time."""
    results: dict[int, NumberOutcome] = {}
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(item: Planned) -> None:
        async with limiter:
            done = await apply(app, item)
        reason = explain(done.error, subject="the update", writes=True) if done.error else None
        if done.missed and not reason:
            reason = f"Zendesk did not apply {', '.join(done.missed)}"
        results[item.phone_number_id] = NumberOutcome(
            phone_number_id=item.phone_number_id,
            number=item.current.number,
            outcome=done.outcome,
            changes=done.diff,
            reason=reason,
        )

    with anyio.CancelScope(shield=True):  # every number started is settled and audited, caller or not
        async with anyio.create_task_group() as group:
            for item in planned:
                preview = _preview(item)
                if isinstance(item, Planned) and preview.outcome == "would_change":
                    group.start_soon(one, item)
                else:
                    results[preview.phone_number_id] = preview
    order = [p.phone_number_id for p in planned]
    return [results[i] for i in order]
