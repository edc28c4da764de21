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
    """AddressInput: name, street, zip, province and country_code are required (documented); no document
    bounds their length or shapes a zip, so none is checked here and Zendesk's answer decides."""

    nullable_fields = frozenset({"state"})

    name: str
    street: str
    zip: str
    province: str
    country_code: str
    city: str | None = None
    state: str | None = None
