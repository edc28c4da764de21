"""The two tools only the number picker page calls (``_meta.ui.visibility: ["app"]``).

``review_purchase`` runs when the person chooses an offer: the guard's checks (quote, policy, address),
the summary the page shows, and a single-use approval bound to that quote and address, issued by the
shared ledger so any replica can redeem it. The model never sees it: the host keeps app-only tools and
their results away from the model. ``answer_purchase`` runs when the person clicks Buy or Cancel, with
that approval: Buy buys through the same guard as every other path (quote verified, policy, one
reservation, one create request, audited ``confirmed_by: app``); Cancel spends the approval and audits
the no. A replayed, forged or second click is refused: an approval works once, for the quote and
address it was issued for, and the quote itself can be bought once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from voice_tools.client import ZendeskError
from voice_tools.guard import GuardRefusal, Quote
from voice_tools.guard.text import one_line
from voice_tools.models import Address

from ..shared.arguments import AddressSid
from ..shared.confirmed import guarded, refused
from ..shared.declared import ADDS, PICKER, Declared
from ..shared.errors import tool_error
from ..shared.results import respond
from ..state import AppState, state
from . import buy_number as buy

REVIEW_DESCRIPTION = "Number picker page only: one offer's full summary and a single-use approval for its Buy button."
QuoteText = Annotated[str, Field(min_length=1, max_length=400, description="The offer's quote, unchanged")]


class AddressChoice(BaseModel):
    address_sid: str
    label: str


class PurchaseReview(BaseModel):
    number: str
    kind: Literal["local", "toll-free"]
    place: str
    price: str
    account: str
    address: str | None = None  # the address it will be registered to, or "none needed"
    addresses: list[AddressChoice] | None = None  # the account's fitting addresses, when one must be chosen
    purchases_left_today: int | None = None  # None: the operator set no daily cap
    price_ceiling: str | None = None
    quote_expires: str
    summary: str | None = None
    approval: str | None = None
    next_step: str


def _label(address: Address) -> str:
    parts = [one_line(p, 60) for p in (address.name, address.street, address.city) if p]
    return ", ".join([*parts, address.country_code or ""]).strip(", ")


async def _review_of(app: AppState, quote: Quote) -> dict[str, Any]:
    """What the page shows of the offer and of what the spend policy leaves today."""
    policy = app.guard.policy
    purchases_today = await app.guard.purchases_today()
    cap = policy.max_purchases_per_day
    place = f"{one_line(quote.location, 60)}, {quote.country}" if quote.location else quote.country
    return {
        "number": quote.number,
        "kind": "toll-free" if quote.toll_free else "local",
        "place": place,
        "price": f"{quote.price_text} per month",
        "account": app.account,
        "purchases_left_today": None if cap is None else max(cap - purchases_today, 0),
        "price_ceiling": None if policy.max_monthly_price is None else str(policy.max_monthly_price),
        "quote_expires": quote.expires_text(),
    }


async def review_purchase(
    quote: QuoteText, ctx: Context[Any, Any], address_sid: AddressSid | None = None
) -> Annotated[CallToolResult, PurchaseReview]:
    app = state(ctx)
    try:
        plan = await app.guard.prepare(quote, address_sid)
    except GuardRefusal as refusal:
        if refusal.rule != "address_required" or not refusal.suitable_addresses or refusal.quote is None:
            raise refused("review_purchase", buy.BUY, refusal) from None
        choices = [
            AddressChoice(address_sid=a.provider_reference, label=_label(a))
            for a in refusal.suitable_addresses
            if a.provider_reference
        ]
        fields = await _review_of(app, refusal.quote)
        return respond(PurchaseReview(**fields, addresses=choices, next_step="Choose the address to register it to."))
    except ZendeskError as error:
        raise tool_error(error, subject="the address check") from None
    approval = await guarded("review_purchase", buy.BUY, lambda: app.guard.codes.issue(plan.code_subject().for_app()))
    fields = await _review_of(app, plan.quote)
    return respond(
        PurchaseReview(
            **fields,
            address=plan.address_text(),
            summary=plan.summary(),
            approval=approval,
            next_step="Buy buys it; Cancel buys nothing. The approval works once, for the next 5 minutes.",
        )
    )


TOOL = Declared(
    review_purchase,
    "Review a purchase",
    REVIEW_DESCRIPTION,
    ADDS,
    page=PICKER,
    app_only=True,
)
