"""Zendesk's failures, told to the model: what went wrong, whether retrying can help, what to do next.

Every message has the same three parts, so a model learns the shape once:
``<what happened>. Retry: <no | yes, after N s | ...>. Next: <the step to take>.``
Wherever Zendesk answered with an error, its own words (status, ``error``, ``description`` and ``details``,
already redacted and capped by the client) are quoted beside the explanation, so the model sees what
Zendesk said and not only what this server makes of it.
"""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError

from voice_tools.client import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    BudgetSpentError,
    InvalidRecordError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    UnexpectedResponseError,
    ZendeskError,
)
from voice_tools.client.errors import APIStatusError
from voice_tools.client.redact import cap
from voice_tools.guard import LedgerUnavailable

WORDS_CAP = 480  # Zendesk's own words in one message: enough for a few fields' details


def message(what: str, retry: str, next_step: str) -> str:
    return f"{what.rstrip('.')}. Retry: {retry.rstrip('.')}. Next: {next_step.rstrip('.')}."


def zendesk_words(error: APIStatusError) -> str:
    """What Zendesk answered, in its own words: ``Zendesk answered 422 RecordInvalid "Record validation
    errors"; sms_enabled: InvalidValue "..."`` (a body that is not Zendesk's JSON is not repeated)."""
    head = f"Zendesk answered {error.status_code}" + (f" {error.code}" if error.code else "")
    said = [f'"{error.description}"'] if error.description else []
    for field, problems in error.details.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            if isinstance(problem, dict):
                code, text = problem.get("error"), problem.get("description")
                said.append(f"{field}: " + " ".join(p for p in (str(code or ""), f'"{text}"' if text else "") if p))
            else:
                said.append(f'{field}: "{problem}"')
    if not said:
        return head  # nothing else in JSON (a plain-text body, such as a 429's, is not repeated)
    return cap(head + (": " if error.code else " ") + "; ".join(said), WORDS_CAP)


def needs_business_verification(error: InvalidRecordError) -> bool:
    """Zendesk's refusal of a number that needs a verified business, by code or, as its exact body is not
    documented, by its words (registry: business-verification-words)."""
    words = " ".join(d for _, d in error.field_errors()) + " " + (error.description or "")
    return "BusinessVerificationRequired" in error.detail_codes() or "business verification" in words.lower()


def explain(error: ZendeskError, *, subject: str = "the request", writes: bool = False) -> str:
    """The model-facing text for a client error. ``writes``: the call may have changed something."""
    said = f" ({zendesk_words(error)})" if isinstance(error, APIStatusError) else ""
    if isinstance(error, NotFoundError):
        return message(f"Zendesk has no {subject}{said}", "no", "call list_numbers to find the right phone_number_id")
    if isinstance(error, InvalidRecordError) and needs_business_verification(error):
        return message(
            f"Zendesk refused {subject}: the number needs a verified business, and Zendesk's API cannot create "
            f"such numbers (its documentation says so); nothing was bought{said}",
            "no",
            "tell the user to buy it in Zendesk Admin Center (Channels > Talk and email > Talk: Business "
            "verification, then Lines) or to choose a toll-free number or another country",
        )
    if isinstance(error, InvalidRecordError):
        return message(f"Zendesk refused {subject}{said}", "no, not as it is", "fix those fields and call again")
    if isinstance(error, BudgetSpentError):  # this server stopped first: Zendesk refused nothing
        wait = f"{error.retry_after:.0f} s" if error.retry_after is not None else "a minute"
        return message(
            f"This server stopped before {subject} would use up Zendesk's rate limit for this account "
            f"({error.message})",
            f"yes, after {wait}",
            f"wait {wait}, then call again",
        )
    if isinstance(error, RateLimitError):
        wait = f"{error.retry_after:.0f} s" if error.retry_after is not None else "a minute"
        return message(
            f"Zendesk's rate limit for this account is used up{said}",
            f"yes, after {wait}",
            f"wait {wait}, then call again",
        )
    if isinstance(error, AuthenticationError):
        return message(
            f"Zendesk refused this server's credentials{said}",
            "no",
            "tell the user the server's Zendesk credentials (ZENDESK_EMAIL and ZENDESK_API_TOKEN, or "
            "ZENDESK_OAUTH_TOKEN) are wrong or revoked",
        )
    if isinstance(error, PermissionDeniedError):
        return message(
            f"Zendesk refused {subject}{said}",
            "no",
            "tell the user: the account may be a Trial account, have Talk turned off, or the agent's role may not "
            "manage numbers",
        )
    if isinstance(error, BadRequestError):
        return message(f"Zendesk refused {subject} as malformed{said}", "no", "fix the arguments")
    if isinstance(error, OutcomeUnknownError):
        return message(
            f"{subject} may or may not have taken effect ({error.message})",
            "not before checking",
            "call get_number to see the current state",
        )
    if isinstance(error, APIConnectionError) and error.problem == "no_such_host":
        return message(
            f"the Zendesk host {error.host} does not exist (its name does not resolve); nothing was sent",
            "no",
            "tell the user to check the server's ZENDESK_SUBDOMAIN (or VOICE_TOOLS_ZENDESK_BASE_URL)",
        )
    unavailable = isinstance(error, APIConnectionError | UnexpectedResponseError) or (
        isinstance(error, APIStatusError) and error.status_code >= 500
    )
    if unavailable:
        what = f"Zendesk is unavailable ({error.message}), after retries"
        if writes:
            return message(
                what, "only after checking", "call get_number to see whether the change was applied, then retry"
            )
        return message(what, "yes, in a minute or two", "try again later, or tell the user Zendesk is having problems")
    return message(f"Zendesk answered with an error: {error.message}{said}", "no", "tell the user what happened")


def tool_error(error: ZendeskError, *, subject: str = "the request", writes: bool = False) -> ToolError:
    return ToolError(explain(error, subject=subject, writes=writes))


def ledger_down(tool: str, error: LedgerUnavailable) -> str:
    """The one shape for a ledger that cannot be reached: nothing was done, when to try again, and what the
    operator should know (the ledger holds the spend limits, codes and audit trail, so nothing that spends,
    changes or approves runs without it; reads of the account do)."""
    return message(
        f"{tool} did nothing: {error} (it keeps the spend limits, confirmation codes and audit trail, so nothing "
        "that buys, changes or approves runs without it)",
        f"yes, after {error.retry_after:.0f} s",
        f"call {tool} again in a few seconds; if it keeps failing, tell the user the server's ledger is down and an "
        "operator should check it. Reading the account (list_numbers, get_number) still works",
    )
