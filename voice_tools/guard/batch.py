"""Several purchases in one confirmation: within the cap, or not at all.

"Buy five German numbers" was ten calls and five confirmations, two of which the daily cap refused
after the user had said yes. Here every quote is checked as a single purchase is (``prepare``), then
the whole batch against the daily cap, all before anyone is asked; the user confirms one summary with
the total monthly price; then the ledger reserves the whole batch in one atomic step
(``reserve_batch``), so a batch is never cut in half by the cap, even by purchases racing on other
replicas. Each number is then sent once and settled on its own, with the single purchase's truth rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

import anyio

from voice_tools.client import ZendeskError
from voice_tools.models.dialling import international
from voice_tools.models.money import DOLLAR

from .codes import CodeChannel, CodeSubject
from .ledger import Attempt, BatchItem
from .plans import PurchaseOutcome, PurchasePlan
from .purchase import PurchaseGuard
from .refusal import GuardRefusal

MAX_BATCH = 10
NEVER_SENT = "never sent: the batch stopped at an earlier number"


@dataclass(frozen=True)
class BatchPlan:
    plans: list[PurchasePlan]
    account: str

    def code_subject(self) -> CodeSubject:
        """A code confirms exactly these quotes with exactly these addresses."""
        blob = "|".join(f"{p.quote.handle}:{p.address_sid or ''}" for p in self.plans)
        key = "batch-" + hashlib.sha256(blob.encode()).hexdigest()[:24]
        return CodeSubject(
            key=key,
            binding=key,
            event="purchase",
            this="this batch",
            fresh="Call buy_numbers again without a code, show the user the new summary and wait for their yes",
            audit={"batch": True, "numbers": [p.quote.number for p in self.plans]},
        )

    def total_text(self) -> str:
        """The total monthly price per currency, never summed across currencies: ``3.00 USD`` or
        ``3.00 USD and 2.00 EUR``."""
        totals: dict[str, Decimal] = {}
        for p in self.plans:
            code = p.currency if p.quote.currency == DOLLAR else p.quote.currency
            totals[code] = totals.get(code, Decimal(0)) + p.quote.monthly_price
        return " and ".join(f"{amount:,.2f} {code}" for code, amount in totals.items())

    def summary(self) -> str:
        lines = "; ".join(
            f"{international(p.quote.number)} ({'toll-free' if p.quote.toll_free else 'local'}, {p.quote.country}) "
            f"{p.quote.price_text}" + (f", address {p.address_text()}" if p.address else "")
            for p in self.plans
        )
        return (
            f"Buy {len(self.plans)} numbers for {self.total_text()} per month in all, billed to the Zendesk account "
            f"'{self.account}' until they are released: {lines}."
        )


class BatchPurchaser:
    """Batches through the purchase guard's ledger, policy, audit trail and in-flight counter."""

    def __init__(self, guard: PurchaseGuard) -> None:
        self.guard = guard

    async def prepare(self, quotes: list[str], address_sid: str | None) -> BatchPlan:
        """Every quote as a single purchase checks it, then the batch against today's cap."""
        handles = [q.strip() for q in quotes]
        if len(set(handles)) != len(handles):
            await self._refused("invalid_quote", "the same quote is given twice; give each number's quote once")
        plans = [await self.guard.prepare(q, address_sid) for q in handles]  # an address only where one is needed
        numbers = [p.quote.number for p in plans]
        if twice := sorted({n for n in numbers if numbers.count(n) > 1}):
            await self._refused(
                "invalid_quote",
                f"{', '.join(twice)} is given by more than one quote; give each number once (one quote each)",
            )
        cap = self.guard.policy.max_purchases_per_day
        today = await self.guard.purchases_today()
        if cap is not None and today + len(plans) > cap:
            await self._refused(
                "policy:max_purchases_per_day",
                f"refused by the spend policy (max_purchases_per_day): these {len(plans)} purchases would pass "
                f"today's cap of {cap} ({max(cap - today, 0)} left today), and a batch is bought whole or not at "
                "all. Retrying today will not help; buy fewer, or an operator can change "
                "VOICE_TOOLS_MAX_PURCHASES_PER_DAY.",
            )
        return BatchPlan(plans, self.guard.account)

    async def _refused(self, rule: str, message: str) -> NoReturn:
        await self.guard.write("purchase", outcome="refused", rule=rule, reason=message, batch=True)
        raise GuardRefusal(rule, message)

    async def record_no(self, batch: BatchPlan, how: str, why: str) -> None:
        for plan in batch.plans:
            await self.guard.record_no(plan, how, why)

    async def purchase(
        self,
        batch: BatchPlan,
        confirmed_by: str,
        *,
        code: str | None = None,
        code_for: CodeChannel = "code",
        client: Mapping[str, Any] | None = None,
    ) -> list[PurchaseOutcome]:
        """Redeem the code, reserve the whole batch (or refuse it whole), then send and settle each number;
        shielded from cancellation throughout, as a single purchase is."""
        with anyio.CancelScope(shield=True), self.guard.in_flight.track():
            if code is not None:
                await self.guard.codes.redeem(batch.code_subject().for_channel(code_for), code)
            attempts = await self._reserve(batch, confirmed_by, client)
            outcomes: list[PurchaseOutcome] = []
            pairs = list(zip(batch.plans, attempts, strict=True))
            for i, (plan, attempt) in enumerate(pairs):
                try:
                    outcomes.append(await self.guard.send_and_settle(plan, attempt))
                except ZendeskError as error:  # Zendesk said no to this one: settled not_purchased already
                    outcomes.append(PurchaseOutcome("not_purchased", plan.quote.number, None, error.message))
                except BaseException:  # the batch stops here: the items never sent are released, not left open
                    for _, unsent in pairs[i + 1 :]:
                        await self.guard._settle(unsent, "not_purchased", None, reason=NEVER_SENT)
                    raise
        return outcomes

    async def _reserve(self, batch: BatchPlan, confirmed_by: str, client: Mapping[str, Any] | None) -> list[Attempt]:
        items = []
        for plan in batch.plans:
            fields = {**plan.audit_fields(), "confirmed_by": confirmed_by, "client": dict(client) if client else None}
            audit = self.guard.audit.entry("purchase", outcome="sending", **fields)
            items.append(BatchItem(plan.quote.number, plan.quote.handle, fields, audit))
        cap = self.guard.policy.max_purchases_per_day
        reservation = await self.guard.reserved(
            lambda identity: self.guard.ledger.reserve_batch(
                "purchase", items, self.guard.today(), cap, identity=identity
            ),
            lambda made: made.refusal,
        )
        if not reservation.attempts:
            why = {
                "quote_used": f"{reservation.refused_subject} was already bought, or is being bought, with its quote",
                "subject_pending": f"a purchase of {reservation.refused_subject} is under way or its outcome unknown",
                "cap_reached": f"the batch would pass today's cap of {cap} ({reservation.active_today} used)",
            }.get(reservation.refusal or "", "it was refused")
            await self._refused(f"batch:{reservation.refusal}", f"nothing was bought: {why}")
        for item, attempt in zip(items, reservation.attempts, strict=True):
            await self.guard.audit.amirror({**item.audit, "attempt": attempt.id})
        return reservation.attempts
