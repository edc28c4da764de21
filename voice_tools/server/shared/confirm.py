"""How a person's yes is asked for, for every action that cannot be undone (buying, releasing).

The operator's confirmation mode decides, with what the client can do:

- ``preapproved``: the operator's policy is the approval; nobody is asked (``PolicyApproval``);
- a client that can show a form gets one (elicitation), with the action's summary and one box to tick;
- ``elicit_only`` (the default) refuses a client that cannot show a form, naming the setting that would
  allow codes;
- ``elicit_or_code`` answers such a client with a summary and a single-use code instead
  (``CodeConfirmation``); only a second call with that code goes ahead;
- for a purchase, a host that shows MCP Apps gets neither: the number picker page shows the summary with
  Buy and Cancel (``AppApproval``), and only the person's click, through a tool the model cannot see,
  buys (``tools/review_purchase.py``, ``tools/answer_purchase.py``). Where the host has no Apps,
  nothing of this changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

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
from pydantic import BaseModel

from .errors import message
from ..state import AppState

ENABLE_CODES = "VOICE_TOOLS_CONFIRMATION=elicit_or_code"
Form = TypeVar("Form", bound=BaseModel)


class CodeConfirmation(BaseModel):
    """The resolver's answer for a client that cannot show a form: confirm with a single-use code."""

    reason: str = "client cannot show a confirmation form"


class AppApproval(BaseModel):
    """The resolver's answer for a host that shows MCP Apps: the picker page asks, the person clicks."""

    reason: str = "the host shows the number picker, whose Buy button is the approval"


class PolicyApproval(BaseModel):
    """The resolver's answer in ``preapproved`` mode: the operator's policy is the approval."""

    reason: str = "preapproved by the operator's policy"


@dataclass(frozen=True)
class Action:
    """Words for one kind of action: ``buy``/``buys``/``purchased`` and where else it can be done."""

    verb: str  # "buy", "release"
    present: str  # "buys numbers", "releases numbers"
    undone: str  # "not purchased", "not released"
    elsewhere: str  # "buy the number in Zendesk"


async def route(
    ctx: Context[Any, Any],
    app: AppState,
    summary: str,
    form: type[Form],
    action: Action,
    record_no_form: Callable[[], Awaitable[None]],
) -> Elicit[Form] | CodeConfirmation | PolicyApproval:
    """The way this client and this operator's mode ask for the yes (see the module docstring)."""
    if app.guard.mode == "preapproved":
        return PolicyApproval()
    capabilities = ctx.client_capabilities
    if capabilities is not None and capabilities.elicitation is not None:
        return Elicit(f"{summary} Tick confirm to {action.verb}.", form)
    if app.guard.mode == "elicit_only":
        await record_no_form()
        raise ToolError(
            message(
                f"{action.undone}: this server {action.present} only after the user confirms in a form, and this "
                "client cannot show one",
                "no",
                f"tell the user to {action.elsewhere} or from a client that supports confirmation forms "
                f"(elicitation); an operator can instead allow single-use confirmation codes with {ENABLE_CODES}",
            )
        )
    return CodeConfirmation()


def page_asks(ctx: Context[Any, Any], app: AppState) -> bool:
    """Whether a page asks the person instead (a purchase, on a host that shows MCP Apps): not when the
    operator's policy is the approval, and not when the operator turned the pages off."""
    return app.guard.mode != "preapproved" and app.settings.apps and client_supports_apps(ctx)


@dataclass(frozen=True)
class Answer:
    """What came back, however it was asked: a no (``refusal``) or a yes and who gave it."""

    refusal: str | None = None  # "declined", "cancelled" or "unticked": nothing is done
    confirmed_by: str | None = None  # "elicitation", "code" (a code still to check), "app" (the page asks), "policy"

    @property
    def reason(self) -> str:
        """The audit line's reason for a no."""
        return "accepted without ticking confirm" if self.refusal == "unticked" else f"the user {self.refusal}"

    def next_step(self, nothing_done: str) -> str:
        """What the model tells the user after a no (``nothing_done``: "nothing was bought")."""
        if self.refusal == "unticked":
            return f"The user did not tick confirm; {nothing_done}."
        return f"The user {self.refusal}; {nothing_done}. Do not ask again unless they want to."


def read_answer(confirmation: ElicitationResult[Any], form: type[BaseModel], action: Action, tool: str) -> Answer:
    """The resolver's result as a yes or a no; only a form whose ``confirm`` is a JSON true is a yes."""
    if isinstance(confirmation, DeclinedElicitation):
        return Answer(refusal="declined")
    if isinstance(confirmation, CancelledElicitation):
        return Answer(refusal="cancelled")
    if not isinstance(confirmation, AcceptedElicitation):
        raise ToolError(message(f"{action.undone}: no confirmation was received", "no", f"call {tool} again"))
    data = confirmation.data
    if isinstance(data, PolicyApproval):
        return Answer(confirmed_by="policy")
    if isinstance(data, CodeConfirmation):
        return Answer(confirmed_by="code")
    if isinstance(data, AppApproval):
        return Answer(confirmed_by="app")
    if isinstance(data, form):
        return Answer(confirmed_by="elicitation") if getattr(data, "confirm", None) is True else Answer("unticked")
    raise ToolError(message(f"{action.undone}: the confirmation could not be read", "no", f"call {tool} again"))
