"""URL-mode approval (issue 22): a yes the client cannot fake by answering a form, given on a page this server
serves, clicked in a real browser (headless Chromium), in both protocol eras.

Over this in-process rig the server has no HTTP listener of its own (as over stdio), so the page is served
by the loopback listener it opens on demand. A 2025-11-25 client is asked in the call and the call waits for
the page; a 2026-07-28 client is told "open this URL first" and calls again. Judged from the sandbox's own
requests and the audit trail.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, MCPError, UrlElicitationRequiredError
from mcp.types import ElicitResult
from playwright.async_api import Browser, async_playwright

from tests.apps.conftest import CHROMIUM_FLAGS
from tests.harness import ERAS, Era, Rig, make_rig, spelled, text_of
from tests.reliability.http_server import running_http

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]
URL_ONLY = {"VOICE_TOOLS_APPROVALS": "url"}


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is missing: run `bash .ci/system-packages`")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        await launched.close()


class Person:
    """A client that opens links (URL-mode elicitation): it remembers each link it was asked to show."""

    def __init__(self) -> None:
        self.links: list[str] = []
        self.shown = anyio.Event()

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        if getattr(params, "mode", None) == "url":
            self.links.append(params.url)
            self.shown.set()
            return ElicitResult(action="accept")  # agreed to open it; the answer is given on the page
        return ElicitResult(action="decline")  # a form: this person does not answer forms here


async def first_quote(rig: Rig, era: Era) -> dict[str, Any]:
    async with Client(rig.server, mode=era) as client:
        found = await client.call_tool("search_numbers", {"country": "US", "limit": 2})
    offer: dict[str, Any] = found.structured_content["numbers"][0]
    return offer


async def click(browser: Browser, url: str, button: str) -> str:
    page = await browser.new_page()
    try:
        await page.goto(url)
        await page.get_by_role("button", name=button).click()
        await page.wait_for_selector("text=You can close this page")
        return await page.inner_text("main")
    finally:
        await page.close()


async def answer_on_the_page(
    client: Client, person: Person, era: Era, browser: Browser, args: dict[str, Any], button: str
) -> Any:
    """The whole exchange, as each era has it; returns the tool's final result, the link and what it showed."""
    if era == "legacy":
        results: list[Any] = []

        async def call() -> None:
            results.append(await client.call_tool("buy_number", args))

        async with anyio.create_task_group() as group:
            group.start_soon(call)
            with anyio.fail_after(30):
                await person.shown.wait()
            shown = await click(browser, person.links[0], button)
        return results[0], person.links[0], shown
    with pytest.raises(UrlElicitationRequiredError) as required:
        await client.call_tool("buy_number", args)
    (asked,) = required.value.elicitations
    shown = await click(browser, asked.url, button)
    return await client.call_tool("buy_number", args), asked.url, shown


async def test_the_person_approves_on_the_page_and_exactly_one_number_is_bought(era: Era, browser: Browser) -> None:
    rig = make_rig(env=URL_ONLY)
    offer = await first_quote(rig, era)
    person = Person()
    async with Client(rig.server, mode=era, elicitation_callback=person) as client:
        result, link, shown = await answer_on_the_page(client, person, era, browser, {"quote": offer["quote"]}, "Buy")
        async with httpx2.AsyncClient() as browserless:  # the answered link: a replay changes nothing
            replayed = await browserless.post(link, data={"token": link.rsplit("/", 1)[1], "answer": "approve"})
            again = await browserless.get(link)
        second = await client.call_tool("buy_number", {"quote": offer["quote"]})
    assert result.structured_content["status"] == "purchased", text_of(result)
    assert spelled(offer["number"], shown) and offer["price"] in shown  # the page showed the exact purchase
    assert rig.transport.count("POST") == 1
    assert re.match(r"^http://127\.0\.0\.1:\d+/approve/[\w-]{40,}$", link)
    assert link.rsplit("/", 1)[1] not in text_of(result)  # the secret never reaches the model
    trail = await rig.parts.ledger.audit_trail()
    bought = [e for e in trail if e.get("attempt")]
    assert [(e["outcome"], e["confirmed_by"]) for e in bought] == [("sending", "url"), ("purchased", "url")]
    assert next(e["outcome"] for e in trail if e.get("event") == "approval_page") == "approved"
    assert replayed.status_code == 200 and "You approved it" in replayed.text and "You approved it" in again.text
    assert second.is_error and "already bought" in text_of(second) and rig.transport.count("POST") == 1


async def test_cancel_on_the_page_buys_nothing(era: Era, browser: Browser) -> None:
    rig = make_rig(env=URL_ONLY)
    offer = await first_quote(rig, era)
    person = Person()
    async with Client(rig.server, mode=era, elicitation_callback=person) as client:
        result, _, shown = await answer_on_the_page(client, person, era, browser, {"quote": offer["quote"]}, "Cancel")
    assert result.structured_content["status"] == "not_purchased", text_of(result)
    assert "nothing happens" in shown and rig.transport.count("POST") == 0
    noes = [e for e in await rig.parts.ledger.audit_trail() if e.get("outcome") == "not_purchased"]
    assert noes and noes[-1]["confirmed_by"] == "url"


async def test_forged_cross_site_and_cross_quote_answers_are_refused(browser: Browser) -> None:
    """Only the page itself answers for the person: an unknown secret is a 404, a POST without the secret in
    its body or from another site is refused, and a page approving one quote buys no other."""
    rig = make_rig(env=URL_ONLY)
    era: Era = "auto"
    async with Client(rig.server, mode="auto") as client:
        found = await client.call_tool("search_numbers", {"country": "US", "limit": 2})
    first, second = found.structured_content["numbers"][:2]
    person = Person()
    async with Client(rig.server, mode=era, elicitation_callback=person) as client:
        with pytest.raises(UrlElicitationRequiredError) as required:
            await client.call_tool("buy_number", {"quote": first["quote"]})
        link = required.value.elicitations[0].url
        token = link.rsplit("/", 1)[1]
        base = link.rsplit("/approve/", 1)[0]
        async with httpx2.AsyncClient() as other:
            forged = await other.get(f"{base}/approve/{'x' * 43}")
            no_token = await other.post(link, data={"answer": "approve"})
            cross = await other.post(
                link, data={"token": token, "answer": "approve"}, headers={"Origin": "https://evil.example"}
            )
            framed = await other.get(link)
        assert forged.status_code == 404 and no_token.status_code == 403 and cross.status_code == 403
        assert "frame-ancestors 'none'" in framed.headers["content-security-policy"]
        assert framed.headers["referrer-policy"] == "same-origin"
        await click(browser, link, "Buy")  # the person approves the first quote's page
        with pytest.raises(UrlElicitationRequiredError) as other_page:  # the second quote gets its own page
            await client.call_tool("buy_number", {"quote": second["quote"]})
        assert other_page.value.elicitations[0].url != link
        bought = await client.call_tool("buy_number", {"quote": first["quote"]})
    assert bought.structured_content["status"] == "purchased" and rig.transport.count("POST") == 1


async def test_a_link_expires_with_its_quote(browser: Browser) -> None:
    rig = make_rig(env={**URL_ONLY, "VOICE_TOOLS_QUOTE_TTL": "2"})
    offer = await first_quote(rig, "auto")
    async with Client(rig.server, mode="auto", elicitation_callback=Person()) as client:
        with pytest.raises(UrlElicitationRequiredError) as required:
            await client.call_tool("buy_number", {"quote": offer["quote"]})
        link = required.value.elicitations[0].url
        await anyio.sleep(2.5)
        async with httpx2.AsyncClient() as late:
            expired = await late.get(link)
    assert expired.status_code == 404 and "not valid" in expired.text and rig.transport.count("POST") == 0
    del browser


async def test_where_both_are_allowed_a_client_that_opens_links_gets_the_page_not_a_form() -> None:
    """The page is the stronger yes: with form and url allowed, a client that declares URL mode (mcp.Client
    declares both) is sent to the page and never shown a form it could answer itself."""
    rig = make_rig(env={"VOICE_TOOLS_APPROVALS": "form,url"})
    offer = await first_quote(rig, "auto")
    person = Person()
    async with Client(rig.server, mode="auto", elicitation_callback=person) as client:
        with pytest.raises(UrlElicitationRequiredError):
            await client.call_tool("buy_number", {"quote": offer["quote"]})
    assert person.links == [] and rig.transport.count("POST") == 0  # no form was asked; nothing bought


async def test_over_http_the_page_is_served_under_the_servers_own_origin(browser: Browser) -> None:
    """serve --http serves the approval page itself, under the origin the client reached it by (checked
    against the allowed hosts), so any replica behind a balancer serves any link (the ledger holds them)."""
    with running_http(URL_ONLY) as (url, sandbox, transport):
        async with Client(url, mode="auto") as client:
            found = await client.call_tool("search_numbers", {"country": "US", "limit": 1})
        quote = found.structured_content["numbers"][0]["quote"]
        async with Client(url, mode="auto", elicitation_callback=Person()) as client:
            with pytest.raises(MCPError) as required:  # over the wire: error -32042, with the link in its data
                await client.call_tool("buy_number", {"quote": quote})
            link = UrlElicitationRequiredError.from_error(required.value.error).elicitations[0].url
            assert link.startswith(url.removesuffix("/mcp") + "/approve/")
            await click(browser, link, "Buy")
            bought = await client.call_tool("buy_number", {"quote": quote})
    assert bought.structured_content["status"] == "purchased", text_of(bought)
    assert transport.count("POST") == 1 and len(sandbox.backend.numbers) == 13
