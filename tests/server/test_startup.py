"""What an operator is told at start-up: one stderr line, never a secret; and a misconfiguration stops
the process with a message and a non-zero status before anything claims the server is up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import LOOPBACK, standalone_sandbox
from voice_tools.server.config.serving import ServerSettings
from voice_tools.server.config.startup_line import startup_line

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "VOICE_TOOLS_", "XDG_"))}
STATE = {"VOICE_TOOLS_STATE_DIR": "/var/lib/voice-tools"}
API_TOKEN = {"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "admin@acme.com", "ZENDESK_API_TOKEN": "tok-9f8e7d6c5b4a"}
OAUTH = {"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_OAUTH_TOKEN": "oauth-1a2b3c4d5e6f"}
BASE_URL = {**API_TOKEN, "ZENDESK_SUBDOMAIN": "", "VOICE_TOOLS_ZENDESK_BASE_URL": "https://talk.example.com:8443"}
TAIL = "audit /var/lib/voice-tools/audit.jsonl | ledger sqlite:////var/lib/voice-tools/ledger.db"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {},
            "voice-tools: serving stdio | account the built-in sandbox (no Zendesk credentials configured, a simulated "
            "account: nothing real is bought; set ZENDESK_SUBDOMAIN, ZENDESK_EMAIL and ZENDESK_API_TOKEN for a real "
            "one) | a person confirms each purchase in a form | purchases up to 25.00 a month each, 5 a day, any "
            "country | toolsets numbers | audit /var/lib/voice-tools/sandbox-audit.jsonl | ledger memory:",
        ),
        (
            API_TOKEN,
            "voice-tools: serving stdio | account acme.zendesk.com (API token) | a person confirms each purchase in a "
            f"form | purchases up to 25.00 a month each, 5 a day, any country | toolsets numbers | {TAIL}",
        ),
        (
            {**OAUTH, "VOICE_TOOLS_CONFIRMATION": "preapproved", "VOICE_TOOLS_ALLOWED_COUNTRIES": "US,CA"},
            "voice-tools: serving stdio | account acme.zendesk.com (OAuth token) | PREAPPROVED: purchases within the "
            f"spend policy need no person | purchases up to 25.00 a month each, 5 a day, CA,US | toolsets numbers | "
            f"{TAIL}",
        ),
        (
            {**BASE_URL, "VOICE_TOOLS_READ_ONLY": "yes", "VOICE_TOOLS_LEDGER": "redis://:hunter2@10.0.0.5:6379/0"},
            "voice-tools: serving stdio | account https://talk.example.com:8443 (API token) | a person confirms each "
            "purchase in a form | read-only: no purchases, no changes | toolsets numbers | audit "
            "/var/lib/voice-tools/audit.jsonl | ledger redis://:***@10.0.0.5:6379/0",
        ),
        (
            {**API_TOKEN, "VOICE_TOOLS_TOOLSETS": "numbers,release,addresses", "VOICE_TOOLS_DYNAMIC_TOOLSETS": "on"},
            "voice-tools: serving stdio | account acme.zendesk.com (API token) | a person confirms each purchase in a "
            "form | purchases up to 25.00 a month each, 5 a day, any country | toolsets addresses,numbers,release "
            f"(loaded on demand: enable_toolset), releases off (VOICE_TOOLS_RELEASES) | {TAIL}",
        ),
    ],
    ids=["sandbox", "api-token", "oauth", "base-url", "dynamic-toolsets"],
)
def test_the_start_up_line_says_what_this_process_will_do(env: dict[str, str], expected: str) -> None:
    line = startup_line(ServerSettings.from_env({**STATE, **env}), "stdio")
    assert line == expected
    assert "\n" not in line
    for secret in ("tok-9f8e7d6c5b4a", "oauth-1a2b3c4d5e6f", "hunter2", "admin@acme.com"):
        assert secret not in line


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve", *args],
        input=b"",
        capture_output=True,
        env={**CLEAN_ENV, **(env or {})},
        timeout=60,
        check=False,
    )


def test_a_base_url_without_credentials_stops_start_up() -> None:
    done = serve(env={"VOICE_TOOLS_ZENDESK_BASE_URL": "http://127.0.0.1:9"})
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "voice-tools: cannot start: VOICE_TOOLS_ZENDESK_BASE_URL is set but no credentials are: set ZENDESK_EMAIL and "
        "ZENDESK_API_TOKEN (or ZENDESK_OAUTH_TOKEN), or unset it to use the built-in sandbox"
    )


def test_a_port_already_taken_stops_start_up_before_anything_says_it_is_up() -> None:
    with socket.create_server((LOOPBACK, 0)) as taken:
        port = taken.getsockname()[1]
        done = serve("--http", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        f"voice-tools: cannot start: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_stdio_start_up_prints_exactly_one_line(tmp_path: Path) -> None:
    done = serve(env={"XDG_STATE_HOME": str(tmp_path)})
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 0 and len(lines) == 1 and lines[0].startswith("voice-tools: serving stdio | account ")
    assert done.stdout == b""


def test_an_unreachable_zendesk_stops_start_up_with_the_host_named() -> None:
    with socket.create_server((LOOPBACK, 0)) as probe:
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    account = {"VOICE_TOOLS_ZENDESK_BASE_URL": f"http://127.0.0.1:{port}", "ZENDESK_EMAIL": "a@b.co"}
    done = serve(env={**account, "ZENDESK_API_TOKEN": "t0ken-abc"})
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        f"voice-tools: cannot start: Zendesk at 127.0.0.1:{port} cannot be reached (connection refused): check "
        "ZENDESK_SUBDOMAIN or VOICE_TOOLS_ZENDESK_BASE_URL, and the network (VOICE_TOOLS_STARTUP_CHECK=off skips "
        "this check)"
    )


def test_refused_credentials_stop_start_up_and_a_good_account_starts(tmp_path: Path) -> None:
    with standalone_sandbox() as sandbox_url:
        account = {"VOICE_TOOLS_ZENDESK_BASE_URL": sandbox_url, "ZENDESK_EMAIL": "admin@example.com"}
        refused = serve(env={**account, "ZENDESK_API_TOKEN": "wrong-token"})
        good = serve(env={**account, "ZENDESK_API_TOKEN": "sandbox-api-token", "XDG_STATE_HOME": str(tmp_path)})
    host = sandbox_url.removeprefix("http://")
    assert refused.returncode == 2 and b"wrong-token" not in refused.stderr
    assert refused.stderr.decode().strip() == (
        f"voice-tools: cannot start: Zendesk at {host} refused the credentials (401): check ZENDESK_EMAIL and "
        "ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN"
    )
    assert good.returncode == 0
    assert good.stderr.decode().splitlines() == [
        f"voice-tools: serving stdio | account {sandbox_url} (API token) | a person confirms each purchase in a form "
        f"| purchases up to 25.00 a month each, 5 a day, any country | toolsets numbers | audit "
        f"{tmp_path}/voice-tools/audit.jsonl | "
        f"ledger sqlite:///{tmp_path}/voice-tools/ledger.db"
    ]
