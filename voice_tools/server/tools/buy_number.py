"""buy_number: a purchase from a quote, after an explicit yes.

How the yes is given is decided by the resolver, before the tool body runs, from the operator's mode:

- ``elicit_only`` (default): the client shows the user a form with the summary, and only an accept
  with ``confirm`` ticked (a JSON ``true``, nothing that merely reads as true) buys; a client that
  cannot show a form is refused, with the setting that would allow codes;
- ``elicit_or_code``: as above, and a client that cannot show a form gets the summary and a single-use
  code instead; only a second call with that code buys;
- a host that shows MCP Apps (any mode but ``preapproved``): nothing is bought here; the number picker
  page shows the summary, and only the person's click on Buy buys (``tools/answer_purchase.py``);
- ``preapproved``: unattended workflows; the operator's spend policy (a finite daily cap and price
  ceiling, required at start-up) is the approval, and each purchase is audited as approved by policy.

The quote, the spend policy and the address are checked first, in the resolver, so nobody is asked to
confirm a purchase that would be refused, and the confirmation shows the exact purchase to be made.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, StrictBool

from voice_tools.client import ZendeskError
from voice_tools.guard import CodeChannel, CodeSubject, PurchasePlan

from ..shared.arguments import AddressSid
from ..shared.confirmed import Asked, Words, Yes, ask, conclude, guarded
from ..shared.declared import COMMITS_MONEY, PICKER, Declared
from ..shared.errors import tool_error
from ..shared.results import BuyResult, respond
from ..state import AppState

DESCRIPTION = (
    "Buy the number behind a search_numbers quote (a monthly charge). The user must say yes: the client shows "
    "them a form, or, if it cannot, this returns a summary and a confirmation_code: show the user the summary "
    "and call again with the code only after they say yes."
)
CODE_NEXT_STEP = (
    "Nothing bought yet. Show the user the summary word for word and ask whether to buy. Only if they say yes, "
    "call buy_number again with the same quote and address_sid and this confirmation_code."
)
BUY = Words(
    "buy",
    "buys numbers",
    "not purchased",
    "buy the number in Zendesk",
    "nothing was bought",
    "the purchase",
    "Buy a number",
)
NEXT_STEPS = {
    "purchased": "Tell the user it is bought; offer to configure it with update_settings (nickname, group_ids).",
    "not_purchased": "Tell the user nothing was bought; they may try again with a fresh search.",
    "unknown": "Do not retry or buy another. Tell the user to check the account's numbers before doing anything else.",
}


class ConfirmPurchase(BaseModel):
    """The form a client shows the user (flat primitives only, as elicitation requires). Strict: only a
    JSON ``true`` confirms; "true", "yes", "on" or 1 are refused by the SDK before the tool runs."""

    confirm: StrictBool = Field(
        default=False, description="Yes, buy this number and add its monthly charge to the bill"
    )


async def plan_purchase(app: AppState, quote: str, address_sid: str | None, tool: str = "buy_number") -> PurchasePlan:
    """The guard's checks (quote, policy, address) as a plan, or the refusal as the model-facing error."""
    try:
        return await guarded(tool, BUY, lambda: app.guard.prepare(quote, address_sid))
    except ZendeskError as error:
        raise tool_error(error, subject="the address check") from None


async def complete(
    app: AppState,
    plan: PurchasePlan,
    confirmed_by: str,
    *,
    code: str | None = None,
    code_for: CodeChannel | None = None,
    client: dict[str, Any] | None = None,
) -> CallToolResult:
    """The purchase itself, after the yes: through the guard (code redeemed, reserved, sent once, settled)."""
    try:
        outcome = await guarded(
            "buy_number",
            BUY,
            lambda: app.guard.purchase(plan, confirmed_by, code=code, code_for=code_for, client=client),
        )
    except ZendeskError as error:
        raise tool_error(error, subject=f"the purchase of {plan.quote.number}") from None
    if outcome.outcome == "purchased":
        app.directory.forget()
    return respond(
        BuyResult(
            status=outcome.outcome,
            number=outcome.number,
            phone_number_id=outcome.phone_number_id,
            summary=outcome.message,
            next_step=NEXT_STEPS[outcome.outcome],
        )
    )


@dataclass(frozen=True)
class Purchase:
    """One buy_number call as a confirmed action (``shared/confirmed.py``)."""

    quote: str
    address_sid: str | None
    tool = "buy_number"
    words = BUY
    form = ConfirmPurchase
    page_asks = True  # a host that shows MCP Apps asks in the number picker

    async def prepare(self, app: AppState) -> PurchasePlan:
        return await plan_purchase(app, self.quote, self.address_sid)

    def summary(self, plan: PurchasePlan) -> str:
        return plan.summary()

    def code_subject(self, plan: PurchasePlan) -> CodeSubject:
        return plan.code_subject()

    async def record_no(self, app: AppState, plan: PurchasePlan, how: str, why: str) -> None:
        await app.guard.record_no(plan, how, why)

    async def answered_no(self, app: AppState, plan: PurchasePlan, next_step: str) -> CallToolResult:
        return respond(
            BuyResult(status="not_purchased", number=plan.quote.number, summary=plan.summary(), next_step=next_step)
        )

    async def awaiting(self, app: AppState, plan: PurchasePlan, next_step: str, code: str | None) -> CallToolResult:
        return respond(
            BuyResult(
                status="confirmation_required",
                number=plan.quote.number,
                summary=plan.summary(),
                confirmation_code=code,
                next_step=next_step,
            )
        )

    def code_next_step(self) -> str:
        return CODE_NEXT_STEP

    def policy_allows(self, app: AppState) -> bool:
        return True  # the spend policy bounds purchases (start-up refuses the policy channel without its limits)

    def link_seconds(self, plan: PurchasePlan) -> float:
        return plan.quote.expires_at - time.time()  # the page cannot outlive the offer

    async def perform(self, app: AppState, plan: PurchasePlan, yes: Yes) -> CallToolResult:
        return await complete(app, plan, yes.channel, code=yes.code, code_for=yes.code_for, client=yes.client)


async def ask_for_confirmation(quote: str, address_sid: str | None, ctx: Context[Any, Any]) -> Asked:
    """Refuse early (quote, policy, address), then ask the user in the way the operator and client allow."""
    return await ask(ctx, Purchase(quote, address_sid))


async def buy_number(
    quote: Annotated[str, Field(min_length=1, max_length=400, description="The quote from search_numbers, unchanged")],
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmPurchase], Resolve(ask_for_confirmation)],
    address_sid: AddressSid | None = None,
    confirmation_code: Annotated[
        str | None, Field(max_length=12, description="Only after the user said yes to the summary")
    ] = None,
) -> Annotated[CallToolResult, BuyResult]:
    return await conclude(ctx, Purchase(quote, address_sid), confirmation, confirmation_code)


TOOL = Declared(
    buy_number,
    "Buy a number",
    DESCRIPTION,
    COMMITS_MONEY,
    page=PICKER,
    example={"quote": "<the quote of the number chosen, from search_numbers>"},
)
