"""What the model reads when something fails: what went wrong, whether retrying helps, what to do next.
Never the bare "Error executing tool X"."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.harness import ERAS, Era, connect, make_rig, text_of
from voice_tools.client import RateLimitError
from voice_tools.models import as_records
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


async def failure(era: Era, tool: str, args: dict[str, Any], sandbox: TalkSandbox | None = None) -> tuple[str, Any]:
    rig = make_rig(sandbox)
    async with connect(rig, era) as client:
        result = await client.call_tool(tool, args)
    assert result.is_error
    text = text_of(result)
    assert not re.fullmatch(r"Error executing tool \w+", text.strip()), "bare error reached the model"
    return text, rig


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("search_numbers", {"country": "USA"}, "not an ISO 3166 alpha-2 country code"),
        ("search_numbers", {"country": "uk"}, "use GB for the United Kingdom"),
        ("search_numbers", {"country": "GB", "area_code": "415"}, "area_code works only for US and CA"),
        ("search_numbers", {"country": "US", "area_code": "12"}, "not a North American area code"),
        ("search_numbers", {"country": "US", "contains": "HE LP"}, "cannot be searched"),
        ("search_numbers", {"country": "US", "limit": 500}, "less than or equal to 20"),
        ("get_number", {"number": "call me"}, "is not a phone number"),
        ("list_numbers", {"capability": "fax"}, "'voice', 'sms' or 'mms'"),
        ("buy_number", {"quote": "x", "address_sid": "nope"}, "is not an address_sid"),
    ],
)
async def test_validation_errors_say_what_to_fix_and_send_nothing(
    era: Era, tool: str, args: dict[str, Any], expected: str
) -> None:
    text, rig = await failure(era, tool, args)
    assert expected in text
    assert rig.transport.sent == []  # nothing reached Zendesk


async def test_update_validation_names_read_only_fields_and_allowed_values(era: Era) -> None:
    text, rig = await failure(
        era,
        "update_settings",
        {
            "phone_number_id": 900000120986,
            "changes": {"number": "+1555", "toll_free": True, "colour": "red"},
            "settings": {"call_recording_delete_after": "5.days", "voicemail": "maybe"},
        },
    )
    assert text.startswith(
        "update_settings was not run, its arguments are invalid: changes.number is read-only; "
        "changes.toll_free is read-only; changes.colour is not a writable field; "
        "settings.call_recording_delete_after is '5.days' but must be 'never', '1.days', "
    )
    assert "'1.years' or '2.years'; settings.voicemail is 'maybe' but must be a valid boolean. " in text
    assert "Retry: yes, once they are fixed. Next: call update_settings again with changes and settings fixed; " in text
    assert "writable changes: brand_id, " in text and "writable settings" not in text  # only where a name was wrong
    assert rig.transport.sent == []


EXACT = [
    (
        "search_numbers",
        {"country": "UK", "limit": 500},
        "search_numbers was not run, its arguments are invalid: country: use GB for the United Kingdom (ISO 3166 "
        "has no UK); limit is 500 but must be less than or equal to 20. Retry: yes, once they are fixed. "
        "Next: call search_numbers again with country and limit fixed.",
    ),
    (
        "list_numbers",
        {"view": "fat", "countries": ["US"]},
        "list_numbers was not run, its arguments are invalid: countries is not an argument of list_numbers (it takes "
        "country, toll_free, capability, group, text, where, view, limit, cursor); view is 'fat' but must be "
        "'compact', 'settings' or 'full'. Retry: yes, once they are fixed. Next: call list_numbers again with "
        "countries and view fixed.",
    ),
    (
        "get_number",
        {},
        "get_number was not run, its arguments are invalid: it takes exactly one of phone_number_id and number, and "
        "was given neither. Retry: yes, once they are fixed. Next: call get_number again with phone_number_id or "
        "number fixed.",
    ),
    (
        "update_settings",
        {"phone_number_id": "abc", "changes": {"nickname": "x"}},
        "update_settings was not run, its arguments are invalid: phone_number_id is 'abc' but must be a valid "
        "integer. Retry: yes, once they are fixed. Next: call update_settings again with phone_number_id fixed.",
    ),
    (
        "buy_number",
        {},
        "buy_number was not run, its arguments are invalid: quote is required (The quote from search_numbers, "
        "unchanged). Retry: yes, once they are fixed. Next: call buy_number again with quote fixed.",
    ),
]


@pytest.mark.parametrize(("tool", "args", "expected"), EXACT, ids=[e[0] for e in EXACT])
async def test_an_argument_error_of_each_tool_reads_exactly_so(
    era: Era, tool: str, args: dict[str, Any], expected: str
) -> None:
    text, rig = await failure(era, tool, args)
    assert text == expected
    assert rig.transport.sent == []


async def test_not_found(era: Era) -> None:
    text, _ = await failure(era, "get_number", {"phone_number_id": 12345})
    assert text.endswith(
        'Zendesk has no phone number 12345 (Zendesk answered 404 RecordNotFound: "Not found"). Retry: no. '
        "Next: call list_numbers to find the right phone_number_id."
    )


async def test_rate_limited_says_after_how_long() -> None:
    sandbox = TalkSandbox()
    sandbox.faults.retry_after = 90  # beyond the client's 30 s cap: handed to the model instead of waited
    sandbox.faults.inject("rate_limited")
    text, _ = await failure("legacy", "list_numbers", {}, sandbox)
    assert "rate limit" in text and "Retry: yes, after 90 s" in text and "wait 90 s" in text


async def test_a_listing_the_budget_cannot_carry_stops_before_meeting_the_rate_limit(era: Era) -> None:
    """30 pages under a budget of 10 requests an hour: after the first page shows what is left, the listing
    sends nothing it cannot finish (client/pacing.py), and the model gets one message with the wait."""
    sandbox = TalkSandbox(SandboxConfig(numbers=3000, rate_limit=10, rate_window=3600))
    text, rig = await failure(era, "list_numbers", {}, sandbox)
    assert text.startswith("This server stopped before the list of numbers would use up Zendesk's rate limit")
    assert "would not carry the 29 pages left" in text and text.endswith(
        "Retry: yes, after 60 s. Next: wait 60 s, then call again."
    )
    assert rig.transport.count("GET") == 1 and all(r.status != 429 for r in sandbox.backend.requests)


async def test_an_unknown_group_id_is_a_warning_in_the_preview_never_a_refusal(era: Era) -> None:
    """An id the side-loaded groups lack is the preview's warning: the side-loads' shape is inferred, so the
    server refuses nothing on it (registry: references-warn), whatever the sandbox does with it."""
    args = {"phone_number_id": 900000120986, "changes": {"group_ids": [12345]}, "dry_run": True}
    rig = make_rig()
    async with connect(rig, era) as client:
        result = await client.call_tool("update_settings", args)
    assert not result.is_error and rig.transport.count("PUT") == 0
    assert result.structured_content["warnings"] == [
        "group_ids: no group with id 12345 is among those Zendesk listed (the account's groups: Billing 360001002, "
        "EMEA Support 360001006, Sales 360001003, Support 360001001, Tier 2 360001004, VIP 360001005); Zendesk "
        "will likely refuse it"
    ]
    assert "warnings" in result.structured_content["next_step"]


@pytest.mark.inferred("update-reference-422")
async def test_an_unknown_group_id_is_sent_and_zendesks_refusal_reaches_the_model_in_its_words(era: Era) -> None:
    args = {"phone_number_id": 900000120986, "changes": {"group_ids": [12345]}}
    text, rig = await failure(era, "update_settings", args)
    assert rig.transport.count("PUT") == 1
    assert text == (
        "Zendesk refused the update of phone number 900000120986 (Zendesk answered 422 RecordInvalid: "
        '"Record validation errors"; group_ids: InvalidValue "no group with id 12345"). Retry: no, not as it is. '
        "Next: fix those fields and call again. Warned before sending: group_ids: no group with id 12345 is among "
        "those Zendesk listed (the account's groups: Billing 360001002, EMEA Support 360001006, Sales 360001003, "
        "Support 360001001, Tier 2 360001004, VIP 360001005); Zendesk will likely refuse it."
    )


async def test_a_dry_run_warns_about_schedules_greetings_sms_and_toll_free_outbound(era: Era) -> None:
    args = {
        "phone_number_id": 900000120993,  # London: cannot send SMS
        "changes": {"sms_enabled": True, "schedule_id": 7, "greeting_ids": [8]},
        "settings": {"outbound_calls_group_ids": [360001002, 9]},
        "dry_run": True,
    }

    def no_sms(path: str, body: dict[str, Any]) -> dict[str, Any]:  # a fact of the account, whatever the sandbox
        if path.endswith(f"/{args['phone_number_id']}"):
            body["phone_number"]["capabilities"]["sms"] = False
        return body

    rig = make_rig(rewrite=no_sms)
    async with connect(rig, era) as client:
        result = await client.call_tool("update_settings", args)
        freephone = await client.call_tool(  # a UK toll-free number: Zendesk's help says it cannot call out
            "update_settings",
            {"phone_number_id": 900000120994, "settings": {"callback_from_queue": True}, "dry_run": True},
        )
    warnings = "\n".join(result.structured_content["warnings"])
    for problem in (
        "sms_enabled: this number's capabilities.sms is false, so it may not send SMS; Zendesk decides",
        "schedule_id: no schedule with id 7 is among those Zendesk listed (the account's schedules: ",
        "greeting_ids: no greeting with id 8 is among those Zendesk listed (the account's greetings: ",
        "settings.outbound_calls_group_ids: no group with id 9 is among those Zendesk listed (the account's groups: ",
    ):
        assert problem in warnings
    assert freephone.structured_content["warnings"] == [
        "settings.callback_from_queue: Zendesk's help centre says toll-free numbers outside the US, Canada and "
        "Japan cannot "
        "make outbound calls, which callbacks, overflow and forwarding need "
        "(support.zendesk.com/hc/en-us/articles/4408835827866)"
    ]
    assert rig.transport.count("PUT") == 0


@pytest.mark.inferred("update-reference-422")
async def test_without_side_loads_nothing_is_refused_here_and_zendesks_422_decides(era: Era) -> None:
    """Where an answer carries no side-loaded groups (their shape is inferred), the update is sent and
    Zendesk's own refusal reaches the model: never a false refusal from a missing list."""

    def without_groups(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k != "groups"}

    rig = make_rig(rewrite=without_groups)
    args = {"phone_number_id": 900000120986, "changes": {"group_ids": [12345]}}
    async with connect(rig, era) as client:
        result = await client.call_tool("update_settings", args)
    assert result.is_error and rig.transport.count("PUT") == 1
    assert text_of(result) == (
        "Zendesk refused the update of phone number 900000120986 (Zendesk answered 422 RecordInvalid: "
        '"Record validation errors"; group_ids: InvalidValue "no group with id 12345"). '
        "Retry: no, not as it is. Next: fix those fields and call again."
    )


async def test_zendesk_unavailable_on_a_read() -> None:
    sandbox = TalkSandbox()
    sandbox.faults.outage = True
    text, _ = await failure("legacy", "search_numbers", {"country": "US"}, sandbox)
    assert "Zendesk is unavailable" in text and "Retry: yes, in a minute or two" in text


async def test_zendesk_unavailable_during_an_update_says_to_check_first() -> None:
    sandbox = TalkSandbox()
    sandbox.faults.inject("server_error", count=10, method="PUT")
    text, _ = await failure(
        "legacy", "update_settings", {"phone_number_id": 900000120986, "changes": {"nickname": "Z"}}, sandbox
    )
    assert "Zendesk is unavailable" in text and "Retry: only after checking" in text and "get_number" in text


async def test_trial_account_and_refused_credentials() -> None:
    trial = TalkSandbox()
    trial.config.trial = True
    text, _ = await failure("legacy", "search_numbers", {"country": "US"}, trial)
    assert "Trial" in text and "Retry: no" in text
    locked = TalkSandbox()
    locked.config.api_token = "rotated"
    text, _ = await failure("legacy", "list_numbers", {}, locked)
    assert "refused this server's credentials (Zendesk answered 401" in text and "ZENDESK_API_TOKEN" in text


async def test_any_tool_whose_concurrent_work_fails_as_a_group_still_gets_zendesks_message(era: Era) -> None:
    """The server's own net under every tool, not only list_numbers: a group holding a Zendesk error is
    that error's message; a group of crashes stays the SDK's bare crash text."""
    rig = make_rig()

    async def concurrent_reads() -> str:
        limited = RateLimitError("429", method="GET", path="/x", status_code=429, retry_after=120)
        raise ExceptionGroup("reads", [ExceptionGroup("page 3", [limited]), ValueError("sibling")])

    async def crashes() -> str:
        raise ExceptionGroup("reads", [ValueError("bug")])

    rig.server.add_tool(concurrent_reads)
    rig.server.add_tool(crashes)
    async with connect(rig, era) as client:
        limited = await client.call_tool("concurrent_reads", {})
        crashed = await client.call_tool("crashes", {})
    assert text_of(limited) == (
        "Zendesk's rate limit for this account is used up (Zendesk answered 429). Retry: yes, after 120 s. "
        "Next: wait 120 s, then call again."
    )
    assert text_of(crashed) == "Error executing tool crashes"


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda groups: {str(g["id"]): g["name"] for g in groups}, id="map of id to name"),
        pytest.param(lambda groups: {str(g["id"]): {"name": g["name"]} for g in groups}, id="map of id to record"),
        pytest.param(lambda groups: [g["id"] for g in groups], id="bare ids"),
    ],
)
async def test_a_side_load_in_another_shape_still_reaches_the_model(era: Era, shape: Any) -> None:
    """The side-load shape is inferred (a list of ``{id, name}``); a real account answering a map keyed by
    id, bare ids, or a side-load under a name this version does not know, still has its data shown."""

    def reshaped(path: str, body: dict[str, Any]) -> dict[str, Any]:
        if "groups" not in body:
            return body
        groups = as_records(body["groups"])  # whichever shape this sandbox side-loads in
        return {**body, "groups": shape(groups), "all_brands": [{"id": 1, "name": "Acme"}]}

    args = {"phone_number_id": 900000120986, "include": ["all_groups"]}
    async with connect(make_rig(), era) as client:
        expected = (await client.call_tool("get_number", args)).structured_content["related"]["groups"]
    async with connect(make_rig(rewrite=reshaped), era) as client:
        result = await client.call_tool("get_number", args)
    assert not result.is_error, text_of(result)
    related = result.structured_content["related"]
    assert len(expected) >= 2 and sorted(str(g["id"]) for g in related["groups"]) == sorted(
        str(g["id"]) for g in expected
    )
    assert related["all_brands"] == [{"id": 1, "name": "Acme"}]
