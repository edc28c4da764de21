"""Single-use confirmation codes and approvals: issued, redeemed, locked out, worded and audited in one place.

A code stands for a yes that did not come through a form: shown to the user with a summary (channel
``code``), or handed to the number picker page for its Buy button (channel ``app``). Every action that
can be confirmed this way (a purchase, a batch, a release, a bulk change) describes what its codes
confirm as a ``CodeSubject``: where they live in the ledger (``key``), what a code is bound to
(``binding``: the quote and the address, the set of numbers and the change), and how to word and audit
them. The ledger does the counting in one atomic step per call; this module turns its answer into the
truth for the model (which code was wrong, how many guesses are left, what to do next) and the audit
line that goes with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NoReturn

from .ledger import MAX_WRONG_CODES, Ledger
from .refusal import GuardRefusal

CodeChannel = Literal["code", "app", "url"]  # who holds it: the model, the picker page, or an approval page
DEFAULT_CODE_TTL_SECONDS = 5 * 60
Write = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class CodeSubject:
    """What one action's codes confirm, and the words for them."""

    key: str  # where its codes live in the ledger (a quote handle, "release-<id>", "batch-<hash>", ...)
    binding: str  # what a code is bound to: the exact thing confirmed
    event: str  # the audit event: purchase, release, update
    this: str  # "this quote", "this release", "this batch", "this change to these numbers"
    fresh: str  # how to get a new code once they are burnt
    mismatch: str = ""  # what a code issued for the same key but another binding means
    audit: Mapping[str, Any] = field(default_factory=dict)  # the fields of its audit lines
    channel: CodeChannel = "code"

    def for_app(self) -> CodeSubject:
        """The same subject for the picker page: bound apart, so a code the model saw (``code``) can never
        stand in for the person's click (``app``), nor the page's approval for a code."""
        return self.for_channel("app")

    def for_channel(self, channel: CodeChannel) -> CodeSubject:
        """The subject of the codes one channel holds, each bound apart from the others' (a code the model saw
        never stands in for the picker's click or an approval page's, nor they for it)."""
        if channel == "code":
            return self
        mismatch = f"{self.mismatch}, or it is a confirmation code, which only the tool itself takes"
        return replace(self, binding=f"{self.binding}|{channel}", channel=channel, mismatch=mismatch)

    @property
    def kind(self) -> str:
        return "confirmation code" if self.channel == "code" else "approval"


class ConfirmationCodes:
    """Codes through the ledger, with refusals worded for the model and audited (``write``)."""

    def __init__(self, ledger: Ledger, write: Write, ttl_seconds: float = DEFAULT_CODE_TTL_SECONDS) -> None:
        self.ledger, self._write, self.ttl_seconds = ledger, write, ttl_seconds

    async def issue(self, subject: CodeSubject) -> str:
        """A new single-use code for ``subject``; GuardRefusal when its codes are burnt."""
        code = await self.ledger.issue_code(subject.key, subject.binding, self.ttl_seconds)
        if code is None:
            await self._refuse(subject, self._locked(subject))
        await self._write(
            subject.event, outcome="confirmation_requested", confirmed_by=subject.channel, **subject.audit
        )
        return code

    async def redeem(self, subject: CodeSubject, code: str) -> None:
        """Spend ``code``, or refuse truthfully: which codes are burnt, and how many wrong ones are left."""
        check = await self.ledger.redeem_code(subject.key, code.strip().upper(), subject.binding)
        if check.outcome == "redeemed":
            return
        if check.outcome == "locked":
            await self._refuse(subject, self._locked(subject))
        if check.outcome == "mismatch" and subject.mismatch:
            what = f"this {subject.kind} was issued for {subject.this} {subject.mismatch}"
        else:
            what = (
                f"this {subject.kind} is not valid for {subject.this}: it was never issued for it, was already used, "
                f"or expired (they last {self.ttl_seconds / 60:g} minutes and work once)"
            )
        if check.wrong_left >= MAX_WRONG_CODES:  # no code lived for it: the guess counted against nothing
            await self._refuse(subject, f"{what}")
        left = f"{check.wrong_left} more wrong code(s) and all of its codes are burnt until they would have expired"
        await self._refuse(subject, f"{what}. {left}")

    def _locked(self, subject: CodeSubject) -> str:
        minutes = f"{self.ttl_seconds / 60:g} minutes"
        return (
            f"{MAX_WRONG_CODES} wrong confirmation codes were given for {subject.this}, so all of its codes are burnt "
            f"and no code can confirm it for up to {minutes}. {subject.fresh}"
        )

    async def _refuse(self, subject: CodeSubject, message: str) -> NoReturn:
        await self._write(subject.event, outcome="refused", rule="confirmation_code", reason=message, **subject.audit)
        raise GuardRefusal("confirmation_code", message)
