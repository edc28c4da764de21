"""Addresses: what regulators require before some numbers can be bought (``address_sid``)."""

from __future__ import annotations

from pydantic import Field

from .base import ZendeskRequest, ZendeskResponse, read_only


class Address(ZendeskResponse):
    id: int = read_only("Zendesk's id for the address", ...)
    name: str | None = None
    street: str | None = None
    zip: str | None = None
    city: str | None = None
    province: str | None = None
    state: str | None = None
    country_code: str | None = None
    provider_reference: str | None = Field(None, description="The address's id at the carrier: pass as address_sid")


class AddressCreate(ZendeskRequest):
    nullable_fields = frozenset({"state"})

    name: str = Field(min_length=1, max_length=255)
    street: str = Field(min_length=1, max_length=255)
    zip: str = Field(min_length=1, max_length=32)
    province: str = Field(min_length=1, max_length=255)
    country_code: str = Field(pattern=r"^[A-Z]{2}$")
    city: str | None = Field(None, max_length=255)
    state: str | None = Field(None, max_length=255)
