"""Which id a phone number has: the Talk API has no look-up by number, only the full listing.

The directory keeps the account's numbers for a minute, and reads them again when a number is not
found (a number bought a moment ago is always found) or when they are older than that, so asking for
numbers one after another on a large account does not list it each time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from voice_tools.client import TalkClient
from voice_tools.models import PhoneNumber

MAX_AGE_SECONDS = 60.0


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass(frozen=True)
class Entry:
    id: int
    number: str


@dataclass
class NumberDirectory:
    client: TalkClient
    clock: Callable[[], float] = time.monotonic
    _entries: list[Entry] = field(default_factory=list)
    _numbers: list[PhoneNumber] = field(default_factory=list)
    _read_at: float | None = None

    def _fresh(self) -> bool:
        return self._read_at is not None and self.clock() - self._read_at < MAX_AGE_SECONDS

    async def entries(self) -> list[Entry]:
        """Every number in the account, read again when older than a minute."""
        if not self._fresh():
            await self.refresh()
        return self._entries

    async def find(self, number: str) -> list[Entry]:
        """The numbers that ``number`` (any format) names: exact digits, else a national-format suffix."""
        if self._fresh() and (found := self._match(number)):
            return found
        await self.refresh()
        return self._match(number)

    async def numbers(self, *, fresh: bool = False) -> list[PhoneNumber]:
        """The account's numbers in full, read again when older than a minute (or when ``fresh``)."""
        if fresh or not self._fresh():
            await self.refresh()
        return self._numbers

    async def refresh(self) -> None:
        numbers = await self.client.list_numbers().collect()
        self._numbers = numbers
        self._entries = [Entry(n.id, n.number) for n in numbers if n.number]
        self._read_at = self.clock()

    def forget(self) -> None:
        self._read_at = None

    def _match(self, number: str) -> list[Entry]:
        wanted = digits(number)
        exact = [e for e in self._entries if digits(e.number) == wanted]
        # a national format ("(415) 555-0134") matches the end of the international number
        return exact or [e for e in self._entries if len(wanted) >= 7 and digits(e.number).endswith(wanted)]
