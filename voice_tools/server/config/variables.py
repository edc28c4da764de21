"""Every setting the server reads, declared once: name, group, what it accepts, its default, its help.

Everything else is derived from this table: reading and checking the environment (``environ.py``,
``serving.py``, ``http_settings.py``), ``serve --help``, the configuration reference in the docs, the MCP
Bundle's user configuration and the deployment files' checks (tests compare each with the table, so none
can drift from it). A name the table does not know, or a near miss of one, stops start-up with a
did-you-mean instead of being silently ignored.

Kept free of third-party imports: ``serve --help`` renders the table without loading the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .values import Choice, Count, Countries, Custom, Flag, Items, Parser, Price, Seconds, Text, duration_text

Group = Literal["account", "purchases", "state", "zendesk", "tools", "logging", "http", "development"]
GROUP_TITLES: dict[Group, str] = {
    "account": "The Zendesk account (none of these: the built-in sandbox)",
    "purchases": "Purchases, releases and who approves them",
    "state": "The ledger and the audit trail",
    "zendesk": "Talking to Zendesk",
    "tools": "What the model sees",
    "logging": "Logs",
    "http": "serve --http only",
    "development": "Read by the test suite only (the server accepts and ignores them)",
}

# Named sets of tools (--toolsets, VOICE_TOOLS_TOOLSETS): the default keeps the tool list a model pays for
# on every turn small; the others are chosen by an operator who wants them.
DEFAULT_TOOLSET = "numbers"
TOOLSETS: dict[str, str] = {
    "numbers": "search_numbers, list_numbers, get_number, update_settings, buy_number (the default)",
    "release": "release_number: give a number back (needs VOICE_TOOLS_RELEASES=on)",
    "addresses": "list_addresses, create_address: the addresses regulated numbers need",
    "bulk": "update_numbers and buy_numbers: several numbers changed or bought on one confirmation",
}
CONFIRMATION_MODES = ("elicit_only", "elicit_or_code", "preapproved")
# The ways a yes can reach the guard (see docs/approvals.md): a form the client shows, the number picker's
# click, a page this server serves (URL elicitation), a single-use code, or the operator's own policy.
CHANNELS = ("form", "app", "url", "code", "policy")
SHORTHANDS = {"elicit_only": ("form",), "elicit_or_code": ("form", "code"), "preapproved": ("policy",)}
LOG_FORMATS = ("text", "json")
MIN_HTTP_TOKEN = 24
MIN_REQUEST_STATE_KEY = 32


def parse_toolsets(raw: str) -> frozenset[str]:
    """``numbers,release`` → those sets; ``all`` → every set; empty → the default (``numbers``)."""
    names = {n.strip().lower() for n in raw.replace(" ", ",").split(",") if n.strip()}
    if not names:
        return frozenset({DEFAULT_TOOLSET})
    if "all" in names:
        return frozenset(TOOLSETS)
    if unknown := sorted(names - set(TOOLSETS)):
        raise ValueError(
            f"names unknown toolset(s) {', '.join(unknown)}; the toolsets are {', '.join(TOOLSETS)} or all"
        )
    return frozenset(names)


def _origin(text: str) -> str:
    origin = text.rstrip("/")
    if not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
        raise ValueError(f"takes origins like https://app.example.com (scheme and host, no path), not {text!r}")
    return origin


def _currency(text: str) -> str:
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"takes an ISO 4217 currency code like USD, EUR or GBP, not {text!r}")
    return code


@dataclass(frozen=True)
class Variable:
    name: str
    group: Group
    help: str  # one line: what it is for
    parse: Parser
    default: Any = None  # the value when unset (None: see default_text)
    default_text: str | None = None  # how the reference shows the default, where the value alone would not say
    secret: bool = False  # never printed; the bundle asks for it as a sensitive field
    flag: str | None = None  # the serve flag that overrides it
    example: str | None = None
    retired: bool = False  # accepted and ignored, with a warning at start-up

    def shown_default(self) -> str:
        if self.default_text is not None:
            return self.default_text
        if isinstance(self.default, bool):
            words = self.parse.describe()
            return ("on" if self.default else "off") if words.startswith("on") else ("yes" if self.default else "no")
        if isinstance(self.default, frozenset):
            return ",".join(sorted(self.default))
        if isinstance(self.parse, Seconds) and isinstance(self.default, float):
            return duration_text(self.default)
        return "" if self.default is None else str(self.default)


ON_OFF = Flag("on or off")
V = Variable
VARIABLES: tuple[Variable, ...] = (
    # ------------------------------------------------------------------ account
    V("ZENDESK_SUBDOMAIN", "account", "a real account: acme for acme.zendesk.com", Text("a Zendesk subdomain"),
      example="acme"),
    V("ZENDESK_EMAIL", "account", "with ZENDESK_API_TOKEN: API-token auth as this agent", Text("an email address"),
      example="admin@acme.com"),
    V("ZENDESK_API_TOKEN", "account", "the agent's API token", Text("an API token"), secret=True),
    V("ZENDESK_OAUTH_TOKEN", "account", "OAuth bearer auth, instead of email and API token", Text("an OAuth token"),
      secret=True),
    V("VOICE_TOOLS_ZENDESK_BASE_URL", "account", "instead of the subdomain: a standalone sandbox or a proxy",
      Text("https://..., or http:// to loopback"), example="http://127.0.0.1:8790"),
    # ---------------------------------------------------------------- purchases
    V("VOICE_TOOLS_APPROVALS", "purchases", "the channels a yes may come through (what each trusts: docs/approvals.md)",
      Items(Choice(CHANNELS), "channels: form, app, url, code, policy"), default_text="form (as elicit_only)",
      example="form,url"),
    V("VOICE_TOOLS_CONFIRMATION", "purchases", "shorthand for VOICE_TOOLS_APPROVALS: elicit_only = form, "
      "elicit_or_code = form,code, preapproved = policy", Choice(CONFIRMATION_MODES), default="elicit_only"),
    V("VOICE_TOOLS_MAX_RELEASES_PER_DAY", "purchases", "with the policy channel: releases approved by policy per day",
      Count(0, allow_none=True), default_text="none: a person approves each release"),
    V("VOICE_TOOLS_MAX_BULK_NUMBERS_PER_DAY", "purchases",
      "with the policy channel: numbers bulk changes may change per day by policy", Count(0, allow_none=True),
      default_text="none: a person approves each bulk change"),
    V("VOICE_TOOLS_PURCHASES", "purchases", "whether numbers may be bought at all", ON_OFF, default=True),
    V("VOICE_TOOLS_MAX_MONTHLY_PRICE", "purchases", "ceiling on one number's monthly price", Price(),
      default=Decimal("25.00"), default_text="25.00"),
    V("VOICE_TOOLS_MAX_PURCHASES_PER_DAY", "purchases", "purchases per UTC day, fleet-wide",
      Count(0, allow_none=True), default=5),
    V("VOICE_TOOLS_ALLOWED_COUNTRIES", "purchases", "countries numbers may be bought in", Countries(),
      default_text="any country", example="US,CA"),
    V("VOICE_TOOLS_CURRENCY", "purchases", "the account's billing currency: the ceiling's, and any other is refused",
      Custom(_currency, "an ISO 4217 code: USD, EUR, GBP"), default="USD"),
    V("VOICE_TOOLS_ALLOW_TOLL_FREE", "purchases", "whether toll-free numbers may be bought", Flag(), default=True),
    V("VOICE_TOOLS_QUOTE_TTL", "purchases", "how long a search result's quote can be bought",
      Seconds(maximum=86400), default=900.0),
    V("VOICE_TOOLS_RELEASES", "purchases", "whether release_number may release numbers", ON_OFF, default=False),
    V("VOICE_TOOLS_QUOTE_SECRET", "purchases", "no longer used (quotes live in the ledger): remove it", Text(),
      secret=True, retired=True),
    # -------------------------------------------------------------------- state
    V("VOICE_TOOLS_STATE_DIR", "state", "where the ledger and the audit trail live", Text("a directory"),
      default_text="$XDG_STATE_HOME/voice-tools, else ~/.local/state/voice-tools"),
    V("XDG_STATE_HOME", "state", "the base of the default state directory", Text("an absolute directory")),
    V("VOICE_TOOLS_AUDIT_LOG", "state", "the JSON-lines audit trail", Text("a file"),
      default_text="audit.jsonl in the state directory"),
    V("VOICE_TOOLS_LEDGER", "state", "the guard's memory, shared by replicas",
      Text("sqlite:////abs/ledger.db, redis://host:6379/0 (or rediss://), or memory:"),
      default_text="ledger.db in the state directory; the sandbox: memory:"),
    V("VOICE_TOOLS_RECONCILE_WINDOW", "state", "how long to look for a number whose purchase answer was lost",
      Seconds(), default=30.0),
    V("VOICE_TOOLS_JOB_LEASE", "state", "a bulk job's claim without a sign of life: then another replica resumes it",
      Seconds(maximum=3600), default=30.0),
    V("VOICE_TOOLS_UNKNOWN_GIVE_UP", "state", "when an unknown purchase whose number never appeared is settled",
      Seconds(maximum=30 * 86400), default=86400.0),
    # ------------------------------------------------------------------ zendesk
    V("VOICE_TOOLS_MAX_RETRIES", "zendesk", "retries of a failed read or update (a purchase is never resent)",
      Count(0, 10), default=3),
    V("VOICE_TOOLS_ZENDESK_TIMEOUT", "zendesk", "how long to wait for Zendesk's answer", Seconds(maximum=600),
      default=20.0),
    V("VOICE_TOOLS_STARTUP_CHECK", "zendesk", "one request at start proves the host and credentials", ON_OFF,
      default=True),
    # -------------------------------------------------------------------- tools
    V("VOICE_TOOLS_READ_ONLY", "tools", "only the read tools: nothing bought, changed or released", Flag(),
      default=False, flag="--read-only"),
    V("VOICE_TOOLS_TOOLSETS", "tools", "which sets of tools the model sees: " + ", ".join(TOOLSETS),
      Custom(parse_toolsets, "toolset names, comma-separated, or all"), default=frozenset({DEFAULT_TOOLSET}),
      flag="--toolsets", example="numbers,release"),
    V("VOICE_TOOLS_DYNAMIC_TOOLSETS", "tools", "start with numbers and let the model load the other allowed toolsets "
      "(enable_toolset)", ON_OFF, default=False, flag="--dynamic-toolsets"),
    V("VOICE_TOOLS_APPS", "tools", "the number picker and account pages, for hosts that show MCP Apps", ON_OFF,
      default=True),
    V("VOICE_TOOLS_MAX_RESULT_TOKENS", "tools", "most cl100k tokens in one tool result", Count(500, 1_000_000),
      default=8000),
    V("VOICE_TOOLS_PROMPTS_DIR", "tools", "folder of prompt files", Text("a directory"),
      default_text="the prompts shipped with voice-tools"),
    # ------------------------------------------------------------------ logging
    V("VOICE_TOOLS_LOG_FORMAT", "logging", "log lines on stderr; the audit trail's are always shown",
      Choice(LOG_FORMATS), default="text"),
    # --------------------------------------------------------------------- http
    V("VOICE_TOOLS_HTTP_TOKEN", "http", "the bearer token every request must carry", Text("a token", MIN_HTTP_TOKEN),
      secret=True),
    V("VOICE_TOOLS_ALLOWED_HOSTS", "http", "off loopback: the host names clients use (DNS-rebinding defence)",
      Items(Text("a host"), "host[:port] names"), default=(), default_text="", example="voice.internal:8000"),
    V("VOICE_TOOLS_ALLOWED_ORIGINS", "http", "browser origins allowed to call the server",
      Items(Custom(_origin, "an origin"), "origins like https://app.example.com"), default=(), default_text=""),
    V("VOICE_TOOLS_REQUEST_STATE_KEYS", "http", "replicas: shared keys sealing elicitation state (first seals)",
      Items(Text("a key", MIN_REQUEST_STATE_KEY), f"keys of {MIN_REQUEST_STATE_KEY}+ characters"), default=(),
      default_text="", secret=True),
    V("VOICE_TOOLS_OAUTH_ISSUER", "http", "OAuth: the authorization server (with the four below)",
      Text("https://..., or http:// to loopback")),
    V("VOICE_TOOLS_OAUTH_INTROSPECTION_URL", "http", "OAuth: its token introspection endpoint",
      Text("https://..., or http:// to loopback")),
    V("VOICE_TOOLS_OAUTH_CLIENT_ID", "http", "OAuth: this server's client id there", Text("a client id")),
    V("VOICE_TOOLS_OAUTH_CLIENT_SECRET", "http", "OAuth: its client secret", Text("a client secret"), secret=True),
    V("VOICE_TOOLS_OAUTH_SCOPES", "http", "OAuth: scopes every token must have",
      Items(Text("a scope"), "scopes"), default=(), default_text=""),
    V("VOICE_TOOLS_DRAIN", "http", "on SIGTERM: how long /readyz fails before the server stops accepting",
      Seconds(maximum=600, zero=True), default=5.0),
    V("VOICE_TOOLS_METRICS_PORT", "http", "serve /metrics on this port only, not on the MCP port",
      Count(1, 65535), default_text="the MCP port", example="9464"),
    V("VOICE_TOOLS_AUDIT_STDOUT", "http", "each audit line also on stdout as it is in the audit file, one JSON "
      "object a line, for the log pipeline (stdio never: stdout is the protocol there)", ON_OFF, default=True),
    V("VOICE_TOOLS_TRUSTED_PROXIES", "http", "balancers whose X-Forwarded-For names the caller (fair share)",
      Items(Text("an address"), "addresses or networks (10.0.0.0/8), or *"), default=("127.0.0.1", "::1"),
      default_text="127.0.0.1,::1"),
    # -------------------------------------------------------------- development
    V("VOICE_TOOLS_LIVE", "development", "run tests/live against the real account in the ZENDESK_* variables",
      Flag(), default=False),
    V("VOICE_TOOLS_LIVE_PURCHASES", "development", "tests/live: also buy (and release) one number", Flag(),
      default=False),
    V("VOICE_TOOLS_LIVE_MAX_MONTHLY_PRICE", "development", "tests/live: the most that number may cost", Price()),
    V("VOICE_TOOLS_UPDATE_SNAPSHOTS", "development", "rewrite the committed snapshots and generated docs", Flag(),
      default=False),
    V("VOICE_TOOLS_UPDATE_SCREENSHOTS", "development", "rewrite the pages' screenshots in docs/", Flag(),
      default=False),
    V("VOICE_TOOLS_TEST_SANDBOX_INFERRED", "development",
      "accept: the tests' sandbox accepts what its inferred rules refuse (the second pass)",
      Choice(("enforce", "accept")), default="enforce"),
)  # fmt: skip
BY_NAME: dict[str, Variable] = {v.name: v for v in VARIABLES}
SERVED = tuple(v for v in VARIABLES if v.group != "development")


def variable(name: str) -> Variable:
    return BY_NAME[name]
