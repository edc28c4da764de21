"""create_address (toolset addresses): a new address for numbers that regulation ties to one.

What Zendesk (its carrier) accepts as a postal code is not in its documents, so a zip not shaped like the
country's well-known format is sent anyway and said in the answer (registry: address-postal-formats):
Zendesk's answer decides, and its refusal, in its own words, says what to fix."""

from __future__ import annotations

import re
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, ValidationError

from voice_tools.client import ZendeskError
from voice_tools.models import AddressCreate

from ..shared.arguments import Country
from ..shared.declared import ADDS, Declared
from ..shared.errors import tool_error
from ..shared.invalid import fields_of, invalid_arguments, problems
from ..shared.results import AddressRow, address_row, respond
from ..state import state

CREATE_DESCRIPTION = (
    "Add an address to the account (for numbers that need one). Use the user's real business address and read "
    "it back to them first. Returns its address_sid for buy_number."
)

# Postal codes whose format is well known: one that differs is sent, with a note (Zendesk decides).
POSTAL_CODES = {
    "US": (r"\d{5}(-\d{4})?", "5 digits, or 5+4 like 94105-1234"),
    "CA": (r"[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d", "like K1A 0B1"),
    "GB": (r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}", "like SW1A 1AA"),
    "IE": (r"[A-Za-z]\d[\dWw] ?[A-Za-z\d]{4}", "an Eircode like D02 X285"),
    "DE": (r"\d{5}", "5 digits"),
    "FR": (r"\d{5}", "5 digits"),
    "AU": (r"\d{4}", "4 digits"),
}
Text = Annotated[str, Field(min_length=1)]


class CreatedAddress(BaseModel):
    address: AddressRow
    warnings: list[str] | None = None
    next_step: str


async def create_address(
    ctx: Context[Any, Any],
    name: Annotated[Text, Field(description="Business or person the address belongs to")],
    street: Annotated[Text, Field(description="Street and number")],
    zip: Annotated[str, Field(min_length=1, description="Postal code")],
    province: Annotated[Text, Field(description="Province, county, state or region")],
    country_code: Country,
    city: str | None = None,
) -> Annotated[CallToolResult, CreatedAddress]:
    warnings = []
    if country_code in POSTAL_CODES:
        pattern, shape = POSTAL_CODES[country_code]
        if not re.fullmatch(pattern, zip.strip()):
            warnings.append(f"zip {zip!r} does not look like a postal code of {country_code} ({shape}); it was sent")
    app = state(ctx)
    fields = {"name": name, "street": street, "zip": zip.upper(), "province": province, "city": city}
    try:  # a field left out is sent as absent, never as null; blank is not an answer
        request = AddressCreate.model_validate(
            {"country_code": country_code} | {k: v.strip() for k, v in fields.items() if v and v.strip()}
        )
    except ValidationError as error:
        raise ToolError(invalid_arguments("create_address", problems(error), fix=fields_of(error))) from None
    try:
        created = await app.client.create_address(request)
    except ZendeskError as error:
        raise tool_error(error, subject="the new address", writes=True) from None
    await app.guard.write("address", outcome="created", address_sid=created.provider_reference, country=country_code)
    app.guard.addresses.forget()
    return respond(
        CreatedAddress(
            address=address_row(created),
            warnings=warnings or None,
            next_step=(
                "Read the address back to the user" + (" and the warning" if warnings else "") + "; pass this "
                "address_sid to buy_number with the quote of the number that needed it."
            ),
        )
    )


TOOL = Declared(
    create_address,
    "Add an address",
    CREATE_DESCRIPTION,
    ADDS,
    toolset="addresses",
    example={
        "name": "Acme SAS",
        "street": "12 rue de la Paix",
        "city": "Paris",
        "zip": "75002",
        "province": "Ile-de-France",
        "country_code": "FR",
    },
)
