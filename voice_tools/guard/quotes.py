"""Quotes: the only thing ``buy_number`` accepts, as short handles whose contents live in the ledger.

A search result's quote is ``q`` and ten random letters (50 bits, at most 11 cl100k tokens; it starts
with a letter because a client once turned a digits-only quote into a float). The ledger keeps what
it stands for: the Zendesk token, the number, its country and location, toll-free or local, the
monthly price (exact, and as Zendesk wrote it), the address requirement and an expiry. The model can
neither edit a quote (there is nothing in it to edit) nor invent one (a handle the ledger never issued
is refused), replicas sharing a ledger accept each other's quotes, and a quote is refused after it
was used for a purchase or has expired.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from voice_tools.models import AvailableNumber, PriceError
from voice_tools.models.money import DOLLAR

from .ledger import READ_WAIT_SECONDS, Ledger, QuoteLook, answered_within, new_id
from .ledger.base import HANDLE_ALPHABET
from .text import one_line

DEFAULT_TTL_SECONDS = 15 * 60
KEEP_EXPIRED_SECONDS = 3600  # an expired quote is still recognised for an hour, to say "expired", not "unknown"
ADDRESS_REQUIREMENTS = ("none", "local", "any", "foreign")
LOOK_REUSE_SECONDS = 300.0  # how long a replica reuses a look that found a quote unused (``QuoteBook.look``)
LOOKS_KEPT = 1024
PRICE_TEXT_CAP = 200  # Zendesk's price text is shown whole; this only stops a page-long one
HANDLE = re.compile(f"q[{HANDLE_ALPHABET}]{{10}}")


class QuoteError(Exception):
    """A quote that cannot be used; the message says why and what to do instead."""


@dataclass(frozen=True)
class Quote:
    handle: str
    token: str
    number: str
    country: str
    location: str
    toll_free: bool
    price: str  # the exact amount, as a decimal string ("1250.00"); empty when it could not be read
    price_text: str  # as Zendesk wrote it, whole, on one line ("$1,250.00")
    address_requirement: str
    expires_at: int  # unix seconds
    currency: str = ""  # the ISO 4217 code the price names, or "$" when it says only "a dollar"
    price_problem: str | None = None  # why the price cannot be read without guessing: never sold

    @property
    def monthly_price(self) -> Decimal:
        return Decimal(self.price or "0")

    def price_in(self, currency: str) -> str:
        """The price as read, for a person to check it against Zendesk's text: ``1250.00 USD``."""
        code = currency if self.currency == DOLLAR else self.currency
        return f"{self.price} {code}"

    def expires_text(self) -> str:
        return datetime.fromtimestamp(self.expires_at, UTC).strftime("%H:%M UTC")


def contents_of(offer: AvailableNumber, handle: str, expires_at: int) -> Quote | None:
    """What a quote for this offer binds, or None when the offer lacks what a purchase must bind."""
    digits = offer.number.lstrip("+")
    requirement = offer.address_requirements or "none"
    if not digits.isdigit() or not offer.country_code or not offer.token:
        return None
    if requirement not in ADDRESS_REQUIREMENTS:
        return None  # a requirement this server does not know how to satisfy: not for sale here
    try:
        reading, problem = offer.price_reading(), None
    except PriceError as error:
        reading, problem = None, str(error)
    return Quote(
        handle=handle,
        token=offer.token,
        number=f"+{digits}",
        country=offer.country_code.upper()[:2],
        location=one_line(offer.location, 60),
        toll_free=bool(offer.toll_free),
        price=str(reading.amount) if reading else "",
        price_text=one_line(offer.price, PRICE_TEXT_CAP) or "(no price)",
        address_requirement=requirement,
        expires_at=expires_at,
        currency=reading.currency if reading else "",
        price_problem=problem,
    )


class QuoteBook:
    """Issues quotes for search results and reads them back, through the ledger."""

    def __init__(
        self, ledger: Ledger, *, ttl_seconds: int = DEFAULT_TTL_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.ledger, self.ttl_seconds, self._clock = ledger, ttl_seconds, clock
        self._looks: dict[str, tuple[float, QuoteLook]] = {}  # handle -> (when, a look that found it unused)

    async def issue(self, offers: Sequence[AvailableNumber]) -> list[Quote | None]:
        """One quote per offer (None where it cannot be sold), saved in one ledger call."""
        expires_at = int(self._clock()) + self.ttl_seconds
        issued = [contents_of(offer, new_id("q"), expires_at) for offer in offers]
        saved = [(q.handle, asdict(q)) for q in issued if q is not None]
        if saved:
            await self.ledger.save_quotes(saved, self.ttl_seconds + KEEP_EXPIRED_SECONDS)
        return issued

    async def look(self, handle: str, day: str) -> QuoteLook:
        """What ``prepare`` reads from the ledger, in one round trip; a look that found the quote unused is
        reused for LOOK_REUSE_SECONDS by this replica. The same purchase is prepared again moments later (the
        2026-07-28 protocol's second round, which carries the person's answer; a code's second call) and its
        checks there only refuse early: the reservation checks the quote, the subject and the cap again in its
        own atomic step, so a reused look can cost a person a question, never a purchase. A reservation or a
        refusal of the quote forgets it."""
        now = self._clock()
        kept = self._looks.get(handle)
        if kept is not None and now - kept[0] < LOOK_REUSE_SECONDS:
            return kept[1]
        if not HANDLE.fullmatch(handle):
            return QuoteLook(None, None, 0)
        async with answered_within(self.ledger.url, READ_WAIT_SECONDS):  # a read: refused in words, nothing held
            look = await self.ledger.look_quote(handle, "purchase", day)
        if look.contents is not None and look.holder is None:
            self._looks[handle] = (now, look)
            while len(self._looks) > LOOKS_KEPT:
                self._looks.pop(next(iter(self._looks)))
        return look

    def forget(self, handle: str) -> None:
        """The quote was reserved or refused: its next look reads the ledger."""
        self._looks.pop(handle, None)

    def expired(self, quote: Quote) -> bool:
        return self._clock() > quote.expires_at

    async def load(self, handle: str) -> Quote:
        """The quote's contents, or QuoteError saying why it cannot be used."""
        handle = handle.strip()
        return self.read(await self.ledger.load_quote(handle) if HANDLE.fullmatch(handle) else None)

    def read(self, contents: dict[str, Any] | None) -> Quote:
        """A quote from the contents the ledger gave for its handle (``Ledger.look_quote`` reads them with
        what a purchase checks, in one step), or QuoteError saying why it cannot be used."""
        if contents is None:
            raise QuoteError(
                "this is not a quote issued by search_numbers on this server (or it expired over an hour ago)"
            )
        quote = Quote(**contents)
        if self._clock() > quote.expires_at:
            raise QuoteError(
                f"this quote expired at {quote.expires_text()} (quotes last {self.ttl_seconds // 60} minutes)"
            )
        return quote


def used_quote(quote: Quote, status: str) -> str:
    """Why a quote already used is not bought again, by the status of the purchase that used it."""
    if status == "purchased":
        return f"{quote.number} was already bought with this quote. Call get_number or list_numbers to see it"
    if status == "unresolved":
        return (
            f"a purchase of {quote.number} was sent with this quote long ago and whether Zendesk committed it was "
            "never learnt, so it is not sent again. Call list_numbers to see whether it is in the account, or "
            "search again"
        )
    if status == "unknown":
        return (
            f"a purchase of {quote.number} was sent with this quote and its outcome is not yet known, so it is not "
            "sent again. Call list_numbers in a minute to see whether it is in the account"
        )
    return f"a purchase of {quote.number} with this quote is already under way; it is not sent twice"
