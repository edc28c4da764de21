"""The pages as real hosts show them: headless Chromium (Debian's, driven by Playwright) opens a host built from
the official ext-apps ``AppBridge`` and the official TypeScript MCP client (``official_host/``, see
``official.py``), on an origin of its own, which calls a real ``voice-tools serve --http`` (CORS) over a
standalone sandbox whose request log says what reached "Zendesk", and shows each page through a sandbox proxy
on a second origin, under the CSP header derived from the page's ``_meta.ui.csp``. Both protocol eras.

A person's part is played with clicks and keys. The host can be set to play the hosts the pages must survive:
one that passes no tool calls on, one that takes no model-context updates, one that re-sends tool-input and
tool-result after each of the page's own calls. Screenshots of both pages are saved with each run (to the
test's folder; to ``docs/screenshots/``, shown in the README, with ``VOICE_TOOLS_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Frame, FrameLocator, Page, expect

from tests.apps.conftest import Deployment
from tests.apps.official import OfficialHost
from tests.harness import spelled

pytestmark = pytest.mark.timeout(180)
# Forms the server asks when the picker's Buy is clicked: by default the click proposes and one form the host
# shows confirms; where the operator lets the click alone approve (VOICE_TOOLS_APPROVALS with app), none.
FORMS_PER_APP_PURCHASE = 1
CLICK_APPROVES = {"VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "5", "VOICE_TOOLS_APPROVALS": "form,app"}
MODEL_TEXT = re.compile(r"Retry:|Next:|Method not found|[a-z]+_[a-z_]+\(|\b(get_number|list_numbers|buy_number)\b")
EXTENSION = {"io.modelcontextprotocol/ui": {}}


@pytest.fixture(params=["legacy", "modern"])
def era(request: pytest.FixtureRequest) -> str:
    """2025-11-25 (initialize handshake) or 2026-07-28 (pinned in the official client)."""
    return str(request.param)


def connect(page: Page, deployment: Deployment, era: str, **options: Any) -> dict[str, Any]:
    connected: dict[str, Any] = page.evaluate(
        "(o) => window.officialHost.connect(o)", {"url": deployment.mcp_url, "era": era, **options}
    )
    return connected


def show(page: Page, tool: str, args: dict[str, Any], **options: Any) -> FrameLocator:
    """The model called ``tool``; the host shows its page (in the sandbox proxy's inner frame)."""
    page.evaluate("([t, a, o]) => window.officialHost.show(t, a, o)", [tool, args, options])
    return page.frame_locator("iframe").frame_locator("iframe")


def app_frame(page: Page) -> Frame:
    """The page itself: the frame inside the sandbox proxy's frame."""
    (frame,) = [f for f in page.frames if f.parent_frame is not None and f.parent_frame.parent_frame is not None]
    return frame


def log(page: Page) -> dict[str, Any]:
    logged: dict[str, Any] = page.evaluate("window.hostLog")
    return logged


def calls(page: Page, name: str | None = None) -> list[dict[str, Any]]:
    return [c for c in log(page)["appCalls"] if name is None or c["name"] == name]


def zendesk_requests(sandbox_url: str, method: str, path_end: str) -> int:
    requests = httpx2.get(f"{sandbox_url}/__sandbox__/requests").json()["requests"]
    return sum(1 for r in requests if r["method"] == method and r["path"].removesuffix(".json").endswith(path_end))


def creates(deployment: Deployment) -> int:
    return zendesk_requests(deployment.sandbox_url, "POST", "/phone_numbers")


def shown_text(page: Page) -> str:
    text: str = app_frame(page).evaluate("document.body.innerText")
    return text


def frame_height(page: Page) -> float:
    height: float = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
    return height


# ------------------------------------------------------------------------------------- the purchase
@pytest.mark.parametrize(
    ("deployment", "forms"),
    [({"VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "5"}, FORMS_PER_APP_PURCHASE), (CLICK_APPROVES, 0)],
    indirect=["deployment"],
    ids=["default", "click-approves"],
)
def test_the_picker_buys_exactly_the_chosen_number_once(
    host_page: Page, deployment: Deployment, era: str, screenshots: Any, forms: int
) -> None:
    page = host_page
    connected = connect(page, deployment, era)
    assert connected["protocolVersion"] == ("2025-11-25" if era == "legacy" else "2026-07-28")
    assert connected["serverCapabilities"]["extensions"] == EXTENSION  # in both eras' answers
    picker = show(page, "search_numbers", {"country": "US", "limit": 5})
    rows = picker.locator("#offers tbody tr")
    expect(rows).to_have_count(5)
    first_number = rows.first.locator("small").inner_text()
    expect(rows.first).to_contain_text("Local")
    expect(rows.first).to_contain_text("$1.00")
    picker.get_by_role("button", name=f"Review {first_number}").click()
    buy = picker.get_by_role("button", name="Buy for $1.00 per month")
    expect(buy).to_be_enabled()
    expect(picker.locator("#facts")).to_contain_text("Zendesk account")
    expect(picker.locator("#facts")).to_contain_text("purchase(s) under the daily limit")
    if era == "legacy" and forms:
        page.locator("iframe").screenshot(path=screenshots / "number-picker.png")  # the frame, as the host shows it
    assert creates(deployment) == 0  # reviewing buys nothing

    buy.click()
    expect(picker.locator("#status")).to_contain_text(f"Bought {first_number}")
    assert creates(deployment) == 1
    expect(buy).to_be_disabled()  # a second click sends nothing
    buy.click(force=True)
    expect(rows.first).to_contain_text("Bought")  # the row says so, and its Review is off
    expect(rows.first.get_by_role("button")).to_be_disabled()
    assert [c["name"] for c in calls(page)] == ["review_purchase", "answer_purchase"]
    assert len(log(page)["elicitations"]) == forms
    replayed = page.evaluate("window.officialHost.replay('answer_purchase')")
    assert replayed["isError"] and "already" in replayed["content"][0]["text"]
    assert creates(deployment) == 1
    listed = page.evaluate("window.officialHost.callAsModel('list_numbers', {})")
    assert first_number in json.dumps(listed["structuredContent"])
    told = log(page)["modelContext"]
    assert told and f"Bought {first_number}" in told[-1]["content"][0]["text"]


def test_cancel_by_keyboard_buys_nothing(host_page: Page, deployment: Deployment, era: str) -> None:
    page = host_page
    connect(page, deployment, era)
    picker = show(page, "search_numbers", {"country": "US", "limit": 3})
    expect(picker.locator("#offers tbody tr")).to_have_count(3)
    picker.locator("#offers tbody tr").nth(1).get_by_role("button").focus()
    page.keyboard.press("Enter")
    cancel = picker.get_by_role("button", name="Cancel")
    expect(cancel).to_be_enabled()
    expect(picker.locator("#review-title")).to_be_focused()  # the review is announced where focus goes
    cancel.focus()
    page.keyboard.press("Enter")
    expect(picker.locator("#status")).to_have_text("Nothing was bought.")
    assert creates(deployment) == 0
    assert page.evaluate("window.officialHost.replay('answer_purchase')")["isError"]  # the approval is spent
    assert creates(deployment) == 0


def test_buy_number_from_the_model_is_reviewed_in_the_picker_and_bought_on_click(
    host_page: Page, deployment: Deployment, era: str
) -> None:
    page = host_page
    connect(page, deployment, era)
    offers = page.evaluate("window.officialHost.callAsModel('search_numbers', {country: 'CA', limit: 1})")
    quote = offers["structuredContent"]["numbers"][0]["quote"]
    picker = show(page, "buy_number", {"quote": quote})
    buy = picker.get_by_role("button", name="Buy for $1.00 per month")
    expect(buy).to_be_enabled()
    assert creates(deployment) == 0  # the model's call bought nothing
    buy.click()
    expect(picker.locator("#status")).to_contain_text("Bought +1")
    assert creates(deployment) == 1
    assert len(log(page)["elicitations"]) == FORMS_PER_APP_PURCHASE


@pytest.mark.parametrize("elicitation", ["decline", "none"])
def test_the_click_buys_nothing_without_a_ticked_form(
    host_page: Page, deployment: Deployment, era: str, elicitation: str
) -> None:
    """Issue 22, case 1, in a real page: the click proposes; a declined form, or a host that shows no forms,
    buys nothing, and the person reads why in words."""
    page = host_page
    connect(page, deployment, era, elicitation=elicitation)
    picker = show(page, "search_numbers", {"country": "US", "limit": 2})
    first = picker.locator("#offers tbody tr").first
    number = first.locator("small").inner_text()
    first.get_by_role("button").click()
    buy = picker.get_by_role("button", name="Buy for $1.00 per month")
    expect(buy).to_be_enabled()
    buy.click()
    expect(picker.locator("#status")).to_contain_text("not bought" if elicitation == "decline" else "form")
    assert creates(deployment) == 0
    assert not MODEL_TEXT.search(picker.locator("body").inner_text()), picker.locator("#status").inner_text()
    assert len(log(page)["elicitations"]) == (1 if elicitation == "decline" else 0)
    del number


@pytest.mark.parametrize(("answer", "status"), [("accept", "purchased"), ("decline", "not_purchased")])
def test_the_official_client_answers_the_servers_forms(
    host_page: Page, deployment: Deployment, era: str, answer: str, status: str
) -> None:
    """The test host's forms, as the purchase tests will need them once a Buy click leads to a form: the
    official client answers the server's elicitation in both eras (a server request in 2025-11-25, an
    input_required round in 2026-07-28), on the path AppBridge forwards a page's calls by. Here through
    buy_number from a client without Apps."""
    page = host_page
    connect(page, deployment, era, apps=False, elicitation=answer)
    offers = page.evaluate("window.officialHost.callAsModel('search_numbers', {country: 'US', limit: 1})")
    offer = offers["structuredContent"]["numbers"][0]
    result = page.evaluate("(q) => window.officialHost.callAsBridge('buy_number', {quote: q})", offer["quote"])
    assert result["structuredContent"]["status"] == status, result
    (form,) = log(page)["elicitations"]
    assert spelled(offer["number"], form["message"])
    assert creates(deployment) == (1 if answer == "accept" else 0)


def test_a_client_that_shows_no_forms_is_refused_in_words(host_page: Page, deployment: Deployment, era: str) -> None:
    page = host_page
    connect(page, deployment, era, apps=False, elicitation="none")
    offers = page.evaluate("window.officialHost.callAsModel('search_numbers', {country: 'US', limit: 1})")
    quote = offers["structuredContent"]["numbers"][0]["quote"]
    result = page.evaluate("(q) => window.officialHost.callAsModel('buy_number', {quote: q})", quote)
    assert result["isError"] and "cannot show one" in result["content"][0]["text"]
    assert log(page)["elicitations"] == [] and creates(deployment) == 0


# ---------------------------------------------------------------------------------- the account view
def test_the_account_view_lists_sorts_filters_and_changes_through_a_preview(
    host_page: Page, deployment: Deployment, era: str, screenshots: Any
) -> None:
    page = host_page
    connect(page, deployment, era)
    account = show(page, "list_numbers", {})
    rows = account.locator("#numbers tbody tr")
    expect(rows).to_have_count(12)
    expect(account.locator("#count")).to_have_text("12 of 12 numbers. Sort by a column's heading.")
    if era == "legacy":
        page.locator("iframe").screenshot(path=screenshots / "account-view.png")

    account.get_by_role("button", name="Name").click()
    expect(account.locator("th").nth(1)).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_contain_text("1-800 Help Line")
    account.get_by_label("Recording", exact=True).select_option("false")
    expect(rows).to_have_count(2)
    expect(account.locator("#numbers tbody")).to_contain_text("NY Sales")

    account.get_by_role("button", name="Change NY Sales").click()
    account.get_by_label("Record calls").check()
    account.get_by_role("button", name="Preview the change").click()
    expect(account.locator("#diff")).to_have_text("Recording: Off → On")
    assert zendesk_requests(deployment.sandbox_url, "PUT", "") == 0  # a preview sends nothing
    account.get_by_role("button", name="Apply").click()
    expect(account.locator("#status")).to_have_text("Changed NY Sales: recording on.")
    assert zendesk_requests(deployment.sandbox_url, "PUT", "") == 1
    expect(rows).to_have_count(1)  # the filter still asks for recording off: NY Sales has left it
    assert [c["name"] for c in calls(page)] == ["list_numbers", "update_settings", "update_settings"]
    assert calls(page)[1]["arguments"]["dry_run"] is True
    assert "changed a number" in log(page)["modelContext"][-1]["content"][0]["text"]


def test_the_frame_fits_the_content_and_shrinks_again_after_a_filter(
    host_page: Page, deployment: Deployment, era: str
) -> None:
    """In a tall frame the page reports its content's height, not the frame's: filtering shrinks it."""
    page = host_page
    connect(page, deployment, era)
    account = show(page, "list_numbers", {}, height=1400)
    expect(account.locator("#numbers tbody tr")).to_have_count(12)
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height < 1400")
    full = frame_height(page)
    content = app_frame(page).evaluate("Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)")
    assert content <= full <= content + 40, (content, full)  # the content and the body's padding, no more
    account.get_by_label("Number or name").fill("NY Sales")
    expect(account.locator("#numbers tbody tr")).to_have_count(1)
    page.wait_for_function(f"document.querySelector('iframe').getBoundingClientRect().height < {full - 200}")
    assert frame_height(page) < 400
    account.get_by_label("Number or name").fill("")  # and grows back
    page.wait_for_function(f"document.querySelector('iframe').getBoundingClientRect().height >= {full - 2}")


# ------------------------------------------------------------------------ hosts that support less
def test_a_host_that_passes_no_tool_calls_gets_the_offer_in_words(
    host_page: Page, deployment: Deployment, era: str
) -> None:
    page = host_page
    connect(page, deployment, era)
    picker = show(page, "search_numbers", {"country": "US", "limit": 2}, toolCalls=False)
    rows = picker.locator("#offers tbody tr")
    expect(rows).to_have_count(2)
    expect(picker.locator("#status")).to_contain_text("This chat app does not let the page reach the server.")
    number = rows.first.locator("small").inner_text()
    rows.first.get_by_role("button").click()
    summary = picker.locator("#summary")
    expect(summary).to_contain_text(f"Open this offer in the chat to buy it: ask the assistant to buy {number}")
    expect(picker.locator("#facts")).to_contain_text("$1.00 per month")
    expect(picker.get_by_role("button", name="Buy")).to_be_disabled()
    quote = re.search(r"offer (q\w+)", summary.inner_text())
    assert quote and quote[1].startswith("q")  # what the assistant needs to buy it
    assert calls(page) == [] and creates(deployment) == 0
    assert not MODEL_TEXT.search(shown_text(page))

    account = show(page, "list_numbers", {"view": "settings"}, toolCalls=False)
    expect(account.locator("#numbers tbody tr")).to_have_count(12)  # from the tool's own result
    expect(account.locator("#status")).to_contain_text("To change a number or see the rest, ask in the chat.")
    expect(account.get_by_role("button", name=re.compile("^Change"))).to_have_count(0)
    assert calls(page) == [] and not MODEL_TEXT.search(shown_text(page))


def test_a_host_that_takes_no_model_context_is_said_to(host_page: Page, deployment: Deployment, era: str) -> None:
    page = host_page
    connect(page, deployment, era)
    picker = show(page, "search_numbers", {"country": "US", "limit": 1}, modelContext=False)
    picker.locator("#offers tbody tr").first.get_by_role("button").click()
    picker.get_by_role("button", name="Buy for $1.00 per month").click()
    expect(picker.locator("#status")).to_contain_text("Bought +1")
    expect(picker.locator("#status")).to_contain_text("The assistant was not told")
    assert log(page)["modelContext"] == [] and creates(deployment) == 1


def test_echoes_of_the_pages_own_calls_are_not_news(host_page: Page, deployment: Deployment, era: str) -> None:
    """A host that re-sends tool-input/tool-result after each of the page's calls: the account view loads
    once, a change does not reload it, and a call the model made does, once."""
    page = host_page
    connect(page, deployment, era)
    account = show(page, "list_numbers", {}, echo=True)
    expect(account.locator("#numbers tbody tr")).to_have_count(12)
    page.wait_for_function("window.hostLog.echoes >= 1")
    time.sleep(1.5)  # a loop would have called list_numbers dozens of times by now
    assert len(calls(page, "list_numbers")) == 1
    account.get_by_role("button", name="Change NY Sales").click()
    account.get_by_label("Transcribe recordings").check()
    account.get_by_role("button", name="Preview the change").click()
    account.get_by_role("button", name="Apply").click()
    expect(account.locator("#status")).to_contain_text("Changed NY Sales: transcription on.")
    page.wait_for_function("window.hostLog.echoes >= 3")
    time.sleep(1)
    assert len(calls(page, "list_numbers")) == 1
    assert zendesk_requests(deployment.sandbox_url, "PUT", "") == 1
    # news: the model listed the numbers itself, and the host shows the page its call
    by_model = {"country": "US"}
    result = page.evaluate("window.officialHost.callAsModel('list_numbers', {country: 'US'})")
    page.evaluate("([a, r]) => window.officialHost.sendToolCall(a, r)", [by_model, result])
    page.wait_for_function("window.hostLog.appCalls.filter((c) => c.name === 'list_numbers').length === 2")
    expect(account.locator("#count")).to_contain_text(" of 5 numbers")
    time.sleep(1)
    assert len(calls(page, "list_numbers")) == 2
    assert calls(page, "list_numbers")[1]["arguments"] == {"country": "US", "view": "settings"}

    picker = show(page, "search_numbers", {"country": "US", "limit": 1}, echo=True)
    picker.locator("#offers tbody tr").first.get_by_role("button").click()
    picker.get_by_role("button", name="Buy for $1.00 per month").click()
    expect(picker.locator("#status")).to_contain_text("Bought +1")
    time.sleep(1)  # the echo of the purchase changes nothing the person reads
    expect(picker.locator("#status")).to_contain_text("Bought +1")
    assert [c["name"] for c in calls(page)][-2:] == ["review_purchase", "answer_purchase"]


# ---------------------------------------------------------------------- words for a person, not the model
def test_a_conversation_shown_again_says_which_offers_are_gone(
    host_page: Page, deployment: Deployment, era: str
) -> None:
    page = host_page
    connect(page, deployment, era)
    result = page.evaluate("window.officialHost.callAsModel('search_numbers', {country: 'US', limit: 3})")
    picker = show(page, "search_numbers", {"country": "US", "limit": 3}, result=result)
    rows = picker.locator("#offers tbody tr")
    rows.first.get_by_role("button").click()
    picker.get_by_role("button", name="Buy for $1.00 per month").click()
    expect(picker.locator("#status")).to_contain_text("Bought")

    picker = show(page, "search_numbers", {"country": "US", "limit": 3}, result=result)  # history, shown again
    rows = picker.locator("#offers tbody tr")
    rows.first.get_by_role("button").click()
    expect(picker.locator("#status")).to_have_text(
        "This number was already bought with this offer: it is in the account."
    )
    expect(rows.first).to_contain_text("Already bought")
    expect(rows.first.get_by_role("button")).to_be_disabled()
    expect(picker.locator("#review")).to_be_hidden()
    assert not MODEL_TEXT.search(shown_text(page)) and creates(deployment) == 1

    quote = result["structuredContent"]["numbers"][0]["quote"]
    bought = page.evaluate("(q) => window.officialHost.callAsModel('buy_number', {quote: q})", quote)
    assert bought["isError"] and "Retry:" in bought["content"][0]["text"]  # what the model reads: its own shape
    picker = show(page, "buy_number", {"quote": quote}, result=bought)
    expect(picker.locator("#status")).to_contain_text("already bought")
    assert not MODEL_TEXT.search(shown_text(page))


@pytest.mark.parametrize("deployment", [{"VOICE_TOOLS_QUOTE_TTL": "2"}], indirect=True)
def test_expired_offers_are_shown_as_expired(host_page: Page, deployment: Deployment, era: str) -> None:
    page = host_page
    connect(page, deployment, era)
    picker = show(page, "search_numbers", {"country": "US", "limit": 3})
    rows = picker.locator("#offers tbody tr")
    expect(rows).to_have_count(3)
    time.sleep(2.5)
    rows.nth(1).get_by_role("button").click()
    expect(picker.locator("#status")).to_have_text(
        "These offers have expired: ask in the chat to search again for current ones."
    )
    for index in range(3):  # one search's offers expire together
        expect(rows.nth(index)).to_contain_text("Offer expired")
        expect(rows.nth(index).get_by_role("button")).to_be_disabled()
    assert not MODEL_TEXT.search(shown_text(page)) and creates(deployment) == 0


# ----------------------------------------------------------------------------- the sandbox and the CSP
def test_the_page_runs_under_the_hosts_csp_and_its_own_and_reaches_nothing(
    host_page: Page, deployment: Deployment, official_host: OfficialHost
) -> None:
    page = host_page
    connect(page, deployment, "legacy")
    picker = show(page, "search_numbers", {"country": "US", "limit": 1})
    expect(picker.locator("#offers tbody tr")).to_have_count(1)
    # the host derived its header from _meta.ui.csp ({}: no domain), so nothing beyond the sandbox's origin
    assert "connect-src 'self';" in official_host.sandbox_policies[-1]
    frame = app_frame(page)
    assert frame.evaluate("location.origin") == official_host.sandbox_origin  # not the host's, not the server's
    blocked = frame.evaluate(
        """async (url) => {
            window.injected = false;
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            let fetched = "sent";
            try { await fetch(url, { method: "POST", body: "{}" }); } catch (error) { fetched = "refused"; }
            return { injected: window.injected, fetched };
        }""",
        deployment.mcp_url,
    )
    assert blocked == {"injected": False, "fetched": "refused"}  # the page's own policy: its hashes, no network


# ----------------------------------------------------------------------------------------- looks
def test_the_pages_follow_the_hosts_theme_and_style_variables(host_page: Page, deployment: Deployment) -> None:
    page = host_page
    connect(page, deployment, "legacy")
    account = show(page, "list_numbers", {}, context={"theme": "dark"})
    expect(account.locator("#numbers tbody tr")).to_have_count(12)
    background = "getComputedStyle(document.body).backgroundColor"
    assert app_frame(page).evaluate(background) == "rgb(27, 27, 27)"
    page.evaluate("window.officialHost.setContext({theme: 'light'})")
    expect(account.locator("html")).to_have_attribute("data-theme", "light")
    assert app_frame(page).evaluate(background) == "rgb(255, 255, 255)"
    styled = {"theme": "light", "styles": {"variables": {"--color-background-primary": "rgb(250, 240, 230)"}}}
    picker = show(page, "search_numbers", {"country": "US", "limit": 1}, context=styled)
    expect(picker.locator("#offers tbody tr")).to_have_count(1)
    assert app_frame(page).evaluate(background) == "rgb(250, 240, 230)"


CONTRAST = """() => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (node) => {
    for (; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const node of document.querySelectorAll("h1, th button, td, small, caption, button, label, #status, dt, dd")) {
    if (!node.textContent.trim() || node.closest("[hidden]")) continue;
    const [a, b] = [luminance(rgb(getComputedStyle(node).color)), luminance(background(node))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    worst.push([Math.round(ratio * 100) / 100, node.tagName + " " + node.textContent.trim().slice(0, 20)]);
  }
  return worst.sort((x, y) => x[0] - y[0]).slice(0, 3);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_has_aa_contrast_in_both_themes(host_page: Page, deployment: Deployment, theme: str) -> None:
    """WCAG AA: at least 4.5:1 for every piece of text shown, enabled controls included, in each theme."""
    page = host_page
    connect(page, deployment, "legacy")
    for tool, args, rows in (
        ("search_numbers", {"country": "US", "limit": 3}, "#offers tbody tr"),
        ("list_numbers", {}, "#numbers tbody tr"),
    ):
        frame = show(page, tool, args, context={"theme": theme})
        expect(frame.locator(rows).first).to_be_visible()
        if tool == "search_numbers":
            frame.locator("#offers tbody tr").first.get_by_role("button").click()
            expect(frame.get_by_role("button", name="Cancel")).to_be_enabled()
        lowest = app_frame(page).evaluate(CONTRAST)
        print(f"\n{tool} in {theme}: lowest contrast {lowest}")
        assert lowest and lowest[0][0] >= 4.5, f"{tool} in {theme}: lowest contrast {lowest}"
    app_frame(page).evaluate("Object.assign(document.querySelector('td').style, {color: '#777', background: '#666'})")
    assert app_frame(page).evaluate(CONTRAST)[0][0] < 4.5  # the check sees text too faint to read


@pytest.mark.parametrize(("tool", "args"), [("search_numbers", {"country": "GB", "limit": 5}), ("list_numbers", {})])
def test_the_pages_fit_a_narrow_host(host_page: Page, deployment: Deployment, tool: str, args: dict[str, Any]) -> None:
    """In a 360-pixel frame (a phone, a side panel) the page does not grow past it: only a table scrolls."""
    page = host_page
    connect(page, deployment, "legacy")
    frame = show(page, tool, args)
    expect(frame.locator("tbody tr").first).to_be_visible()
    page.evaluate("window.officialHost.setWidth(360)")
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().width <= 362")
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    expect(frame.locator("body")).to_be_visible()
    app_frame(page).wait_for_function("window.innerWidth <= 362")
    assert app_frame(page).evaluate(overflow) <= 0
    assert app_frame(page).evaluate(
        "document.querySelector('.scroll').scrollWidth > document.querySelector('.scroll').clientWidth"
    )
