"""A ledger fault is never a lie and never a bare error (issue 23), with a real redis-server the test stops,
kills and starts again, in both protocol eras.

- Redis down: reads of the account go on; search answers without quotes; anything that buys, changes or
  approves is refused in the one error shape (with a retry), nothing sent to Zendesk.
- Redis dies while a purchase is at Zendesk: the answer says what Zendesk said (``purchased``) and that it is
  recorded on this replica; the settlement waits on this replica's disk and is written into the ledger exactly
  once when Redis is back, before anything new is reserved.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import redis as redis_client

from tests.harness import ERAS, Answer, Era, connect, make_rig, text_of
from tests.harness import settings as make_settings
from tests.redis_server import ControlledRedis, controlled_redis
from tests.reliability.http_server import running_http
from voice_tools.guard.ledger import LedgerUnavailable, open_ledger
from voice_tools.guard.ledger import redis as redis_ledger
from voice_tools.server import ledger_admin

pytestmark = pytest.mark.timeout(90)
YES = {"confirm": True}


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


def env(redis: ControlledRedis, state: Path) -> dict[str, str]:
    return {"VOICE_TOOLS_LEDGER": redis.url, "VOICE_TOOLS_STATE_DIR": str(state)}


@pytest.mark.anyio
async def test_with_redis_down_reads_go_on_and_writes_are_refused_in_words(era: Era, tmp_path: Path) -> None:
    with controlled_redis(appendonly=False) as redis:
        rig = make_rig(env=env(redis, tmp_path))
        async with connect(rig, era) as client:
            quote = (await client.call_tool("search_numbers", {"country": "US", "limit": 1})).structured_content[
                "numbers"
            ][0]["quote"]
        redis.kill()
        answer = Answer("accept", YES)
        async with connect(rig, era, answer) as client:
            listed = await client.call_tool("list_numbers", {})
            one = await client.call_tool("get_number", {"phone_number_id": 900000120986})
            found = await client.call_tool("search_numbers", {"country": "US", "limit": 2})
            buy = await client.call_tool("buy_number", {"quote": quote})
    assert not listed.is_error and listed.structured_content["total"] == 12
    assert not one.is_error
    assert not found.is_error and {o["blocked"] for o in found.structured_content["numbers"]} == {"ledger"}
    assert not any(o.get("quote") for o in found.structured_content["numbers"])
    assert buy.is_error and "Error executing tool" not in text_of(buy), text_of(buy)
    assert "buy_number did nothing: the guard's ledger" in text_of(buy) and "Retry: yes, after 5 s" in text_of(buy)
    assert answer.asked == [] and rig.transport.count("POST") == 0


@pytest.mark.anyio
@pytest.mark.parametrize("era", ["auto"])  # reads bound their ledger waits the same in either era (20 s a run)
async def test_with_redis_frozen_reads_are_answered_before_it_wakes(era: Era, tmp_path: Path) -> None:
    """A SIGSTOPped Redis (or a host that stalls) keeps its connections open and never answers: a read of the
    account must not wait for it. list_numbers and get_number answer, and search answers its offers without
    quotes, while Redis is still frozen; a purchase is refused in the one shape before anyone is asked, and
    nothing is sent to Zendesk."""
    answer = Answer("accept", YES)
    with controlled_redis(appendonly=False) as redis:
        rig = make_rig(env=env(redis, tmp_path))
        async with connect(rig, era, answer) as client:
            first = await client.call_tool("search_numbers", {"country": "US", "limit": 1})  # connections pooled
            redis.freeze()
            try:
                with anyio.fail_after(30):  # a guard against a hang, not a timing: Redis wakes only after these
                    listed = await client.call_tool("list_numbers", {})
                    await anyio.sleep(1.1)  # the board is looked at again (at most every second)
                    one = await client.call_tool("get_number", {"phone_number_id": 900000120986})
                    found = await client.call_tool("search_numbers", {"country": "US", "limit": 2})
                    buy = await client.call_tool(
                        "buy_number", {"quote": first.structured_content["numbers"][0]["quote"]}
                    )
            finally:
                redis.thaw()
            again = await client.call_tool("search_numbers", {"country": "US", "limit": 1})
    assert buy.is_error and "Error executing tool" not in text_of(buy), text_of(buy)
    assert "buy_number did nothing: the guard's ledger" in text_of(buy) and "Retry: yes, after" in text_of(buy)
    assert answer.asked == []
    assert not listed.is_error and listed.structured_content["total"] == 12
    assert not one.is_error, text_of(one)
    assert not found.is_error and {o["blocked"] for o in found.structured_content["numbers"]} == {"ledger"}
    assert not any(o.get("quote") for o in found.structured_content["numbers"])
    assert again.structured_content["numbers"][0]["quote"]  # Redis awake: quotes again
    assert rig.transport.count("POST") == 0


def kill_when_bought(redis: ControlledRedis) -> Any:
    """Zendesk answers the first create; Redis dies before the answer reaches the guard."""
    done: list[bool] = []

    def rewrite(path: str, body: Any) -> Any:
        created = path.rstrip("/").endswith(("/phone_numbers", "/phone_numbers.json"))
        if created and isinstance(body, dict) and "phone_number" in body and not done:  # the list's: phone_numbers
            done.append(True)
            redis.kill()
        return body

    return rewrite


@pytest.mark.anyio
async def test_a_purchase_zendesk_made_while_redis_died_is_answered_truly_and_recorded_once(
    era: Era, tmp_path: Path
) -> None:
    with controlled_redis(appendonly=True) as redis:
        rig = make_rig(env=env(redis, tmp_path), rewrite=kill_when_bought(redis))
        async with connect(rig, era) as client:
            offer = (await client.call_tool("search_numbers", {"country": "US", "limit": 2})).structured_content[
                "numbers"
            ][0]
        async with connect(rig, era, Answer("accept", YES)) as client:
            bought = await client.call_tool("buy_number", {"quote": offer["quote"]})
        assert bought.structured_content["status"] == "purchased", text_of(bought)
        assert "recorded on this server" in bought.structured_content["summary"]
        assert "do not buy this number again" in bought.structured_content["summary"]
        (spool,) = list(tmp_path.glob("spool-*.jsonl"))  # noqa: ASYNC240 - one per ledger the replica writes to
        assert spool.exists() and '"status":"purchased"' in spool.read_text()
        redis.start()  # back, from its append-only file: the reservation (sending) is there
        async with connect(rig, era) as client:  # a lifespan: the replica catches up within seconds
            with anyio.fail_after(10):
                while spool.read_text().strip():  # noqa: ASYNC110 - the spool file is polled
                    await anyio.sleep(0.1)
        trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("attempt")]
        assert [e["outcome"] for e in trail] == ["sending", "purchased"]  # written once
        assert rig.transport.count("POST") == 1
        second = (await offers_after(rig, era))[0]
        async with connect(rig, era, Answer("accept", YES)) as client:
            again = await client.call_tool("buy_number", {"quote": second["quote"]})
        assert again.structured_content["status"] == "purchased", text_of(again)
        trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("attempt")]
        assert [e["outcome"] for e in trail] == ["sending", "purchased", "sending", "purchased"]


def scripts_run(url: str, command: str = "evalsha") -> int:
    """How many scripts (or other commands) Redis has run, by its own count."""
    with redis_client.Redis.from_url(url) as client:
        stats = client.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


@pytest.mark.anyio
async def test_a_reservation_a_frozen_redis_reaches_after_the_replica_gave_up_is_not_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A frozen Redis keeps what was sent and runs it when it wakes. A reservation the replica gave up on (and so
    answered "nothing was done") is sent once, never again, and when Redis runs it late its script refuses it:
    no attempt, no cap slot, no quote held (it used to be sent twice and made late: "already under way")."""
    monkeypatch.setattr(redis_ledger, "ANSWER_SECONDS", 1.0)  # read when the ledger is opened
    monkeypatch.setattr(redis_ledger, "RESERVE_WITHIN_SECONDS", 0.5)
    day, sending = "2026-12-07", {"event": "purchase", "outcome": "sending"}
    with controlled_redis(appendonly=False) as redis:
        ledger = open_ledger(redis.url, "late")
        try:
            first = await ledger.reserve("purchase", "+15105550100", "qfirst", day, 5, {}, sending)  # script loaded
            assert first.attempt is not None
            before = scripts_run(redis.url)
            redis.freeze()
            try:
                with pytest.raises(LedgerUnavailable, match=r"no answer|Timeout"):
                    await ledger.reserve("purchase", "+15105550101", "qlate", day, 5, {}, sending)
            finally:
                redis.thaw()
            with anyio.fail_after(10):
                while scripts_run(redis.url) == before:  # noqa: ASYNC110 - Redis runs what it kept when it wakes
                    await anyio.sleep(0.05)
            assert scripts_run(redis.url) == before + 1  # the late reservation ran once: it was never re-sent
            assert await ledger.active_on("purchase", day) == 1
            assert [a.id for a in await ledger.open_attempts("purchase")] == [first.attempt.id]
            assert (await ledger.look_quote("qlate", "purchase", day)).holder is None
            assert [e.get("attempt") for e in await ledger.audit_trail()] == [first.attempt.id]
        finally:
            await ledger.aclose()


class FreezeOnSecondYes(Answer):
    """Says yes, and freezes Redis as it says the second: the reservation that follows goes to a Redis that
    answers nothing."""

    def __init__(self, redis: ControlledRedis) -> None:
        super().__init__("accept", YES)
        self.redis = redis

    async def __call__(self, context: Any, params: Any) -> Any:
        if len(self.asked) == 1:
            self.redis.freeze()
        return await super().__call__(context, params)


@pytest.mark.anyio
async def test_a_reservation_made_whose_answer_never_came_is_withdrawn_and_holds_nothing(
    era: Era, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis makes a purchase's reservation but its answer never comes (in life: a disk stall between its fsync
    and its reply; here: frozen before it read it, and let make it late). The replica answers that nothing was
    done, which is true (nothing was sent), and withdraws the attempt when Redis answers again: it holds no quote
    and no cap slot, and the same quote then buys, within a cap of two (one bought before)."""
    monkeypatch.setattr(redis_ledger, "ANSWER_SECONDS", 1.0)
    monkeypatch.setattr(redis_ledger, "RESERVE_WITHIN_SECONDS", 60.0)  # made when Redis wakes, as a stalled reply
    with controlled_redis(appendonly=False) as redis:
        rig = make_rig(env={**env(redis, tmp_path), "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "2"})
        first, offer = (await offers_after(rig, era))[:2]
        async with connect(rig, era, FreezeOnSecondYes(redis)) as client:  # one lifespan: one guard
            assert (await client.call_tool("buy_number", {"quote": first["quote"]})).structured_content["status"]
            before = scripts_run(redis.url)
            try:
                down = await client.call_tool("buy_number", {"quote": offer["quote"]})
            finally:
                redis.thaw()
            assert down.is_error and "buy_number did nothing: the guard's ledger" in text_of(down), text_of(down)
            with anyio.fail_after(10):
                while scripts_run(redis.url) == before:  # noqa: ASYNC110 - Redis makes the reservation it kept
                    await anyio.sleep(0.05)
            bought = await client.call_tool("buy_number", {"quote": offer["quote"]})
        assert bought.structured_content["status"] == "purchased", text_of(bought)
        trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("attempt")][2:]
        assert [e["outcome"] for e in trail] == ["sending", "not_purchased", "sending", "purchased"]
        assert "never sent" in trail[1]["reason"] and trail[0]["attempt"] == trail[1]["attempt"]
        assert rig.transport.count("POST") == 2


def freeze_when_bought(redis: ControlledRedis, seconds: float) -> Any:
    """Zendesk answers the first create; Redis freezes before the answer reaches the guard, and wakes after
    ``seconds``."""
    done: list[bool] = []

    def rewrite(path: str, body: Any) -> Any:
        created = path.rstrip("/").endswith(("/phone_numbers", "/phone_numbers.json"))
        if created and isinstance(body, dict) and "phone_number" in body and not done:
            done.append(True)
            redis.freeze()
            threading.Timer(seconds, redis.thaw).start()
        return body

    return rewrite


@pytest.mark.anyio
async def test_a_purchase_settled_while_redis_froze_is_recorded_once_in_the_ledger_and_the_file(
    era: Era, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settlement of a purchase Zendesk made goes to a Redis that froze: the replica gives up on it, answers
    ``purchased`` (recorded on this server) and spools it; Redis wakes and runs the settlement it kept, and the
    spool's copy finds it done. The ledger holds one ``purchased`` line, and so does the replica's audit file,
    which ``ledger restore`` rebuilds from (a settlement sent twice used to leave it out of the file)."""
    monkeypatch.setattr(redis_ledger, "ANSWER_SECONDS", 1.0)
    with controlled_redis(appendonly=False) as redis:
        rig = make_rig(env=env(redis, tmp_path), rewrite=freeze_when_bought(redis, 3.0))
        offer = (await offers_after(rig, era))[0]
        async with connect(rig, era, Answer("accept", YES)) as client:
            bought = await client.call_tool("buy_number", {"quote": offer["quote"]})
            assert bought.structured_content["status"] == "purchased", text_of(bought)
            assert "recorded on this server" in bought.structured_content["summary"]
            (spool,) = list(tmp_path.glob("spool-*.jsonl"))  # noqa: ASYNC240 - one per ledger
            with anyio.fail_after(20):
                while spool.read_text().strip():  # noqa: ASYNC110 - the replica catches up once Redis wakes
                    await anyio.sleep(0.1)
        trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("attempt")]
        assert [e["outcome"] for e in trail] == ["sending", "purchased"]
        (audit,) = list(tmp_path.glob("*audit.jsonl"))  # noqa: ASYNC240 - the replica's file
        lines = [json.loads(line) for line in audit.read_text().splitlines()]
        assert [e["outcome"] for e in lines if e.get("attempt")] == ["sending", "purchased"]
        assert rig.transport.count("POST") == 1


async def offers_after(rig: Any, era: Era) -> list[dict[str, Any]]:
    async with connect(rig, era) as client:
        found = await client.call_tool("search_numbers", {"country": "US", "limit": 3})
    return [o for o in found.structured_content["numbers"] if o.get("quote")]


@pytest.mark.anyio
async def test_a_redis_that_forgot_cannot_lift_the_cap_until_restored_or_accepted(tmp_path: Path) -> None:
    """Redis restarted on an empty directory: the day's purchases are gone from it, so purchases are refused
    (in words) until `voice-tools ledger restore` puts them back from the audit file (and the cap still holds),
    or `accept-reset` accepts the loss."""
    era: Era = "auto"
    with controlled_redis(appendonly=False) as redis:
        settings_env = {**env(redis, tmp_path), "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "2"}
        rig = make_rig(env=settings_env)
        for offer in (await offers_after(rig, era))[:2]:
            async with connect(rig, era, Answer("accept", YES)) as client:
                bought = await client.call_tool("buy_number", {"quote": offer["quote"]})
            assert bought.structured_content["status"] == "purchased", text_of(bought)
        redis.kill()
        redis.start(empty=True)  # it forgot the day's two purchases
        third = (await offers_after(rig, era))[0]
        async with connect(rig, era, Answer("accept", YES)) as client:
            refused = await client.call_tool("buy_number", {"quote": third["quote"]})
        assert refused.is_error and "lost its memory" in text_of(refused) and "Retry: no" in text_of(refused)
        assert rig.transport.count("POST") == 2
        settings = make_settings(settings_env)
        said = await ledger_admin.restore(settings, [settings.audit_log])
        assert said.startswith("restored 2 attempt(s)"), said
        async with connect(rig, era, Answer("accept", YES)) as client:
            capped = await client.call_tool("buy_number", {"quote": third["quote"]})
        assert capped.is_error and "max_purchases_per_day" in text_of(capped)  # the cap held: 2 of 2 used
        assert rig.transport.count("POST") == 2
        redis.kill()
        redis.start(empty=True)
        assert "LOST ITS MEMORY" in await ledger_admin.status(settings)
        assert (await ledger_admin.accept_reset(settings)).startswith("accepted")
        fresh = (await offers_after(rig, era))[0]
        async with connect(rig, era, Answer("accept", YES)) as client:
            after = await client.call_tool("buy_number", {"quote": fresh["quote"]})
        assert after.structured_content["status"] == "purchased", text_of(after)


def test_readiness_reports_the_ledger_and_keeps_the_replica_in_the_balancer(tmp_path: Path) -> None:
    """/readyz answers 200 'degraded' while the ledger is down (reads are served, writes refused in words), so a
    Redis blip does not take every replica out of the balancer at once; /metrics says voice_tools_ledger_up 0."""
    with controlled_redis(appendonly=False) as redis, running_http(env(redis, tmp_path)) as (url, _, _transport):
        base = url.removesuffix("/mcp")
        ready = httpx2.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json() == {"status": "ready", "ledger": "ok", "zendesk": "ok"}
        redis.kill()
        degraded = httpx2.get(f"{base}/readyz", timeout=10)
        assert degraded.status_code == 200 and degraded.json()["status"] == "degraded", degraded.text
        assert degraded.json()["ledger"] == "unavailable"
        metrics = httpx2.get(f"{base}/metrics", timeout=10).text
        assert "voice_tools_ledger_up 0.0" in metrics
        redis.start()
        assert httpx2.get(f"{base}/readyz", timeout=10).json()["ledger"] == "ok"
        assert "voice_tools_ledger_up 1.0" in httpx2.get(f"{base}/metrics", timeout=10).text
