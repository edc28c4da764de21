"""Signed purchase quotes: the only thing ``buy_number`` accepts.

A quote binds what the user is shown to what Zendesk will be asked: the Zendesk token, the number, its
country and location, toll-free or local, the monthly price, the address requirement, the account and
an expiry, all under an HMAC of the server's secret. Anything the model invents, edits (one byte is
enough) or carries over from another account or from an hour ago fails verification, and nothing is
sent to Zendesk. Quotes hold no server state, so replicas that share the secret accept each other's.

Every search result carries one, so the format is compact binary (base64url, about 80 characters):

    version(1) flags(1) expires(4) price_cents(4) account(4) country(2) number(8) token(16|n) location(n)
    + HMAC-SHA256 tag truncated to 12 bytes (96 bits; forging needs an online guess per try)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from voice_tools.models import AvailableNumber

VERSION = 1
TAG_BYTES = 12
EPOCH = 1_577_836_800  # 2020-01-01T00:00:00Z: expiry is stored in seconds from here
DEFAULT_TTL_SECONDS = 15 * 60
ADDRESS_REQUIREMENTS = ("none", "local", "any", "foreign")
_HEAD = struct.Struct(">BBIII2sQ")  # version, flags, expires, price cents, account, country, number


class QuoteError(Exception):
    """A quote that cannot be used; the message says why and what to do instead."""


@dataclass(frozen=True)
class Quote:
    token: str
    number: str
    country: str
    location: str
    toll_free: bool
    price_cents: int
    address_requirement: str
    expires_at: int  # unix seconds

    @property
    def monthly_price(self) -> Decimal:
        return Decimal(self.price_cents) / 100

    @property
    def price_text(self) -> str:
        return f"${self.monthly_price:.2f}"

    def expires_text(self) -> str:
        return datetime.fromtimestamp(self.expires_at, UTC).strftime("%H:%M UTC")


def account_tag(account: str) -> int:
    return int.from_bytes(hashlib.sha256(account.lower().encode()).digest()[:4], "big")


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class QuoteSigner:
    """Issues and verifies quotes for one account under one secret."""

    def __init__(
        self,
        secret: bytes,
        account: str,
        *,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the quote secret must be at least 16 bytes")
        self._secret, self._account_tag = secret, account_tag(account)
        self.ttl_seconds, self._clock = ttl_seconds, clock

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:TAG_BYTES]

    def issue(self, offer: AvailableNumber) -> str | None:
        """A quote for a search result, or None when the offer lacks what a purchase must bind."""
        price = offer.monthly_price()
        digits = offer.number.lstrip("+")
        if price is None or not digits.isdigit() or len(digits) > 18 or not offer.country_code:
            return None
        requirement = offer.address_requirements or "none"
        if requirement not in ADDRESS_REQUIREMENTS:
            return None  # a requirement this server does not know how to satisfy: do not offer it for sale
        try:
            token = bytes.fromhex(offer.token) if len(offer.token) == 32 else None
        except ValueError:
            token = None
        token_bytes = token if token is not None else offer.token.encode()
        location = (offer.location or "").encode()[:60]
        flags = int(bool(offer.toll_free)) | ADDRESS_REQUIREMENTS.index(requirement) << 1 | int(token is None) << 3
        expires = int(self._clock()) + self.ttl_seconds - EPOCH
        head = _HEAD.pack(
            VERSION,
            flags,
            expires,
            int(price * 100),
            self._account_tag,
            offer.country_code.upper().encode()[:2],
            int(digits),
        )
        body = head + bytes([len(token_bytes)]) + token_bytes + location
        return _b64encode(body + self._tag(body))

    def verify(self, quote: str) -> Quote:
        """The quote's contents, or QuoteError saying why it cannot be used."""
        try:
            raw = _b64decode(quote.strip())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) < _HEAD.size + 1 + TAG_BYTES or raw[0] != VERSION:
            raise QuoteError(
                "this is not a quote issued by search_numbers (it cannot be read). Quotes are copied from "
                "search_numbers results; call search_numbers and use the quote of the number the user chose."
            )
        body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
        if not hmac.compare_digest(tag, self._tag(body)):
            raise QuoteError(
                "this quote was altered or was not issued by this server, so it was refused. Use the quote "
                "exactly as search_numbers returned it."
            )
        _, flags, expires, cents, account, country, number = _HEAD.unpack_from(body)
        if account != self._account_tag:
            raise QuoteError("this quote was issued for another Zendesk account; search this account's numbers.")
        expires_at = expires + EPOCH
        if self._clock() > expires_at:
            raise QuoteError(
                f"this quote expired at {datetime.fromtimestamp(expires_at, UTC):%H:%M UTC} (quotes last "
                f"{self.ttl_seconds // 60} minutes). Call search_numbers again for a fresh quote."
            )
        length = body[_HEAD.size]
        token_bytes = body[_HEAD.size + 1 : _HEAD.size + 1 + length]
        location = body[_HEAD.size + 1 + length :].decode(errors="replace")
        return Quote(
            token=token_bytes.decode() if flags & 8 else token_bytes.hex(),
            number=f"+{number}",
            country=country.decode(),
            location=location,
            toll_free=bool(flags & 1),
            price_cents=cents,
            address_requirement=ADDRESS_REQUIREMENTS[(flags >> 1) & 3],
            expires_at=expires_at,
        )
