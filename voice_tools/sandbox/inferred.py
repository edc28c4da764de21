"""What no Zendesk document states, named: every sandbox behaviour and every product assumption of that kind.

The sandbox is written from Zendesk's API documents (copies in ``tests/data``), its help centre and answers
captured from real accounts by public projects. Where those say nothing it still has to answer something,
and a test that asserts that answer asserts an invention; the product, too, takes a few things for granted.
Each such behaviour is one ``Inference`` here: what it does, what that assumes, where it came from
(``origin``: a document that speaks only around it, a public capture, or plain inference, with ``source``
naming the page, or the repository, commit and path), and what the sandbox does instead when started with
``--accept-inferred`` (``SandboxConfig(inferred="accept")``). Turned off, a rule that refuses accepts and
ignores (or applies) what it refused, and a shape or value is replaced by another the documents equally
allow, so the suite can show the product depends on none of them (``tests/sandbox/test_inferred.py`` walks
every entry both ways). The few that cannot be turned off say why. Entries whose ``scope`` is ``product``
are the product's own assumptions, with ``where`` naming the code; the sandbox does not switch those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["enforce", "accept"]
Origin = Literal["document", "capture", "inferred"]
Scope = Literal["sandbox", "product"]

API_DOC = "developer.zendesk.com/api-reference/voice/talk-api/phone_numbers (tests/data copy)"
AIRBYTE = (
    "airbytehq/airbyte@71b99465289679d95ff58ce7c7302bad79f7eccf "
    "airbyte-integrations/connectors/source-zendesk-talk/integration_tests/expected_records.jsonl"
)
ZENDESK_EI = (
    "QINGYUANY2/ZendeskEI@2562e10e65111480126cb056be2c29c44d414207 "
    "src/test/java/com/whaleal/zendesk/ZendeskApplicationTest3.java"
)
TOLL_FREE_PAGE = (
    "support.zendesk.com/hc/en-us/articles/4408835827866 (What are the call restrictions for toll-free numbers?)"
)
VERIFICATION_PAGE = (
    "support.zendesk.com/hc/en-us/articles/4408826639386 (Verifying your business for Talk number purchasing)"
)
TALK_LIMITS_PAGE = (
    "developer.zendesk.com/rest_api/docs/voice-api/introduction (Rate limits: 15,000 requests / 5 minutes)"
)
IVR_PAGE = "developer.zendesk.com/api-reference/voice/talk-api/ivrs (IVR JSON format, List IVRs)"
TWILIO_ADDRESS_PAGE = (
    "support.twilio.com/hc/en-us/articles/223182868 (Why do some phone numbers have an address requirement?)"
)


@dataclass(frozen=True)
class Inference:
    id: str
    behaviour: str  # what the sandbox (or, for scope "product", the product) does
    assumes: str  # what that takes for granted, that no document states
    origin: Origin = "inferred"
    source: str = "none: no document, capture or page shows it"
    off: str = ""  # what --accept-inferred does instead; for an entry that cannot be switched, why not
    switchable: bool = True
    scope: Scope = "sandbox"
    where: str = ""  # scope "product": the code that makes the assumption


def _sandbox() -> tuple[Inference, ...]:
    return (
        # ------------------------------------------------------------------ requests and queries
        Inference(
            "query-flag-400",
            "a boolean query parameter (toll_free, minimal_mode) that is not true/false/1/0 answers 400 InvalidValue",
            "Zendesk validates boolean query parameters rather than ignoring them",
            off="the parameter is ignored",
        ),
        Inference(
            "pagination-400",
            "page or per_page that is not a whole number answers 400 InvalidPaginationParameter",
            "Zendesk refuses a malformed page number (its offset pagination docs only describe valid ones)",
            off="the parameter is ignored (page 1, 100 a page)",
        ),
        Inference(
            "pagination-clamp",
            "per_page above 100 is served as 100, page below 1 as 1",
            "the documents give 100 as the most a page holds, not what a larger per_page does",
            off="per_page above 100 is served as asked",
        ),
        Inference(
            "include-400",
            "an include value outside the documented enum answers 400 InvalidValue",
            "Zendesk refuses unknown include values rather than ignoring them",
            off="unknown include values are ignored",
        ),
        Inference(
            "invalid-json-400",
            'a body that is not a JSON object answers 400 {"error": "InvalidJSON", ...}',
            "the status is captured (a malformed create answered 400); the body was not recorded",
            origin="capture",
            source=ZENDESK_EI + " (demo3111: code=400, body not recorded)",
            off='400 with a text/plain body "Bad Request"',
        ),
        Inference(
            "unknown-route-bodies",
            'an unknown path answers 404 {"error": "InvalidEndpoint"}, a wrong method 405 '
            '{"error": "MethodNotAllowed"}',
            "the bodies of Zendesk's routing errors",
            off="the same statuses with text/plain bodies",
        ),
        Inference(
            "auth-401-header",
            "a 401 carries WWW-Authenticate: Basic, and an unauthenticated request costs no rate budget",
            "the 401 body is documented; its header, and that it is not counted, are not",
            off="no WWW-Authenticate header, and unauthenticated requests are counted",
        ),
        Inference(
            "trial-403-body",
            'list and search on a Trial account answer 403 {"error": "Forbidden", "description": ...}',
            "the documents say these endpoints are not available for Trial accounts, not the status or body",
            off='403 with a text/plain body "Forbidden"',
        ),
        Inference(
            "rate-limit-counting",
            "two fixed windows: the plan's (700 a minute, in X-Rate-Limit) and Talk's (15,000 in 5 minutes); every "
            "authenticated request counts in both; past either, 429 with Retry-After to that window's end",
            "the limits are documented; fixed windows, what counts, and the Talk limit's 429 are not",
            origin="document",
            source=TALK_LIMITS_PAGE + "; developer.zendesk.com/api-reference/introduction/rate-limits",
            off="cannot be turned off: a limit has to be counted somehow, and the product reads only the documented "
            "429 and Retry-After",
            switchable=False,
        ),
        # ------------------------------------------------------------------------------- search
        Inference(
            "search-contains-400",
            "contains with characters other than digits, letters and * answers 400 InvalidValue",
            "Zendesk validates the contains pattern",
            off="contains is ignored",
        ),
        Inference(
            "search-area-code-400",
            "area_code outside US/CA, or not three digits, answers 400 InvalidValue",
            "the documents say area_code is for US and Canada only, not what Zendesk answers otherwise",
            off="area_code is ignored",
        ),
        Inference(
            "search-toll-free-unset",
            "a search without toll_free finds local numbers only",
            "what a search that does not say toll_free returns",
            off="a search without toll_free finds local and toll-free numbers",
        ),
        Inference(
            "search-page-size",
            "a search answers at most 20 numbers, with no next page",
            "the documents show search in the page envelope, not how many numbers a page holds",
            off="10 numbers a page, with next_page links (3 pages)",
        ),
        Inference(
            "search-inventory",
            "countries US, CA, GB, IE, DE, AU, FR, JP, NL, ES, IT, SE, NZ, MX, BR; their number ranges, prices in "
            "dollars and address requirements; an unknown or missing country answers an empty list",
            "which numbers exist and what they cost; the countries are those Zendesk's help centre lists as "
            "selling numbers (NL to BR as issue #25 read it, not checked here), the empty answer to a search "
            "without a country is captured, the rest is labelled inferred",
            origin="capture",
            source=ZENDESK_EI + " (list_valid: search without country, 200 and an empty list)",
            off="cannot be turned off: a sandbox must offer some numbers; nothing in the product reads a country, "
            "price or range as a rule",
            switchable=False,
        ),
        Inference(
            "sms-capability-by-country",
            "SMS and MMS only on US and CA local numbers, SMS on US and CA toll-free numbers",
            "which numbers can send messages",
            off="every number and offer can send SMS and MMS",
        ),
        Inference(
            "toll-free-outbound",
            "a toll-free number outside the US, Canada and Japan is provisioned with outbound_enabled false",
            "the help centre says Zendesk does not support outbound calls from toll-free numbers except from those "
            "three countries; that the API shows it as outbound_enabled false is inferred",
            origin="document",
            source=TOLL_FREE_PAGE,
            off="every toll-free number is provisioned with outbound_enabled true",
        ),
        Inference(
            "jp-local-business-verification",
            "creating a Japanese local number answers 422 BusinessVerificationRequired",
            "the API document says create does not support numbers that need a verified business, and the help "
            "centre that some countries need one; that Japanese local numbers do is inferred",
            origin="document",
            source=API_DOC + " (Create: business verification); " + VERIFICATION_PAGE,
            off="Japanese local numbers are bought like any other",
        ),
        # ------------------------------------------------------------------------------- create
        Inference(
            "create-token-checks",
            "a blank, never-offered or already-used token is refused with 422",
            "a token is for one number that a search offered (documented); what Zendesk answers otherwise is not",
            off="cannot be turned off: the sandbox can only provision a number it offered (the refusal's details "
            "are switched by create-refusal-details)",
            switchable=False,
        ),
        Inference(
            "create-refusal-details",
            "create refusals carry details with codes: blank, invalid, taken, AddressRequired, InvalidAddress, "
            "AddressMismatch, BusinessVerificationRequired",
            "the status and body Zendesk answers a purchase it refuses",
            off='every create refusal is a bare 422 {"error": "RecordInvalid", "description": "Record validation '
            'errors"} without details',
        ),
        Inference(
            "address-requirement-meaning",
            "address_requirements local needs an address in the number's country, foreign one outside it, any one "
            "anywhere; an address that does not fit is refused (AddressMismatch)",
            "what the documented values mean: Twilio's help (Zendesk's carrier) says local may mean the number's "
            "country, region or city",
            source=TWILIO_ADDRESS_PAGE,
            off="any of the account's addresses satisfies any requirement",
        ),
        Inference(
            "create-unknown-address-sid",
            "an address_sid that is no address's provider_reference is refused (InvalidAddress)",
            "Zendesk checks address_sid against the account's addresses",
            off="address_sid is not checked",
        ),
        # ------------------------------------------------------------------------------- update
        Inference(
            "update-envelope-422",
            "an update body without the phone_number object answers 422",
            "what Zendesk answers a body without its envelope",
            off="the body is taken as an empty update (200, nothing changes)",
        ),
        Inference(
            "update-unknown-attribute-422",
            "an attribute or setting the documents do not list answers 422 UnknownAttribute",
            "Zendesk refuses unknown fields (its ticket API both ignores some and refuses read-only ones)",
            off="unknown fields are ignored",
        ),
        Inference(
            "update-read-only-422",
            "read-only attributes (id, number, toll_free, capabilities, ...) in an update answer 422 ReadOnly; name "
            "and token, which the update-request schema lists, are accepted and not applied",
            "Zendesk refuses read-only attributes rather than ignoring them",
            off="read-only attributes are ignored",
        ),
        Inference(
            "update-type-422",
            "a value of another JSON type than the documents give (a string for a boolean, ...) answers 422",
            "the types are documented; that Zendesk refuses rather than converts or ignores is not",
            off="such values are ignored",
        ),
        Inference(
            "update-value-limits-422",
            "negative integers, strings over 255 characters, failover or overflow numbers not in E.164, a "
            "callback_locale not shaped like 'en' or 'en-US', and an enabled overflow without a number answer 422",
            "limits no document states (the documents give only the types)",
            off="such values are accepted and applied",
        ),
        Inference(
            "update-reference-422",
            "group, IVR, schedule and greeting ids the account does not have answer 422 InvalidValue",
            "Zendesk checks referenced ids before applying an update",
            off="such ids are ignored",
        ),
        Inference(
            "update-sms-capability-422",
            "sms_enabled true on a number without the SMS capability answers 422 InvalidValue",
            "Zendesk refuses enabling SMS on a number that cannot send it",
            off="sms_enabled is ignored on such a number",
        ),
        Inference(
            "update-all-or-nothing",
            "an update with one refused field applies none of it",
            "updates are atomic",
            off="the fields that pass are applied even when others are refused (the answer is still the 422)",
        ),
        Inference(
            "update-settings-need-include",
            "a settings object sent without ?include=settings is silently dropped",
            "the documents say to send include=settings with settings, not what happens without it",
            off="settings are applied without include=settings",
        ),
        # ------------------------------------------------------------------------------ records
        Inference(
            "address-validations",
            "unknown address attributes, non-string values, blank required fields and a country_code not of two "
            "capital letters answer 422 (a missing required field is refused both ways: the documents mark it "
            "mandatory)",
            "how Zendesk validates an address beyond its mandatory fields",
            off="accepted: unknown attributes and wrong types ignored, blanks and other codes kept",
        ),
        Inference(
            "greeting-validations",
            "a blank name, an unknown category_id or unknown attributes answer 422; an update may change only name",
            "how Zendesk validates a greeting",
            off="accepted: unknown attributes ignored, a blank name and any category kept",
        ),
        Inference(
            "greeting-links",
            "a greeting's phone_number_ids and active follow the numbers that use it; deleting a greeting removes "
            "it from every number",
            "how a greeting is linked to numbers",
            off="deleting a greeting leaves numbers' greeting_ids as they were",
        ),
        Inference(
            "side-load-shape",
            "include=all_groups, ivrs, all_schedules, all_greetings side-load top-level groups, ivrs, schedules, "
            "greetings lists",
            "the documents name the include values but show no answer with them",
            off="the same side-loads as maps keyed by id",
        ),
        Inference(
            "list-order",
            "lists (numbers, addresses, greetings, IVRs) come in id order",
            "the order Zendesk lists records in",
            off="newest first",
        ),
        # ------------------------------------------------------------------------- seed and defaults
        Inference(
            "new-number-defaults",
            "a bought number has brand_id 1, recorded true, transcription false, outbound on and the settings "
            "voicemail on, queue of 10 for 5 minutes, 30 s offering, recordings kept",
            "a new number's defaults; brand_id 1 and the settings are the documents' example values",
            origin="document",
            source=API_DOC + " (example objects)",
            off="a bought number has brand_id null, recorded false and other example values (priority 1, wait "
            "message on, voicemail recordings kept a month)",
        ),
        Inference(
            "seed-account",
            "the seeded account: twelve numbers, six groups, two IVRs, three schedules, six custom greetings, "
            "five addresses",
            "an account's content; invented as fixture data",
            off="cannot be turned off: it is the account the tests manage, not a rule",
            switchable=False,
        ),
        Inference(
            "greeting-categories",
            "greeting categories 1 to 9: voicemail, available, wait, hold, ivr, callback, callback_confirmation, "
            "call_recording_opt_out, call_recording_opt_in",
            "the documents show categories 1 and 2 only",
            origin="capture",
            source=AIRBYTE + " (stream greeting_categories)",
            off="cannot be turned off: captured from a real account",
            switchable=False,
        ),
        Inference(
            "system-greetings",
            "GET /greetings lists Zendesk's system greetings with string ids (voicemail_en, available_en, ...) "
            "before the custom ones; numbers carry the captured default_greeting_ids and categorised greetings",
            "the documents type a greeting id as string or integer and name the system greetings, no list",
            origin="capture",
            source=AIRBYTE + " (streams greetings, phone_numbers)",
            off="cannot be turned off: captured from a real account",
            switchable=False,
        ),
        Inference(
            "ivr-objects",
            "IVRs as the IVR API documents them, each with a default menu named 'Main menu', routes, "
            "phone_number_ids and phone_number_names; GET /ivr lists them",
            "the shape is documented and captured; the default menu's name is the account language's (a "
            "Chinese account's is 主菜单)",
            origin="document",
            source=IVR_PAGE + "; " + AIRBYTE + " (stream ivrs); " + ZENDESK_EI + " (list_IVR_menus)",
            off="cannot be turned off: documented and captured",
            switchable=False,
        ),
        Inference(
            "minimal-mode-line-type",
            "minimal_mode=true keeps line_type, which the documents' list of kept fields leaves out",
            "captured from a real account",
            origin="capture",
            source=ZENDESK_EI + " (list_phone_numbers)",
            off="cannot be turned off: captured from a real account",
            switchable=False,
        ),
    )


def _product() -> tuple[Inference, ...]:
    def product(id_: str, behaviour: str, assumes: str, where: str, **more: str) -> Inference:
        return Inference(id_, behaviour, assumes, scope="product", where=where, switchable=False, **more)  # type: ignore[arg-type]

    return (
        product(
            "references-warn",
            "a group, IVR, schedule or greeting id missing from the side-loaded lists is a warning in the preview; "
            "the update is sent and Zendesk's answer decides",
            "the side-loads list every record the account has (their shape is inferred: side-load-shape)",
            "voice_tools/server/shared/references.py",
            off="the same against either sandbox",
        ),
        product(
            "sms-capability-warn",
            "turning SMS on where capabilities.sms is false is a warning in the preview; the update is sent",
            "capabilities.sms (documented) means enabling SMS will not work; no document says Zendesk refuses it",
            "voice_tools/server/shared/references.py",
            off="the same against either sandbox",
        ),
        product(
            "toll-free-outbound-warn",
            "turning outbound, overflow or callback on for a toll-free number outside the US, Canada and Japan is "
            "a warning in the preview, citing the help centre; the update is sent",
            "the help centre's restriction applies to the number's country_code",
            "voice_tools/server/shared/references.py",
            origin="document",
            source=TOLL_FREE_PAGE,
            off="the same against either sandbox",
        ),
        product(
            "side-load-reading",
            "groups, IVRs, schedules and greetings are read from include= side-loads in any shape (list, map by id, "
            "bare ids, another name); group names are resolved against them",
            "the side-loads are where the account's groups are (the Talk API has no groups endpoint)",
            "voice_tools/models/phone_numbers.py (as_records), voice_tools/server/shared/groups.py",
            off="the same against either sandbox (side-load-shape switches the shape)",
        ),
        product(
            "update-read-back",
            "after a 422 to an update, the number is read back and the audit and the answer say which fields "
            "changed anyway",
            "nothing: it does not assume updates are all or nothing (update-all-or-nothing)",
            "voice_tools/server/shared/number_changes.py",
            off="the same against either sandbox; against the accepting one it reports the fields applied",
        ),
        product(
            "business-verification-words",
            "a purchase refusal is explained as needing a verified business when Zendesk's details carry "
            "BusinessVerificationRequired or the words 'business verification'; Zendesk's own words are shown too",
            "the code and words Zendesk uses (not documented)",
            "voice_tools/server/shared/errors.py",
            off="the same; a refusal without those words is shown in Zendesk's words alone",
        ),
        product(
            "offer-notes",
            "search_numbers notes on each offer that Japanese local numbers need a verified business (Zendesk's API "
            "cannot buy them) and that toll-free numbers outside the US, Canada and Japan cannot call out",
            "the help centre's rules apply by country and toll_free; that Japan's local numbers need verification",
            "voice_tools/server/tools/search_numbers.py",
            origin="document",
            source=VERIFICATION_PAGE + "; " + TOLL_FREE_PAGE,
            off="the same against either sandbox: a note, never a refusal",
        ),
        product(
            "guard-address-meaning",
            "the purchase guard reads local as the same country, foreign as another and any as any, and says so "
            "in the confirmation when the address given does not fit (a note, not a refusal)",
            "what local, foreign and any mean (address-requirement-meaning); Twilio says local may mean the region "
            "or city too, so the check can be too strict and too loose",
            "voice_tools/guard/purchase.py (_address_for, _fits)",
            source=TWILIO_ADDRESS_PAGE,
            off="the same against either sandbox: a doubtful fit is a note in the confirmation, the purchase is "
            "sent, and Zendesk's AddressMismatch decides",
        ),
        product(
            "unknown-purchase-give-up",
            "an unknown purchase whose number has not appeared in a day stops blocking it and costing look-ups "
            "(settled unresolved, never not_purchased), and still counts for its day",
            "no document says how late a lost create can take effect, so absence is taken as no proof either way",
            "voice_tools/guard/plans.py (Reconciliation.give_up_after_seconds)",
            off="the same against either sandbox: unresolved, and purchased if the number appears or is released "
            "by this server later",
        ),
        product(
            "address-postal-formats",
            "create_address warns (and sends) when a zip is not shaped like the postal codes of the US, CA, GB, "
            "IE, DE, FR or AU; it caps no length",
            "the formats and lengths Zendesk (its carrier) accepts: the documents give the fields as strings",
            "voice_tools/server/tools/create_address.py (POSTAL_CODES, Text)",
            off="the same against either sandbox: the address is sent with a warning, Zendesk's answer deciding",
        ),
        product(
            "one-currency",
            "a price written with a bare $ (as Zendesk's documents show them) is read as the operator's "
            "VOICE_TOOLS_CURRENCY when that is a dollar currency; a price naming another currency is refused",
            "Zendesk bills an account in one currency and writes its prices with that currency's sign",
            "voice_tools/models/money.py, voice_tools/guard/policy.py",
            off="the same against either sandbox (its prices are all in dollars)",
        ),
        product(
            "put-resend",
            "an update whose answer was lost on the network is sent again",
            "a repeated PUT of the same absolute values is harmless (HTTP's idempotent PUT; Zendesk says nothing)",
            "voice_tools/client/retries.py",
            off="the same against either sandbox",
        ),
    )


INFERENCES: tuple[Inference, ...] = _sandbox() + _product()
BY_ID = {inference.id: inference for inference in INFERENCES}


def enforced(mode: Mode, inference_id: str) -> bool:
    """Whether the sandbox applies this inference (KeyError for an id the registry does not list)."""
    inference = BY_ID[inference_id]
    if inference.scope != "sandbox":
        raise KeyError(f"{inference_id} is the product's assumption, not the sandbox's")
    return mode == "enforce" or not inference.switchable
