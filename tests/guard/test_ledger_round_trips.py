"""A purchase's ledger work is three round trips, none repeated (issue 24), and nothing it guards is lost.

- The hot path, as buy_number runs it in both protocol eras on SQLite and on a real Redis: one look (the quote,
  whether it was used, the day's count) before anyone is asked, one reservation (which also checks the ledger's
  identity), one settlement. The 2026-07-28 era's second round, which carries the person's answer, reuses the
  look instead of reading the ledger again. One more write is not the purchase's but the listing's: the number
  bought retires every replica's snapshot of the account (``shared/directory.py``), so the next list_numbers
  anywhere shows it; it is named here so that nothing else joins it unnoticed.
- The identity check moved into the reservation is stronger, not weaker: a ledger wiped while a server runs is
  refused at the very next purchase (it used to be looked at every 10 s), and an operator's accept-reset is
  adopted without a restart.
- The audit file's lines are written by group commit off the event loop: every line once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.harness import ERAS, Answer, Era, Rig, connect, make_rig, text_of
from tests.server.tools.test_buy_number import YES, offers
from voice_tools.guard import AuditTrail
from voice_tools.guard.identity import new_identity
from voice_tools.guard.ledger import Ledger, open_ledger

pytestmark = pytest.mark.anyio
BACKGROUND = {
    "open_attempts",
    "unresolved_attempts",
    "paused_until",
    "pause_until",
    "claimable_jobs",
}  # reconciler, pause board, job scan


class Counted:
    """The rig's ledger with every call it receives written down (the backends make each one round trip)."""

    def __init__(self, rig: Rig) -> None:
        self.calls: list[str] = []
        self.timed = rig.parts.ledger
        self.inner: Ledger = self.timed._inner  # type: ignore[attr-defined]
        counted = self

        class Spy:
            def __getattr__(self, name: str) -> Any:
                attribute = getattr(counted.inner, name)
                if not callable(attribute) or name.startswith("_"):
                    return attribute

                async def call(*args: Any, **kwargs: Any) -> Any:
                    if name not in BACKGROUND:
                        counted.calls.append(name)
                    return await attribute(*args, **kwargs)

                return call

        self.timed._inner = Spy()  # type: ignore[attr-defined]


@pytest.mark.parametrize("era", ERAS)
async def test_a_purchase_reads_once_reserves_once_and_settles_once(era: Era, ledger_url: str) -> None:
    rig = make_rig(env={"VOICE_TOOLS_LEDGER": ledger_url})
    quotes = [o["quote"] for o in await offers(rig, era, limit=2)]
    spy = Counted(rig)
    async with connect(rig, era, Answer("accept", YES)) as client:
        first = await client.call_tool("buy_number", {"quote": quotes[0]})
        first_calls, spy.calls[:] = list(spy.calls), []
        second = await client.call_tool("buy_number", {"quote": quotes[1]})
    assert first.structured_content["status"] == second.structured_content["status"] == "purchased"
    # the first reservation of a server's life checks the identity in full (it knows none yet)
    retire_snapshots = "save_record"  # the listing's, not the purchase's: the account changed
    assert first_calls == ["look_quote", "identity", "claim_identity", "reserve", retire_snapshots, "settle"]
    assert spy.calls == ["look_quote", "reserve", retire_snapshots, "settle"]  # the purchase's 3, none repeated


async def test_a_ledger_wiped_under_a_running_server_is_refused_at_the_next_purchase(tmp_path: Path) -> None:
    rig = make_rig(env={"VOICE_TOOLS_LEDGER": f"sqlite:///{tmp_path / 'ledger.db'}"})
    quotes = [o["quote"] for o in await offers(rig, "legacy", limit=3)]
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}", rig.parts.ledger.account)
    async with connect(rig, "legacy", Answer("accept", YES)) as client:
        assert (await client.call_tool("buy_number", {"quote": quotes[0]})).structured_content["status"] == (
            "purchased"
        )
        await _wipe_identity(tmp_path / "ledger.db")  # the ledger forgot who it was: its counts are not trusted
        refused = await client.call_tool("buy_number", {"quote": quotes[1]})
        assert refused.is_error and "lost its memory" in text_of(refused), text_of(refused)
        assert rig.transport.count("POST") == 1
        old = rig.parts.memory.remembered()
        await ledger.claim_identity(new_identity(previous=[old or ""]))  # what accept-reset writes
        after = await client.call_tool("buy_number", {"quote": quotes[2]})
    await ledger.aclose()
    assert after.structured_content["status"] == "purchased", text_of(after)  # adopted, no restart needed
    assert rig.transport.count("POST") == 2
    trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("outcome") in ("sending", "purchased")]
    assert len(trail) == 4


async def _wipe_identity(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM identity")


async def test_reserve_with_another_identity_records_nothing_and_settle_checks_what_it_is_told(
    ledger_url: str,
) -> None:
    ledger = open_ledger(ledger_url, "round-trips")
    held = await ledger.claim_identity(new_identity())
    audit = {"event": "purchase", "outcome": "sending"}
    refused = await ledger.reserve("purchase", "+1555", "qa", "d", 5, {}, audit, identity="Lnot-this-one")
    batch = await ledger.reserve_batch("purchase", [], "d", 5, identity="Lnot-this-one")
    assert (refused.attempt, refused.refusal, batch.refusal) == (None, "identity", "identity")
    assert await ledger.audit_trail() == [] and await ledger.active_on("purchase", "d") == 0
    made = await ledger.reserve("purchase", "+1555", "qa", "d", 5, {}, audit, identity=held["id"])
    assert made.attempt is not None
    look = await ledger.look_quote("qa", "purchase", "d")
    assert (look.contents, look.holder, look.active_today) == (None, made.attempt, 1)
    wrong = type(made.attempt)(**{**made.attempt.__dict__, "subject": "+1999"})  # a caller's stale copy
    settled = await ledger.settle(made.attempt.id, "purchased", {"outcome": "purchased"}, known=wrong)
    assert settled is not None and settled.subject == "+1555"  # read afresh: the right keys, settled once
    assert await ledger.settle(made.attempt.id, "purchased", {"outcome": "x"}, known=made.attempt) is None
    assert [line["outcome"] for line in await ledger.audit_trail()] == ["sending", "purchased"]
    assert await ledger.open_attempts("purchase") == []
    await ledger.aclose()


async def test_audit_lines_written_at_once_land_once_each_with_fewer_fsyncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    trail = AuditTrail(tmp_path / "audit.jsonl", "acct")
    done: list[int] = []

    async def one(i: int) -> None:
        await trail.amirror(trail.entry("update", n=i))
        done.append(i)

    async with anyio.create_task_group() as group:
        for i in range(64):
            group.start_soon(one, i)
    lines = [json.loads(line)["n"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert sorted(lines) == list(range(64)) and len(done) == 64
    assert 1 <= len(synced) < 64  # lines queued together share one fsync
