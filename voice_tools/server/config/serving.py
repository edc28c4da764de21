"""The server's settings: the table's variables (``variables.py``) read, checked together and typed.

Each variable is parsed by its declaration (``environ.Environment``); what is checked here is what
involves several of them: which account and how it authenticates (one way, one place), the spend
policy that ``preapproved`` needs, where the state lives.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from voice_tools.client import ConfigurationError, RetryPolicy, ZendeskConfig
from voice_tools.client.config import check_base_url, check_subdomain
from voice_tools.guard import Reconciliation, SpendPolicy
from voice_tools.guard.ledger import MEMORY, SCHEMES

from .environ import Environment, check_names
from .variables import SHORTHANDS, TOOLSETS, parse_toolsets

SANDBOX_CONFIG = ZendeskConfig(
    base_url="https://sandbox.zendesk.com", email="admin@example.com", api_token=SecretStr("sandbox-api-token")
)


class ServerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    zendesk: ZendeskConfig
    sandbox: bool
    read_only: bool
    quote_ttl_seconds: int
    approvals: frozenset[str]  # the channels a yes may come through: form, app, url, code, policy
    max_releases_per_day: int | None  # releases the policy channel approves per day (None: a person must)
    max_bulk_numbers_per_day: int | None  # numbers the policy channel lets bulk changes change per day
    policy: SpendPolicy
    state_dir: Path
    audit_log: Path
    ledger_url: str
    reconciliation: Reconciliation
    job_lease_seconds: float  # a bulk job's lease: how soon another replica resumes the job of one that died
    prompts_dir: Path | None
    retry: RetryPolicy
    zendesk_timeout: float
    max_result_tokens: int
    startup_check: bool
    releases_enabled: bool
    request_state_keys: tuple[SecretStr, ...]
    toolsets: frozenset[str]  # allowed (and, without dynamic toolsets, loaded)
    dynamic_toolsets: bool
    apps: bool  # MCP Apps pages for hosts that negotiate them
    log_format: str
    warnings: tuple[str, ...] = ()  # said at start-up, after the start-up line's checks passed

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
        """Settings from environment variables (and the command line's flags on top); ConfigurationError
        names the variable that is wrong and what to write instead."""
        warnings = check_names(env)
        values = Environment(env)
        use_sandbox, zendesk = _account(values, sandbox)
        approvals = _approvals(values)
        policy = _policy(values)
        if "policy" in approvals and (policy.max_purchases_per_day is None or policy.max_monthly_price is None):
            raise ConfigurationError(
                f"{_named(values)} buys with no person asked, so the spend policy is the approval: "
                "set a finite VOICE_TOOLS_MAX_PURCHASES_PER_DAY and VOICE_TOOLS_MAX_MONTHLY_PRICE (not none)"
            )
        chosen_toolsets = _toolsets(values, toolsets)
        _check_unattended_writes(values, approvals, chosen_toolsets)
        state_dir = _state_dir(values)
        timeout = values.get("VOICE_TOOLS_ZENDESK_TIMEOUT")
        window = values.get("VOICE_TOOLS_RECONCILE_WINDOW")
        prompts = _path(values, "VOICE_TOOLS_PROMPTS_DIR")
        return cls(
            zendesk=zendesk,
            sandbox=use_sandbox,
            read_only=values.get("VOICE_TOOLS_READ_ONLY") if read_only is None else read_only,
            quote_ttl_seconds=round(values.get("VOICE_TOOLS_QUOTE_TTL")),
            approvals=approvals,
            max_releases_per_day=values.get("VOICE_TOOLS_MAX_RELEASES_PER_DAY"),
            max_bulk_numbers_per_day=values.get("VOICE_TOOLS_MAX_BULK_NUMBERS_PER_DAY"),
            policy=policy,
            state_dir=state_dir,
            audit_log=_audit_log(values, state_dir, use_sandbox),
            ledger_url=_ledger_url(values, state_dir, use_sandbox),
            reconciliation=Reconciliation(
                window_seconds=window,
                stale_after_seconds=2 * timeout + window + 30,
                give_up_after_seconds=values.get("VOICE_TOOLS_UNKNOWN_GIVE_UP"),
            ),
            job_lease_seconds=values.get("VOICE_TOOLS_JOB_LEASE"),
            prompts_dir=prompts,
            retry=RetryPolicy(max_retries=values.get("VOICE_TOOLS_MAX_RETRIES")),
            zendesk_timeout=timeout,
            max_result_tokens=values.get("VOICE_TOOLS_MAX_RESULT_TOKENS"),
            startup_check=values.get("VOICE_TOOLS_STARTUP_CHECK"),
            releases_enabled=values.get("VOICE_TOOLS_RELEASES"),
            request_state_keys=tuple(SecretStr(k) for k in values.get("VOICE_TOOLS_REQUEST_STATE_KEYS")),
            toolsets=chosen_toolsets,
            dynamic_toolsets=values.get("VOICE_TOOLS_DYNAMIC_TOOLSETS"),
            apps=values.get("VOICE_TOOLS_APPS"),
            log_format=values.get("VOICE_TOOLS_LOG_FORMAT"),
            warnings=tuple(warnings),
        )


PERSON = frozenset({"form", "app", "url", "code"})  # channels through which a person says yes


def _approvals(values: Environment) -> frozenset[str]:
    """The channels, from VOICE_TOOLS_APPROVALS or its shorthand VOICE_TOOLS_CONFIRMATION (not both)."""
    listed: tuple[str, ...] = values.get("VOICE_TOOLS_APPROVALS")
    if values.is_set("VOICE_TOOLS_APPROVALS") and values.is_set("VOICE_TOOLS_CONFIRMATION"):
        raise ConfigurationError(
            "VOICE_TOOLS_APPROVALS and VOICE_TOOLS_CONFIRMATION are both set: set VOICE_TOOLS_APPROVALS alone "
            "(VOICE_TOOLS_CONFIRMATION is its older shorthand)"
        )
    if values.is_set("VOICE_TOOLS_APPROVALS"):
        if not listed:
            raise ConfigurationError("VOICE_TOOLS_APPROVALS names no channel: give form, app, url, code or policy")
        return frozenset(listed)
    return frozenset(SHORTHANDS[values.get("VOICE_TOOLS_CONFIRMATION")])


def _named(values: Environment) -> str:
    if values.is_set("VOICE_TOOLS_APPROVALS"):
        return "the policy channel in VOICE_TOOLS_APPROVALS"
    return "VOICE_TOOLS_CONFIRMATION=preapproved"


def _check_unattended_writes(values: Environment, approvals: frozenset[str], toolsets: frozenset[str]) -> None:
    """The policy approves purchases within the spend policy, and releases or bulk changes only within the
    operator's own limits for them; with no channel for a person, a write no limit bounds cannot start."""
    if approvals & PERSON:
        return
    if (
        "release" in toolsets
        and values.get("VOICE_TOOLS_RELEASES")
        and values.get("VOICE_TOOLS_MAX_RELEASES_PER_DAY") is None
    ):
        raise ConfigurationError(
            "releases are on and only the policy approves, but no limit bounds them: set a finite "
            "VOICE_TOOLS_MAX_RELEASES_PER_DAY, add a channel for a person to VOICE_TOOLS_APPROVALS, or turn "
            "VOICE_TOOLS_RELEASES off"
        )
    if "bulk" in toolsets and values.get("VOICE_TOOLS_MAX_BULK_NUMBERS_PER_DAY") is None:
        raise ConfigurationError(
            "the bulk toolset is on and only the policy approves, but no limit bounds bulk changes: set a finite "
            "VOICE_TOOLS_MAX_BULK_NUMBERS_PER_DAY, add a channel for a person to VOICE_TOOLS_APPROVALS, or leave "
            "bulk out of VOICE_TOOLS_TOOLSETS"
        )


def _account(values: Environment, sandbox: bool) -> tuple[bool, ZendeskConfig]:
    """Which account, and one way to reach and authenticate to it: two of either is refused, since the
    start-up line could name one while requests go to the other."""
    names = ("ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN", "ZENDESK_OAUTH_TOKEN")
    given = {name: values.text(name) for name in names}
    base_url = values.text("VOICE_TOOLS_ZENDESK_BASE_URL")
    credentials = given["ZENDESK_EMAIL"] or given["ZENDESK_API_TOKEN"] or given["ZENDESK_OAUTH_TOKEN"]
    if sandbox or not any(given.values()):
        if base_url and not sandbox:
            raise ConfigurationError(
                "VOICE_TOOLS_ZENDESK_BASE_URL is set but no credentials are: set ZENDESK_EMAIL and "
                "ZENDESK_API_TOKEN (or ZENDESK_OAUTH_TOKEN), or unset it to use the built-in sandbox"
            )
        return True, SANDBOX_CONFIG
    if given["ZENDESK_SUBDOMAIN"] and base_url:
        raise ConfigurationError(
            "ZENDESK_SUBDOMAIN and VOICE_TOOLS_ZENDESK_BASE_URL are both set: set one (the subdomain for a real "
            "account, the base URL for a standalone sandbox or a proxy)"
        )
    if given["ZENDESK_OAUTH_TOKEN"] and given["ZENDESK_API_TOKEN"]:
        raise ConfigurationError(
            "ZENDESK_API_TOKEN and ZENDESK_OAUTH_TOKEN are both set: set one way to authenticate (ZENDESK_EMAIL with "
            "ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN)"
        )
    if not credentials:
        raise ConfigurationError(
            "ZENDESK_SUBDOMAIN is set but no credentials are: set ZENDESK_EMAIL and ZENDESK_API_TOKEN "
            "(or ZENDESK_OAUTH_TOKEN), or unset it to use the built-in sandbox"
        )
    for name, value, check in (
        ("ZENDESK_SUBDOMAIN", given["ZENDESK_SUBDOMAIN"], check_subdomain),
        ("VOICE_TOOLS_ZENDESK_BASE_URL", base_url, check_base_url),
    ):
        try:
            value and check(value)
        except ConfigurationError as problem:
            raise ConfigurationError(f"{name}: {problem}") from None
    return False, ZendeskConfig(
        base_url=base_url or None,
        subdomain=given["ZENDESK_SUBDOMAIN"] or None,
        email=given["ZENDESK_EMAIL"] or None,
        api_token=SecretStr(given["ZENDESK_API_TOKEN"]) if given["ZENDESK_API_TOKEN"] else None,
        oauth_token=SecretStr(given["ZENDESK_OAUTH_TOKEN"]) if given["ZENDESK_OAUTH_TOKEN"] else None,
    )


def _policy(values: Environment) -> SpendPolicy:
    return SpendPolicy(
        purchases_enabled=values.get("VOICE_TOOLS_PURCHASES"),
        max_monthly_price=values.get("VOICE_TOOLS_MAX_MONTHLY_PRICE"),
        max_purchases_per_day=values.get("VOICE_TOOLS_MAX_PURCHASES_PER_DAY"),
        allowed_countries=values.get("VOICE_TOOLS_ALLOWED_COUNTRIES"),
        allow_toll_free=values.get("VOICE_TOOLS_ALLOW_TOLL_FREE"),
        currency=values.get("VOICE_TOOLS_CURRENCY"),
    )


def _toolsets(values: Environment, flag: str | None) -> frozenset[str]:
    if flag is None:
        chosen: frozenset[str] = values.get("VOICE_TOOLS_TOOLSETS")
        return chosen
    try:
        return parse_toolsets(flag)
    except ValueError as problem:
        raise ConfigurationError(f"--toolsets {problem}") from None


def _path(values: Environment, name: str) -> Path | None:
    """The variable as a path, ``~`` expanded; None when unset."""
    text = values.text(name)
    if not text:
        return None
    try:
        return Path(text).expanduser()
    except RuntimeError:  # ~user of a user this system does not know, or no home directory at all
        raise ConfigurationError(f"{name} names a home directory this system cannot find: {text!r}") from None


def _state_dir(values: Environment) -> Path:
    """Where the ledger and the audit trail live by default (XDG Base Directory: state, not cache)."""
    explicit = _path(values, "VOICE_TOOLS_STATE_DIR")
    if explicit is not None:
        return explicit
    xdg = _path(values, "XDG_STATE_HOME")
    if xdg is not None and xdg.is_absolute():
        return xdg / "voice-tools"
    try:
        return Path.home() / ".local" / "state" / "voice-tools"
    except RuntimeError:
        raise ConfigurationError(
            "no home directory: set VOICE_TOOLS_STATE_DIR to where voice-tools keeps its state"
        ) from None


def _audit_log(values: Environment, state_dir: Path, sandbox: bool) -> Path:
    explicit = _path(values, "VOICE_TOOLS_AUDIT_LOG")
    if explicit is not None:
        return explicit
    return state_dir / ("sandbox-audit.jsonl" if sandbox else "audit.jsonl")


def _ledger_url(values: Environment, state_dir: Path, sandbox: bool) -> str:
    url = values.text("VOICE_TOOLS_LEDGER") or (MEMORY if sandbox else f"sqlite:///{state_dir / 'ledger.db'}")
    if not url.startswith(SCHEMES):
        raise ConfigurationError(
            "VOICE_TOOLS_LEDGER must be sqlite:///path/to/ledger.db, redis://host:6379/0 (or rediss://), "
            f"or memory: (got {url.split(':')[0]}:...)"
        )
    return url


__all__ = ["TOOLSETS", "ServerSettings"]
