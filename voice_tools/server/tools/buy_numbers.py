"""buy_numbers (toolset ``bulk``): several quotes bought on one confirmation, within the cap or not at all.

Every quote, the spend policy and the whole batch against today's cap are checked before the user is
asked (``guard.batch``); the user then confirms one summary with the total monthly price, asked the
way buy_number asks (a form, a code where allowed, or the operator's policy in ``preapproved`` mode).
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import (
    Context,
    Elicit,
    ElicitationResult,
    Resolve,
)
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, StrictBool

from voice_tools.client import ZendeskError
from voice_tools.guard import MAX_BATCH, BatchPlan, GuardRefusal

from ..shared.arguments import AddressSid
from ..shared.confirm import Action, CodeConfirmation, PolicyApproval, read_answer, route
from ..shared.errors import tool_error
from ..shared.results import BuyResult, respond
from ..state import AppState, state
from .buy_number import refused

DESCRIPTION = (
    "Buy several numbers from search_numbers quotes on one confirmation of the total monthly price; the whole "
    "batch is checked against the spend policy first and bought within the daily cap or not at all."
)
BUY_ALL = Action("buy", "buys numbers", "not purchased", "buy the numbers in Zendesk")
Quotes = Annotated[list[Annotated[str, Field(min_length=1, max_length=400)]], Field(min_length=2, max_length=MAX_BATCH)]


class ConfirmBatch(BaseModel):
    confirm: StrictBool = Field(
        default=False, description="Yes, buy all of these numbers and add their monthly charges"
    )


class BatchResult(BaseModel):
    status: str  # purchased (all), partly_purchased, not_purchased, confirmation_required
    total: str | None = None
    numbers: list[BuyResult]
    summary: str | None = None
    confirmation_code: str | None = None
    next_step: str


async def _plan(app: AppState, quotes: list[str], address_sid: str | None) -> BatchPlan:
    try:
        return await app.batches.prepare(quotes, address_sid)
    except GuardRefusal as refusal:
        raise refused(refusal) from None
    except ZendeskError as error:
        raise tool_error(error, subject="the address check") from None


async def ask_for_confirmation(
    quotes: list[str], address_sid: str | None, ctx: Context[Any, Any]
) -> Elicit[ConfirmBatch] | CodeConfirmation | PolicyApproval:
    app = state(ctx)
    batch = await _plan(app, quotes, address_sid)

    async def no_form() -> None:
        await app.batches.record_no(batch, "none", "client cannot show a confirmation form (elicit_only)")

    return await route(ctx, app, batch.summary(), ConfirmBatch, BUY_ALL, no_form)


async def buy_numbers(
    quotes: Annotated[Quotes, Field(description="Quotes from search_numbers, unchanged")],
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmBatch], Resolve(ask_for_confirmation)],
    address_sid: AddressSid | None = None,
    confirmation_code: Annotated[str | None, Field(max_length=12)] = None,
) -> Annotated[CallToolResult, BatchResult]:
    app = state(ctx)
    batch = await _plan(app, quotes, address_sid)
    told, total = batch.summary(), batch.total_text()
    answer = read_answer(confirmation, ConfirmBatch, BUY_ALL, "buy_numbers")
    if answer.refusal:
        await app.batches.record_no(batch, "elicitation", answer.reason)
        next_step = answer.next_step("nothing was bought")
        return respond(BatchResult(status="not_purchased", total=total, numbers=[], summary=told, next_step=next_step))
    if answer.confirmed_by == "code" and confirmation_code is None:
        try:
            code = await app.batches.issue_code(batch)
        except GuardRefusal as refusal:
            raise refused(refusal) from None
        return respond(
            BatchResult(
                status="confirmation_required",
                total=total,
                numbers=[],
                summary=told,
                confirmation_code=code,
                next_step="Nothing bought yet. Show the user the summary word for word; only after their yes, call "
                "buy_numbers again with the same quotes and address_sid and this confirmation_code.",
            )
        )
    confirmed_by = answer.confirmed_by or "elicitation"
    try:
        redeem = confirmation_code if confirmed_by == "code" else None
        outcomes = await app.batches.purchase(batch, confirmed_by, code=redeem)
    except GuardRefusal as refusal:
        raise refused(refusal) from None
    app.directory.forget()
    rows = [
        BuyResult(status=o.outcome, number=o.number, phone_number_id=o.phone_number_id, summary=o.message, next_step="")
        for o in outcomes
    ]
    bought = sum(1 for o in outcomes if o.outcome == "purchased")
    status = "purchased" if bought == len(rows) else "partly_purchased" if bought else "not_purchased"
    next_step = f"Bought {bought} of {len(rows)}."
    if bought < len(rows):
        next_step += " Tell the user which were not bought and why; do not retry an unknown one."
    return respond(BatchResult(status=status, total=total, numbers=rows, summary=told, next_step=next_step))
