"""``voice-tools demo``: the real server, started as a chat client starts it, in a short scripted session.

It spawns ``voice-tools serve --sandbox`` over stdio, connects with the official MCP client, lists the
tools and walks through what an admin would ask: find a number, look at the account, preview a change,
and buy a number: the server asks for confirmation with a form (elicitation), which the demo prints
as a chat client would show it, and answers as the user who ticks "confirm". Everything runs against
the built-in sandbox; nothing real is bought.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import ElicitRequestParams, ElicitResult


def _show(title: str, result: Any) -> Any:
    print(f"\n> {title}")
    text = result.content[0].text if result.content else ""
    body = result.structured_content
    if result.is_error or body is None:
        print(("ERROR " if result.is_error else "") + text)
        return None
    print(json.dumps(body, indent=2, ensure_ascii=False)[:1500])
    return body


async def show_form_and_say_yes(context: Any, params: ElicitRequestParams) -> ElicitResult:
    """What a chat client does with a confirmation form: show it to the user; here, the user says yes."""
    print("\n[the client shows the user a form]")
    print(f"  {params.message}")
    schema = getattr(params, "requested_schema", None) or {}  # a form request has one; a URL request does not
    for name, field in schema.get("properties", {}).items():
        print(f"  [ ] {name}: {field.get('description', '')}")
    print("  (the user ticks confirm and presses Accept)")
    return ElicitResult(action="accept", content={"confirm": True})


async def demo(env: dict[str, str]) -> None:
    """``env``: the environment the server is started with (the caller's, without any ZENDESK_ account)."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "voice_tools", "serve", "--sandbox"], env=env)
    async with Client(params, elicitation_callback=show_form_and_say_yes) as client:
        tools = (await client.list_tools()).tools
        print("Tools: " + ", ".join(t.name for t in tools))
        found = _show(
            "search_numbers(country='US', toll_free=True, contains='HELP', limit=2)",
            await client.call_tool(
                "search_numbers", {"country": "US", "toll_free": True, "contains": "HELP", "limit": 2}
            ),
        )
        _show("list_numbers(country='US')", await client.call_tool("list_numbers", {"country": "US"}))
        _show(
            "update_settings(900000120986, changes={'group_ids': [360001002]}, dry_run=True)",
            await client.call_tool(
                "update_settings",
                {"phone_number_id": 900000120986, "changes": {"group_ids": [360001002]}, "dry_run": True},
            ),
        )
        quote = found["numbers"][0]["quote"]
        _show(f"buy_number(quote={quote!r})", await client.call_tool("buy_number", {"quote": quote}))
    print("\nThat was the real server over stdio, against the built-in sandbox. Next: README, 'Use it from a client'.")
