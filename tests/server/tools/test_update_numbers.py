"""update_numbers (toolset bulk) through mcp.Client in both eras: "move every number in the Sales group
to Support" is one dry run and one confirmed call, with the outcomes counted and each number audited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import Answer, Era, Rig, connect, make_rig, text_of
from voice_tools.sandbox import TalkSandbox

pytestmark = pytest.mark.anyio
BULK = {"VOICE_TOOLS_TOOLSETS": "numbers,bulk"}
TO_SUPPORT = {"group": "Sales", "changes": {"group_ids": ["Support"], "default_group_id": "Support"}}
SALES, SUPPORT = 360001003, 360001001


async def planned(rig: Rig, handle: str) -> set[int]:
    """The numbers a plan pins, as the ledger keeps them."""
    record = await rig.parts.ledger.load_record(handle)
    assert record is not None
    return {t["id"] for t in record["targets"]}


async def job_items(rig: Rig, job: str) -> dict[int, dict[str, Any]]:
    return await rig.parts.ledger.job_items(job)


def in_group(rig: Rig, group_id: int) -> set[int]:
    numbers = rig.sandbox.backend.numbers.values()
    return {n["id"] for n in numbers if group_id in (n["group_ids"] or []) or n["default_group_id"] == group_id}


async def test_a_group_is_rerouted_by_name_in_one_dry_run_and_one_confirmed_call(era: Era) -> None:
    rig = make_rig(env=BULK)
    sales = in_group(rig, SALES)
    assert sales, "the seeded account has numbers in Sales"
    answer = Answer("accept", {"confirm": True})
    async with connect(rig, era, answer) as client:
        preview = (await client.call_tool("update_numbers", {**TO_SUPPORT, "dry_run": True})).structured_content
        assert answer.asked == [] and rig.transport.count("PUT") == 0  # a dry run asks nobody, changes nothing
        done = await client.call_tool("update_numbers", TO_SUPPORT)
    assert await planned(rig, preview["plan"]) == sales and preview["changing"] == len(sales)
    assert preview["groups"][0]["examples"] == ['"NY Sales" (+1 212-555-0178)']
    (asked,) = answer.asked  # one confirmation for all of them
    assert asked.message.startswith(
        'Make "Support" the default group and route calls to "Support" for 1 number: "NY Sales" (+1 212-555-0178).'
    )
    body = done.structured_content
    assert body["applied"] is True and body["outcomes"] == {"applied": len(sales)}, text_of(done)
    assert body["status"] == "done" and "failures" not in body
    assert in_group(rig, SALES) == set() and sales <= in_group(rig, SUPPORT)
    assert rig.transport.count("PUT") == len(sales)
    audited = [e for e in await rig.parts.ledger.audit_trail() if e.get("event") == "update"]
    assert sorted(e["phone_number_id"] for e in audited) == sorted(sales) and {e["outcome"] for e in audited} == {
        "applied"
    }


async def test_declined_changes_nothing(era: Era) -> None:
    rig = make_rig(env=BULK)
    async with connect(rig, era, Answer("decline")) as client:
        result = await client.call_tool("update_numbers", TO_SUPPORT)
    assert result.structured_content["applied"] is False and rig.transport.count("PUT") == 0


async def test_one_number_failing_does_not_hide_the_others(era: Era) -> None:
    sandbox = TalkSandbox()
    rig = make_rig(sandbox, env={**BULK, "VOICE_TOOLS_MAX_RETRIES": "0"})
    sales = in_group(rig, SALES) | in_group(rig, SUPPORT)
    sandbox.faults.inject("server_error", method="PUT", count=1)  # the first update fails for good
    async with connect(rig, era, Answer("accept", {"confirm": True})) as client:
        args = {"phone_number_ids": sorted(sales), "changes": {"priority": 3}}
        result = await client.call_tool("update_numbers", args)
    body = result.structured_content
    assert body["outcomes"] == {"applied": len(sales) - 1, "not_applied": 1}, text_of(result)
    (failed,) = body["failures"]
    assert failed["outcome"] == "not_applied" and "503" in failed["reason"] and "list the failures" in body["next_step"]


async def test_a_rate_limit_is_waited_out_and_is_no_failure(era: Era) -> None:
    sandbox = TalkSandbox()
    rig = make_rig(sandbox, env={**BULK, "VOICE_TOOLS_MAX_RETRIES": "0"})
    sales = in_group(rig, SALES) | in_group(rig, SUPPORT)
    sandbox.faults.inject("rate_limited", method="PUT", count=1)  # Retry-After: 1 (the client does not retry)
    async with connect(rig, era, Answer("accept", {"confirm": True})) as client:
        args = {"phone_number_ids": sorted(sales), "changes": {"priority": 3}}
        result = await client.call_tool("update_numbers", args)
    body = result.structured_content
    assert body["outcomes"] == {"applied": len(sales)} and "failures" not in body, text_of(result)
    assert rig.transport.count("PUT") == len(sales) + 1  # the refused one, sent again once after the wait
    assert not [e for e in await rig.parts.ledger.audit_trail() if e.get("outcome") == "not_applied"]


async def test_ids_must_be_in_the_account_and_a_target_is_required(era: Era) -> None:
    rig = make_rig(env=BULK)
    async with connect(rig, era, Answer("accept", {"confirm": True})) as client:
        unknown = await client.call_tool("update_numbers", {"phone_number_ids": [1, 2], "changes": {"recorded": True}})
        nothing: Any = await client.call_tool("update_numbers", {"changes": {"recorded": True}})
    assert unknown.is_error and "the account has no number 1, 2" in text_of(unknown)
    assert nothing.is_error and "it names no numbers" in text_of(nothing)
    assert rig.transport.count("PUT") == 0


class RenameDuringTheForm(Answer):
    """Says yes; while the form is open, someone renames "NY Sales" into the filter's match."""

    def __init__(self, rig: Rig) -> None:
        super().__init__("accept", {"confirm": True})
        self.rig = rig

    async def __call__(self, context: Any, params: Any) -> Any:
        backend = self.rig.sandbox.backend
        (ny,) = [n for n in backend.numbers.values() if n["nickname"] in ("NY Sales", "NY Support")]
        ny["nickname"] = "NY Support"
        return await super().__call__(context, params)


async def test_a_number_renamed_into_the_filter_after_the_form_is_not_changed(era: Era) -> None:
    """Issue 22, case 5: the form lists the five "Support" numbers; another session renames "NY Sales" to
    "NY Support" meanwhile; the change applies to exactly the numbers the person confirmed."""
    rig = make_rig(env=BULK)
    support = {n["id"] for n in rig.sandbox.backend.numbers.values() if "Support" in (n["nickname"] or "")}
    answer = RenameDuringTheForm(rig)
    async with connect(rig, era, answer) as client:
        done = await client.call_tool("update_numbers", {"text": "Support", "changes": {"priority": 7}})
    changed = {n["id"] for n in rig.sandbox.backend.numbers.values() if n.get("priority") == 7}
    (ny,) = [i for i, n in rig.sandbox.backend.numbers.items() if n["nickname"] == "NY Support"]
    confirmed = answer.asked[-1].message  # the question the person last answered yes to
    assert f"for {len(changed)} numbers" in confirmed, (confirmed, text_of(done))
    if era == "legacy" or len(answer.asked) == 1:  # asked once: exactly the five listed, never the renamed one
        assert changed == support and ny not in changed
    else:  # the 2026-07-28 retry showed the person the new plan, with six, and they said yes to it
        assert changed == support | {ny} and len(answer.asked) == 2
    assert rig.transport.count("PUT") == len(changed)


async def test_a_plan_is_applied_as_previewed_and_a_target_that_changed_is_left_alone(era: Era) -> None:
    """With codes: the dry run's plan is confirmed by a code and applied by its handle; a number whose value
    changed since the preview is skipped as changed_since_preview (audited), the rest applied; no number is
    added; the plan is applied once (calling it again answers its job's outcome)."""
    rig = make_rig(env={**BULK, "VOICE_TOOLS_CONFIRMATION": "elicit_or_code"})
    async with connect(rig, era) as client:  # no elicitation: the code path
        preview = (
            await client.call_tool("update_numbers", {"country": "US", "changes": {"recorded": False}, "dry_run": True})
        ).structured_content
        handle = preview["plan"]
        would = sorted(await planned(rig, handle))
        assert len(would) >= 2 and preview["changing"] == len(would) and rig.transport.count("PUT") == 0
        asked = (await client.call_tool("update_numbers", {"plan": handle})).structured_content
        assert asked["confirmation_code"] and asked["plan"] == handle
        moved = rig.sandbox.backend.numbers[would[0]]
        moved["recorded"] = False  # an admin changes one meanwhile: the before-value the person saw is gone
        rig.sandbox.backend.numbers[900000120996]["country_code"] = "US"  # a new match is not added
        done = await client.call_tool(
            "update_numbers", {"plan": handle, "confirmation_code": asked["confirmation_code"]}
        )
        replayed = await client.call_tool(
            "update_numbers", {"plan": handle, "confirmation_code": asked["confirmation_code"]}
        )
        unknown = await client.call_tool("update_numbers", {"plan": "pzzzzzzzzzz"})
        both = await client.call_tool("update_numbers", {"plan": handle, "country": "US"})
    body = done.structured_content
    outcomes = {i: d["state"] for i, d in (await job_items(rig, body["job"])).items()}
    assert outcomes[would[0]] == "changed_since_preview" and 900000120996 not in outcomes, text_of(done)
    assert all(outcomes[i] == "applied" for i in would[1:])
    assert body["outcomes"] == {"applied": len(would) - 1, "changed_since_preview": 1}
    assert [f["phone_number_id"] for f in body["failures"]] == [would[0]]
    assert rig.transport.count("PUT") == len(would) - 1
    again = replayed.structured_content  # applied once: the same job's outcome, nothing sent again
    assert again["job"] == body["job"] and again["outcomes"] == body["outcomes"], text_of(replayed)
    assert unknown.is_error and "there is no change plan" in text_of(unknown)
    assert both.is_error and "give plan alone" in text_of(both)
    trail = await rig.parts.ledger.audit_trail()
    assert [e["phone_number_id"] for e in trail if e.get("outcome") == "changed_since_preview"] == [would[0]]
    assert [e["plan"] for e in trail if e.get("event") == "bulk" and e.get("outcome") == "confirmed"] == [handle]


async def test_where_takes_list_numbers_settings_filters_and_reads_voicemail(era: Era) -> None:
    rig = make_rig(env=BULK)
    backend = rig.sandbox.backend
    with_voicemail = {i for i in backend.numbers if backend.settings[i].get("voicemail")}
    without = set(backend.numbers) - with_voicemail
    assert with_voicemail and without
    async with connect(rig, era) as client:
        preview = await client.call_tool(
            "update_numbers", {"where": {"voicemail": False}, "changes": {"priority": 2}, "dry_run": True}
        )
        wrong = await client.call_tool("update_numbers", {"where": {"voice_mail": True}, "changes": {"priority": 2}})
    assert await planned(rig, preview.structured_content["plan"]) == without, text_of(preview)
    assert wrong.is_error and "where takes recorded" in text_of(wrong) and rig.transport.count("PUT") == 0


async def test_the_preview_counts_what_it_warns_about_and_zendesk_decides(era: Era) -> None:
    rig = make_rig(env=BULK)
    british = [n for n in rig.sandbox.backend.numbers.values() if n["country_code"] == "GB"]
    for number in british:  # the number's own capability, not the sandbox's by-country inference
        number["capabilities"]["sms"] = False
    async with connect(rig, era) as client:
        preview = await client.call_tool(
            "update_numbers", {"country": "GB", "changes": {"sms_enabled": True}, "dry_run": True}
        )
    (warning,) = preview.structured_content["warnings"]
    assert warning["count"] == len(british) == 2 and warning["warning"].startswith(
        "sms_enabled: this number's capabilities.sms is false"
    )
    assert rig.transport.count("PUT") == 0
