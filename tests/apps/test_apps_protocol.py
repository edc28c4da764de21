"""MCP Apps through mcp.Client in both eras: what a host that negotiated Apps sees (links, app-only tools,
the pages), what one that did not sees (exactly the server without pages), and the purchase approval
the picker page gives, called here as the page calls it through its host.

The browser half (a real page in Chromium, clicked) is ``test_apps_browser.py``.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from tests.harness import ERAS, Answer, Era, Rig, make_rig, spelled, text_of
from tests.reliability.http_server import running_http
from voice_tools.server.views import ACCOUNT, APP_TOOLS, BYTE_BUDGET, PICKER
from voice_tools.server.views.files import compact, squeeze

pytestmark = pytest.mark.anyio
APPS = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})
YES = Answer("accept", {"confirm": True})
CLICK = {"VOICE_TOOLS_APPROVALS": "form,app"}  # the operator lets the picker's click alone approve


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


def host(rig: Rig, era: Era, elicit: Answer | None = None) -> Client:
    """A client that negotiated MCP Apps, as a host that renders the pages does."""
    return Client(rig.server, mode=era, extensions=[APPS], elicitation_callback=elicit)


def dumped(items: list[Any]) -> str:
    return json.dumps([i.model_dump(mode="json", by_alias=True, exclude_none=True) for i in items], sort_keys=True)


def creates(rig: Rig) -> int:
    return rig.transport.count("POST")


async def offer(client: Client, country: str = "US") -> dict[str, Any]:
    found = await client.call_tool("search_numbers", {"country": country, "limit": 1})
    first: dict[str, Any] = found.structured_content["numbers"][0]
    return first


async def app_events(rig: Rig) -> list[dict[str, Any]]:
    return [e for e in await rig.parts.ledger.audit_trail() if e.get("confirmed_by") == "app"]


# ------------------------------------------------------------------ a host without Apps: nothing changed
async def test_without_apps_the_lists_are_byte_for_byte_those_of_a_server_without_pages(era: Era) -> None:
    with_pages, without = make_rig(), make_rig(env={"VOICE_TOOLS_APPS": "off"})
    seen = []
    for rig in (with_pages, without):
        async with Client(rig.server, mode=era) as client:
            tools = (await client.list_tools()).tools
            resources = (await client.list_resources()).resources
            seen.append((dumped(tools), dumped(resources)))
    assert seen[0] == seen[1]
    assert "ui://" not in seen[0][0] + seen[0][1] and "review_purchase" not in seen[0][0]


async def test_without_apps_an_app_only_tool_is_unknown_and_buying_asks_as_before(era: Era) -> None:
    rig = make_rig()
    async with Client(rig.server, mode=era, elicitation_callback=YES) as client:
        for name in APP_TOOLS:
            refused = await client.call_tool(name, {"quote": "q", "approval": "ABCDEF", "answer": "buy"})
            assert refused.is_error and text_of(refused) == f"Unknown tool: {name}"
        bought = await client.call_tool("buy_number", {"quote": (await offer(client))["quote"]})
    assert bought.structured_content["status"] == "purchased" and len(YES.asked) >= 1
    assert creates(rig) == 1 and await app_events(rig) == []


# ---------------------------------------------------------------------- a host with Apps: links and pages
async def test_with_apps_tools_link_their_pages_and_the_approval_tools_are_for_the_page_only(era: Era) -> None:
    rig = make_rig()
    async with host(rig, era) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert tools["search_numbers"].meta == {"ui": {"resourceUri": PICKER}}
    assert tools["buy_number"].meta == {"ui": {"resourceUri": PICKER}}
    assert tools["list_numbers"].meta == {"ui": {"resourceUri": ACCOUNT}}
    assert tools["get_number"].meta is None and tools["update_settings"].meta is None
    for name in APP_TOOLS:
        assert tools[name].meta == {"ui": {"resourceUri": PICKER, "visibility": ["app"]}}
    model_sees = [
        name for name, t in tools.items() if "model" in (t.meta or {}).get("ui", {}).get("visibility", ["model"])
    ]
    assert not set(APP_TOOLS) & set(model_sees)


@pytest.mark.parametrize("uri", [PICKER, ACCOUNT])
async def test_pages_are_self_contained_html_within_their_byte_budget(era: Era, uri: str) -> None:
    rig = make_rig()
    async with host(rig, era) as client:
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        read = (await client.read_resource(uri)).contents[0]
    assert uri in listed and listed[uri].mime_type == APP_MIME_TYPE
    assert read.mime_type == APP_MIME_TYPE
    assert read.meta == {"ui": {"csp": {}, "prefersBorder": True}}  # no domain declared: the host allows none
    html = read.text  # type: ignore[union-attr]
    size = len(html.encode())
    print(f"\n{uri}: {size} bytes (budget {BYTE_BUDGET})")
    assert size <= BYTE_BUDGET
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy and "connect-src 'none'" in policy[1] and "unsafe-inline" not in policy[1]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing loaded from anywhere
    assert "@import" not in html and "fetch(" not in html and "XMLHttpRequest" not in html


async def test_read_only_has_the_pages_but_no_approval_tools(era: Era) -> None:
    rig = make_rig(read_only=True)
    async with host(rig, era) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        pages = {str(r.uri) for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")}
    assert not names & set(APP_TOOLS) and "buy_number" not in names
    assert pages == {PICKER, ACCOUNT}


# ------------------------------------------------------------------------- the approval the page gives
async def test_buy_number_waits_for_the_page_and_the_click_buys_exactly_that_number(era: Era) -> None:
    rig = make_rig(env=CLICK)
    never = Answer("accept", {"confirm": True})
    async with host(rig, era, never) as client:
        chosen = await offer(client)
        pending = await client.call_tool("buy_number", {"quote": chosen["quote"]})
        assert pending.structured_content["status"] == "confirmation_required", text_of(pending)
        assert "number picker" in pending.structured_content["next_step"]
        assert "confirmation_code" not in pending.structured_content and never.asked == [] and creates(rig) == 0
        review = (await client.call_tool("review_purchase", {"quote": chosen["quote"]})).structured_content
        assert review["number"] == chosen["number"] and review["price"] == f"{chosen['price']} per month"
        assert review["account"] == "sandbox" and review["purchases_left_today"] == 5 and review["approval"]
        bought = await client.call_tool(
            "answer_purchase", {"quote": chosen["quote"], "approval": review["approval"], "answer": "buy"}
        )
    assert bought.structured_content["status"] == "purchased", text_of(bought)
    assert creates(rig) == 1 and bought.structured_content["number"] == chosen["number"]
    events = [(e["outcome"], e["number"]) for e in await app_events(rig)]
    assert events == [(o, chosen["number"]) for o in ("confirmation_requested", "sending", "purchased")]
    (sending,) = [e for e in await app_events(rig) if e["outcome"] == "sending"]
    assert sending["client"] == {
        "name": "mcp",
        "version": sending["client"]["version"],
        "protocol": sending["client"]["protocol"],
        "apps": True,
    }


async def test_by_default_the_click_proposes_and_a_form_the_host_shows_confirms(era: Era) -> None:
    """Issue 22, case 1: with the default channels (form), the picker's Buy click alone buys nothing: the
    host shows the person a form with the exact purchase, and only its tick buys (audited as a form yes,
    carried by a client that negotiated Apps)."""
    rig = make_rig()
    person = Answer("accept", {"confirm": True})
    async with host(rig, era, person) as client:
        chosen = await offer(client)
        review = (await client.call_tool("review_purchase", {"quote": chosen["quote"]})).structured_content
        click = {"quote": chosen["quote"], "approval": review["approval"], "answer": "buy"}
        bought = await client.call_tool("answer_purchase", click)
    assert bought.structured_content["status"] == "purchased", text_of(bought)
    (asked,) = person.asked
    assert asked.message.startswith("Buy +") and spelled(chosen["number"], asked.message.split(" (local")[0])
    assert "Tick confirm to buy." in asked.message
    trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("attempt")]
    assert [(e["outcome"], e["confirmed_by"]) for e in trail] == [("sending", "form"), ("purchased", "form")]
    assert trail[0]["client"]["apps"] is True and creates(rig) == 1


@pytest.mark.parametrize("mode", ["elicit_only", "elicit_or_code"])
async def test_a_client_that_merely_claims_apps_cannot_buy_by_clicking_itself(era: Era, mode: str) -> None:
    """Issue 22, case 1: a client that advertises Apps but shows no forms (as the MCP Inspector with Apps
    advertised) calls review_purchase and answer_purchase itself: nothing is bought, in either mode."""
    rig = make_rig(env={"VOICE_TOOLS_CONFIRMATION": mode})
    async with host(rig, era) as client:  # no elicitation callback: it cannot show a form
        chosen = await offer(client)
        review = (await client.call_tool("review_purchase", {"quote": chosen["quote"]})).structured_content
        click = {"quote": chosen["quote"], "approval": review["approval"], "answer": "buy"}
        refused = await client.call_tool("answer_purchase", click)
    assert refused.is_error and "confirmed in a form, and this host cannot show one" in text_of(refused)
    assert creates(rig) == 0 and chosen["number"] not in [n["number"] for n in rig.sandbox.backend.numbers.values()]
    assert not [e for e in await rig.parts.ledger.audit_trail() if e.get("outcome") in ("sending", "purchased")]


async def test_a_declined_form_after_the_click_buys_nothing_and_spends_the_approval(era: Era) -> None:
    rig = make_rig()
    async with host(rig, era, Answer("decline")) as client:
        chosen = await offer(client)
        review = (await client.call_tool("review_purchase", {"quote": chosen["quote"]})).structured_content
        click = {"quote": chosen["quote"], "approval": review["approval"], "answer": "buy"}
        declined = await client.call_tool("answer_purchase", click)
    assert declined.structured_content["status"] == "not_purchased" and creates(rig) == 0
    async with host(rig, era, YES) as client:
        late = await client.call_tool("answer_purchase", click)
    assert late.is_error and creates(rig) == 0  # the approval was spent by the no


async def test_a_replayed_forged_or_model_seen_approval_buys_nothing(era: Era) -> None:
    rig = make_rig(env={"VOICE_TOOLS_APPROVALS": "form,app,code"})
    async with host(rig, era) as client:
        first, second = (await client.call_tool("search_numbers", {"country": "US", "limit": 2})).structured_content[
            "numbers"
        ]
        review = (await client.call_tool("review_purchase", {"quote": first["quote"]})).structured_content
        click = {"quote": first["quote"], "approval": review["approval"], "answer": "buy"}
        assert (await client.call_tool("answer_purchase", click)).structured_content["status"] == "purchased"
        replayed = await client.call_tool("answer_purchase", click)
        assert replayed.is_error and "already" in text_of(replayed)
        forged = await client.call_tool("answer_purchase", {**click, "quote": second["quote"], "approval": "ABCDEF"})
        assert forged.is_error and "approval is not valid" in text_of(forged)
        other = (await client.call_tool("review_purchase", {"quote": second["quote"]})).structured_content
        stolen = await client.call_tool(
            "answer_purchase", {"quote": first["quote"], "approval": other["approval"], "answer": "buy"}
        )
        assert stolen.is_error  # bound to the other quote
    async with Client(rig.server, mode=era) as model_client:  # no forms, no Apps: a code the model sees
        coded = await model_client.call_tool("buy_number", {"quote": second["quote"]})
        code = coded.structured_content["confirmation_code"]
    async with host(rig, era) as client:
        as_click = await client.call_tool(
            "answer_purchase", {"quote": second["quote"], "approval": code, "answer": "buy"}
        )
    assert as_click.is_error and "it is a confirmation code, which only the tool itself takes" in text_of(as_click)
    assert creates(rig) == 1


async def test_cancel_buys_nothing_and_spends_the_approval(era: Era) -> None:
    rig = make_rig()
    async with host(rig, era, YES) as client:
        chosen = await offer(client)
        review = (await client.call_tool("review_purchase", {"quote": chosen["quote"]})).structured_content
        click = {"quote": chosen["quote"], "approval": review["approval"]}
        cancelled = await client.call_tool("answer_purchase", {**click, "answer": "cancel"})
        assert cancelled.structured_content["status"] == "not_purchased"
        late = await client.call_tool("answer_purchase", {**click, "answer": "buy"})
    assert late.is_error and "not valid" in text_of(late) and creates(rig) == 0
    assert [e["outcome"] for e in await app_events(rig)] == ["confirmation_requested", "not_purchased"]


async def test_two_clicks_at_the_same_time_buy_once(era: Era) -> None:
    rig = make_rig(env=CLICK)
    outcomes: list[str] = []
    async with host(rig, era) as client:
        chosen = await offer(client)
        review = (await client.call_tool("review_purchase", {"quote": chosen["quote"]})).structured_content
        click = {"quote": chosen["quote"], "approval": review["approval"], "answer": "buy"}

        async def press() -> None:
            result = await client.call_tool("answer_purchase", click)
            outcomes.append("error" if result.is_error else result.structured_content["status"])

        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(press)
    assert sorted(outcomes) == ["error", "error", "error", "purchased"] and creates(rig) == 1


async def test_an_offer_needing_an_address_is_reviewed_with_the_accounts_fitting_addresses(era: Era) -> None:
    rig = make_rig(env=CLICK)
    async with host(rig, era) as client:
        chosen = await offer(client, "GB")
        assert chosen["address"] != "none"
        first = (await client.call_tool("review_purchase", {"quote": chosen["quote"]})).structured_content
        assert "approval" not in first and first["addresses"], first
        sid = first["addresses"][0]["address_sid"]
        review = (
            await client.call_tool("review_purchase", {"quote": chosen["quote"], "address_sid": sid})
        ).structured_content
        assert review["approval"] and sid in review["address"]
        click = {"quote": chosen["quote"], "address_sid": sid, "approval": review["approval"], "answer": "buy"}
        bought = await client.call_tool("answer_purchase", click)
    assert bought.structured_content["status"] == "purchased", text_of(bought)
    assert rig.transport.bodies("POST")[0]["address_sid"] == sid


async def test_preapproved_buys_by_policy_even_where_the_host_shows_pages(era: Era) -> None:
    env = {
        "VOICE_TOOLS_CONFIRMATION": "preapproved",
        "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "2",
        "VOICE_TOOLS_MAX_MONTHLY_PRICE": "5",
    }
    rig = make_rig(env=env)
    async with host(rig, era) as client:
        bought = await client.call_tool("buy_number", {"quote": (await offer(client))["quote"]})
    assert bought.structured_content["status"] == "purchased" and creates(rig) == 1


# ------------------------------------------------------------------ what was negotiated, said and logged
async def test_the_initialize_answer_names_the_apps_extension_in_both_eras(era: Era) -> None:
    """mcp 2.3 drops ``extensions`` from a 2025-11-25 initialize answer (that era's frozen schema lacks it);
    the server puts it back, so a host sees the pages offered in either era."""
    async with host(make_rig(), era) as client:
        assert client.server_capabilities is not None
        assert client.server_capabilities.extensions == {EXTENSION_ID: {}}
    async with Client(make_rig(env={"VOICE_TOOLS_APPS": "off"}).server, mode=era) as client:
        assert client.server_capabilities is not None and not client.server_capabilities.extensions


async def test_the_legacy_initialize_answer_on_the_wire_has_the_extension() -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
    }
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    with running_http() as (url, _, _transport):
        async with httpx2.AsyncClient() as http:
            answer = await http.post(url, json=initialize, headers=headers)
    data = json.loads(next(line[5:] for line in answer.text.splitlines() if line.startswith("data:")))
    capabilities = data["result"]["capabilities"]
    assert capabilities["extensions"] == {EXTENSION_ID: {}}
    assert capabilities["tools"] == {"listChanged": False}  # the rest of the answer as the SDK made it


@pytest.mark.parametrize("apps", [True, False], ids=["apps", "no-apps"])
async def test_each_session_says_in_the_log_whether_it_negotiated_apps(
    era: Era, apps: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="voice_tools.sessions")
    rig = make_rig()
    for _ in range(2):  # two sessions of the same client
        client = host(rig, era) if apps else Client(rig.server, mode=era, elicitation_callback=YES)
        async with client:
            await client.list_tools()
            await client.list_tools()
    lines = [r.getMessage() for r in caplog.records if r.name == "voice_tools.sessions"]
    # one line per session (2025-11-25), one per client (2026-07-28, which has no sessions)
    assert len(lines) == (2 if era == "legacy" else 1), lines
    version = "2025-11-25" if era == "legacy" else "2026-07-28"
    if apps:
        assert f"(protocol {version}) negotiated MCP Apps" in lines[0]
    else:
        assert f"(protocol {version}) did not negotiate MCP Apps, so it gets the tools without pages" in lines[0]
        assert "advertised: elicitation." in lines[0]
        assert f'extensions["{EXTENSION_ID}"] with mimeTypes ["{APP_MIME_TYPE}"]' in lines[0]


# ------------------------------------------------------------------------- the pages' compaction
@pytest.mark.parametrize(
    ("line", "squeezed"),
    [
        ('const a = { x: 1, y: "a = b, c" };', 'const a={x:1,y:"a = b, c"};'),  # strings keep their spaces
        ("if (a && !b) return `${x} = ${y}`;", "if(a&&!b)return `${x} = ${y}`;"),  # and templates
        ("x = a - -b + +c;", "x=a - -b + +c;"),  # + and - keep theirs: a--b would be another program
        ("const r = /a b/.test(s) ? 1 : 2;", "const r = /a b/.test(s) ? 1 : 2;"),  # a slash: left as written
        ("say('a , b', c ? d : e);", "say('a , b', c ? d : e);"),  # a single quote: left as written
        ("t = `${a.map((c) => `${c} ${d}`)}`;", "t = `${a.map((c) => `${c} ${d}`)}`;"),  # nested templates too
        ('s = "a \\" , b";', 's = "a \\" , b";'),  # an escape
    ],
)
def test_the_compaction_removes_only_spaces_no_parser_needs(line: str, squeezed: str) -> None:
    assert squeeze(line) == squeezed


def test_the_compaction_refuses_a_template_spanning_lines() -> None:
    with pytest.raises(ValueError, match="template literal spans lines"):
        compact("const a = `one\n  two`;", script=True)
    assert compact("  // a comment\n\n  let a = 1;\n", script=True) == "let a=1;"
