"""The envelopes list and search answers come in: a named list plus offset-pagination links."""

from __future__ import annotations

from collections.abc import Sequence

from .addresses import Address
from .available import AvailableNumber
from .base import ZendeskResponse
from .phone_numbers import MinimalPhoneNumber, PhoneNumber


class OffsetPage(ZendeskResponse):
    """Zendesk's offset pagination: ``next_page``/``previous_page`` are full URLs or null."""

    next_page: str | None = None
    previous_page: str | None = None
    count: int | None = None

    def items(self) -> Sequence[ZendeskResponse]:
        raise NotImplementedError


class PhoneNumberPage(OffsetPage):
    phone_numbers: list[PhoneNumber]

    def items(self) -> Sequence[PhoneNumber]:
        return self.phone_numbers


class MinimalPhoneNumberPage(OffsetPage):
    phone_numbers: list[MinimalPhoneNumber]

    def items(self) -> Sequence[MinimalPhoneNumber]:
        return self.phone_numbers


class AvailableNumberList(OffsetPage):
    phone_numbers: list[AvailableNumber]

    def items(self) -> Sequence[AvailableNumber]:
        return self.phone_numbers


class AddressPage(OffsetPage):
    addresses: list[Address]

    def items(self) -> Sequence[Address]:
        return self.addresses
