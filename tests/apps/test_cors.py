"""CORS for the browser origins the operator allows (``VOICE_TOOLS_ALLOWED_ORIGINS``), and for no other.

A host page that runs its MCP client in the browser (as the ext-apps basic-host does) calls the server from
its own origin: the browser sends a preflight, then reads the answers' ``Mcp-Session-Id`` and
``Mcp-Protocol-Version`` (and a 401's ``WWW-Authenticate``) only if the server exposes them. Checked on the
wire, and from Chromium through the official TypeScript client (the browser tests' host calls from an origin
of its own in every test; here it is refused where the server does not list that origin).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Page

from tests.apps.conftest import Deployment, deployed
from tests.apps.official import OfficialHost
from tests.reliability.http_server import running_http

APP_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.test"
TOKEN = "cors-test-token-0123456789abcdef"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type, mcp-protocol-version, mcp-session-id, authorization",
}


def cors_headers(response: httpx2.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


@pytest.fixture(scope="module")
def allowing() -> Iterator[str]:
    with running_http({"VOICE_TOOLS_ALLOWED_ORIGINS": APP_ORIGIN}) as (url, _, _transport):
        yield url


def test_a_preflight_from_a_listed_origin_is_answered(allowing: str) -> None:
    answer = httpx2.options(allowing, headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert answer.status_code == 200
    cors = cors_headers(answer)
    assert cors["access-control-allow-origin"] == APP_ORIGIN
    assert {"post", "get", "delete"} <= listed(cors["access-control-allow-methods"])
    wanted = {"content-type", "mcp-protocol-version", "mcp-session-id", "authorization", "mcp-method", "mcp-name"}
    assert wanted <= listed(cors["access-control-allow-headers"])
    assert "access-control-allow-credentials" not in cors  # tokens travel in Authorization, never cookies


def test_a_listed_origin_can_read_the_session_and_protocol_headers(allowing: str) -> None:
    answer = httpx2.post(allowing, json=INITIALIZE, headers={**HEADERS, "Origin": APP_ORIGIN})
    assert answer.status_code == 200 and answer.headers["mcp-session-id"]
    cors = cors_headers(answer)
    assert cors["access-control-allow-origin"] == APP_ORIGIN
    assert {"mcp-session-id", "mcp-protocol-version", "www-authenticate"} <= listed(
        cors["access-control-expose-headers"]
    )


@pytest.mark.parametrize("method", ["OPTIONS", "POST"])
def test_any_other_origin_gets_nothing(allowing: str, method: str) -> None:
    answer = httpx2.request(method, allowing, json=INITIALIZE, headers={**HEADERS, **PREFLIGHT, "Origin": OTHER_ORIGIN})
    assert answer.status_code == 403  # the Origin check, unchanged
    assert cors_headers(answer) == {}


def test_without_allowed_origins_no_origin_gets_cors_not_even_a_local_one() -> None:
    with running_http() as (url, _, _transport):
        for origin in ("http://127.0.0.1:5173", "http://localhost:3000"):
            preflight = httpx2.options(url, headers={"Origin": origin, **PREFLIGHT})
            post = httpx2.post(url, json=INITIALIZE, headers={**HEADERS, "Origin": origin})
            assert cors_headers(preflight) == {} and cors_headers(post) == {}
            assert post.status_code == 200  # a local page may still call it as before: the browser hides the answer


def test_a_401_tells_a_listed_origin_how_to_authenticate() -> None:
    env = {"VOICE_TOOLS_ALLOWED_ORIGINS": APP_ORIGIN, "VOICE_TOOLS_HTTP_TOKEN": TOKEN}
    with running_http(env) as (url, _, transport):
        preflight = httpx2.options(url, headers={"Origin": APP_ORIGIN, **PREFLIGHT})  # no token: still answered
        refused = httpx2.post(url, json=INITIALIZE, headers={**HEADERS, "Origin": APP_ORIGIN})
    assert preflight.status_code == 200 and cors_headers(preflight)["access-control-allow-origin"] == APP_ORIGIN
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert cors_headers(refused)["access-control-allow-origin"] == APP_ORIGIN
    assert "www-authenticate" in listed(cors_headers(refused)["access-control-expose-headers"])
    assert transport.sent == []


# ------------------------------------------------------------------------------ from a browser page
def test_a_browser_page_on_an_unlisted_origin_cannot_connect(
    host_page: Page, official_host: OfficialHost, tmp_path: Path
) -> None:
    with deployed(tmp_path, official_host, VOICE_TOOLS_ALLOWED_ORIGINS="http://localhost:1") as other:
        failure = host_page.evaluate(
            "(url) => window.officialHost.connect({url}).then(() => 'connected', (e) => String(e))", other.mcp_url
        )
    assert failure != "connected" and "fetch" in failure.lower()


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_a_browser_page_on_a_listed_origin_connects_with_a_token(
    host_page: Page, official_host: OfficialHost, tmp_path: Path, era: str
) -> None:
    with deployed(tmp_path, official_host, VOICE_TOOLS_HTTP_TOKEN=TOKEN) as served:
        deployment = Deployment(served.mcp_url, served.sandbox_url)
        refused = host_page.evaluate(
            "(o) => window.officialHost.connect(o).then(() => 'connected', (e) => String(e))",
            {"url": deployment.mcp_url, "era": era},
        )
        connected = host_page.evaluate(
            "(o) => window.officialHost.connect(o).then((c) => c.protocolVersion)",
            {"url": deployment.mcp_url, "era": era, "token": TOKEN},
        )
    # the page could read the refusal (CORS on the 401 too): its body in 2025-11-25, its status in 2026-07-28
    assert "invalid_token" in refused if era == "legacy" else "HTTP 401" in refused
    assert connected == ("2025-11-25" if era == "legacy" else "2026-07-28")
