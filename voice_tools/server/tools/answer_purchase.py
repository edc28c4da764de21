"""answer_purchase (number picker page only): the person's click on Buy or Cancel, with review_purchase's approval."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from ..shared.arguments import AddressSid
from ..shared.confirmed import guarded
from ..shared.results import BuyResult, respond
from ..state import state
from . import buy_number as buy
from .review_purchase import QuoteText

ANSWER_DESCRIPTION = "Number picker page only: the person's click, buy or cancel, with review_purchase's approval."


async def answer_purchase(
    quote: QuoteText,
    approval: Annotated[str, Field(min_length=1, max_length=12, description="From review_purchase")],
    answer: Literal["buy", "cancel"],
    ctx: Context[Any, Any],
    address_sid: AddressSid | None = None,
) -> Annotated[CallToolResult, BuyResult]:
    app = state(ctx)
    plan = await buy.plan_purchase(app, quote, address_sid)
    if answer == "buy":
        return await buy.complete(app, plan, "app", code=approval)
    subject = plan.code_subject().for_app()  # spent: the same approval cannot buy later
    await guarded("answer_purchase", buy.BUY, lambda: app.guard.codes.redeem(subject, approval))
    await app.guard.record_no(plan, "app", "the user cancelled in the number picker")
    return respond(
        BuyResult(
            status="not_purchased",
            number=plan.quote.number,
            summary=plan.summary(),
            next_step="The user cancelled in the number picker; nothing was bought. Do not ask again unless they want.",
        )
    )
