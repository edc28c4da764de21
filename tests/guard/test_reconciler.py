"""The reconciler beside busy callers and other replicas, on both ledger backends, through mcp.Client in both eras.

The reconciler settles purchases and releases whose answer was lost, and its count becomes the operator's
warning "settled N purchase(s) or release(s) whose answer had been lost". So it counts only what it settled
itself: not an attempt its own caller settled while the reconciler was reading (that answer was not lost, and
looking it up walked the whole account for nothing), nor one another replica's reconciler settled first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.lowlevel
import pytest

from tests.guard.test_concurrency import all_at_once
from tests.harness import Answer, Era, RecordingTransport, Rig, connect, make_rig, text_of
from tests.harness import settings as make_settings
from tests.server.tools.test_buy_number import YES, buy, offers, owned
from voice_tools.server import state
from voice_tools.server.app import server_parts
from voice_tools.server.state import AppState, open_state

pytestmark = pytest.mark.anyio
CALLS = 8
RELEASES = {"VOICE_TOOLS_TOOLSETS": "numbers,release", "VOICE_TOOLS_RELEASES": "on"}
US_SUPPORT = 900000120986  # +14155550134, "US Support", in the sandbox's account
LOST = {"VOICE_TOOLS_ZENDESK_TIMEOUT": "0.3", "VOICE_TOOLS_RECONCILE_WINDOW": "0.2"}  # an answer lost, soon


@pytest.fixture(params=["legacy", "auto"])
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def passes_run_by_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs its replicas' reconciler passes itself: their lifespans' own first pass (a second after
    start) stays out of the way however slow the machine."""
    monkeypatch.setattr(state, "FIRST_PASS_AFTER_SECONDS", 3600.0)


@asynccontextmanager
async def replica(rig: Rig, env: dict[str, str]) -> AsyncIterator[tuple[AppState, RecordingTransport]]:
    """Another replica of the server on the same ledger and Zendesk account, as its lifespan builds it (its
    periodic reconciler included), and what it sent to Zendesk."""
    made = make_settings(env)
    parts = server_parts(made)
    transport = RecordingTransport(rig.sandbox.transport())
    try:
        async with open_state(made, transport, parts) as app:
            yield app, transport
    finally:
        await parts.ledger.aclose()


async def test_purchases_settled_while_another_replica_reconciles_are_not_lost_answers(
    era: Era, ledger_url: str
) -> None:
    """Eight buyers at once on one replica while another replica's reconciler passes run back to back (a replica
    starting, or its minute coming, in the middle of the traffic): every purchase is answered ``purchased`` and
    audited once, and the reconciler settles nothing, counts nothing and looks nothing up."""
    env = {"VOICE_TOOLS_LEDGER": ledger_url, "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": str(CALLS)}
    rig = make_rig(env=env)
    quotes = [o["quote"] for o in await offers(rig, era, limit=CALLS)]
    rig.sandbox.faults.latency = 0.02  # the purchases overlap each other and the passes
    passes: list[int] = []
    async with replica(rig, env) as (other, sent):
        buying = True

        async def reconcile_meanwhile() -> None:
            while buying:
                passes.append(await other.guard.reconcile())
                await anyio.lowlevel.checkpoint()

        async with anyio.create_task_group() as group:
            group.start_soon(reconcile_meanwhile)
            buyers = [lambda q=q: buy(rig, era, {"quote": q}, Answer("accept", YES)) for q in quotes]
            results = await all_at_once(buyers)
            buying = False
    statuses = [(r.structured_content or {}).get("status") for r in results]
    assert statuses == ["purchased"] * CALLS, [text_of(r) for r in results]
    assert len(passes) > CALLS, f"only {len(passes)} reconciler passes ran while the purchases did"
    assert sum(passes) == 0, f"the reconciler counted answers as lost: {passes}"
    assert [r.url.path for r in sent.sent] == [], "the reconciler looked up purchases whose answer came"
    settled = [e for e in await rig.parts.ledger.audit_trail() if e.get("attempt") and e["outcome"] != "sending"]
    assert sorted(e["outcome"] for e in settled) == ["purchased"] * CALLS
    assert len({e["attempt"] for e in settled}) == CALLS  # each attempt settled once


async def test_a_lost_purchase_answer_reconciled_by_two_replicas_at_once_is_settled_and_counted_once(
    era: Era, ledger_url: str
) -> None:
    env = {"VOICE_TOOLS_LEDGER": ledger_url, **LOST}
    rig = make_rig(env=env)
    (offer,) = await offers(rig, era, limit=1)
    rig.sandbox.faults.hang_seconds, rig.sandbox.faults.late_commit_seconds = 0.5, 1.0  # committed after the window
    rig.sandbox.faults.inject("commit_late", method="POST")
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert result.structured_content["status"] == "unknown"
    with anyio.fail_after(5):
        while offer["number"] not in owned(rig):  # noqa: ASYNC110 - the sandbox is polled
            await anyio.sleep(0.05)
    rig.sandbox.faults.latency = 0.05  # each look-up takes a while: both replicas read before either settles
    async with replica(rig, env) as (one, _), replica(rig, env) as (two, _):
        counts = await all_at_once([one.guard.reconcile, two.guard.reconcile])
    assert sorted(counts) == [0, 1], f"one lost answer counted {sum(counts)} times"
    trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("event") == "purchase" and e.get("attempt")]
    assert [e["outcome"] for e in trail] == ["sending", "unknown", "purchased"]
    assert owned(rig).count(offer["number"]) == 1 and rig.transport.count("POST") == 1


async def test_a_lost_release_answer_reconciled_by_two_replicas_at_once_is_settled_and_counted_once(
    era: Era, ledger_url: str
) -> None:
    env = {"VOICE_TOOLS_LEDGER": ledger_url, **LOST, **RELEASES}
    rig = make_rig(env=env)
    rig.sandbox.faults.hang_seconds, rig.sandbox.faults.late_commit_seconds = 0.5, 1.0
    rig.sandbox.faults.inject("commit_late", method="DELETE")
    async with connect(rig, era, Answer("accept", YES)) as client:
        result = await client.call_tool("release_number", {"phone_number_id": US_SUPPORT})
    assert result.structured_content["status"] == "unknown"
    with anyio.fail_after(5):
        while US_SUPPORT in rig.sandbox.backend.numbers:  # noqa: ASYNC110 - the sandbox is polled
            await anyio.sleep(0.05)
    rig.sandbox.faults.latency = 0.05
    async with replica(rig, env) as (one, _), replica(rig, env) as (two, _):
        counts = await all_at_once([one.releases.reconcile, two.releases.reconcile])
    assert sorted(counts) == [0, 1], f"one lost answer counted {sum(counts)} times"
    trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("event") == "release" and e.get("attempt")]
    assert [e["outcome"] for e in trail] == ["sending", "unknown", "released"]
    assert rig.transport.count("DELETE") == 1
