"""answer_purchase (number picker page only): the person's click on Buy or Cancel, with review_purchase's approval.

What a click is worth is the operator's choice (``VOICE_TOOLS_APPROVALS``). With ``app`` allowed, the click is
the approval: the host promises that only the person can press it. Otherwise (the default) the click only
proposes: the host then shows the person a form with the exact purchase, and only a ticked form buys, so a
client that merely claims to show MCP Apps cannot buy by calling this tool itself. Either way the approval
from review_purchase is spent once, for the quote and address it was issued for.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import Field

from voice_tools.guard import PurchasePlan

from ..shared.arguments import AddressSid
from ..shared.confirmed import (
    PINNED,
    Asked,
    NothingToConfirm,
    can_show_forms,
    client_of,
    guarded,
    read_answer,
)
from ..shared.declared import COMMITS_MONEY, PICKER, Declared
from ..shared.errors import message
from ..shared.results import BuyResult, respond
from ..state import AppState, state
from . import buy_number as buy
from .review_purchase import QuoteText

ANSWER_DESCRIPTION = "Number picker page only: the person's click, buy or cancel, with review_purchase's approval."
NAME = "answer_purchase"


def click_is_the_approval(app: AppState) -> bool:
    return "app" in app.guard.approvals


async def confirm_click(quote: str, answer: str, ctx: Context[Any, Any], address_sid: str | None = None) -> Asked:
    """The Buy click proposes; a form the host shows confirms, unless the operator lets the click approve."""
    app = state(ctx)
    if answer != "buy" or click_is_the_approval(app):
        return NothingToConfirm(reason="a cancel, or a click the operator accepts as the approval")
    plan = await buy.plan_purchase(app, quote, address_sid, NAME)
    pinned = PINNED.get()
    if pinned is not None:
        pinned[NAME] = plan
    if "form" in app.guard.approvals and can_show_forms(ctx):
        return Elicit(f"{plan.summary()} Tick confirm to buy.", buy.ConfirmPurchase)
    await app.guard.record_no(plan, "app", "the click needs a form to confirm it, and this host cannot show one")
    raise ToolError(
        message(
            "not purchased: on this server a click in the number picker is confirmed in a form, and this host "
            "cannot show one",
            "no",
            "tell the user to buy it from a client that shows confirmation forms, or in Zendesk; an operator can "
            "let the click alone approve with VOICE_TOOLS_APPROVALS including app",
        )
    )


async def answer_purchase(
    quote: QuoteText,
    approval: Annotated[str, Field(min_length=1, max_length=12, description="From review_purchase")],
    answer: Literal["buy", "cancel"],
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[buy.ConfirmPurchase], Resolve(confirm_click)],
    address_sid: AddressSid | None = None,
) -> Annotated[CallToolResult, BuyResult]:
    app = state(ctx)
    pinned = PINNED.get() or {}
    plan: PurchasePlan = pinned.pop(NAME) if NAME in pinned else await buy.plan_purchase(app, quote, address_sid, NAME)
    if answer == "buy" and click_is_the_approval(app):
        return await buy.complete(app, plan, "app", code=approval, client=client_of(ctx))
    if answer == "buy":
        said = read_answer(confirmation, buy.ConfirmPurchase, buy.BUY, NAME)
        if not said.refusal:  # the click proposed, the form confirmed: the picker's approval is spent with it
            return await buy.complete(app, plan, "form", code=approval, code_for="app", client=client_of(ctx))
        return await _no(app, plan, approval, "form", said.reason, said.next_step("nothing was bought"))
    next_step = "The user cancelled in the number picker; nothing was bought. Do not ask again unless they want."
    return await _no(app, plan, approval, "app", "the user cancelled in the number picker", next_step)


async def _no(app: AppState, plan: PurchasePlan, approval: str, how: str, why: str, next_step: str) -> CallToolResult:
    subject = plan.code_subject().for_app()  # spent: the same approval cannot buy later
    await guarded(NAME, buy.BUY, lambda: app.guard.codes.redeem(subject, approval))
    await app.guard.record_no(plan, how, why)
    return respond(
        BuyResult(status="not_purchased", number=plan.quote.number, summary=plan.summary(), next_step=next_step)
    )


TOOL = Declared(
    answer_purchase,
    "Answer a purchase",
    ANSWER_DESCRIPTION,
    COMMITS_MONEY,
    page=PICKER,
    app_only=True,
)
