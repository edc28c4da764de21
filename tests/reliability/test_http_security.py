"""HTTP transport security: bearer tokens on every request, Host checks, body and connection limits."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.reliability.http_server import running_http
from tests.reliability.report import FIGURES

pytestmark = pytest.mark.anyio
TOKEN = "test-http-token-0123456789abcdef-XYZ"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}},
}
CALL = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_numbers", "arguments": {}}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def test_requests_without_the_right_token_get_401_and_nothing_runs() -> None:
    with running_http({"VOICE_TOOLS_HTTP_TOKEN": TOKEN}) as (url, _, transport):
        async with httpx2.AsyncClient() as http:
            for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {TOKEN}"}):
                for body in (INITIALIZE, CALL):
                    r = await http.post(url, json=body, headers={**HEADERS, **headers})
                    assert r.status_code == 401
                    assert r.headers["www-authenticate"].startswith("Bearer")
                    FIGURES["HTTP requests refused (auth)"] += 1
            metadata = await http.get(url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"))
            assert metadata.status_code == 200 and metadata.json()["resource"] == url
        assert transport.sent == []  # nothing reached Zendesk
        authorized = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
        async with authorized, Client(streamable_http_client(url, http_client=authorized)) as client:
            result = await client.call_tool("list_numbers", {"country": "IE"})
        assert not result.is_error and result.structured_content["matched"] == 1


async def test_dns_rebinding_host_checks_stay_on() -> None:
    with running_http() as (url, _, transport):
        async with httpx2.AsyncClient() as http:
            for host in ("evil.test", "attacker.example:8000"):
                r = await http.post(url, json=INITIALIZE, headers={**HEADERS, "Host": host})
                assert r.status_code in (403, 421), r.status_code
                FIGURES["HTTP requests refused (host)"] += 1
            r = await http.post(url, json=INITIALIZE, headers={**HEADERS, "Origin": "https://evil.test"})
            assert r.status_code == 403
            FIGURES["HTTP requests refused (origin)"] += 1
        assert transport.sent == []


async def test_oversized_bodies_are_refused() -> None:
    with running_http() as (url, _, transport):
        async with httpx2.AsyncClient() as http:
            huge = {**CALL, "params": {"name": "list_numbers", "arguments": {"text": "x" * (600 * 1024)}}}
            r = await http.post(url, json=huge, headers=HEADERS)
        assert r.status_code == 413
        FIGURES["HTTP requests refused (size)"] += 1
        assert transport.sent == []


def test_public_addresses_need_a_token_and_allowed_hosts() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "VOICE_TOOLS_"))}
    command = [sys.executable, "-m", "voice_tools", "serve", "--http", "--host", "0.0.0.0"]  # the server must refuse
    done = subprocess.run(command, capture_output=True, env=env, timeout=60, check=False)
    assert done.returncode == 2 and b"needs authentication" in done.stderr
    done = subprocess.run(
        command, capture_output=True, env={**env, "VOICE_TOOLS_HTTP_TOKEN": TOKEN}, timeout=60, check=False
    )
    assert done.returncode == 2 and b"VOICE_TOOLS_ALLOWED_HOSTS" in done.stderr
    done = subprocess.run(
        command, capture_output=True, env={**env, "VOICE_TOOLS_HTTP_TOKEN": "short"}, timeout=60, check=False
    )
    assert done.returncode == 2 and b"at least 24 characters" in done.stderr
