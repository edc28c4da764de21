"""The server's configuration, from the environment (and the command line on top).

Every variable read here is listed, with its meaning, in ``voice_tools.server.environment`` (``serve --help``
prints that table; a test checks that nothing is read that is not listed).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from voice_tools.client import ConfigurationError, RetryPolicy, ZendeskConfig
from voice_tools.guard import CONFIRMATION_MODES, ConfirmationMode, Reconciliation, SpendPolicy
from voice_tools.guard.ledger import MEMORY, SCHEMES

from .budget import DEFAULT_MAX_RESULT_TOKENS, MIN_RESULT_TOKENS
from .environment import DEFAULT_TOOLSET, TOOLSETS

SANDBOX_CONFIG = ZendeskConfig(
    base_url="https://sandbox.zendesk.com", email="admin@example.com", api_token=SecretStr("sandbox-api-token")
)
YES, NO = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ServerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    zendesk: ZendeskConfig
    sandbox: bool
    read_only: bool = False
    quote_secret: SecretStr
    quote_ttl_seconds: int = 900
    confirmation: ConfirmationMode = "elicit_only"
    policy: SpendPolicy = SpendPolicy()
    state_dir: Path
    audit_log: Path | None = None
    ledger_url: str = MEMORY
    reconciliation: Reconciliation = Reconciliation()
    prompts_dir: Path | None = None
    retry: RetryPolicy = RetryPolicy()
    zendesk_timeout: float = 20.0
    max_result_tokens: int = DEFAULT_MAX_RESULT_TOKENS
    startup_check: bool = True
    releases_enabled: bool = False
    request_state_keys: tuple[SecretStr, ...] = ()
    toolsets: frozenset[str] = frozenset({DEFAULT_TOOLSET})
    apps: bool = True  # MCP Apps pages for hosts that negotiate them (server/views)

    @property
    def shutdown_grace_seconds(self) -> float:
        """How long a stop waits for work already sent: a create request's timeout, then its look-ups."""
        return self.zendesk_timeout + self.reconciliation.window_seconds + 5

    @property
    def account(self) -> str:
        return "sandbox" if self.sandbox else self.zendesk.account

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        sandbox: bool = False,
        read_only: bool | None = None,
        toolsets: str | None = None,
    ) -> ServerSettings:
        """Settings from environment variables; ConfigurationError names the variable that is wrong."""
        credentials = {k: env.get(k, "").strip() for k in ("ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN")}
        oauth = env.get("ZENDESK_OAUTH_TOKEN", "").strip()
        use_sandbox = sandbox or not (any(credentials.values()) or oauth)
        if use_sandbox and not sandbox and env.get("VOICE_TOOLS_ZENDESK_BASE_URL", "").strip():
            raise ConfigurationError(
                "VOICE_TOOLS_ZENDESK_BASE_URL is set but no credentials are: set ZENDESK_EMAIL and "
                "ZENDESK_API_TOKEN (or ZENDESK_OAUTH_TOKEN), or unset it to use the built-in sandbox"
            )
        if use_sandbox:
            zendesk = SANDBOX_CONFIG
        else:
            zendesk = ZendeskConfig(
                base_url=env.get("VOICE_TOOLS_ZENDESK_BASE_URL", "").strip() or None,
                subdomain=credentials["ZENDESK_SUBDOMAIN"] or None,
                email=credentials["ZENDESK_EMAIL"] or None,
                api_token=SecretStr(credentials["ZENDESK_API_TOKEN"]) if credentials["ZENDESK_API_TOKEN"] else None,
                oauth_token=SecretStr(oauth) if oauth else None,
            )
        secret = env.get("VOICE_TOOLS_QUOTE_SECRET", "")
        if secret and len(secret) < 16:
            raise ConfigurationError(
                "VOICE_TOOLS_QUOTE_SECRET must be at least 16 characters (32 random bytes is best)"
            )
        confirmation = env.get("VOICE_TOOLS_CONFIRMATION", "elicit_only").strip() or "elicit_only"
        if confirmation not in CONFIRMATION_MODES:
            raise ConfigurationError(f"VOICE_TOOLS_CONFIRMATION must be one of {', '.join(CONFIRMATION_MODES)}")
        policy = SpendPolicy(
            purchases_enabled=_flag(env, "VOICE_TOOLS_PURCHASES", True),
            max_monthly_price=_price(env, "VOICE_TOOLS_MAX_MONTHLY_PRICE", Decimal("25.00")),
            max_purchases_per_day=_int(env, "VOICE_TOOLS_MAX_PURCHASES_PER_DAY", 5),
            allowed_countries=_countries(env, "VOICE_TOOLS_ALLOWED_COUNTRIES"),
            allow_toll_free=_flag(env, "VOICE_TOOLS_ALLOW_TOLL_FREE", True),
        )
        if confirmation == "preapproved" and (policy.max_purchases_per_day is None or policy.max_monthly_price is None):
            raise ConfigurationError(
                "VOICE_TOOLS_CONFIRMATION=preapproved buys with no person asked, so the spend policy is the approval: "
                "set a finite VOICE_TOOLS_MAX_PURCHASES_PER_DAY and VOICE_TOOLS_MAX_MONTHLY_PRICE (not none)"
            )
        state_dir = _state_dir(env)
        audit = env.get("VOICE_TOOLS_AUDIT_LOG", "").strip()
        default_audit = state_dir / ("sandbox-audit.jsonl" if use_sandbox else "audit.jsonl")
        ledger_url = env.get("VOICE_TOOLS_LEDGER", "").strip() or (
            MEMORY if use_sandbox else f"sqlite:///{state_dir / 'ledger.db'}"
        )
        if not ledger_url.startswith(SCHEMES):
            raise ConfigurationError(
                "VOICE_TOOLS_LEDGER must be sqlite:///path/to/ledger.db, redis://host:6379/0 (or rediss://), "
                f"or memory: (got {ledger_url.split(':')[0]}:...)"
            )
        window = _seconds(env, "VOICE_TOOLS_RECONCILE_WINDOW", 30.0)
        give_up = _seconds(env, "VOICE_TOOLS_UNKNOWN_GIVE_UP", 24 * 3600.0, maximum=30 * 24 * 3600)
        timeout = _seconds(env, "VOICE_TOOLS_ZENDESK_TIMEOUT", 20.0)
        result_tokens = _int(env, "VOICE_TOOLS_MAX_RESULT_TOKENS", DEFAULT_MAX_RESULT_TOKENS)
        if result_tokens is None or result_tokens < MIN_RESULT_TOKENS:
            raise ConfigurationError(
                f"VOICE_TOOLS_MAX_RESULT_TOKENS must be a whole number, {MIN_RESULT_TOKENS} or more"
            )
        retries = _int(env, "VOICE_TOOLS_MAX_RETRIES", 3)
        if retries is None or retries > 10:
            raise ConfigurationError("VOICE_TOOLS_MAX_RETRIES must be a whole number from 0 to 10")
        return cls(
            zendesk=zendesk,
            sandbox=use_sandbox,
            read_only=_flag(env, "VOICE_TOOLS_READ_ONLY", False) if read_only is None else read_only,
            quote_secret=SecretStr(secret or secrets.token_urlsafe(32)),
            quote_ttl_seconds=_int(env, "VOICE_TOOLS_QUOTE_TTL", 900) or 900,
            confirmation=confirmation,
            policy=policy,
            state_dir=state_dir,
            audit_log=Path(audit).expanduser() if audit else default_audit,
            ledger_url=ledger_url,
            reconciliation=Reconciliation(
                window_seconds=window, stale_after_seconds=2 * timeout + window + 30, give_up_after_seconds=give_up
            ),
            prompts_dir=Path(prompts).expanduser()
            if (prompts := env.get("VOICE_TOOLS_PROMPTS_DIR", "").strip())
            else None,
            retry=RetryPolicy(max_retries=retries),
            zendesk_timeout=timeout,
            max_result_tokens=result_tokens,
            startup_check=_flag(env, "VOICE_TOOLS_STARTUP_CHECK", True),
            releases_enabled=_flag(env, "VOICE_TOOLS_RELEASES", False),
            request_state_keys=_request_state_keys(env),
            toolsets=parse_toolsets(toolsets if toolsets is not None else env.get("VOICE_TOOLS_TOOLSETS", "")),
            apps=_flag(env, "VOICE_TOOLS_APPS", True),
        )


MIN_REQUEST_STATE_KEY = 32


def _request_state_keys(env: Mapping[str, str]) -> tuple[SecretStr, ...]:
    """The keys that seal the protocol's requestState (2026-07-28 elicitation), shared by replicas so that
    an answer may reach any of them; the first seals, all unseal (rotation)."""
    keys = [k.strip() for k in env.get("VOICE_TOOLS_REQUEST_STATE_KEYS", "").split(",") if k.strip()]
    if any(len(k) < MIN_REQUEST_STATE_KEY for k in keys):
        raise ConfigurationError(
            f"each VOICE_TOOLS_REQUEST_STATE_KEYS key must be at least {MIN_REQUEST_STATE_KEY} characters of secret "
            'randomness (python -c "import secrets; print(secrets.token_hex(32))")'
        )
    return tuple(SecretStr(k) for k in keys)


def parse_toolsets(raw: str) -> frozenset[str]:
    """``numbers,release`` → those sets; ``all`` → every set; empty → the default (``numbers``)."""
    names = {n.strip().lower() for n in raw.replace(" ", ",").split(",") if n.strip()}
    if not names:
        return frozenset({DEFAULT_TOOLSET})
    if "all" in names:
        return frozenset(TOOLSETS)
    if unknown := sorted(names - set(TOOLSETS)):
        raise ConfigurationError(
            f"unknown toolset(s) {', '.join(unknown)} in VOICE_TOOLS_TOOLSETS or --toolsets; "
            f"the toolsets are {', '.join(TOOLSETS)} (or all)"
        )
    return frozenset(names)


def _state_dir(env: Mapping[str, str]) -> Path:
    """Where the ledger and the audit trail live by default (XDG Base Directory: state, not cache)."""
    explicit = env.get("VOICE_TOOLS_STATE_DIR", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = env.get("XDG_STATE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state"
    return base / "voice-tools"


def _seconds(env: Mapping[str, str], name: str, default: float, maximum: float = 3600) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= maximum:
        raise ConfigurationError(f"{name} must be a number of seconds above 0 and at most {maximum:g} (got {raw!r})")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in YES | NO:
        return raw in YES
    raise ConfigurationError(f"{name} must be yes or no (got {raw!r})")


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw == "none":
        return None
    if raw.isdigit():
        return int(raw)
    raise ConfigurationError(f"{name} must be a whole number, or none (got {raw!r})")


def _price(env: Mapping[str, str], name: str, default: Decimal | None) -> Decimal | None:
    raw = env.get(name, "").strip().lower().lstrip("$")
    if not raw:
        return default
    if raw == "none":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal(-1)
    if value < 0 or not value.is_finite():
        raise ConfigurationError(f"{name} must be a price like 10 or 10.00, or none (got {raw!r})")
    return value


def _countries(env: Mapping[str, str], name: str) -> frozenset[str] | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    codes = {c.strip().upper() for c in raw.split(",") if c.strip()}
    bad = sorted(c for c in codes if not re.fullmatch(r"[A-Z]{2}", c))
    if bad:
        raise ConfigurationError(f"{name} must be ISO 3166 alpha-2 codes like US,CA (not {', '.join(bad)})")
    return frozenset(codes)
