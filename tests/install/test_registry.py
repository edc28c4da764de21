"""server.json, the MCP Registry's description of voice-tools: generated from the table of variables,
valid against the registry's rules for it (tests/install/data: written from its published schema), and true to
the package it names."""

from __future__ import annotations

import json
import os
import tomllib

from jsonschema import Draft7Validator, FormatChecker

from tests.install.conftest import ROOT
from voice_tools.install.registry import NAME, server_json
from voice_tools.server.config.variables import BY_NAME

SERVER_JSON = ROOT / "server.json"
SCHEMA = ROOT / "tests" / "install" / "data" / "server.schema.json"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_committed_server_json_is_the_generated_one() -> None:
    generated = json.dumps(server_json(PROJECT["version"]), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("VOICE_TOOLS_UPDATE_SNAPSHOTS") == "1":
        SERVER_JSON.write_text(generated)
    assert SERVER_JSON.read_text() == generated, "server.json is stale: run with VOICE_TOOLS_UPDATE_SNAPSHOTS=1"


def test_the_rules_are_those_of_the_schema_server_json_names() -> None:
    rules = json.loads(SCHEMA.read_text())
    assert rules["properties"]["$schema"]["const"] == json.loads(SERVER_JSON.read_text())["$schema"]


def test_server_json_is_valid_against_the_registry_schema() -> None:
    validator = Draft7Validator(json.loads(SCHEMA.read_text()), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(json.loads(SERVER_JSON.read_text())), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_schema_check_is_not_a_formality() -> None:
    """The same check refuses what the registry refuses: a version range, a description over 100 characters."""
    validator = Draft7Validator(json.loads(SCHEMA.read_text()), format_checker=FormatChecker())
    body = json.loads(SERVER_JSON.read_text())
    wrong = {**body, "description": "x" * 101, "packages": [{**body["packages"][0], "version": "latest"}]}
    assert len(list(validator.iter_errors(wrong))) == 2


def test_server_json_names_this_package_and_what_it_reads() -> None:
    body = json.loads(SERVER_JSON.read_text())
    (package,) = body["packages"]
    assert body["version"] == package["version"] == PROJECT["version"]
    assert package["identifier"] == PROJECT["name"] and package["registryType"] == "pypi"
    assert "voice-tools" in PROJECT["scripts"] and package["packageArguments"] == [
        {"type": "positional", "value": "serve"}
    ]
    for variable in package["environmentVariables"]:
        assert variable["isSecret"] == BY_NAME[variable["name"]].secret, variable["name"]
        if "default" in variable:
            assert BY_NAME[variable["name"]].parse(variable["default"]) == BY_NAME[variable["name"]].default


def test_the_readme_carries_the_registry_ownership_marker() -> None:
    """The registry accepts a PyPI package for NAME only if its description (the README) says so."""
    assert f"mcp-name: {NAME}" in (ROOT / "README.md").read_text()
