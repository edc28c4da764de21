"""The simulated account's state: its tables, the seeded day one, and what every operation shares.

The operations live beside this (``numbers``, ``purchases``, ``updates``, ``records``), each a mixin of
``AccountState``; ``TalkBackend`` puts them together. Nothing here knows HTTP: methods take plain Python
values and return JSON-ready dicts, or raise a ``SandboxError`` that renders Zendesk's own error body.
"""

from __future__ import annotations

import copy
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import inventory
from ..captured import GREETING_CATEGORIES, SYSTEM_GREETINGS
from ..catalog import COUNTRIES, NumberRange, e164, messaging
from ..config import RecordedRequest, SandboxConfig
from ..exceptions import Forbidden, PlainError, RecordNotFound
from ..seed import (
    ADDRESSES,
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

FIRST_NUMBER_ID = 900000120986
FIRST_ADDRESS_ID = 900000076706
EPOCH = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)


class AccountState:
    """One simulated Talk account's tables. ``reset()`` returns it to its seeded state."""

    config: SandboxConfig
    clock: Callable[[], datetime]

    def on(self, inference_id: str) -> bool:
        """Whether this sandbox applies the registry's inference (``inferred.py``)."""
        return self.config.applies(inference_id)

    # ----------------------------------------------------------------------- day one
    def reset(self) -> None:
        cfg = self.config
        self.requests: list[RecordedRequest] = []
        self.groups = {g["id"]: copy.deepcopy(g) for g in GROUPS}
        self.ivrs = {i["id"]: copy.deepcopy(i) for i in IVRS}
        self.schedules = {s["id"]: copy.deepcopy(s) for s in SCHEDULES}
        self.system_greetings = {g["id"]: copy.deepcopy(g) for g in SYSTEM_GREETINGS}
        self.greetings = {g["id"]: copy.deepcopy(g) for g in GREETINGS}  # the account's own, by integer id
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
            fields = {"name": name, "street": street, "zip": zip_code, "city": city, "province": province}
            self._add_address({**fields, "state": None, "country_code": country})
        for index, spec in enumerate(HAND_WRITTEN_NUMBERS[: cfg.numbers]):
            plan = COUNTRIES[spec.country]
            ranges = plan.toll_free if spec.toll_free else plan.local
            number_range = next(r for r in ranges if r.prefix == spec.prefix)
            created = _stamp(EPOCH + timedelta(days=37 * index, hours=index))
            record = self._provision(plan.code, number_range, spec.prefix + spec.subscriber, spec.toll_free, created)
            record.update(spec.attributes)
            record["name"] = record["nickname"] or record["display_number"]
            self.settings[record["id"]].update(spec.settings)
        self._generate(random.Random(cfg.seed))
        self.link()

    def _generate(self, rng: random.Random) -> None:
        """Numbers past the hand-written ones, for large benchmark accounts."""
        owned = {n["number"] for n in self.numbers.values()}
        wanted = max(self.config.numbers - len(self.numbers), 0)
        for offset, (country, toll_free, number_range, national) in enumerate(
            generated_numbers(rng, wanted + len(owned))
        ):
            if len(self.numbers) >= self.config.numbers:
                break
            if e164(COUNTRIES[country], national) in owned:
                continue
            record = self._provision(
                country, number_range, national, toll_free, _stamp(EPOCH + timedelta(hours=offset))
            )
            record["priority"] = rng.choice([0, 0, 0, 1, 2])
            record["recorded"] = rng.random() < 0.7
            record["transcription"] = rng.random() < 0.3
            if rng.random() < 0.5:
                group = rng.choice(GROUPS)["id"]
                record["group_ids"], record["default_group_id"] = [group], group

    def _provision(
        self,
        country: str,
        number_range: NumberRange,
        national: str,
        toll_free: bool,
        created: str,
        *,
        bought: bool = False,
    ) -> dict[str, Any]:
        """A new number in the account; ``bought``: through create, where new-number-defaults applies."""
        plan = COUNTRIES[country]
        number_id = self._next_number_id
        self._next_number_id += 1
        alternative = bought and not self.on("new-number-defaults")
        record = phone_number_record(
            number_id=number_id,
            plan=plan,
            number_range=number_range,
            national=national,
            toll_free=toll_free,
            created_at=created,
            messaging=messaging(plan, toll_free, everywhere=not self.on("sms-capability-by-country")),
            outbound=not toll_free or plan.toll_free_outbound or not self.on("toll-free-outbound"),
            alternative=alternative,
        )
        self.numbers[number_id] = record
        self._order = None
        self.settings[number_id] = default_settings(
            auto_accept=self.config.auto_accept_feature, alternative=alternative
        )
        return record

    def _add_address(self, fields: dict[str, Any]) -> dict[str, Any]:
        address_id = self._next_address_id
        self._next_address_id += 1
        reference = provider_reference(self.config.seed, f"{address_id}:{fields.get('name')}")
        address = {"id": address_id, **fields, "provider_reference": reference}
        self.addresses[address_id] = address
        return address

    def link(self) -> None:
        """Greetings and IVRs list the numbers that use them (registry: greeting-links, ivr-objects); one pass
        over the numbers, as an account may hold thousands and every update relinks."""
        users: dict[Any, list[int]] = defaultdict(list)
        callers: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for n in self.numbers.values():
            for greeting_id in (*n["greeting_ids"], *n["default_greeting_ids"]):
                users[greeting_id].append(n["id"])
            if n["ivr_id"] is not None:
                callers[n["ivr_id"]].append(n)
        for g in (*self.greetings.values(), *self.system_greetings.values()):
            g["phone_number_ids"] = users.get(g["id"], [])
            g["active"] = bool(g["phone_number_ids"])
        for ivr in self.ivrs.values():
            ivr["phone_number_ids"] = [n["id"] for n in callers.get(ivr["id"], [])]
            ivr["phone_number_names"] = [n["name"] for n in callers.get(ivr["id"], [])]

    # ------------------------------------------------------------------ shared by the operations
    def ordered(self, table: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
        """A table's records in the order lists show them (registry: list-order)."""
        return [table[k] for k in sorted(table, reverse=not self.on("list-order"))]

    def require_paid_plan(self) -> None:
        """List and search are "not available for Trial accounts" (documented); the body is inferred."""
        if self.config.trial:
            if self.on("trial-403-body"):
                raise Forbidden("This endpoint is not available for Trial accounts")
            raise PlainError(403, "Forbidden")

    def number(self, number_id: int) -> dict[str, Any]:
        try:
            return self.numbers[number_id]
        except KeyError:
            raise RecordNotFound from None

    def now(self) -> str:
        return _stamp(self.clock())

    # ----------------------------------------------------------------------- request log
    def record(self, method: str, path: str, query: str, status: int) -> None:
        self.requests.append(RecordedRequest(method, path, query, status))

    def count_requests(self, method: str | None = None, path_contains: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path_contains is None or path_contains in r.path)
        )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
