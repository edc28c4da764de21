"""The fleet survives its ledger (issue 23): the shipped haproxy.cfg in front of three replicas with compose's
environment and one real redis-server (``appendfsync always``), under 12 clients of both eras, half reading
(list_numbers, get_number, search_numbers), half buying (search, then buy_number, answering the form), while
the same Redis is stopped for 10 s and started again from its append-only file, SIGSTOPped for 10 s, and
restarted empty. The first two faults come while a purchase's create is at Zendesk.

Through each fault: reads are answered while the fault lasts and none fails; no call ends in the SDK's bare
"Error executing tool"; every purchase is answered ``purchased`` or refused in the one shape (the ledger down:
"did nothing ... Retry: yes, after N s"; the ledger that forgot: refused until an operator acts), and every
create the sandbox took was answered ``purchased``; every number the sandbox sold, by its own request log and
account, is ``purchased`` exactly once in the ledger's audit trail once Redis is back, and the ledger counts
for the day exactly the numbers sold (a reservation made but never answered holds nothing); and the daily cap
is never lifted: after the empty restart nothing is bought until ``voice-tools ledger restore`` rebuilds the
day from the replicas' audit files (buyers are held while the operator restores, so the restored count is read
before anyone buys), and then the cap stops the buyers at exactly CAP. How soon reads see quotes and purchases
go through again after Redis answers is measured and printed (figures, not a timed assert).

Buyers buy only while the test hands out tickets (one per purchase; a refusal gives its ticket back), so each
phase buys a known number of numbers and the cap is reached exactly at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx2
import pytest
from mcp import Client

from tests.fleet.load import Call, Load, leaf, session, summary, warm
from tests.fleet.shipped import Replica, shipped_fleet, wait_for
from tests.harness import text_of
from tests.processes import standalone_sandbox
from tests.redis_server import ControlledRedis, controlled_redis
from voice_tools.guard.ledger import open_ledger
from voice_tools.guard.plans import utc_day

pytestmark = pytest.mark.anyio
CLIENTS = 12  # half reading, half buying: enough to keep a purchase in flight at each fault
READERS = CLIENTS // 2
WARM, PER_FAULT, AFTER_RESTORE = 3, 8, 5
CAP = WARM + 2 * PER_FAULT + AFTER_RESTORE  # after the empty restart, the cap stops the buyers after 5 of 8
OUTAGE_SECONDS = 10.0
AMPLE_BUDGET = ("--rate-limit", "1000000")  # faults of the ledger, not the account's request budget
SANDBOX_AUTH = ("admin@example.com/token", "sandbox-api-token")
DOWN = "did nothing: the guard's ledger"  # the one shape for a ledger that cannot be reached
FORGOT = "lost its memory"  # a ledger restarted empty, until an operator restores it
DOWN_KIND, FORGOT_KIND = "refused: ledger down", "refused: ledger forgot"
UNDER_WAY = "refused: under way"  # true only just after this quote's reservation went unanswered (see buy)
EXPECTED = {"purchased", DOWN_KIND, FORGOT_KIND, UNDER_WAY, "refused: cap", "refused: quote gone"}


@dataclass
class Buys(Load):
    """The load, with the tickets buyers need to buy and what each buy_number was answered."""

    tickets: int = 0
    answers: list[tuple[Call, str]] = field(default_factory=list)  # (the call, its kind)
    quoted: list[Call] = field(default_factory=list)  # searches answered with quotes (the ledger took them)

    def kinds(self, since: float = 0.0, until: float = float("inf")) -> Counter[str]:
        return Counter(kind for call, kind in self.answers if since <= call.started < until)


def kind_of(result: Any) -> str:
    """What a buy_number answer was: purchased, or which refusal in words; anything else is a failure."""
    said = text_of(result)
    if not result.is_error:
        return str(result.structured_content["status"])
    if "Error executing tool" in said or "Retry:" not in said or "Next:" not in said:
        return "bare"
    if DOWN in said and "Retry: yes, after" in said:
        return DOWN_KIND
    if FORGOT in said:
        return FORGOT_KIND
    if "max_purchases_per_day" in said:
        return "refused: cap"
    if "not a quote issued by search_numbers" in said:
        return "refused: quote gone"  # a quote the emptied Redis no longer holds
    if "with this quote is already under way; it is not sent twice" in said:
        return UNDER_WAY
    return f"refused: other ({said[:160]})"


@dataclass
class Calls:
    """One client session's calls, each timed and kept in the load (the one under way fails with the session)."""

    client: Client
    load: Buys
    who: int
    era: str
    started: float
    current: Call | None = None

    async def call(self, tool: str, args: dict[str, Any]) -> Any:
        self.current = Call(self.who, self.era, tool, time.monotonic(), session_started=self.started)
        self.load.calls.append(self.current)
        result = await self.client.call_tool(tool, args)
        self.current.ended = time.monotonic()
        if result.is_error and tool != "buy_number":
            self.current.failure = f"error result: {text_of(result)[:200]}"  # a read must not fail
        return result


async def read(calls: Calls) -> None:
    await calls.call("list_numbers", {"country": "US"})
    await calls.call("get_number", {"phone_number_id": 900000120986})
    await search(calls, {"country": "US", "limit": 2})


async def search(calls: Calls, args: dict[str, Any]) -> str | None:
    """search_numbers; the first offer's quote, if the offers carry quotes (not while the ledger is down)."""
    found = await calls.call("search_numbers", args)
    offers = [] if found.is_error else found.structured_content["numbers"]
    quote: str | None = offers[0].get("quote") if offers else None
    if quote and calls.current is not None:
        calls.load.quoted.append(calls.current)
    return quote


async def buy(calls: Calls, load: Buys) -> None:
    """Search a pool of its own; with a quote and a ticket, buy. After a refusal that says to retry, call
    buy_number again with the same quote, as a model told so would; after any other, search again.

    A reservation whose answer never came (Redis made it, then froze before replying) was answered "did
    nothing" (nothing was sent) and is withdrawn by its replica as soon as Redis answers again; until then
    another replica reads it as under way, which it then says, and nothing is sent twice. That refusal is
    true only right after this quote was refused for the ledger, so anywhere else it is a failure."""
    quote = await search(calls, {"country": "US", "contains": f"7{calls.who:02d}", "limit": 1})
    unanswered = False  # this quote was refused for the ledger: its reservation may have been made unanswered
    while quote and load.tickets > 0 and not load.stop.is_set():
        load.tickets -= 1
        result = await calls.call("buy_number", {"quote": quote})
        assert calls.current is not None
        kind = kind_of(result)
        load.answers.append((calls.current, kind))
        if kind == "purchased":
            return
        load.tickets += 1  # a refusal bought nothing
        if kind not in EXPECTED or (kind == UNDER_WAY and not unanswered):
            calls.current.failure = f"{kind}: {text_of(result)[:200]}"
            return
        unanswered = kind == DOWN_KIND
        if kind != DOWN_KIND:
            return
        await anyio.sleep(0.2)  # "call buy_number again in a few seconds" (sooner here: resumption is timed)


async def one_client(i: int, load: Buys) -> None:
    """Client ``i``: half 2025-11-25 sessions, half 2026-07-28; half readers, half buyers (a form each)."""
    era = "legacy" if i % 2 == 0 else "auto"
    buyer = i % 4 >= 2
    while not load.stop.is_set():
        started = time.monotonic()
        calls: Calls | None = None
        try:
            async with session(load, era, buyer=buyer) as client:
                calls = Calls(client, load, i, era, started)
                await (buy(calls, load) if buyer else read(calls))
                calls.current = None
            if buyer and load.tickets <= 0:
                await anyio.sleep(0.1)
        except Exception as error:  # the session itself failed: the call under way (or its opening) failed
            failed = calls.current if calls else None
            if failed is None:
                failed = Call(i, era, "(session)", started, session_started=started)
                load.calls.append(failed)
            failed.ended = time.monotonic()
            failed.failure = f"{type(error).__name__}: {str(leaf(error))[:200]}"


# ------------------------------------------------------------------------ what the sandbox and replicas did
def sandbox_creates(sandbox_url: str) -> int:
    """Purchases the sandbox made, from its own request log (a create Zendesk took answers 200)."""
    log = httpx2.get(f"{sandbox_url}/__sandbox__/requests", timeout=30).json()["requests"]
    return sum(
        1
        for r in log
        if r["method"] == "POST" and r["path"].removesuffix(".json").endswith("/phone_numbers") and r["status"] == 200
    )


def owned_numbers(sandbox_url: str) -> list[str]:
    owned: list[str] = []
    url: str | None = f"{sandbox_url}/api/v2/channels/voice/phone_numbers.json"
    while url:
        page = httpx2.get(url, auth=SANDBOX_AUTH, timeout=30).json()
        owned += [n["number"] for n in page["phone_numbers"]]
        url = page.get("next_page")
    return owned


async def ledger_view(redis_url: str, account: str) -> tuple[Counter[str], int]:
    """Each number's ``purchased`` lines in the ledger's audit trail, and today's purchases the cap counts."""
    ledger = open_ledger(redis_url, account)
    try:
        trail = await ledger.audit_trail()
        counted = await ledger.active_on("purchase", utc_day())
    finally:
        await ledger.aclose()
    purchased = Counter(e["number"] for e in trail if e.get("event") == "purchase" and e.get("outcome") == "purchased")
    return purchased, counted


def state_of(replica: Replica) -> Path:
    return Path(replica.env["VOICE_TOOLS_STATE_DIR"])


def audit_lines(replicas: list[Replica]) -> list[dict[str, Any]]:
    """Every replica's audit file (fsync'd: a purchase's ``sending`` line is there before its create leaves)."""
    files = [state_of(r) / "audit.jsonl" for r in replicas]
    return [json.loads(line) for path in files if path.exists() for line in path.read_text().splitlines()]


def at_zendesk(replicas: list[Replica]) -> int:
    """Purchases whose create has left for Zendesk and whose outcome no replica has written yet."""
    lines = Counter(e["attempt"] for e in audit_lines(replicas) if e.get("event") == "purchase" and e.get("attempt"))
    return sum(1 for count in lines.values() if count == 1)


def spooled(replicas: list[Replica]) -> int:
    """Outcomes the replicas still keep on their disks for the ledger."""
    return sum(len(p.read_text().splitlines()) for r in replicas for p in state_of(r).glob("spool-*.jsonl"))


def kept_locally(replicas: list[Replica]) -> int:
    """Outcomes a replica had to keep on its disk (the ledger failed while the create was at Zendesk)."""
    return sum(1 for e in audit_lines(replicas) if e.get("kept_locally"))


# ------------------------------------------------------------------------------------------ the phases
@dataclass
class Phase:
    name: str
    back: str = "Redis answered again"
    fault_at: float = 0.0
    back_at: float = 0.0  # Redis answers again (or, restarted empty, the operator's restore is done)
    ended_at: float = float("inf")  # the next phase begins
    notes: list[str] = field(default_factory=list)

    def reads_answered(self, load: Buys) -> int:
        """Reads begun and answered while the fault lasted."""
        return sum(
            1
            for c in load.calls
            if c.tool != "buy_number" and self.fault_at <= c.started and 0 < c.ended < self.back_at and not c.failure
        )

    def figures(self, load: Buys) -> str:
        reads = [c for c in load.calls if c.tool != "buy_number" and self.fault_at <= c.started < self.back_at]
        slowest = max((c.ended - c.started for c in reads if c.ended), default=0.0)
        buys = [(c, k) for c, k in load.answers if c.started < self.ended_at and c.ended >= self.fault_at]
        refused_after = [c.started - self.back_at for c, k in buys if k in (DOWN_KIND, FORGOT_KIND)]
        bought_after = [c.ended - self.back_at for c, k in buys if k == "purchased" and c.ended >= self.back_at]
        quoted_after = [c.ended - self.back_at for c in load.quoted if c.ended >= self.back_at]
        kinds = dict(Counter(k for _, k in buys))
        return (
            f"{self.name}: {self.reads_answered(load)} of {len(reads)} reads begun during the fault answered "
            f"during it (slowest {slowest:.2f} s); buy_number answers {kinds}; after {self.back}, the "
            f"last refusal for the ledger began {max(refused_after, default=float('nan')):+.2f} s, the first "
            f"search with quotes was answered {min(quoted_after, default=float('nan')):+.2f} s and the first "
            f"purchase {min(bought_after, default=float('nan')):+.2f} s; {'; '.join(self.notes)}"
        )


async def until(condition: Callable[[], bool], seconds: float, what: str, load: Buys) -> None:
    try:
        await anyio.to_thread.run_sync(lambda: wait_for(condition, seconds, what))
    except TimeoutError as error:
        raise TimeoutError(f"{error}; buy_number answers {dict(load.kinds())}, {summary(load)}") from None


@contextmanager
def slow_sandbox(sandbox_url: str, seconds: float) -> Iterator[None]:
    httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": seconds})
    try:
        yield
    finally:
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 0.05})


def restore(replicas: list[Replica]) -> str:
    """``voice-tools ledger restore`` from every replica's audit file, run as an operator would."""
    files = [arg for r in replicas for arg in ("--audit", str(state_of(r) / "audit.jsonl"))]
    done = subprocess.run(
        [sys.executable, "-m", "voice_tools", "ledger", "restore", *files],
        env=replicas[0].env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def buyers_held(load: Buys) -> int:
    """No buyer buys until given back the tickets returned (none is inside buy_number, and none may start)."""
    with anyio.fail_after(30):
        while any(c.tool == "buy_number" and not c.ended and not c.failure for c in load.calls):  # noqa: ASYNC110
            await anyio.sleep(0.02)
    held, load.tickets = load.tickets, 0
    return held


async def settled(load: Buys, replicas: list[Replica], sandbox_url: str, bought: int) -> None:
    """Every ticket of the phase used, and nothing left on a replica's disk for the ledger."""
    await until(lambda: sandbox_creates(sandbox_url) >= bought and load.tickets == 0, 60, f"{bought} purchases", load)
    await until(lambda: spooled(replicas) == 0, 30, "every replica's spool written into the ledger", load)


async def each_bought_once(redis: ControlledRedis, account: str, sandbox_url: str, seed: set[str]) -> tuple[int, int]:
    """The numbers the sandbox sold, each ``purchased`` exactly once in the ledger's audit trail; how many,
    and what the ledger counts for today's cap (the same, once every attempt is settled: a reservation made
    and never sent holds no slot)."""
    purchased, counted = await ledger_view(redis.url, account)
    bought = [n for n in owned_numbers(sandbox_url) if n not in seed]
    assert len(bought) == sandbox_creates(sandbox_url) == len(set(bought))  # one number per create, none twice
    assert {n: purchased[n] for n in bought} == dict.fromkeys(bought, 1), purchased  # each recorded exactly once
    assert set(purchased) <= set(bought)  # nothing recorded that the sandbox did not sell
    return len(bought), counted


Fault = Callable[[], None]


async def outage(phase: Phase, load: Buys, replicas: list[Replica], sandbox_url: str, down: Fault, up: Fault) -> None:
    """PER_FAULT purchases to make; the fault comes as soon as a create is at Zendesk (a slow one), lasts
    OUTAGE_SECONDS, and ends; then every ticket is used and every replica has written what it kept."""
    bought = sandbox_creates(sandbox_url) + PER_FAULT
    with slow_sandbox(sandbox_url, 0.5):
        load.tickets += PER_FAULT
        await until(lambda: at_zendesk(replicas) > 0, 30, "a create at Zendesk", load)
        phase.fault_at = time.monotonic()
        down()
        await anyio.sleep(OUTAGE_SECONDS)
        up()
        phase.back_at = time.monotonic()
    await settled(load, replicas, sandbox_url, bought)
    phase.notes.append(f"{kept_locally(replicas)} outcome(s) kept on a replica's disk so far")


@pytest.mark.timeout(300)
async def test_the_fleet_survives_its_ledger_stopped_frozen_and_restarted_empty(tmp_path: Path) -> None:
    stopped = Phase("stopped 10 s, started from its append-only file")
    frozen = Phase("SIGSTOPped 10 s")
    empty = Phase("restarted empty, then restored", back="the restore was done and buyers let go")
    with (
        controlled_redis(appendonly=True) as redis,
        standalone_sandbox(*AMPLE_BUDGET) as sandbox_url,
        shipped_fleet(redis.url, sandbox_url, tmp_path, VOICE_TOOLS_MAX_PURCHASES_PER_DAY=str(CAP)) as (url, replicas),
    ):
        account = sandbox_url.removeprefix("http://")
        seed = set(owned_numbers(sandbox_url))
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 0.05})
        load = Buys(url, tickets=WARM)
        started = time.monotonic()
        with anyio.fail_after(280):
            async with anyio.create_task_group() as clients:
                for i in range(CLIENTS):
                    clients.start_soon(one_client, i, load)
                await warm(load, replicas)
                await settled(load, replicas, sandbox_url, WARM)

                # 1. Redis stopped for 10 s, then started again from its append-only file
                await outage(stopped, load, replicas, sandbox_url, redis.kill, redis.start)
                assert await each_bought_once(redis, account, sandbox_url, seed) == (WARM + PER_FAULT,) * 2

                # 2. Redis frozen (SIGSTOP) for 10 s
                stopped.ended_at = time.monotonic()
                await outage(frozen, load, replicas, sandbox_url, redis.freeze, redis.thaw)
                assert await each_bought_once(redis, account, sandbox_url, seed) == (WARM + 2 * PER_FAULT,) * 2

                # 3. Redis restarted empty: nothing is bought until the operator restores the day
                frozen.ended_at = empty.fault_at = time.monotonic()
                before = sandbox_creates(sandbox_url)
                redis.kill()
                redis.start(empty=True)
                load.tickets += PER_FAULT
                await until(lambda: load.kinds(empty.fault_at)[FORGOT_KIND] >= 6, 60, "buyers refused", load)
                held = await buyers_held(load)  # so the restored day is read before anyone buys again
                assert sandbox_creates(sandbox_url) == before  # the cap was not lifted: nothing bought meanwhile
                empty.notes.append(await anyio.to_thread.run_sync(restore, replicas))
                _, counted = await ledger_view(redis.url, account)
                assert counted == before  # the restored day counts every purchase made before Redis forgot
                empty.back_at = time.monotonic()
                load.tickets = held
                await until(lambda: load.kinds(empty.back_at)["refused: cap"] >= 3, 60, "the cap refusing buyers", load)
                load.stop.set()
        took = time.monotonic() - started
        logs = "".join(r.log() for r in replicas)
        bought, counted = await each_bought_once(redis, account, sandbox_url, seed)
    phases = (stopped, frozen, empty)
    figures = "\n".join(p.figures(load) for p in phases)
    failures = load.failures()
    print(f"\n{CLIENTS} clients, {load.answered()} calls answered, {len(failures)} failed, {took:.0f} s\n{figures}")
    assert failures == [], sorted({f"{c.era} {c.tool}: {c.failure}" for c in failures})[:12]
    assert "Error executing tool" not in logs
    assert all(p.reads_answered(load) >= READERS for p in phases), figures  # reads went on through each fault
    assert set(load.kinds()) <= EXPECTED, load.kinds()
    assert load.kinds()["purchased"] == bought  # every create the sandbox took was answered purchased
    assert bought == counted == CAP  # the cap held exactly: after the restore only AFTER_RESTORE more were bought
    assert kept_locally(replicas) > 0  # an outcome Zendesk gave while Redis was down was kept, then written once
