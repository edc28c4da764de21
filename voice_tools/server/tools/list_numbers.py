"""list_numbers: the account's numbers, compact by default, filtered, in the settings or the full view on request."""

from __future__ import annotations

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
from ..shared.directory import digits
from ..shared.errors import message, tool_error
from ..shared.filters import MAX_SETTINGS_READS, WHERE_DESCRIPTION, Where, read_voicemail, settings_row
from ..shared.groups import GroupNameError
from ..shared.invalid import invalid_arguments, problems
from ..shared.results import NOISY_FIELDS, NumberList, NumberSummary, respond
from ..state import AppState, state

LIST_DESCRIPTION = "The account's phone numbers, filtered if asked. Pass an id to get_number or update_settings."


def _matches(n: PhoneNumber, text: str) -> bool:
    needle = text.strip().lower()
    wanted = digits(needle)
    haystack = " ".join(filter(None, [n.nickname, n.name, n.display_number])).lower()
    return needle in haystack or (len(wanted) >= 3 and wanted in digits(n.number or ""))


async def list_numbers(
    ctx: Context[Any, Any],
    country: Country | None = None,
    toll_free: Annotated[bool | None, Field(description="true: toll-free only; false: local only")] = None,
    capability: Annotated[Literal["voice", "sms", "mms"] | None, Field(description="Numbers able to do this")] = None,
    group: Annotated[int | str | None, Field(description="Group name or id")] = None,
    text: Annotated[str | None, Field(max_length=64, description="Match in nickname or number")] = None,
    where: Annotated[dict[str, Any] | None, Field(description=WHERE_DESCRIPTION)] = None,
    view: Annotated[
        Literal["compact", "settings", "full"], Field(description="settings: routing, recording, voicemail")
    ] = "compact",
    limit: Annotated[int, Field(ge=1, le=500, description="Most numbers")] = 100,
    offset: Annotated[int, Field(ge=0, description="next_offset of the last call")] = 0,
) -> Annotated[CallToolResult, NumberList]:
    app = state(ctx)
    conditions = _where(where)

    async def progress(done: int, total: int) -> None:
        await ctx.report_progress(done, total=total, message=f"read page {done} of {total}")

    try:
        numbers = await app.client.list_numbers().collect(progress=progress)
        group_id = None if group is None else await _group_id(app, group, numbers)
    except ZendeskError as error:
        raise tool_error(error, subject="the list of numbers") from None
    matched = [
        n
        for n in numbers
        if (country is None or n.country_code == country)
        and (toll_free is None or bool(n.toll_free) == toll_free)
        and (capability is None or (n.capabilities is not None and getattr(n.capabilities, capability)))
        and (group_id is None or group_id in (n.group_ids or []) or n.default_group_id == group_id)
        and (text is None or _matches(n, text))
        and conditions.matches(n, voicemail=conditions.voicemail)  # voicemail: checked below, per number
    ]
    voicemail: dict[int, bool] = {}
    if conditions.needs_settings:
        voicemail = await _voicemail(app, matched)
        matched = [n for n in matched if voicemail[n.id] == conditions.voicemail]
    page = matched[offset : offset + limit]
    if view == "settings":
        page = page[:MAX_SETTINGS_READS]
        missing = [n for n in page if n.id not in voicemail]
        voicemail |= await _voicemail(app, missing) if missing else {}
    rows, common = await _rows(app, page, view, voicemail)
    fit = rows_that_fit(rows, app.settings.max_result_tokens)
    shown = rows[:fit]
    end = offset + len(shown)
    more = end < len(matched)
    return respond(
        NumberList(
            numbers=[NumberSummary.model_validate(r) for r in shown],
            common=common,
            matched=len(matched),
            total=len(numbers),
            next_offset=end if more else None,
            next_step=_next_step(len(shown), len(page), len(matched), offset, view, app.settings.max_result_tokens),
        )
    )


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


async def _voicemail(app: AppState, numbers: list[PhoneNumber]) -> dict[int, bool]:
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
        return await read_voicemail(app.client, numbers)
    except ZendeskError as error:
        raise tool_error(error, subject="the numbers' settings") from None


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
        return f"offset {offset} is past the {matched} matches; call again with a smaller offset."
    if shown < asked:  # the budget cut the page short
        narrow = "narrow the filters"
        if view == "full":
            narrow = "narrow with country, group or text, or use view compact (about 16 tokens a number)"
        return (
            f"Showing {offset + 1}-{end} of {matched}: more would pass the {budget}-token result limit. "
            f"Call again with offset={end} for the next ones, or {narrow}."
        )
    if end < matched:
        return (
            f"Showing {offset + 1}-{end} of {matched}: call again with offset={end} (or raise limit), "
            "or narrow the filters."
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
