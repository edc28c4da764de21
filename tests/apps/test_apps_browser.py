"""The pages in a real browser: headless Chromium (Debian's, driven by Playwright) loads a small host page
written for the test (``host.html``), which speaks the Apps bridge to the page's sandboxed iframe and
proxies its tool calls to a real ``voice-tools serve --http`` over streamable HTTP, against a standalone
sandbox whose request log says what reached "Zendesk".

A person's part is played with clicks and keys: choose an offer, Buy; click again; Cancel another; the
account view sorted, filtered and changed through update_settings' preview. Screenshots of both views are
saved with each run (to the test's temporary folder; to ``docs/screenshots/``, shown in the README, with
``VOICE_TOOLS_UPDATE_SCREENSHOTS=1``: they show a random port and times, so they are refreshed on purpose).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect, sync_playwright

from tests.guard.test_processes import servers
from tests.processes import standalone_sandbox

HOST_PAGE = Path(__file__).with_name("host.html").read_text()
README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_FLAGS = [  # no network of its own: this machine's closed network refuses Chromium's background calls
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.timeout(180)
expect.set_options(timeout=15_000)  # a loaded CI machine may take seconds to answer; a real failure still fails


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Debian's chromium is missing: run `bash .ci/system-packages` (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(server base URL, sandbox URL): one HTTP server over a standalone sandbox."""
    with standalone_sandbox() as sandbox_url, servers(1, sandbox_url, tmp_path) as started:
        url = started[0][0].removesuffix("/mcp")
        yield url, sandbox_url


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = README_SCREENSHOTS if os.environ.get("VOICE_TOOLS_UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def zendesk_requests(sandbox_url: str, method: str, path_end: str) -> int:
    log = httpx2.get(f"{sandbox_url}/__sandbox__/requests").json()["requests"]
    return sum(1 for r in log if r["method"] == method and r["path"].removesuffix(".json").endswith(path_end))


def open_host(browser: Browser, base_url: str) -> Page:
    """The test host, served at the server's own origin (its /mcp is then same-origin for fetch)."""
    page = browser.new_page(viewport={"width": 940, "height": 900})
    page.route(f"{base_url}/__test_host__", lambda route: route.fulfill(content_type="text/html", body=HOST_PAGE))
    page.goto(f"{base_url}/__test_host__")
    return page


def show(page: Page, tool: str, args: dict[str, Any], theme: str = "light") -> FrameLocator:
    page.evaluate("([t, a, c]) => window.showTool(t, a, c)", [tool, args, {"theme": theme, "displayMode": "inline"}])
    return page.frame_locator("iframe")


def log(page: Page) -> dict[str, Any]:
    logged: dict[str, Any] = page.evaluate("window.hostLog")
    return logged


def test_the_picker_buys_exactly_the_chosen_number_once(
    browser: Browser, deployment: tuple[str, str], screenshots: Path
) -> None:
    base_url, sandbox_url = deployment
    page = open_host(browser, base_url)
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
    page.screenshot(path=screenshots / "number-picker.png", full_page=True)
    assert (screenshots / "number-picker.png").stat().st_size > 10_000
    assert zendesk_requests(sandbox_url, "POST", "/phone_numbers") == 0  # reviewing buys nothing

    buy.click()
    expect(picker.locator("#status")).to_contain_text(f"Bought {first_number}")
    assert zendesk_requests(sandbox_url, "POST", "/phone_numbers") == 1
    expect(buy).to_be_disabled()  # a second click sends nothing
    buy.click(force=True)
    calls = [c["name"] for c in log(page)["appCalls"]]
    assert calls == ["review_purchase", "answer_purchase"]
    replayed = page.evaluate("window.replay('answer_purchase')")
    assert replayed["isError"] and "already" in replayed["content"][0]["text"]
    assert zendesk_requests(sandbox_url, "POST", "/phone_numbers") == 1
    listed = page.evaluate("window.callAsModel('list_numbers', {})")
    assert first_number in json.dumps(listed["structuredContent"])
    told = log(page)["modelContext"]
    assert told and f"Bought {first_number}" in told[-1]["content"][0]["text"]


def test_cancel_by_keyboard_buys_nothing(browser: Browser, deployment: tuple[str, str]) -> None:
    base_url, sandbox_url = deployment
    page = open_host(browser, base_url)
    picker = show(page, "search_numbers", {"country": "US", "limit": 3})
    expect(picker.locator("#offers tbody tr")).to_have_count(3)
    review = picker.locator("#offers tbody tr").nth(1).get_by_role("button")
    review.focus()
    page.keyboard.press("Enter")
    cancel = picker.get_by_role("button", name="Cancel")
    expect(cancel).to_be_enabled()
    expect(picker.locator("#review-title")).to_be_focused()  # the review is announced where focus goes
    cancel.focus()
    page.keyboard.press("Enter")
    expect(picker.locator("#status")).to_have_text("Nothing was bought.")
    assert zendesk_requests(sandbox_url, "POST", "/phone_numbers") == 0
    assert page.evaluate("window.replay('answer_purchase')")["isError"]  # the cancelled approval is spent
    assert zendesk_requests(sandbox_url, "POST", "/phone_numbers") == 0


def test_buy_number_from_the_model_is_shown_for_approval_and_bought_on_click(
    browser: Browser, deployment: tuple[str, str]
) -> None:
    base_url, sandbox_url = deployment
    page = open_host(browser, base_url)
    offers = page.evaluate("window.callAsModel('search_numbers', {country: 'CA', limit: 1})")
    quote = offers["structuredContent"]["numbers"][0]["quote"]
    picker = show(page, "buy_number", {"quote": quote})
    buy = picker.get_by_role("button", name="Buy for $1.00 per month")
    expect(buy).to_be_enabled()
    assert zendesk_requests(sandbox_url, "POST", "/phone_numbers") == 0  # the model's call bought nothing
    buy.click()
    expect(picker.locator("#status")).to_contain_text("Bought +1")
    assert zendesk_requests(sandbox_url, "POST", "/phone_numbers") == 1


def test_the_page_cannot_call_a_tool_the_host_keeps_from_it(browser: Browser, deployment: tuple[str, str]) -> None:
    """The host's half of visibility, as this host enforces it: a model-only tool is refused to the page
    (here every tool allows the page, so a made-up name stands in), and an app-only tool is missing from
    the list a model would be given."""
    base_url, _ = deployment
    page = open_host(browser, base_url)
    show(page, "search_numbers", {"country": "US", "limit": 1})
    model_tools = page.evaluate(
        "Object.values(mcp.tools).filter((t) => visibility(t).includes('model')).map((t) => t.name)"
    )
    assert "answer_purchase" not in model_tools and "buy_number" in model_tools


def test_the_account_view_lists_sorts_filters_and_changes_through_a_preview(
    browser: Browser, deployment: tuple[str, str], screenshots: Path
) -> None:
    base_url, sandbox_url = deployment
    page = open_host(browser, base_url)
    account = show(page, "list_numbers", {})
    rows = account.locator("#numbers tbody tr")
    expect(rows).to_have_count(12)
    expect(account.locator("#count")).to_have_text("12 of 12 numbers. Sort by a column's heading.")
    page.screenshot(path=screenshots / "account-view.png", full_page=True)

    account.get_by_role("button", name="Name").click()
    expect(account.locator("th").nth(1)).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_contain_text("1-800 Help Line")
    account.get_by_label("Recording", exact=True).select_option("false")
    expect(rows).to_have_count(2)
    expect(account.locator("#numbers tbody")).to_contain_text("NY Sales")

    account.get_by_role("button", name="Change NY Sales").click()
    account.get_by_label("Record calls").check()
    account.get_by_role("button", name="Preview the change").click()
    expect(account.locator("#diff")).to_contain_text("recorded: Off → On")
    assert zendesk_requests(sandbox_url, "PUT", "") == 0  # a preview sends nothing
    account.get_by_role("button", name="Apply").click()
    expect(account.locator("#status")).to_contain_text("Changed NY Sales: recorded On")
    assert zendesk_requests(sandbox_url, "PUT", "") == 1
    expect(rows).to_have_count(1)  # the filter still asks for recording off: NY Sales has left it
    assert [c["name"] for c in log(page)["appCalls"]] == ["list_numbers", "update_settings", "update_settings"]
    assert log(page)["appCalls"][1]["arguments"]["dry_run"] is True


def test_the_pages_follow_the_hosts_theme_and_style_variables(browser: Browser, deployment: tuple[str, str]) -> None:
    base_url, _ = deployment
    page = open_host(browser, base_url)
    account = show(page, "list_numbers", {}, theme="dark")
    expect(account.locator("#numbers tbody tr")).to_have_count(12)
    background = "getComputedStyle(document.body).backgroundColor"
    frame = page.frames[1]
    assert frame.evaluate(background) == "rgb(27, 27, 27)"
    page.evaluate("window.setTheme('light')")
    expect(account.locator("html")).to_have_attribute("data-theme", "light")
    assert frame.evaluate(background) == "rgb(255, 255, 255)"
    styled = {"theme": "light", "styles": {"variables": {"--color-background-primary": "rgb(250, 240, 230)"}}}
    page.evaluate("([t, a, c]) => window.showTool(t, a, c)", ["search_numbers", {"country": "US", "limit": 1}, styled])
    expect(page.frame_locator("iframe").locator("#offers tbody tr")).to_have_count(1)
    assert page.frames[1].evaluate(background) == "rgb(250, 240, 230)"


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
def test_text_has_aa_contrast_in_both_themes(browser: Browser, deployment: tuple[str, str], theme: str) -> None:
    """WCAG AA: at least 4.5:1 for every piece of text shown, enabled controls included, in each theme."""
    base_url, _ = deployment
    page = open_host(browser, base_url)
    for tool, args, rows in (
        ("search_numbers", {"country": "US", "limit": 3}, "#offers tbody tr"),
        ("list_numbers", {}, "#numbers tbody tr"),
    ):
        frame = show(page, tool, args, theme=theme)
        expect(frame.locator(rows).first).to_be_visible()
        if tool == "search_numbers":
            frame.locator("#offers tbody tr").first.get_by_role("button").click()
            expect(frame.get_by_role("button", name="Cancel")).to_be_enabled()
        lowest = page.frames[1].evaluate(CONTRAST)
        print(f"\n{tool} in {theme}: lowest contrast {lowest}")
        assert lowest and lowest[0][0] >= 4.5, f"{tool} in {theme}: lowest contrast {lowest}"
    page.frames[1].evaluate("Object.assign(document.querySelector('td').style, {color: '#777', background: '#666'})")
    assert page.frames[1].evaluate(CONTRAST)[0][0] < 4.5  # the check sees text too faint to read


@pytest.mark.parametrize(("tool", "args"), [("search_numbers", {"country": "GB", "limit": 5}), ("list_numbers", {})])
def test_the_pages_fit_a_narrow_host(
    browser: Browser, deployment: tuple[str, str], tool: str, args: dict[str, Any]
) -> None:
    """In a 360-pixel frame (a phone, a side panel) the page does not grow past it: only a table scrolls."""
    base_url, _ = deployment
    page = open_host(browser, base_url)
    frame = show(page, tool, args)
    expect(frame.locator("tbody tr").first).to_be_visible()
    page.evaluate("window.setWidth(360)")
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    expect(frame.locator("body")).to_be_visible()
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().width <= 362")
    assert page.frames[1].evaluate(overflow) <= 0
    assert page.frames[1].evaluate(
        "document.querySelector('.scroll').scrollWidth > document.querySelector('.scroll').clientWidth"
    )
