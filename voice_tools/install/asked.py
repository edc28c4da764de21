"""The settings an installer asks a person for (the MCP Bundle's form, the MCP Registry's entry),
each read off the server's own table of variables: its help, whether it is secret, its default.

Only the title and whether a real account needs it are written here; everything else comes from
``server/config/variables.py``, and the tests regenerate ``manifest.json`` and ``server.json`` from
this module and fail when the committed files differ, so a form can never offer what the server no
longer reads, or keep a secret in plain view.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from voice_tools.server.config.values import Choice, Count, Flag, Price, Text
from voice_tools.server.config.variables import BY_NAME, Variable

Kind = Literal["string", "number", "boolean"]


@dataclass(frozen=True)
class Asked:
    variable: Variable
    key: str  # the bundle's user_config key
    title: str
    required: bool  # a real account cannot work without it

    @property
    def name(self) -> str:
        return self.variable.name

    @property
    def secret(self) -> bool:
        return self.variable.secret

    @property
    def kind(self) -> Kind:
        parse = self.variable.parse
        if isinstance(parse, Flag):
            return "boolean"
        if isinstance(parse, Price | Count):
            return "number"
        return "string"

    def description(self) -> str:
        """The variable's help as a sentence, with what it takes where the type does not say it."""
        v = self.variable
        text = v.help[0].upper() + v.help[1:]
        if isinstance(v.parse, Text):
            details = [f"e.g. {v.example}"] if v.example and v.example not in v.help else []
        else:
            details = [] if isinstance(v.parse, Flag | Price | Count) else [v.parse.describe()]
        if v.default is None and v.default_text and not self.required:
            details.append(f"empty: {v.default_text}")
        return text + (f" ({'; '.join(details)})" if details else "") + "."

    def default(self) -> str | int | float | bool | None:
        """The default as the form shows it; None where a real account has no default."""
        value = self.variable.default
        if isinstance(value, bool):
            return value
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, int):
            return value
        if isinstance(value, frozenset):
            return ",".join(sorted(value))
        if isinstance(value, str):
            return value
        return None if self.required else ""

    def choices(self) -> list[str]:
        parse = self.variable.parse
        return list(parse.options) if isinstance(parse, Choice) else []

    def minimum(self) -> int | None:
        parse = self.variable.parse
        if isinstance(parse, Count):
            return parse.minimum
        return 0 if isinstance(parse, Price) else None

    def maximum(self) -> int | None:
        parse = self.variable.parse
        return parse.maximum if isinstance(parse, Count) else None


_ASKED = (
    ("ZENDESK_SUBDOMAIN", "zendesk_subdomain", "Zendesk subdomain", True),
    ("ZENDESK_EMAIL", "zendesk_email", "Agent's email", True),
    ("ZENDESK_API_TOKEN", "zendesk_api_token", "Zendesk API token", True),
    ("VOICE_TOOLS_CONFIRMATION", "confirmation", "Who approves purchases", False),
    ("VOICE_TOOLS_MAX_MONTHLY_PRICE", "max_monthly_price", "Most one number may cost a month", False),
    ("VOICE_TOOLS_MAX_PURCHASES_PER_DAY", "max_purchases_per_day", "Purchases a day", False),
    ("VOICE_TOOLS_ALLOWED_COUNTRIES", "allowed_countries", "Countries numbers may be bought in", False),
    ("VOICE_TOOLS_ALLOW_TOLL_FREE", "allow_toll_free", "Toll-free numbers may be bought", False),
    ("VOICE_TOOLS_READ_ONLY", "read_only", "Read-only", False),
    ("VOICE_TOOLS_TOOLSETS", "toolsets", "Toolsets", False),
)
ASKED: tuple[Asked, ...] = tuple(Asked(BY_NAME[name], key, title, req) for name, key, title, req in _ASKED)
