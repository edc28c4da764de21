"""The live mode itself, tested without a real account: ``pytest -m live`` with no credentials reports the
live half skipped with the reason; pointed at a standalone sandbox as if it were a real account (over HTTP,
with credentials, purchases switched on within a limit), the live half runs and passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio

from tests.live.replay import Rules, differences, replay
from tests.processes import standalone_sandbox

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "VOICE_TOOLS_"))}


def account_env(url: str) -> dict[str, str]:
    """A standalone sandbox as a real account: reached over HTTP, with credentials, live mode on."""
    return {
        "VOICE_TOOLS_LIVE": "1",
        "VOICE_TOOLS_ZENDESK_BASE_URL": url,
        "ZENDESK_EMAIL": "admin@example.com",
        "ZENDESK_API_TOKEN": "sandbox-api-token",
    }


def run_live(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-m", "live", "-q", "-rs", "-p", "no:cacheprovider", "tests/live"]
    return subprocess.run(
        command, cwd=ROOT, env={**CLEAN, **env}, capture_output=True, text=True, timeout=300, check=False
    )


def test_without_credentials_the_live_half_is_skipped_with_the_reason() -> None:
    done = run_live({"VOICE_TOOLS_LIVE": "1"})
    assert done.returncode == 0, done.stdout[-2000:]
    assert "VOICE_TOOLS_LIVE=1 but no credentials are set" in done.stdout
    assert " failed" not in done.stdout and " skipped" in done.stdout


def test_against_an_account_over_http_the_live_half_runs_and_buys_only_within_the_limit() -> None:
    with standalone_sandbox() as url:
        account = account_env(url)
        read_only = run_live(account)
        buying = run_live({**account, "VOICE_TOOLS_LIVE_PURCHASES": "1", "VOICE_TOOLS_LIVE_MAX_MONTHLY_PRICE": "2.00"})
    assert read_only.returncode == 0, read_only.stdout[-3000:]
    assert "live purchases run only with VOICE_TOOLS_LIVE_PURCHASES=1" in read_only.stdout
    assert buying.returncode == 0, buying.stdout[-3000:]
    assert "16 passed" in buying.stdout, buying.stdout[-1500:]  # both halves of all eight tests


def test_the_recorder_writes_every_probe_scrubbed(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tests.live.record", "--out", str(tmp_path)]
    refused = subprocess.run(command, cwd=ROOT, env=CLEAN, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 2 and "not recorded: live tests run only with VOICE_TOOLS_LIVE=1" in refused.stderr
    with standalone_sandbox() as url:
        env = {**CLEAN, **account_env(url)}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    written = {p.stem: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert set(written) == {
        "list_numbers",
        "list_numbers_minimal",
        "show_number",
        "show_number_with_settings",
        "search_us",
        "search_us_toll_free",
        "search_without_country",
        "list_addresses",
        "number_not_found",
    }
    text = json.dumps(written)
    for secret_or_personal in ("sandbox-api-token", "admin@example.com", "US Support", "1019 Market Street", "0134"):
        assert secret_or_personal not in text
    offer = written["search_us"]["body"]["phone_numbers"][0]
    assert offer["token"] == "<token>" and offer["number"].startswith("+1") and set(offer["number"][2:]) == {"5"}
    assert written["show_number"]["request"]["path"].endswith("/{first_id}")
    assert written["show_number"]["source"]["what"].startswith("probe show_number")
    assert "phone_number.id" in written["show_number"]["account_values"]
    assert written["list_numbers"]["match"] == {"phone_numbers": "any"}
    # recorded from a sandbox posing as an account, each replays against the sandbox with no difference
    for fixture in written.values():
        status, _, body = anyio.run(replay, fixture, "enforce")
        assert status == fixture["status"] and not differences(fixture["body"], body, Rules.of(fixture)), fixture
    assert (
        written["number_not_found"]["status"] == 404
        and "x-rate-limit-remaining" in written["number_not_found"]["headers"]
    )
