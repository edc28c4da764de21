"""list_addresses and create_address (toolset ``addresses``): what regulated numbers need before purchase.

Some countries sell numbers only with an address on the account (``address`` in a search result says
which kind: in the number's country, outside it, or any). With these two tools a regulated number is
bought in one conversation: create the address, then pass its ``address_sid`` to buy_number. Every field
Zendesk requires (name, street, zip, province, country) is checked here first, and the postal code
against the country's format where it is well known, so a typo is fixed before anything is sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel

from voice_tools.client import ZendeskError

from ..shared.arguments import Country
from ..shared.budget import rows_that_fit
from ..shared.declared import READS, Declared
from ..shared.errors import tool_error
from ..shared.results import AddressRow, address_row, respond
from ..state import state

LIST_DESCRIPTION = "The account's addresses; pass an address_sid to buy_number for numbers that need one."


class AddressList(BaseModel):
    addresses: list[AddressRow]
    next_step: str


async def list_addresses(
    ctx: Context[Any, Any], country: Country | None = None
) -> Annotated[CallToolResult, AddressList]:
    app = state(ctx)
    try:
        found = [a async for a in app.client.list_addresses()]
    except ZendeskError as error:
        raise tool_error(error, subject="the list of addresses") from None
    rows = [address_row(a).model_dump(exclude_none=True) for a in found if country is None or a.country_code == country]
    shown = rows_that_fit(rows, app.settings.max_result_tokens)
    if not rows:
        next_step = "No address" + (f" in {country}" if country else "") + ": create one with create_address."
    elif shown < len(rows):
        next_step = f"Showing {shown} of {len(rows)}: narrow with country."
    else:
        next_step = "Pass the address_sid that fits the number to buy_number."
    return respond(AddressList(addresses=[AddressRow(**r) for r in rows[:shown]], next_step=next_step))


TOOL = Declared(
    list_addresses,
    "List addresses",
    LIST_DESCRIPTION,
    READS,
    toolset="addresses",
    example={"country": "FR"},
)
