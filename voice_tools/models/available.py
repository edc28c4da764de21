"""Numbers available to buy, as ``GET .../phone_numbers/search`` returns them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from .base import ZendeskResponse
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
        """The monthly price as a number ("$1.00" -> 1.00), or None when Zendesk gave none we can read."""
        if not self.price:
            return None
        match = re.search(r"[0-9]+(?:[.,][0-9]+)?", self.price)
        if not match:
            return None
        try:
            return Decimal(match.group().replace(",", "."))
        except InvalidOperation:
            return None
