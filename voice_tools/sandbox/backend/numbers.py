"""Reading the account's numbers and IVRs, searching for numbers to buy, and releasing a number."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from .. import inventory
from ..exceptions import BadRequest
from .state import AccountState

MAX_PER_PAGE = 100
# Zendesk's documents list what minimal_mode=true keeps; line_type is kept too, as a real account shows
# (registry: minimal-mode-line-type)
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
INCLUDES = ("settings", "ivrs", "all_greetings", "all_groups", "all_schedules")  # documented include values
SEARCH_PAGE = 10  # numbers a search page holds with search-page-size off
SEARCH_PAGES = 3


class NumberReads(AccountState):
    def list_numbers(self, *, page: int, per_page: int, minimal: bool) -> tuple[list[dict[str, Any]], int]:
        """One page. The records are returned as they are, not copied: the HTTP layer serialises them at once
        (a listing of thousands of numbers must not copy them page after page)."""
        self.require_paid_plan()
        if self._order is None or len(self._order) != len(self.numbers):
            self._order = sorted(self.numbers, reverse=not self.on("list-order"))
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
        """Every offer the query finds: at most 20 (registry: search-page-size), or, with that inference
        off, up to three pages of ten for the HTTP layer to page through."""
        self.require_paid_plan()
        if contains is not None and contains != "" and not inventory.CONTAINS_PATTERN.match(contains):
            if self.on("search-contains-400"):
                raise BadRequest("InvalidValue", "contains may only hold digits, letters and '*' (any one digit)")
            contains = None  # accepted and ignored
        plan = inventory.supported_country(country or "")
        if plan is None:
            return []  # a real account answered a search without a country with an empty list (captured)
        if area_code and (plan.code not in ("US", "CA") or not re.fullmatch(r"[2-9][0-9]{2}", area_code)):
            if self.on("search-area-code-400"):
                if plan.code not in ("US", "CA"):
                    raise BadRequest("InvalidValue", "area_code is only supported for US and CA numbers")
                raise BadRequest("InvalidValue", "area_code must be three digits, like 510")
            area_code = None  # accepted and ignored
        query = inventory.Query(
            toll_free=toll_free,
            area_code=area_code,
            contains=contains,
            mixed=not self.on("search-toll-free-unset"),
            most=inventory.MAX_RESULTS if self.on("search-page-size") else SEARCH_PAGE * SEARCH_PAGES,
            sms_everywhere=not self.on("sms-capability-by-country"),
        )
        taken = {n["number"] for n in self.numbers.values()}
        offers = inventory.search(seed=self.config.seed, plan=plan, query=query, taken=taken)
        for offer in offers:
            self.offers[offer.token] = offer
        return [o.to_json() for o in offers]

    def show_number(self, number_id: int, includes: list[str]) -> dict[str, Any]:
        return self.with_includes(copy.deepcopy(self.number(number_id)), includes)

    def with_includes(self, record: dict[str, Any], includes: list[str]) -> dict[str, Any]:
        """The response body. ``settings`` nests in the number (documented); the other includes are
        side-loaded next to it (registry: side-load-shape)."""
        body: dict[str, Any] = {"phone_number": record}
        if "settings" in includes:
            record["settings"] = copy.deepcopy(self.settings[record["id"]])
        loads: dict[str, tuple[str, Callable[[], list[dict[str, Any]]]]] = {
            "ivrs": ("ivrs", lambda: self.ordered(self.ivrs)),
            "all_greetings": ("greetings", self.all_greetings),
            "all_groups": ("groups", lambda: self.ordered(self.groups)),
            "all_schedules": ("schedules", lambda: self.ordered(self.schedules)),
        }
        for include, (key, rows) in loads.items():
            if include in includes:
                body[key] = self._side_load(copy.deepcopy(rows()))
        return body

    def _side_load(self, rows: list[dict[str, Any]]) -> Any:
        if self.on("side-load-shape"):
            return rows
        return {str(row["id"]): {k: v for k, v in row.items() if k != "id"} for row in rows}

    def all_greetings(self) -> list[dict[str, Any]]:
        """Zendesk's system greetings (string ids), then the account's own (registry: system-greetings)."""
        rows = list(self.system_greetings.values()) + [self.greetings[k] for k in sorted(self.greetings)]
        return rows if self.on("list-order") else rows[::-1]

    def list_ivrs(self) -> list[dict[str, Any]]:
        """GET /ivr: the account's IVRs, as the IVR API documents them."""
        return copy.deepcopy(self.ordered(self.ivrs))

    def delete_number(self, number_id: int) -> None:
        self.number(number_id)
        del self.numbers[number_id]
        del self.settings[number_id]
        self._order = None
        self.link()
