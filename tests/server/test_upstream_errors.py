"""Failures that come from beyond Zendesk's API: an upstream page that echoes the request, a host that
is down or does not exist. The model gets the one error shape, with the host named and no credential."""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import httpx2
import pytest
from mcp import Client

from tests.harness import ERAS, STATE_DIR, Era, text_of
from tests.processes import free_port
from voice_tools.server.app import build_server
from voice_tools.server.config.serving import ServerSettings

pytestmark = pytest.mark.anyio
EMAIL, TOKEN = "admin@example.com", "live-looking-api-token-5f2c9e"
PAIR = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


class EchoingUpstream(httpx2.AsyncBaseTransport):
    """A proxy in front of 'Zendesk' that answers 500 and echoes the request's headers in its body."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        headers = {k: v for k, v in request.headers.items()}
        if self.as_json:
            body = {
                "error": "InternalError",
                "description": f"upstream failed; request had Authorization: {headers['authorization']}",
                "details": {"debug": [{"description": f"token={TOKEN} user={EMAIL}/token:{TOKEN}"}]},
                "headers": headers,  # not a field Zendesk documents: never repeated
            }
            return httpx2.Response(500, json=body)
        page = "<html><body><h1>500</h1><pre>" + json.dumps(headers) + "</pre></body></html>"
        return httpx2.Response(500, headers={"content-type": "text/html"}, content=page.encode())


def real_account(base_url: str, retries: int = 0) -> ServerSettings:
    return ServerSettings.from_env(
        {
            "VOICE_TOOLS_ZENDESK_BASE_URL": base_url,
            "ZENDESK_EMAIL": EMAIL,
            "ZENDESK_API_TOKEN": TOKEN,
            "VOICE_TOOLS_MAX_RETRIES": str(retries),
            "VOICE_TOOLS_STATE_DIR": STATE_DIR,
        }
    )


async def list_numbers(era: Era, settings: ServerSettings, transport: Any = None) -> str:
    async with Client(build_server(settings, transport=transport), mode=era) as client:
        result = await client.call_tool("list_numbers", {})
    assert result.is_error
    return text_of(result)


async def test_an_upstream_html_page_echoing_the_credential_is_not_repeated(era: Era) -> None:
    text = await list_numbers(era, real_account("http://127.0.0.1:9"), EchoingUpstream(as_json=False))
    assert text == (
        "Zendesk is unavailable (Zendesk answered 500 to GET /api/v2/channels/voice/phone_numbers: Internal "
        "Server Error), after retries. Retry: yes, in a minute or two. Next: try again later, or tell the user "
        "Zendesk is having problems."
    )


async def test_a_json_error_echoing_the_credential_keeps_zendesks_fields_redacted(era: Era) -> None:
    text = await list_numbers(era, real_account("http://127.0.0.1:9"), EchoingUpstream(as_json=True))
    assert text == (
        "Zendesk is unavailable (Zendesk answered 500 to GET /api/v2/channels/voice/phone_numbers: "
        "InternalError: upstream failed; request had Authorization: [redacted]), after retries. Retry: yes, in a "
        "minute or two. Next: try again later, or tell the user Zendesk is having problems."
    )
    assert TOKEN not in text and PAIR not in text


async def test_a_host_that_refuses_connections_is_named(era: Era) -> None:
    port = free_port()  # nothing listens there
    text = await list_numbers(era, real_account(f"http://127.0.0.1:{port}"))
    assert text == (
        f"Zendesk is unavailable (could not connect to Zendesk at 127.0.0.1:{port} for GET "
        "/api/v2/channels/voice/phone_numbers (connection refused); nothing was sent), after retries. "
        "Retry: yes, in a minute or two. Next: try again later, or tell the user Zendesk is having problems."
    )


class NoSuchHost(httpx2.AsyncBaseTransport):
    """What the network layer raises for a name that does not resolve (no DNS is asked: tests stay on loopback)."""

    def __init__(self) -> None:
        self.requests = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        try:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        except socket.gaierror as error:
            raise httpx2.ConnectError("All connection attempts failed") from error


async def test_a_host_that_does_not_exist_is_named_and_not_retried(era: Era) -> None:
    transport = NoSuchHost()
    text = await list_numbers(era, real_account("https://acme-typo.zendesk.com", retries=3), transport)
    assert text == (
        "the Zendesk host acme-typo.zendesk.com does not exist (its name does not resolve); nothing was sent. "
        "Retry: no. Next: tell the user to check the server's ZENDESK_SUBDOMAIN (or VOICE_TOOLS_ZENDESK_BASE_URL)."
    )
    assert transport.requests == 1  # a name that does not resolve is not retried
