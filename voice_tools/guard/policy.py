"""The operator's spend policy, checked before anyone is asked to confirm anything.

A refusal names the rule that refused, says that retrying will not help, and says which setting an
operator would change: the assistant can tell the user exactly why, and cannot talk its way past it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from voice_tools.models import Money

from .quotes import Quote
from .text import as_data


class PolicyRefusal(Exception):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule, self.message = rule, message


@dataclass(frozen=True)
class SpendPolicy:
    purchases_enabled: bool = True
    max_monthly_price: Decimal | None = Decimal("25.00")
    max_purchases_per_day: int | None = 5
    allowed_countries: frozenset[str] | None = None  # None: any country
    allow_toll_free: bool = True
    currency: str = "USD"  # the account's billing currency, which the ceiling is written in
    notes: tuple[str, ...] = field(default=())

    def refusal(self, quote: Quote, purchases_today: int) -> PolicyRefusal | None:
        """The first rule this purchase breaks, or None when the policy allows it. ``purchases_today``
        counts today's purchases that happened or may have (sent and unsettled, or unknown)."""
        fix = "Retrying will not help; an operator can change this with {}."
        if not self.purchases_enabled:
            return PolicyRefusal(
                "purchases_enabled",
                "purchases are turned off on this server. " + fix.format("VOICE_TOOLS_PURCHASES=on"),
            )
        if quote.price_problem is not None:
            return PolicyRefusal(
                "price",
                f"the price Zendesk gave for {quote.number}, {as_data(quote.price_text)}, {quote.price_problem}, so "
                "nobody can be asked to agree to it. Retrying will not help; search again, or check the price in "
                "Zendesk (Admin Center > Channels > Talk) and buy it there.",
            )
        if not Money(quote.monthly_price, quote.currency, quote.price_text).matches(self.currency):
            return PolicyRefusal(
                "currency",
                f"{quote.number} is priced {as_data(quote.price_text)}, in {quote.currency}, but this server's spend "
                f"policy is in {self.currency}. " + fix.format("VOICE_TOOLS_CURRENCY"),
            )
        if self.allowed_countries is not None and quote.country not in self.allowed_countries:
            allowed = ", ".join(sorted(self.allowed_countries)) or "none"
            return PolicyRefusal(
                "allowed_countries",
                f"numbers in {quote.country} may not be bought here (allowed: {allowed}). "
                + fix.format("VOICE_TOOLS_ALLOWED_COUNTRIES"),
            )
        if quote.toll_free and not self.allow_toll_free:
            return PolicyRefusal(
                "allow_toll_free",
                "toll-free numbers may not be bought here. " + fix.format("VOICE_TOOLS_ALLOW_TOLL_FREE=yes"),
            )
        if self.max_monthly_price is not None and quote.monthly_price > self.max_monthly_price:
            return PolicyRefusal(
                "max_monthly_price",
                f"{quote.price_text} per month is above this server's ceiling of {self.max_monthly_price:.2f} "
                f"{self.currency} per number. " + fix.format("VOICE_TOOLS_MAX_MONTHLY_PRICE"),
            )
        if self.max_purchases_per_day is not None and purchases_today >= self.max_purchases_per_day:
            return PolicyRefusal(
                "max_purchases_per_day",
                f"this server has already bought (or is buying) {purchases_today} number(s) today, and its daily cap "
                f"is {self.max_purchases_per_day}. Retrying today will not help; an operator can change this with "
                "VOICE_TOOLS_MAX_PURCHASES_PER_DAY.",
            )
        return None

    def describe(self) -> dict[str, Any]:
        """The policy in force, for people and assistants (a resource serves it)."""
        return {
            "purchases_enabled": self.purchases_enabled,
            "max_monthly_price": None if self.max_monthly_price is None else f"{self.max_monthly_price:.2f}",
            "max_purchases_per_day": self.max_purchases_per_day,
            "allowed_countries": None if self.allowed_countries is None else sorted(self.allowed_countries),
            "allow_toll_free": self.allow_toll_free,
            "currency": self.currency,
        }
