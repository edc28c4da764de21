"""list_numbers: the account's numbers, compact by default, filtered, in the settings or the full view on request.

Every call reads a snapshot of the account (``shared/directory.py``): the first call of a listing takes one
(or reuses one under a minute old), and ``next_cursor`` names it, so a walk through 20,000 numbers reads
each Zendesk page once, sees one consistent account, and says when it was read (``as_of``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import Field, ValidationError

from voice_tools.client import ZendeskError
from voice_tools.models import PhoneNumber

from ..shared.arguments import Country
from ..shared.budget import rows_that_fit
from ..shared.declared import ACCOUNT, READS, Declared
from ..shared.directory import Snapshot
from ..shared.errors import tool_error
from ..shared.filters import (
    MAX_SETTINGS_READS,
    WHERE_DESCRIPTION,
    NumberQuery,
    Where,
    settings_row,
    voicemail_within_bounds,
)
from ..shared.groups import GroupNameError
from ..shared.invalid import invalid_arguments, problems
from ..shared.results import NOISY_FIELDS, NumberList, NumberSummary, respond
from ..state import AppState, state

LIST_DESCRIPTION = "The account's phone numbers, filtered if asked. Pass an id to get_number or update_settings."


CURSOR = re.compile(r"(s[a-z2-9]{10})-([0-9]{1,7})-([0-9a-z]{1,14})-([0-9a-f]{4})")


@dataclass(frozen=True)
class Cursor:
    """Where a listing stopped: its snapshot, the position in its matches, the last number shown (to find the
    place again in a newer snapshot) and its query's digest. Written out as one opaque string."""

    snapshot: str
    position: int
    after: int
    query: str

    def __str__(self) -> str:
        return f"{self.snapshot}-{self.position}-{_base36(self.after)}-{self.query}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        found = CURSOR.fullmatch(text.strip())
        if found is None:
            return None
        return cls(found[1], int(found[2]), int(found[3], 36), found[4])


def _base36(value: int) -> str:
    out = ""
    while True:
        value, digit = divmod(value, 36)
        out = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + out
        if not value:
            return out


async def list_numbers(
    ctx: Context[Any, Any],
    country: Country | None = None,
    toll_free: Annotated[bool | None, Field(description="true: toll-free only; false: local only")] = None,
    capability: Literal["voice", "sms", "mms"] | None = None,
    group: Annotated[int | str | None, Field(description="Group name or id")] = None,
    text: Annotated[str | None, Field(max_length=64, description="Match in nickname or number")] = None,
    where: Annotated[dict[str, Any] | None, Field(description=WHERE_DESCRIPTION)] = None,
    view: Annotated[
        Literal["compact", "settings", "full"], Field(description="settings: routing, recording, voicemail")
    ] = "compact",
    limit: Annotated[int, Field(ge=1, le=500, description="Most numbers")] = 100,
    cursor: Annotated[str | None, Field(max_length=64, description="next_cursor of the last call")] = None,
) -> Annotated[CallToolResult, NumberList]:
    app = state(ctx)
    query = NumberQuery(country, toll_free, capability, group, text, _where(where))
    minimal_ok = view == "compact" and query.minimal_ok
    continued = _cursor(cursor, query) if cursor is not None else None

    async def progress(done: int, total: int) -> None:
        await ctx.report_progress(done, total=total, message=f"read page {done} of {total}")

    try:
        snapshot = None if continued is None else await app.directory.named(continued.snapshot, minimal_ok=minimal_ok)
        if snapshot is None:  # a first call, or a cursor whose snapshot expired or came before a change
            snapshot = await app.directory.current(minimal_ok=minimal_ok, progress=progress)
        group_id = None if group is None else await _group_id(app, group, snapshot.numbers)
    except ZendeskError as error:
        raise tool_error(error, subject="the list of numbers") from None
    matched = await _matches(app, snapshot, query, group_id)
    offset, moved = _position(continued, snapshot, matched)
    page = matched[offset : offset + limit]
    voicemail: dict[int, bool] = snapshot.derived.setdefault("voicemail", {})
    if view == "settings":
        page = page[:MAX_SETTINGS_READS]
        missing = [n for n in page if n.id not in voicemail]
        voicemail |= await voicemail_within_bounds(app.client, missing) if missing else {}
    rows, common = await _rows(app, page, view, voicemail)
    fit = rows_that_fit(rows, app.settings.max_result_tokens)
    shown = rows[:fit]
    end = offset + len(shown)
    more = end < len(matched)
    step = _next_step(len(shown), len(page), len(matched), offset, view, app.settings.max_result_tokens)
    if moved:
        step = f"{moved} {step}"
    if snapshot.minimal and continued is None and shown:
        step += " toll_free is not shown in this view (Zendesk's minimal listing); filter with toll_free to see it."
    return respond(
        NumberList(
            numbers=[NumberSummary.model_validate(r) for r in shown],
            common=common,
            matched=len(matched),
            total=len(snapshot.numbers),
            as_of=snapshot.as_of,
            next_cursor=str(Cursor(snapshot.id, end, page[fit - 1].id, query.digest)) if more and fit else None,
            next_step=step,
        )
    )


def _cursor(text: str, query: NumberQuery) -> Cursor:
    found = Cursor.parse(text)
    if found is None:
        problem = "cursor: not one this server gave; pass next_cursor exactly as it came, or leave cursor out to start"
        raise ToolError(invalid_arguments("list_numbers", [problem], fix=["cursor"]))
    if found.query != query.digest:
        problem = (
            "cursor: it continues a listing with other filters; call with the same country, toll_free, capability, "
            "group, text and where, or leave cursor out to start a new listing"
        )
        raise ToolError(invalid_arguments("list_numbers", [problem], fix=["cursor"]))
    return found


def _position(continued: Cursor | None, snapshot: Snapshot, matched: list[PhoneNumber]) -> tuple[int, str | None]:
    """Where this page starts: the cursor's position in its own snapshot; in a newer one (it expired, or a
    change came after it), just after the last number shown, found again by id."""
    if continued is None:
        return 0, None
    if continued.snapshot == snapshot.id:
        return min(continued.position, len(matched)), None
    for index, n in enumerate(matched):
        if n.id == continued.after:
            return index + 1, f"The account was read again (as of {snapshot.as_of}); continuing after {n.id}."
    return (
        min(continued.position, len(matched)),
        f"The account was read again (as of {snapshot.as_of}) and the last number shown is gone; continuing at "
        f"position {continued.position + 1}: a number may be shown twice or missed near here.",
    )


async def _matches(app: AppState, snapshot: Snapshot, query: NumberQuery, group_id: int | None) -> list[PhoneNumber]:
    """The snapshot's numbers this query matches, worked out once per snapshot and query (a walk's calls
    after the first only slice them)."""
    key = f"matches:{query.digest}:{group_id}"
    cached: list[PhoneNumber] | None = snapshot.derived.get(key)
    if cached is not None:
        return cached
    matched = [n for n in snapshot.numbers if query.matches(n, group_id)]
    if query.where.needs_settings:
        voicemail: dict[int, bool] = snapshot.derived.setdefault("voicemail", {})
        missing = [n for n in matched if n.id not in voicemail]
        voicemail |= await voicemail_within_bounds(app.client, missing) if missing else {}
        matched = [n for n in matched if voicemail[n.id] == query.where.voicemail]
    snapshot.derived[key] = matched
    return matched


def _where(where: dict[str, Any] | None) -> Where:
    try:
        return Where.model_validate(where or {})
    except ValidationError as error:
        found = [*problems(error, where="where"), f"where takes {', '.join(Where.model_fields)}"]
        raise ToolError(invalid_arguments("list_numbers", found, fix=["where"])) from None


async def _group_id(app: AppState, group: int | str, numbers: list[PhoneNumber]) -> int:
    try:
        return await app.groups.resolve(group, via_number_id=numbers[0].id if numbers else None)
    except GroupNameError as error:
        raise ToolError(invalid_arguments("list_numbers", [f"group: {error}"], fix=["group"])) from None


async def _rows(
    app: AppState, page: list[PhoneNumber], view: str, voicemail: dict[int, bool]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The rows of one view, and (full view) the values every row shares, shown once."""
    if view == "settings":
        try:
            groups = await app.groups.all(page[0].id if page else None)
            ivrs = await app.groups.ivrs()
        except ZendeskError as error:
            raise tool_error(error, subject="the account's groups") from None
        return [settings_row(n, groups, voicemail.get(n.id), ivrs) for n in page], None
    if view == "compact":
        rows = [NumberSummary(id=n.id, number=n.number, name=n.nickname, toll_free=n.toll_free or None) for n in page]
        return [r.model_dump(mode="json", exclude_none=True) for r in rows], None
    full = [n.model_dump(mode="json", exclude_none=True, exclude=set(NOISY_FIELDS)) for n in page]
    return shared_apart(full)


def shared_apart(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Fields with the same value on every row (Zendesk's defaults, greeting boilerplate) taken out of
    the rows and returned once: a full listing of many numbers then costs what differs between them."""
    if len(rows) < 2:
        return rows, None
    keys = set(rows[0]) - {"id", "number", "name", "nickname", "display_number"}
    same = {k: rows[0][k] for k in keys if all(k in r and r[k] == rows[0][k] for r in rows)}
    if not same:
        return rows, None
    return [{k: v for k, v in r.items() if k not in same} for r in rows], same


def _next_step(shown: int, asked: int, matched: int, offset: int, view: str, budget: int) -> str:
    end = offset + shown
    if not matched:
        return "No number matched; try fewer filters."
    if offset >= matched:
        return f"Nothing left: the listing's {matched} matches were all shown."
    if shown < asked:  # the budget cut the page short
        narrow = "narrow the filters"
        if view == "full":
            narrow = "narrow with country, group or text, or use view compact (about 16 tokens a number)"
        return (
            f"Showing {offset + 1}-{end} of {matched}: more would pass the {budget}-token result limit. "
            f"Call again with cursor=next_cursor (same filters) for the next ones, or {narrow}."
        )
    if end < matched:
        return (
            f"Showing {offset + 1}-{end} of {matched}: call again with cursor=next_cursor and the same filters "
            "(or raise limit), or narrow the filters."
        )
    return "Use an id with get_number for details or update_settings to change it."


TOOL = Declared(
    list_numbers,
    "List the account's numbers",
    LIST_DESCRIPTION,
    READS,
    page=ACCOUNT,
    example={"where": {"recorded": False}, "view": "settings"},
)
