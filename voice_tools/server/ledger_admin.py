"""``voice-tools ledger``: an operator's commands for a ledger that lost its memory (``guard/identity.py``).

- ``status``: the ledger's identity, the one this replica remembers, and whether purchases are refused;
- ``restore``: put back today's counts, the open attempts and the audit list from audit files (each replica's
  fsync'd ``audit.jsonl``; give several to merge a fleet's), then give the ledger a new identity naming the
  old one, which every replica adopts;
- ``accept-reset``: accept the loss (the day's cap starts again from what the ledger now holds) and write a new
  identity naming the old one.

Each reads the same configuration as ``serve`` (``VOICE_TOOLS_LEDGER``, the state directory).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from voice_tools.guard import Ledger, open_ledger
from voice_tools.guard.identity import LedgerMemory, new_identity
from voice_tools.guard.ledger import Attempt

from .app import server_parts
from .config.serving import ServerSettings

STATUSES = ("sending", "unknown", "unresolved", "purchased", "not_purchased", "released", "not_released")


def _memory(settings: ServerSettings) -> LedgerMemory:
    memory: LedgerMemory = server_parts(settings).memory
    return memory


async def status(settings: ServerSettings) -> str:
    ledger = open_ledger(settings.ledger_url, settings.account)
    try:
        stored = await ledger.identity()
    finally:
        await ledger.aclose()
    remembered = _memory(settings).remembered()
    if stored is None and remembered is not None:
        verdict = "LOST ITS MEMORY: purchases and releases are refused until `restore` or `accept-reset`"
    elif stored is not None and remembered not in (None, stored["id"], *stored.get("previous", [])):
        verdict = "NOT THE LEDGER THIS REPLICA USED: purchases and releases are refused until `accept-reset`"
    else:
        verdict = "ok"
    held = stored["id"] if stored else "none"
    return f"ledger {ledger.url}: identity {held}; this replica remembers {remembered or 'none'}: {verdict}"


def attempts_from(lines: Iterable[dict[str, Any]]) -> list[Attempt]:
    """Each attempt an audit trail records, with the last status it reached: what ``restore`` puts back."""
    found: dict[str, dict[str, Any]] = {}
    for line in lines:
        attempt_id, outcome = line.get("attempt"), line.get("outcome")
        if not attempt_id or outcome not in STATUSES or line.get("event") not in ("purchase", "release"):
            continue
        entry = found.setdefault(str(attempt_id), {"first": line})
        entry["last"] = line
    attempts = []
    for attempt_id, entry in found.items():
        first, last = entry["first"], entry["last"]
        started = datetime.fromisoformat(str(first["time"]))
        kept = ("number", "price", "quote", "confirmed_by", "address_sid", "phone_number_id", "client")
        details = {k: first[k] for k in kept if k in first}
        attempts.append(
            Attempt(
                id=attempt_id,
                kind=first["event"],
                subject=str(first.get("number") or details.get("phone_number_id") or ""),
                quote=first.get("quote"),
                day=started.strftime("%Y-%m-%d"),
                status=last["outcome"],
                started_at=started.timestamp(),
                details=details,
            )
        )
    return attempts


def read_audit(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every line of these audit files, merged in time order, each once (a fleet's files overlap in nothing,
    but the same file given twice must not double anything)."""
    seen: dict[str, dict[str, Any]] = {}
    for path in paths:
        for raw in path.read_text().splitlines():
            if raw.strip():
                line = json.loads(raw)
                seen.setdefault(json.dumps(line, sort_keys=True), line)
    return sorted(seen.values(), key=lambda line: str(line.get("time", "")))


async def _renew(ledger: Ledger, settings: ServerSettings, how: str) -> str:
    memory = _memory(settings)
    old = [i for i in (memory.remembered(),) if i]
    stored = await ledger.identity()
    if stored is not None:
        old += [stored["id"], *stored.get("previous", [])]
    record = new_identity(previous=sorted(set(old)), renewed_by=how)
    await ledger.claim_identity(record)  # kept only where none is held (a lost one)
    held = await ledger.identity()
    if held is not None:
        memory.remember(str(held["id"]))
    return str(held["id"]) if held else "none"


async def restore(settings: ServerSettings, audit_paths: list[Path]) -> str:
    lines = read_audit(audit_paths)
    attempts = attempts_from(lines)
    ledger = open_ledger(settings.ledger_url, settings.account)
    try:
        restored = await ledger.restore(attempts, lines)
        identity = await _renew(ledger, settings, "restore")
    finally:
        await ledger.aclose()
    open_now = sum(1 for a in attempts if a.status in ("sending", "unknown"))
    return (
        f"restored {restored} attempt(s) ({open_now} still open) and {len(lines)} audit line(s) from "
        f"{len(audit_paths)} file(s) into {ledger.url}; its identity is now {identity}"
    )


async def accept_reset(settings: ServerSettings) -> str:
    ledger = open_ledger(settings.ledger_url, settings.account)
    try:
        identity = await _renew(ledger, settings, "accept-reset")
    finally:
        await ledger.aclose()
    return f"accepted: {ledger.url} now has identity {identity}; today's cap counts what it holds from now on"
