"""buy_numbers (toolset ``bulk``): several quotes bought on one confirmation, within the cap or not at all.

Every quote, the spend policy and the whole batch against today's cap are checked before the user is
asked (``guard.batch``); the user then confirms one summary with the total monthly price, asked the
way buy_number asks (a form, a code where allowed, or the operator's policy in ``preapproved`` mode).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, StrictBool

from voice_tools.client import ZendeskError
from voice_tools.guard import MAX_BATCH, BatchPlan, CodeSubject

from ..shared.arguments import AddressSid
from ..shared.confirmed import Asked, Words, Yes, ask, conclude, guarded
from ..shared.declared import COMMITS_MONEY, Declared
from ..shared.errors import tool_error
from ..shared.results import BuyResult, respond
from ..state import AppState

DESCRIPTION = (
    "Buy several numbers from search_numbers quotes on one confirmation of the total monthly price; the whole "
    "batch is checked against the spend policy first and bought within the daily cap or not at all."
)
BUY_ALL = Words(
    "buy",
    "buys numbers",
    "not purchased",
    "buy the numbers in Zendesk",
    "nothing was bought",
    "the purchase",
    "Buy numbers",
)
CODE_NEXT_STEP = (
    "Nothing bought yet. Show the user the summary word for word; only after their yes, call buy_numbers again "
    "with the same quotes and address_sid and this confirmation_code."
)
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


@dataclass(frozen=True)
class Batch:
    """One buy_numbers call as a confirmed action (``shared/confirmed.py``)."""

    quotes: tuple[str, ...]
    address_sid: str | None
    tool = "buy_numbers"
    words = BUY_ALL
    form = ConfirmBatch
    page_asks = False

    async def prepare(self, app: AppState) -> BatchPlan:
        try:
            return await guarded(self.tool, BUY_ALL, lambda: app.batches.prepare(list(self.quotes), self.address_sid))
        except ZendeskError as error:
            raise tool_error(error, subject="the address check") from None

    def summary(self, plan: BatchPlan) -> str:
        return plan.summary()

    def code_subject(self, plan: BatchPlan) -> CodeSubject:
        return plan.code_subject()

    async def record_no(self, app: AppState, plan: BatchPlan, how: str, why: str) -> None:
        await app.batches.record_no(plan, how, why)

    async def answered_no(self, app: AppState, plan: BatchPlan, next_step: str) -> CallToolResult:
        return respond(
            BatchResult(
                status="not_purchased", total=plan.total_text(), numbers=[], summary=plan.summary(), next_step=next_step
            )
        )

    async def awaiting(self, app: AppState, plan: BatchPlan, next_step: str, code: str | None) -> CallToolResult:
        return respond(
            BatchResult(
                status="confirmation_required",
                total=plan.total_text(),
                numbers=[],
                summary=plan.summary(),
                confirmation_code=code,
                next_step=next_step,
            )
        )

    def code_next_step(self) -> str:
        return CODE_NEXT_STEP

    def policy_allows(self, app: AppState) -> bool:
        return True  # the spend policy bounds purchases, a batch as a whole within the daily cap

    def link_seconds(self, plan: BatchPlan) -> float:
        return min(p.quote.expires_at for p in plan.plans) - time.time()  # no longer than the first quote

    async def perform(self, app: AppState, plan: BatchPlan, yes: Yes) -> CallToolResult:
        outcomes = await guarded(
            self.tool,
            BUY_ALL,
            lambda: app.batches.purchase(plan, yes.channel, code=yes.code, code_for=yes.code_for, client=yes.client),
        )
        app.directory.forget()
        rows = [
            BuyResult(
                status=o.outcome, number=o.number, phone_number_id=o.phone_number_id, summary=o.message, next_step=""
            )
            for o in outcomes
        ]
        bought = sum(1 for o in outcomes if o.outcome == "purchased")
        status = "purchased" if bought == len(rows) else "partly_purchased" if bought else "not_purchased"
        next_step = f"Bought {bought} of {len(rows)}."
        if bought < len(rows):
            next_step += " Tell the user which were not bought and why; do not retry an unknown one."
        return respond(
            BatchResult(
                status=status, total=plan.total_text(), numbers=rows, summary=plan.summary(), next_step=next_step
            )
        )


async def ask_for_confirmation(quotes: list[str], address_sid: str | None, ctx: Context[Any, Any]) -> Asked:
    return await ask(ctx, Batch(tuple(quotes), address_sid))


async def buy_numbers(
    quotes: Annotated[Quotes, Field(description="Quotes from search_numbers, unchanged")],
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmBatch], Resolve(ask_for_confirmation)],
    address_sid: AddressSid | None = None,
    confirmation_code: Annotated[str | None, Field(max_length=12)] = None,
) -> Annotated[CallToolResult, BatchResult]:
    return await conclude(ctx, Batch(tuple(quotes), address_sid), confirmation, confirmation_code)


TOOL = Declared(
    buy_numbers,
    "Buy several numbers",
    DESCRIPTION,
    COMMITS_MONEY,
    toolset="bulk",
    example={"quotes": ["<a quote from search_numbers>", "<another quote>"]},
)
