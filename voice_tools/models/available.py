"""Numbers available to buy, as ``GET .../phone_numbers/search`` returns them."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from .base import ZendeskResponse
from .money import Money, parse_price, read_price
from .phone_numbers import Capabilities

AddressRequirement = Literal["none", "local", "any", "foreign"]


class AvailableNumber(ZendeskResponse):
    number: str
    token: str
    display_number: str | None = None
    toll_free: bool | None = None
    location: str | None = None
    country_code: str | None = None
    price: str | None = None
    address_requirements: AddressRequirement | str | None = None
    capabilities: Capabilities | None = None
    nickname: str | None = None

    def monthly_price(self) -> Decimal | None:
        """The monthly price as an exact amount ("$1,250.00" -> 1250.00), or None when it cannot be read
        without guessing (see ``money.parse_price``): an unreadable price is never sold."""
        return parse_price(self.price)

    def price_reading(self) -> Money:
        """The monthly price as an exact amount in a currency, or PriceError saying why it cannot be read
        without guessing (see ``money.read_price``)."""
        return read_price(self.price)
