"""update_numbers (toolset bulk) through mcp.Client in both eras: "move every number in the Sales group
to Support" is one dry run and one confirmed call, with a per-number outcome, each audited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import ERAS, Answer, Era, Rig, connect, make_rig, text_of
from voice_tools.sandbox import TalkSandbox

pytestmark = pytest.mark.anyio
BULK = {"VOICE_TOOLS_TOOLSETS": "numbers,bulk"}
TO_SUPPORT = {"group": "Sales", "changes": {"group_ids": ["Support"], "default_group_id": "Support"}}
SALES, SUPPORT = 360001003, 360001001


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


def in_group(rig: Rig, group_id: int) -> set[int]:
    numbers = rig.sandbox.backend.numbers.values()
    return {n["id"] for n in numbers if group_id in (n["group_ids"] or []) or n["default_group_id"] == group_id}


async def test_a_group_is_rerouted_by_name_in_one_dry_run_and_one_confirmed_call(era: Era) -> None:
    rig = make_rig(env=BULK)
    sales = in_group(rig, SALES)
    assert sales, "the seeded account has numbers in Sales"
    answer = Answer("accept", {"confirm": True})
    async with connect(rig, era, answer) as client:
        preview = (await client.call_tool("update_numbers", {**TO_SUPPORT, "dry_run": True})).structured_content
        assert answer.asked == [] and rig.transport.count("PUT") == 0  # a dry run asks nobody, changes nothing
        done = await client.call_tool("update_numbers", TO_SUPPORT)
    assert {n["phone_number_id"] for n in preview["numbers"]} == sales
    assert all(n["outcome"] == "would_change" for n in preview["numbers"])
    (asked,) = answer.asked  # one confirmation for all of them
    assert asked.message.startswith('Apply {"changes": {"group_ids": ["Support"], "default_group_id": "Support"}} to ')
    body = done.structured_content
    assert body["applied"] is True and {n["outcome"] for n in body["numbers"]} == {"applied"}, text_of(done)
    assert in_group(rig, SALES) == set() and sales <= in_group(rig, SUPPORT)
    assert rig.transport.count("PUT") == len(sales)
    audited = [e for e in await rig.parts.ledger.audit_trail() if e.get("event") == "update"]
    assert sorted(e["phone_number_id"] for e in audited) == sorted(sales) and {e["outcome"] for e in audited} == {
        "applied"
    }


async def test_declined_changes_nothing(era: Era) -> None:
    rig = make_rig(env=BULK)
    async with connect(rig, era, Answer("decline")) as client:
        result = await client.call_tool("update_numbers", TO_SUPPORT)
    assert result.structured_content["applied"] is False and rig.transport.count("PUT") == 0


async def test_one_number_failing_does_not_hide_the_others(era: Era) -> None:
    sandbox = TalkSandbox()
    rig = make_rig(sandbox, env=BULK)
    sandbox.faults.inject("rate_limited", method="PUT", count=1)
    sandbox.faults.retry_after = 90  # past the client's wait: the first PUT fails for good
    async with connect(rig, era, Answer("accept", {"confirm": True})) as client:
        result = await client.call_tool("update_numbers", TO_SUPPORT)
    outcomes = [n["outcome"] for n in result.structured_content["numbers"]]
    assert outcomes.count("not_applied") == 1 and outcomes.count("applied") == len(outcomes) - 1
    failed = next(n for n in result.structured_content["numbers"] if n["outcome"] == "not_applied")
    assert "rate limit" in failed["reason"]


async def test_ids_must_be_in_the_account_and_a_target_is_required(era: Era) -> None:
    rig = make_rig(env=BULK)
    async with connect(rig, era, Answer("accept", {"confirm": True})) as client:
        unknown = await client.call_tool("update_numbers", {"phone_number_ids": [1, 2], "changes": {"recorded": True}})
        nothing: Any = await client.call_tool("update_numbers", {"changes": {"recorded": True}})
    assert unknown.is_error and "the account has no number 1, 2" in text_of(unknown)
    assert nothing.is_error and "it names no numbers" in text_of(nothing)
    assert rig.transport.count("PUT") == 0
