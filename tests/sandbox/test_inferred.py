"""The registry of what the sandbox infers: complete, each switchable rule really switchable, and the
product working the same whether the sandbox enforces those rules or accepts and ignores what they
refuse (Zendesk's behaviour there is unknown, so the product must not depend on either)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.harness import ERAS, Answer, Era, connect, make_rig, text_of
from voice_tools.sandbox import SandboxConfig, TalkSandbox
from voice_tools.sandbox.inferred import BY_ID, INFERENCES

pytestmark = pytest.mark.anyio
SANDBOX = Path(__file__).resolve().parents[2] / "voice_tools" / "sandbox"
V = "/api/v2/channels/voice"
AUTH = ("admin@example.com/token", "sandbox-api-token")


def test_the_registry_names_every_inferred_rule_the_sandbox_applies() -> None:
    used: set[str] = set()
    for path in SANDBOX.rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'(?:enforced\(\s*[^,]+,|\.on\()\s*"([a-z0-9-]+)"', text))
        used |= set(re.findall(r'"(update-sms-capability-422|update-reference-422|update-[a-z-]+-422)"', text))
    switchable = {i.id for i in INFERENCES if i.switchable and i.scope == "sandbox"}
    assert used and used <= set(BY_ID), used - set(BY_ID)
    assert switchable <= used, f"listed as switchable but never switched: {switchable - used}"
    for inference in INFERENCES:
        assert inference.behaviour and inference.assumes


def http_for(mode: str) -> httpx2.AsyncClient:
    sandbox = TalkSandbox(SandboxConfig(inferred=mode))  # type: ignore[arg-type]
    return httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport(), auth=AUTH)


CASES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("query-flag-400", "GET", f"{V}/phone_numbers.json?minimal_mode=yes", None),
    ("pagination-400", "GET", f"{V}/phone_numbers.json?page=abc", None),
    ("include-400", "GET", f"{V}/phone_numbers/900000120986.json?include=foo", None),
    ("search-contains-400", "GET", f"{V}/phone_numbers/search.json?country=US&contains=HE-LP", None),
    ("search-area-code-400", "GET", f"{V}/phone_numbers/search.json?country=GB&area_code=415", None),
    ("update-unknown-attribute-422", "PUT", f"{V}/phone_numbers/900000120986.json", {"colour": "red"}),
    ("update-read-only-422", "PUT", f"{V}/phone_numbers/900000120986.json", {"toll_free": True}),
    ("update-reference-422", "PUT", f"{V}/phone_numbers/900000120986.json", {"group_ids": [42]}),
    ("update-sms-capability-422", "PUT", f"{V}/phone_numbers/900000120993.json", {"sms_enabled": True}),
]


@pytest.mark.parametrize(("rule", "method", "path", "change"), CASES, ids=[c[0] for c in CASES])
async def test_each_switchable_rule_refuses_when_enforced_and_is_ignored_when_not(
    rule: str, method: str, path: str, change: dict[str, Any] | None
) -> None:
    body = {"phone_number": change} if change is not None else None
    async with http_for("enforce") as strict, http_for("accept") as lenient:
        refused = await strict.request(method, path, json=body)
        accepted = await lenient.request(method, path, json=body)
    assert refused.status_code in (400, 422), refused.text
    assert accepted.status_code == 200, accepted.text
    if change and method == "PUT":  # ignored, not applied
        record = accepted.json()["phone_number"]
        assert all(record.get(k) != v for k, v in change.items() if k not in ("sms_enabled", "group_ids"))


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


@pytest.mark.parametrize("mode", ["enforce", "accept"])
async def test_the_product_answers_the_same_whichever_the_sandbox_does(era: Era, mode: str) -> None:
    """The everyday flows, and the refusals the server makes itself before anything is sent, are the
    same against a sandbox that enforces its inferred rules and one that ignores them."""
    rig = make_rig(TalkSandbox(SandboxConfig(inferred=mode)))  # type: ignore[arg-type]
    async with connect(rig, era, Answer("accept", {"confirm": True})) as client:
        listed = await client.call_tool("list_numbers", {"country": "US"})
        got = await client.call_tool("get_number", {"phone_number_id": 900000120986, "include": ["settings"]})
        offer = (await client.call_tool("search_numbers", {"country": "US"})).structured_content["numbers"][0]
        bought = await client.call_tool("buy_number", {"quote": offer["quote"]})
        wrong_group = await client.call_tool(
            "update_settings", {"phone_number_id": 900000120986, "changes": {"group_ids": [42]}}
        )
        bad_area = await client.call_tool("search_numbers", {"country": "GB", "area_code": "415"})
        renamed = await client.call_tool(
            "update_settings", {"phone_number_id": 900000120986, "changes": {"nickname": "Same either way"}}
        )
    assert not listed.is_error and not got.is_error
    assert bought.structured_content["status"] == "purchased", text_of(bought)
    assert wrong_group.is_error and "no group with id 42" in text_of(wrong_group)  # refused by the server itself
    assert bad_area.is_error and "area_code works only for US and CA" in text_of(bad_area)
    assert renamed.structured_content["applied"] is True
    assert rig.transport.count("PUT") == 1  # only the valid change was ever sent


@pytest.mark.timeout(900)  # two whole suites, not one test: the per-test limit of 120 s does not fit
def test_the_client_and_server_suites_pass_against_a_sandbox_that_accepts() -> None:
    """The second pass: the client, server, contract and MCP Apps suites again, their default sandbox now
    accepting and ignoring what the inferred rules refuse. Only tests marked as asserting an inferred rule
    are skipped (each names its rule); everything else must hold, so the product depends on no invented
    rule."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/client",
            "tests/server",
            "tests/live/test_contract_live.py",
            "tests/apps/test_apps_protocol.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=-ra --strict-markers",
            "--deselect",
            "tests/server/test_processes.py",
        ],
        cwd=root,
        env={**os.environ, "VOICE_TOOLS_TEST_SANDBOX_INFERRED": "accept"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert "asserts the sandbox's inferred rule" in done.stdout  # the marked tests were skipped, by name
