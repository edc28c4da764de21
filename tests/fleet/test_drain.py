"""One replica's stop, step by step (``voice_tools/server/transports/drain.py``), as a real process:

- a call in flight at SIGTERM is answered on its stream, 2025-11-25 included (sse-starlette used to end
  every stream at the signal: "SSE stream ended without a response" for a purchase that was made), and
  the process exits 0;
- from the signal on, /readyz answers 404 ``draining`` while the replica goes on serving for the drain
  delay, and then stops accepting;
- with JSON logging every line on stderr is one JSON object: the start-up line, the stop's lines and the
  web server's own.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx2
import pytest
from mcp import Client

from tests.fleet.shipped import CLEAN_ENV, Replica, wait_for
from tests.harness import Answer, text_of
from tests.processes import LOOPBACK, free_port, standalone_sandbox

pytestmark = pytest.mark.anyio


def replica(sandbox_url: str, tmp: Path, **env: str) -> Replica:
    port = free_port()
    account = {
        **CLEAN_ENV,
        "VOICE_TOOLS_ZENDESK_BASE_URL": sandbox_url,
        "ZENDESK_EMAIL": "admin@example.com",
        "ZENDESK_API_TOKEN": "sandbox-api-token",
        "VOICE_TOOLS_STATE_DIR": str(tmp / "state"),
        "VOICE_TOOLS_LOG_FORMAT": "json",
        **env,
    }
    return Replica("replica", port, 0, account, tmp)


def sandbox_requests(sandbox_url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx2.get(f"{sandbox_url}/__sandbox__/requests").json()["requests"]
    return found


def created(sandbox_url: str) -> int:
    return sum(
        1
        for r in sandbox_requests(sandbox_url)
        if r["method"] == "POST" and r["path"].removesuffix(".json").endswith("/phone_numbers")
    )


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_a_purchase_in_flight_at_sigterm_is_answered_on_its_stream_and_the_process_exits_0(
    era: str, tmp_path: Path
) -> None:
    outcome: dict[str, Any] = {}
    with standalone_sandbox() as sandbox_url, replica(sandbox_url, tmp_path, VOICE_TOOLS_DRAIN="0") as server:
        url = f"http://{LOOPBACK}:{server.port}/mcp"

        async def buy() -> None:
            answer = Answer("accept", {"confirm": True})
            async with Client(url, mode=era, elicitation_callback=answer) as client:  # type: ignore[arg-type]
                found = await client.call_tool("search_numbers", {"country": "US", "limit": 1})
                quote = found.structured_content["numbers"][0]["quote"]
                httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 1.5})  # Zendesk is slow now
                outcome["result"] = await client.call_tool("buy_number", {"quote": quote})

        async with anyio.create_task_group() as group:
            group.start_soon(buy)
            await anyio.to_thread.run_sync(
                lambda: wait_for(lambda: created(sandbox_url) == 1, 60, "the purchase sent to Zendesk")
            )
            server.signal(signal.SIGTERM)  # the purchase is in flight
        status = await anyio.to_thread.run_sync(server.wait)
    result = outcome["result"]
    assert not result.is_error and result.structured_content["status"] == "purchased", text_of(result)
    assert status == 0
    assert "SSE stream ended" not in server.log()


def refused(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return False
    except OSError:
        return True


async def test_from_sigterm_readyz_says_draining_while_the_replica_serves_then_it_stops_accepting(
    tmp_path: Path,
) -> None:
    with standalone_sandbox() as sandbox_url, replica(sandbox_url, tmp_path, VOICE_TOOLS_DRAIN="3") as server:
        base = f"http://{LOOPBACK}:{server.port}"
        wait_for(lambda: httpx2.get(f"{base}/readyz").status_code == 200, 30, "ready")
        server.signal(signal.SIGTERM)
        wait_for(lambda: httpx2.get(f"{base}/readyz").status_code == 404, 10, "/readyz failing")
        draining = httpx2.get(f"{base}/readyz")
        async with Client(f"{base}/mcp") as client:  # still served during the drain delay
            served = await client.call_tool("list_numbers", {"country": "US"})
        await anyio.to_thread.run_sync(lambda: wait_for(lambda: refused(server.port), 30, "the listener closed"))
        status = server.wait()
    assert draining.json() == {"status": "draining"} and draining.headers["connection"] == "close"
    assert not served.is_error and status == 0


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` as a JSON object (a line that is not one fails the test, naming it)."""
    parsed = []
    for line in text.splitlines():
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line!r}")
    return parsed


def test_with_json_logging_every_line_is_json_the_web_servers_own_included(tmp_path: Path) -> None:
    with standalone_sandbox() as sandbox_url, replica(sandbox_url, tmp_path, VOICE_TOOLS_DRAIN="0") as server:
        with socket.create_connection((LOOPBACK, server.port)) as garbage:  # uvicorn logs a bad request
            garbage.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            garbage.settimeout(10)
            garbage.recv(1024)
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    lines = json_lines(server.log())
    loggers = {line["logger"] for line in lines}
    assert {"voice_tools.start", "voice_tools.http", "uvicorn.error"} <= loggers, loggers
    assert lines[0]["message"].startswith("serving streamable HTTP")
    refused_start = subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve", "--http", "--port", "0"],
        env={**CLEAN_ENV, "VOICE_TOOLS_LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    (line,) = json_lines(refused_start.stderr)
    assert refused_start.returncode == 2 and line["level"] == "error" and "--port" in line["message"]
