"""update_numbers (toolset ``bulk``): one change over any number of numbers, one preview, one confirmation.

"Turn recording on for every number that does not record" is one dry run and one confirmed call, whether it
concerns five numbers or six thousand. The numbers are given by id, or by list_numbers' own filters (country,
toll_free, capability, group, text, where). The preview (``shared/bulk_plans.py``) counts them, groups them by
the values they hold now and shows a few, in bounded words whatever the count; its plan pins exactly those
numbers and values. The yes is asked as for a purchase, through the one driver (a form, the approval page, a
code; the operator's policy only within VOICE_TOOLS_MAX_BULK_NUMBERS_PER_DAY), once for all of them, and a plan
is applied once. The change then runs as a job in the ledger (``shared/bulk_jobs.py``): each number checked
again, sent once and audited, under the account's rate limit, with progress notifications, and resumed by
another replica if this one stops or dies. The answer counts the outcomes and lists the failures;
``update_numbers(job=...)`` reads a job's progress from any replica.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, StrictBool

from voice_tools.guard import CodeSubject
from voice_tools.guard.ledger import JobState, new_id
from voice_tools.guard.ledger.base import HANDLE_ALPHABET

from ..shared.arguments import Country, PhoneNumberId
from ..shared.bulk_jobs import FAILED, FINAL, Progress
from ..shared.bulk_plans import (
    BeforeGroup,
    BulkPlan,
    Flag,
    NumberOutcome,
    group_id,
    load_plan,
    make_plan,
    named_numbers,
    save_plan,
)
from ..shared.confirmed import Asked, NothingToConfirm, Words, Yes, ask, conclude, guarded
from ..shared.declared import OVERWRITES, Declared
from ..shared.errors import message
from ..shared.filters import WHERE_DESCRIPTION, Capability, NumberQuery
from ..shared.invalid import invalid_arguments
from ..shared.results import respond
from ..shared.selection import Selection, parse_where
from ..shared.url_approvals import LINK_SECONDS
from ..state import AppState, state

MAX_IDS = 1000  # ids the model may list; more numbers are named by filters
SHOWN_FAILURES = 20
DESCRIPTION = (
    "Apply one change (changes/settings, as update_settings) to any number of numbers, by phone_number_ids or "
    "list_numbers' filters. dry_run=true first; applying asks the user once for all, then runs as a job."
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
JOB_HANDLE = re.compile(f"j[{HANDLE_ALPHABET}]{{10}}")


class ConfirmBulk(BaseModel):
    confirm: StrictBool = Field(default=False, description="Yes, apply this change to all of these numbers")


class BulkResult(BaseModel):
    applied: bool
    summary: str | None = None
    plan: str | None = None  # the preview's plan: update_numbers(plan=...) applies exactly it
    matched: int | None = None
    changing: int | None = None
    unchanged: int | None = None
    groups: list[BeforeGroup] | None = None  # the numbers that would change, by the values they hold now
    warnings: list[Flag] | None = None
    job: str | None = None
    status: Literal["done", "running", "paused"] | None = None
    outcomes: dict[str, int] | None = None  # numbers by outcome
    left: int | None = None
    failures: list[NumberOutcome] | None = None
    more_failures: int | None = None
    confirmation_code: str | None = None
    next_step: str


@dataclass(frozen=True)
class Target:
    """Which numbers one call names."""

    ids: list[int] | None
    country: str | None
    toll_free: bool | None
    capability: Capability | None
    group: int | str | None
    text: str | None
    where: dict[str, Any] | None

    @property
    def named(self) -> bool:
        return bool(self.ids) or any(
            v is not None for v in (self.country, self.toll_free, self.capability, self.group, self.text, self.where)
        )

    async def selection(self, app: AppState) -> Selection:
        query = NumberQuery(
            country=self.country,
            toll_free=self.toll_free,
            capability=self.capability,
            group=self.group,
            text=self.text,
            where=parse_where(self.where, "update_numbers"),
        )
        return Selection(query, group_id=await group_id(app, self.group))


@dataclass(frozen=True)
class BulkChange:
    """One update_numbers call (not a dry run) as a confirmed action (``shared/confirmed.py``)."""

    ctx: Context[Any, Any] = field(compare=False)
    changes: dict[str, Any] | None
    settings: dict[str, Any] | None
    target: Target
    plan: str | None = None
    tool = "update_numbers"
    words = CHANGE
    form = ConfirmBulk
    page_asks = False

    async def prepare(self, app: AppState) -> BulkPlan:
        if self.plan is not None:
            return await load_plan(app, self.plan)
        numbers, account = await named_numbers(app, self.target.ids, await self.target.selection(app))
        return await make_plan(app, numbers, self.changes, self.settings, account)

    def summary(self, plan: BulkPlan) -> str:
        return plan.summary

    def code_subject(self, plan: BulkPlan) -> CodeSubject:
        return CodeSubject(
            key=f"bulk-{plan.handle}",
            binding=plan.handle,
            event="bulk",
            this="this change plan",
            fresh="Call update_numbers again without a code, show the user the new summary and wait for their yes",
            audit={"plan": plan.handle, "count": len(plan.targets)},
        )

    async def record_no(self, app: AppState, plan: BulkPlan, how: str, why: str) -> None:
        await app.guard.write(
            "bulk", outcome="not_applied", confirmed_by=how, reason=why, plan=plan.handle, count=len(plan.targets)
        )

    async def answered_no(self, app: AppState, plan: BulkPlan, next_step: str) -> CallToolResult:
        return _respond(BulkResult(applied=False, summary=plan.summary, plan=plan.handle, next_step=next_step))

    async def awaiting(self, app: AppState, plan: BulkPlan, next_step: str, code: str | None) -> CallToolResult:
        return _respond(_preview(plan, next_step).model_copy(update={"confirmation_code": code}))

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
        """The yes is in: redeem the code, count against the policy's limit, claim the plan (a plan is applied
        once), start its job and wait for it, telling its progress."""
        code, count = yes.code, len(plan.targets)
        if code is not None:
            subject = self.code_subject(plan).for_channel(yes.code_for)
            await guarded(self.tool, CHANGE, lambda: app.guard.codes.redeem(subject, code))
        return await apply_plan(self.ctx, app, plan, yes, count)


async def apply_plan(ctx: Context[Any, Any], app: AppState, plan: BulkPlan, yes: Yes, count: int) -> CallToolResult:
    if not count:
        return _respond(
            BulkResult(applied=False, summary=plan.summary, plan=plan.handle, matched=plan.matched,
                       unchanged=plan.unchanged, next_step="Nothing to change: every matched number already has "
                       "these values (or none matched). Tell the user.")
        )  # fmt: skip
    if await app.guard.ledger.take(f"bulk_plan:{plan.handle}", "once", 1, 1) is None:
        return await status_of_plan(app, await load_plan(app, plan.handle))  # applied already: its job answers
    limit = app.settings.max_bulk_numbers_per_day
    if yes.channel == "policy" and limit is not None:
        await guarded("update_numbers", CHANGE, lambda: app.guard.take_daily("bulk_numbers", count, limit, plan.handle))
    job = new_id("j")
    await app.guard.write(
        "bulk", outcome="confirmed", confirmed_by=yes.channel, client=yes.client, plan=plan.handle, count=count, job=job
    )
    await save_plan(app, replace(plan, job=job))  # the plan now names its job; a new preview is a new plan
    progress = await app.jobs.start(plan, yes.channel, yes.client, job)
    return await wait_for(ctx, app, progress, plan.summary)


async def wait_for(ctx: Context[Any, Any], app: AppState, progress: Progress, summary: str | None) -> CallToolResult:
    """Tell the job's progress until it ends, or until this server begins to stop (the job pauses and another
    replica resumes it). A caller that goes away leaves the job running."""
    told = -1
    while not progress.finished.is_set() and not app.jobs.stopping:
        changed = progress.changed
        if progress.done != told:
            told = progress.done
            await ctx.report_progress(told, progress.total, f"job {progress.job}: {told} of {progress.total} done")
        with anyio.move_on_after(1.0):
            await changed.wait()
    if app.jobs.stopping:
        with anyio.move_on_after(app.jobs.lease):  # the numbers in flight are written down, the claim released
            await progress.finished.wait()
    state = await app.guard.ledger.job(progress.job)
    if state is None:  # pragma: no cover - a job is kept a week
        raise ToolError(message(f"job {progress.job} is no longer known", "no", "call list_numbers to see the numbers"))
    paused = not progress.finished.is_set() or progress.status == "paused"
    return await job_answer(app, state, summary, paused=paused and state.status != "done")


async def job_answer(app: AppState, job: JobState, summary: str | None, *, paused: bool = False) -> CallToolResult:
    """A job as the model reads it: outcomes by count, the failures listed (a few, with the rest counted)."""
    outcomes = {s: n for s, n in sorted(job.counts.items()) if s in FINAL and n}
    left = sum(n for s, n in job.counts.items() if s not in FINAL)
    failed = await app.guard.ledger.job_items(job.id, FAILED)
    failures = [
        NumberOutcome(phone_number_id=i, number=d.get("number"), outcome=d["state"], reason=d.get("reason"))
        for i, d in sorted(failed.items())[:SHOWN_FAILURES]
    ]
    status: Literal["done", "running", "paused"] = "done" if job.status == "done" else "paused" if paused else "running"
    done = sum(outcomes.values())
    if status == "done":
        next_step = f"Done: {_counted(outcomes)}. Tell the user these counts"
        next_step += "; list the failures and their reasons" if failed else ""
        if outcomes.get("unknown"):
            next_step += "; check the unknown ones with get_number before changing them again"
        if outcomes.get("changed_since_preview"):
            next_step += "; numbers changed since the preview were left: preview again if the user still wants them"
        next_step += "."
    elif status == "paused":
        next_step = (
            f"This server is stopping: the job paused at {done} of {done + left} and resumes on another server (or "
            f"this one when it starts again). Tell the user; check it with update_numbers(job='{job.id}')."
        )
    else:
        next_step = (
            f"Running: {done} of {done + left} done ({_counted(outcomes) or 'none yet'}). Call update_numbers("
            f"job='{job.id}') again later for its progress; do not apply the plan again."
        )
    return _respond(
        BulkResult(
            applied=bool(outcomes.get("applied")),
            summary=summary,
            plan=job.record.get("plan"),
            job=job.id,
            status=status,
            outcomes=outcomes,
            left=left or None,
            failures=failures or None,
            more_failures=(len(failed) - len(failures)) or None,
            next_step=next_step,
        )
    )


def _counted(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in outcomes.items())


async def status_of_job(app: AppState, handle: str) -> CallToolResult:
    """``update_numbers(job=...)``: the job's progress from the ledger, on any replica. A job nobody holds (its
    replica died or stopped) is resumed here."""
    handle = handle.strip()
    job = await app.guard.ledger.job(handle) if JOB_HANDLE.fullmatch(handle) else None
    if job is None:
        raise ToolError(
            message(
                f"there is no bulk change job {handle!r} (a job is kept a week)",
                "no",
                "call update_numbers with dry_run=true to preview the change again",
            )
        )
    if job.claimable(time.time()) and await app.jobs.resume(job.id) is not None:
        job = await app.guard.ledger.job(job.id) or job
    return await job_answer(app, job, job.record.get("summary"))


async def status_of_plan(app: AppState, plan: BulkPlan) -> CallToolResult:
    """A plan that was confirmed already: the progress of its job (it is not applied twice)."""
    if plan.job is None:  # claimed a moment ago by a call that is still starting its job
        raise ToolError(message("this plan is being applied by another call", "yes, in a few seconds", "call "
                                f"update_numbers(plan='{plan.handle}') again for its job's progress"))  # fmt: skip
    return await status_of_job(app, plan.job)


def _preview(plan: BulkPlan, next_step: str) -> BulkResult:
    return BulkResult(
        applied=False,
        summary=plan.summary,
        plan=plan.handle,
        matched=plan.matched,
        changing=len(plan.targets),
        unchanged=plan.unchanged,
        groups=plan.groups or None,
        warnings=plan.warnings or None,
        next_step=next_step,
    )


def _respond(result: BulkResult) -> CallToolResult:
    return respond(result)


async def ask_for_confirmation(
    ctx: Context[Any, Any],
    changes: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    phone_number_ids: list[int] | None = None,
    country: str | None = None,
    toll_free: bool | None = None,
    capability: Capability | None = None,
    group: int | str | None = None,
    text: str | None = None,
    where: dict[str, Any] | None = None,
    plan: str | None = None,
    job: str | None = None,
    dry_run: bool = False,
) -> Asked:
    if dry_run:
        return NothingToConfirm(reason="a dry run changes nothing")
    if job is not None:
        return NothingToConfirm(reason="a job's progress is read, nothing is changed")
    if plan is not None and (await load_plan(state(ctx), plan)).job is not None:
        return NothingToConfirm(reason="this plan was confirmed already: its job's progress is read")
    target = Target(phone_number_ids, country, toll_free, capability, group, text, where)
    return await ask(ctx, BulkChange(ctx, changes, settings, target, plan))


async def update_numbers(
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmBulk], Resolve(ask_for_confirmation)],
    changes: Annotated[dict[str, Any] | None, Field(description="Attributes, as update_settings")] = None,
    settings: Annotated[dict[str, Any] | None, Field(description="Settings, as update_settings")] = None,
    phone_number_ids: Annotated[list[PhoneNumberId] | None, Field(max_length=MAX_IDS)] = None,
    country: Country | None = None,
    toll_free: bool | None = None,
    capability: Capability | None = None,
    group: Annotated[int | str | None, Field(description="Group name or id")] = None,
    text: Annotated[str | None, Field(max_length=64, description="Match in nickname or number")] = None,
    where: Annotated[dict[str, Any] | None, Field(description=WHERE_DESCRIPTION)] = None,
    plan: Annotated[str | None, Field(max_length=16, description="A preview's plan: apply exactly it")] = None,
    job: Annotated[str | None, Field(max_length=16, description="A job's progress (changes nothing)")] = None,
    dry_run: Annotated[bool, Field(description="true: preview the change, change nothing")] = False,
    confirmation_code: Annotated[str | None, Field(max_length=12)] = None,
) -> Annotated[CallToolResult, BulkResult]:
    app = state(ctx)
    target = Target(phone_number_ids, country, toll_free, capability, group, text, where)
    if job is not None:
        if plan is not None or changes or settings or target.named or dry_run:
            raise ToolError(
                invalid_arguments("update_numbers", ["job reads a job's progress: give job alone"], fix=["job"])
            )
        return await status_of_job(app, job)
    if plan is not None and (changes or settings or target.named):
        found = ["plan fixes the numbers and the change; give plan alone, or the change and the numbers without it"]
        raise ToolError(invalid_arguments("update_numbers", found, fix=["plan"]))
    action = BulkChange(ctx, changes, settings, target, plan)
    if dry_run:
        made = await action.prepare(app)
        next_step = (
            f"{len(made.targets)} of {made.matched} would change. Show the user the summary; to apply exactly this, "
            f"call update_numbers with plan={made.handle!r} (they confirm once)."
        )
        return _respond(_preview(made, next_step))
    if plan is not None:
        pinned = await load_plan(app, plan)
        if pinned.job is not None:
            return await status_of_plan(app, pinned)
    return await conclude(ctx, action, confirmation, confirmation_code)


TOOL = Declared(
    update_numbers,
    "Change several numbers",
    DESCRIPTION,
    OVERWRITES,
    toolset="bulk",
    example={"group": "Support", "changes": {"recorded": True}, "dry_run": True},
)
