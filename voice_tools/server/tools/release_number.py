"""release_number: give a number back to Zendesk, after an explicit yes (toolset ``release``).

The same confirmation modes as buy_number (a form; a single-use code where the operator allows codes;
the operator's policy in ``preapproved`` mode), and one more gate before any of them: the operator must
have turned releases on (``VOICE_TOOLS_RELEASES=on``). The summary the user confirms names the number,
its nickname, what routes calls to it, and that calls will stop for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, StrictBool

from voice_tools.client import ZendeskError
from voice_tools.guard import CodeSubject, ReleasePlan

from ..shared.arguments import PhoneNumberId
from ..shared.confirmed import Asked, Words, Yes, ask, conclude, guarded
from ..shared.declared import GIVES_UP, Declared
from ..shared.errors import tool_error
from ..shared.results import ReleaseResult, respond
from ..shared.url_approvals import LINK_SECONDS
from ..state import AppState

DESCRIPTION = (
    "Release a number from the account: its calls stop and it cannot be undone. The user must say yes, as for "
    "buy_number (a form, or a summary and a confirmation_code to send back only after their yes)."
)
CODE_NEXT_STEP = (
    "Nothing released yet. Show the user the summary word for word and ask whether to release it. Only if they "
    "say yes, call release_number again with the same phone_number_id and this confirmation_code."
)
RELEASE = Words(
    "release",
    "releases numbers",
    "not released",
    "release the number in Zendesk",
    "nothing was released",
    "the release",
    "Release a number",
)
NEXT_STEPS = {
    "released": "Tell the user it is released and its calls have stopped.",
    "not_released": "Tell the user the number was not released.",
    "unknown": "Do not retry. Tell the user to check with get_number in a minute whether it is still in the account.",
}


class ConfirmRelease(BaseModel):
    """The form the user sees; only a JSON ``true`` releases."""

    confirm: StrictBool = Field(
        default=False, description="Yes, release this number: its calls stop, and this cannot be undone"
    )


@dataclass(frozen=True)
class Release:
    """One release_number call as a confirmed action (``shared/confirmed.py``)."""

    phone_number_id: int
    tool = "release_number"
    words = RELEASE
    form = ConfirmRelease
    page_asks = False

    async def prepare(self, app: AppState) -> ReleasePlan:
        """Refuse early (releases off, no such number)."""
        try:
            return await guarded(self.tool, RELEASE, lambda: app.releases.prepare(self.phone_number_id))
        except ZendeskError as error:
            raise tool_error(error, subject=f"phone number {self.phone_number_id}") from None

    def summary(self, plan: ReleasePlan) -> str:
        return plan.summary()

    def code_subject(self, plan: ReleasePlan) -> CodeSubject:
        return plan.code_subject()

    async def record_no(self, app: AppState, plan: ReleasePlan, how: str, why: str) -> None:
        await app.releases.record_no(plan, how, why)

    def _result(self, plan: ReleasePlan, status: str, next_step: str, code: str | None = None) -> CallToolResult:
        number = plan.number.number or str(self.phone_number_id)
        return respond(
            ReleaseResult(
                status=status,
                number=number,
                phone_number_id=self.phone_number_id,
                summary=plan.summary(),
                confirmation_code=code,
                next_step=next_step,
            )
        )

    async def answered_no(self, app: AppState, plan: ReleasePlan, next_step: str) -> CallToolResult:
        return self._result(plan, "not_released", next_step)

    async def awaiting(self, app: AppState, plan: ReleasePlan, next_step: str, code: str | None) -> CallToolResult:
        return self._result(plan, "confirmation_required", next_step, code)

    def code_next_step(self) -> str:
        return CODE_NEXT_STEP

    def policy_allows(self, app: AppState) -> bool:
        return app.settings.max_releases_per_day is not None  # only within the operator's own limit

    def link_seconds(self, plan: ReleasePlan) -> float:
        return LINK_SECONDS

    async def perform(self, app: AppState, plan: ReleasePlan, yes: Yes) -> CallToolResult:
        number = plan.number.number or str(self.phone_number_id)
        cap = app.settings.max_releases_per_day if yes.channel == "policy" else None
        try:
            outcome = await guarded(
                self.tool,
                RELEASE,
                lambda: app.releases.release(
                    plan, yes.channel, code=yes.code, code_for=yes.code_for, client=yes.client, cap=cap
                ),
            )
        except ZendeskError as error:
            raise tool_error(error, subject=f"the release of {number}") from None
        app.directory.forget()
        return respond(
            ReleaseResult(
                status=outcome.outcome,
                number=outcome.number,
                phone_number_id=self.phone_number_id,
                summary=outcome.message,
                next_step=NEXT_STEPS[outcome.outcome],
            )
        )


async def ask_for_confirmation(phone_number_id: int, ctx: Context[Any, Any]) -> Asked:
    return await ask(ctx, Release(phone_number_id))


async def release_number(
    phone_number_id: PhoneNumberId,
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmRelease], Resolve(ask_for_confirmation)],
    confirmation_code: Annotated[
        str | None, Field(max_length=12, description="Only after the user said yes to the summary")
    ] = None,
) -> Annotated[CallToolResult, ReleaseResult]:
    return await conclude(ctx, Release(phone_number_id), confirmation, confirmation_code)


TOOL = Declared(
    release_number,
    "Release a number",
    DESCRIPTION,
    GIVES_UP,
    toolset="release",
    example={"phone_number_id": 900000120986},
)
