"""What comes before every reservation in the ledger: the replica's own record caught up, and the ledger still
the one this replica knew (``identity.py``), at no round trip on the hot path.

A purchase, a batch and a release each reserve through ``CatchUp.reserved``: the spool (outcomes kept on this
replica while the ledger was down) is written first, and the ledger's identity is checked inside the
reservation's own atomic step, so a ledger that lost its memory refuses at the very next reservation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from .audit import AuditTrail
from .identity import IdentityCheck
from .ledger import Ledger, LedgerUnavailable, Status
from .refusal import GuardRefusal
from .spool import Spool

R = TypeVar("R")


class CatchUp:
    def __init__(self, ledger: Ledger, spool: Spool, identity: IdentityCheck, audit: AuditTrail) -> None:
        self.ledger, self.spool, self.identity, self.audit = ledger, spool, identity, audit

    async def catch_up(self) -> str | None:
        """Before anything new is counted in the ledger: write what this replica spooled while it was down,
        and refuse (``ledger_reset``, audited on this replica) a ledger that has lost its memory. Returns the
        identity each reservation checks in its own step; the full check runs only when none is known (the
        first reservation, or one that found another identity), so the hot path costs no round trip here."""
        await self.spool.drain(self.ledger)  # nothing to do (and no ledger call) unless something was spooled
        if self.identity.known is None:
            try:
                await self.identity.verify(now=True)
            except GuardRefusal as refusal:
                await self.audit.amirror(
                    self.audit.entry("ledger", outcome="refused", rule=refusal.rule, reason=refusal.message)
                )
                raise
        return self.identity.known

    async def reserved(self, reserve: Callable[[str | None], Awaitable[R]], refusal: Callable[[R], str | None]) -> R:
        """Run ``reserve`` (a ledger reservation, given the identity to check) after ``catch_up``. When the
        ledger holds another identity, the full check decides: it refuses a ledger that forgot (GuardRefusal),
        or adopts the successor an operator's restore or accept-reset wrote, and the reservation runs again."""
        made = await self._withdrawn_if_unsure(reserve, await self.catch_up())
        if refusal(made) != "identity":
            return made
        self.identity.known = None
        made = await self._withdrawn_if_unsure(reserve, await self.catch_up())
        if refusal(made) == "identity":  # it changed again between the two: say so rather than loop
            message = "the guard's ledger changed its identity twice in a moment; nothing was sent. Retry: yes"
            await self.audit.amirror(self.audit.entry("ledger", outcome="refused", rule="ledger_reset", reason=message))
            raise GuardRefusal("ledger_reset", message)
        return made

    async def _withdrawn_if_unsure(self, reserve: Callable[[str | None], Awaitable[R]], identity: str | None) -> R:
        """A reservation whose answer never came may still have been made (Redis ran it, then stalled before
        replying), and the caller is told nothing was done, which is true: nothing was sent. So each attempt it
        may have made is withdrawn (settled not_purchased / not_released) through the spool, written into the
        ledger ahead of anything new once it answers; one that was never made is left alone there."""
        try:
            return await reserve(identity)
        except LedgerUnavailable as down:
            for attempt in down.unsure:
                status: Status = "not_purchased" if attempt.kind == "purchase" else "not_released"
                entry = self.audit.entry(
                    attempt.kind, outcome=status, number=attempt.subject, quote=attempt.quote, reason=WITHDRAWN
                )
                self.spool.settle_later(attempt.id, status, entry)
            raise


WITHDRAWN = "never sent: the ledger's answer to its reservation did not come, so it was withdrawn"
