"""What the tools return: small typed models (the output schemas) and their compact text form.

MCPServer's default text block is the result as indented JSON; every token of it crowds the model's
context, so tools answer with ``respond()``: the same structured content, and as text the compact JSON
of it without nulls. Models carry no descriptions: field names say what they hold, and each result
ends in ``next_step``, the one thing the model should consider doing next.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ConfigDict

from voice_tools.models import Address

# Noise for a model: Zendesk's internal greeting-category maps. They stay in the full record (view="full").
NOISY_FIELDS = ("categorised_greetings", "categorised_greetings_with_sub_settings", "default_greeting_ids")


class Offer(BaseModel):
    number: str
    display: str | None = None  # as dialled in its own country: "(021) 528 9370" (models/dialling.py)
    location: str | None = None
    toll_free: bool | None = None  # left out when false: one less thing to read per result
    price: str | None = None
    address: str | None = None
    caps: str | None = None
    quote: str | None = None
    blocked: str | None = None
    note: str | None = None  # what the help centre says about buying or using this number


class SearchResult(BaseModel):
    numbers: list[Offer]
    next_step: str


class NumberSummary(BaseModel):
    """A listed number: the compact view, or (``view="full"``) the full record as extra fields."""

    model_config = ConfigDict(extra="allow")

    id: int
    number: str | None = None
    name: str | None = None
    toll_free: bool | None = None


class NumberList(BaseModel):
    numbers: list[NumberSummary]
    common: dict[str, Any] | None = None  # full view: values every listed number shares, shown once
    matched: int
    total: int
    as_of: str  # when the account was read (the listing's snapshot): "12:03:10 UTC"
    next_cursor: str | None = None  # where the next call starts, when matches were left out
    next_step: str


class NumberDetails(BaseModel):
    phone_number: dict[str, Any]
    related: dict[str, list[dict[str, Any]]] | None = None
    next_step: str


class Change(BaseModel):
    field: str
    before: Any = None
    after: Any = None


class UpdateResult(BaseModel):
    phone_number_id: int
    applied: bool
    changes: list[Change]
    warnings: list[str] | None = None  # what the preview doubts; the update is sent regardless
    next_step: str


class BuyResult(BaseModel):
    status: Literal["purchased", "not_purchased", "confirmation_required", "unknown"]
    number: str
    phone_number_id: int | None = None
    summary: str | None = None
    confirmation_code: str | None = None
    next_step: str


class ReleaseResult(BaseModel):
    status: Literal["released", "not_released", "confirmation_required", "unknown"]
    number: str
    phone_number_id: int
    summary: str | None = None
    confirmation_code: str | None = None
    next_step: str


def compact_json(data: Any) -> str:
    return json.dumps(_without_nulls(data), separators=(",", ":"), ensure_ascii=False)


def _without_nulls(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_nulls(v) for v in data]
    return data


def respond(result: BaseModel) -> CallToolResult:
    """A tool result: structured content for clients, and the same as compact JSON text for the model."""
    structured = result.model_dump(mode="json", exclude_none=True)
    return CallToolResult(
        content=[TextContent(type="text", text=compact_json(structured))], structured_content=structured
    )


class AddressRow(BaseModel):
    address_sid: str | None = None
    name: str | None = None
    street: str | None = None
    city: str | None = None
    zip: str | None = None
    province: str | None = None
    country_code: str | None = None


def address_row(address: Address) -> AddressRow:
    return AddressRow(
        address_sid=address.provider_reference,
        name=address.name,
        street=address.street,
        city=address.city or None,
        zip=address.zip,
        province=address.province,
        country_code=address.country_code,
    )
