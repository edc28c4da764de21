"""The browser tests' parts: Debian's Chromium through Playwright, the official host (installed and bundled
once per run) on its two origins, and a real ``serve --http`` over a standalone sandbox per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.apps.official import OfficialHost, OfficialHostUnavailable, bundle, serve_official_host
from tests.guard.test_processes import servers
from tests.processes import standalone_sandbox

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


@pytest.fixture(scope="session")
def official_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfficialHost]:
    try:
        bundled = bundle(tmp_path_factory.mktemp("official-host"))
    except OfficialHostUnavailable as error:
        pytest.fail(f"the official MCP Apps host could not be built: {error}")
    with serve_official_host(bundled) as served:
        yield served


@dataclass(frozen=True)
class Deployment:
    """One HTTP server over a standalone sandbox, allowing the official host's origin (CORS)."""

    mcp_url: str
    sandbox_url: str


@contextmanager
def deployed(state: Path, official_host: OfficialHost, **env: str) -> Iterator[Deployment]:
    env = {"VOICE_TOOLS_ALLOWED_ORIGINS": official_host.host_origin, **env}
    with standalone_sandbox() as sandbox_url, servers(1, sandbox_url, state, **env) as started:
        yield Deployment(started[0][0], sandbox_url)


@pytest.fixture(scope="module")
def shared_deployment(tmp_path_factory: pytest.TempPathFactory, official_host: OfficialHost) -> Iterator[Deployment]:
    """Started once per module (starting the two processes is most of a browser test's time); each test
    resets the sandbox. Its daily cap is raised, since the module's tests buy more than 5 numbers in all."""
    with deployed(tmp_path_factory.mktemp("state"), official_host, VOICE_TOOLS_MAX_PURCHASES_PER_DAY="100") as shared:
        yield shared


@pytest.fixture
def deployment(request: pytest.FixtureRequest, tmp_path: Path, official_host: OfficialHost) -> Iterator[Deployment]:
    """The module's deployment with a fresh sandbox (account and request log), or, for a test that
    parametrizes it with settings (``indirect``), a deployment of its own with those."""
    settings = getattr(request, "param", None)
    if settings:
        with deployed(tmp_path, official_host, **settings) as own:
            yield own
        return
    shared: Deployment = request.getfixturevalue("shared_deployment")
    httpx2.post(f"{shared.sandbox_url}/__sandbox__/reset").raise_for_status()
    yield shared


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """docs/screenshots with VOICE_TOOLS_UPDATE_SCREENSHOTS=1 (shown in the README), else the test's folder."""
    folder = README_SCREENSHOTS if os.environ.get("VOICE_TOOLS_UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def host_page(browser: Browser, official_host: OfficialHost) -> Iterator[Page]:
    """The official host's page, opened on its own origin (not the server's)."""
    context = browser.new_context(viewport={"width": 940, "height": 900})
    page = context.new_page()
    page.goto(official_host.page)
    page.wait_for_function("window.officialHost !== undefined")
    yield page
    context.close()
