"""HTTP transport security: bearer tokens on every request, Host checks, body and connection limits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any
from unittest.mock import patch

import anyio
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
            # a static token has no authorization server: none is advertised (no RFC 9728 metadata)
            metadata = await http.get(url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"))
            assert metadata.status_code == 404 and "resource_metadata" not in r.headers["www-authenticate"]
        assert transport.sent == []  # nothing reached Zendesk
        authorized = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
        async with authorized, Client(streamable_http_client(url, http_client=authorized)) as client:
            result = await client.call_tool("list_numbers", {"country": "IE"})
        assert not result.is_error and result.structured_content["matched"] == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2"])  # any loopback address, not only the SDK's three names
async def test_dns_rebinding_host_checks_stay_on(host: str) -> None:
    with running_http(host=host) as (url, _, transport):
        async with httpx2.AsyncClient() as http:
            for host in ("evil.test", "attacker.example:8000"):
                r = await http.post(url, json=INITIALIZE, headers={**HEADERS, "Host": host})
                assert r.status_code in (403, 421), r.status_code
                FIGURES["HTTP requests refused (host)"] += 1
            r = await http.post(url, json=INITIALIZE, headers={**HEADERS, "Origin": "https://evil.test"})
            assert r.status_code == 403
            FIGURES["HTTP requests refused (origin)"] += 1
            r = await http.post(url, json=CALL, headers={**HEADERS, "Host": "evil.test", "Origin": "https://evil.test"})
            assert r.status_code in (403, 421)
        assert transport.sent == []
        async with Client(url) as client:  # the server's own address still works
            result = await client.call_tool("list_numbers", {"country": "IE"})
        assert not result.is_error


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


OAUTH_ENV = {
    "VOICE_TOOLS_OAUTH_ISSUER": "https://auth.example.test",
    "VOICE_TOOLS_OAUTH_INTROSPECTION_URL": "https://auth.example.test/oauth/introspect",
    "VOICE_TOOLS_OAUTH_CLIENT_ID": "voice-tools",
    "VOICE_TOOLS_OAUTH_CLIENT_SECRET": "as-client-secret",
    "VOICE_TOOLS_OAUTH_SCOPES": "talk:numbers",
}


def fake_authorization_server(resource: str, introspections: list[str]) -> httpx2.MockTransport:
    """RFC 7662 introspection, as an authorization server answers it, for a handful of known tokens."""
    now = int(time.time())
    answers = {
        "good": {
            "active": True,
            "scope": "talk:numbers openid",
            "client_id": "agent-7",
            "aud": resource,
            "exp": now + 600,
        },
        "revoked": {"active": False},
        "other-service": {
            "active": True,
            "scope": "talk:numbers",
            "aud": "https://other.example/mcp",
            "exp": now + 600,
        },
        "no-scope": {"active": True, "scope": "openid", "aud": resource, "exp": now + 600},
        "expired": {"active": True, "scope": "talk:numbers", "aud": resource, "exp": now - 5},
    }

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.headers["authorization"].startswith("Basic ")  # the resource server authenticates
        token = dict(x.split("=", 1) for x in request.content.decode().split("&"))["token"]
        introspections.append(token)
        if token == "as-down":
            return httpx2.Response(503, text="down")
        return httpx2.Response(200, json=answers.get(token, {"active": False}))

    return httpx2.MockTransport(handler)


async def test_oauth_resource_server_mode_checks_every_token_at_the_authorization_server() -> None:
    from voice_tools.server.transports.http import HttpSettings
    from voice_tools.server.transports.oauth import IntrospectionTokenVerifier

    introspections: list[str] = []
    probe = HttpSettings.from_env(OAUTH_ENV, host="127.0.0.1", port=1, path="/mcp")
    assert probe.oauth is not None and probe.oauth.required_scopes == ("talk:numbers",)

    def verifier_for(url: str) -> IntrospectionTokenVerifier:
        assert probe.oauth is not None
        return IntrospectionTokenVerifier(probe.oauth, url, transport=fake_authorization_server(url, introspections))

    holder: dict[str, IntrospectionTokenVerifier] = {}

    class Lazy:
        async def verify_token(self, token: str) -> Any:
            return await holder["verifier"].verify_token(token)

    with running_http(OAUTH_ENV, verifier=Lazy()) as (url, _, transport):
        holder["verifier"] = verifier_for(url)
        async with httpx2.AsyncClient() as http:
            for token in ("revoked", "other-service", "no-scope", "expired", "as-down", "unknown"):
                r = await http.post(url, json=CALL, headers={**HEADERS, "Authorization": f"Bearer {token}"})
                assert r.status_code in (401, 403), (token, r.status_code)
                FIGURES["HTTP requests refused (OAuth)"] += 1
        assert transport.sent == []
        authorized = httpx2.AsyncClient(headers={"Authorization": "Bearer good"})
        async with authorized, Client(streamable_http_client(url, http_client=authorized)) as client:
            result = await client.call_tool("list_numbers", {"country": "DE"})
            again = await client.call_tool("list_numbers", {"country": "AU"})
        assert not result.is_error and not again.is_error
    assert introspections.count("good") == 1  # cached between requests, within the token's lifetime


def test_oauth_settings_are_complete_and_exclusive() -> None:
    from voice_tools.client import ConfigurationError
    from voice_tools.server.transports.http import HttpSettings

    with pytest.raises(ConfigurationError, match="VOICE_TOOLS_OAUTH_CLIENT_SECRET"):
        HttpSettings.from_env(
            {k: v for k, v in OAUTH_ENV.items() if "SECRET" not in k}, host="127.0.0.1", port=1, path="/m"
        )
    with pytest.raises(ConfigurationError, match="not both"):
        HttpSettings.from_env({**OAUTH_ENV, "VOICE_TOOLS_HTTP_TOKEN": TOKEN}, host="127.0.0.1", port=1, path="/m")
    with pytest.raises(ConfigurationError, match="INTROSPECTION_URL must be https"):
        HttpSettings.from_env(
            {**OAUTH_ENV, "VOICE_TOOLS_OAUTH_INTROSPECTION_URL": "http://10.0.0.1/i"},
            host="127.0.0.1",
            port=1,
            path="/m",
        )


async def test_requests_past_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """503 past the cap on requests in progress (256 in production; 3 here, to see it happen)."""
    import voice_tools.server.transports.limits as limits_module

    monkeypatch.setattr(limits_module, "MAX_REQUESTS_IN_PROGRESS", 3)
    monkeypatch.setattr(limits_module, "QUEUE_SECONDS", 0.0)  # no wait for a slot: refused at once
    outcomes: list[str] = []
    with running_http() as (url, sandbox, _):
        sandbox.faults.latency = 0.3

        async def session() -> None:
            try:
                async with Client(url, mode="legacy") as client:
                    result = await client.call_tool("get_number", {"phone_number_id": 900000120986})
                    outcomes.append("served" if not result.is_error else "error")
            except Exception:
                outcomes.append("refused")

        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(session)
        sandbox.faults.latency = 0
        async with Client(url, mode="legacy") as client:  # the server is still there for others
            assert not (await client.call_tool("list_numbers", {})).is_error
    assert "refused" in outcomes or "error" in outcomes
    FIGURES["HTTP connections refused (limit)"] += outcomes.count("refused") + outcomes.count("error")


async def test_allowed_origins_let_a_listed_browser_origin_in_and_no_other() -> None:
    env = {"VOICE_TOOLS_ALLOWED_ORIGINS": "https://app.example.com"}
    with running_http(env) as (url, _, transport):
        async with httpx2.AsyncClient() as http:
            listed = await http.post(url, json=INITIALIZE, headers={**HEADERS, "Origin": "https://app.example.com"})
            other = await http.post(url, json=INITIALIZE, headers={**HEADERS, "Origin": "https://evil.test"})
    assert listed.status_code == 200 and other.status_code == 403
    assert transport.sent == []


def test_allowed_origins_must_be_origins() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve", "--http"],
        capture_output=True,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("VOICE_TOOLS_")},
            "VOICE_TOOLS_ALLOWED_ORIGINS": "evil",
        },
        timeout=60,
        check=False,
    )
    assert (
        done.returncode == 2
        and b"VOICE_TOOLS_ALLOWED_ORIGINS takes origins like https://app.example.com" in done.stderr
    )


async def test_health_and_readiness_answer_without_authentication() -> None:
    with running_http({"VOICE_TOOLS_HTTP_TOKEN": TOKEN}) as (url, sandbox, _):
        base = url.removesuffix("/mcp")
        async with httpx2.AsyncClient() as http:
            alive = await http.get(f"{base}/healthz")
            ready = await http.get(f"{base}/readyz")
            sandbox.config.api_token = "rotated"  # Zendesk now refuses the server's credentials
            still_ready = await http.get(f"{base}/readyz")  # cached: probes do not eat the request budget
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "ledger": "ok", "zendesk": "ok"}
    assert still_ready.status_code == 200


async def test_a_zendesk_every_replica_shares_failing_or_slow_keeps_the_replica_in_the_balancer() -> None:
    """A Zendesk outage, or a Zendesk slower than a probe's second, is every replica's: /readyz answers 200
    'degraded' at once (a balancer taking them all out would answer its own bare 503 in place of the tools'
    words); the check runs in the background, at most every 15 s."""
    with running_http() as (url, sandbox, transport):
        ready = url.replace("/mcp", "/readyz")
        sandbox.faults.outage = True
        async with httpx2.AsyncClient() as http:
            started = time.monotonic()
            outage = await http.get(ready)
            took = time.monotonic() - started
            sandbox.faults.outage, sandbox.faults.latency = False, 3.0
            with patch("voice_tools.server.transports.health.READY_CACHE_SECONDS", 0.0):
                await http.get(ready)  # starts a check that takes 3 s
                started = time.monotonic()
                slow = await http.get(ready)
                slow_took = time.monotonic() - started
    assert outage.status_code == 200 and outage.json()["status"] == "degraded", outage.text
    assert outage.json()["zendesk"] == "degraded" and "503" in outage.json()["problems"][0]
    assert slow.status_code == 200 and slow_took < 1.0 and took < 1.0
    assert sum(1 for r in transport.sent if r.url.path.endswith("phone_numbers")) <= 3


async def test_readiness_fails_with_retry_after_when_zendesk_refuses_the_credentials() -> None:
    with running_http() as (url, sandbox, _):
        sandbox.config.api_token = "rotated"
        async with httpx2.AsyncClient() as http:
            ready = await http.get(url.replace("/mcp", "/readyz"))
    assert ready.status_code == 503 and ready.headers["retry-after"] == "5"
    (problem,) = ready.json()["problems"]
    assert "refused the credentials (401)" in problem and "rotated" not in ready.text


def test_the_listening_socket_says_it_is_tcp_so_nagle_is_turned_off() -> None:
    """asyncio sets TCP_NODELAY only on sockets whose protocol is IPPROTO_TCP; a socket made with protocol
    0 answered every small request one delayed ACK (40 ms) late."""
    from tests.processes import free_port
    from voice_tools.server.transports.http import HttpSettings, listen

    (sock,) = listen(HttpSettings(port=free_port()))
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


async def test_metrics_count_calls_zendesk_answers_and_audited_steps_and_name_no_number() -> None:
    with running_http() as (url, _, _):
        async with Client(url) as client:
            await client.call_tool("list_numbers", {"country": "IE"})
            await client.call_tool("search_numbers", {"country": "UK"})  # refused: an argument error
            await client.call_tool(
                "update_settings", {"phone_number_id": 900000120986, "changes": {"nickname": "Metered"}}
            )
        async with httpx2.AsyncClient() as http:
            scraped = await http.get(url.replace("/mcp", "/metrics"))
    text = scraped.text
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert 'voice_tools_tool_calls_total{outcome="ok",tool="list_numbers"} 1.0' in text
    assert 'voice_tools_tool_calls_total{outcome="error",tool="search_numbers"} 1.0' in text
    assert 'voice_tools_zendesk_responses_total{method="PUT",status="200"} 1.0' in text
    assert 'voice_tools_audit_events_total{event="update",outcome="applied"} 1.0' in text
    assert "voice_tools_zendesk_rate_limit_remaining" in text and "voice_tools_tool_seconds_bucket" in text
    assert 'voice_tools_ledger_seconds_count{operation="record"}' in text  # the update's audit line
    assert "+1415" not in text and "900000120986" not in text and "Metered" not in text


def _open_idle(port: int, count: int) -> list[socket.socket]:
    idle = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        idle.append(sock)
    return idle


async def test_300_idle_sockets_do_not_stop_an_authenticated_call() -> None:
    with running_http({"VOICE_TOOLS_HTTP_TOKEN": TOKEN}) as (url, _, _):
        port = int(url.split(":")[2].split("/")[0])
        idle = _open_idle(port, 300)  # no credentials, not a byte sent
        try:
            authorized = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
            with anyio.fail_after(10):  # a hang guard, not a timing claim: bench/ measures latency
                async with authorized, Client(streamable_http_client(url, http_client=authorized)) as client:
                    result = await client.call_tool("list_numbers", {"country": "IE"})
            assert not result.is_error
        finally:
            for sock in idle:
                sock.close()


async def test_slow_headers_are_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from voice_tools.server.transports.limits import GuardedH11Protocol

    monkeypatch.setattr(GuardedH11Protocol, "header_timeout", 0.5)
    with running_http() as (url, _, transport):
        port = int(url.split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port)) as slow:
            slow.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing more
            slow.settimeout(10)
            assert slow.recv(1024) == b""  # the server closed it
    assert transport.sent == []


async def test_a_stalled_body_is_answered_408(monkeypatch: pytest.MonkeyPatch) -> None:
    from voice_tools.server.transports import limits

    monkeypatch.setattr(limits, "BODY_TIMEOUT_SECONDS", 0.5)
    with running_http() as (url, _, transport):
        port = int(url.split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port)) as slow:
            slow.sendall(
                b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode() + b"\r\n"
                b"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                b'Content-Length: 500\r\n\r\n{"jsonrpc":'  # the rest of the body never comes
            )
            slow.settimeout(10)
            answer = slow.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408") and transport.sent == []


async def test_past_the_cap_the_503_says_when_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    from voice_tools.server.transports import limits

    limit = limits.RequestLimit(app=None, limit=0)  # full: every request is refused
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await limit({"type": "http"}, None, send)
    assert sent[0]["status"] == 503 and (b"retry-after", b"1") in sent[0]["headers"]


async def test_a_burst_past_the_cap_waits_a_moment_for_a_slot_instead_of_503(monkeypatch: pytest.MonkeyPatch) -> None:
    """A session's opening sends two requests at once, so 170 sessions make bursts past any cap near
    170; a request past the cap waits (up to QUEUE_SECONDS) for a slot and is served."""
    import voice_tools.server.transports.limits as limits_module

    monkeypatch.setattr(limits_module, "MAX_REQUESTS_IN_PROGRESS", 3)
    outcomes: list[str] = []
    with running_http() as (url, sandbox, _):
        sandbox.faults.latency = 0.2

        async def session() -> None:
            async with Client(url, mode="legacy") as client:
                result = await client.call_tool("get_number", {"phone_number_id": 900000120986})
                outcomes.append("served" if not result.is_error else "error")

        async with anyio.create_task_group() as group:
            for _ in range(8):
                group.start_soon(session)
    assert outcomes == ["served"] * 8


def raw_request(port: int, body_start: bytes, *, forwarded_for: str | None = None, length: int = 500) -> socket.socket:
    """A POST whose body begins with ``body_start`` and whose rest never comes (a dripping caller)."""
    sock = socket.create_connection(("127.0.0.1", port))
    forwarded = f"X-Forwarded-For: {forwarded_for}\r\n".encode() if forwarded_for else b""
    sock.sendall(
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:"
        + str(port).encode()
        + b"\r\n"
        + forwarded
        + b"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
        + b"Content-Length: "
        + str(length).encode()
        + b"\r\n\r\n"
        + body_start
    )
    return sock


async def test_a_body_must_arrive_whole_within_a_total_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A byte now and then never trips the stall limit, but the whole body has a deadline: 408."""
    from voice_tools.server.transports import limits

    monkeypatch.setattr(limits, "BODY_TIMEOUT_SECONDS", 5.0)
    monkeypatch.setattr(limits, "BODY_TOTAL_SECONDS", 1.0)
    with running_http() as (url, _, transport):
        port = int(url.split(":")[2].split("/")[0])
        with raw_request(port, b"{") as drip:
            drip.settimeout(15)
            started = time.monotonic()
            answer = b""
            while not answer:
                drip.sendall(b" ")  # one byte every 0.3 s: never a stall
                try:
                    drip.settimeout(0.3)
                    answer = drip.recv(4096)
                except TimeoutError:
                    continue
            waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408") and transport.sent == []
    assert waited < 5.0  # cut by the total deadline, long before a stall would have been noticed


async def test_a_dripping_caller_cannot_starve_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """One caller (here an address a trusted balancer forwarded) holds at most its share of the request
    slots however many bodies it drips; another caller's call is served meanwhile."""
    from voice_tools.server.transports import limits

    monkeypatch.setattr(limits, "MAX_REQUESTS_IN_PROGRESS", 8)
    monkeypatch.setattr(limits, "QUEUE_SECONDS", 0.0)
    with running_http() as (url, _, _):
        port = int(url.split(":")[2].split("/")[0])
        drips = [raw_request(port, b'{"jsonrpc":', forwarded_for="198.51.100.7") for _ in range(8)]
        try:
            refused = []
            for drip in drips:
                drip.settimeout(0.5)
                try:
                    refused.append(drip.recv(4096).startswith(b"HTTP/1.1 503"))
                except TimeoutError:
                    refused.append(False)  # holding a slot, waiting for the rest of its body
            with anyio.fail_after(20):
                async with Client(url, mode="legacy") as client:  # another caller: the test's own address
                    result = await client.call_tool("get_number", {"phone_number_id": 900000120986})
        finally:
            for drip in drips:
                drip.close()
    assert refused.count(False) == 6 and refused.count(True) == 2  # its share: 3/4 of 8 slots
    assert not result.is_error
