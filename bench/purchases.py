"""What the guard's ledger costs a purchase: its round trips, and 8 buyers at once against raw creates.

    uv run python -m bench.purchases            # SQLite file and a real redis-server (if installed)
    uv run python -m bench.purchases --quick

A purchase's hot path is what ``buy_number`` does for a yes: the guard's ``prepare`` (quote, whether it was
used, the day's count: before anyone is asked) and ``purchase`` (reserve, the create request, settle). Its
ledger round trips are counted where they leave: each SQLite transaction (``SqliteLedger._run``) and each
packet written to Redis (a script or a pipeline is one). Both are counted through the whole tool too, in both
protocol eras (the 2026-07-28 era runs the resolver twice, once per round).

The rate of 8 concurrent buyers is measured against 8 concurrent raw create requests to the same standalone
sandbox (same Zendesk latency, same run, alternating), as a ratio of medians: at the guard (``prepare`` and
``purchase``: what the ledger costs on top of Zendesk's answer, the issue's goal), and through the tool
(``buy_number`` through ``mcp.Client`` in process with a form answered yes: that adds the protocol's cost).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from bench.common import Report, Standalone, standalone_sandbox
from bench.stats import Figure
from tests.harness import Answer
from voice_tools.client import TalkClient
from voice_tools.guard import AddressCache, AuditTrail, InFlight, PurchaseGuard, QuoteBook, SpendPolicy
from voice_tools.guard.identity import LedgerMemory
from voice_tools.guard.ledger import Ledger, open_ledger
from voice_tools.guard.ledger.sqlite import SqliteLedger
from voice_tools.guard.spool import Spool
from voice_tools.server.app import build_server
from voice_tools.server.config.serving import ServerSettings

BUYERS = 8
ZENDESK_LATENCY = 0.05  # seconds the sandbox adds to every request: a fast Zendesk answer
GOAL_ROUND_TRIPS, GOAL_RATIO = 3, 0.5
AREA_CODES = ["212", "312", "415", "512", "617", "646", "718", "917", "206", "303", "404", "305"]
YES = Answer("accept", {"confirm": True})


class RoundTrips:
    """Counts what leaves for the ledger: SQLite transactions (by the operation's inner function) and packets
    written to Redis."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        patches: list[tuple[Any, str, Any]] = []
        original_run = SqliteLedger._run

        async def run(ledger: SqliteLedger, fn: Any, **options: Any) -> Any:
            self.seen[getattr(fn, "__name__", "?")] += 1
            return await original_run(ledger, fn, **options)

        patches.append((SqliteLedger, "_run", original_run))
        SqliteLedger._run = run  # type: ignore[method-assign]
        with contextlib.suppress(ImportError):
            from redis.asyncio.connection import AbstractConnection

            original_send = AbstractConnection.send_packed_command

            async def send(connection: Any, command: Any, check_health: bool = True) -> None:
                self.seen["redis"] += 1
                await original_send(connection, command, check_health)

            patches.append((AbstractConnection, "send_packed_command", original_send))
            AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
        try:
            yield
        finally:
            for owner, name, value in patches:
                setattr(owner, name, value)

    @property
    def total(self) -> int:
        return sum(self.seen.values())

    def text(self) -> str:
        return f"{self.total} ({', '.join(f'{k} {v}' for k, v in sorted(self.seen.items()))})"


@contextlib.asynccontextmanager
async def guard_on(url: str, zendesk: Standalone, state: Path) -> AsyncIterator[PurchaseGuard]:
    """The purchase guard as the server builds it (ledger, audit file, spool, identity memory), no cap."""
    ledger: Ledger = open_ledger(url, f"bench-{time.time_ns()}")
    async with TalkClient(zendesk.client_config) as client:
        yield PurchaseGuard(
            client,
            account="bench",
            ledger=ledger,
            quotes=QuoteBook(ledger),
            policy=SpendPolicy(max_purchases_per_day=None, max_monthly_price=None),
            audit=AuditTrail(state / "audit.jsonl", "bench"),
            in_flight=InFlight(),
            addresses=AddressCache(),
            spool=Spool(state / "spool.jsonl"),
            memory=LedgerMemory(state / "identity.json"),
        )
    await ledger.aclose()


async def offers(client: TalkClient, count: int) -> list[Any]:
    """``count`` distinct US local offers that need no address (bought numbers leave the inventory)."""
    found: dict[str, Any] = {}
    for area in AREA_CODES * 4:
        if len(found) >= count:
            break
        for offer in await client.search_available("US", toll_free=False, area_code=area):
            if (offer.address_requirements or "none") == "none":
                found.setdefault(offer.number, offer)
    return list(found.values())[:count]


async def at_once(jobs: list[Callable[[int], Awaitable[Any]]], buyers: int) -> float:
    """Run the jobs ``buyers`` at a time (each told which buyer runs it); the rate in jobs a second."""
    queue = list(jobs)
    started = time.perf_counter()

    async def buyer(me: int) -> None:
        while queue:
            await queue.pop()(me)

    async with anyio.create_task_group() as group:
        for me in range(buyers):
            group.start_soon(buyer, me)
    return len(jobs) / (time.perf_counter() - started)


async def one_purchase(guard: PurchaseGuard, quote: str) -> None:
    plan = await guard.prepare(quote, None)
    outcome = await guard.purchase(plan, "form")
    assert outcome.outcome == "purchased", outcome


async def guard_level(
    url: str, zendesk: Standalone, state: Path, runs: int, per_run: int
) -> tuple[RoundTrips, Figure, Figure]:
    async with guard_on(url, zendesk, state) as guard:

        async def quotes(count: int) -> list[str]:
            return [q.handle for q in await guard.quotes.issue(await offers(guard.client, count)) if q]

        await one_purchase(guard, (await quotes(1))[0])  # the first of a server's life checks the identity in full
        counter = RoundTrips()
        (quote,) = await quotes(1)
        with counter.counting():
            await one_purchase(guard, quote)
        raw_rates, our_rates = [], []
        for _ in range(runs):
            tokens = [o.token for o in await offers(guard.client, per_run)]
            raw_rates.append(await at_once([lambda _, t=t: guard.client.create_number(t) for t in tokens], BUYERS))
            pending = await quotes(per_run)
            our_rates.append(await at_once([lambda _, q=q: one_purchase(guard, q) for q in pending], BUYERS))
    return counter, Figure.of(our_rates), Figure.of(raw_rates)


async def tool_level(
    url: str, zendesk: Standalone, state: Path, era: str, runs: int, per_run: int
) -> tuple[RoundTrips, Figure, Figure]:
    """buy_number through mcp.Client in process (a form answered yes) by 8 clients at once, vs raw creates."""
    env = {
        **zendesk.server_env,
        "VOICE_TOOLS_LEDGER": url,
        "VOICE_TOOLS_STATE_DIR": str(state),
        "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "none",
        "VOICE_TOOLS_MAX_MONTHLY_PRICE": "none",
        "VOICE_TOOLS_TOOLSETS": "numbers,addresses",
    }
    server = build_server(ServerSettings.from_env(env))
    async with TalkClient(zendesk.client_config) as raw, Client(server, mode=era, elicitation_callback=YES) as first:  # type: ignore[arg-type]

        async def quotes(count: int) -> list[str]:
            found: list[str] = []
            for area in AREA_CODES * 4:
                if len(found) >= count:
                    break
                result = await first.call_tool("search_numbers", {"country": "US", "area_code": area, "limit": 20})
                found += [o["quote"] for o in result.structured_content["numbers"] if o.get("quote")]
            return found[:count]

        async def buy(client: Any, quote: str) -> None:
            result = await client.call_tool("buy_number", {"quote": quote})
            assert not result.is_error and result.structured_content["status"] == "purchased", result

        await buy(first, (await quotes(1))[0])
        counter = RoundTrips()
        (quote,) = await quotes(1)
        with counter.counting():
            await buy(first, quote)
        raw_rates, our_rates = [], []
        for _ in range(runs):
            tokens = [o.token for o in await offers(raw, per_run)]
            raw_rates.append(await at_once([lambda _, t=t: raw.create_number(t) for t in tokens], BUYERS))
            pending = await quotes(per_run)
            async with contextlib.AsyncExitStack() as stack:
                clients = [
                    await stack.enter_async_context(Client(server, mode=era, elicitation_callback=YES))  # type: ignore[arg-type]
                    for _ in range(BUYERS)
                ]
                for client in clients:  # an in-process client runs its own lifespan: its Zendesk client is new
                    await client.call_tool("list_addresses", {})
                our_rates.append(
                    await at_once([lambda me, q=q, among=clients: buy(among[me], q) for q in pending], BUYERS)
                )
    return counter, Figure.of(our_rates), Figure.of(raw_rates)


def verdict(trips: int) -> str:
    return f"target <= {GOAL_ROUND_TRIPS}: {'met' if trips <= GOAL_ROUND_TRIPS else 'MISSED'}"


async def bench_purchases(report: Report, runs: int, per_run: int) -> None:
    print(f"purchases: ledger round trips, and {BUYERS} buyers at once vs raw creates", flush=True)
    from tests.redis_server import redis_server, redis_server_binary

    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        backends = {"sqlite": f"sqlite:///{folder}/ledger.db"}
        if redis_server_binary():
            backends["redis"] = stack.enter_context(redis_server())
        zendesk = stack.enter_context(standalone_sandbox("--latency", str(ZENDESK_LATENCY)))
        latency = f"Zendesk latency {ZENDESK_LATENCY * 1000:.0f} ms"
        for name, url in backends.items():
            counter, ours, raw = await guard_level(url, zendesk, Path(folder) / name, runs, per_run)
            ratio = ours.median / raw.median
            report.add(
                f"purchase_round_trips_{name}",
                f"ledger round trips of one purchase, guard ({name})",
                counter.text(),
                "",
                verdict(counter.total),
                round_trips=counter.total,
                by_operation=dict(counter.seen),
            )
            report.add(
                f"purchase_concurrency_{name}",
                f"{BUYERS} buyers at once, guard ({name}), purchases/s, {latency}",
                ours.text("/s", 1),
                f"raw creates {raw.text('/s', 1)}",
                f"{ratio:.2f}x; target >= {GOAL_RATIO}: {'met' if ratio >= GOAL_RATIO else 'MISSED'}",
                ours=ours.as_json(),
                raw=raw.as_json(),
                ratio=ratio,
            )
            for era in ("legacy", "auto"):
                state = Path(folder) / f"{name}-{era}"
                counter, ours, raw = await tool_level(url, zendesk, state, era, runs, per_run)
                ratio = ours.median / raw.median
                report.add(
                    f"purchase_tool_{name}_{era}",
                    f"{BUYERS} buyers at once, buy_number via mcp.Client in process ({name}, {era}), {latency}",
                    ours.text("/s", 1),
                    f"raw creates {raw.text('/s', 1)}",
                    f"{ratio:.2f}x; ledger round trips per call {counter.text()}: {verdict(counter.total)}",
                    ours=ours.as_json(),
                    raw=raw.as_json(),
                    ratio=ratio,
                    round_trips=counter.total,
                    by_operation=dict(counter.seen),
                )


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.purchases", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    args = parser.parse_args(argv)
    report = Report()
    anyio.run(bench_purchases, report, 2 if args.quick else 5, 24 if args.quick else 64)
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
