"""Single-use confirmation codes, for clients that cannot show the user a confirmation form.

A code is issued for one verified quote and one address, and is good once, for a few minutes. It
proves that the purchase summary was put in front of the assistant one turn earlier and that nothing
changed since; it cannot prove that a human read it (see README, "What each mode guarantees").
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read and typed by people
CODE_LENGTH = 6
DEFAULT_CODE_TTL_SECONDS = 5 * 60


class CodeRefusal(Exception):
    pass


@dataclass
class _Issued:
    binding: str
    expires_at: float


def binding(quote: str, address_sid: str | None) -> str:
    return hashlib.sha256(f"{quote.strip()}|{address_sid or ''}".encode()).hexdigest()


class ConfirmationCodes:
    def __init__(self, *, ttl_seconds: int = DEFAULT_CODE_TTL_SECONDS, clock: Callable[[], float] = time.time) -> None:
        self.ttl_seconds, self._clock = ttl_seconds, clock
        self._issued: dict[str, _Issued] = {}

    def issue(self, quote: str, address_sid: str | None) -> str:
        self._expire()
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        self._issued[code] = _Issued(binding(quote, address_sid), self._clock() + self.ttl_seconds)
        return code

    def redeem(self, code: str, quote: str, address_sid: str | None) -> None:
        """Spend the code, or raise CodeRefusal. A code is burnt by any attempt, right or wrong."""
        self._expire()
        issued = self._issued.pop(code.strip().upper(), None)
        if issued is None:
            raise CodeRefusal(
                "this confirmation code is not valid: it was never issued, was already used, or expired (codes "
                "last 5 minutes and work once). Call buy_number with the quote and no code to get a new one, "
                "and show the user the summary again."
            )
        if issued.binding != binding(quote, address_sid):
            raise CodeRefusal(
                "this confirmation code was issued for a different quote or address, so it was refused and is "
                "now used up. Call buy_number with the quote and no code, and show the user the new summary."
            )

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, i in self._issued.items() if i.expires_at < now]:
            del self._issued[code]
