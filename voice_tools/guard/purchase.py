"""The purchase guard: a number is bought only from a verified quote, within policy, after a human's yes.

The order of checks is the point: the quote is verified and the spend policy applied before anyone is
asked to confirm, and the address is resolved before the summary is shown, so the user confirms the
exact purchase that will be made. The create request is sent once; when its outcome is unknown the
guard never resends it, but looks the number up in the account and says what it found.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, NoReturn

from voice_tools.client import OutcomeUnknownError, TalkClient, ZendeskError
from voice_tools.models import Address

from .audit import AuditLog
from .codes import CodeRefusal, ConfirmationCodes
from .policy import PolicyRefusal, SpendPolicy
from .quotes import Quote, QuoteError, QuoteSigner

ConfirmationMode = Literal["elicit_or_code", "elicit_only"]
Outcome = Literal["purchased", "not_purchased", "unknown"]
CONFIRMATION_MODES: tuple[ConfirmationMode, ...] = ("elicit_or_code", "elicit_only")
ADDRESS_CACHE_SECONDS = 10.0
WHERE = {"local": "in the same country", "foreign": "outside the number's country", "any": "anywhere"}


class GuardRefusal(Exception):
    """The purchase was refused before anything was sent to Zendesk. ``rule`` names the check."""

    def __init__(self, rule: str, message: str, *, suitable_addresses: list[Address] | None = None) -> None:
        super().__init__(message)
        self.rule, self.message = rule, message
        self.suitable_addresses = suitable_addresses or []


@dataclass(frozen=True)
class PurchasePlan:
    """A purchase that passed every check but the human's yes."""

    quote_text: str
    quote: Quote
    account: str
    address: Address | None

    def address_text(self) -> str:
        if self.address is None:
            return "none needed"
        parts = [self.address.name, self.address.street, self.address.city, self.address.country_code]
        return ", ".join(p for p in parts if p) + f" ({self.address.provider_reference})"

    def summary(self) -> str:
        """What the user confirms, in words: number, place, kind, price, account and address."""
        q = self.quote
        kind = "toll-free" if q.toll_free else "local"
        place = f"{q.location}, {q.country}" if q.location and q.location != q.country else q.country
        return (
            f"Buy {q.number} ({kind}, {place}) for {q.price_text} per month, billed to the Zendesk account "
            f"'{self.account}' until the number is released. Address: {self.address_text()}."
        )


@dataclass
class GuardMemory:
    """What the guard remembers between calls: issued codes, quotes already sent, today's purchases.
    It belongs to the server, not to a connection, so every session of one server shares it."""

    codes: ConfirmationCodes = field(default_factory=ConfirmationCodes)
    attempted_tokens: set[str] = field(default_factory=set)
    bought_today: tuple[str, int] | None = None
    addresses: tuple[float, list[Address]] | None = None  # (read at, the account's addresses)


@dataclass(frozen=True)
class PurchaseOutcome:
    outcome: Outcome
    number: str
    phone_number_id: int | None
    message: str


class PurchaseGuard:
    def __init__(
        self,
        client: TalkClient,
        *,
        account: str,
        signer: QuoteSigner,
        policy: SpendPolicy,
        memory: GuardMemory,
        audit: AuditLog,
        mode: ConfirmationMode = "elicit_or_code",
        today: Callable[[], str] = lambda: datetime.now(UTC).strftime("%Y-%m-%d"),
    ) -> None:
        self.client, self.account = client, account
        self.signer, self.policy, self.audit, self.mode = signer, policy, audit, mode
        self.memory, self._today = memory, today

    # ---------------------------------------------------------------- before asking
    def purchases_today(self) -> int:
        day = self._today()
        if self.memory.bought_today is None or self.memory.bought_today[0] != day:
            self.memory.bought_today = (day, self.audit.purchases_on(day))
        return self.memory.bought_today[1]

    async def prepare(self, quote_text: str, address_sid: str | None) -> PurchasePlan:
        """Verify the quote, apply the policy and resolve the address; GuardRefusal if any fails."""
        try:
            quote = self.signer.verify(quote_text)
        except QuoteError as error:
            self._refused("invalid_quote", str(error))
        if quote.token in self.memory.attempted_tokens:
            self._refused(
                "already_attempted",
                f"{quote.number} was already bought (or a purchase of it was already sent) from this quote. "
                "Call get_number or list_numbers to see it; do not buy it again.",
                quote,
            )
        refusal: PolicyRefusal | None = self.policy.refusal(quote, self.purchases_today())
        if refusal is not None:
            self._refused(
                f"policy:{refusal.rule}",
                f"refused by the spend policy ({refusal.rule}): {refusal.message}",
                quote,
            )
        address = await self._address_for(quote, address_sid)
        return PurchasePlan(quote_text=quote_text.strip(), quote=quote, account=self.account, address=address)

    async def _address_for(self, quote: Quote, address_sid: str | None) -> Address | None:
        need = quote.address_requirement
        if need == "none":
            return None
        addresses = await self._addresses()
        suitable = [a for a in addresses if _fits(a, quote)]
        chosen = next((a for a in addresses if address_sid and a.provider_reference == address_sid), None)
        if chosen is not None and chosen in suitable:
            return chosen
        listing = "; ".join(f"{a.provider_reference} ({a.name}, {a.city}, {a.country_code})" for a in suitable)
        where = WHERE.get(need, need)
        if address_sid and chosen is None:
            problem = f"address_sid {address_sid} is not one of this account's addresses"
        elif chosen is not None:
            problem = f"the address {address_sid} is in {chosen.country_code}, but this number needs one {where}"
        else:
            problem = f"{quote.number} needs an address {where} (regulation in {quote.country}) and none was given"
        if suitable:
            next_step = f"Suitable addresses: {listing}."
        else:
            next_step = (
                f"This account has no address {where} for {quote.country}: the user must add one in Zendesk "
                "(Admin Center > Channels > Talk > Addresses) first."
            )
        self._refused("address_required", f"{problem}. {next_step}", quote, suitable)

    async def _addresses(self) -> list[Address]:
        """The account's addresses, remembered for a few seconds: one purchase checks its address in the
        resolver and again in the tool body, and should not list them from Zendesk each time."""
        now = time.monotonic()
        if self.memory.addresses is None or now - self.memory.addresses[0] > ADDRESS_CACHE_SECONDS:
            self.memory.addresses = (now, [a async for a in self.client.list_addresses()])
        return self.memory.addresses[1]

    def _refused(
        self, rule: str, message: str, quote: Quote | None = None, suitable: list[Address] | None = None
    ) -> NoReturn:
        self.audit.write(
            "purchase",
            outcome="refused",
            rule=rule,
            number=quote.number if quote else None,
            price=quote.price_text if quote else None,
            reason=message,
        )
        raise GuardRefusal(rule, message, suitable_addresses=suitable)

    # ------------------------------------------------------------- confirmation
    def issue_code(self, plan: PurchasePlan) -> str:
        code = self.memory.codes.issue(plan.quote_text, _sid(plan))
        self.audit.write(
            "purchase",
            outcome="confirmation_requested",
            number=plan.quote.number,
            price=plan.quote.price_text,
            confirmed_by="code",
        )
        return code

    def redeem_code(self, plan: PurchasePlan, code: str) -> None:
        try:
            self.memory.codes.redeem(code, plan.quote_text, _sid(plan))
        except CodeRefusal as error:
            self._refused("confirmation_code", str(error), plan.quote)

    def record_no(self, plan: PurchasePlan, how: str, why: str) -> None:
        self.audit.write(
            "purchase",
            outcome="not_purchased",
            number=plan.quote.number,
            price=plan.quote.price_text,
            confirmed_by=how,
            reason=why,
        )

    # ------------------------------------------------------------------ the buy
    async def purchase(self, plan: PurchasePlan, confirmed_by: str) -> PurchaseOutcome:
        """Send the create request once, and settle its outcome without ever resending it."""
        q = plan.quote
        self.memory.attempted_tokens.add(q.token)
        try:
            created = await self.client.create_number(q.token, address_sid=_sid(plan))
        except OutcomeUnknownError as unknown:
            outcome = await self._settle(plan, unknown)
        except ZendeskError:
            self.memory.attempted_tokens.discard(q.token)  # Zendesk refused it outright: nothing was bought
            self.audit.write(
                "purchase", outcome="failed", number=q.number, price=q.price_text, confirmed_by=confirmed_by
            )
            raise
        else:
            outcome = PurchaseOutcome("purchased", q.number, created.id, f"Bought {q.number} (id {created.id}).")
        if outcome.outcome == "purchased":
            self._count_purchase()
        self.audit.write(
            "purchase",
            outcome=outcome.outcome,
            number=q.number,
            price=q.price_text,
            confirmed_by=confirmed_by,
            phone_number_id=outcome.phone_number_id,
            address_sid=_sid(plan),
        )
        return outcome

    async def _settle(self, plan: PurchasePlan, unknown: OutcomeUnknownError) -> PurchaseOutcome:
        """After an unknown outcome, look for the number in the account rather than asking again."""
        number = plan.quote.number
        try:
            owned = await self.client.list_numbers().collect()
        except ZendeskError:
            return PurchaseOutcome(
                "unknown",
                number,
                None,
                f"Unknown whether {number} was bought: the request failed after it was sent ({unknown.message}) and "
                "the account could not be checked. Do not retry: ask the user to check the account's numbers in "
                "Zendesk (or call list_numbers later) before doing anything else.",
            )
        match = next((n for n in owned if n.number == number), None)
        if match is not None:
            return PurchaseOutcome(
                "purchased",
                number,
                match.id,
                f"Bought {number} (id {match.id}). The answer to the purchase was lost, "
                "but the number is in the account.",
            )
        self.memory.attempted_tokens.discard(plan.quote.token)
        return PurchaseOutcome(
            "not_purchased",
            number,
            None,
            f"{number} was not bought: the request failed ({unknown.message}) and the number is not in the account.",
        )

    def _count_purchase(self) -> None:
        day = self._today()
        count = self.purchases_today()
        self.memory.bought_today = (day, count + 1)


def _fits(address: Address, quote: Quote) -> bool:
    if quote.address_requirement == "local":
        return address.country_code == quote.country
    if quote.address_requirement == "foreign":
        return address.country_code != quote.country
    return True


def _sid(plan: PurchasePlan) -> str | None:
    return plan.address.provider_reference if plan.address else None
