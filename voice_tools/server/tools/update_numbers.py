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
import re
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
from voice_tools.guard.ledger.base import HANDLE_ALPHABET
from voice_tools.models import PhoneNumber

from ..shared.arguments import Country, PhoneNumberId
from ..shared.confirmed import Asked, NothingToConfirm, Words, Yes, ask, conclude, guarded
from ..shared.declared import OVERWRITES, Declared
from ..shared.describe import change_words, numbers_text, sentence
from ..shared.errors import explain, message, tool_error
from ..shared.groups import GroupNameError
from ..shared.invalid import invalid_arguments
from ..shared.number_changes import Planned, Request, apply, parse_request
from ..shared.number_changes import plan as work_out
from ..shared.results import Change, respond
from ..shared.url_approvals import LINK_SECONDS
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
    "Change several numbers",
)
Outcome = Literal["applied", "not_applied", "unknown", "unchanged", "refused", "would_change", "changed_since_preview"]
PLAN_HANDLE = re.compile(f"p[{HANDLE_ALPHABET}]{{10}}")


class ConfirmBulk(BaseModel):
    confirm: StrictBool = Field(default=False, description="Yes, apply this change to all of these numbers")


class NumberOutcome(BaseModel):
    phone_number_id: int
    number: str | None = None
    outcome: Outcome
    changes: list[Change] | None = None
    reason: str | None = None
    warnings: list[str] | None = None


class BulkResult(BaseModel):
    applied: bool
    numbers: list[NumberOutcome]
    confirmation_code: str | None = None
    summary: str | None = None
    plan: str | None = None  # the plan's handle: update_numbers(plan=...) applies exactly it
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


PLAN_TTL_SECONDS = 3600  # a preview's plan can be applied (by its handle) for an hour


@dataclass(frozen=True)
class BulkPlan:
    """What the person confirms: exactly these numbers, each with the values it held when it was read (the
    before-values shown) and its change; kept in the ledger under ``handle`` so a later call (with a code,
    or naming the plan) applies exactly this, on any replica."""

    handle: str
    request: Request
    items: list[Planned | NumberOutcome]
    summary: str

    @property
    def changing(self) -> list[Planned]:
        return [i for i in self.items if isinstance(i, Planned) and _preview(i).outcome == "would_change"]


def fingerprint(items: list[Planned | NumberOutcome], request: Request) -> str:
    """The plan's handle: a digest of every target, its before-values and the change (``p`` and 10 letters)."""
    rows = sorted(
        (i.phone_number_id, [(c.field, c.before, c.after) for c in i.diff])
        if isinstance(i, Planned)
        else (i.phone_number_id, i.outcome)
        for i in items
    )
    blob = json.dumps([rows, request.wanted, request.settings.payload() if request.settings else None], default=str)
    digest = hashlib.sha256(blob.encode()).digest()
    return "p" + "".join(HANDLE_ALPHABET[b % len(HANDLE_ALPHABET)] for b in digest[:10])


async def _words(app: AppState, items: list[Planned | NumberOutcome], request: Request) -> str:
    wanted = dict(request.wanted) | {
        f"settings.{k}": v for k, v in (request.settings.payload() if request.settings else {}).items()
    }
    try:
        groups = {int(g.id): g.name or str(g.id) for g in await app.groups.all() if str(g.id).isdigit()}
    except ZendeskError:
        groups = {}
    changing = [i.current for i in items if isinstance(i, Planned) and _preview(i).outcome == "would_change"]
    others = len(items) - len(changing)
    told = f"{sentence(change_words(wanted, groups))} for {len(changing)} number(s)"
    told += f": {numbers_text(changing)}" if changing else ""
    if others:
        told += f"; {others} other number(s) matched but are unchanged or cannot be changed (see the preview)"
    return told


async def make_plan(app: AppState, numbers: list[PhoneNumber], request: Request) -> BulkPlan:
    """Read every target, work out its change, and keep the plan in the ledger under its handle."""
    items = await _plan_all(app, numbers, request)
    handle = fingerprint(items, request)
    told = f"{await _words(app, items, request)}. (Plan {handle}.)"
    record = {
        "changes": request.wanted,
        "settings": request.settings.payload() if request.settings else None,
        "targets": [n.model_dump(mode="json", exclude_none=True) for n in numbers],
        "items": [_pinned(i) for i in items],
        "summary": told,
    }
    await app.guard.ledger.save_record(handle, record, PLAN_TTL_SECONDS)
    return BulkPlan(handle, request, items, told)


def _pinned(item: Planned | NumberOutcome) -> dict[str, Any]:
    if isinstance(item, NumberOutcome):
        return {"outcome": item.model_dump(mode="json", exclude_none=True)}
    return {
        "planned": {
            "phone_number_id": item.phone_number_id,
            "current": item.current.model_dump(mode="json", exclude_none=True),
            "diff": [c.model_dump(mode="json") for c in item.diff],
            "problems": item.problems,
            "warnings": item.warnings,
        }
    }


def _unpinned(row: dict[str, Any]) -> Planned | NumberOutcome:
    if "outcome" in row:
        return NumberOutcome.model_validate(row["outcome"])
    p = row["planned"]
    return Planned(
        p["phone_number_id"],
        PhoneNumber.model_validate(p["current"]),
        [Change.model_validate(c) for c in p["diff"]],
        [(str(x[0]), str(x[1])) for x in p["problems"]],
        [str(w) for w in p.get("warnings", [])],
    )


async def load_plan(app: AppState, handle: str) -> BulkPlan:
    """A plan made by an earlier preview, or ToolError when it is unknown or expired (nothing changed)."""
    record = await app.guard.ledger.load_record(handle.strip()) if PLAN_HANDLE.fullmatch(handle.strip()) else None
    if record is None:
        raise ToolError(
            message(
                f"there is no change plan {handle!r}: it was never made on this server or is over an hour old",
                "no, not with this plan",
                "call update_numbers with dry_run=true for a new plan and show the user its preview",
            )
        )
    request = await parse_request(app, None, record["changes"] or None, record["settings"], "update_numbers")
    return BulkPlan(handle.strip(), request, [_unpinned(r) for r in record["items"]], record["summary"])


@dataclass(frozen=True)
class BulkChange:
    """One update_numbers call (not a dry run) as a confirmed action (``shared/confirmed.py``)."""

    changes: dict[str, Any] | None
    settings: dict[str, Any] | None
    ids: list[int] | None
    country: str | None
    group: int | str | None
    text: str | None
    plan: str | None = None
    tool = "update_numbers"
    words = CHANGE
    form = ConfirmBulk
    page_asks = False

    async def prepare(self, app: AppState) -> BulkPlan:
        if self.plan is not None:
            return await load_plan(app, self.plan)
        numbers = await targets(app, self.ids, self.country, self.group, self.text)
        first = numbers[0].id if numbers else None
        request = await parse_request(app, first, self.changes, self.settings, self.tool)
        return await make_plan(app, numbers, request)

    def summary(self, plan: BulkPlan) -> str:
        return plan.summary

    def code_subject(self, plan: BulkPlan) -> CodeSubject:
        return CodeSubject(
            key=f"bulk-{plan.handle}",
            binding=plan.handle,
            event="bulk",
            this="this change plan",
            fresh="Call update_numbers again without a code, show the user the new summary and wait for their yes",
            audit={"plan": plan.handle, "count": len(plan.changing)},
        )

    async def record_no(self, app: AppState, plan: BulkPlan, how: str, why: str) -> None:
        await app.guard.write(
            "bulk", outcome="not_applied", confirmed_by=how, reason=why, plan=plan.handle, count=len(plan.changing)
        )

    async def answered_no(self, app: AppState, plan: BulkPlan, next_step: str) -> CallToolResult:
        return respond(
            BulkResult(applied=False, numbers=[], summary=plan.summary, plan=plan.handle, next_step=next_step)
        )

    async def awaiting(self, app: AppState, plan: BulkPlan, next_step: str, code: str | None) -> CallToolResult:
        preview = [_preview(p) for p in plan.items]
        return respond(
            BulkResult(
                applied=False,
                numbers=preview,
                summary=plan.summary,
                plan=plan.handle,
                confirmation_code=code,
                next_step=next_step,
            )
        )

    def code_next_step(self) -> str:
        return (
            "Nothing changed yet. Show the user the summary word for word; only after their yes, call update_numbers "
            "with plan (as given here) and this confirmation_code: exactly this plan is applied."
        )

    def policy_allows(self, app: AppState) -> bool:
        return app.settings.max_bulk_numbers_per_day is not None  # only within the operator's own limit

    def link_seconds(self, plan: BulkPlan) -> float:
        return LINK_SECONDS

    async def perform(self, app: AppState, plan: BulkPlan, yes: Yes) -> CallToolResult:
        code, count = yes.code, len(plan.changing)
        if code is not None:
            subject = self.code_subject(plan).for_channel(yes.code_for)
            await guarded(self.tool, CHANGE, lambda: app.guard.codes.redeem(subject, code))
        limit = app.settings.max_bulk_numbers_per_day
        if yes.channel == "policy" and limit is not None:
            await guarded(self.tool, CHANGE, lambda: app.guard.take_daily("bulk_numbers", count, limit, plan.handle))
        await app.guard.write(
            "bulk", outcome="confirmed", confirmed_by=yes.channel, client=yes.client, plan=plan.handle, count=count
        )
        results = await _apply_all(app, plan.items, plan.request)
        app.directory.forget()  # routing changed: the next filter reads the account again
        done = sum(1 for r in results if r.outcome == "applied")
        moved = sum(1 for r in results if r.outcome == "changed_since_preview")
        problems = [r for r in results if r.outcome in ("not_applied", "unknown", "refused")]
        next_step = f"Applied to {done} of {len(plan.changing)}."
        if moved:
            next_step += (
                f" {moved} changed since the preview and were left as they are: show the user, and preview again "
                "if they still want them changed."
            )
        if problems:
            next_step += " Tell the user which were not (reason given), and check the unknown ones with get_number."
        return respond(
            BulkResult(applied=done > 0, numbers=results, summary=plan.summary, plan=plan.handle, next_step=next_step)
        )


async def ask_for_confirmation(
    ctx: Context[Any, Any],
    changes: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    phone_number_ids: list[int] | None = None,
    country: str | None = None,
    group: int | str | None = None,
    text: str | None = None,
    plan: str | None = None,
    dry_run: bool = False,
) -> Asked:
    if dry_run:
        return NothingToConfirm(reason="a dry run changes nothing")
    return await ask(ctx, BulkChange(changes, settings, phone_number_ids, country, group, text, plan))


async def update_numbers(
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmBulk], Resolve(ask_for_confirmation)],
    changes: Annotated[dict[str, Any] | None, Field(description="Attributes, as update_settings")] = None,
    settings: Annotated[dict[str, Any] | None, Field(description="Settings, as update_settings")] = None,
    phone_number_ids: Annotated[list[PhoneNumberId] | None, Field(max_length=MAX_NUMBERS)] = None,
    country: Country | None = None,
    group: Annotated[int | str | None, Field(description="Group name or id")] = None,
    text: Annotated[str | None, Field(max_length=64, description="Match in nickname or number")] = None,
    plan: Annotated[str | None, Field(max_length=16, description="A preview's plan: apply exactly it")] = None,
    dry_run: Annotated[bool, Field(description="true: show every number's change, change nothing")] = False,
    confirmation_code: Annotated[str | None, Field(max_length=12)] = None,
) -> Annotated[CallToolResult, BulkResult]:
    action = BulkChange(changes, settings, phone_number_ids, country, group, text, plan)
    if plan is not None and (changes or settings or phone_number_ids or country or group is not None or text):
        found = ["plan fixes the numbers and the change; give plan alone, or the change and the numbers without it"]
        raise ToolError(invalid_arguments("update_numbers", found, fix=["plan"]))
    if not dry_run:
        return await conclude(ctx, action, confirmation, confirmation_code)
    made = await action.prepare(state(ctx))
    preview = [_preview(p) for p in made.items]
    changing = sum(1 for p in preview if p.outcome == "would_change")
    return respond(
        BulkResult(
            applied=False,
            numbers=preview,
            summary=made.summary,
            plan=made.handle,
            next_step=f"{changing} of {len(preview)} would change. Show the user; to apply exactly this, call "
            f"update_numbers with plan={made.handle!r} (they confirm once).",
        )
    )


async def _plan_all(app: AppState, numbers: list[PhoneNumber], request: Request) -> list[Planned | NumberOutcome]:
    """Every number read and its change worked out, a few at a time; one that cannot be read is refused."""
    found: dict[int, Planned | NumberOutcome] = {}
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(n: PhoneNumber) -> None:
        async with limiter:
            try:
                found[n.id] = await work_out(app, n.id, request)
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
    return NumberOutcome(
        phone_number_id=item.phone_number_id,
        number=number,
        outcome="would_change",
        changes=item.diff,
        warnings=item.warnings or None,  # what Zendesk may refuse: it decides (nothing refused on an inference)
    )


async def _apply_all(app: AppState, items: list[Planned | NumberOutcome], request: Request) -> list[NumberOutcome]:
    """Each number of the plan read afresh, left as it is when it changed since the preview (a value the
    person saw is no longer there), else changed once and audited on its own (shielded in ``apply``), a
    few at a time. No number outside the plan is touched."""
    results: dict[int, NumberOutcome] = {}
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(pinned: Planned, request: Request) -> None:
        async with limiter:
            try:
                fresh = await work_out(app, pinned.phone_number_id, request)
            except ZendeskError as error:
                outcome = NumberOutcome(
                    phone_number_id=pinned.phone_number_id,
                    number=pinned.current.number,
                    outcome="refused",
                    reason=explain(error),
                )
                results[pinned.phone_number_id] = outcome
                return
            if _befores(fresh) != _befores(pinned):
                await app.guard.write(
                    "update",
                    phone_number_id=pinned.phone_number_id,
                    number=pinned.current.number,
                    outcome="changed_since_preview",
                    fields=[c.field for c in pinned.diff],
                )
                results[pinned.phone_number_id] = NumberOutcome(
                    phone_number_id=pinned.phone_number_id,
                    number=pinned.current.number,
                    outcome="changed_since_preview",
                    changes=fresh.diff or None,
                    reason="its values changed since the preview the user confirmed; left as it is",
                )
                return
            done = await apply(app, fresh)
        reason = explain(done.error, subject="the update", writes=True) if done.error else None
        if done.missed and not reason:
            reason = f"Zendesk did not apply {', '.join(done.missed)}"
        results[pinned.phone_number_id] = NumberOutcome(
            phone_number_id=pinned.phone_number_id,
            number=pinned.current.number,
            outcome=done.outcome,
            changes=done.diff,
            reason=reason,
        )

    with anyio.CancelScope(shield=True):  # every number started is settled and audited, caller or not
        async with anyio.create_task_group() as group:
            for item in items:
                preview = _preview(item)
                if isinstance(item, Planned) and preview.outcome == "would_change":
                    group.start_soon(one, item, request)
                else:
                    results[preview.phone_number_id] = preview
    return [results[i.phone_number_id] for i in items]


def _befores(item: Planned) -> list[tuple[str, Any, Any]]:
    """What a number held and would get, per field: the preview's promise, checked again before sending."""
    return sorted(
        (c.field, json.dumps(c.before, sort_keys=True), json.dumps(c.after, sort_keys=True)) for c in item.diff
    )


TOOL = Declared(
    update_numbers,
    "Change several numbers",
    DESCRIPTION,
    OVERWRITES,
    toolset="bulk",
    example={"group": "Support", "changes": {"recorded": True}, "dry_run": True},
)
