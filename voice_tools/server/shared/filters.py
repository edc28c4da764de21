"""Settings filters and the settings view of list_numbers: audit questions in one compact call.

"Which of our numbers don't record calls?" is ``where: {"recorded": false}``; "which go to voicemail?"
is ``where: {"voicemail": true}``. Most of these are attributes every listed number carries; voicemail
is a setting, which Zendesk returns only number by number, so a filter or view that needs it reads the
settings of each number that matched the other filters, a bounded number of them, concurrently.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict

from voice_tools.client import TalkClient, ZendeskError
from voice_tools.models import NamedRecord, PhoneNumber

from .errors import message, tool_error

MAX_SETTINGS_READS = 200  # numbers whose settings one call may read (one request each)
SETTINGS_CONCURRENCY = 8
WHERE_DESCRIPTION = (
    "e.g. {recorded: false}; also transcription, voicemail, sms_enabled, outbound_enabled, ivr, line_type"
)


class Where(BaseModel):
    """What ``where`` may hold; anything else is refused by name."""

    model_config = ConfigDict(extra="forbid", strict=True)

    recorded: bool | None = None
    transcription: bool | None = None
    voicemail: bool | None = None
    sms_enabled: bool | None = None
    outbound_enabled: bool | None = None
    ivr: bool | None = None
    line_type: Literal["phone", "digital"] | None = None

    @property
    def needs_settings(self) -> bool:
        return self.voicemail is not None

    @property
    def minimal_ok(self) -> bool:
        """Whether Zendesk's minimal mode has every field these conditions read."""
        return self.recorded is None and self.transcription is None and self.ivr is None

    def matches(self, n: PhoneNumber, voicemail: bool | None = None) -> bool:
        """Whether ``n`` matches every condition given (``voicemail`` from its settings, when asked)."""
        attributes = {
            "recorded": bool(n.recorded),
            "transcription": bool(n.transcription),
            "sms_enabled": bool(n.sms_enabled),
            "outbound_enabled": bool(n.outbound_enabled),
            "ivr": n.ivr_id is not None,
            "line_type": n.line_type or "phone",
            "voicemail": bool(voicemail),
        }
        wanted = self.model_dump(exclude_none=True)
        return all(attributes[name] == value for name, value in wanted.items())


Capability = Literal["voice", "sms", "mms"]


@dataclass(frozen=True)
class NumberQuery:
    """Which of the account's numbers a listing (or a bulk change) is about: list_numbers' filters."""

    country: str | None = None
    toll_free: bool | None = None
    capability: Capability | None = None
    group: int | str | None = None
    text: str | None = None
    where: Where = field(default_factory=Where)

    @property
    def minimal_ok(self) -> bool:
        """Whether a snapshot read in minimal mode has every field this query reads (toll_free and the
        groups are not in it, nor recording, transcription or the IVR)."""
        return self.toll_free is None and self.group is None and self.where.minimal_ok

    @property
    def digest(self) -> str:
        """Four hex digits that tell one query from another (a cursor carries them: a cursor is for its query)."""
        canonical = [self.country, self.toll_free, self.capability, self.group, self.text, self.where.model_dump()]
        return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()[:4]

    def matches(self, n: PhoneNumber, group_id: int | None) -> bool:
        """Every condition but voicemail (a setting, read number by number), with the group already resolved."""
        return (
            (self.country is None or n.country_code == self.country)
            and (self.toll_free is None or bool(n.toll_free) == self.toll_free)
            and (self.capability is None or bool(n.capabilities and getattr(n.capabilities, self.capability)))
            and (group_id is None or group_id in (n.group_ids or []) or n.default_group_id == group_id)
            and (self.text is None or text_matches(n, self.text))
            and self.where.matches(n, voicemail=self.where.voicemail)
        )


def text_matches(n: PhoneNumber, text: str) -> bool:
    """``text`` in the nickname, name or display number, or (three digits or more) in the number's digits."""
    needle = text.strip().lower()
    wanted = re.sub(r"\D", "", needle)
    haystack = " ".join(filter(None, [n.nickname, n.name, n.display_number])).lower()
    return needle in haystack or (len(wanted) >= 3 and wanted in re.sub(r"\D", "", n.number or ""))


async def read_voicemail(client: TalkClient, numbers: list[PhoneNumber]) -> dict[int, bool]:
    """Each number's voicemail setting, read concurrently (at most SETTINGS_CONCURRENCY at a time)."""
    found: dict[int, bool] = {}
    limiter = anyio.CapacityLimiter(SETTINGS_CONCURRENCY)

    async def one(n: PhoneNumber) -> None:
        async with limiter:
            await client.pace_read()  # up to 200 reads: paced under the account's budget
            details = await client.get_number(n.id, ["settings"])
        settings = details.phone_number.settings
        found[n.id] = bool(settings and settings.voicemail)

    async with anyio.create_task_group() as group:
        for n in numbers:
            group.start_soon(one, n)
    return found


async def voicemail_within_bounds(client: TalkClient, numbers: list[PhoneNumber]) -> dict[int, bool]:
    """``read_voicemail`` for at most MAX_SETTINGS_READS numbers (one request each), else the model-facing
    refusal that says to narrow the other filters; a Zendesk failure as the model-facing error."""
    if len(numbers) > MAX_SETTINGS_READS:
        raise ToolError(
            message(
                f"voicemail is a setting Zendesk returns number by number, and {len(numbers)} numbers match the "
                f"other filters; one call reads at most {MAX_SETTINGS_READS}",
                "no, not as it is",
                "narrow with country, group, text or another where condition, then call again",
            )
        )
    try:
        return await read_voicemail(client, numbers)
    except ZendeskError as error:
        raise tool_error(error, subject="the numbers' settings") from None


def settings_row(
    n: PhoneNumber, groups: list[NamedRecord], voicemail: bool | None, ivrs: dict[int, str]
) -> dict[str, Any]:
    """One number as an admin audits it: routing by name, recording, transcription, voicemail, line type."""
    names = {int(g.id): g.name for g in groups if str(g.id).isdigit()}
    row: dict[str, Any] = {
        "id": n.id,
        "number": n.number,
        "name": n.nickname,
        "groups": [names.get(g, str(g)) for g in n.group_ids or []] or None,
        "ivr": ivrs.get(n.ivr_id, str(n.ivr_id)) if n.ivr_id else None,
        "recorded": bool(n.recorded),
        "transcription": bool(n.transcription),
        "line_type": n.line_type if n.line_type not in (None, "phone") else None,  # shown when digital
    }
    if voicemail is not None:
        row["voicemail"] = voicemail
    return {k: v for k, v in row.items() if v is not None}
