"""The purchase guard: a number is bought only from a live quote, within policy, after an explicit yes.

The order of checks is the point. ``prepare`` reads the quote from the ledger, applies the spend policy
and resolves the address before anyone is asked, so nobody confirms a purchase that would be refused
and the confirmation shows the exact purchase to be made. ``purchase`` then runs *reserve, send,
settle* (see ``ledger.base``) shielded from the caller's cancellation: once a purchase has started it
is settled and audited whether or not anyone is still waiting for the answer.

A lost answer is never read as "not bought": the guard looks the number up over a window (Zendesk may
commit after the client gave up) and says ``unknown`` when it still cannot tell. An unknown attempt
counts toward the daily cap and blocks that number until a later call, or the periodic reconciler,
finds out what happened and writes the audit line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, NoReturn, TypeVar

import anyio

from voice_tools.client import OutcomeUnknownError, TalkClient, ZendeskError
from voice_tools.models import Address

from .addresses import AddressCache
from .audit import AuditTrail
from .codes import DEFAULT_CODE_TTL_SECONDS, CodeChannel, ConfirmationCodes
from .identity import IdentityCheck, LedgerMemory
from .inflight import InFlight
from .ledger import Attempt, Ledger, LedgerUnavailable, Status
from .plans import (
    WHERE,
    PurchaseOutcome,
    PurchasePlan,
    Reconciliation,
    fits,
    utc_day,
)
from .policy import SpendPolicy
from .quotes import Quote, QuoteBook, QuoteError, used_quote
from .refusal import GuardRefusal
from .reservations import CatchUp
from .spool import Spool
from .text import as_data

logger = logging.getLogger("voice_tools.guard")

R = TypeVar("R")
# What a settlement did: ``written`` into the ledger by this call; ``kept`` on this replica's disk while the ledger
# cannot take it (written there later, ``Spool``); ``already`` settled by someone else first (its own caller,
# another replica's reconciler, a later call): nothing written, and nothing for this settler to count.
Settlement = Literal["written", "kept", "already"]


class PurchaseGuard:
    def __init__(
        self,
        client: TalkClient,
        *,
        account: str,
        ledger: Ledger,
        quotes: QuoteBook,
        policy: SpendPolicy,
        audit: AuditTrail,
        in_flight: InFlight,
        addresses: AddressCache,
        approvals: frozenset[str] = frozenset({"form"}),
        code_ttl_seconds: int = DEFAULT_CODE_TTL_SECONDS,
        reconciliation: Reconciliation | None = None,
        today: Callable[[], str] = utc_day,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        spool: Spool | None = None,
        memory: LedgerMemory | None = None,
    ) -> None:
        self.client, self.account, self.ledger, self.quotes = client, account, ledger, quotes
        self.policy, self.audit, self.in_flight, self.approvals = policy, audit, in_flight, approvals
        self.code_ttl_seconds, self.reconciliation = code_ttl_seconds, reconciliation or Reconciliation()
        self._today, self._sleep, self.addresses = today, sleep, addresses
        self.codes = ConfirmationCodes(ledger, self.write, code_ttl_seconds)
        self.spool = spool or Spool(None)
        self.identity = IdentityCheck(ledger, memory or LedgerMemory(None))
        self.caught_up = CatchUp(ledger, self.spool, self.identity, audit)
        self.sleep = sleep  # for the release guard, which waits on the same clock

    # ---------------------------------------------------------------- before asking
    def today(self) -> str:
        """The UTC day the cap counts (a clock the tests can set)."""
        return self._today()

    async def purchases_today(self) -> int:
        """Today's purchases that happened or may have (sent and unsettled, or unknown): what the cap counts."""
        return await self.ledger.active_on("purchase", self._today())

    async def prepare(self, quote_text: str, address_sid: str | None) -> PurchasePlan:
        """Read the quote, apply the policy and resolve the address; GuardRefusal if any fails. The quote, its
        holder and the day's count come from the ledger in one round trip (``QuoteBook.look``), after what this
        replica kept on its disk, if anything (a purchase it withdrew must not be read as under way)."""
        await self.spool.drain(self.ledger)  # no ledger call unless something was spooled
        look = await self.quotes.look(quote_text.strip(), self._today())
        try:
            quote = self.quotes.read(look.contents)
        except QuoteError as error:
            await self._refused("invalid_quote", str(error))
        holder = look.holder
        if holder is not None and holder.status in ("unknown", "unresolved"):  # a later call settles what it can
            looked = await self._settle_by_look_up(holder)
            holder = holder if looked is None else await self.ledger.attempt(holder.id) or holder
        if holder is not None:
            await self._refused("already_attempted", used_quote(quote, holder.status), quote)
        refusal = self.policy.refusal(quote, look.active_today)
        if refusal is not None:
            await self._refused(
                f"policy:{refusal.rule}", f"refused by the spend policy ({refusal.rule}): {refusal.message}", quote
            )
        address = await self._address_for(quote, address_sid)
        return PurchasePlan(quote=quote, account=self.account, address=address, currency=self.policy.currency)

    async def _address_for(self, quote: Quote, address_sid: str | None) -> Address | None:
        """The address the purchase registers, refused before sending only on facts: one is needed and none
        was given, or the one given is not the account's. Whether it fits local/foreign/any is an inference
        (registry: guard-address-meaning): a doubtful fit is said in the confirmation and Zendesk decides."""
        need = quote.address_requirement
        if need == "none":
            return None
        addresses = await self.addresses.get(self.client)
        suitable = [a for a in addresses if fits(a, quote)]
        chosen = next((a for a in addresses if address_sid and a.provider_reference == address_sid), None)
        if chosen is not None:
            return chosen
        listing = "; ".join(
            f"{as_data(a.provider_reference, 40)} ({as_data(a.name, 40)}, {as_data(a.city, 40)}, {a.country_code})"
            for a in suitable
        )
        where = WHERE.get(need, need)
        if address_sid:
            problem = f"address_sid {as_data(address_sid, 40)} is not one of this account's addresses"
        else:
            problem = f"{quote.number} needs an address {where} (regulation in {quote.country}) and none was given"
        if suitable:
            next_step = f"Suitable addresses: {listing}."
        else:
            next_step = (
                f"This account has no address {where} for {quote.country}: create one with create_address "
                "(toolset addresses) with the user's business address, or the user adds one in Zendesk "
                "(Admin Center > Channels > Talk > Addresses); then buy with its address_sid."
            )
        await self._refused("address_required", f"{problem}. {next_step}", quote, suitable)

    async def write(self, event: str, **fields: Any) -> None:
        """Append an audit line to the ledger, then mirror it to the file and the logger. Before anything was
        sent, a ledger that cannot take it stops the action (LedgerUnavailable): nothing happens unrecorded."""
        entry = self.audit.entry(event, **fields)
        await self.ledger.record(entry)
        await self.audit.amirror(entry)

    async def write_after(self, event: str, **fields: Any) -> None:
        """An audit line for something already done at Zendesk: into the ledger, or, while it cannot take it,
        onto this replica's spool (written into the ledger when it answers again). Never lost, never raised."""
        entry = self.audit.entry(event, **fields)
        try:
            await self.ledger.record(entry)
        except LedgerUnavailable:
            self.spool.record_later(entry)
            entry = {**entry, "kept_locally": True}
        await self.audit.amirror(entry)

    async def catch_up(self) -> str | None:
        """Before anything new is counted in the ledger (``reservations.CatchUp``): the identity to check."""
        return await self.caught_up.catch_up()

    async def reserved(self, reserve: Callable[[str | None], Awaitable[R]], refusal: Callable[[R], str | None]) -> R:
        """A reservation after ``catch_up``, checking the ledger's identity in its own step (``CatchUp.reserved``)."""
        return await self.caught_up.reserved(reserve, refusal)

    async def _refused(
        self, rule: str, message: str, quote: Quote | None = None, suitable: list[Address] | None = None
    ) -> NoReturn:
        if quote is not None:
            self.quotes.forget(quote.handle)
        await self.write(
            "purchase",
            outcome="refused",
            rule=rule,
            number=quote.number if quote else None,
            price=quote.price_text if quote else None,
            quote=quote.handle if quote else None,
            reason=message,
        )
        raise GuardRefusal(rule, message, suitable_addresses=suitable, quote=quote)

    # ------------------------------------------------------------- confirmation
    async def take_daily(self, name: str, amount: int, limit: int, plan: str) -> None:
        """Count ``amount`` against today's ``limit`` for ``name`` (numbers a bulk change approved by policy may
        change), atomically in the ledger; GuardRefusal, audited, when it would pass the limit."""
        used = await self.ledger.take(name, self._today(), amount, limit)
        if used is None:
            left = max(limit - await self.ledger.taken(name, self._today()), 0)
            message = (
                f"the operator's policy lets bulk changes change at most {limit} "
                f"number{'' if limit == 1 else 's'} a day without a person, "
                f"{left} left today, and this plan changes {amount}. Retrying today will not help; a person can "
                "approve it, or an operator can change VOICE_TOOLS_MAX_BULK_NUMBERS_PER_DAY"
            )
            await self.write("bulk", outcome="refused", rule="max_bulk_numbers_per_day", plan=plan, reason=message)
            raise GuardRefusal("max_bulk_numbers_per_day", message)

    async def record_no(self, plan: PurchasePlan, how: str, why: str) -> None:
        await self.write("purchase", outcome="not_purchased", confirmed_by=how, reason=why, **plan.audit_fields())

    # ------------------------------------------------------------------ the buy
    async def purchase(
        self,
        plan: PurchasePlan,
        confirmed_by: str,
        *,
        code: str | None = None,
        code_for: CodeChannel | None = None,
        client: Mapping[str, Any] | None = None,
    ) -> PurchaseOutcome:
        """Redeem the code (if any: issued to ``code_for``, the chat's ``code`` or the picker's ``app``), reserve,
        send once and settle; shielded from cancellation throughout, so a caller that goes away (or a shutdown)
        cannot leave a purchase sent but unsettled. ``confirmed_by`` (the channel) and ``client`` (who carried
        the yes) go into its audit lines."""
        with anyio.CancelScope(shield=True), self.in_flight.track():
            if self.quotes.expired(plan.quote):  # it expired while the person was being asked
                await self._refused(
                    "invalid_quote",
                    f"this quote expired at {plan.quote.expires_text()} while the user was being asked",
                    plan.quote,
                )
            if code is not None:
                subject = plan.code_subject()
                issued_to: CodeChannel = code_for or ("app" if confirmed_by == "app" else "code")
                await self.codes.redeem(subject.for_channel(issued_to), code)
            attempt = await self._reserve(plan, confirmed_by, client)
            outcome = await self.send_and_settle(plan, attempt)
        return outcome  # noqa: RET504 - after the scope: a cancel scope's exit may swallow, so mypy wants it here

    async def _reserve(self, plan: PurchasePlan, confirmed_by: str, client: Mapping[str, Any] | None) -> Attempt:
        q = plan.quote
        fields = {**plan.audit_fields(), "confirmed_by": confirmed_by, "client": dict(client) if client else None}
        audit = self.audit.entry("purchase", outcome="sending", **fields)
        cap = self.policy.max_purchases_per_day
        self.quotes.forget(q.handle)  # whatever happens now, the quote's next look reads the ledger
        reservation = await self.reserved(
            lambda identity: self.ledger.reserve(
                "purchase", q.number, q.handle, self._today(), cap, fields, audit, identity=identity
            ),
            lambda made: made.refusal,
        )
        if reservation.attempt is None:
            if reservation.refusal == "quote_used":
                await self._refused("already_attempted", used_quote(q, reservation.holder or "sending"), q)
            if reservation.refusal == "subject_pending":
                await self._refused(
                    "number_pending",
                    f"another purchase of {q.number} is under way or its outcome is not yet known, so it was not sent "
                    "again. Call get_number or list_numbers in a minute to see whether it is in the account",
                    q,
                )
            refusal = self.policy.refusal(q, reservation.active_today)
            rule = refusal.rule if refusal else "max_purchases_per_day"
            message = refusal.message if refusal else "the daily cap was reached"
            await self._refused(f"policy:{rule}", f"refused by the spend policy ({rule}): {message}", q)
        await self.audit.amirror({**audit, "attempt": reservation.attempt.id})
        return reservation.attempt

    async def send_and_settle(self, plan: PurchasePlan, attempt: Attempt) -> PurchaseOutcome:
        q = plan.quote
        try:
            created = await self.client.create_number(q.token, address_sid=plan.address_sid)
        except OutcomeUnknownError as lost:
            return await self._find_after_lost_answer(attempt, f"the request failed after it was sent ({lost.message})")
        except ZendeskError as refused:  # Zendesk said no, or the request never left: nothing was bought
            await self._settle(attempt, "not_purchased", None, reason=str(refused))
            raise
        except BaseException as bug:  # anything else: we cannot say that nothing was bought
            await self._settle(attempt, "unknown", None, reason=f"internal error: {type(bug).__name__}")
            raise
        settled = await self._settle(attempt, "purchased", created.id)
        return PurchaseOutcome(
            "purchased", q.number, created.id, f"Bought {q.number} (id {created.id}).{_kept(settled)}"
        )

    async def _find_after_lost_answer(self, attempt: Attempt, why: str) -> PurchaseOutcome:
        """Look the number up now and over the window; never answer 'not purchased' for a lost answer."""
        number = attempt.subject
        for delay in [0.0, *self.reconciliation.delays()]:
            if delay:
                await self._sleep(delay)
            found = await self._look_up(number)
            if found is not None:
                settled = await self._settle(attempt, "purchased", found, reason=why)
                return PurchaseOutcome(
                    "purchased",
                    number,
                    found,
                    f"Bought {number} (id {found}). The answer to the purchase was lost, but the number is in the "
                    f"account.{_kept(settled)}",
                )
        settled = await self._settle(attempt, "unknown", None, reason=why)
        return PurchaseOutcome(
            "unknown",
            number,
            None,
            f"Unknown whether {number} was bought: {why}, and it was not in the account after "
            f"{self.reconciliation.window_seconds:.0f} s. It counts toward today's cap and cannot be bought again "
            f"until this server finds out (it keeps checking).{_kept(settled)}",
        )

    async def _look_up(self, number: str) -> int | None:
        """The id of ``number`` in the account, or None when it is not there or the account cannot be read."""
        try:
            async for owned in self.client.list_numbers():
                if owned.number == number:
                    return owned.id
        except ZendeskError as error:
            logger.warning("could not check the account for %s: %s", number, error)
        return None

    async def _settle(
        self, attempt: Attempt, status: Status, phone_number_id: int | None, *, reason: str | None = None
    ) -> Settlement:
        """Settle and audit (``Settlement`` says what happened: only ``already`` wrote nothing anywhere)."""
        details = attempt.details
        audit = self.audit.entry(
            "purchase",
            outcome=status,
            number=attempt.subject,
            price=details.get("price"),
            quote=attempt.quote,
            confirmed_by=details.get("confirmed_by"),
            address_sid=details.get("address_sid"),
            phone_number_id=phone_number_id,
            reason=reason,
        )
        try:
            settled = await self.ledger.settle(attempt.id, status, audit, known=attempt)
        except LedgerUnavailable:
            self.spool.settle_later(attempt.id, status, audit)
            await self.audit.amirror({**audit, "attempt": attempt.id, "kept_locally": True})
            return "kept"
        if settled is None:
            return "already"
        await self.audit.amirror({**audit, "attempt": attempt.id})
        return "written"

    async def _settle_by_look_up(self, attempt: Attempt, by: str = "a later call") -> Settlement | None:
        """Settle an open attempt as purchased when its number is now in the account; None when it is not."""
        found = await self._look_up(attempt.subject)
        if found is None:
            return None
        return await self._settle(attempt, "purchased", found, reason=f"found in the account by {by}")

    async def proven(self, number: str, phone_number_id: int, how: str) -> int:
        """``number`` was seen in the account (``how``): every purchase of it still open or unresolved
        happened, so each is settled ``purchased``. Returns how many this call settled."""
        attempts = await self.ledger.open_attempts("purchase") + await self.ledger.unresolved_attempts("purchase")
        settled = 0
        for attempt in attempts:
            if attempt.subject == number:
                settled += await self._settle(attempt, "purchased", phone_number_id, reason=how) != "already"
        return settled

    # ----------------------------------------------------------- reconciliation
    async def reconcile(self, now: Callable[[], float] = time.time) -> int:
        """Settle what can be settled among open attempts: unknown ones, and ``sending`` ones too old to
        belong to a live request (their process died). Returns how many this pass settled to an outcome, never
        one someone else settled meanwhile (its own caller, another replica's reconciler): the count is the
        operator's warning that answers had been lost."""
        settled = 0
        stale_before = now() - self.reconciliation.stale_after_seconds
        give_up_before = now() - self.reconciliation.give_up_after_seconds
        with anyio.CancelScope(shield=True):
            for attempt in await self.ledger.open_attempts("purchase"):
                if attempt.status == "sending" and attempt.started_at > stale_before:
                    continue  # a live request: its own caller settles it
                found = await self._settle_by_look_up(attempt, by="the reconciler")
                if found is not None:
                    settled += found != "already"
                elif attempt.status == "sending":
                    await self._settle(attempt, "unknown", None, reason="its process stopped before the answer came")
                elif attempt.started_at < give_up_before:
                    hours = self.reconciliation.give_up_after_seconds / 3600
                    reason = (
                        f"not in the account {hours:g} h after it was sent: whether Zendesk committed it is not "
                        "known; it no longer blocks the number and still counts for its day"
                    )
                    settled += await self._settle(attempt, "unresolved", None, reason=reason) != "already"
        return settled


def _kept(settled: Settlement) -> str:
    if settled != "kept":
        return ""
    return (
        " The shared record (the ledger) could not be written just now, so this outcome is recorded on this "
        "server and written there when it answers again: do not buy this number again."
    )
