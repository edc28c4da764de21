"""The start-up check: one small request to Zendesk before the server says it is up.

A host that does not resolve or refuses connections, and credentials Zendesk refuses, are configuration
mistakes that no tool call can fix; found at start-up they stop the process with a message an operator
acts on, instead of a server that starts and then fails every call. Anything else Zendesk answers (a
Trial account, Talk turned off, an outage) starts the server with a warning: the tools explain it per call.
``VOICE_TOOLS_STARTUP_CHECK=off`` skips the check (a server started before its network is up).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from voice_tools.client import APIConnectionError, AuthenticationError, RetryPolicy, TalkClient, ZendeskError

from .serving import ServerSettings

PROBE_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ProbeResult:
    fatal: str | None = None  # why the server cannot work with this configuration
    warning: str | None = None  # what is wrong but may be right by the time a tool is called


async def probe_account(
    settings: ServerSettings,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    timeout_seconds: float = PROBE_TIMEOUT_SECONDS,
) -> ProbeResult:
    """Read the first phone number (one request, no retry) to prove the host and the credentials. Only what
    this configuration gets wrong is fatal (a name that does not resolve, a refused connection, refused
    credentials); a Zendesk that is slow, busy or failing is a warning: it may be right by the next call."""
    timeout = min(settings.zendesk_timeout, timeout_seconds)
    retry = RetryPolicy(max_retries=0)
    async with TalkClient(settings.zendesk, transport=transport, retry=retry, timeout=timeout) as client:
        try:
            async for _ in client.list_numbers(minimal=True, per_page=1).pages():
                break
        except APIConnectionError as error:
            if error.problem not in ("no_such_host", "refused"):  # no answer in time, a reset: Zendesk's state
                return ProbeResult(warning=f"Zendesk at {client.host} did not answer the check ({error.message})")
            reason = {"no_such_host": "the name does not resolve", "refused": "connection refused"}.get(
                error.problem, "no answer" if "no answer" in error.message else "the connection failed"
            )
            return ProbeResult(
                fatal=f"Zendesk at {client.host} cannot be reached ({reason}): check ZENDESK_SUBDOMAIN or "
                "VOICE_TOOLS_ZENDESK_BASE_URL, and the network (VOICE_TOOLS_STARTUP_CHECK=off skips this check)"
            )
        except AuthenticationError:
            return ProbeResult(
                fatal=f"Zendesk at {client.host} refused the credentials (401): check ZENDESK_EMAIL and "
                "ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN"
            )
        except ZendeskError as error:
            return ProbeResult(warning=f"Zendesk at {client.host} answered the start-up check with: {error.message}")
    return ProbeResult()
