"""The real account the live tests and the recorder use, from the same variables the server reads; or why
there is none. Nothing here prints a credential."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx2

from tests.live.probes import FIRST_ID, Probe
from voice_tools.client import ConfigurationError, ZendeskConfig
from voice_tools.server.config.serving import ServerSettings

LIVE = "VOICE_TOOLS_LIVE"
PURCHASES = "VOICE_TOOLS_LIVE_PURCHASES"
SPEND = "VOICE_TOOLS_LIVE_MAX_MONTHLY_PRICE"


def live_config() -> tuple[ZendeskConfig | None, str]:
    """The account to test against, or None and the reason the live tests are skipped."""
    if os.environ.get(LIVE) != "1":
        return None, f"live tests run only with {LIVE}=1 and a real account's credentials"
    try:
        settings = ServerSettings.from_env(os.environ)
    except ConfigurationError as error:
        return None, f"{LIVE}=1 but the account is not configured: {error}"
    if settings.sandbox:
        return None, (
            f"{LIVE}=1 but no credentials are set: set ZENDESK_SUBDOMAIN with ZENDESK_EMAIL and "
            "ZENDESK_API_TOKEN (or ZENDESK_OAUTH_TOKEN)"
        )
    return settings.zendesk, ""


def spending_limit() -> tuple[Decimal | None, str]:
    """The most one test purchase may cost a month, or None and why purchases are skipped: they need a
    second switch and a limit, as buying a number costs real money until it is released."""
    if os.environ.get(PURCHASES) != "1":
        return None, f"live purchases run only with {PURCHASES}=1 as well (they buy, then release, a number)"
    try:
        limit = Decimal(os.environ.get(SPEND, ""))
    except InvalidOperation:
        return None, f"{PURCHASES}=1 needs {SPEND}, the most a test number may cost a month (e.g. 2.00)"
    return limit, ""


def http_client(config: ZendeskConfig, transport: httpx2.AsyncBaseTransport | None = None) -> httpx2.AsyncClient:
    headers = {"Authorization": config.authorization(), "Accept": "application/json"}
    return httpx2.AsyncClient(base_url=config.url, headers=headers, timeout=30, transport=transport)


async def send(client: httpx2.AsyncClient, probe: Probe) -> httpx2.Response:
    """The probe's request, with ``{first_id}`` replaced by the account's first number (if it has one)."""
    path = probe.path
    if FIRST_ID in path:
        listed = (await client.get(probe.path.split("/" + FIRST_ID)[0], params={"per_page": 1})).json()
        numbers: list[dict[str, Any]] = listed.get("phone_numbers", [])
        if not numbers:
            raise LookupError("the account has no phone numbers to show")
        path = path.replace(FIRST_ID, str(numbers[0]["id"]))
    return await client.request(probe.method, path, params=probe.query, json=probe.body)
