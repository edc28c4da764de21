"""The start-up line: one line on stderr that tells an operator what this process will do, never a secret.

A server that buys things must say, before its first call, which account it acts on, how it
authenticates, who approves a purchase, what the spend policy allows and where the record of it all
is kept. One line, so that it survives the log collectors that split on newlines.
"""

from __future__ import annotations

from voice_tools.guard.ledger.urls import display_url

from .serving import ServerSettings

APPROVALS_TEXT = {  # the three shorthands, as they always read
    frozenset({"form"}): "a person confirms each purchase in a form",
    frozenset({"form", "code"}): "a person confirms each purchase in a form, or with a one-time code",
    frozenset({"policy"}): "PREAPPROVED: purchases within the spend policy need no person",
}
CHANNEL_TEXT = {
    "form": "a form",
    "url": "a page this server serves",
    "app": "the number picker's click alone",
    "code": "a one-time code",
    "policy": "PREAPPROVED by the spend policy",
}


def approvals_text(approvals: frozenset[str]) -> str:
    if approvals in APPROVALS_TEXT:
        return APPROVALS_TEXT[approvals]
    ways = [CHANNEL_TEXT[c] for c in ("form", "url", "app", "code", "policy") if c in approvals]
    return "a yes comes through " + ", or ".join(ways)


def account_text(settings: ServerSettings) -> str:
    if settings.sandbox:
        return (
            "the built-in sandbox (no Zendesk credentials configured, a simulated account: nothing real is bought; "
            "set ZENDESK_SUBDOMAIN, ZENDESK_EMAIL and ZENDESK_API_TOKEN for a real one)"
        )
    zendesk = settings.zendesk
    auth = "OAuth token" if zendesk.oauth_token is not None else "API token"
    where = (zendesk.subdomain and f"{zendesk.subdomain}.zendesk.com") or zendesk.url
    return f"{where} ({auth})"


def policy_text(settings: ServerSettings) -> str:
    if settings.read_only:
        return "read-only: no purchases, no changes"
    policy = settings.policy
    if not policy.purchases_enabled:
        return "purchases off"
    ceiling = policy.max_monthly_price
    price = "with no price ceiling" if ceiling is None else f"up to {ceiling:.2f} a month each"
    per_day = "no daily cap" if policy.max_purchases_per_day is None else f"{policy.max_purchases_per_day} a day"
    places = "any country" if policy.allowed_countries is None else ",".join(sorted(policy.allowed_countries))
    toll_free = "" if policy.allow_toll_free else ", no toll-free"
    return f"purchases {price}, {per_day}, {places}{toll_free}"


def tools_text(settings: ServerSettings) -> str:
    """Which toolsets the model may use, whether it loads them itself, and whether releases can happen."""
    sets = ",".join(sorted(settings.toolsets))
    text = f"toolsets {sets}" + (" (loaded on demand: enable_toolset)" if settings.dynamic_toolsets else "")
    if "release" in settings.toolsets and not settings.read_only:
        text += ", releases " + ("on" if settings.releases_enabled else "off (VOICE_TOOLS_RELEASES)")
    return text


def startup_line(settings: ServerSettings, serving: str) -> str:
    """``serving``: how clients reach this process (``stdio``, or the HTTP URL and its authentication)."""
    parts = [
        f"serving {serving}",
        f"account {account_text(settings)}",
        approvals_text(settings.approvals),
        policy_text(settings),
        tools_text(settings),
        f"audit {settings.audit_log}",
        f"ledger {display_url(settings.ledger_url)}",
    ]
    return "voice-tools: " + " | ".join(parts)
