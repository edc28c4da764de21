"""TalkClient against the in-process sandbox: every method, every error kind, and the retry rules."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx2
import pytest

from voice_tools import __version__
from voice_tools.client import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InvalidRecordError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TalkClient,
    UnexpectedResponseError,
    ZendeskConfig,
)
from voice_tools.models import AddressCreate, PhoneNumberUpdate, SettingsUpdate
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio
SANDBOX = ZendeskConfig(
    base_url="https://sandbox.zendesk.com", email="admin@example.com", api_token="sandbox-api-token"
)


class Clock:
    """Records the waits the client asks for instead of sleeping through them, and moves its own time on
    by each (the client's view of the account's pauses reads this time)."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.now = 1_000_000.0

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(sandbox: TalkSandbox, clock: Clock) -> AsyncIterator[TalkClient]:
    async with TalkClient(
        SANDBOX, transport=sandbox.transport(), sleep=clock.sleep, clock=clock.time, jitter=lambda: 0.5
    ) as c:
        yield c


# ---------------------------------------------------------------- every method
async def test_list_numbers_follows_every_page(client: TalkClient, sandbox: TalkSandbox) -> None:
    numbers = [n async for n in client.list_numbers(per_page=5)]
    assert sorted(n.id for n in numbers) == sorted(sandbox.backend.numbers)  # each once, in Zendesk's order
    assert sandbox.backend.count_requests("GET") == 3
    minimal = [n async for n in client.list_numbers(minimal=True)]
    assert len(minimal) == 12 and minimal[0].display_number and "number" not in minimal[0].model_fields_set


async def test_pagination_across_many_pages_and_the_concurrent_collect(clock: Clock) -> None:
    big = TalkSandbox(SandboxConfig(numbers=437))
    async with TalkClient(SANDBOX, transport=big.transport(), sleep=clock.sleep, clock=clock.time) as client:
        walked = [n.id async for n in client.list_numbers(per_page=20)]
        collected = [n.id for n in await client.list_numbers(per_page=20).collect(concurrency=4)]
        pages = [p async for p in client.list_numbers(per_page=100).pages()]
    assert walked == collected == sorted(big.backend.numbers)
    assert len(pages) == 5 and pages[-1].next_page is None


async def test_search_available(client: TalkClient) -> None:
    found = await client.search_available("gb", toll_free=False, contains="2*4")
    assert found and all(n.country_code == "GB" and n.toll_free is False for n in found)
    assert found[0].monthly_price() is not None and found[0].token


async def test_get_number_with_includes(client: TalkClient) -> None:
    details = await client.get_number(900000120986, include=["settings", "all_groups", "ivrs"])
    assert details.phone_number.settings is not None
    assert details.groups and details.ivrs and details.schedules is None


async def test_create_update_delete(client: TalkClient, sandbox: TalkSandbox) -> None:
    offer = (await client.search_available("US", area_code="415"))[0]
    bought = await client.create_number(offer.token)
    assert bought.number == offer.number and bought.id in sandbox.backend.numbers
    updated = await client.update_number(
        bought.id,
        PhoneNumberUpdate(nickname="New line", settings=SettingsUpdate(call_recording_delete_after="1.years")),
    )
    assert updated.phone_number.nickname == "New line"
    assert updated.phone_number.settings and updated.phone_number.settings.call_recording_delete_after == "1.years"
    put = next(r for r in sandbox.backend.requests if r.method == "PUT")
    assert "include=settings" in put.query  # without it Zendesk ignores the settings
    await client.delete_number(bought.id)
    assert bought.id not in sandbox.backend.numbers


@pytest.mark.inferred("create-refusal-details")
async def test_addresses_and_address_sid(client: TalkClient) -> None:
    created = await client.create_address(
        AddressCreate(name="Cork office", street="1 Main St", zip="T12", province="Munster", country_code="IE")
    )
    assert created.provider_reference and created.provider_reference.startswith("AD")
    addresses = [a async for a in client.list_addresses()]
    assert created.id in {a.id for a in addresses}
    offer = (await client.search_available("IE"))[0]
    with pytest.raises(InvalidRecordError) as missing:
        await client.create_number(offer.token)
    assert missing.value.field_errors()[0][0] == "address_sid"
    assert (await client.create_number(offer.token, address_sid=created.provider_reference)).number == offer.number


async def test_user_agent_names_voice_tools_and_its_version(sandbox: TalkSandbox) -> None:
    agents: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        agents.append(request.headers["user-agent"])
        return httpx2.Response(200, json={"phone_numbers": []})

    async with TalkClient(SANDBOX, transport=httpx2.MockTransport(handler)) as client:
        await client.search_available("US")
    assert agents[0].startswith(f"voice-tools/{__version__}")


# ------------------------------------------------------------------ error kinds
@pytest.mark.inferred("update-reference-422")
async def test_error_kinds(client: TalkClient, sandbox: TalkSandbox) -> None:
    with pytest.raises(NotFoundError) as not_found:
        await client.get_number(1)
    assert not_found.value.code == "RecordNotFound" and not not_found.value.retryable
    with pytest.raises(InvalidRecordError) as invalid:
        await client.update_number(900000120986, PhoneNumberUpdate(group_ids=[1]))
    assert invalid.value.field_errors() == [("group_ids", "no group with id 1")]
    with pytest.raises(BadRequestError):
        await client.search_available("US", contains="!!")
    sandbox.config.trial = True
    with pytest.raises(PermissionDeniedError, match="Trial"):
        await client.search_available("US")


async def test_refused_credentials(sandbox: TalkSandbox) -> None:
    wrong = ZendeskConfig(base_url="https://sandbox.zendesk.com", email="admin@example.com", api_token="nope")
    async with TalkClient(wrong, transport=sandbox.transport()) as client:
        with pytest.raises(AuthenticationError, match="Couldn't authenticate you"):
            await client.get_number(900000120986)


# ---------------------------------------------------------------------- retries
async def test_429_waits_exactly_retry_after(client: TalkClient, sandbox: TalkSandbox, clock: Clock) -> None:
    sandbox.faults.retry_after = 7
    sandbox.faults.inject("rate_limited", count=2)
    assert (await client.get_number(900000120986)).phone_number.id == 900000120986
    assert clock.sleeps == [7.0, 7.0]


async def test_a_retry_after_beyond_the_cap_is_raised_not_waited(sandbox: TalkSandbox, clock: Clock) -> None:
    sandbox.faults.retry_after = 120
    sandbox.faults.inject("rate_limited")
    policy = RetryPolicy(max_retry_after=30)
    async with TalkClient(
        SANDBOX, transport=sandbox.transport(), sleep=clock.sleep, clock=clock.time, retry=policy
    ) as client:
        with pytest.raises(RateLimitError) as limited:
            await client.get_number(900000120986)
    assert limited.value.retry_after == 120 and clock.sleeps == []


async def test_5xx_backs_off_with_pinned_jitter_then_succeeds(
    client: TalkClient, sandbox: TalkSandbox, clock: Clock
) -> None:
    sandbox.faults.inject("server_error", count=3)
    await client.get_number(900000120986)
    assert clock.sleeps == [0.375, 0.75, 1.5]  # 0.5, 1, 2 with "equal jitter" pinned at 0.5


async def test_5xx_beyond_the_retries_is_a_server_error(client: TalkClient, sandbox: TalkSandbox) -> None:
    sandbox.faults.inject("server_error", count=10)
    with pytest.raises(ServerError) as failed:
        await client.get_number(900000120986)
    assert failed.value.retryable and sandbox.backend.count_requests("GET") == 4


async def test_puts_are_retried(client: TalkClient, sandbox: TalkSandbox) -> None:
    sandbox.faults.inject("server_error", method="PUT")
    await client.update_number(900000120986, PhoneNumberUpdate(nickname="Retried"))
    assert sandbox.backend.count_requests("PUT") == 2


async def test_malformed_bodies_on_reads_are_retried(client: TalkClient, sandbox: TalkSandbox) -> None:
    sandbox.faults.inject("malformed_json", method="GET")
    sandbox.faults.inject("text_plain", method="GET")
    assert (await client.get_number(900000120986)).phone_number.id == 900000120986
    sandbox.faults.inject("text_plain", method="GET", count=9)
    with pytest.raises(UnexpectedResponseError, match="was not JSON"):
        await client.get_number(900000120986)


async def test_timeouts_on_reads_are_retried_then_reported(sandbox: TalkSandbox, clock: Clock) -> None:
    sandbox.faults.hang_seconds = 30
    sandbox.faults.inject("timeout", count=9)
    async with TalkClient(
        SANDBOX, transport=sandbox.transport(), sleep=clock.sleep, clock=clock.time, timeout=0.05
    ) as client:
        with pytest.raises(APITimeoutError):
            await client.get_number(900000120986)
    assert len(clock.sleeps) == 3


@pytest.mark.parametrize("fault", ["server_error", "commit_then_drop", "commit_then_timeout", "malformed_json"])
async def test_a_post_is_never_resent_once_it_may_have_arrived(sandbox: TalkSandbox, clock: Clock, fault: str) -> None:
    sandbox.faults.hang_seconds = 30
    async with TalkClient(
        SANDBOX, transport=sandbox.transport(), sleep=clock.sleep, clock=clock.time, timeout=0.1
    ) as client:
        offer = (await client.search_available("US"))[0]
        sandbox.faults.inject(fault, method="POST")  # type: ignore[arg-type]
        with pytest.raises(OutcomeUnknownError, match=r"may have taken effect|probably took effect"):
            await client.create_number(offer.token)
    assert sandbox.backend.count_requests("POST") == 1
    assert clock.sleeps == []


async def test_commit_then_drop_leaves_exactly_one_purchase(client: TalkClient, sandbox: TalkSandbox) -> None:
    offer = (await client.search_available("CA"))[0]
    sandbox.faults.inject("commit_then_drop", method="POST")
    with pytest.raises(OutcomeUnknownError):
        await client.create_number(offer.token)
    assert [n["number"] for n in sandbox.backend.numbers.values()].count(offer.number) == 1


async def test_a_post_that_never_connected_is_retried(clock: Clock) -> None:
    calls: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx2.ConnectError("connection refused", request=request)
        return httpx2.Response(200, json={"phone_number": {"id": 5, "number": "+15105550100"}})

    async with TalkClient(
        SANDBOX, transport=httpx2.MockTransport(handler), sleep=clock.sleep, clock=clock.time
    ) as client:
        assert (await client.create_number("tok")).id == 5
    assert calls == ["POST", "POST"]


async def test_a_post_rate_limited_is_retried_because_zendesk_did_nothing(
    client: TalkClient, sandbox: TalkSandbox
) -> None:
    offer = (await client.search_available("US"))[0]
    sandbox.faults.inject("rate_limited", method="POST")
    assert (await client.create_number(offer.token)).number == offer.number


async def test_connection_failures_on_reads(clock: Clock) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadError("reset by peer", request=request)

    async with TalkClient(
        SANDBOX, transport=httpx2.MockTransport(handler), sleep=clock.sleep, clock=clock.time
    ) as client:
        with pytest.raises(APIConnectionError, match="connection failed"):
            await client.get_number(1)
    assert len(clock.sleeps) == 3


async def test_next_page_to_another_host_is_never_followed() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.host == "sandbox.zendesk.com", "credentials sent to another host"
        return httpx2.Response(
            200, json={"phone_numbers": [{"id": 1}], "next_page": "https://evil.test/steal", "count": 2}
        )

    async with TalkClient(SANDBOX, transport=httpx2.MockTransport(handler)) as client:
        with pytest.raises(UnexpectedResponseError, match="another host"):
            _ = [n async for n in client.list_numbers()]


async def test_no_secret_in_errors_or_logs(
    sandbox: TalkSandbox, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sandbox-api-token"
    caplog.set_level(logging.DEBUG)
    sandbox.faults.inject("server_error", count=10)
    async with TalkClient(SANDBOX, transport=sandbox.transport(), sleep=clock.sleep, clock=clock.time) as client:
        with pytest.raises(ServerError) as failed:
            await client.get_number(900000120986)
    texts = [caplog.text, str(failed.value), repr(failed.value), repr(failed.value.__dict__)]
    assert "retry 1 of 3" in caplog.text
    for text in texts:
        assert secret not in text and "admin@example.com" not in text and "Basic " not in text


async def test_collect_stays_within_the_rate_budget(clock: Clock) -> None:
    """A patient listing of more pages than the budget allows in one window slows down instead of meeting a
    429: 15 pages on a budget of 12 a minute (the sandbox's window runs on the client's clock)."""
    sandbox = TalkSandbox(SandboxConfig(numbers=300, rate_limit=12))
    sandbox.limiter.clock = clock.time
    async with TalkClient(SANDBOX, transport=sandbox.transport(), sleep=clock.sleep, clock=clock.time) as client:
        numbers = await client.list_numbers(per_page=20).collect(concurrency=16, patient=True)
    assert len(numbers) == 300
    assert all(r.status != 429 for r in sandbox.backend.requests) and sum(clock.sleeps) >= 60
