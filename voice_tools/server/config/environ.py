"""The one module of voice-tools that reads the process environment, and reads it through the table.

Everything else receives a plain mapping (``process_environment()``), so tests pass dicts and no module
can read a variable the table does not declare. ``Environment`` parses each variable with the table's
parser, naming the variable in every error; ``check_names`` refuses names the table does not know (a
misspelt ``VOICE_TOOL_READ_ONLY`` silently ignored would serve every write tool) with a did-you-mean.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from typing import Any

from voice_tools.client import ConfigurationError

from .variables import BY_NAME, Variable

PREFIX = "VOICE_TOOLS_"
NEAR_PREFIX = re.compile(r"^VOICE[_\-]?TOOLS?[_\-]?", re.IGNORECASE)  # VOICE_TOOL_, VOICETOOLS_, voice_tools_
ZENDESK_NAMES = sorted(name for name in BY_NAME if name.startswith("ZENDESK_"))


def process_environment() -> Mapping[str, str]:
    """The process's environment, as the one mapping the rest of the package reads."""
    return os.environ


def environment_without(prefix: str) -> dict[str, str]:
    """A copy of the environment without the variables that start with ``prefix`` (for a child process)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(prefix)}


def quiet_validation_links() -> None:
    """pydantic's "For further information visit https://errors.pydantic.dev/..." lines are noise to a model."""
    os.environ.setdefault("PYDANTIC_ERRORS_INCLUDE_URL", "0")


def _suggestion(name: str) -> str | None:
    """The declared name ``name`` was probably meant to be, if any."""
    candidate = NEAR_PREFIX.sub(PREFIX, name.upper()) if NEAR_PREFIX.match(name) else name.upper()
    if candidate in BY_NAME:
        return candidate
    squashed = {known.replace("_", ""): known for known in BY_NAME}
    if (found := squashed.get(candidate.replace("_", ""))) is not None:
        return found
    close = difflib.get_close_matches(candidate, list(BY_NAME), n=1, cutoff=0.8)
    return close[0] if close else None


def check_names(env: Mapping[str, str]) -> list[str]:
    """Refuse (ConfigurationError) a ``VOICE_TOOLS_*`` name the table does not declare, a near miss of one
    (``VOICE_TOOL_*``, ``VOICETOOLS_*``, any case), and a misspelt ``ZENDESK_*`` name whose correct
    spelling is not set (other ``ZENDESK_*`` names belong to other programs and pass). Returns warnings
    for retired variables, which are accepted and ignored."""
    problems: list[str] = []
    warnings: list[str] = []
    for name in sorted(env):
        if name in BY_NAME:
            if BY_NAME[name].retired and env[name].strip():
                warnings.append(f"{name} is set but {BY_NAME[name].help}")
            continue
        ours = name.startswith(PREFIX) or NEAR_PREFIX.match(name) is not None
        suggestion = _suggestion(name)
        if ours:
            hint = f"did you mean {suggestion}?" if suggestion else "it is not a voice-tools setting"
            problems.append(f"{name} is not a setting ({hint})")
        elif name.upper().startswith("ZENDESK") and suggestion in ZENDESK_NAMES and suggestion not in env:
            problems.append(f"{name} is not a setting (did you mean {suggestion}?)")
    if problems:
        raise ConfigurationError(
            "; ".join(problems) + ". Unset or rename it; `voice-tools serve --help` lists every setting"
        )
    return warnings


class Environment:
    """The settings in a mapping, each read through its declaration: ``get(name)`` is the parsed value,
    or the table's default when the variable is unset or blank."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def text(self, name: str) -> str:
        """The variable's text, stripped; empty when unset."""
        BY_NAME[name]  # a name the table does not declare is a bug here, not a user's mistake
        return self._env.get(name, "").strip()

    def is_set(self, name: str) -> bool:
        return bool(self.text(name))

    def get(self, name: str) -> Any:
        declared: Variable = BY_NAME[name]
        raw = self.text(name)
        if not raw:
            return declared.default
        try:
            return declared.parse(raw)
        except ValueError as problem:
            raise ConfigurationError(f"{name} {problem}") from None
