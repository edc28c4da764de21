"""Credentials never leak: every tool and every failure path runs with recognisable credentials, and
none of them (nor their base64 form, as Basic auth would carry them) appears in any tool result, any
log line at any level, or any exception text."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from pydantic import SecretStr

from tests.harness import Answer, connect, make_rig, text_of
from tests.reliability.report import FIGURES
from voice_tools.client import RetryPolicy, TalkClient, ZendeskConfig, ZendeskError
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio
EMAIL = "canary-admin@leak-check.test"
API_TOKEN = "CANARY-api-token-7f3a9c"
SECRETS = [API_TOKEN, base64.b64encode(f"{EMAIL}/token:{API_TOKEN}".encode()).decode()]
FAST = RetryPolicy(max_retries=1, initial_backoff=0.01, max_backoff=0.01, max_retry_after=0.5)


def canary_rig(**sandbox_overrides: Any) -> Any:
    sandbox = TalkSandbox(SandboxConfig(email=EMAIL, api_token=API_TOKEN, **sandbox_overrides))
    sandbox.faults.hang_seconds = 3
    config = ZendeskConfig(base_url="https://sandbox.zendesk.com", email=EMAIL, api_token=SecretStr(API_TOKEN))
    return make_rig(
        sandbox,
        zendesk=config,
        retry=FAST,
        zendesk_timeout=0.2,
    )


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search_numbers", {"country": "IE"}),
    ("search_numbers", {"country": "USA"}),
    ("list_numbers", {"view": "full"}),
    ("get_number", {"phone_number_id": 900000120986, "include": ["settings", "all_groups"]}),
    ("get_number", {"phone_number_id": 1}),
    ("update_settings", {"phone_number_id": 900000120986, "changes": {"group_ids": [1]}}),
    ("update_settings", {"phone_number_id": 900000120986, "changes": {"nickname": "Canary"}}),
    ("buy_number", {"quote": "forged"}),
]
FAULTS = [
    None,
    "server_error",
    "rate_limited",
    "timeout",
    "drop_connection",
    "malformed_json",
    "text_plain",
    "commit_then_drop",
]


@pytest.mark.parametrize("fault", FAULTS)
async def test_no_credential_in_results_logs_or_errors(caplog: pytest.LogCaptureFixture, fault: str | None) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level
    rig = canary_rig()
    texts: list[str] = []
    async with connect(rig, "legacy", Answer("accept", {"confirm": True})) as client:
        offers = (await client.call_tool("search_numbers", {"country": "IE"})).structured_content["numbers"]
        if fault:
            rig.sandbox.faults.inject(fault, count=2)  # type: ignore[arg-type]
        for tool, args in CALLS:
            result = await client.call_tool(tool, args)
            texts += [text_of(result), repr(result)]
        address = next(a for a in rig.sandbox.backend.addresses.values() if a["country_code"] == "IE")
        for args in (
            {"quote": offers[0]["quote"]},
            {"quote": offers[1]["quote"], "address_sid": address["provider_reference"]},
        ):
            result = await client.call_tool("buy_number", args)
            texts += [text_of(result), repr(result)]
        for uri in ("zendesk-talk://policy", "zendesk-talk://phone-numbers"):
            try:
                texts.append(repr(await client.read_resource(uri)))
            except Exception as error:
                texts.append(repr(error))
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    texts.append(caplog.text)
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
    FIGURES["secret-leak checks (texts scanned)"] += len(texts)


async def test_no_credential_in_client_exceptions() -> None:
    sandbox = TalkSandbox(SandboxConfig(email=EMAIL, api_token="the-right-one-is-different"))
    config = ZendeskConfig(base_url="https://sandbox.zendesk.com", email=EMAIL, api_token=SecretStr(API_TOKEN))
    async with TalkClient(config, transport=sandbox.transport(), retry=FAST) as client:
        with pytest.raises(ZendeskError) as refused:
            await client.get_number(900000120986)
        texts = [str(refused.value), repr(refused.value), repr(vars(refused.value)), repr(client), repr(config)]
    for text in texts:
        for secret in [*SECRETS, EMAIL]:
            assert secret not in text
