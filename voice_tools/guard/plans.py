"""What a purchase is, before and after the guard: the plan a person confirms, its outcome, how a lost answer is
looked for, and the account's addresses a plan is checked against (``purchase.py`` is the guard itself)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from voice_tools.models import Address
from voice_tools.models.dialling import spoken

from .codes import CodeSubject
from .quotes import Quote
from .text import as_data

Outcome = Literal["purchased", "not_purchased", "unknown"]

WHERE = {"local": "in the same country", "foreign": "outside the number's country", "any": "anywhere"}


@dataclass(frozen=True)
class Reconciliation:
    """How a lost answer is settled: look the number up at ``first_delay``, then at doubling delays, for
    ``window_seconds`` in all; ``stale_after_seconds`` is when a ``sending`` attempt with no answer must
    belong to a process that died mid-purchase, so the reconciler settles it too. ``give_up_after_seconds``
    is when an ``unknown`` attempt whose number has never appeared in the account is settled ``unresolved``
    (registry: unknown-purchase-give-up): not "not purchased" (absence is no proof: the number may have been
    bought and released since), but no longer blocking the number or costing the reconciler a look-up a
    minute, while it still counts for its day; proof that comes later (this server finding or releasing the
    number) settles it ``purchased``."""

    window_seconds: float = 30.0
    first_delay: float = 1.0
    stale_after_seconds: float = 120.0
    give_up_after_seconds: float = 24 * 3600.0

    def delays(self) -> list[float]:
        """Pauses before each look-up after the first: 1, 2, 4, ... until the window is spent."""
        delays, spent, delay = [], 0.0, max(self.first_delay, 0.01)
        while spent < self.window_seconds:
            step = min(delay, self.window_seconds - spent)
            delays.append(step)
            spent, delay = spent + step, delay * 2
        return delays


@dataclass(frozen=True)
class PurchasePlan:
    """A purchase that passed every check but the human's yes."""

    quote: Quote
    account: str
    address: Address | None
    currency: str = "USD"  # the spend policy's: how a bare dollar sign is read back to the person

    @property
    def address_sid(self) -> str | None:
        return self.address.provider_reference if self.address else None

    def address_text(self) -> str:
        if self.address is None:
            return "none needed"
        a = self.address
        town = " ".join(p for p in (a.zip, a.city) if p)
        parts = [p for p in (a.name, a.street, town) if p]
        return f"{as_data(', '.join(parts))}, {a.country_code} ({as_data(a.provider_reference, 40)})"

    def address_doubt(self) -> str | None:
        """A fit of the address this server doubts (an inference: Zendesk decides), said in the summary."""
        if self.address is None or fits(self.address, self.quote):
            return None
        where = WHERE.get(self.quote.address_requirement, self.quote.address_requirement)
        return (
            f"Zendesk asks for an address {where} for this number, and this one is in "
            f"{self.address.country_code}: Zendesk may refuse it, and then nothing is bought."
        )

    def summary(self) -> str:
        """What the user confirms: number, kind, place, price and account from the quote alone; the
        account's own texts (location, address) as quoted, one-line data."""
        q = self.quote
        kind = "toll-free" if q.toll_free else "local"
        place = f"{as_data(q.location, 60)}, {q.country}" if q.location and q.location != q.country else q.country
        return (
            f"Buy {spoken(q.number)}, {kind}, {place}, for {q.price_text} per month "
            f"(read as {q.price_in(self.currency)}), "
            f"billed to the Zendesk account '{self.account}' until the number is released. "
            f"Address: {self.address_text()}." + (f" Note: {doubt}" if (doubt := self.address_doubt()) else "")
        )

    def audit_fields(self) -> dict[str, Any]:
        q = self.quote
        return {"number": q.number, "price": q.price_text, "quote": q.handle, "address_sid": self.address_sid}

    def code_subject(self) -> CodeSubject:
        """A code confirms this quote with this address (``for_app()``: the picker's approval, bound apart)."""
        return CodeSubject(
            key=self.quote.handle,
            binding=f"{self.quote.handle}|{self.address_sid or ''}",
            event="purchase",
            this="this quote",
            fresh="Call search_numbers for a fresh quote, show the user the summary again and wait for their yes",
            mismatch="with a different address_sid",
            audit=self.audit_fields(),
        )


@dataclass(frozen=True)
class PurchaseOutcome:
    outcome: Outcome
    number: str
    phone_number_id: int | None
    message: str


def utc_day() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def fits(address: Address, quote: Quote) -> bool:
    if quote.address_requirement == "local":
        return address.country_code == quote.country
    if quote.address_requirement == "foreign":
        return address.country_code != quote.country
    return True
