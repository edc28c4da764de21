"""The guard's one refusal: an action stopped before anything was sent to Zendesk, with the rule that stopped it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voice_tools.models import Address

    from .quotes import Quote


class GuardRefusal(Exception):
    """Refused before anything was sent to Zendesk. ``rule`` names the check; ``quote`` is the quote refused,
    when it could be read; ``suitable_addresses`` the account's addresses that would fit, for an address refusal."""

    def __init__(
        self,
        rule: str,
        message: str,
        *,
        suitable_addresses: list[Address] | None = None,
        quote: Quote | None = None,
    ) -> None:
        super().__init__(message)
        self.rule, self.message, self.quote = rule, message, quote
        self.suitable_addresses = suitable_addresses or []
