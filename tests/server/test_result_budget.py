"""No tool result passes the token budget, on a 20,000-number account, in any view; what is left out is
said, and ``next_cursor`` reaches every match exactly once. Measured with cl100k itself (bench/tokens.py);
the budget is lowered to keep the test fast (bench/ reports the default's real figures)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.tokens import count
from tests.harness import ERAS, Era, connect, make_rig, text_of
from voice_tools.sandbox import SandboxConfig, TalkSandbox
from voice_tools.server.shared.budget import estimated_tokens

pytestmark = pytest.mark.anyio
BUDGET = 1500


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def big_account() -> TalkSandbox:
    return TalkSandbox(SandboxConfig(numbers=20_000, rate_limit=1_000_000, talk_rate_limit=1_000_000))


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("list_numbers", {"limit": 500}),
    ("list_numbers", {"view": "full", "limit": 500}),
    ("list_numbers", {"country": "US", "limit": 500}),
    (
        "get_number",
        {"phone_number_id": 0, "include": ["settings", "ivrs", "all_groups", "all_schedules", "all_greetings"]},
    ),
    ("search_numbers", {"country": "US", "limit": 20}),
]


async def test_no_result_passes_the_budget_in_any_view(era: Era, big_account: TalkSandbox) -> None:
    rig = make_rig(big_account, env={"VOICE_TOOLS_MAX_RESULT_TOKENS": str(BUDGET)})
    async with connect(rig, era) as client:
        first_id = (await client.call_tool("list_numbers", {"limit": 1})).structured_content["numbers"][0]["id"]
        for tool, args in CALLS:
            if tool == "get_number":
                args = {**args, "phone_number_id": first_id}
            result = await client.call_tool(tool, args)
            assert not result.is_error, text_of(result)
            tokens = count(text_of(result))
            assert tokens <= BUDGET, f"{tool} {args}: {tokens} tokens"
            assert estimated_tokens(text_of(result)) >= tokens  # the estimate is an upper bound
        listing = (await client.call_tool("list_numbers", {"view": "full", "limit": 500})).structured_content
        resource = await client.read_resource("zendesk-talk://phone-numbers")
    assert listing["matched"] == 20_000 and len(listing["numbers"]) < 500 and listing["next_cursor"]
    assert "cursor=next_cursor" in listing["next_step"] and "view compact" in listing["next_step"]
    assert count(resource.contents[0].text) <= BUDGET  # type: ignore[union-attr]


async def test_next_cursor_reaches_every_match_exactly_once(era: Era) -> None:
    rig = make_rig(TalkSandbox(SandboxConfig(numbers=700)), env={"VOICE_TOOLS_MAX_RESULT_TOKENS": "600"})
    seen: list[int] = []
    cursor: str | None = None
    calls = 0
    async with connect(rig, era) as client:
        while calls == 0 or cursor is not None:
            args: dict[str, Any] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            page = (await client.call_tool("list_numbers", args)).structured_content
            seen += [n["id"] for n in page["numbers"]]
            cursor, calls = page.get("next_cursor"), calls + 1
            assert calls < 100, "the cursor does not advance"
    assert len(seen) == 700 == len(set(seen)) and calls > 2
