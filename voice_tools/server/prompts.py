"""MCP prompts from files: one Markdown file per prompt in ``prompts/``, loaded at start-up.

A file opens with TOML front matter between ``+++`` lines (name, title, description, the tools the
prompt expects, its arguments), then the body, with ``{{argument}}`` placeholders:

    +++
    name = "explain_number"
    title = "Explain a number's setup"
    description = "..."
    tools = ["get_number"]

    [[arguments]]
    name = "number"
    description = "..."
    required = true
    kind = "number"        # optional: checked like the tools check it (country, area_code, ...)
    absent = "any"         # optional: the words in place of an optional argument not given
    +++
    Explain how {{number}} is set up ...

Any problem (no front matter, bad TOML, an unknown key or tool, a placeholder that is not an argument,
an argument the body never uses, two prompts with one name) stops start-up with ``PromptFileError``
naming the file: a prompt is never silently missing. Every prompt ends with the tools it expects and
the rule that purchases and changes need the user's explicit yes, added here so no file can forget it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.server.mcpserver.prompts.base import Message, Prompt, PromptArgument, UserMessage
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import Field

from .shared.arguments import _area_code, _contains, _country, _number_text

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
NAME = re.compile(r"^[a-z][a-z0-9_]{2,63}$")
TOOL_NAMES = frozenset({"search_numbers", "list_numbers", "get_number", "update_settings", "buy_number"})
TOP_KEYS = {"name", "title", "description", "tools", "arguments"}
ARGUMENT_KEYS = {"name", "description", "required", "kind", "absent"}
NOT_GIVEN = "not given"
RULE = (
    "Rule: buying a number and changing a number's settings need my explicit yes first. Show me what will "
    "happen (the price, or the before and after) and wait for my answer; never confirm on my behalf."
)


def _number_or_id(value: str) -> str:
    return value.strip() if value.strip().isdigit() else _number_text(value)


def _text(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value.strip()

    return check


KINDS: dict[str, Callable[[str], str]] = {
    "country": _country,
    "area_code": _area_code,
    "contains": _contains,
    "number": _number_or_id,
    "group": _text(100),
}


class PromptFileError(Exception):
    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


@dataclass(frozen=True)
class PromptArgumentSpec:
    name: str
    description: str
    required: bool
    kind: str | None
    absent: str = NOT_GIVEN  # what the body says in the placeholder's place when it is not given


@dataclass(frozen=True)
class PromptFile:
    path: Path
    name: str
    title: str
    description: str
    tools: tuple[str, ...]
    arguments: tuple[PromptArgumentSpec, ...]
    body: str

    def render(self, values: dict[str, Any]) -> str:
        """The prompt's text for these argument values; ValueError says which value is wrong and why."""
        known = {a.name: a for a in self.arguments}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"{self.name} has no argument {', '.join(unknown)}; its arguments: {', '.join(known)}")
        clean: dict[str, str] = {}
        for name, spec in known.items():
            raw = values.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if spec.required:
                    raise ValueError(f"{name} is required: {spec.description}")
                clean[name] = spec.absent
                continue
            text = str(raw)
            check = KINDS.get(spec.kind or "", _text(2000))
            try:
                clean[name] = check(text)
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        body = PLACEHOLDER.sub(lambda m: clean[m.group(1)], self.body)
        return f"{body.rstrip()}\n\nTools to use: {', '.join(self.tools)}.\n{RULE}\n"

    def to_prompt(self) -> Prompt:
        return FilePrompt(
            name=self.name,
            title=self.title,
            description=self.description,
            arguments=[
                PromptArgument(name=a.name, description=a.description, required=a.required) for a in self.arguments
            ],
            fn=self.render,
            source=self,
        )


class FilePrompt(Prompt):
    """A prompt rendered from its file. Arguments are checked here, before the SDK's own check, so a
    missing or bad value reaches the client as INVALID_PARAMS with the reason, in both protocol eras."""

    source: PromptFile = Field(exclude=True)

    async def render(self, arguments: dict[str, Any] | None, context: Any) -> list[Message]:
        try:
            text = self.source.render(dict(arguments or {}))
        except ValueError as error:
            raise MCPError(code=INVALID_PARAMS, message=f"{self.name}: {error}") from None
        return [UserMessage(text)]


def _fail(path: Path, problem: str) -> PromptFileError:
    return PromptFileError(path, problem)


def parse_prompt_file(path: Path) -> PromptFile:
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^\+\+\+[ \t]*$", text, maxsplit=2, flags=re.MULTILINE)
    if len(parts) != 3 or parts[0].strip():
        raise _fail(path, "no front matter: the file must start with a '+++' line, the TOML front matter, and '+++'")
    try:
        meta = tomllib.loads(parts[1])
    except tomllib.TOMLDecodeError as error:
        raise _fail(path, f"the front matter is not valid TOML ({error})") from None
    body = parts[2].strip()
    if unknown := set(meta) - TOP_KEYS:
        raise _fail(
            path, f"unknown front-matter key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(TOP_KEYS))}"
        )
    for key in ("name", "title", "description"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise _fail(path, f"front matter needs a non-empty string '{key}'")
    if not NAME.match(meta["name"]):
        raise _fail(path, f"name {meta['name']!r} must be snake_case letters, digits and _ (3-64 characters)")
    tools = meta.get("tools")
    if not isinstance(tools, list) or not tools or not all(isinstance(t, str) for t in tools):
        raise _fail(path, "front matter needs 'tools', the list of tools the prompt expects")
    if bad := sorted(set(tools) - TOOL_NAMES):
        raise _fail(path, f"unknown tool(s) {', '.join(bad)}; tools are {', '.join(sorted(TOOL_NAMES))}")
    arguments = _parse_arguments(path, meta.get("arguments", []))
    if not body:
        raise _fail(path, "the prompt has no body after the front matter")
    used = set(PLACEHOLDER.findall(body))
    declared = {a.name for a in arguments}
    if undeclared := sorted(used - declared):
        raise _fail(path, f"placeholder(s) {', '.join('{{' + u + '}}' for u in undeclared)} are not declared arguments")
    if unused := sorted(declared - used):
        raise _fail(path, f"argument(s) {', '.join(unused)} are declared but never used in the body")
    return PromptFile(
        path, meta["name"], meta["title"].strip(), meta["description"].strip(), tuple(tools), arguments, body
    )


def _parse_arguments(path: Path, raw: Any) -> tuple[PromptArgumentSpec, ...]:
    if not isinstance(raw, list):
        raise _fail(path, "'arguments' must be a list of [[arguments]] tables")
    specs: list[PromptArgumentSpec] = []
    for index, item in enumerate(raw, 1):
        where = f"argument {index}"
        if not isinstance(item, dict):
            raise _fail(path, f"{where} must be a table")
        if unknown := set(item) - ARGUMENT_KEYS:
            raise _fail(path, f"{where} has unknown key(s) {', '.join(sorted(unknown))}")
        name, description = item.get("name"), item.get("description")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise _fail(path, f"{where} needs a 'name' made of letters, digits and _")
        if not isinstance(description, str) or not description.strip():
            raise _fail(path, f"argument {name} needs a 'description'")
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise _fail(path, f"argument {name}: 'required' must be true or false")
        kind = item.get("kind")
        if kind is not None and kind not in KINDS:
            raise _fail(path, f"argument {name}: kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
        absent = item.get("absent", NOT_GIVEN)
        if "absent" in item and (not isinstance(absent, str) or not absent.strip() or required):
            raise _fail(path, f"argument {name}: 'absent' must be words, and only for an optional argument")
        if any(s.name == name for s in specs):
            raise _fail(path, f"argument {name} is declared twice")
        specs.append(PromptArgumentSpec(name, description.strip(), required, kind, absent.strip()))
    return tuple(specs)


def load_prompt_files(directory: Path) -> list[PromptFile]:
    """Every ``*.md`` in ``directory``, parsed and checked; PromptFileError on the first problem."""
    if not directory.is_dir():
        raise PromptFileError(directory, "the prompts folder does not exist")
    files = sorted(directory.glob("*.md"))
    loaded: list[PromptFile] = []
    for path in files:
        prompt = parse_prompt_file(path)
        if clash := next((p for p in loaded if p.name == prompt.name), None):
            raise _fail(path, f"prompt name {prompt.name!r} is already used by {clash.path.name}")
        loaded.append(prompt)
    return loaded


def default_prompts_dir() -> Path:
    """``prompts/`` beside the package in a checkout; ``voice_tools/_prompts`` in an installed wheel."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "prompts", package / "_prompts"):
        if candidate.is_dir():
            return candidate
    return package.parent / "prompts"


def argument_kinds(prompts: Iterable[PromptFile]) -> dict[tuple[str, str], str]:
    """(prompt name, argument name) -> kind, for argument completion."""
    return {(p.name, a.name): a.kind for p in prompts for a in p.arguments if a.kind}
