"""Approval links: a yes given on a page this server serves (URL-mode elicitation), which a client cannot fake
by answering a form.

MCP's URL mode is the specification's path for payments: the client shows the person a link, the person
answers on the page, and the client never sees or carries the answer. For one confirmed action (a purchase,
a batch, a release, a bulk change) this module keeps, in the shared ledger so any replica serves the page
and any replica's tool call reads the answer:

- the link's secret (``token``: 32 random bytes in the URL path; only its digest is stored), bound to the
  action's code subject (the quote and address, the numbers and the change) and to nothing else;
- a single-use approval code for the ``url`` channel, which the tool redeems when it performs the action, so
  an answered link is spent once;
- the person's answer, written once: the first of Buy and Cancel wins, a second click changes nothing.

The link expires with what it approves (at most ``LINK_SECONDS``); the secret is never in a tool result the
model sees (it reaches the client in the elicitation request only).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import anyio
from anyio.abc import TaskGroup

from voice_tools.guard import CodeSubject, ConfirmationCodes, Ledger

LINK_SECONDS = 10 * 60
POLL_SECONDS = 0.2
Decision = Literal["approved", "declined"]


class PageListener(Protocol):
    """Where a stdio server serves its approval pages: a loopback listener opened on demand."""

    def attach(self, group: TaskGroup) -> None: ...

    async def url(self) -> str: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Link:
    id: str  # the elicitation id the client sees (not a secret)
    token: str  # the secret in the URL: only its digest is stored
    binding: str  # the code subject's binding: what this link approves
    key: str  # the code subject's key
    code: str  # the url channel's single-use approval, redeemed by the tool that performs the action
    title: str  # "Buy a number", "Release a number", ...
    summary: str  # the action in words, as a form would show it (sanitised)
    verb: str  # the button: "Buy", "Release", "Apply"
    expires_at: float

    def path(self) -> str:
        return f"/approve/{self.token}"

    def remaining(self, now: float) -> float:
        return max(self.expires_at - now, 0.0)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


class ApprovalLinks:
    """Approval links in the ledger: opened by a tool call, answered on the page, read by the tool call."""

    def __init__(self, ledger: Ledger, *, clock: Any = time.time) -> None:
        self.ledger, self._clock = ledger, clock

    async def open(
        self, codes: ConfirmationCodes, subject: CodeSubject, *, title: str, summary: str, verb: str, ttl: float
    ) -> Link:
        """The live link for ``subject`` (the one this action already has), or a new one."""
        url_subject = subject.for_channel("url")
        index = "l" + _digest(url_subject.binding)
        known = await self.ledger.load_record(index)
        if known is not None:
            found = await self.by_token(str(known["token"]))
            if found is not None and found.remaining(self._clock()) > 0:
                return found
        token = secrets.token_urlsafe(32)
        life = max(min(ttl, LINK_SECONDS), 1.0)
        code = await codes.issue(url_subject)
        link = Link(
            id="e" + secrets.token_hex(8),
            token=token,
            binding=url_subject.binding,
            key=url_subject.key,
            code=code,
            title=title,
            summary=summary,
            verb=verb,
            expires_at=self._clock() + life,
        )
        contents = {k: v for k, v in link.__dict__.items() if k != "token"}
        await self.ledger.save_record("u" + _digest(token), contents, life)
        await self.ledger.save_record(index, {"token": token}, life)
        return link

    async def by_token(self, token: str) -> Link | None:
        """The link behind a URL's secret, or None when it is unknown or expired."""
        if not 20 <= len(token) <= 64:
            return None
        contents = await self.ledger.load_record("u" + _digest(token))
        if contents is None:
            return None
        link = Link(token=token, **contents)
        return link if link.remaining(self._clock()) > 0 else None

    async def answer(self, link: Link, decision: Decision) -> Decision:
        """Write the person's answer once; returns the answer that stands (the first one given)."""
        first = await self.ledger.take(f"url-answer-{link.id}", "once", 1, 1)
        if first is not None:
            await self.ledger.save_record("d" + link.id, {"decision": decision}, link.remaining(self._clock()) + 60)
            return decision
        standing = await self.decision(link)
        return standing or decision

    async def decision(self, link: Link) -> Decision | None:
        found = await self.ledger.load_record("d" + link.id)
        value = found.get("decision") if found else None
        return value if value in ("approved", "declined") else None

    async def wait(self, link: Link) -> Decision | None:
        """The answer, once given; None when the link expired first."""
        while link.remaining(self._clock()) > 0:
            decided = await self.decision(link)
            if decided is not None:
                return decided
            await anyio.sleep(POLL_SECONDS)
        return await self.decision(link)
