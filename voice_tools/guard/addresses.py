"""The account's addresses, kept a few seconds by the server (a purchase checks its address twice)."""

from __future__ import annotations

import time

from voice_tools.client import TalkClient
from voice_tools.models import Address

ADDRESS_CACHE_SECONDS = 10.0


class AddressCache:
    """The account's addresses, remembered for a few seconds by the server (not by one connection): one
    purchase checks its address in the resolver and again in the tool body, and a code round trip does
    it twice more; none of that should list the addresses from Zendesk again."""

    def __init__(self, max_age: float = ADDRESS_CACHE_SECONDS) -> None:
        self.max_age = max_age
        self._read: tuple[float, list[Address]] | None = None

    async def get(self, client: TalkClient) -> list[Address]:
        now = time.monotonic()
        if self._read is None or now - self._read[0] > self.max_age:
            self._read = (now, [a async for a in client.list_addresses()])
        return self._read[1]

    def forget(self) -> None:
        """An address was added: the next purchase reads the list again."""
        self._read = None
