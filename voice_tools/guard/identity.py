"""A ledger that forgot is noticed, so losing Redis's memory cannot lift the daily cap.

The ledger holds today's purchases, the open attempts and the audit trail; Redis restarted on an empty
directory would silently hold none, and the cap would start again from zero. So a ledger carries an
identity, written once when it is first used, and every replica remembers on its own disk the identity it
last saw. A ledger with no identity that a replica remembers one for has lost its memory: purchases and
releases are refused, in words, until an operator puts it back (``voice-tools ledger restore``, from the
replicas' audit files) or accepts the loss (``voice-tools ledger accept-reset``); either writes a new
identity naming the old one, which every replica then adopts.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .ledger import Ledger
from .refusal import GuardRefusal

CHECK_EVERY_SECONDS = 10.0


def new_identity(previous: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": "L" + secrets.token_hex(8), "created": time.time(), "previous": previous or [], **extra}


class LedgerMemory:
    """The identity this replica last saw, in a small file in its state directory (None: remembers nothing)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._held: str | None = None

    def remembered(self) -> str | None:
        if self.path is None or not self.path.exists():
            return self._held
        return str(json.loads(self.path.read_text()).get("identity") or "") or None

    def remember(self, identity: str) -> None:
        self._held = identity
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w") as handle:
            json.dump({"identity": identity, "seen": time.time()}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(self.path)


class IdentityCheck:
    """Whether the ledger is still the one this replica saw. ``known`` is the identity last verified here:
    each reservation checks it in its own atomic step (``Ledger.reserve(identity=...)``), so a ledger that
    forgot is refused at the very next purchase or release at no extra round trip; ``verify`` is the full
    check, run when nothing is known yet or a reservation found another identity."""

    def __init__(self, ledger: Ledger, memory: LedgerMemory, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ledger, self.memory, self._clock = ledger, memory, clock
        self._checked = float("-inf")
        self.known: str | None = None

    async def verify(self, *, now: bool = False) -> None:
        """GuardRefusal (``ledger_reset``) when the ledger has lost its memory; at most every few seconds."""
        if not now and self._clock() - self._checked < CHECK_EVERY_SECONDS:
            return
        stored = await self.ledger.identity()
        remembered = self.memory.remembered()
        if stored is None and remembered is None:  # a new ledger, and a replica that knew none: the first use
            stored = await self.ledger.claim_identity(new_identity())
        if stored is None:
            raise GuardRefusal("ledger_reset", forgotten(remembered or "?"))
        if remembered is not None and remembered != stored["id"] and remembered not in stored.get("previous", []):
            raise GuardRefusal("ledger_reset", changed(remembered, stored["id"]))
        if remembered != stored["id"]:
            self.memory.remember(str(stored["id"]))
        self._checked, self.known = self._clock(), str(stored["id"])


def forgotten(remembered: str) -> str:
    return (
        f"the guard's ledger has lost its memory (it no longer holds identity {remembered}, which this server saw "
        "last): today's purchases, open attempts and the audit trail in it are gone, so the daily cap cannot be "
        "trusted. Purchases and releases are refused until an operator puts it back (voice-tools ledger restore) "
        "or accepts the loss (voice-tools ledger accept-reset). Retrying will not help"
    )


def changed(remembered: str, stored: str) -> str:
    return (
        f"the guard's ledger is not the one this server used (it holds identity {stored}; this server last saw "
        f"{remembered}), so its daily counts are not this account's. Purchases and releases are refused until an "
        "operator checks VOICE_TOOLS_LEDGER and runs voice-tools ledger accept-reset. Retrying will not help"
    )
