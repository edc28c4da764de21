"""Bounds for every write (issue 22, case 4): the operator's policy approves purchases within the spend
policy, and releases or bulk changes only within limits the operator set for them; without those limits a
person is asked (or, with no channel for a person, start-up refuses: tests/server/test_config.py)."""

from __future__ import annotations

import pytest

from tests.harness import ERAS, Answer, Era, connect, make_rig, text_of

pytestmark = pytest.mark.anyio
POLICY = {"VOICE_TOOLS_CONFIRMATION": "preapproved", "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "2"}
RELEASES = {"VOICE_TOOLS_TOOLSETS": "numbers,release", "VOICE_TOOLS_RELEASES": "on"}


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


async def test_the_policy_releases_no_more_than_the_operators_daily_limit(era: Era) -> None:
    rig = make_rig(env={**POLICY, **RELEASES, "VOICE_TOOLS_MAX_RELEASES_PER_DAY": "2"})
    ids = sorted(rig.sandbox.backend.numbers)
    async with connect(rig, era) as client:  # nobody is asked: no form, no code
        results = [await client.call_tool("release_number", {"phone_number_id": i}) for i in ids[:4]]
    assert [r.structured_content["status"] for r in results[:2]] == ["released", "released"]
    assert all(r.is_error and "at most 2 release(s) a day without a person" in text_of(r) for r in results[2:])
    assert rig.transport.count("DELETE") == 2 and len(rig.sandbox.backend.numbers) == len(ids) - 2
    sent = [
        e for e in await rig.parts.ledger.audit_trail() if e.get("event") == "release" and e.get("outcome") == "sending"
    ]
    assert [e["confirmed_by"] for e in sent] == ["policy", "policy"]


async def test_without_a_release_limit_the_policy_releases_nothing_and_a_person_is_asked(era: Era) -> None:
    rig = make_rig(env={**RELEASES, "VOICE_TOOLS_APPROVALS": "policy,form", "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "2"})
    person = Answer("decline")
    async with connect(rig, era, person) as client:
        result = await client.call_tool("release_number", {"phone_number_id": 900000120996})
    assert result.structured_content["status"] == "not_released" and len(person.asked) == 1
    assert rig.transport.count("DELETE") == 0


async def test_the_policy_changes_no_more_numbers_a_day_than_the_operators_bulk_limit(era: Era) -> None:
    env = {**POLICY, "VOICE_TOOLS_TOOLSETS": "numbers,bulk", "VOICE_TOOLS_MAX_BULK_NUMBERS_PER_DAY": "3"}
    rig = make_rig(env=env)
    async with connect(rig, era) as client:
        everything = await client.call_tool("update_numbers", {"text": "+", "changes": {"priority": 4}})
        two = await client.call_tool("update_numbers", {"country": "CA", "changes": {"priority": 4}})
        more = await client.call_tool("update_numbers", {"country": "GB", "changes": {"priority": 4}})
    assert everything.is_error and "at most 3 numbers a day without a person" in text_of(everything)
    assert two.structured_content["applied"] is True and rig.transport.count("PUT") == 2
    assert more.is_error and "1 left today, and this plan changes 2" in text_of(more)
    assert rig.transport.count("PUT") == 2
    refused = [e for e in await rig.parts.ledger.audit_trail() if e.get("rule") == "max_bulk_numbers_per_day"]
    assert len(refused) == 2
