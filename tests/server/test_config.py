"""Configuration is declared once (voice_tools/server/config/variables.py) and refuses every mistake.

Each misconfiguration an operator can make stops start-up with exit status 2 and one line naming the
variable (or flag) and the fix, never a traceback; names the table does not declare are refused with a
did-you-mean; and everything derived from the table (``--help``, docs/configuration.md, what the code
reads) is checked against it here.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voice_tools.cli import main
from voice_tools.client import ConfigurationError
from voice_tools.server.config.http_settings import HttpSettings
from voice_tools.server.config.reference import markdown
from voice_tools.server.config.serving import ServerSettings
from voice_tools.server.config.variables import SERVED, VARIABLES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "voice_tools"
REFERENCE = ROOT / "docs" / "configuration.md"
API_TOKEN = {"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "admin@acme.com", "ZENDESK_API_TOKEN": "tok-9f8e7d6c5b4a"}
STATE = {"VOICE_TOOLS_STATE_DIR": "/var/lib/voice-tools"}


def settings(**env: str) -> ServerSettings:
    return ServerSettings.from_env({**STATE, **env})


MISTAKES = [
    ({"VOICE_TOOL_READ_ONLY": "yes"}, "VOICE_TOOL_READ_ONLY is not a setting (did you mean VOICE_TOOLS_READ_ONLY?)"),
    ({"VOICE_TOOLS_READONLY": "yes"}, "VOICE_TOOLS_READONLY is not a setting (did you mean VOICE_TOOLS_READ_ONLY?)"),
    ({"voice_tools_toolsets": "all"}, "voice_tools_toolsets is not a setting (did you mean VOICE_TOOLS_TOOLSETS?)"),
    ({"VOICETOOLS_LEDGER": "memory:"}, "VOICETOOLS_LEDGER is not a setting (did you mean VOICE_TOOLS_LEDGER?)"),
    ({"VOICE_TOOLS_FROBNICATE": "1"}, "VOICE_TOOLS_FROBNICATE is not a setting (it is not a voice-tools setting)"),
    ({**API_TOKEN, "ZENDESK_API_TOKN": "x"}, None),  # the right spelling is set too: someone else's variable
    ({"ZENDESK_SUBDOMIAN": "acme"}, "ZENDESK_SUBDOMIAN is not a setting (did you mean ZENDESK_SUBDOMAIN?)"),
    (
        {"VOICE_TOOLS_ALLOWED_COUNTRIES": "UK,US"},
        "VOICE_TOOLS_ALLOWED_COUNTRIES takes ISO 3166 codes: write GB, not UK",
    ),
    ({"VOICE_TOOLS_ALLOWED_COUNTRIES": "US,XX"}, "VOICE_TOOLS_ALLOWED_COUNTRIES takes ISO 3166 two-letter codes"),
    (
        {**API_TOKEN, "VOICE_TOOLS_ZENDESK_BASE_URL": "https://talk.example.com"},
        "ZENDESK_SUBDOMAIN and VOICE_TOOLS_ZENDESK_BASE_URL are both set",
    ),
    (
        {**API_TOKEN, "ZENDESK_OAUTH_TOKEN": "oauth-1a2b"},
        "ZENDESK_API_TOKEN and ZENDESK_OAUTH_TOKEN are both set",
    ),
    ({"VOICE_TOOLS_QUOTE_TTL": "15x"}, "VOICE_TOOLS_QUOTE_TTL must be a duration: seconds (900) or with a unit"),
    ({"VOICE_TOOLS_QUOTE_TTL": "0"}, "VOICE_TOOLS_QUOTE_TTL must be more than 0 s and at most 1d (got '0')"),
    ({"VOICE_TOOLS_MAX_MONTHLY_PRICE": "-1"}, "VOICE_TOOLS_MAX_MONTHLY_PRICE must be an amount like 10 or 10.00"),
    ({"VOICE_TOOLS_MAX_RETRIES": "11"}, "VOICE_TOOLS_MAX_RETRIES must be a whole number from 0 to 10 (got '11')"),
    ({"VOICE_TOOLS_CONFIRMATION": "ask"}, "VOICE_TOOLS_CONFIRMATION must be one of elicit_only, elicit_or_code"),
    ({"VOICE_TOOLS_READ_ONLY": "maybe"}, "VOICE_TOOLS_READ_ONLY must be yes or no (got 'maybe')"),
    ({"VOICE_TOOLS_APPS": "maybe"}, "VOICE_TOOLS_APPS must be on or off (got 'maybe')"),
    ({"VOICE_TOOLS_TOOLSETS": "numbers,sms"}, "VOICE_TOOLS_TOOLSETS names unknown toolset(s) sms"),
    ({"VOICE_TOOLS_LEDGER": "postgres://x"}, "VOICE_TOOLS_LEDGER must be sqlite:///path/to/ledger.db"),
    ({"VOICE_TOOLS_LOG_FORMAT": "xml"}, "VOICE_TOOLS_LOG_FORMAT must be one of text, json (got 'xml')"),
    (
        {"VOICE_TOOLS_CONFIRMATION": "preapproved", "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "none"},
        "VOICE_TOOLS_CONFIRMATION=preapproved buys with no person asked",
    ),
    (
        {"VOICE_TOOLS_APPROVALS": "policy", "VOICE_TOOLS_MAX_MONTHLY_PRICE": "none"},
        "the policy channel in VOICE_TOOLS_APPROVALS buys with no person asked",
    ),
    (
        {"VOICE_TOOLS_APPROVALS": "form", "VOICE_TOOLS_CONFIRMATION": "elicit_only"},
        "VOICE_TOOLS_APPROVALS and VOICE_TOOLS_CONFIRMATION are both set",
    ),
    ({"VOICE_TOOLS_APPROVALS": "form,email"}, "VOICE_TOOLS_APPROVALS must be one of form, app, url, code, policy"),
    (
        {
            "VOICE_TOOLS_CONFIRMATION": "preapproved",
            "VOICE_TOOLS_TOOLSETS": "numbers,release",
            "VOICE_TOOLS_RELEASES": "on",
        },
        "releases are on and only the policy approves, but no limit bounds them",
    ),
    (
        {"VOICE_TOOLS_CONFIRMATION": "preapproved", "VOICE_TOOLS_TOOLSETS": "all"},
        "the bulk toolset is on and only the policy approves",
    ),
]


@pytest.mark.parametrize(("env", "expected"), MISTAKES, ids=[next(iter(env)) for env, _ in MISTAKES])
def test_each_mistake_is_refused_naming_the_variable_and_the_fix(env: dict[str, str], expected: str | None) -> None:
    if expected is None:
        settings(**env)
        return
    with pytest.raises(ConfigurationError) as refused:
        settings(**env)
    assert str(refused.value).startswith(expected)


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], *args: str
) -> str:
    for name in [n for n in os.environ if n.startswith(("ZENDESK_", "VOICE_TOOLS_", "VOICE_TOOL"))]:
        monkeypatch.delenv(name)
    for name, value in {**STATE, **env}.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", *args]) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({"VOICE_TOOL_READ_ONLY": "yes"}, (), "VOICE_TOOL_READ_ONLY is not a setting (did you mean"),
        ({}, ("--http", "--port", "70000"), "--port must be a whole number from 1 to 65535 (got '70000')"),
        ({}, ("--http", "--path", "mcp"), "--path must start with / and name a path like /mcp (got 'mcp')"),
        ({}, ("--toolsets", "everything"), "--toolsets names unknown toolset(s) everything"),
        ({"VOICE_TOOLS_LOG_FORMAT": "xml"}, (), "VOICE_TOOLS_LOG_FORMAT must be one of text, json"),
        ({"VOICE_TOOLS_HTTP_TOKEN": "short"}, ("--http",), "VOICE_TOOLS_HTTP_TOKEN must be at least 24 characters"),
        ({"VOICE_TOOLS_STATE_DIR": "/sys/voice-tools-test"}, (), "VOICE_TOOLS_STATE_DIR: cannot write in /sys/"),
        ({"VOICE_TOOLS_STATE_DIR": "/sys/voice-tools-test"}, ("--http",), "VOICE_TOOLS_STATE_DIR: cannot write in"),
        ({"VOICE_TOOLS_STATE_DIR": "/etc/hostname"}, (), "VOICE_TOOLS_STATE_DIR: /etc/hostname is a file, not a dir"),
        ({"VOICE_TOOLS_AUDIT_LOG": "/etc"}, (), "VOICE_TOOLS_AUDIT_LOG: /etc is a directory; name a file"),
    ],
    ids=[
        "near-miss",
        "port",
        "path",
        "toolsets",
        "log-format",
        "http-token",
        "state-unwritable",
        "state-unwritable-http",
        "state-a-file",
        "audit-a-folder",
    ],
)
def test_the_command_stops_with_one_line_and_status_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    args: tuple[str, ...],
    expected: str,
) -> None:
    err = run_cli(monkeypatch, capsys, env, *args)
    assert err.startswith(f"voice-tools: cannot start: {expected}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "short" not in err  # a secret's text is never echoed


def test_channels_come_from_the_shorthand_or_the_list() -> None:
    assert settings(VOICE_TOOLS_CONFIRMATION="elicit_or_code").approvals == {"form", "code"}
    assert settings(VOICE_TOOLS_APPROVALS="form,url").approvals == {"form", "url"}
    bounded = settings(
        VOICE_TOOLS_CONFIRMATION="preapproved",
        VOICE_TOOLS_TOOLSETS="all",
        VOICE_TOOLS_RELEASES="on",
        VOICE_TOOLS_MAX_RELEASES_PER_DAY="2",
        VOICE_TOOLS_MAX_BULK_NUMBERS_PER_DAY="50",
    )
    assert bounded.approvals == {"policy"} and bounded.max_releases_per_day == 2
    with_a_person = settings(VOICE_TOOLS_APPROVALS="policy,form", VOICE_TOOLS_TOOLSETS="all", VOICE_TOOLS_RELEASES="on")
    assert with_a_person.max_releases_per_day is None  # a person approves releases; the policy only purchases


def test_durations_take_units_and_plain_seconds() -> None:
    assert settings(VOICE_TOOLS_QUOTE_TTL="15m").quote_ttl_seconds == 900
    assert settings(VOICE_TOOLS_QUOTE_TTL="900").quote_ttl_seconds == 900
    assert settings(VOICE_TOOLS_UNKNOWN_GIVE_UP="2h").reconciliation.give_up_after_seconds == 7200
    assert settings(VOICE_TOOLS_ZENDESK_TIMEOUT="2.5").zendesk_timeout == 2.5


def test_defaults_come_from_the_table() -> None:
    made = settings()
    assert made.policy.max_monthly_price == Decimal("25.00") and made.policy.max_purchases_per_day == 5
    assert made.quote_ttl_seconds == 900 and made.approvals == {"form"} and made.toolsets == {"numbers"}
    assert made.max_result_tokens == 8000 and made.retry.max_retries == 3


def test_a_retired_variable_is_accepted_with_a_warning() -> None:
    made = settings(VOICE_TOOLS_QUOTE_SECRET="an-old-secret-0123456789")
    assert made.warnings == (
        "VOICE_TOOLS_QUOTE_SECRET is set but no longer used (quotes live in the ledger): remove it",
    )
    assert "an-old-secret" not in repr(made)


@given(
    st.sampled_from([v for v in SERVED if not v.secret]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
)
def test_any_text_in_any_variable_is_a_value_or_a_refusal_naming_it(variable: object, text: str) -> None:
    name = variable.name  # type: ignore[attr-defined]
    env = {name: text}
    if name.startswith("ZENDESK_") or name == "VOICE_TOOLS_ZENDESK_BASE_URL":
        env = {**API_TOKEN, **env} if name != "VOICE_TOOLS_ZENDESK_BASE_URL" else {**env, **API_TOKEN}
    refusal = None
    try:
        ServerSettings.from_env({**STATE, **env})
        HttpSettings.from_env(env, host="127.0.0.1", port=8000, path="/mcp")
    except ConfigurationError as error:
        refusal = str(error)
    assert refusal is None or re.search(r"[A-Z_]{6,}|--\w+", refusal), refusal  # it names what to fix


def test_serve_help_lists_every_variable_it_reads() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voice_tools", "serve", "--help"], capture_output=True, timeout=60, check=True
    )
    text = done.stdout.decode()
    for declared in SERVED:
        assert (declared.name in text) != declared.retired, declared.name


def test_every_variable_the_code_reads_is_declared_and_every_declared_one_is_read() -> None:
    read: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "variables.py":
            continue  # the table itself
        source = path.read_text()
        read |= set(re.findall(r"\"((?:ZENDESK|VOICE_TOOLS)_[A-Z0-9_]+|XDG_STATE_HOME)\"", source))
        if "VOICE_TOOLS_OAUTH_{part}" in source:
            read |= {
                f"VOICE_TOOLS_OAUTH_{part}" for part in ("ISSUER", "INTROSPECTION_URL", "CLIENT_ID", "CLIENT_SECRET")
            }
    declared = {v.name for v in SERVED if not v.retired}
    assert read, "found no reads: the pattern is wrong"
    assert read - declared == set(), "read but not declared in voice_tools/server/config/variables.py"
    assert declared - read == set(), "declared in voice_tools/server/config/variables.py but never read"


def test_one_module_reads_the_process_environment() -> None:
    readers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                readers.add(str(path.relative_to(PACKAGE)))
    assert readers == {"server/config/environ.py"}


def test_the_configuration_reference_is_generated_from_the_table() -> None:
    """docs/configuration.md is rewritten with VOICE_TOOLS_UPDATE_SNAPSHOTS=1 after a change to the table."""
    text = REFERENCE.read_text() if REFERENCE.exists() else ""
    head, marker, _ = text.partition("<!-- generated from voice_tools/server/config/variables.py -->\n")
    generated = head + marker + markdown(VARIABLES)
    if os.environ.get("VOICE_TOOLS_UPDATE_SNAPSHOTS") == "1":
        REFERENCE.write_text(generated)
    assert marker, f"{REFERENCE} lacks its generated-section marker"
    assert text == generated, "docs/configuration.md is stale: run with VOICE_TOOLS_UPDATE_SNAPSHOTS=1"
