"""The account's numbers as of one moment: the snapshots that listings, walks and look-ups read.

The Talk API lists numbers page by page only (100 a page, no cursor, no look-up by number), and reading a
20,000-number account is 200 requests of a budget of 700 a minute. So the server reads the account once into
a snapshot, and everything that needs the whole account reads that:

- taken at the first call that needs it, in Zendesk's ``minimal_mode`` when the caller needs only the
  fields it keeps (a sixth of the bytes), else in full; reused by new listings while it is younger than
  FRESH_SECONDS (as the directory always was), and by the listings that continue it (a cursor names it) for
  KEEP_SECONDS;
- shared by replicas through the ledger (compressed, under ``s<id>``, with a pointer to the newest of each
  depth), so a walk continued on another replica reads the same numbers without reading the account again.
  The ledger is only a help here: while it cannot be reached, each replica keeps its own;
- invalidated by this server's own changes, fleet-wide: the client tells the directory of every write to
  the numbers it sends (``TalkClient.on_write``), the directory marks the time in the ledger, and a
  snapshot taken before a change is never read again (tools also call ``forget()``, which does the same on
  this replica alone).
"""

from __future__ import annotations

import base64
import re
import time
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import anyio
import anyio.abc
import anyio.to_thread
from pydantic import TypeAdapter

from voice_tools.client import TalkClient
from voice_tools.client.talk import PHONE_NUMBERS
from voice_tools.guard import Ledger, LedgerUnavailable
from voice_tools.guard.ledger import answered_within, new_id
from voice_tools.models import PhoneNumber

from .results import NOISY_FIELDS

FRESH_SECONDS = 60.0  # a new listing or look-up reads a snapshot at most this old
KEEP_SECONDS = 900.0  # a listing that continues (a cursor) reads its snapshot for this long
LOAD_WAIT_SECONDS = 2.0  # a snapshot of 20,000 numbers loads in well under this from a ledger that answers
LEDGER_QUIET_SECONDS = 1.0
MARK_WAIT_SECONDS = 0.5  # the fleet-wide "the account changed" mark: advice, not worth holding an answer for
KEPT = 4  # snapshots one replica keeps in memory (the newest of each depth, and those cursors still name)
CHANGED = "s.changed"  # ledger record: when this server (any replica) last changed a number
POINTER = {True: "s.minimal", False: "s.full"}  # ledger records: the newest snapshot of each depth
SNAPSHOT_ID = re.compile(r"s[a-z2-9]{10}")
E164_DISPLAY = re.compile(r"\+[1-9][0-9 ().-]{6,24}")  # "+1 (415) 555-0134"; never a trunk "(0)"

Progress = Callable[[int, int], Awaitable[None]]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def number_from_display(display: str | None) -> str | None:
    """The E.164 number a display number writes out ("+1 (415) 555-0134" is +14155550134): minimal mode
    has no ``number`` field. A display number in any other form (a national one, a trunk "(0)") is kept
    as Zendesk wrote it, never guessed at."""
    if display is None or "(0)" in display or not E164_DISPLAY.fullmatch(display.strip()):
        return display
    return "+" + digits(display)


@dataclass(frozen=True)
class Entry:
    id: int
    number: str


@dataclass(eq=False)
class Snapshot:
    """The account's numbers in Zendesk's order, as read from ``taken_at`` (unix seconds, when the read began).
    ``minimal``: read in minimal mode, so only those fields are known (``NumberQuery.minimal_ok`` says when
    that is enough). ``derived`` keeps what listings work out from it (their matches, voicemail settings)."""

    id: str
    taken_at: float
    minimal: bool
    numbers: list[PhoneNumber]
    derived: dict[str, Any] = field(default_factory=dict)

    @property
    def as_of(self) -> str:
        return datetime.fromtimestamp(self.taken_at, UTC).strftime("%H:%M:%S UTC")

    def entries(self) -> list[Entry]:
        if "entries" not in self.derived:
            self.derived["entries"] = [Entry(n.id, n.number) for n in self.numbers if n.number]
        found: list[Entry] = self.derived["entries"]
        return found

    def age(self, now: float) -> float:
        return now - self.taken_at


@cache
def _records() -> TypeAdapter[list[PhoneNumber]]:
    return TypeAdapter(list[PhoneNumber])  # built on first use: start-up does not pay for it


def pack(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot as a ledger record: its records' JSON, compressed (20,000 full records: about 1 MB)."""
    raw = _records().dump_json(snapshot.numbers, exclude_none=True)
    blob = base64.b64encode(zlib.compress(raw, 1)).decode()
    return {"id": snapshot.id, "taken_at": snapshot.taken_at, "minimal": snapshot.minimal, "numbers": blob}


def unpack(record: dict[str, Any]) -> Snapshot:
    numbers = _records().validate_json(zlib.decompress(base64.b64decode(record["numbers"])))
    return Snapshot(str(record["id"]), float(record["taken_at"]), bool(record["minimal"]), numbers)


@dataclass
class NumberDirectory:
    client: TalkClient
    ledger: Ledger | None = None  # where replicas share snapshots; None: this process keeps its own
    clock: Callable[[], float] = time.time
    _kept: OrderedDict[str, Snapshot] = field(default_factory=OrderedDict)
    _newest: dict[bool, Snapshot] = field(default_factory=dict)  # by depth (minimal or not)
    _changed_at: float = float("-inf")  # the latest change this replica knows of
    _ledger_quiet_until: float = float("-inf")  # a ledger that did not answer is not asked again before this
    _lock: anyio.Lock = field(default_factory=anyio.Lock)
    # where a new snapshot is written to the ledger after the answer (None: before it, in the call)
    background: anyio.abc.TaskGroup | None = None

    # ------------------------------------------------------------ reading
    async def current(self, *, minimal_ok: bool, fresh: bool = False, progress: Progress | None = None) -> Snapshot:
        """A snapshot younger than FRESH_SECONDS and taken after the last change (any replica's), full unless
        ``minimal_ok``; taken now when there is none (or ``fresh``)."""
        async with self._lock:  # two listings at once read the account once
            changed = await self._changed()
            if not fresh:
                for minimal in (False, True) if minimal_ok else (False,):
                    newest = self._newest.get(minimal)
                    if newest is not None and self._usable(newest, changed, FRESH_SECONDS):
                        return newest
                for minimal in (False, True) if minimal_ok else (False,):
                    shared = await self._shared(minimal, changed)
                    if shared is not None:
                        return shared
            return await self._take(minimal=minimal_ok, progress=progress)

    async def named(self, snapshot_id: str, *, minimal_ok: bool) -> Snapshot | None:
        """The snapshot a cursor names, while it is younger than KEEP_SECONDS, no change came after it and it
        has the fields asked for; None when it is gone (the caller takes a new one and says so)."""
        if not SNAPSHOT_ID.fullmatch(snapshot_id):
            return None
        changed = await self._changed()
        found = self._kept.get(snapshot_id)
        if found is None and self.ledger is not None:
            record = await self._load(snapshot_id)
            found = unpack(record) if record is not None else None
            if found is not None:
                self._keep(found)
        if found is None or (found.minimal and not minimal_ok) or not self._usable(found, changed, KEEP_SECONDS):
            return None
        return found

    async def entries(self) -> list[Entry]:
        """Every number in the account, from a snapshot at most FRESH_SECONDS old."""
        return (await self.current(minimal_ok=True)).entries()

    async def find(self, number: str) -> list[Entry]:
        """The numbers that ``number`` (any format) names: exact digits, else a national-format suffix. Not
        found in the snapshot: read again (a number bought a moment ago is always found)."""
        asked_at = self.clock()
        snapshot = await self.current(minimal_ok=True)
        if (found := _match(snapshot.entries(), number)) or snapshot.taken_at >= asked_at:
            return found  # found, or not in a snapshot read just now
        return _match((await self.current(minimal_ok=True, fresh=True)).entries(), number)

    async def numbers(self, *, fresh: bool = False) -> list[PhoneNumber]:
        """The account's numbers in full, from a snapshot at most FRESH_SECONDS old (or read now: ``fresh``)."""
        return (await self.current(minimal_ok=False, fresh=fresh)).numbers

    # ----------------------------------------------------------- changes
    def forget(self) -> None:
        """This replica changed (or saw a change to) the account: no snapshot taken before now is read again here."""
        self._changed_at = max(self._changed_at, self.clock())
        self._newest.clear()

    async def changed(self, method: str, path: str) -> None:
        """The client sent a write that may have changed the numbers: forget, here and on every replica."""
        if not path.startswith(PHONE_NUMBERS) or method in ("GET", "HEAD"):
            return
        self.forget()
        if self.ledger is not None:
            # advice, on the way of a purchase's answer: bounded like the pause board (a frozen Redis answers
            # nothing), and while the ledger is down the other replicas' snapshots still age out within
            # FRESH_SECONDS
            with suppress(LedgerUnavailable):
                async with answered_within(self.ledger.url, MARK_WAIT_SECONDS):
                    await self.ledger.save_record(CHANGED, {"at": self._changed_at}, KEEP_SECONDS)

    # ---------------------------------------------------------- internals
    def _usable(self, snapshot: Snapshot, changed: float, max_age: float) -> bool:
        return snapshot.taken_at > changed and snapshot.age(self.clock()) < max_age

    async def _changed(self) -> float:
        if self.ledger is not None:
            record = await self._load(CHANGED)
            if record is not None:
                self._changed_at = max(self._changed_at, float(record.get("at", 0.0)))
        return self._changed_at

    async def _shared(self, minimal: bool, changed: float) -> Snapshot | None:
        """The newest snapshot of this depth another replica took, if it is fresh and after the last change."""
        if self.ledger is None:
            return None
        pointer = await self._load(POINTER[minimal])
        if pointer is None or not self._usable_pointer(pointer, changed):
            return None
        snapshot = self._kept.get(str(pointer["id"]))
        if snapshot is None:
            record = await self._load(str(pointer["id"]))
            if record is None:
                return None
            snapshot = unpack(record)
            self._keep(snapshot)
        self._newest[minimal] = snapshot
        return snapshot

    def _usable_pointer(self, pointer: dict[str, Any], changed: float) -> bool:
        taken_at = float(pointer.get("taken_at", 0.0))
        return taken_at > changed and self.clock() - taken_at < FRESH_SECONDS

    async def _take(self, *, minimal: bool, progress: Progress | None) -> Snapshot:
        started = self.clock()
        if minimal:
            numbers = await self.client.list_numbers_trimmed().collect(progress=progress)
            for n in numbers:  # minimal mode has no number field: the display number writes it out
                n.number = number_from_display(n.display_number)
        else:
            noisy = dict.fromkeys(NOISY_FIELDS)  # Zendesk's greeting maps: no listing shows them; a third of the bytes
            numbers = [n.model_copy(update=noisy) for n in await self.client.list_numbers().collect(progress=progress)]
        snapshot = Snapshot(new_id("s"), started, minimal, numbers)
        self._keep(snapshot)
        self._newest[minimal] = snapshot
        if self.ledger is not None and self.background is not None:
            self.background.start_soon(self._publish, snapshot)  # the first page is not kept waiting for it
        elif self.ledger is not None:
            await self._publish(snapshot)
        return snapshot

    async def _publish(self, snapshot: Snapshot) -> None:
        """Write the snapshot to the ledger, then point at it (packing runs in a worker thread)."""
        assert self.ledger is not None
        record = await anyio.to_thread.run_sync(pack, snapshot)
        with suppress(LedgerUnavailable):  # this replica keeps it; a continuation elsewhere reads the account again
            await self.ledger.save_record(snapshot.id, record, KEEP_SECONDS)
            pointer = {"id": snapshot.id, "taken_at": snapshot.taken_at}
            await self.ledger.save_record(POINTER[snapshot.minimal], pointer, FRESH_SECONDS)

    def _keep(self, snapshot: Snapshot) -> None:
        self._kept[snapshot.id] = snapshot
        self._kept.move_to_end(snapshot.id)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)

    async def _load(self, key: str) -> dict[str, Any] | None:
        """A shared record, or None when there is none or the ledger cannot give it now: a listing is a read
        and goes on from Zendesk. A frozen Redis answers nothing, so a load waits LOAD_WAIT_SECONDS at most,
        and after one that was not answered the ledger is left alone for LEDGER_QUIET_SECONDS."""
        assert self.ledger is not None
        if self.clock() < self._ledger_quiet_until:
            return None
        try:
            async with answered_within(self.ledger.url, LOAD_WAIT_SECONDS):
                return await self.ledger.load_record(key)
        except LedgerUnavailable:
            self._ledger_quiet_until = self.clock() + LEDGER_QUIET_SECONDS
            return None


def _match(entries: list[Entry], number: str) -> list[Entry]:
    wanted = digits(number)
    exact = [e for e in entries if digits(e.number) == wanted]
    # a national format ("(415) 555-0134") matches the end of the international number
    return exact or [e for e in entries if len(wanted) >= 7 and digits(e.number).endswith(wanted)]
