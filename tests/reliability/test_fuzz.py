"""Property-based fuzzing of every tool, from its own input schema, through mcp.Client.

Every call ends in a result or a clear tool error (never an unhandled exception, never the bare
"Error executing tool X"), and a call whose arguments are invalid sends nothing to Zendesk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from pydantic import ValidationError

from tests.harness import ERAS, Rig, make_rig, text_of
from tests.reliability.report import FIGURES
from tests.reliability.strategies import hostile_arguments, valid_arguments

CASES_PER_TOOL = 120
TOOLS = (
    "search_numbers",
    "list_numbers",
    "get_number",
    "update_settings",
    "buy_number",
    "release_number",
    "list_addresses",
    "create_address",
    "update_numbers",
    "buy_numbers",
)
BARE = re.compile(r"^Error executing tool \w+\s*$")
# Arguments that pass the schema but that the tool itself refuses before calling Zendesk.
REFUSED_BEFORE_ZENDESK = (
    "was not run, its arguments are invalid:",
    "not a quote issued by search_numbers",
    "this quote was altered",
)


@pytest.fixture(scope="module", params=ERAS)
def live(request: pytest.FixtureRequest) -> Iterator[tuple[Rig, BlockingPortal, Client]]:
    rig = make_rig(env={"VOICE_TOOLS_TOOLSETS": "all", "VOICE_TOOLS_RELEASES": "on"})
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Client(rig.server, mode=request.param)) as client,
    ):
        yield rig, portal, client


@pytest.mark.parametrize("tool", TOOLS)
def test_every_call_ends_in_a_result_or_a_clear_error(live: tuple[Rig, BlockingPortal, Client], tool: str) -> None:
    rig, portal, client = live
    listed = {t.name: t for t in portal.call(client.list_tools).tools}
    schema = listed[tool].input_schema
    registered = rig.server._tool_manager.get_tool(tool)
    assert registered is not None

    @settings(max_examples=CASES_PER_TOOL, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(valid_arguments(schema), hostile_arguments(schema)))
    def check(arguments: dict[str, Any]) -> None:
        sent_before = len(rig.transport.sent)
        result = portal.call(client.call_tool, tool, arguments)
        text = text_of(result)
        FIGURES["fuzz cases run"] += 1
        assert text.strip(), "an empty answer"
        assert not BARE.match(text), f"bare error for {arguments!r}"
        if not result.is_error:
            assert result.structured_content is not None
            return
        try:
            registered.fn_metadata.validate_arguments(arguments)
            schema_valid = True
        except ValidationError:
            schema_valid = False
        sent = rig.transport.sent[sent_before:]
        if not schema_valid:
            assert not sent, f"a call with invalid arguments reached Zendesk: {arguments!r}"
            FIGURES["invalid calls refused before Zendesk"] += 1
        elif any(marker in text for marker in REFUSED_BEFORE_ZENDESK):
            # refused by a check that may read the account first (a group name, an id), never after a write
            writes = [r for r in sent if r.method != "GET"]
            assert not writes, f"a refused call wrote to Zendesk: {arguments!r}"
            FIGURES["invalid calls refused before Zendesk"] += 1
        else:
            assert "Retry:" in text and "Next:" in text, f"unhelpful error: {text[:300]}"

    check()
    if tool in ("buy_number", "buy_numbers"):
        assert not [r for r in rig.transport.sent if r.method == "POST" and "addresses" not in r.url.path]
    if tool == "release_number":
        assert rig.transport.count("DELETE") == 0  # no form, no code: nothing is ever released
    if tool == "update_numbers":
        assert rig.transport.count("PUT") == 0  # no form, no code: no bulk change is ever applied
