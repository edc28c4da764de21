"""Which numbers a call names: ids, or list_numbers' filters (country, toll-free, capability, group, text,
``where``), with list_numbers' meaning, so "the numbers list_numbers showed" and "the numbers update_numbers
changes" are the same numbers for the same filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from voice_tools.models import PhoneNumber

from .filters import NumberQuery, Where
from .invalid import invalid_arguments, problems


def parse_where(where: dict[str, Any] | None, tool: str) -> Where:
    try:
        return Where.model_validate(where or {})
    except ValidationError as error:
        found = [*problems(error, where="where"), f"where takes {', '.join(Where.model_fields)}"]
        raise ToolError(invalid_arguments(tool, found, fix=["where"])) from None


@dataclass(frozen=True)
class Selection:
    """The filters of one call (list_numbers' ``NumberQuery``) with its group resolved to an id; every one given
    must match (``where``'s voicemail is checked by the caller, from each number's settings)."""

    query: NumberQuery = field(default_factory=NumberQuery)
    group_id: int | None = None

    @property
    def where(self) -> Where:
        return self.query.where

    @property
    def empty(self) -> bool:
        return self == Selection()

    def matches(self, n: PhoneNumber) -> bool:
        return self.query.matches(n, self.group_id)  # voicemail: the caller checks it
