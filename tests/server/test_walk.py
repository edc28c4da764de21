"""A walk through a large account reads each Zendesk page about once: the first call of a listing takes a
snapshot of the account and ``next_cursor`` names it, on this replica or another one (through the ledger);
a change made through the server invalidates it everywhere, and the walk goes on after the last number it
showed; the answer says when the account was read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.harness import Rig, connect, default_sandbox, make_rig, settings
from voice_tools.guard import open_ledger
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio
LIST = "/api/v2/channels/voice/phone_numbers"


def listing_reads(sandbox: TalkSandbox) -> int:
    return sum(1 for r in sandbox.backend.requests if r.method == "GET" and r.path == LIST)


async def walk(client: Client, args: dict[str, Any], *, steps: int | None = None) -> tuple[list[int], list[dict]]:
    """Call list_numbers from the start, following next_cursor (at most ``steps`` calls): ids, answers."""
    ids: list[int] = []
    answers: list[dict[str, Any]] = []
    cursor: str | None = None
    while not answers or (cursor and (steps is None or len(answers) < steps)):
        result = await client.call_tool("list_numbers", {**args, **({"cursor": cursor} if cursor else {})})
        assert not result.is_error, result.content
        answers.append(result.structured_content)
        ids += [n["id"] for n in result.structured_content["numbers"]]
        cursor = result.structured_content.get("next_cursor")
    return ids, answers


async def test_the_whole_account_in_one_read_within_its_budget() -> None:
    """3,000 numbers under a budget of 100 requests a minute (the same share of it as 20,000 numbers take of
    Zendesk's default 700; bench/walk.py walks the 20,000): the walk sends no more than 1.2x the 30 requests of
    one raw read, meets no 429, and shows every number exactly once."""
    sandbox = TalkSandbox(SandboxConfig(numbers=3_000, rate_limit=100))
    rig = make_rig(sandbox)
    async with connect(rig, "legacy") as client:
        ids, answers = await walk(client, {"limit": 500})
    assert len(ids) == 3_000 == len(set(ids)) and len(answers) >= 6
    assert listing_reads(sandbox) <= 1.2 * 30, listing_reads(sandbox)
    assert all(r.status != 429 for r in sandbox.backend.requests)
    assert {a["as_of"] for a in answers} == {answers[0]["as_of"]}  # one account, as of one moment
    assert re.fullmatch(r"\d\d:\d\d:\d\d UTC", answers[0]["as_of"])
    assert all("minimal_mode=true" in r.query for r in sandbox.backend.requests if r.path == LIST)


def two_replicas(tmp_path: Path, sandbox: TalkSandbox) -> tuple[Rig, Rig]:
    env = {"VOICE_TOOLS_LEDGER": f"sqlite:///{tmp_path}/ledger.db"}
    return make_rig(sandbox, env), make_rig(sandbox, env)


async def published(tmp_path: Path, pointer: str) -> None:
    """Wait for the snapshot to reach the ledger (it is written after the first answer)."""
    ledger = open_ledger(f"sqlite:///{tmp_path}/ledger.db", settings().account)
    with anyio.fail_after(10):
        while await ledger.load_record(pointer) is None:  # noqa: ASYNC110 - another process's ledger: no event to wait on
            await anyio.sleep(0.02)
    await ledger.aclose()


async def test_a_walk_continued_on_another_replica_reads_the_snapshot_from_the_ledger(tmp_path: Path) -> None:
    sandbox = default_sandbox(numbers=450)
    first, second = two_replicas(tmp_path, sandbox)
    async with connect(first, "legacy") as one, connect(second, "auto") as other:
        page = (await one.call_tool("list_numbers", {"limit": 20, "view": "full"})).structured_content
        await published(tmp_path, "s.full")
        reads = listing_reads(sandbox)
        cursor, shown = page["next_cursor"], [n["id"] for n in page["numbers"]]
        while cursor:
            args = {"limit": 100, "view": "full", "cursor": cursor}
            rest = (await other.call_tool("list_numbers", args)).structured_content
            assert rest["as_of"] == page["as_of"]
            cursor, shown = rest.get("next_cursor"), shown + [n["id"] for n in rest["numbers"]]
    assert reads == 5 and listing_reads(sandbox) == reads  # the other replica read no page
    assert len(shown) == 450 == len(set(shown))


async def test_a_change_through_any_replica_invalidates_the_snapshot_and_the_walk_goes_on(tmp_path: Path) -> None:
    sandbox = default_sandbox(numbers=300)
    first, second = two_replicas(tmp_path, sandbox)
    async with connect(first, "legacy") as one, connect(second, "legacy") as other:
        page = (await one.call_tool("list_numbers", {"limit": 100})).structured_content
        before = listing_reads(sandbox)
        changed = await other.call_tool(
            "update_settings", {"phone_number_id": page["numbers"][0]["id"], "changes": {"nickname": "Renamed"}}
        )
        assert not changed.is_error, changed.content
        rest = (await one.call_tool("list_numbers", {"limit": 500, "cursor": page["next_cursor"]})).structured_content
    assert listing_reads(sandbox) > before  # read again: the snapshot came before the change
    assert rest["next_step"].startswith("The account was read again")
    shown = [n["id"] for n in page["numbers"]] + [n["id"] for n in rest["numbers"]]
    assert len(shown) == 300 == len(set(shown))  # continued after the last number shown: none twice, none missed


async def test_a_new_listing_within_a_minute_reads_nothing_and_filters_needing_more_read_in_full() -> None:
    sandbox = default_sandbox(numbers=250)
    rig = make_rig(sandbox)
    async with connect(rig, "legacy") as client:
        await client.call_tool("list_numbers", {})
        await client.call_tool("list_numbers", {"country": "US", "text": "Support"})
        assert listing_reads(sandbox) == 3  # one minimal read (3 pages), reused
        toll_free = (await client.call_tool("list_numbers", {"toll_free": True})).structured_content
        await client.call_tool("list_numbers", {"view": "full", "limit": 5})
    full_reads = [r for r in sandbox.backend.requests if r.path == LIST and "minimal_mode" not in r.query]
    assert len(full_reads) == 3  # toll_free is not in minimal mode: one full read, reused by the full view
    assert toll_free["numbers"] and all(n.get("toll_free") for n in toll_free["numbers"])


async def test_a_minimal_listing_shows_e164_numbers_and_says_toll_free_is_not_shown() -> None:
    rig = make_rig()
    async with connect(rig, "legacy") as client:
        compact = (await client.call_tool("list_numbers", {})).structured_content
        full = (await client.call_tool("list_numbers", {"view": "full"})).structured_content
    by_id = {n["id"]: n["number"] for n in full["numbers"]}
    assert all(by_id[n["id"]] == n["number"] for n in compact["numbers"])
    assert "toll_free is not shown" in compact["next_step"]


async def test_a_cursor_is_for_its_own_filters_and_a_made_up_one_is_refused() -> None:
    async with connect(make_rig(default_sandbox(numbers=150)), "legacy") as client:
        page = (await client.call_tool("list_numbers", {"limit": 100})).structured_content
        other = await client.call_tool("list_numbers", {"country": "GB", "cursor": page["next_cursor"]})
        garbage = await client.call_tool("list_numbers", {"cursor": "page-2"})
    assert other.is_error and "other filters" in other.content[0].text  # type: ignore[union-attr]
    assert garbage.is_error and "not one this server gave" in garbage.content[0].text  # type: ignore[union-attr]
