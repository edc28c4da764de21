"""Answers recorded from real accounts, replayed against the sandbox and compared field by field.

Each file in ``tests/data/recorded/`` is a request and the answer a real account gave (recorded with
``python -m tests.live.record``, or converted from the public recordings in ``observed-responses.json``,
as each file's ``source`` says). The same request goes to a fresh sandbox; the answers must agree on the
status, Zendesk's error code, the headers recorded, and every field: present on both sides with the same
JSON type (null agrees with anything: an unset value). Lists are compared by their first item; objects
keyed by digits (greeting categories) by the keys both have. A recording marked ``partial`` holds one
record, so fields the sandbox adds around it are not differences.

Every difference must be listed in ``KNOWN`` with its reason, and every listed difference must still
occur: the list is the sandbox's honest account of where it departs from a real account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.live.account import http_client, send
from tests.live.probes import Probe
from voice_tools.sandbox import TalkSandbox
from voice_tools.server.config.serving import SANDBOX_CONFIG

pytestmark = pytest.mark.anyio
RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"
FIXTURES = sorted(RECORDED.glob("*.json"))
RECORDINGS = {path.stem: json.loads(path.read_text()) for path in FIXTURES}

KNOWN: dict[tuple[str, str], str] = {}


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {dict: "object", list: "array", str: "string"}.get(type(value), type(value).__name__)


def differences(recorded: Any, answered: Any, path: str, partial: bool) -> list[str]:
    """Where ``answered`` departs from ``recorded``: a field missing, added, or of another type."""
    if recorded is None or answered is None:
        return []
    if kind(recorded) != kind(answered):
        return [f"{path}: {kind(recorded)} recorded, {kind(answered)} answered"]
    if isinstance(recorded, list):
        if recorded and not answered:
            return [f"{path}: empty in the sandbox"]
        return differences(recorded[0], answered[0], f"{path}[0]", partial) if recorded and answered else []
    if not isinstance(recorded, dict):
        return []
    found: list[str] = []
    keyed_by_digits = all(k.isdigit() for k in recorded) and recorded
    for key, value in recorded.items():
        if key in answered:
            found += differences(value, answered[key], f"{path}.{key}", partial)
        elif not keyed_by_digits:
            found.append(f"{path}.{key}: not in the sandbox's answer")
    if not partial and not keyed_by_digits:
        found += [f"{path}.{key}: not in the recording" for key in answered if key not in recorded]
    return found


async def replay(fixture: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    request = fixture["request"]
    probe = Probe("replay", request["path"], request.get("query", {}), request["method"], request.get("json"))
    async with http_client(SANDBOX_CONFIG, TalkSandbox().transport()) as client:
        answer = await send(client, probe)
    body = answer.json() if "json" in answer.headers.get("content-type", "") else None
    return answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, body


@pytest.mark.parametrize("name", sorted(RECORDINGS))
async def test_the_sandbox_answers_as_the_recorded_account_did(name: str) -> None:
    fixture = RECORDINGS[name]
    status, headers, body = await replay(fixture)
    found = [] if status == fixture["status"] else [f"status: {fixture['status']} recorded, {status} answered"]
    found += [f"header {name}: missing" for name in fixture["headers"] if name not in headers]
    recorded = fixture["body"]
    if isinstance(recorded, dict) and "error" in recorded and (body or {}).get("error") != recorded["error"]:
        found.append(f"error: {recorded['error']} recorded, {(body or {}).get('error')} answered")
    found += differences(recorded, body, "", fixture.get("partial", False))
    unexplained = [f for f in found if (name, f) not in KNOWN]
    stale = [f for (known, f) in KNOWN if known == name and f not in found]
    assert not unexplained, f"{name}: differences with no reason in KNOWN: {unexplained}"
    assert not stale, f"{name}: KNOWN lists differences that no longer occur: {stale}"


def test_every_recording_names_its_source() -> None:
    assert RECORDINGS, "no recordings in tests/data/recorded"
    for name, fixture in RECORDINGS.items():
        assert fixture["source"] and fixture["request"]["path"].startswith("/api/v2/"), name


def test_the_comparison_catches_what_it_should_and_nothing_else() -> None:
    recorded = {"a": 1, "b": {"c": "x", "d": [{"e": True}]}, "greetings": {"1": "v"}, "n": None}
    assert differences(recorded, recorded, "", False) == []
    answered = {"a": "1", "b": {"d": [{"e": True, "f": 2}]}, "greetings": {"2": "w"}, "n": 5, "g": 0}
    assert differences(recorded, answered, "", False) == [
        ".a: number recorded, string answered",
        ".b.c: not in the sandbox's answer",
        ".b.d[0].f: not in the recording",
        ".g: not in the recording",
    ]
    assert differences(recorded, answered, "", True) == [
        ".a: number recorded, string answered",
        ".b.c: not in the sandbox's answer",
    ]
