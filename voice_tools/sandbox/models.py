"""The simulated Zendesk Talk account: its state and every rule the API enforces.

This is the moto-style backend: it knows nothing of HTTP. Methods take plain Python values and return
plain JSON-ready dicts, or raise a ``SandboxError`` that renders Zendesk's own error body. It is
written from Zendesk's documents (shared reference), never from the client's code, so a mistake in
one cannot hide its twin in the other.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from . import inventory
from .catalog import COUNTRIES, e164
from .exceptions import BadRequest, Forbidden, RecordInvalid, RecordNotFound
from .inferred import Mode, enforced
from .seed import (
    ADDRESSES,
    GREETING_CATEGORIES,
    GREETINGS,
    GROUPS,
    HAND_WRITTEN_NUMBERS,
    IVRS,
    SCHEDULES,
    default_settings,
    generated_numbers,
    phone_number_record,
    provider_reference,
)
from .seed import (
    greeting as greeting_record,
)

MAX_PER_PAGE = 100
MINIMAL_FIELDS = (
    "id",
    "country_code",
    "external",
    "nickname",
    "display_number",
    "capabilities",
    "sms_enabled",
    "priority",
    "outbound_enabled",
    "line_type",
)
INCLUDES = ("settings", "ivrs", "all_greetings", "all_groups", "all_schedules")
DELETE_AFTER = (
    "never",
    "1.days",
    "1.weeks",
    "2.weeks",
    "1.months",
    "2.months",
    "3.months",
    "6.months",
    "1.years",
    "2.years",
)
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
FIRST_NUMBER_ID = 900000120986
FIRST_ADDRESS_ID = 900000076706

READ_ONLY_ATTRIBUTES = frozenset(
    {
        "id",
        "number",
        "display_number",
        "country_code",
        "created_at",
        "external",
        "location",
        "name",
        "toll_free",
        "capabilities",
        "categorised_greetings",
        "categorised_greetings_with_sub_settings",
        "default_greeting_ids",
        "ai_agent_enabled",
        "bot_id",
    }
)
# In the documented update request, though not writable: ``name`` is derived ("the nickname if one is set,
# otherwise the display_number") and ``token`` is "writeable on create only". Accepted, and not applied.
LISTED_NOT_APPLIED = frozenset({"name", "token"})


@dataclass
class SandboxConfig:
    """Everything that makes one simulated account differ from another."""

    seed: int = 7
    numbers: int = 12
    subdomain: str = "sandbox"
    email: str = "admin@example.com"
    api_token: str = "sandbox-api-token"  # noqa: S105 - the sandbox's documented, public credential
    oauth_token: str = "sandbox-oauth-token"  # noqa: S105
    trial: bool = False
    auto_accept_feature: bool = True
    rate_limit: int = 700
    rate_window: float = 60.0
    inferred: Mode = "enforce"  # "accept": the validations no Zendesk document states are off (inferred.py)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    status: int


Validator = Callable[[Any], str | None]


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def _int(v: Any) -> str | None:
    return None if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else "must be a whole number, 0 or more"


def _str(v: Any) -> str | None:
    return None if isinstance(v, str) and len(v) <= 255 else "must be a string of at most 255 characters"


def _int_list(v: Any) -> str | None:
    ok = isinstance(v, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in v)
    return None if ok else "must be a list of integer ids"


def _enum(*allowed: Any) -> Validator:
    def check(v: Any) -> str | None:
        return (
            None if v in allowed and type(v) is type(allowed[0]) else "must be one of " + ", ".join(map(str, allowed))
        )

    return check


def _nullable(inner: Validator) -> Validator:
    return lambda v: None if v is None else inner(v)


def _e164_or_blank(v: Any) -> str | None:
    if v is None or v == "":
        return None
    return None if isinstance(v, str) and E164.match(v) else "must be a number in E.164 form, like +14155550100"


def _locale(v: Any) -> str | None:
    return (
        None
        if isinstance(v, str) and re.fullmatch(r"[a-z]{2}(-[A-Za-z]{2})?", v)
        else "must be an ISO 639-1 code like en"
    )


def _overflow(v: Any) -> str | None:
    if not isinstance(v, dict) or set(v) - {"enabled", "number"}:
        return "must be an object with enabled (boolean) and number (E.164 string)"
    if "enabled" in v and not isinstance(v["enabled"], bool):
        return "enabled must be true or false"
    if v.get("enabled") and not (isinstance(v.get("number"), str) and E164.match(v["number"])):
        return "number must be in E.164 form, like +14155550100, when enabled is true"
    return _e164_or_blank(v.get("number"))


ATTRIBUTE_RULES: dict[str, Validator] = {
    "brand_id": _nullable(_int),
    "call_recording_consent": _str,
    "default_group_id": _nullable(_int),
    "failover_number": _e164_or_blank,
    "greeting_ids": _int_list,
    "group_ids": _int_list,
    "ivr_id": _nullable(_int),
    "line_type": _enum("phone", "digital"),
    "nickname": _nullable(_str),
    "outbound_enabled": _bool,
    "post_call_voice_ai_enabled": _bool,
    "priority": _int,
    "recorded": _bool,
    "schedule_id": _nullable(_int),
    "sms_enabled": _bool,
    "sms_group_id": _nullable(_int),
    "transcription": _bool,
    "voice_enabled": _bool,
    "voice_qa_enabled": _bool,
}

SETTINGS_RULES: dict[str, Validator] = {
    "all_groups_access_enabled": _bool,
    "allow_outbound_calls": _bool,
    "auto_accept_enabled": _bool,
    "auto_accept_time": _enum(0, 5, 10),
    "average_wait_time_message_enabled": _bool,
    "call_offering_duration": _int,
    "call_recording_delete_after": _enum(*DELETE_AFTER),
    "callback_from_queue": _bool,
    "callback_locale": _locale,
    "create_ticket_for_abandoned_calls": _bool,
    "dequeue_retry_if_attempted": _bool,
    "forwarding_caller_id": _enum("caller_number", "talk_number", "talk_number_for_anonymous"),
    "maximum_queue_size": _int,
    "maximum_queue_wait_time": _int,
    "outbound_calls_group_ids": _int_list,
    "overflow_number": _overflow,
    "priority": _int,
    "voicemail": _bool,
    "voicemail_outside_business_hours": _bool,
    "voicemail_recording_delete_after": _enum(*DELETE_AFTER),
    "wrap_up_enabled": _bool,
    "wrap_up_time_limit": _nullable(_int),
}


def _detail(error: str, description: str) -> list[dict[str, str]]:
    return [{"description": description, "error": error}]


@dataclass
class TalkBackend:
    """One simulated Talk account. ``reset()`` returns it to its seeded state."""

    config: SandboxConfig = field(default_factory=SandboxConfig)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.reset()

    # ----------------------------------------------------------------- state
    def reset(self) -> None:
        cfg = self.config
        self.requests: list[RecordedRequest] = []
        self.groups = {g["id"]: copy.deepcopy(g) for g in GROUPS}
        self.ivrs = {i["id"]: copy.deepcopy(i) for i in IVRS}
        self.schedules = {s["id"]: copy.deepcopy(s) for s in SCHEDULES}
        self.greetings = {g["id"]: copy.deepcopy(g) for g in GREETINGS}
        self.greeting_categories = {c["id"]: dict(c) for c in GREETING_CATEGORIES}
        self.addresses: dict[int, dict[str, Any]] = {}
        self.numbers: dict[int, dict[str, Any]] = {}
        self.settings: dict[int, dict[str, Any]] = {}
        self.offers: dict[str, inventory.Offer] = {}
        self.used_tokens: set[str] = set()
        self._order: list[int] | None = None
        self._next_number_id = FIRST_NUMBER_ID
        self._next_address_id = FIRST_ADDRESS_ID
        for name, street, zip_code, city, province, country in ADDRESSES:
            self._add_address(
                {
                    "name": name,
                    "street": street,
                    "zip": zip_code,
                    "city": city,
                    "province": province,
                    "state": None,
                    "country_code": country,
                }
            )
        rng = random.Random(cfg.seed)
        epoch = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
        for index, spec in enumerate(HAND_WRITTEN_NUMBERS[: cfg.numbers]):
            plan = COUNTRIES[spec.country]
            ranges = plan.toll_free if spec.toll_free else plan.local
            number_range = next(r for r in ranges if r.prefix == spec.prefix)
            created = (epoch + timedelta(days=37 * index, hours=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
            record = self._provision(plan.code, number_range, spec.prefix + spec.subscriber, spec.toll_free, created)
            record.update(spec.attributes)
            record["name"] = record["nickname"] or record["display_number"]
            self.settings[record["id"]].update(spec.settings)
        owned = {n["number"] for n in self.numbers.values()}
        wanted = max(cfg.numbers - len(self.numbers), 0)
        for offset, (country, toll_free, number_range, national) in enumerate(
            generated_numbers(rng, wanted + len(owned))
        ):
            if len(self.numbers) >= cfg.numbers:
                break
            if e164(COUNTRIES[country], national) in owned:
                continue
            created = (epoch + timedelta(hours=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")
            record = self._provision(country, number_range, national, toll_free, created)
            record["priority"] = rng.choice([0, 0, 0, 1, 2])
            record["recorded"] = rng.random() < 0.7
            record["transcription"] = rng.random() < 0.3
            if rng.random() < 0.5:
                group = rng.choice(GROUPS)["id"]
                record["group_ids"], record["default_group_id"] = [group], group
        self._link_greetings()

    def _provision(
        self, country: str, number_range: Any, national: str, toll_free: bool, created: str
    ) -> dict[str, Any]:
        plan = COUNTRIES[country]
        number_id = self._next_number_id
        self._next_number_id += 1
        record = phone_number_record(
            number_id=number_id,
            plan=plan,
            number_range=number_range,
            national=national,
            toll_free=toll_free,
            created_at=created,
        )
        self.numbers[number_id] = record
        self._order = None
        self.settings[number_id] = default_settings(auto_accept=self.config.auto_accept_feature)
        return record

    def _add_address(self, fields: dict[str, Any]) -> dict[str, Any]:
        address_id = self._next_address_id
        self._next_address_id += 1
        address = {
            "id": address_id,
            **fields,
            "provider_reference": provider_reference(self.config.seed, f"{address_id}:{fields['name']}"),
        }
        self.addresses[address_id] = address
        return address

    def _link_greetings(self) -> None:
        for g in self.greetings.values():
            g["phone_number_ids"] = [n["id"] for n in self.numbers.values() if g["id"] in n["greeting_ids"]]
            g["active"] = bool(g["phone_number_ids"])
        for ivr in self.ivrs.values():
            ivr["phone_number_ids"] = [n["id"] for n in self.numbers.values() if n["ivr_id"] == ivr["id"]]

    def record(self, method: str, path: str, query: str, status: int) -> None:
        self.requests.append(RecordedRequest(method, path, query, status))

    def count_requests(self, method: str | None = None, path_contains: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path_contains is None or path_contains in r.path)
        )

    # -------------------------------------------------------- phone numbers
    def _require_paid_plan(self) -> None:
        if self.config.trial:
            raise Forbidden("This endpoint is not available for Trial accounts")

    def _number(self, number_id: int) -> dict[str, Any]:
        try:
            return self.numbers[number_id]
        except KeyError:
            raise RecordNotFound from None

    def list_numbers(self, *, page: int, per_page: int, minimal: bool) -> tuple[list[dict[str, Any]], int]:
        """One page, in id order. The records are returned as they are, not copied: the HTTP layer
        serialises them at once (a listing of thousands of numbers must not copy them page after page)."""
        self._require_paid_plan()
        if self._order is None or len(self._order) != len(self.numbers):
            self._order = sorted(self.numbers)
        chunk = [self.numbers[k] for k in self._order[(page - 1) * per_page : page * per_page]]
        if minimal:
            chunk = [self._minimal(n) for n in chunk]
        return chunk, len(self._order)

    @staticmethod
    def _minimal(record: dict[str, Any]) -> dict[str, Any]:
        out = {k: record[k] for k in MINIMAL_FIELDS}
        out["capabilities"] = {k: record["capabilities"][k] for k in ("sms", "mms", "voice")}
        return out

    def search(
        self, *, country: str | None, toll_free: bool | None, area_code: str | None, contains: str | None
    ) -> list[dict[str, Any]]:
        self._require_paid_plan()
        mode = self.config.inferred
        if contains is not None and contains != "" and not inventory.CONTAINS_PATTERN.match(contains):
            if enforced(mode, "search-contains-400"):
                raise BadRequest("InvalidValue", "contains may only hold digits, letters and '*' (any one digit)")
            contains = None  # accepted and ignored
        plan = inventory.supported_country(country or "")
        if plan is None:
            return []  # Zendesk answers an unknown or missing country with an empty list, not an error
        if area_code and (plan.code not in ("US", "CA") or not re.fullmatch(r"[2-9][0-9]{2}", area_code)):
            if enforced(mode, "search-area-code-400"):
                if plan.code not in ("US", "CA"):
                    raise BadRequest("InvalidValue", "area_code is only supported for US and CA numbers")
                raise BadRequest("InvalidValue", "area_code must be three digits, like 510")
            area_code = None  # accepted and ignored
        taken = {n["number"] for n in self.numbers.values()}
        offers = inventory.search(
            seed=self.config.seed,
            plan=plan,
            toll_free=toll_free,
            area_code=area_code,
            contains=contains,
            taken=taken,
        )
        for offer in offers:
            self.offers[offer.token] = offer
        return [o.to_json() for o in offers]

    def show_number(self, number_id: int, includes: list[str]) -> dict[str, Any]:
        record = copy.deepcopy(self._number(number_id))
        return self._with_includes(record, includes)

    def _with_includes(self, record: dict[str, Any], includes: list[str]) -> dict[str, Any]:
        """The response body. ``settings`` nests in the number; the other includes are side-loaded next
        to it (inferred: the documents name the include values but do not show their shape)."""
        body: dict[str, Any] = {"phone_number": record}
        if "settings" in includes:
            record["settings"] = copy.deepcopy(self.settings[record["id"]])
        if "ivrs" in includes:
            body["ivrs"] = copy.deepcopy(list(self.ivrs.values()))
        if "all_greetings" in includes:
            body["greetings"] = copy.deepcopy(list(self.greetings.values()))
        if "all_groups" in includes:
            body["groups"] = copy.deepcopy(list(self.groups.values()))
        if "all_schedules" in includes:
            body["schedules"] = copy.deepcopy(list(self.schedules.values()))
        return body

    def create_number(self, body: dict[str, Any]) -> dict[str, Any]:
        attrs = body.get("phone_number")
        if not isinstance(attrs, dict):
            raise RecordInvalid({"phone_number": _detail("blank", "phone_number is required")})
        token = attrs.get("token")
        if not isinstance(token, str) or not token:
            raise RecordInvalid({"token": _detail("blank", "Token can't be blank")})
        if token in self.used_tokens:
            raise RecordInvalid({"number": _detail("taken", "Number has already been provisioned")})
        offer = self.offers.get(token)
        if offer is None:
            raise RecordInvalid({"token": _detail("invalid", "Token is invalid; search for available numbers first")})
        if offer.number in {n["number"] for n in self.numbers.values()}:
            raise RecordInvalid({"number": _detail("taken", "Number has already been provisioned")})
        plan = COUNTRIES[offer.country_code]
        if plan.local_needs_business_verification and not offer.toll_free:
            raise RecordInvalid(
                {
                    "phone_number": _detail(
                        "BusinessVerificationRequired",
                        "This number needs a verified business, and this endpoint does not support creating "
                        "such numbers; add it in Admin Center once the business is verified",
                    )
                }
            )
        self._check_address(offer, body.get("address_sid"))
        created = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        record = self._provision(plan.code, offer.number_range, offer.national, offer.toll_free, created)
        self.used_tokens.add(token)
        return {"phone_number": copy.deepcopy(record)}

    def _check_address(self, offer: inventory.Offer, address_sid: Any) -> None:
        need = offer.address_requirements
        if need == "none":
            return
        where = {
            "local": f"in {offer.country_code}",
            "foreign": f"outside {offer.country_code}",
            "any": "anywhere",
        }[need]
        if not address_sid:
            raise RecordInvalid(
                {
                    "address_sid": _detail(
                        "AddressRequired",
                        f"This number requires an address {where}; pass an address's provider_reference as address_sid",
                    )
                }
            )
        address = next((a for a in self.addresses.values() if a["provider_reference"] == address_sid), None)
        if address is None:
            raise RecordInvalid({"address_sid": _detail("InvalidAddress", "No address with this provider_reference")})
        fits = {
            "local": address["country_code"] == offer.country_code,
            "foreign": address["country_code"] != offer.country_code,
            "any": True,
        }[need]
        if not fits:
            raise RecordInvalid(
                {
                    "address_sid": _detail(
                        "AddressMismatch",
                        f"This number requires an address {where}; the address given is in {address['country_code']}",
                    )
                }
            )

    def update_number(self, number_id: int, body: dict[str, Any], includes: list[str]) -> dict[str, Any]:
        record = self._number(number_id)
        attrs = body.get("phone_number")
        if not isinstance(attrs, dict):
            raise RecordInvalid({"phone_number": _detail("blank", "phone_number must be an object")})
        settings_change = attrs.get("settings") if "settings" in includes else None
        errors: dict[str, list[dict[str, str]]] = {}
        mode = self.config.inferred
        accepted: dict[str, Any] = {}  # what is applied; in "accept" mode, what an inferred rule refuses is ignored
        for name, value in attrs.items():
            if name == "settings" or name in LISTED_NOT_APPLIED:
                continue
            if name in READ_ONLY_ATTRIBUTES:
                if enforced(mode, "update-read-only-422"):
                    errors[name] = _detail("ReadOnly", f"{name} is read-only")
            elif name not in ATTRIBUTE_RULES:
                if enforced(mode, "update-unknown-attribute-422"):
                    errors[name] = _detail("UnknownAttribute", f"{name} is not an attribute of a phone number")
            elif problem := ATTRIBUTE_RULES[name](value):
                errors[name] = _detail("InvalidValue", f"{name} {problem}")
            elif (problem := self._reference_problem(name, value, record)) and enforced(
                mode, "update-sms-capability-422" if name == "sms_enabled" else "update-reference-422"
            ):
                errors[name] = _detail("InvalidValue", problem)
            else:
                accepted[name] = value
        accepted_settings: dict[str, Any] = {}
        if settings_change is not None:
            if not isinstance(settings_change, dict):
                errors["settings"] = _detail("InvalidValue", "settings must be an object")
            else:
                for name, value in settings_change.items():
                    key = f"settings.{name}"
                    if name not in SETTINGS_RULES or (
                        name.startswith("auto_accept") and not self.config.auto_accept_feature
                    ):
                        if enforced(mode, "update-unknown-attribute-422"):
                            errors[key] = _detail("UnknownAttribute", f"{name} is not a setting of this phone number")
                    elif problem := SETTINGS_RULES[name](value):
                        errors[key] = _detail("InvalidValue", f"{name} {problem}")
                    elif (
                        name == "outbound_calls_group_ids"
                        and (problem := self._missing("group", self.groups, value))
                        and enforced(mode, "update-reference-422")
                    ):
                        errors[key] = _detail("InvalidValue", problem)
                    else:
                        accepted_settings[name] = value
        if errors:
            raise RecordInvalid(errors)  # nothing is applied: updates are all or nothing
        record.update({k: copy.deepcopy(v) for k, v in accepted.items()})
        record["name"] = record["nickname"] or record["display_number"]
        if accepted_settings:
            self.settings[number_id].update(copy.deepcopy(accepted_settings))
        self._link_greetings()
        return self._with_includes(copy.deepcopy(record), includes)

    @staticmethod
    def _missing(kind: str, table: dict[int, Any], ids: list[int]) -> str | None:
        unknown = [i for i in ids if i not in table]
        return f"no {kind} with id {', '.join(map(str, unknown))}" if unknown else None

    def _reference_problem(self, name: str, value: Any, record: dict[str, Any]) -> str | None:
        if value is None:
            return None
        if name in ("default_group_id", "sms_group_id"):
            return self._missing("group", self.groups, [value])
        if name == "group_ids":
            return self._missing("group", self.groups, value)
        if name == "greeting_ids":
            return self._missing("greeting", self.greetings, value)
        if name == "ivr_id":
            return self._missing("IVR", self.ivrs, [value])
        if name == "schedule_id":
            return self._missing("schedule", self.schedules, [value])
        if name == "sms_enabled" and value and not record["capabilities"]["sms"]:
            return "this number cannot send SMS (capabilities.sms is false)"
        return None

    def delete_number(self, number_id: int) -> None:
        self._number(number_id)
        del self.numbers[number_id]
        del self.settings[number_id]
        self._order = None
        self._link_greetings()

    # ------------------------------------------------------------ addresses
    def list_addresses(self, *, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        ordered = [self.addresses[k] for k in sorted(self.addresses)]
        return copy.deepcopy(ordered[(page - 1) * per_page : page * per_page]), len(ordered)

    def _address(self, address_id: int) -> dict[str, Any]:
        try:
            return self.addresses[address_id]
        except KeyError:
            raise RecordNotFound from None

    def show_address(self, address_id: int) -> dict[str, Any]:
        return {"address": copy.deepcopy(self._address(address_id))}

    ADDRESS_FIELDS = ("name", "street", "zip", "city", "province", "state", "country_code")
    ADDRESS_REQUIRED = ("name", "street", "zip", "province", "country_code")

    def _address_errors(self, fields: dict[str, Any], *, creating: bool) -> dict[str, list[dict[str, str]]]:
        errors: dict[str, list[dict[str, str]]] = {}
        for name, value in fields.items():
            if name not in self.ADDRESS_FIELDS:
                errors[name] = _detail("UnknownAttribute", f"{name} is not an attribute of an address")
            elif not (isinstance(value, str) or (name == "state" and value is None)):
                errors[name] = _detail("InvalidValue", f"{name} must be a string")
        for name in self.ADDRESS_REQUIRED if creating else ():
            if not fields.get(name):
                errors[name] = _detail("blank", f"{name} can't be blank")
        code = fields.get("country_code")
        if isinstance(code, str) and code and not re.fullmatch(r"[A-Z]{2}", code):
            errors["country_code"] = _detail("InvalidValue", "country_code must be an ISO 3166 alpha-2 code like US")
        return errors

    def create_address(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = body.get("address")
        if not isinstance(fields, dict):
            raise RecordInvalid({"address": _detail("blank", "address must be an object")})
        if errors := self._address_errors(fields, creating=True):
            raise RecordInvalid(errors)
        return {"address": copy.deepcopy(self._add_address({"city": "", "state": None, **fields}))}

    def update_address(self, address_id: int, body: dict[str, Any]) -> dict[str, Any]:
        address = self._address(address_id)
        fields = body.get("address")
        if not isinstance(fields, dict):
            raise RecordInvalid({"address": _detail("blank", "address must be an object")})
        if errors := self._address_errors(fields, creating=False):
            raise RecordInvalid(errors)
        address.update(fields)
        return {"address": copy.deepcopy(address)}

    def delete_address(self, address_id: int) -> None:
        self._address(address_id)
        del self.addresses[address_id]

    # ------------------------------------------------------------ greetings
    def list_greetings(self, *, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        ordered = [self.greetings[k] for k in sorted(self.greetings)]
        return copy.deepcopy(ordered[(page - 1) * per_page : page * per_page]), len(ordered)

    def show_greeting(self, greeting_id: int) -> dict[str, Any]:
        if greeting_id not in self.greetings:
            raise RecordNotFound
        return {"greeting": copy.deepcopy(self.greetings[greeting_id])}

    def create_greeting(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = body.get("greeting")
        if not isinstance(fields, dict):
            raise RecordInvalid({"greeting": _detail("blank", "greeting must be an object")})
        errors: dict[str, list[dict[str, str]]] = {}
        if not isinstance(fields.get("name"), str) or not fields["name"].strip():
            errors["name"] = _detail("blank", "name can't be blank")
        category = fields.get("category_id")
        if not isinstance(category, int) or isinstance(category, bool) or category not in self.greeting_categories:
            errors["category_id"] = _detail("InvalidValue", "category_id must be the id of a greeting category")
        if unknown := set(fields) - {"name", "category_id"}:
            errors |= {k: _detail("UnknownAttribute", f"{k} is not an attribute of a greeting") for k in unknown}
        if errors:
            raise RecordInvalid(errors)
        greeting_id = max(self.greetings, default=360004000) + 1
        record = greeting_record(greeting_id, fields["name"], fields["category_id"])
        record |= {"audio_url": None, "audio_name": None, "upload_id": None, "pending": True}
        self.greetings[greeting_id] = record
        return {"greeting": copy.deepcopy(record)}

    def update_greeting(self, greeting_id: int, body: dict[str, Any]) -> dict[str, Any]:
        if greeting_id not in self.greetings:
            raise RecordNotFound
        fields = body.get("greeting")
        if not isinstance(fields, dict):
            raise RecordInvalid({"greeting": _detail("blank", "greeting must be an object")})
        if set(fields) - {"name"}:
            raise RecordInvalid(
                {k: _detail("ReadOnly", f"{k} cannot be changed; only name can") for k in set(fields) - {"name"}}
            )
        if "name" in fields and (not isinstance(fields["name"], str) or not fields["name"].strip()):
            raise RecordInvalid({"name": _detail("blank", "name can't be blank")})
        self.greetings[greeting_id].update(fields)
        return {"greeting": copy.deepcopy(self.greetings[greeting_id])}

    def delete_greeting(self, greeting_id: int) -> dict[str, Any]:
        if greeting_id not in self.greetings:
            raise RecordNotFound
        record = self.greetings.pop(greeting_id)
        for number in self.numbers.values():
            number["greeting_ids"] = [g for g in number["greeting_ids"] if g != greeting_id]
        return {"greeting": record}

    def greeting_audio(self, greeting_id: int) -> bytes:
        greeting = self.greetings.get(greeting_id)
        if greeting is None or not greeting.get("audio_url"):
            raise RecordNotFound
        return b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(64)  # an (empty) MP3 file's header

    def list_greeting_categories(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self.greeting_categories.values()]

    def show_greeting_category(self, category_id: int) -> dict[str, Any]:
        if category_id not in self.greeting_categories:
            raise RecordNotFound
        return {"greeting_category": dict(self.greeting_categories[category_id])}
