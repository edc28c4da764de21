"""The server as real processes: over stdio (as chat clients start it) and over streamable HTTP."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from mcp import Client, StdioServerParameters

from tests.processes import LOOPBACK, free_port, voice_tools_process

pytestmark = pytest.mark.anyio
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "VOICE_TOOLS_"))}


async def test_stdio_subprocess_lists_tools_and_searches() -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "voice_tools", "serve"], env=CLEAN_ENV)
    async with Client(params) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("search_numbers", {"country": "CA", "limit": 2})
    assert tools == {"search_numbers", "list_numbers", "get_number", "update_settings", "buy_number"}
    assert not result.is_error and len(result.structured_content["numbers"]) == 2


async def test_stdio_read_only_flag() -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "voice_tools", "serve", "--read-only"], env=CLEAN_ENV
    )
    async with Client(params) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
    assert tools == {"search_numbers", "list_numbers", "get_number"}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_streamable_http_subprocess(mode: str) -> None:
    port = free_port()
    with voice_tools_process("serve", "--http", "--port", str(port), port=port, env=CLEAN_ENV):
        async with Client(f"http://{LOOPBACK}:{port}/mcp", mode=mode) as client:  # type: ignore[arg-type]
            tools = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("list_numbers", {"country": "GB"})
    assert "buy_number" in tools
    assert not result.is_error and result.structured_content["matched"] == 2


def test_without_credentials_the_sandbox_is_announced_on_stderr() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve"],
        input=b"",
        capture_output=True,
        env=CLEAN_ENV,
        timeout=60,
        check=False,
    )
    assert b"no Zendesk credentials configured" in done.stderr
    assert done.stdout == b""  # stdout is the protocol's; nothing else may be printed there


def test_http_on_a_public_address_is_refused_without_auth() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve", "--http", "--host", "0.0.0.0"],  # the server must refuse this
        capture_output=True,
        env=CLEAN_ENV,
        timeout=60,
        check=False,
    )
    assert (
        done.returncode == 2
        and b"refusing to serve HTTP on 0.0.0.0: a non-loopback address needs authentication" in done.stderr
    )


def test_bad_configuration_stops_start_up_with_the_variable_named() -> None:
    env = {**CLEAN_ENV, "ZENDESK_SUBDOMAIN": "evil.com/", "ZENDESK_EMAIL": "a@b.co", "ZENDESK_API_TOKEN": "t"}
    done = subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve"], capture_output=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 2 and b"is not a Zendesk subdomain" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve"],
        capture_output=True,
        timeout=60,
        check=False,
        env={**CLEAN_ENV, "VOICE_TOOLS_MAX_MONTHLY_PRICE": "cheap"},
    )
    assert done.returncode == 2 and b"VOICE_TOOLS_MAX_MONTHLY_PRICE" in done.stderr
