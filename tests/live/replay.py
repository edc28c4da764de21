"""Replaying a recorded request against the sandbox and comparing the answers value by value (the rules are
described in ``tests/sandbox/test_recorded.py``, which uses them, as does the recorder's own test)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.live.account import http_client, send
from tests.live.probes import Probe
from voice_tools.sandbox import SandboxConfig, TalkSandbox
from voice_tools.server.config.serving import SANDBOX_CONFIG


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else type(value).__name__


@dataclass(frozen=True)
class Rules:
    account: frozenset[str]  # patterns ("phone_numbers[].id") whose values are the recorded account's own
    patterns: dict[str, str]  # scrubbed values: the answer must match the regular expression
    match: dict[str, str]  # list pattern -> "id" | "any"
    partial: bool

    @classmethod
    def of(cls, fixture: dict[str, Any]) -> Rules:
        return cls(
            frozenset(fixture.get("account_values", ())),
            dict(fixture.get("patterns", {})),
            dict(fixture.get("match", {})),
            bool(fixture.get("partial", False)),
        )


def _join(pattern: str, key: str) -> str:
    return f"{pattern}.{key}" if pattern else key


def differences(recorded: Any, answered: Any, rules: Rules, path: str = "", pattern: str = "") -> list[str]:
    """Where ``answered`` departs from ``recorded`` under the recording's rules."""
    where = path or "body"
    if pattern in rules.patterns:
        if isinstance(answered, str) and re.fullmatch(rules.patterns[pattern], answered):
            return []
        return [f"{where}: {answered!r} does not match {rules.patterns[pattern]}"]
    if pattern in rules.account:
        if recorded is None or answered is None or kind(recorded) == kind(answered):
            return []
        return [f"{where}: {kind(recorded)} recorded, {kind(answered)} answered"]
    if kind(recorded) != kind(answered):
        return [f"{where}: {kind(recorded)} recorded, {kind(answered)} answered"]
    if isinstance(recorded, dict):
        found: list[str] = []
        for key, value in recorded.items():
            if key in answered:
                found += differences(value, answered[key], rules, f"{path}.{key}", _join(pattern, key))
            else:
                found.append(f"{path}.{key}: not in the sandbox's answer")
        if not rules.partial:
            found += [f"{path}.{key}: not in the recording" for key in answered if key not in recorded]
        return found
    if isinstance(recorded, list):
        return _list_differences(recorded, answered, rules, path, pattern)
    return [] if recorded == answered else [f"{where}: {recorded!r} recorded, {answered!r} answered"]


def _list_differences(recorded: list[Any], answered: list[Any], rules: Rules, path: str, pattern: str) -> list[str]:
    how, item = rules.match.get(pattern), pattern + "[]"
    if how is None:
        if len(recorded) != len(answered):
            return [f"{path or 'body'}: {len(recorded)} items recorded, {len(answered)} answered"]
        pairs = zip(recorded, answered, strict=True)
        return [d for i, (r, a) in enumerate(pairs) for d in differences(r, a, rules, f"{path}[{i}]", item)]
    found: list[str] = []
    for index, wanted in enumerate(recorded):
        if how == "id":
            same = next((a for a in answered if isinstance(a, dict) and a.get("id") == wanted.get("id")), None)
            if same is None:
                found.append(f"{path}[id={wanted.get('id')}]: not in the sandbox's answer")
            else:
                found += differences(wanted, same, rules, f"{path}[id={wanted['id']}]", item)
        elif not answered:
            return [f"{path}: empty in the sandbox's answer"]
        else:  # any: the sandbox's item it differs least from
            candidates = [differences(wanted, a, rules, f"{path}[{index}]", item) for a in answered]
            best: list[str] = min(candidates, key=len)
            found += best
    return found


async def replay(fixture: dict[str, Any], mode: str) -> tuple[int, dict[str, str], Any]:
    """The recorded request, exactly, to a fresh sandbox."""
    request = fixture["request"]
    sandbox = TalkSandbox(SandboxConfig(inferred=mode))  # type: ignore[arg-type]
    async with http_client(SANDBOX_CONFIG, sandbox.transport()) as client:
        if "raw_body" in request:
            headers = {"Content-Type": "application/json"}
            answer = await client.request(
                request["method"],
                request["path"],
                params=request["query"],
                content=request["raw_body"],
                headers=headers,
            )
        else:  # {first_id} in a path: the first number the sandbox lists, as it was the account's
            probe = Probe("replay", request["path"], request["query"], request["method"], request.get("json"))
            answer = await send(client, probe)
    body = answer.json() if "json" in answer.headers.get("content-type", "") else answer.text
    return answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, body


def request_line(fixture: dict[str, Any]) -> str:
    request = fixture["request"]
    query = "&".join(f"{k}={v}" for k, v in request["query"].items())
    return f"{request['method']} {request['path']}" + (f"?{query}" if query else "")
