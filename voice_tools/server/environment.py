"""Every environment variable the server reads, with what it means: one table for ``serve --help``, the
README and the test that checks nothing is read that is not listed here.

Kept free of imports so that ``--help`` and the argument parser cost nothing at start-up.
"""

from __future__ import annotations

# Named sets of tools (--toolsets, VOICE_TOOLS_TOOLSETS): the default keeps the tool list a model pays for
# on every turn small; the others are chosen by an operator who wants them.
DEFAULT_TOOLSET = "numbers"
TOOLSETS: dict[str, str] = {
    "numbers": "search_numbers, list_numbers, get_number, update_settings, buy_number (the default)",
    "release": "release_number: give a number back (needs VOICE_TOOLS_RELEASES=on)",
    "addresses": "list_addresses, create_address: the addresses regulated numbers need",
    "bulk": "update_numbers and buy_numbers: several numbers changed or bought on one confirmation",
}

ACCOUNT = (
    ("ZENDESK_SUBDOMAIN", "a real account: acme for acme.zendesk.com"),
    ("ZENDESK_EMAIL", "with ZENDESK_API_TOKEN: API-token auth as this agent"),
    ("ZENDESK_API_TOKEN", "the API token (never printed)"),
    ("ZENDESK_OAUTH_TOKEN", "OAuth bearer auth instead of email and API token (never printed)"),
    (
        "VOICE_TOOLS_ZENDESK_BASE_URL",
        "instead of the subdomain: https://..., or http:// to loopback; needs credentials",
    ),
)
SERVER = (
    ("VOICE_TOOLS_READ_ONLY", "yes: only the three read tools"),
    ("VOICE_TOOLS_CONFIRMATION", "elicit_only (default), elicit_or_code, or preapproved (finite cap and ceiling)"),
    ("VOICE_TOOLS_PURCHASES", "on (default) or off"),
    ("VOICE_TOOLS_MAX_MONTHLY_PRICE", "ceiling on one number's monthly price (default 25.00; none lifts it)"),
    ("VOICE_TOOLS_MAX_PURCHASES_PER_DAY", "purchases per UTC day (default 5; none lifts it)"),
    ("VOICE_TOOLS_ALLOWED_COUNTRIES", "comma-separated ISO codes, e.g. US,CA (default: any)"),
    ("VOICE_TOOLS_ALLOW_TOLL_FREE", "yes (default) or no"),
    ("VOICE_TOOLS_QUOTE_SECRET", "16+ characters; replicas share it (default: random per process)"),
    ("VOICE_TOOLS_QUOTE_TTL", "seconds a quote stays valid (default 900)"),
    ("VOICE_TOOLS_STATE_DIR", "ledger and audit trail (default $XDG_STATE_HOME/voice-tools or ~/.local/state/...)"),
    ("XDG_STATE_HOME", "the base of the default state directory"),
    ("VOICE_TOOLS_AUDIT_LOG", "the JSON-lines audit trail (default audit.jsonl in the state directory)"),
    ("VOICE_TOOLS_LEDGER", "sqlite:////abs/ledger.db, redis://host:6379/0 or memory: (default: a state-dir file)"),
    ("VOICE_TOOLS_RECONCILE_WINDOW", "seconds to look for a number whose purchase answer was lost (default 30)"),
    ("VOICE_TOOLS_UNKNOWN_GIVE_UP", "seconds until an unknown purchase never seen is not_purchased (default 86400)"),
    ("VOICE_TOOLS_MAX_RETRIES", "retries of a failed read or update, 0-10 (default 3); purchases are never resent"),
    ("VOICE_TOOLS_ZENDESK_TIMEOUT", "seconds to wait for Zendesk's answer (default 20)"),
    ("VOICE_TOOLS_MAX_RESULT_TOKENS", "most cl100k tokens in one tool result (default 8000)"),
    ("VOICE_TOOLS_STARTUP_CHECK", "on (default): one request at start proves host and credentials; off skips it"),
    ("VOICE_TOOLS_TOOLSETS", "numbers (default), release, addresses, bulk, comma-separated, or all"),
    ("VOICE_TOOLS_RELEASES", "off (default) or on: whether release_number may release numbers"),
    ("VOICE_TOOLS_APPS", "on (default) or off: the number picker and account pages for hosts that show MCP Apps"),
    ("VOICE_TOOLS_LOG_FORMAT", "text (default) or json: one object a line, with the tool call's request id"),
    ("VOICE_TOOLS_PROMPTS_DIR", "folder of prompt files (default: the project's prompts/)"),
)
HTTP = (
    ("VOICE_TOOLS_HTTP_TOKEN", "--http: the bearer token every request must carry (24+ characters)"),
    ("VOICE_TOOLS_ALLOWED_HOSTS", "--http off loopback: the host names clients use, comma-separated"),
    (
        "VOICE_TOOLS_REQUEST_STATE_KEYS",
        "--http replicas: shared keys (32+ chars, comma-separated) for elicitation state",
    ),
    ("VOICE_TOOLS_ALLOWED_ORIGINS", "--http: browser origins allowed to call it, e.g. https://app.example.com"),
    ("VOICE_TOOLS_OAUTH_ISSUER", "--http: OAuth authorization server (with the four below, instead of a token)"),
    ("VOICE_TOOLS_OAUTH_INTROSPECTION_URL", "--http: its token introspection endpoint"),
    ("VOICE_TOOLS_OAUTH_CLIENT_ID", "--http: this server's client id there"),
    ("VOICE_TOOLS_OAUTH_CLIENT_SECRET", "--http: its client secret (never printed)"),
    ("VOICE_TOOLS_OAUTH_SCOPES", "--http: scopes every token must have, comma-separated"),
)
SERVE = ACCOUNT + SERVER + HTTP


def help_table(rows: tuple[tuple[str, str], ...]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {meaning}" for name, meaning in rows)
