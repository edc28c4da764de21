"""Answers captured from real accounts, each replayed against the sandbox with the request it answered.

Each file in ``tests/data/recorded/`` names its source (the repository, commit and path it was copied from,
or the account and date ``python -m tests.live.record`` recorded it on, and what in it) and says what it is:
``kind: answer``, an HTTP answer (its status and body, and headers where they were kept), or ``kind:
records``, the items of an answer's list as a connector emitted them (not an HTTP answer: no status or
envelope). The file's ``request`` is the exact request that was answered; it alone is replayed, to a fresh
sandbox, and the answers are compared value by value:

- every recorded field must be in the sandbox's answer with the same value, except the recorded account's
  own values (``account_values``: its ids, names, numbers, which of its numbers use what), which are
  compared by type (null agrees with anything there), and scrubbed values with a ``pattern`` (a carrier
  id's shape), which the answer must match;
- lists are compared item by item, unless ``match`` says how to find each recorded item among the sandbox's
  (``id``: the item with the same id; ``any``: the item it differs least from), since an account's list of
  numbers or IVRs is its own;
- fields only the sandbox has are differences too, unless the recording is ``partial`` (records that predate
  fields Zendesk added since).

Every difference must be listed in ``KNOWN`` with its reason, and every listed difference must still occur:
the list is the sandbox's honest account of where it departs from a real account. The replay runs against
a sandbox enforcing its inferences and one with them off (``--accept-inferred``): the off sides are meant
as other answers the documents allow, so they must not contradict a capture either.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.live.replay import Rules, differences, replay, request_line

pytestmark = pytest.mark.anyio
RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"
RECORDINGS = {path.stem: json.loads(path.read_text()) for path in sorted(RECORDED.glob("*.json"))}
COMPARED_HEADERS = ("content-type", "x-zendesk-api-version", "x-rate-limit")  # by value; others by presence

KNOWN: dict[tuple[str, str], str] = {}


CASES = [(name, mode) for name in RECORDINGS for mode in ("enforce", "accept")]


@pytest.mark.parametrize(("name", "mode"), CASES, ids=[f"{n}: {request_line(RECORDINGS[n])} ({m})" for n, m in CASES])
async def test_the_sandbox_answers_the_recorded_request_as_the_real_account_did(name: str, mode: str) -> None:
    fixture = RECORDINGS[name]
    status, headers, body = await replay(fixture, mode)
    found = []
    if fixture["status"] is not None and status != fixture["status"]:
        found.append(f"status: {fixture['status']} recorded, {status} answered")
    for header, value in fixture["headers"].items():
        if header not in headers:
            found.append(f"header {header}: missing")
        elif header in COMPARED_HEADERS and headers[header].lower() != value.lower():
            found.append(f"header {header}: {value!r} recorded, {headers[header]!r} answered")
    if fixture["body"] is not None:
        found += differences(fixture["body"], body, Rules.of(fixture))
    unexplained = [f for f in found if (name, f) not in KNOWN]
    stale = [f for (known, f) in KNOWN if known == name and f not in found]
    assert not unexplained, f"{name} ({request_line(fixture)}): differences with no reason in KNOWN: {unexplained}"
    assert not stale, f"{name}: KNOWN lists differences that no longer occur: {stale}"


def test_every_recording_names_its_source_its_request_and_what_it_is() -> None:
    assert RECORDINGS, "no recordings in tests/data/recorded"
    for name, fixture in RECORDINGS.items():
        source = fixture["source"]
        assert source.get("what"), name
        assert {"repository", "commit", "path"} <= set(source) or {"account", "recorded_on"} <= set(source), name
        if "commit" in source:
            assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), name
        request = fixture["request"]
        assert request["method"] in ("GET", "POST", "PUT", "DELETE") and request["path"].startswith("/api/v2/"), name
        assert fixture["kind"] in ("answer", "records") and fixture["kind_note"], name
        if fixture["kind"] == "records":  # not an HTTP answer: no status, only the list's items
            assert fixture["status"] is None and list(fixture["body"]) == list(fixture["match"])[:1], name
        else:
            assert isinstance(fixture["status"], int), name
        rules = Rules.of(fixture)
        assert all(p in rules.account for p in rules.patterns), f"{name}: a pattern for a value that is compared"


def test_the_comparison_compares_values_and_catches_what_it_should() -> None:
    rules = Rules(frozenset({"n", "items[].id"}), {"ref": "^AD[0-9a-f]{4}$"}, {"items": "any"}, partial=False)
    recorded = {"a": 1, "b": {"c": "x"}, "items": [{"id": 1, "v": "yes"}], "n": None, "ref": "<ref>"}
    assert differences(recorded, {**recorded, "ref": "AD12ab"}, rules) == []
    answered = {
        "a": 2,
        "b": {"c": "y", "d": 0},
        "items": [{"id": 7, "v": "no"}, {"id": 8, "v": "yes"}],
        "n": 5,
        "ref": "XX",
        "g": 0,
    }
    assert differences(recorded, answered, rules) == [
        ".a: 1 recorded, 2 answered",
        ".b.c: 'x' recorded, 'y' answered",
        ".b.d: not in the recording",
        ".ref: 'XX' does not match ^AD[0-9a-f]{4}$",
        ".g: not in the recording",
    ]
    assert differences({"a": True}, {"a": 1}, rules) == [".a: boolean recorded, number answered"]
    by_id = Rules(frozenset(), {}, {"items": "id"}, partial=True)
    assert differences({"items": [{"id": "x", "v": 1}]}, {"items": [{"id": "x", "v": 2, "w": 3}]}, by_id) == [
        ".items[id=x].v: 1 recorded, 2 answered"
    ]
    plain = Rules(frozenset(), {}, {}, partial=True)
    assert differences({"items": [1, 2]}, {"items": [1]}, plain) == [".items: 2 items recorded, 1 answered"]
