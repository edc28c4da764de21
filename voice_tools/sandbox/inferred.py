"""What the sandbox does where Zendesk's documents are silent: every such behaviour, named.

The sandbox is written from Zendesk's documentation page, its OpenAPI document and responses recorded
from real accounts. Where those say nothing, it still has to answer something, and a test that asserts
that answer asserts an invention. So each invented behaviour is listed here, with what it assumes; the
switchable ones (validations) can be turned off with ``SandboxConfig(inferred="accept")``: the sandbox
then accepts and ignores what it would have refused, as Zendesk's other APIs often do, so the product
can be checked not to depend on a rule that was made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["enforce", "accept"]


@dataclass(frozen=True)
class Inference:
    id: str
    behaviour: str  # what the sandbox does
    assumes: str  # what that takes for granted, that no document states
    switchable: bool = True  # turned off (accept and ignore) when ``inferred="accept"``


INFERENCES: tuple[Inference, ...] = (
    Inference(
        "query-flag-400",
        "a boolean query parameter (toll_free, minimal_mode) that is not true/false/1/0 answers 400 InvalidValue",
        "Zendesk validates boolean query parameters rather than ignoring them",
    ),
    Inference(
        "pagination-400",
        "page or per_page that is not a whole number answers 400 InvalidPaginationParameter",
        "Zendesk refuses a malformed page number (its offset pagination docs only describe valid ones)",
    ),
    Inference(
        "include-400",
        "an include value outside the documented enum answers 400 InvalidValue",
        "Zendesk refuses unknown include values rather than ignoring them",
    ),
    Inference(
        "search-contains-400",
        "contains with characters other than digits, letters and * answers 400 InvalidValue",
        "Zendesk validates the contains pattern",
    ),
    Inference(
        "search-area-code-400",
        "area_code outside US/CA, or not three digits, answers 400 InvalidValue",
        "Zendesk refuses area codes it cannot apply instead of ignoring them",
    ),
    Inference(
        "update-unknown-attribute-422",
        "an attribute or setting the documents do not list answers 422 UnknownAttribute; nothing is applied",
        "Zendesk refuses unknown fields (its ticket API both ignores some and refuses read-only ones)",
    ),
    Inference(
        "update-read-only-422",
        "read-only attributes (id, number, toll_free, capabilities, ...) in an update answer 422 ReadOnly; name "
        "and token, which the update-request schema lists, are accepted and not applied",
        "Zendesk refuses read-only attributes rather than ignoring them",
    ),
    Inference(
        "update-reference-422",
        "group, IVR, schedule and greeting ids the account does not have answer 422 InvalidValue",
        "Zendesk checks referenced ids before applying an update",
    ),
    Inference(
        "update-sms-capability-422",
        "sms_enabled true on a number without the SMS capability answers 422 InvalidValue",
        "Zendesk refuses enabling SMS on a number that cannot send it",
    ),
    Inference(
        "create-error-bodies",
        "AddressRequired, AddressMismatch and reused-token refusals on create, with these error codes",
        "the documents say an address is needed, not the status or body Zendesk answers without one",
        switchable=False,
    ),
    Inference(
        "create-business-verification",
        "creating a Japanese local number answers 422 with a BusinessVerificationRequired detail; search "
        "shows such numbers like any other",
        "which numbers need a verified business, and the refusal's status and body: the documents say only "
        "that create does not support such numbers, and search documents no field that says so",
        switchable=False,
    ),
    Inference(
        "include-side-load-shape",
        "include=all_groups, ivrs, all_schedules, all_greetings side-load top-level groups, ivrs, schedules, "
        "greetings lists of {id, name}",
        "the documents name the include values but show no answer with them",
        switchable=False,
    ),
    Inference(
        "search-results",
        "at most 20 results and never a next page; only US, CA, GB, IE, DE, AU, FR and JP; prices in dollars",
        "a representative subset of what Zendesk sells",
        switchable=False,
    ),
)
BY_ID = {inference.id: inference for inference in INFERENCES}


def enforced(mode: Mode, inference_id: str) -> bool:
    """Whether the sandbox applies this inferred rule (KeyError for an id the registry does not list)."""
    inference = BY_ID[inference_id]
    return mode == "enforce" or not inference.switchable
