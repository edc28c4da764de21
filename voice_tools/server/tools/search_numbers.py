"""search_numbers: numbers available to buy, each with the signed quote that buy_number takes.

Each offer says what Zendesk's help centre says about it before anyone confirms a purchase (``note``): a
Japanese local number needs a verified business, which Zendesk's API cannot buy (its documents: create
"does not currently support creating a phone number that requires a valid verified business"; which
numbers need one: registry offer-notes), and a toll-free number outside the US, Canada and Japan cannot
call out. A note never withholds the quote: Zendesk's answer to the purchase decides.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import Field

from voice_tools.client import ZendeskError
from voice_tools.guard import LedgerUnavailable, Quote
from voice_tools.guard.ledger import READ_WAIT_SECONDS, answered_within
from voice_tools.models import AvailableNumber
from voice_tools.models.dialling import national

from ..shared.arguments import AREA_CODE_COUNTRIES, AreaCode, Contains, Country
from ..shared.declared import PICKER, READS, Declared
from ..shared.errors import tool_error
from ..shared.invalid import invalid_arguments
from ..shared.results import Offer, SearchResult, respond
from ..state import AppState, state

LEDGER_DOWN = (
    "The server's ledger (where quotes are kept) is unavailable just now, so these offers carry no quote and "
    "cannot be bought yet. Show them; to buy one, search again in a few seconds."
)
DESCRIPTION = (
    "Find phone numbers available to buy. Each result has a quote; to buy one, pass its quote to buy_number "
    "(the user must confirm the price)."
)


VERIFICATION_PAGE = "support.zendesk.com/hc/en-us/articles/4408826639386"
TOLL_FREE_PAGE = "support.zendesk.com/hc/en-us/articles/4408835827866"
NEEDS_VERIFIED_BUSINESS = ("JP",)  # local numbers (registry: offer-notes, jp-local-business-verification)
TOLL_FREE_OUTBOUND = ("US", "CA", "JP")


def note(found: AvailableNumber, country: str) -> str | None:
    """What the help centre says about buying or using this number, if anything."""
    where = (found.country_code or country).upper()
    if not found.toll_free and where in NEEDS_VERIFIED_BUSINESS:
        return (
            "needs a verified business: Zendesk's API cannot buy it, the user adds it in Admin Center after "
            f"business verification ({VERIFICATION_PAGE})"
        )
    if found.toll_free and where not in TOLL_FREE_OUTBOUND:
        return f"toll-free outside the US, Canada and Japan: cannot make outbound calls ({TOLL_FREE_PAGE})"
    return None


def _offer(app: AppState, found: AvailableNumber, quote: Quote | None, purchases_today: int, country: str) -> Offer:
    caps = found.capabilities
    refusal = app.guard.policy.refusal(quote, purchases_today) if quote else None
    return Offer(
        number=found.number,
        display=national(found.number),
        location=found.location,
        toll_free=True if found.toll_free else None,
        price=found.price,
        address=found.address_requirements,
        caps=",".join(k for k in ("voice", "sms", "mms") if caps and getattr(caps, k)) or None,
        quote=quote.handle if quote else None,
        blocked=refusal.rule if refusal else (None if quote else "unpriced"),
        note=note(found, country),
    )


async def search_numbers(
    country: Country,
    ctx: Context[Any, Any],
    area_code: AreaCode | None = None,
    contains: Contains | None = None,
    toll_free: Annotated[bool | None, Field(description="true: toll-free only; false: local only")] = None,
    limit: Annotated[int, Field(ge=1, le=20, description="Most results")] = 5,
) -> Annotated[CallToolResult, SearchResult]:
    if area_code and country not in AREA_CODE_COUNTRIES:  # documented: "area_code ... (US and Canada only)"
        problem = f"area_code works only for US and CA numbers, not {country}"
        raise ToolError(invalid_arguments("search_numbers", [problem], fix=["area_code"], hint="leave area_code out"))
    app = state(ctx)
    counted: list[int] = []  # today's purchases, read from the ledger while Zendesk searches

    async def count_today() -> None:
        with suppress(LedgerUnavailable):  # then the answer says so, below
            async with answered_within(app.guard.ledger.url, READ_WAIT_SECONDS):  # a frozen Redis answers nothing
                counted.append(await app.guard.purchases_today())

    failure: ZendeskError | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(count_today)
        try:
            found = await app.client.search_available(
                country, toll_free=toll_free, area_code=area_code, contains=contains, at_least=limit
            )
        except ZendeskError as error:
            failure = error
    if failure is not None:
        raise tool_error(failure, subject="the search") from None
    shown = found[:limit]
    try:  # bounded: a frozen Redis answers nothing, and a quote saved after the answer was given harms nothing
        if not counted:
            raise LedgerUnavailable("ledger", "today's count could not be read")
        async with answered_within(app.guard.ledger.url, READ_WAIT_SECONDS):
            quotes: list[Quote | None] = list(await app.guard.quotes.issue(shown))
        purchases_today = counted[0]
    except LedgerUnavailable:  # the search is still an answer; only buying needs the ledger
        offers = [_offer(app, n, None, 0, country).model_copy(update={"blocked": "ledger"}) for n in shown]
        return respond(SearchResult(numbers=offers, next_step=LEDGER_DOWN))
    offers = [_offer(app, n, q, purchases_today, country) for n, q in zip(shown, quotes, strict=True)]
    if not offers:
        next_step = "Nothing matched: try without contains or area_code, or another country."
    else:
        steps = ["Show the user the numbers and prices"]
        if any(o.note for o in offers):
            steps.append("and each note before they choose (Zendesk may refuse it, or it cannot call out)")
        if any(o.blocked for o in offers):
            steps.append("; results with 'blocked' would be refused by the spend policy, offer the others")
        next_step = " ".join(steps).replace(" ;", ";") + ". To buy one, call buy_number with its quote."
    return respond(SearchResult(numbers=offers, next_step=next_step))


TOOL = Declared(
    search_numbers,
    "Search numbers to buy",
    DESCRIPTION,
    READS,
    page=PICKER,
    example={"country": "US", "toll_free": True, "contains": "HELP"},
)
