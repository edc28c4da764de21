"""Prompts from prompts/, resources and argument completion, through mcp.Client in both eras."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import PromptReference, ResourceTemplateReference

from tests.harness import ERAS, Answer, Era, connect, make_rig, settings
from voice_tools.models import PhoneNumberUpdate, SettingsUpdate
from voice_tools.server.app import build_server
from voice_tools.server.prompts import RULE, PromptFileError, default_prompts_dir, load_prompt_files

pytestmark = pytest.mark.anyio
PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
VALID = {
    "provision_support_line": {"country": "ie", "vanity": "HELP", "group": "Billing", "nickname": "Dublin line"},
    "audit_numbers": {"policy": "record every call, keep recordings 1 year, SMS off"},
    "reroute_number": {"number": "(415) 555-0134", "target": "Billing"},
    "explain_number": {"number": "900000120986"},
}


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


async def test_every_prompt_renders_with_its_arguments_tools_and_the_rule(era: Era) -> None:
    async with connect(make_rig(), era) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert set(prompts) == set(VALID) and len(list(PROMPTS_DIR.glob("*.md"))) == len(VALID)
        for name, args in VALID.items():
            prompt = prompts[name]
            assert prompt.title and prompt.description
            declared = {a.name for a in prompt.arguments or []}
            assert set(args) <= declared
            result = await client.get_prompt(name, args)
            (message,) = result.messages
            text = message.content.text  # type: ignore[union-attr]
            assert message.role == "user" and "{{" not in text
            assert text.rstrip().endswith(RULE) and "Tools to use: " in text
            for value in args.values():
                assert value.strip().upper() in text.upper()
    provision = await _get(era, "provision_support_line", VALID["provision_support_line"])
    assert "Country: IE" in provision and "Area code: any" in provision
    assert "search_numbers, buy_number, update_settings" in provision
    audit = await _get(era, "audit_numbers", VALID["audit_numbers"])
    assert "Scope: numbers in every country." in audit and "not given" not in audit
    assert "Scope: numbers in GB." in await _get(era, "audit_numbers", {**VALID["audit_numbers"], "country": "gb"})


async def _get(era: Era, name: str, args: dict[str, str]) -> str:
    async with connect(make_rig(), era) as client:
        result = await client.get_prompt(name, args)
    return result.messages[0].content.text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "args", "reason"),
    [
        ("provision_support_line", {"country": "XX", "group": "Billing"}, "not an ISO 3166"),
        ("provision_support_line", {"country": "US", "group": "Billing", "area_code": "1"}, "area code"),
        ("provision_support_line", {"country": "US", "group": "Billing", "vanity": "HE LP"}, "cannot be searched"),
        ("provision_support_line", {"group": "Billing"}, "country"),
        ("reroute_number", {"number": "call me", "target": "Billing"}, "not a phone number"),
        ("explain_number", {"number": "1", "colour": "red"}, "has no argument colour"),
    ],
)
async def test_invalid_prompt_arguments_are_refused_with_the_reason(
    era: Era, name: str, args: dict[str, str], reason: str
) -> None:
    async with connect(make_rig(), era) as client:
        with pytest.raises(MCPError, match=reason):
            await client.get_prompt(name, args)


MALFORMED = {
    "no front matter": ("Just a body {{x}}", "no front matter"),
    "bad toml": ("+++\nname = \n+++\nBody", "not valid TOML"),
    "unknown key": (
        '+++\nname="ab_c"\ntitle="t"\ndescription="d"\ntools=["get_number"]\ncolour="red"\n+++\nBody',
        "unknown front-matter key",
    ),
    "unknown tool": (
        '+++\nname="ab_c"\ntitle="t"\ndescription="d"\ntools=["delete_everything"]\n+++\nBody',
        "unknown tool",
    ),
    "undeclared placeholder": (
        '+++\nname="ab_c"\ntitle="t"\ndescription="d"\ntools=["get_number"]\n+++\nUse {{nope}}',
        "not declared",
    ),
    "unused argument": (
        '+++\nname="ab_c"\ntitle="t"\ndescription="d"\ntools=["get_number"]\n[[arguments]]\nname="x"\ndescription="x"\n+++\nBody',
        "never used",
    ),
    "bad kind": (
        '+++\nname="ab_c"\ntitle="t"\ndescription="d"\ntools=["get_number"]\n[[arguments]]\nname="x"\ndescription="x"\nkind="colour"\n+++\n{{x}}',
        "kind 'colour'",
    ),
    "no body": ('+++\nname="ab_c"\ntitle="t"\ndescription="d"\ntools=["get_number"]\n+++\n', "no body"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_prompt_file_stops_start_up_naming_file_and_problem(tmp_path: Path, case: str) -> None:
    content, problem = MALFORMED[case]
    for good in PROMPTS_DIR.glob("*.md"):
        (tmp_path / good.name).write_text(good.read_text())
    (tmp_path / "broken.md").write_text(content)
    with pytest.raises(PromptFileError, match=problem) as raised:
        build_server(settings(), prompts_dir=tmp_path)
    assert raised.value.path.name == "broken.md"


def test_two_prompts_with_one_name_stop_start_up(tmp_path: Path) -> None:
    source = (PROMPTS_DIR / "explain_number.md").read_text()
    (tmp_path / "a.md").write_text(source)
    (tmp_path / "b.md").write_text(source)
    with pytest.raises(PromptFileError, match=r"already used by a\.md"):
        load_prompt_files(tmp_path)


def test_the_command_refuses_to_start_with_a_malformed_prompt(tmp_path: Path) -> None:
    (tmp_path / "broken.md").write_text(MALFORMED["unknown tool"][0])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZENDESK_")} | {
        "VOICE_TOOLS_PROMPTS_DIR": str(tmp_path)
    }
    done = subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve"], capture_output=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 2
    assert (
        b"cannot start: prompt file" in done.stderr and b"broken.md" in done.stderr and b"unknown tool" in done.stderr
    )


def test_the_packaged_prompts_folder_is_the_projects() -> None:
    assert default_prompts_dir() == PROMPTS_DIR


# ---------------------------------------------------------------- resources
async def test_resources_list_and_read(era: Era) -> None:
    async with connect(make_rig(), era) as client:
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        numbers = (await client.read_resource("zendesk-talk://phone-numbers")).contents[0]
        one = (await client.read_resource("zendesk-talk://phone-numbers/900000120986")).contents[0]
        policy = (await client.read_resource("zendesk-talk://policy")).contents[0]
    assert set(listed) == {"zendesk-talk://phone-numbers", "zendesk-talk://policy", "zendesk-talk://routing-guide"}
    assert templates == ["zendesk-talk://phone-numbers/{id}"]
    for content in (numbers, one, policy):
        assert content.mime_type == "application/json"
    listing = json.loads(numbers.text)  # type: ignore[union-attr]
    assert listing["total"] == 12 and set(listing["numbers"][0]) <= {"id", "number", "name", "toll_free"}
    record = json.loads(one.text)  # type: ignore[union-attr]
    assert record["id"] == 900000120986 and record["settings"]["call_recording_delete_after"] == "6.months"
    rules = json.loads(policy.text)  # type: ignore[union-attr]
    assert rules["max_monthly_price"] == "25.00" and rules["approvals"] == ["form"] and rules["currency"] == "USD"
    assert rules["purchases_today"] == 0 and rules["read_only"] is False


async def test_the_policy_resource_shows_the_rules_in_force(era: Era) -> None:
    rig = make_rig(env={"VOICE_TOOLS_ALLOWED_COUNTRIES": "US,CA", "VOICE_TOOLS_ALLOW_TOLL_FREE": "no"})
    async with connect(rig, era) as client:
        rules = json.loads((await client.read_resource("zendesk-talk://policy")).contents[0].text)  # type: ignore[union-attr]
    assert rules["allowed_countries"] == ["CA", "US"] and rules["allow_toll_free"] is False


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("zendesk-talk://phone-numbers/1", "no phone number 1"),
        ("zendesk-talk://phone-numbers/abc", "not a phone number id"),
    ],
)
async def test_unknown_number_resources_say_so(era: Era, uri: str, reason: str) -> None:
    async with connect(make_rig(), era) as client:
        with pytest.raises(MCPError, match=reason):
            await client.read_resource(uri)


# --------------------------------------------------------------- completion
async def test_argument_completion(era: Era) -> None:
    async with connect(make_rig(), era) as client:
        countries = await client.complete(
            PromptReference(name="provision_support_line"), {"name": "country", "value": "i"}
        )
        groups = await client.complete(PromptReference(name="reroute_number"), {"name": "target", "value": "s"})
        numbers = await client.complete(
            PromptReference(name="explain_number"), {"name": "number", "value": "90000012098"}
        )
        ids = await client.complete(
            ResourceTemplateReference(uri="zendesk-talk://phone-numbers/{id}"), {"name": "id", "value": ""}
        )
        free_text = await client.complete(PromptReference(name="audit_numbers"), {"name": "policy", "value": "rec"})
        group_ids = await client.complete(
            PromptReference(name="provision_support_line"), {"name": "group", "value": "36000100"}
        )
    assert countries.completion.values == ["ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT"]
    assert groups.completion.values == ["Sales", "Support"]
    assert "900000120986" in numbers.completion.values
    assert len(ids.completion.values) == 12
    assert free_text.completion.values == []
    assert "360001002" in group_ids.completion.values and len(group_ids.completion.values) == 6


async def test_numbers_complete_by_their_digits_however_they_are_typed(era: Era) -> None:
    async with connect(make_rig(), era) as client:
        found = {}
        for typed in ("+14", "+1 4", "1 (4", "+1-4"):
            done = await client.complete(PromptReference(name="explain_number"), {"name": "number", "value": typed})
            found[typed] = [v for v in done.completion.values if v.startswith("+")]
        words = await client.complete(PromptReference(name="explain_number"), {"name": "number", "value": "Dub"})
    assert found["+14"] and all(v == found["+14"] for v in found.values())
    assert "+18885550142" in found["+1 4"]  # the digits anywhere in the number, as "+14" always found it
    assert words.completion.values == []


async def test_completion_reads_the_account_once_a_minute_not_per_keystroke() -> None:
    rig = make_rig()
    async with connect(rig, "legacy") as client:
        for typed in ("", "9", "90", "900", "9000"):
            await client.complete(PromptReference(name="explain_number"), {"name": "number", "value": typed})
        for typed in ("B", "Bi", "Bil"):
            await client.complete(PromptReference(name="reroute_number"), {"name": "target", "value": typed})
    assert rig.transport.count("GET") == 2  # one listing and one group look-up for all eight keystrokes


async def test_the_routing_guide_is_a_resource_naming_only_real_fields(era: Era) -> None:
    async with connect(make_rig(), era) as client:
        guide = (await client.read_resource("zendesk-talk://routing-guide")).contents[0]
        overflow = await client.call_tool(
            "update_settings",
            {
                "phone_number_id": 900000120986,
                "settings": {
                    "voicemail": True,
                    "maximum_queue_size": 0,
                    "overflow_number": {"enabled": True, "number": "+441632960001"},
                },
                "dry_run": True,
            },
        )
    text = guide.text  # type: ignore[union-attr]
    assert guide.mime_type == "text/markdown" and "Voicemail only" in text and "After hours" in text
    attributes = set(re.findall(r"`changes\.(\w+)", text))
    settings_named = set(re.findall(r"`settings\.(\w+)", text))
    assert attributes and attributes <= set(PhoneNumberUpdate.model_fields)
    assert settings_named and settings_named <= set(SettingsUpdate.model_fields)
    assert not overflow.is_error  # the guide's own examples are accepted as written


async def test_the_instructions_point_at_the_routing_guide() -> None:
    async with Client(make_rig().server, mode="legacy") as client:
        instructions = client.instructions
    assert instructions and "zendesk-talk://routing-guide" in instructions


async def test_provision_support_line_works_as_written_with_the_group_s_name() -> None:
    """The steps as the prompt words them: search, buy, then one dry run naming the group, with no lookup of
    its id (a name, or its id as text, is what the prompt passes)."""
    rig = make_rig()
    async with connect(rig, "legacy", Answer("accept", {"confirm": True})) as client:
        offer = (await client.call_tool("search_numbers", {"country": "US"})).structured_content["numbers"][0]
        bought = (await client.call_tool("buy_number", {"quote": offer["quote"]})).structured_content
        assert bought["status"] == "purchased", bought
        for group in ("Billing", "360001002"):
            preview = await client.call_tool(
                "update_settings",
                {
                    "phone_number_id": bought["phone_number_id"],
                    "changes": {"group_ids": [group], "default_group_id": group, "recorded": True},
                    "dry_run": True,
                },
            )
            changed = {c["field"]: c["after"] for c in preview.structured_content["changes"]}
            assert changed["group_ids"] == [360001002] and changed["default_group_id"] == 360001002, changed
    own = f"/api/v2/channels/voice/phone_numbers/{bought['phone_number_id']}"
    sent = [(r.method, r.url.path) for r in rig.transport.sent]
    assert [s for s in sent if s[1] != own] == [  # the number's own reads name its groups: no other lookup
        ("GET", "/api/v2/channels/voice/phone_numbers/search"),
        ("POST", "/api/v2/channels/voice/phone_numbers"),
    ], sent


async def test_the_ivr_explain_number_reads_names_its_menus_and_routes() -> None:
    async with connect(make_rig(), "legacy") as client:
        ivr_number = (await client.call_tool("list_numbers", {"where": {"ivr": True}})).structured_content
        number_id = ivr_number["numbers"][0]["id"]
        got = await client.call_tool(
            "get_number",
            {"phone_number_id": number_id, "include": ["settings", "all_groups", "ivrs", "all_schedules"]},
        )
    ivrs = got.structured_content["related"]["ivrs"]
    menus = [m for ivr in ivrs for m in ivr["menus"]]
    assert menus and all(m["name"] for m in menus)
    routes = [r for m in menus for r in m["routes"]]
    assert routes and all(r["keypress"] and r["option_text"] and r["action"] for r in routes)
