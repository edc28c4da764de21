"""Signed purchase quotes: the only thing ``buy_number`` accepts.

A quote binds what the user is shown to what Zendesk will be asked: the Zendesk token, the number, its
country and location, toll-free or local, the monthly price, the address requirement, the account and
an expiry, all under an HMAC of the server's secret. Anything the model invents, edits (one byte is
enough) or carries over from another account or from an hour ago fails verification, and nothing is
sent to Zendesk. Quotes hold no server state, so replicas that share the secret accept each other's.

Every search result carries one, so the format is compact: packed binary, written as decimal digits
(cl100k reads digits three at a time, 0.8 tokens a byte against base64's 0.97), about 120 digits:

    flags(1) expires(3, minutes) price_cents(3) account(3) country(2) number(7) token(16|1+n) location(n)
    + HMAC-SHA256 tag truncated to 10 bytes (80 bits: forging one takes about 2^79 online tries)
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from voice_tools.models import AvailableNumber

VERSION = 1  # the low two bits of the flags byte
TAG_BYTES = 10
EPOCH = 1_577_836_800  # 2020-01-01T00:00:00Z: expiry is stored in minutes from here (3 bytes: until 2051)
DEFAULT_TTL_SECONDS = 15 * 60
ADDRESS_REQUIREMENTS = ("none", "local", "any", "foreign")
_HEAD = struct.Struct(">B3s3s3s2s7s")  # flags, expires (minutes), price cents, account, country, number
FLAG_TOLL_FREE, FLAG_RAW_TOKEN = 1 << 2, 1 << 5


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


def account_tag(account: str) -> bytes:
    return hashlib.sha256(account.lower().encode()).digest()[:3]


def encode(raw: bytes) -> str:
    """Bytes as decimal digits; a leading 0x01 keeps leading zero bytes through the integer."""
    return str(int.from_bytes(b"\x01" + raw, "big"))


def decode(text: str) -> bytes:
    """The bytes behind ``encode``; ValueError when the text is not one of its outputs."""
    if not text.isdigit() or len(text) > 400:
        raise ValueError("not a quote")
    value = int(text)
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    if not raw.startswith(b"\x01"):
        raise ValueError("not a quote")
    return raw[1:]


def _int(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big")


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
        issued = self.issue_with_contents(offer)
        return issued[0] if issued else None

    def issue_with_contents(self, offer: AvailableNumber) -> tuple[str, Quote] | None:
        """The quote and what it binds (what ``verify`` would return), without verifying it again."""
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
        token_part = (
            token if token is not None else bytes([len(offer.token.encode()[:255])]) + offer.token.encode()[:255]
        )
        location = (offer.location or "").encode()[:60]
        flags = VERSION | FLAG_TOLL_FREE * bool(offer.toll_free) | ADDRESS_REQUIREMENTS.index(requirement) << 3
        flags |= FLAG_RAW_TOKEN * (token is None)
        expires = (int(self._clock()) + self.ttl_seconds - EPOCH + 59) // 60
        cents = int(price * 100)
        if cents >= 1 << 24 or int(digits) >= 1 << 56:
            return None
        head = _HEAD.pack(
            flags,
            _int(expires, 3),
            _int(cents, 3),
            self._account_tag,
            offer.country_code.upper().encode()[:2].ljust(2),
            _int(int(digits), 7),
        )
        body = head + token_part + location
        contents = Quote(
            token=offer.token if token is None else token.hex(),
            number=f"+{int(digits)}",
            country=offer.country_code.upper()[:2],
            location=location.decode(errors="replace"),
            toll_free=bool(offer.toll_free),
            price_cents=cents,
            address_requirement=requirement,
            expires_at=expires * 60 + EPOCH,
        )
        return encode(body + self._tag(body)), contents

    def verify(self, quote: str) -> Quote:
        """The quote's contents, or QuoteError saying why it cannot be used."""
        try:
            raw = decode(quote.strip())
        except ValueError:
            raw = b""
        if len(raw) < _HEAD.size + 1 + TAG_BYTES or raw[0] & 3 != VERSION:
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
        flags, expires, cents, account, country, number = _HEAD.unpack_from(body)
        if account != self._account_tag:
            raise QuoteError("this quote was issued for another Zendesk account; search this account's numbers.")
        expires_at = int.from_bytes(expires, "big") * 60 + EPOCH
        if self._clock() > expires_at:
            raise QuoteError(
                f"this quote expired at {datetime.fromtimestamp(expires_at, UTC):%H:%M UTC} (quotes last "
                f"{self.ttl_seconds // 60} minutes). Call search_numbers again for a fresh quote."
            )
        rest = body[_HEAD.size :]
        if flags & FLAG_RAW_TOKEN:
            token, location = rest[1 : 1 + rest[0]].decode(errors="replace"), rest[1 + rest[0] :]
        else:
            token, location = rest[:16].hex(), rest[16:]
        return Quote(
            token=token,
            number=f"+{int.from_bytes(number, 'big')}",
            country=country.decode(errors="replace"),
            location=location.decode(errors="replace"),
            toll_free=bool(flags & FLAG_TOLL_FREE),
            price_cents=int.from_bytes(cents, "big"),
            address_requirement=ADDRESS_REQUIREMENTS[(flags >> 3) & 3],
            expires_at=expires_at,
        )
