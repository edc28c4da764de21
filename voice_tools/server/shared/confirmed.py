"""One driver for every action that needs a person's yes: buy_number, buy_numbers, release_number, update_numbers.

Each such action has the same steps, named by ``ConfirmedAction``:

1. **prepare**: every check that can refuse before anyone is asked (the guard's: quote, policy, address,
   releases allowed, targets), giving a plan; a refusal is the model-facing error and nothing is asked;
2. **ask**, in the resolver, before the tool body runs, through the first channel (``VOICE_TOOLS_APPROVALS``)
   this client can carry: the operator's policy (``policy``: purchases within the spend policy; releases and
   bulk changes only within the operator's own limits for them), the number picker on a host that shows MCP
   Apps (purchases: the click alone approves where ``app`` is allowed, else it proposes and a form
   confirms), a form the client shows (``form``), or a single-use code (``code``); a client that can carry
   none is refused, naming the channels that would work;
3. **record a no**: a decline, a cancel or an unticked box is audited and answered, nothing done;
4. **perform**: through the guard, which redeems the code (if any), reserves, sends once and **settles**,
   shielded from the caller's cancellation.

The tools differ only in their plans, their words and their results; the order of the steps, the codes
(``voice_tools.guard.codes``) and what is audited are the same for all of them.

**What was confirmed is what is done.** The resolver and the tool body run in the same ``tools/call``
(in the 2026-07-28 era the retry that carries the answer runs the resolver again, and the SDK accepts
the answer only when the question it renders is the one the person answered). So the plan the resolver
showed is pinned for the call (``PINNED``) and the body performs that plan, never one worked out again
after the yes: a number renamed into a filter meanwhile is not added, a quote list is not changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from mcp import UrlElicitationRequiredError
from mcp.server.apps import client_supports_apps
from mcp.server.mcpserver import (
    AcceptedElicitation,
    CancelledElicitation,
    Context,
    DeclinedElicitation,
    Elicit,
    ElicitationResult,
)
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ElicitRequestURLParams
from pydantic import BaseModel

from voice_tools.guard import CodeChannel, CodeSubject, GuardRefusal

from ..state import AppState, state
from .errors import message
from .url_approvals import Link

ENABLE_CODES = "VOICE_TOOLS_CONFIRMATION=elicit_or_code"
INPUT_REQUIRED_ERA = (
    "2026-07-28"  # from this protocol on the server cannot ask mid-call: it answers and is called again
)
# The plans shown in this tools/call, by tool: set empty for each call (VoiceToolsServer.call_tool).
PINNED: ContextVar[dict[str, Any] | None] = ContextVar("voice_tools_pinned_plans", default=None)
Plan = TypeVar("Plan")


class CodeConfirmation(BaseModel):
    """The resolver's answer for a client that cannot show a form: confirm with a single-use code."""

    reason: str = "client cannot show a confirmation form"


class AppApproval(BaseModel):
    """The resolver's answer for a host that shows MCP Apps: the picker page asks, the person clicks."""

    reason: str = "the host shows the number picker, whose Buy button is the approval"


class UrlApproval(BaseModel):
    """The resolver's answer for a client that opens links (URL-mode elicitation), where the operator allows
    ``url``: the person answers on a page this server serves, which the client cannot answer for them."""

    reason: str = "the person answers on this server's approval page"


class PolicyApproval(BaseModel):
    """The resolver's answer in ``preapproved`` mode: the operator's policy is the approval."""

    reason: str = "preapproved by the operator's policy"


class NothingToConfirm(BaseModel):
    """The resolver's answer for a call that changes nothing (a dry run): nobody is asked."""

    reason: str = "nothing is changed"


Asked = Elicit[Any] | CodeConfirmation | PolicyApproval | AppApproval | UrlApproval | NothingToConfirm


@dataclass(frozen=True)
class Words:
    """Words for one kind of action: ``buy``/``buys numbers``/``not purchased`` and where else it can be done."""

    verb: str  # "buy", "release", "apply"
    present: str  # "buys numbers", "releases numbers"
    undone: str  # "not purchased", "not released"
    elsewhere: str  # "buy the number in Zendesk"
    nothing_done: str  # "nothing was bought"
    subject: str  # "the purchase", "the release", "the change"
    title: str = "Approve"  # the approval page's title: "Buy a number"


class ConfirmedAction(Protocol[Plan]):
    """One call of a tool whose effect needs a person's yes; built from the call's arguments."""

    @property
    def tool(self) -> str: ...

    @property
    def words(self) -> Words: ...

    @property
    def form(self) -> type[BaseModel]:
        """The form a client shows: one StrictBool ``confirm``, so only a JSON true is a yes."""
        ...

    @property
    def page_asks(self) -> bool:
        """A host that shows MCP Apps asks on a page (the number picker) instead of in a form."""
        ...

    async def prepare(self, app: AppState) -> Plan:
        """Every check that can refuse before anyone is asked; raises the model-facing ToolError."""
        ...

    def summary(self, plan: Plan) -> str:
        """What the person confirms, in words."""
        ...

    def code_subject(self, plan: Plan) -> CodeSubject: ...

    async def record_no(self, app: AppState, plan: Plan, how: str, why: str) -> None: ...

    async def answered_no(self, app: AppState, plan: Plan, next_step: str) -> CallToolResult: ...

    async def awaiting(self, app: AppState, plan: Plan, next_step: str, code: str | None) -> CallToolResult:
        """The answer while the yes is still to come: on the picker page, or with a code to show."""
        ...

    def code_next_step(self) -> str: ...

    def policy_allows(self, app: AppState) -> bool:
        """Whether the operator's policy may approve this without a person (its own limit is set)."""
        ...

    def link_seconds(self, plan: Plan) -> float:
        """How long an approval page for this plan may live: no longer than what it approves (a quote)."""
        ...

    async def perform(self, app: AppState, plan: Plan, yes: Yes) -> CallToolResult:
        """The effect, through the guard (code redeemed, reserved within any limit, sent once, settled)."""
        ...


APP_NEXT = (
    "Nothing bought yet. The user sees this purchase in the number picker with Buy and Cancel; only their click "
    "buys it. Do not call buy_number again for this quote: ask the user to review it there."
)
PERSON = ("form", "url", "app", "code")


def can_show_forms(ctx: Context[Any, Any]) -> bool:
    """The client shows elicitation forms: it declared form mode, or elicitation with no mode (older clients)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def can_open_links(ctx: Context[Any, Any]) -> bool:
    """The client declared URL-mode elicitation: it shows the person a link and keeps it from the model."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities else None
    return elicitation is not None and elicitation.url is not None


def client_of(ctx: Context[Any, Any]) -> dict[str, Any]:
    """Who carried a yes, for the audit line: the client's own name and version, the protocol era, and
    whether it negotiated MCP Apps (so an operator can tell a click in a host from a claim by a script)."""
    params = ctx.session.client_params
    info = params.client_info if params is not None else None
    return {
        "name": info.name if info else None,
        "version": info.version if info else None,
        "protocol": ctx.protocol_version,
        "apps": client_supports_apps(ctx),
    }


async def ask(ctx: Context[Any, Any], action: ConfirmedAction[Any]) -> Asked:
    """The resolver's step: prepare (refusing early), then ask through the first channel this operator allows
    and this client can carry."""
    app = state(ctx)
    plan = await action.prepare(app)
    pinned = PINNED.get()
    if pinned is not None:
        pinned[action.tool] = plan
    channels = app.guard.approvals
    if "policy" in channels and action.policy_allows(app):
        return PolicyApproval()
    if "url" in channels and can_open_links(ctx):
        return UrlApproval()
    forms = "form" in channels and can_show_forms(ctx)
    if action.page_asks and app.settings.apps and client_supports_apps(ctx) and ("app" in channels or forms):
        return AppApproval()
    if forms:
        return Elicit(f"{action.summary(plan)} Tick confirm to {action.words.verb}.", action.form)
    if "code" in channels:
        return CodeConfirmation()
    await action.record_no(app, plan, "none", f"no channel this client can carry ({', '.join(sorted(channels))})")
    problem = _no_channel(action, channels)
    raise ToolError(message(f"{action.words.undone}: {problem}", "no", _no_channel_next(action, channels)))


def _no_channel(action: ConfirmedAction[Any], channels: frozenset[str]) -> str:
    if channels == {"policy"}:
        return "this server approves only by its policy, and its policy does not cover this"
    if channels <= {"form", "policy"}:
        present = action.words.present
        return f"this server {present} only after the user confirms in a form, and this client cannot show one"
    return (
        "this server asks the user "
        + " or ".join(
            {"form": "in a form", "url": "on a page it serves", "app": "in the number picker", "code": "with a code"}[c]
            for c in PERSON
            if c in channels
        )
        + ", and this client can do none of that"
    )


def _no_channel_next(action: ConfirmedAction[Any], channels: frozenset[str]) -> str:
    if channels == {"policy"}:
        return f"tell the user to {action.words.elsewhere}; an operator can add a channel to VOICE_TOOLS_APPROVALS"
    return (
        f"tell the user to {action.words.elsewhere} or from a client that supports confirmation forms "
        f"(elicitation); an operator can instead allow single-use confirmation codes with {ENABLE_CODES}"
    )


@dataclass(frozen=True)
class Yes:
    """A yes, as it reached the guard: the channel, the client that carried it, the code to redeem if any."""

    channel: str  # form, app, url, code, policy
    client: dict[str, Any]
    code: str | None = None
    code_for: CodeChannel = "code"  # which channel's code it is: the chat's, or an approval page's (url)


@dataclass(frozen=True)
class Answer:
    """What came back, however it was asked: a no (``refusal``) or a yes and who gave it."""

    refusal: str | None = None  # "declined", "cancelled" or "unticked": nothing is done
    confirmed_by: str | None = None  # "form", "code" (a code still to check), "app" (the page asks), "policy"

    @property
    def reason(self) -> str:
        """The audit line's reason for a no."""
        return "accepted without ticking confirm" if self.refusal == "unticked" else f"the user {self.refusal}"

    def next_step(self, nothing_done: str) -> str:
        """What the model tells the user after a no (``nothing_done``: "nothing was bought")."""
        if self.refusal == "unticked":
            return f"The user did not tick confirm; {nothing_done}."
        return f"The user {self.refusal}; {nothing_done}. Do not ask again unless they want to."


def read_answer(confirmation: ElicitationResult[Any], form: type[BaseModel], words: Words, tool: str) -> Answer:
    """The resolver's result as a yes or a no; only a form whose ``confirm`` is a JSON true is a yes."""
    if isinstance(confirmation, DeclinedElicitation):
        return Answer(refusal="declined")
    if isinstance(confirmation, CancelledElicitation):
        return Answer(refusal="cancelled")
    if not isinstance(confirmation, AcceptedElicitation):
        raise ToolError(message(f"{words.undone}: no confirmation was received", "no", f"call {tool} again"))
    data = confirmation.data
    markers = ((PolicyApproval, "policy"), (CodeConfirmation, "code"), (AppApproval, "app"), (UrlApproval, "url"))
    for marker, channel in markers:
        if isinstance(data, marker):
            return Answer(confirmed_by=channel)
    if isinstance(data, form):
        return Answer(confirmed_by="form") if getattr(data, "confirm", None) is True else Answer("unticked")
    raise ToolError(message(f"{words.undone}: the confirmation could not be read", "no", f"call {tool} again"))


async def conclude(
    ctx: Context[Any, Any], action: ConfirmedAction[Any], confirmation: ElicitationResult[Any], code: str | None
) -> CallToolResult:
    """The tool body's steps: prepare again (the answer may reach another replica), then record a no, or wait
    for the page or the code, or perform."""
    app = state(ctx)
    pinned = PINNED.get() or {}
    plan = pinned.pop(action.tool) if action.tool in pinned else await action.prepare(app)
    answer = read_answer(confirmation, action.form, action.words, action.tool)
    if answer.refusal:
        await action.record_no(app, plan, "form", answer.reason)
        return await action.answered_no(app, plan, answer.next_step(action.words.nothing_done))
    if answer.confirmed_by == "app":  # the picker page asks; its Buy button calls answer_purchase
        return await action.awaiting(app, plan, APP_NEXT, None)
    if answer.confirmed_by == "code" and code is None:
        issued = await guarded(action.tool, action.words, lambda: app.guard.codes.issue(action.code_subject(plan)))
        return await action.awaiting(app, plan, action.code_next_step(), issued)
    if answer.confirmed_by == "url":
        return await on_the_page(ctx, app, action, plan)
    channel = answer.confirmed_by or "form"
    return await action.perform(app, plan, Yes(channel, client_of(ctx), code if channel == "code" else None))


async def on_the_page(ctx: Context[Any, Any], app: AppState, action: ConfirmedAction[Any], plan: Any) -> CallToolResult:
    """The URL channel: open (or find) this action's approval link, send the person there, and act on their
    answer. A 2025-11-25 client is asked in the call (``elicit_url``) and the call waits for the page; a
    2026-07-28 client is answered "open this URL first" and calls again, which finds the answer given."""
    subject = action.code_subject(plan)
    link = await guarded(
        action.tool,
        action.words,
        lambda: app.links.open(
            app.guard.codes,
            subject,
            title=action.words.title,
            summary=action.summary(plan),
            verb=action.words.verb.capitalize(),
            ttl=action.link_seconds(plan),
        ),
    )
    decision = await app.links.decision(link)
    if decision is None:
        url = f"{await page_base(ctx, app)}{link.path()}"
        asking = f"{action.words.title}: open this page to see exactly what will be done, and answer there."
        if (ctx.protocol_version or "") >= INPUT_REQUIRED_ERA:
            raise UrlElicitationRequiredError(
                [ElicitRequestURLParams(mode="url", message=asking, url=url, elicitation_id=link.id)]
            )
        consent = await ctx.elicit_url(asking, url, link.id)
        if consent.action != "accept":
            return await _spent_no(
                app, action, plan, link, f"the user did not open the approval page ({consent.action})"
            )
        decision = await app.links.wait(link)
        with suppress(Exception):  # a client that has gone away does not need to hear it
            await ctx.session.send_elicit_complete(link.id, related_request_id=ctx.request_context.request_id)
    if decision is None:
        raise ToolError(
            message(
                f"{action.words.undone}: the approval page was not answered before it expired",
                "yes, once the user is ready to answer",
                f"call {action.tool} again: the user gets a new page",
            )
        )
    if decision == "declined":
        return await _spent_no(app, action, plan, link, "the user cancelled on the approval page")
    return await action.perform(app, plan, Yes("url", client_of(ctx), code=link.code, code_for="url"))


async def _spent_no(app: AppState, action: ConfirmedAction[Any], plan: Any, link: Link, why: str) -> CallToolResult:
    """A no on (or before) the page: the page's approval is spent, the no audited and answered."""
    subject = action.code_subject(plan).for_channel("url")
    with suppress(GuardRefusal):  # already spent by an earlier call that saw the same no
        await app.guard.codes.redeem(subject, link.code)
    await action.record_no(app, plan, "url", why)
    return await action.answered_no(
        app, plan, f"The user answered no on the approval page; {action.words.nothing_done}."
    )


async def page_base(ctx: Context[Any, Any], app: AppState) -> str:
    """Where this server's pages are, for the person's browser: over HTTP the server's own origin (the Host the
    client used, checked against the allowed hosts), over stdio a loopback listener opened on demand."""
    headers = ctx.headers
    host = headers.get("host") if headers else None
    if host:
        scheme = "https" if (headers or {}).get("x-forwarded-proto", "").lower() == "https" else "http"
        return f"{scheme}://{host}"
    return await app.pages.url()


T = TypeVar("T")


async def guarded(tool: str, words: Words, step: Callable[[], Awaitable[T]]) -> T:
    """Run a guard step; its refusal becomes the model-facing error (nothing was done, retrying will not help)."""
    try:
        return await step()
    except GuardRefusal as refusal:
        raise refused(tool, words, refusal) from None


def refused(tool: str, words: Words, refusal: GuardRefusal) -> ToolError:
    return ToolError(message(f"{words.undone}: {refusal.message}", "no", next_after_refusal(tool, words, refusal)))


NEXT_AFTER_REFUSAL = {
    "address_required": "ask the user which address (see above), then call {tool} with the quote and address_sid",
    "invalid_quote": "call search_numbers and use a quote from its results, unchanged",
    "confirmation_code": "call {tool} again without a code, show the user the new summary, and wait for their yes",
    "already_attempted": "check list_numbers; search again if the user wants another number",
    "number_pending": "check list_numbers; search again if the user wants another number",
    "releases_disabled": "tell the user the release is not allowed on this server",
    "release_pending": "call get_number in a minute to see whether the number is still in the account",
}


def next_after_refusal(tool: str, words: Words, refusal: GuardRefusal) -> str:
    fallback = f"tell the user {words.subject} is not allowed by this server's policy"
    return NEXT_AFTER_REFUSAL.get(refusal.rule, fallback).format(tool=tool)
