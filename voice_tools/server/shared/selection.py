"""Which numbers a call names: ids, or list_numbers' filters (country, toll-free, capability, group, text,
``where``), with list_numbers' meaning, so "the numbers list_numbers showed" and "the numbers update_numbers
changes" are the same numbers for the same filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from voice_tools.models import PhoneNumber

from .directory import digits
from .filters import Where
from .invalid import invalid_arguments, problems

Capability = Literal["voice", "sms", "mms"]


def text_matches(n: PhoneNumber, text: str) -> bool:
    """``text`` in the nickname, name or displayed number, or (three digits or more) in the number's digits."""
    needle = text.strip().lower()
    wanted = digits(needle)
    haystack = " ".join(filter(None, [n.nickname, n.name, n.display_number])).lower()
    return needle in haystack or (len(wanted) >= 3 and wanted in digits(n.number or ""))


def parse_where(where: dict[str, Any] | None, tool: str) -> Where:
    try:
        return Where.model_validate(where or {})
    except ValidationError as error:
        found = [*problems(error, where="where"), f"where takes {', '.join(Where.model_fields)}"]
        raise ToolError(invalid_arguments(tool, found, fix=["where"])) from None


@dataclass(frozen=True)
class Selection:
    """The filters of one call; every one given must match (``where``'s voicemail is checked by the caller,
    from each number's settings)."""

    country: str | None = None
    toll_free: bool | None = None
    capability: Capability | None = None
    group_id: int | None = None
    text: str | None = None
    where: Where = field(default_factory=Where)

    @property
    def empty(self) -> bool:
        return self == Selection()

    def matches(self, n: PhoneNumber) -> bool:
        return (
            (self.country is None or n.country_code == self.country)
            and (self.toll_free is None or bool(n.toll_free) == self.toll_free)
            and (self.capability is None or (n.capabilities is not None and getattr(n.capabilities, self.capability)))
            and (self.group_id is None or self.group_id in (n.group_ids or []) or n.default_group_id == self.group_id)
            and (self.text is None or text_matches(n, self.text))
            and self.where.matches(n, voicemail=self.where.voicemail)  # voicemail: the caller checks it
        )
