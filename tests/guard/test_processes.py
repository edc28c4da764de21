"""The guard's promises across real processes: a restart, several servers sharing one ledger, SIGTERM.

The servers are `voice-tools serve --http` processes configured as for a real account (a base URL and
credentials), pointed at one standalone sandbox on loopback, with the ledger where a real deployment
has it: the default SQLite file under the state directory (nothing configured), or a real redis-server.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client

from tests.harness import Answer, text_of
from tests.processes import LOOPBACK, free_port, standalone_sandbox, voice_tools_process
from tests.redis_server import flushed

pytestmark = pytest.mark.anyio
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "VOICE_TOOLS_", "XDG_"))}
YES = {"confirm": True}


@contextmanager
def servers(
    count: int, sandbox_url: str, state: Path, **env: str
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """``count`` HTTP servers for one real-looking account, sharing the state directory (and so its ledger)."""
    account = account_env(sandbox_url, state, **env)
    with ExitStack() as stack:
        started = []
        for _ in range(count):
            port = free_port()
            process = stack.enter_context(
                voice_tools_process("serve", "--http", "--port", str(port), port=port, env=account)
            )
            started.append((f"http://{LOOPBACK}:{port}/mcp", process))
        yield started


def account_env(sandbox_url: str, state: Path, **env: str) -> dict[str, str]:
    """A server's environment for one real-looking account (the sandbox), its state under ``state``."""
    return {
        **CLEAN_ENV,
        "VOICE_TOOLS_ZENDESK_BASE_URL": sandbox_url,
        "ZENDESK_EMAIL": "admin@example.com",
        "ZENDESK_API_TOKEN": "sandbox-api-token",
        "XDG_STATE_HOME": str(state),
        "VOICE_TOOLS_ZENDESK_TIMEOUT": "5",
        **env,
    }


async def search(url: str, limit: int = 1) -> list[dict[str, Any]]:
    async with Client(url) as client:
        result = await client.call_tool("search_numbers", {"country": "US", "limit": limit})
    found: list[dict[str, Any]] = result.structured_content["numbers"]
    return found


async def buy(url: str, args: dict[str, Any], answer: Answer | None = None, mode: str = "auto") -> Any:
    async with Client(url, mode=mode, elicitation_callback=answer) as client:  # type: ignore[arg-type]
        return await client.call_tool("buy_number", args)


def purchases(sandbox_url: str) -> int:
    log = httpx2.get(f"{sandbox_url}/__sandbox__/requests").json()["requests"]
    return sum(1 for r in log if r["method"] == "POST" and r["path"].removesuffix(".json").endswith("/phone_numbers"))


def audit_lines(state: Path) -> list[dict[str, Any]]:
    path = state / "voice-tools" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_after_a_restart_the_cap_and_the_audit_trail_hold_with_no_configuration(tmp_path: Path) -> None:
    with standalone_sandbox() as sandbox_url:
        with servers(1, sandbox_url, tmp_path, VOICE_TOOLS_MAX_PURCHASES_PER_DAY="2") as [(url, _)]:
            quotes = [o["quote"] for o in await search(url, limit=3)]
            for quote in quotes[:2]:
                assert (await buy(url, {"quote": quote}, Answer("accept", YES))).structured_content[
                    "status"
                ] == "purchased"
        assert (tmp_path / "voice-tools" / "ledger.db").exists()
        with servers(1, sandbox_url, tmp_path, VOICE_TOOLS_MAX_PURCHASES_PER_DAY="2") as [(url, _)]:
            third = await buy(url, {"quote": quotes[2]}, Answer("accept", YES))  # a quote from before the restart
        assert third.is_error and "max_purchases_per_day" in text_of(third)
        assert purchases(sandbox_url) == 2
    outcomes = [e["outcome"] for e in audit_lines(tmp_path)]
    assert outcomes == ["sending", "purchased", "sending", "purchased", "refused"]


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_three_servers_share_the_cap_single_use_quotes_and_codes(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    env = {"VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "3", "VOICE_TOOLS_CONFIRMATION": "elicit_or_code"}
    if backend == "redis":
        env["VOICE_TOOLS_LEDGER"] = flushed(request.getfixturevalue("redis_url"))
    with standalone_sandbox() as sandbox_url, servers(3, sandbox_url, tmp_path, **env) as running:
        urls = [url for url, _ in running]
        quotes = [o["quote"] for o in await search(urls[0], limit=8)]
        # a code issued by one server is redeemed by another, and only once
        code = (await buy(urls[0], {"quote": quotes[0]})).structured_content["confirmation_code"]
        assert (await buy(urls[1], {"quote": quotes[0], "confirmation_code": code})).structured_content[
            "status"
        ] == "purchased"
        reused = await buy(urls[2], {"quote": quotes[0], "confirmation_code": code})
        assert reused.is_error and "already bought with this quote" in text_of(reused)
        # seven purchases at once, spread over the three servers, under a cap of 3 (one already used)
        results: list[Any] = []

        async def one(i: int) -> None:
            results.append(await buy(urls[i % 3], {"quote": quotes[1 + i]}, Answer("accept", YES)))

        async with anyio.create_task_group() as tg:
            for i in range(7):
                tg.start_soon(one, i)
        bought = [r for r in results if not r.is_error and r.structured_content["status"] == "purchased"]
        assert len(bought) == 2 and purchases(sandbox_url) == 3
        refused = [text_of(r) for r in results if r.is_error]
        assert len(refused) == 5 and all("max_purchases_per_day" in t for t in refused)
        # a quote bought through one server is refused by the other two
        sold = next(q for q in quotes[1:] if any(r.structured_content["number"] for r in bought))
        for url in urls:
            again = await buy(url, {"quote": sold}, Answer("accept", YES))
            assert again.is_error
        assert purchases(sandbox_url) == 3


async def test_sigterm_during_a_purchase_finishes_it_audits_it_and_exits(tmp_path: Path) -> None:
    with standalone_sandbox() as sandbox_url, servers(1, sandbox_url, tmp_path) as [(url, process)]:
        (offer,) = await search(url)
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 1.5})  # the create request takes 1.5 s

        async def purchase() -> None:
            with contextlib.suppress(Exception):  # the server may go away before it answers: that is the point
                await buy(url, {"quote": offer["quote"]}, Answer("accept", YES), mode="legacy")

        async with anyio.create_task_group() as tg:
            tg.start_soon(purchase)
            with anyio.fail_after(10):
                while not any(e["outcome"] == "sending" for e in audit_lines(tmp_path)):  # noqa: ASYNC110 - a file
                    await anyio.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            code = await anyio.to_thread.run_sync(lambda: process.wait(timeout=30))
            tg.cancel_scope.cancel()
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 0})
        assert code == 0
        assert [e["outcome"] for e in audit_lines(tmp_path)] == ["sending", "purchased"]
        numbers = httpx2.get(
            f"{sandbox_url}/api/v2/channels/voice/phone_numbers.json",
            auth=("admin@example.com/token", "sandbox-api-token"),
        ).json()["phone_numbers"]
        assert sum(1 for n in numbers if n["number"] == offer["number"]) == 1 and purchases(sandbox_url) == 1


class StdioPeer:
    """A chat client's side of a stdio server, spoken in raw JSON-RPC so the test holds the process
    (``mcp.Client`` over stdio owns its child and gives no way to signal it)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voice_tools", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.next_id = 0
        self.read: list[bytes] = []  # every line read from its stdout, in order

    def send(self, method: str, params: dict[str, Any] | None = None, *, notify: bool = False) -> int:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params or {}}
        if not notify:
            self.next_id += 1
            message["id"] = self.next_id
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()
        return self.next_id

    def answer(self, request_id: int) -> dict[str, Any]:
        assert self.process.stdout is not None
        while line := self.process.stdout.readline():
            self.read.append(line)
            message: dict[str, Any] = json.loads(line)
            if message.get("id") == request_id:
                return message
        raise AssertionError(f"the server closed stdout before answering request {request_id}")

    def rest(self) -> list[bytes]:
        """Every line the process wrote to stdout, once it has ended."""
        assert self.process.poll() is not None and self.process.stdout is not None
        return self.read + self.process.stdout.read().splitlines(keepends=True)

    def start_session(self) -> None:
        hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}
        assert "result" in self.answer(self.send("initialize", hello))
        self.send("notifications/initialized", notify=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@contextmanager
def stdio_server(sandbox_url: str, state: Path, **env: str) -> Iterator[StdioPeer]:
    peer = StdioPeer(account_env(sandbox_url, state, **env))
    try:
        peer.start_session()
        yield peer
    finally:
        peer.stop()


def test_sigterm_over_stdio_finishes_the_purchase_in_flight_audits_it_and_exits_0(tmp_path: Path) -> None:
    policy = {"VOICE_TOOLS_CONFIRMATION": "preapproved", "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "2"}
    with standalone_sandbox() as sandbox_url, stdio_server(sandbox_url, tmp_path, **policy) as peer:
        found = peer.answer(peer.send("tools/call", {"name": "search_numbers", "arguments": {"country": "US"}}))
        offer = found["result"]["structuredContent"]["numbers"][0]
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 1.5})  # the create request takes 1.5 s
        peer.send("tools/call", {"name": "buy_number", "arguments": {"quote": offer["quote"]}})
        deadline = time.monotonic() + 10
        while not any(e["outcome"] == "sending" for e in audit_lines(tmp_path)):
            assert time.monotonic() < deadline, "the purchase never started"
            time.sleep(0.05)
        peer.process.send_signal(signal.SIGTERM)  # stdin stays open: the client has not gone away
        code = peer.process.wait(timeout=30)
        stderr = peer.process.stderr.read() if peer.process.stderr else b""
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 0})
        assert code == 0, stderr
        assert b"SIGTERM: stopping after 1 purchase(s) or update(s) in flight" in stderr
        assert [e["outcome"] for e in audit_lines(tmp_path)] == ["sending", "purchased"]
        assert purchases(sandbox_url) == 1


def test_sigterm_over_stdio_with_nothing_in_flight_exits_at_once(tmp_path: Path) -> None:
    """The server waits on a quiet client's stdin; a stop signal must not wait for its next line."""
    with standalone_sandbox() as sandbox_url, stdio_server(sandbox_url, tmp_path) as peer:
        peer.process.send_signal(signal.SIGTERM)
        assert peer.process.wait(timeout=10) == 0


def test_json_logs_carry_the_audit_trail_and_each_calls_request_id(tmp_path: Path) -> None:
    with (
        standalone_sandbox() as sandbox_url,
        stdio_server(sandbox_url, tmp_path, VOICE_TOOLS_LOG_FORMAT="json") as peer,
    ):
        change = {"phone_number_id": 900000120986, "changes": {"nickname": "Logged"}}
        answer = peer.answer(peer.send("tools/call", {"name": "update_settings", "arguments": change}))
        assert answer["result"]["structuredContent"]["applied"] is True
        peer.process.send_signal(signal.SIGTERM)
        assert peer.process.wait(timeout=30) == 0
        stderr = (peer.process.stderr.read() if peer.process.stderr else b"").decode()
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    (audit,) = [line for line in lines if line["logger"] == "voice_tools.audit"]
    assert audit["level"] == "info" and len(audit["request_id"]) == 16
    assert json.loads(audit["message"])["outcome"] == "applied"  # the audit line itself, shown by default
    assert "sandbox-api-token" not in stderr


# ------------------------------------------------------------------------- the audit trail on stdout (HTTP)
def audit_file(state: Path) -> list[str]:
    path = state / "voice-tools" / "audit.jsonl"
    return path.read_text().splitlines() if path.exists() else []


async def test_serve_http_writes_each_audit_line_to_stdout_as_in_its_file(tmp_path: Path) -> None:
    """For the log pipeline: each line of the fsync'd audit file, byte for byte and in its order, is also one
    JSON object a line on a `serve --http` process's stdout (purchases in both eras, a settings change)."""
    port, printed = free_port(), tmp_path / "stdout.log"
    url = f"http://{LOOPBACK}:{port}/mcp"
    with (
        standalone_sandbox() as sandbox_url,
        voice_tools_process(
            "serve", "--http", "--port", str(port), port=port, env=account_env(sandbox_url, tmp_path), stdout=printed
        ),
    ):
        for era in ("legacy", "auto"):
            async with Client(url, mode=era, elicitation_callback=Answer("accept", YES)) as client:  # type: ignore[arg-type]
                found = await client.call_tool("search_numbers", {"country": "US", "limit": 1})
                quote = found.structured_content["numbers"][0]["quote"]
                bought = await client.call_tool("buy_number", {"quote": quote})
                assert bought.structured_content["status"] == "purchased", text_of(bought)
        async with Client(url) as client:
            change = {"phone_number_id": 900000120986, "changes": {"nickname": "On stdout"}}
            assert (await client.call_tool("update_settings", change)).structured_content["applied"] is True
    lines = printed.read_text().splitlines()  # the process has ended: everything it printed is there
    assert lines == audit_file(tmp_path)
    events = [json.loads(line) for line in lines]
    assert [e["outcome"] for e in events if e["event"] == "purchase"] == ["sending", "purchased"] * 2
    assert any(e["event"] != "purchase" and e["outcome"] == "applied" for e in events), events
    assert "sandbox-api-token" not in printed.read_text()


async def test_with_audit_stdout_off_serve_http_prints_nothing(tmp_path: Path) -> None:
    port, printed = free_port(), tmp_path / "stdout.log"
    env = account_env("", tmp_path, VOICE_TOOLS_AUDIT_STDOUT="off")
    with standalone_sandbox() as sandbox_url:
        env["VOICE_TOOLS_ZENDESK_BASE_URL"] = sandbox_url
        with voice_tools_process("serve", "--http", "--port", str(port), port=port, env=env, stdout=printed):
            async with Client(f"http://{LOOPBACK}:{port}/mcp") as client:
                change = {"phone_number_id": 900000120986, "changes": {"nickname": "Not on stdout"}}
                assert (await client.call_tool("update_settings", change)).structured_content["applied"] is True
    assert printed.read_bytes() == b""
    assert len(audit_file(tmp_path)) == 1


def test_over_stdio_stdout_is_the_protocols_alone_even_with_audit_stdout_on(tmp_path: Path) -> None:
    """Over stdio stdout is the protocol: a purchase works and every line the server printed is a JSON-RPC
    message, with VOICE_TOOLS_AUDIT_STDOUT set on; its audit lines are in the file (and on stderr)."""
    policy = {"VOICE_TOOLS_CONFIRMATION": "preapproved", "VOICE_TOOLS_AUDIT_STDOUT": "on"}
    with standalone_sandbox() as sandbox_url, stdio_server(sandbox_url, tmp_path, **policy) as peer:
        found = peer.answer(peer.send("tools/call", {"name": "search_numbers", "arguments": {"country": "US"}}))
        offer = found["result"]["structuredContent"]["numbers"][0]
        bought = peer.answer(peer.send("tools/call", {"name": "buy_number", "arguments": {"quote": offer["quote"]}}))
        assert bought["result"]["structuredContent"]["status"] == "purchased", bought
        peer.process.send_signal(signal.SIGTERM)
        assert peer.process.wait(timeout=30) == 0
        printed = [json.loads(line) for line in peer.rest()]
    assert printed and all(m.get("jsonrpc") == "2.0" for m in printed), printed
    assert [e["outcome"] for e in audit_lines(tmp_path)] == ["sending", "purchased"]
