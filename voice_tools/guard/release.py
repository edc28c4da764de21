"""The release guard: a number leaves the account only when releases are enabled and a person said yes.

A release cannot be undone: the number is gone from the account, calls to it stop, and it may never be
available again. So it is guarded as a purchase is, through the same ledger and truth rules:

- ``prepare`` refuses before anyone is asked when the operator has not enabled releases
  (``VOICE_TOOLS_RELEASES``), and reads the number and what routes to it, for the summary;
- ``release`` reserves an attempt (no second release of a number is sent while one is open), sends the
  DELETE once, and settles it ``released``, ``not_released`` (Zendesk said no) or, when the answer was
  lost, by looking the number up over the reconciliation window: gone is ``released``, still there is
  ``unknown`` until a later look (the reconciler's) finds out. Shielded from cancellation throughout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

import anyio

from voice_tools.client import APIConnectionError, NotFoundError, ZendeskError
from voice_tools.client.errors import APIStatusError
from voice_tools.models import PhoneNumber, PhoneNumberDetails
from voice_tools.models.dialling import spoken

from .codes import CodeChannel, CodeSubject
from .ledger import Attempt, LedgerUnavailable, Status
from .plans import utc_day
from .purchase import PurchaseGuard
from .refusal import GuardRefusal
from .text import as_data

logger = logging.getLogger("voice_tools.guard")

ReleaseStatus = Literal["released", "not_released", "unknown"]
RELEASES_OFF = (
    "releases are turned off on this server. Retrying will not help; an operator can allow them with "
    "VOICE_TOOLS_RELEASES=on"
)


@dataclass(frozen=True)
class ReleasePlan:
    """A release that passed every check but the human's yes."""

    number: PhoneNumber
    account: str
    routing: str

    def code_subject(self) -> CodeSubject:
        """A code confirms the release of this number (its codes live beside quotes, never one)."""
        key = f"release-{self.number.id}"
        return CodeSubject(
            key=key,
            binding=key,
            event="release",
            this="this release",
            fresh="Call release_number again without a code, show the user the new summary and wait for their yes",
            audit=self.audit_fields(),
        )

    def summary(self) -> str:
        n = self.number
        name = f"{as_data(n.nickname, 60)}, " if n.nickname else ""
        return (
            f"Release {name}{spoken(n.number or '')}, id {n.id}, from the Zendesk account '{self.account}'. "
            f"{self.routing} "
            "Calls to this number will stop and it leaves the account: this cannot be undone, and the number may "
            "never be available again."
        )

    def audit_fields(self) -> dict[str, Any]:
        return {"number": self.number.number, "phone_number_id": self.number.id}


@dataclass(frozen=True)
class ReleaseOutcome:
    outcome: ReleaseStatus
    number: str
    phone_number_id: int
    message: str


def routing_text(details: PhoneNumberDetails) -> str:
    """What routes calls to the number, by name where the account's lists came with it."""
    n = details.phone_number
    groups = {str(g.id): g.name for g in details.groups or []}
    ivrs = {str(i.id): i.name for i in details.ivrs or []}
    parts = []
    if n.group_ids:
        parts.append("groups " + ", ".join(as_data(groups.get(str(g)) or str(g), 40) for g in n.group_ids))
    if n.ivr_id:
        parts.append("the IVR " + as_data(ivrs.get(str(n.ivr_id)) or str(n.ivr_id), 40))
    return f"It routes calls to {' and '.join(parts)}." if parts else "No group or IVR routes calls to it."


class ReleaseGuard:
    """Releases through the purchase guard's ledger, audit trail, confirmation mode and in-flight counter."""

    def __init__(self, purchases: PurchaseGuard, *, enabled: bool) -> None:
        self.guard, self.enabled = purchases, enabled

    async def prepare(self, phone_number_id: int) -> ReleasePlan:
        """Refuse when releases are off (GuardRefusal); read the number (NotFoundError when it is not in
        the account) and what routes to it."""
        if not self.enabled:
            await self._refused("releases_disabled", RELEASES_OFF, phone_number_id=phone_number_id)
        details = await self.guard.client.get_number(phone_number_id, ["all_groups", "ivrs"])
        number = details.phone_number
        if number.number:  # it is in the account: a purchase of it that no one could settle did happen
            await self.guard.proven(number.number, number.id, "found in the account by release_number")
        return ReleasePlan(number, self.guard.account, routing_text(details))

    async def _refused(self, rule: str, message: str, **fields: Any) -> NoReturn:
        await self.guard.write("release", outcome="refused", rule=rule, reason=message, **fields)
        raise GuardRefusal(rule, message)

    async def record_no(self, plan: ReleasePlan, how: str, why: str) -> None:
        await self.guard.write("release", outcome="not_released", confirmed_by=how, reason=why, **plan.audit_fields())

    async def release(
        self,
        plan: ReleasePlan,
        confirmed_by: str,
        *,
        code: str | None = None,
        code_for: CodeChannel = "code",
        client: Mapping[str, Any] | None = None,
        cap: int | None = None,
    ) -> ReleaseOutcome:
        """Redeem the code (if any), reserve (within ``cap`` releases today: the operator's limit when the
        policy approves), send once and settle, shielded from cancellation."""
        with anyio.CancelScope(shield=True), self.guard.in_flight.track():
            if code is not None:
                await self.guard.codes.redeem(plan.code_subject().for_channel(code_for), code)
            attempt = await self._reserve(plan, confirmed_by, client, cap)
            outcome = await self._send_and_settle(plan, attempt)
        return outcome  # noqa: RET504 - after the scope, as in PurchaseGuard.purchase

    async def _reserve(
        self, plan: ReleasePlan, confirmed_by: str, client: Mapping[str, Any] | None, cap: int | None
    ) -> Attempt:
        fields = {**plan.audit_fields(), "confirmed_by": confirmed_by, "client": dict(client) if client else None}
        audit = self.guard.audit.entry("release", outcome="sending", **fields)
        number = plan.number.number or str(plan.number.id)
        reservation = await self.guard.reserved(
            lambda identity: self.guard.ledger.reserve(
                "release", number, None, utc_day(), cap, fields, audit, identity=identity
            ),
            lambda made: made.refusal,
        )
        if reservation.attempt is None and reservation.refusal == "cap_reached":
            await self._refused(
                "max_releases_per_day",
                f"the operator's policy approves at most {cap} release(s) a day without a person, and "
                f"{reservation.active_today} happened (or are under way) today. Retrying today will not help; an "
                "operator can change VOICE_TOOLS_MAX_RELEASES_PER_DAY, or a person can approve it",
                **plan.audit_fields(),
            )
        if reservation.attempt is None:
            await self._refused(
                "release_pending",
                f"a release of {number} is already under way or its outcome is not yet known, so it was not sent "
                "again. Call get_number in a minute to see whether it is still in the account",
                **plan.audit_fields(),
            )
        await self.guard.audit.amirror({**audit, "attempt": reservation.attempt.id})
        return reservation.attempt

    async def _send_and_settle(self, plan: ReleasePlan, attempt: Attempt) -> ReleaseOutcome:
        n = plan.number
        number = n.number or str(n.id)
        try:
            await self.guard.client.delete_number(n.id, resend=False)
        except NotFoundError as gone:
            await self._settle(attempt, "not_released", reason=f"not in the account: {gone.message}")
            raise
        except ZendeskError as error:
            if _definitely_not_done(error):
                await self._settle(attempt, "not_released", reason=error.message)
                raise
            return await self._find_after_lost_answer(plan, attempt, error.message)
        except BaseException as bug:
            await self._settle(attempt, "unknown", reason=f"internal error: {type(bug).__name__}")
            raise
        await self._settle(attempt, "released")
        return ReleaseOutcome("released", number, n.id, f"Released {number} (id {n.id}).")

    async def _find_after_lost_answer(self, plan: ReleasePlan, attempt: Attempt, why: str) -> ReleaseOutcome:
        n = plan.number
        number = n.number or str(n.id)
        for delay in [0.0, *self.guard.reconciliation.delays()]:
            if delay:
                await self.guard.sleep(delay)
            if await self._gone(n.id):
                await self._settle(attempt, "released", reason=f"the answer was lost ({why}); the number is gone")
                return ReleaseOutcome(
                    "released", number, n.id, f"Released {number} (id {n.id}). The answer was lost, but it is gone."
                )
        await self._settle(attempt, "unknown", reason=why)
        return ReleaseOutcome(
            "unknown",
            number,
            n.id,
            f"Unknown whether {number} was released: {why}, and it was still in the account after "
            f"{self.guard.reconciliation.window_seconds:.0f} s. It is not released again until this server finds "
            "out (it keeps checking).",
        )

    async def _gone(self, phone_number_id: int) -> bool:
        """True when Zendesk says the number is not in the account; False when it is, or cannot be read."""
        try:
            await self.guard.client.get_number(phone_number_id)
        except NotFoundError:
            return True
        except ZendeskError as error:
            logger.warning("could not check the account for number %s: %s", phone_number_id, error)
        return False

    async def _settle(self, attempt: Attempt, status: Status, *, reason: str | None = None) -> bool:
        """Settle and audit; False when someone else settled it first (nothing written: nothing to count)."""
        details = attempt.details
        audit = self.guard.audit.entry(
            "release",
            outcome=status,
            number=attempt.subject,
            phone_number_id=details.get("phone_number_id"),
            confirmed_by=details.get("confirmed_by"),
            reason=reason,
        )
        try:
            settled = await self.guard.ledger.settle(attempt.id, status, audit, known=attempt)
        except LedgerUnavailable:  # it happened at Zendesk: kept on this replica's disk until the ledger answers
            self.guard.spool.settle_later(attempt.id, status, audit)
            await self.guard.audit.amirror({**audit, "attempt": attempt.id, "kept_locally": True})
            return True
        if settled is None:
            return False
        await self.guard.audit.amirror({**audit, "attempt": attempt.id})
        return True

    async def reconcile(self) -> int:
        """Settle open releases whose answer was lost: gone is released; still there after the give-up
        horizon is not released. Returns how many this pass settled (as ``PurchaseGuard.reconcile``)."""
        settled = 0
        give_up_before = time.time() - self.guard.reconciliation.give_up_after_seconds
        stale = time.time() - self.guard.reconciliation.stale_after_seconds
        with anyio.CancelScope(shield=True):
            for attempt in await self.guard.ledger.open_attempts("release"):
                if attempt.status == "sending" and attempt.started_at > stale:
                    continue  # a live request: its own caller settles it
                number_id = attempt.details.get("phone_number_id")
                if not isinstance(number_id, int):
                    continue
                if await self._gone(number_id):
                    reason = "gone from the account (found by the reconciler)"
                    settled += await self._settle(attempt, "released", reason=reason)
                elif attempt.started_at < give_up_before:
                    reason = "still in the account long after the request"
                    settled += await self._settle(attempt, "not_released", reason=reason)
                elif attempt.status == "sending":
                    await self._settle(attempt, "unknown", reason="its process stopped before the answer came")
        return settled


def _definitely_not_done(error: ZendeskError) -> bool:
    """Zendesk said no (a 4xx), or the request never left: the number was not released."""
    if isinstance(error, APIConnectionError):
        return error.never_sent
    return isinstance(error, APIStatusError) and 400 <= error.status_code < 500
