"""What the guard remembers, and the atomic operations on it that every backend provides.

The ledger is the one owner of the guard's memory: quotes, confirmation codes, purchase attempts, the
day's count and the audit trail. Each operation is one atomic step in the backend (one SQLite
transaction, one Redis script), so no check is ever separated from the effect it guards, whether the
callers are two tasks of one process, two processes on one host or replicas on several hosts.

An attempt's life: ``reserve`` checks that its quote is unused, that its subject (the number) has no
open attempt and that the day's count of active attempts is under the cap, then records it as
``sending`` with an audit line, durably, before anything is sent. ``settle`` moves it on:

    sending ──> purchased | released          (Zendesk said yes, or the number was found afterwards)
            ──> not_purchased | not_released  (Zendesk said no (a 4xx): nothing happened)
            ──> unknown ──> purchased | ...   (no answer; settled later, by looking the number up)
                        ──> unresolved ──> purchased  (never seen, long after; proof may still come)

Active attempts (sending, done, unknown, unresolved) count toward the cap and keep their quote used; open
ones (sending, unknown) also block another attempt on the same subject until they are settled.
``unresolved`` is the honest word for an attempt whose outcome nobody knows after the give-up: it no
longer blocks its subject or costs the reconciler a look-up, still counts for its day, and becomes
``purchased`` when proof comes (this server finding, or releasing, the number).
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio

Kind = Literal["purchase", "release"]
Status = Literal["sending", "unknown", "unresolved", "purchased", "not_purchased", "released", "not_released"]
Redemption = Literal["redeemed", "unknown", "mismatch", "locked"]
ReserveRefusal = Literal["quote_used", "subject_pending", "cap_reached", "identity"]

OPEN: frozenset[str] = frozenset({"sending", "unknown"})
DONE: frozenset[str] = frozenset({"purchased", "released"})
UNDONE: frozenset[str] = frozenset({"not_purchased", "not_released"})
UNRESOLVED: frozenset[str] = frozenset({"unresolved"})
ACTIVE: frozenset[str] = OPEN | DONE | UNRESOLVED
SETTLEABLE: frozenset[str] = OPEN | UNRESOLVED  # an unresolved attempt may still be proven done
MAX_WRONG_CODES = 5
HANDLE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # 32 letters: 5 bits each; no l/1, o/0 to misread
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # read and typed by people: no 0/O, 1/I/L
CODE_LENGTH = 6
READ_WAIT_SECONDS = 2.0  # a healthy ledger answers a read in ms; a caller that can refuse or go on waits no longer


class LedgerUnavailable(Exception):
    """The ledger could not be reached or could not write (Redis down or restarting, a full or failing disk).
    Nothing it was asked to do is known to have happened; ``retry_after`` is a fair first wait. The message names
    where the ledger is (never a secret) and what failed, for the operator. ``unsure``: the attempts a reservation
    may still have made although its answer never came (Redis ran it, then stalled before replying): nothing was
    sent for them, and the guard withdraws them when the ledger answers again."""

    def __init__(self, where: str, what: str, retry_after: float = 5.0, unsure: Sequence[Attempt] = ()) -> None:
        super().__init__(f"the guard's ledger ({where}) is unavailable: {what}")
        self.where, self.what, self.retry_after, self.unsure = where, what, retry_after, tuple(unsure)


@asynccontextmanager
async def answered_within(where: str, seconds: float) -> AsyncIterator[None]:
    """LedgerUnavailable when the ledger calls inside are not answered within ``seconds``. A frozen Redis
    (SIGSTOP, a stalled host or disk) keeps its connections open and answers nothing, so a call waits for it
    as long as it stays frozen; a caller that can do without the ledger (a read of the account, a search's
    quotes, the advisory pause board) bounds its wait with this and goes on. Only for calls that are safe to
    give up on: a read, or a write whose late arrival harms nothing (a quote nobody was given). A reservation
    is never given up this way, since Redis could still run it after the caller was told nothing happened:
    Redis's own command timeout ends its wait, its script refuses to reserve late (``redis.py``), and one made
    whose answer never came is withdrawn (``LedgerUnavailable.unsure``, ``reservations.py``)."""
    try:
        with anyio.fail_after(seconds):
            yield
    except TimeoutError:
        raise LedgerUnavailable(where, f"no answer within {seconds:g} s") from None


def new_id(prefix: str, length: int = 10) -> str:
    """A random id that begins with a letter (a digits-only id was once read as a float by a client)."""
    return prefix + "".join(secrets.choice(HANDLE_ALPHABET) for _ in range(length))


def new_code() -> str:
    """A confirmation code: six characters a person can read out and type."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class Attempt:
    id: str
    kind: Kind
    subject: str
    quote: str | None
    day: str
    status: Status
    started_at: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reservation:
    """What ``reserve`` did: an attempt recorded as ``sending``, or the rule that refused it."""

    attempt: Attempt | None
    refusal: ReserveRefusal | None = None
    active_today: int = 0  # active attempts of this kind on the day, the new one included
    holder: str | None = None  # the status of the attempt that holds the quote or subject, if refused


@dataclass(frozen=True)
class QuoteLook:
    """What a purchase checks before anyone is asked, read in one step: the quote's contents (None: never
    issued here, or expired long ago), the active attempt that used it, and the day's active attempts."""

    contents: dict[str, Any] | None
    holder: Attempt | None
    active_today: int


@dataclass(frozen=True)
class BatchItem:
    """One attempt of a batch: what ``reserve`` takes for a single one."""

    subject: str
    quote: str | None
    details: dict[str, Any]
    audit: dict[str, Any]


@dataclass(frozen=True)
class BatchReservation:
    """Every attempt of a batch recorded as ``sending``, or none and the first rule that refused."""

    attempts: list[Attempt]
    refusal: ReserveRefusal | None = None
    active_today: int = 0  # active attempts of this kind on the day (the batch included, if reserved)
    refused_subject: str | None = None  # the item that broke a rule (quote used, subject pending)


JobStatus = Literal["running", "done"]
JOB_KEEP_SECONDS = 7 * 24 * 3600.0  # a job (its items and result) is kept this long after its last step


@dataclass(frozen=True)
class JobState:
    """A long job (a bulk change) as the ledger holds it: what it is (``record``, written once), whether it is
    running or done, who holds its lease and until when, how many of its items are in each state, and its
    result once done. A running job whose lease has expired (its replica died) or that has no owner (its
    replica stopped) may be claimed by any replica, which resumes it."""

    id: str
    record: dict[str, Any]
    status: JobStatus
    owner: str | None
    lease_until: float
    counts: dict[str, int]
    result: dict[str, Any] | None = None

    def claimable(self, now: float) -> bool:
        return self.status == "running" and (self.owner is None or self.lease_until < now)


@dataclass(frozen=True)
class CodeCheck:
    outcome: Redemption
    wrong_left: int  # wrong codes this quote may still take before its codes are burnt


class Ledger(ABC):
    """One account's guard memory. ``url`` says where it lives, for the start-up line (no secret in it)."""

    account: str
    url: str

    # ------------------------------------------------------------------ quotes
    @abstractmethod
    async def save_quotes(self, quotes: Sequence[tuple[str, dict[str, Any]]], ttl_seconds: float) -> None:
        """Store quote contents under their handles until they expire."""

    @abstractmethod
    async def load_quote(self, handle: str) -> dict[str, Any] | None:
        """A quote's contents, or None when it was never issued here or has expired."""

    async def save_record(self, key: str, contents: dict[str, Any], ttl_seconds: float) -> None:
        """A keyed record that expires (a bulk change's plan), kept beside quotes: keys never collide, since
        each kind has its own first letter (quotes ``q``, plans ``p``)."""
        await self.save_quotes([(key, contents)], ttl_seconds)

    async def load_record(self, key: str) -> dict[str, Any] | None:
        return await self.load_quote(key)

    async def look_quote(self, handle: str, kind: Kind, day: str) -> QuoteLook:
        """The quote, its holder and ``day``'s count of ``kind`` together: one round trip where the backend
        can (both do); this composition is the reference they must agree with."""
        contents = await self.load_quote(handle)
        return QuoteLook(contents, await self.quote_holder(handle), await self.active_on(kind, day))

    # ------------------------------------------------------------------- codes
    @abstractmethod
    async def issue_code(self, quote: str, binding: str, ttl_seconds: float) -> str | None:
        """A new single-use code for ``quote`` bound to ``binding``; None when the quote's codes are burnt."""

    @abstractmethod
    async def redeem_code(self, quote: str, code: str, binding: str) -> CodeCheck:
        """Spend ``code`` if it was issued for this quote and binding. A wrong code counts against the quote
        only while a code issued for it lives (a guess at a code never issued, or long expired, burns
        nothing); the MAX_WRONG_CODES-th burns every live code of that quote and locks it (``locked``) until
        the last of them would have expired, after which a new code may be issued. Counts expire with the
        codes they count against."""

    # ---------------------------------------------------------------- attempts
    @abstractmethod
    async def reserve(
        self,
        kind: Kind,
        subject: str,
        quote: str | None,
        day: str,
        cap: int | None,
        details: dict[str, Any],
        audit: dict[str, Any],
        *,
        identity: str | None = None,
    ) -> Reservation:
        """Check and record an attempt as ``sending`` in one step, with its audit line. With ``identity``, the
        same step first checks that the ledger still holds that identity (``guard/identity.py``): one that lost
        its memory, or another ledger, refuses (``identity``) and records nothing."""

    @abstractmethod
    async def reserve_batch(
        self, kind: Kind, items: Sequence[BatchItem], day: str, cap: int | None, *, identity: str | None = None
    ) -> BatchReservation:
        """Reserve every item or none, in one step: each quote unused, each subject without an open
        attempt, and the day's active count plus the whole batch within the cap (``identity`` as ``reserve``)."""

    @abstractmethod
    async def settle(
        self, attempt_id: str, status: Status, audit: dict[str, Any], *, known: Attempt | None = None
    ) -> Attempt | None:
        """Move an open attempt to ``status`` with its audit line (an ``unresolved`` one only to done: proof
        came); None (and nothing written) when it was already settled, so two settlers never both count or
        both audit. ``known``: the attempt as its reservation returned it, which spares a backend reading it
        first (its kind, subject, quote and day never change; the backend still checks them)."""

    @abstractmethod
    async def attempt(self, attempt_id: str) -> Attempt | None: ...

    @abstractmethod
    async def open_attempts(self, kind: Kind) -> list[Attempt]:
        """Open attempts (``sending``, ``unknown``), oldest first: each was still open when it was read, never one
        settled before (its reader acts on the status: the reconciler looks each one up and counts it)."""

    @abstractmethod
    async def unresolved_attempts(self, kind: Kind) -> list[Attempt]:
        """Attempts settled ``unresolved``: nobody knows whether they happened; proof may still come. Each was
        still unresolved when it was read, as ``open_attempts``."""

    @abstractmethod
    async def active_on(self, kind: Kind, day: str) -> int:
        """Active attempts of ``kind`` reserved on ``day``: what the daily cap counts."""

    @abstractmethod
    async def quote_holder(self, quote: str) -> Attempt | None:
        """The active attempt that used ``quote``, if any."""

    # ------------------------------------------------------------------- jobs
    @abstractmethod
    async def create_job(
        self, job_id: str, record: dict[str, Any], items: Mapping[int, dict[str, Any]], owner: str, lease_seconds: float
    ) -> JobState:
        """Record a new running job and its items (each a dict with its ``state``), leased to ``owner``."""

    @abstractmethod
    async def claim_job(self, job_id: str, owner: str, lease_seconds: float) -> JobState | None:
        """Lease the job to ``owner`` in one step when it is running and claimable (nobody holds it, or its
        lease expired); None (nothing changed) when it is done, unknown, or a lease on it still runs (``owner``'s
        own too: one replica never runs a job twice)."""

    @abstractmethod
    async def claimable_jobs(self) -> list[str]:
        """Running jobs nobody holds: their lease expired (a replica died) or was released (one stopped)."""

    @abstractmethod
    async def job_step(
        self,
        job_id: str,
        owner: str,
        lease_seconds: float,
        items: Mapping[int, dict[str, Any]],
        *,
        result: dict[str, Any] | None = None,
        release: bool = False,
    ) -> bool:
        """In one step, only while ``owner`` holds the job: write these items' new data (their counts by state
        follow), renew the lease (or ``release`` it: claimable at once), and with ``result`` mark the job done.
        False, and nothing written, when the job is another owner's (its lease expired and was claimed)."""

    @abstractmethod
    async def job(self, job_id: str) -> JobState | None: ...

    @abstractmethod
    async def job_items(self, job_id: str, states: Collection[str] | None = None) -> dict[int, dict[str, Any]]:
        """The job's items (all, or those in ``states``), by item id."""

    # ------------------------------------------------------------ daily limits
    @abstractmethod
    async def take(self, name: str, day: str, amount: int, limit: int) -> int | None:
        """Add ``amount`` to ``day``'s count for ``name`` if it stays within ``limit``, in one step: the new
        count, or None (nothing added)."""

    @abstractmethod
    async def taken(self, name: str, day: str) -> int:
        """``day``'s count for ``name``."""

    # ------------------------------------------------------- the account's rate limit
    @abstractmethod
    async def pause_until(self, until: float) -> None:
        """Zendesk asked this account to wait until ``until`` (unix seconds): every replica waits too.
        A later pause extends it; an earlier one never shortens it."""

    @abstractmethod
    async def paused_until(self) -> float | None:
        """When the account's current pause ends, or None when there is none."""

    # ------------------------------------------------------------------- audit
    @abstractmethod
    async def record(self, audit: dict[str, Any]) -> None:
        """Append an audit line that goes with no attempt step (a refusal, a decline, an update)."""

    @abstractmethod
    async def audit_trail(self) -> list[dict[str, Any]]:
        """Every audit line, oldest first."""

    # ---------------------------------------------------------------- identity
    @abstractmethod
    async def identity(self) -> dict[str, Any] | None:
        """The record this ledger was created with (``id``, ``created``, ``previous`` ids it replaced), or None
        when it has none: new, or one that lost its memory (Redis restarted empty, a file deleted)."""

    @abstractmethod
    async def claim_identity(self, record: dict[str, Any]) -> dict[str, Any]:
        """Store ``record`` as the identity if there is none yet, in one step; returns the identity in force."""

    @abstractmethod
    async def restore(self, attempts: Sequence[Attempt], audit: Sequence[dict[str, Any]]) -> int:
        """Put back attempts (with their statuses, so today's counts, used quotes and open attempts follow) and
        audit lines into a ledger that lost them; an attempt it already holds is left as it is. Returns how
        many attempts were put back."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise when the ledger cannot be reached."""

    async def aclose(self) -> None:  # noqa: B027 - a backend with nothing to close keeps this
        """Release connections."""
