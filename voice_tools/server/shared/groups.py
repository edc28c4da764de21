"""Groups by name: wherever a tool takes a group id, it takes the group's name too.

People say "route it to Billing", not "to 360001002". The Talk API has no groups endpoint, but any
number read with ``include=all_groups`` carries the account's groups, so they are read that way, at most
once a minute (the IVRs come in the same request). A name resolves when it is exactly one group's
name (any case); an unknown or ambiguous name is refused with the candidates (a name cannot be sent to
Zendesk, so the model must ask the user rather than guess). An id is taken as given, listed or not: the
side-loads' shape is inferred (registry: side-load-reading), so an id they lack is the preview's warning
and Zendesk's to refuse, never this server's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from voice_tools.client import TalkClient
from voice_tools.models import NamedRecord

from .directory import NumberDirectory

MAX_AGE_SECONDS = 60.0
SHOWN = 10


class GroupNameError(ValueError):
    """A group name that names no group, or more than one; the message lists the candidates."""


@dataclass
class GroupDirectory:
    client: TalkClient
    numbers: NumberDirectory
    clock: Callable[[], float] = time.monotonic
    _groups: list[NamedRecord] = field(default_factory=list)
    _ivrs: dict[int, str] = field(default_factory=dict)
    _read_at: float | None = None

    async def all(self, via_number_id: int | None = None) -> list[NamedRecord]:
        """The account's groups, read through ``via_number_id`` (or any number) when older than a minute."""
        if self._read_at is not None and self.clock() - self._read_at < MAX_AGE_SECONDS:
            return self._groups
        if via_number_id is None:
            entries = await self.numbers.entries()
            if not entries:
                return []
            via_number_id = entries[0].id
        details = await self.client.get_number(via_number_id, ["all_groups", "ivrs"])
        self._groups, self._read_at = list(details.groups or []), self.clock()
        self._ivrs = {int(i.id): i.name or str(i.id) for i in details.ivrs or [] if str(i.id).isdigit()}
        return self._groups

    async def ivrs(self, via_number_id: int | None = None) -> dict[int, str]:
        """The account's IVRs by id (read with the groups, in the same request)."""
        await self.all(via_number_id)
        return self._ivrs

    async def resolve(self, value: int | str, *, via_number_id: int | None = None) -> int:
        """The id of the group ``value`` names (a name, or an id written as digits, taken as given);
        GroupNameError if a name names no group or several."""
        text = str(value).strip()
        if text.isdigit():
            return int(text)
        groups = await self.all(via_number_id)
        exact = [g for g in groups if (g.name or "").casefold() == text.casefold()]
        if len(exact) == 1:
            return int(exact[0].id)
        if exact:
            raise GroupNameError(f"{text!r} names {len(exact)} groups; use one of their ids ({_listing(exact)})")
        near = [g for g in groups if text.casefold() in (g.name or "").casefold()]
        raise GroupNameError(f"no group is named {text!r} ({_listing(near or groups, near=bool(near))})")


def _listing(groups: list[NamedRecord], *, near: bool = False) -> str:
    """The candidates by name (not in the order Zendesk happens to list them)."""
    if not groups:
        return "the account has no groups"
    groups = sorted(groups, key=lambda g: ((g.name or "").casefold(), str(g.id)))
    shown = ", ".join(f"{g.name} {g.id}" for g in groups[:SHOWN])
    more = f", and {len(groups) - SHOWN} more" if len(groups) > SHOWN else ""
    return ("did you mean: " if near else "the account's groups: ") + shown + more
