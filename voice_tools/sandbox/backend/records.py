"""Addresses, greetings and greeting categories: list, show, create, update, delete as documented.

What an address or a greeting must hold beyond the documents' mandatory fields is inferred (registry:
address-validations, greeting-validations); with ``--accept-inferred`` those checks accept and ignore.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..exceptions import RecordInvalid, RecordNotFound
from ..seed import greeting as greeting_record
from .numbers import NumberReads
from .rules import detail

Errors = dict[str, list[dict[str, str]]]
ADDRESS_FIELDS = ("name", "street", "zip", "city", "province", "state", "country_code")
ADDRESS_REQUIRED = ("name", "street", "zip", "province", "country_code")  # AddressInput's required list
FIRST_GREETING_ID = 360004000


class Records(NumberReads):
    # ------------------------------------------------------------------------------ addresses
    def list_addresses(self, *, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        ordered = self.ordered(self.addresses)
        return copy.deepcopy(ordered[(page - 1) * per_page : page * per_page]), len(ordered)

    def _address(self, address_id: int) -> dict[str, Any]:
        try:
            return self.addresses[address_id]
        except KeyError:
            raise RecordNotFound from None

    def show_address(self, address_id: int) -> dict[str, Any]:
        return {"address": copy.deepcopy(self._address(address_id))}

    def _address_fields(self, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        fields = body.get("address")
        if not isinstance(fields, dict):
            raise RecordInvalid({"address": detail("blank", "address must be an object")})
        strict = self.on("address-validations")
        errors: Errors = {}
        kept: dict[str, Any] = {}
        for name, value in fields.items():
            if name not in ADDRESS_FIELDS:
                if strict:
                    errors[name] = detail("UnknownAttribute", f"{name} is not an attribute of an address")
            elif not (isinstance(value, str) or (name == "state" and value is None)):
                if strict:
                    errors[name] = detail("InvalidValue", f"{name} must be a string")
            else:
                kept[name] = value
        for name in ADDRESS_REQUIRED if creating else ():
            if name not in fields or (strict and not fields.get(name)):  # mandatory in the documents: refused both ways
                errors[name] = detail("blank", f"{name} can't be blank")
        code = kept.get("country_code")
        if strict and isinstance(code, str) and code and not re.fullmatch(r"[A-Z]{2}", code):
            errors["country_code"] = detail("InvalidValue", "country_code must be an ISO 3166 alpha-2 code like US")
        if errors:
            raise RecordInvalid(errors)
        return kept

    def create_address(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = self._address_fields(body, creating=True)
        return {"address": copy.deepcopy(self._add_address({"city": "", "state": None, **fields}))}

    def update_address(self, address_id: int, body: dict[str, Any]) -> dict[str, Any]:
        address = self._address(address_id)
        address.update(self._address_fields(body, creating=False))
        return {"address": copy.deepcopy(address)}

    def delete_address(self, address_id: int) -> None:
        self._address(address_id)
        del self.addresses[address_id]

    # ------------------------------------------------------------------------------ greetings
    def list_greetings(self, *, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        ordered = self.all_greetings()
        return copy.deepcopy(ordered[(page - 1) * per_page : page * per_page]), len(ordered)

    def show_greeting(self, greeting_id: int) -> dict[str, Any]:
        if greeting_id not in self.greetings:
            raise RecordNotFound
        return {"greeting": copy.deepcopy(self.greetings[greeting_id])}

    def create_greeting(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = body.get("greeting")
        if not isinstance(fields, dict):
            raise RecordInvalid({"greeting": detail("blank", "greeting must be an object")})
        strict = self.on("greeting-validations")
        errors: Errors = {}
        name, category = fields.get("name"), fields.get("category_id")
        if not isinstance(name, str) or (strict and not name.strip()):
            errors["name"] = detail("blank", "name can't be blank")
        known = isinstance(category, int) and not isinstance(category, bool) and category in self.greeting_categories
        if not known and (strict or not isinstance(category, int)):
            errors["category_id"] = detail("InvalidValue", "category_id must be the id of a greeting category")
        if strict and (unknown := set(fields) - {"name", "category_id"}):
            errors |= {k: detail("UnknownAttribute", f"{k} is not an attribute of a greeting") for k in unknown}
        if errors:
            raise RecordInvalid(errors)
        greeting_id = max(self.greetings, default=FIRST_GREETING_ID) + 1
        record = greeting_record(greeting_id, str(name), int(category or 0))
        record |= {"audio_url": None, "audio_name": None, "upload_id": None, "pending": True}
        self.greetings[greeting_id] = record
        return {"greeting": copy.deepcopy(record)}

    def update_greeting(self, greeting_id: int, body: dict[str, Any]) -> dict[str, Any]:
        if greeting_id not in self.greetings:
            raise RecordNotFound
        fields = body.get("greeting")
        if not isinstance(fields, dict):
            raise RecordInvalid({"greeting": detail("blank", "greeting must be an object")})
        strict = self.on("greeting-validations")
        if strict and (other := set(fields) - {"name"}):
            raise RecordInvalid({k: detail("ReadOnly", f"{k} cannot be changed; only name can") for k in other})
        name = fields.get("name")
        if "name" in fields and (not isinstance(name, str) or (strict and not name.strip())):
            raise RecordInvalid({"name": detail("blank", "name can't be blank")})
        if "name" in fields:
            self.greetings[greeting_id]["name"] = name
        return {"greeting": copy.deepcopy(self.greetings[greeting_id])}

    def delete_greeting(self, greeting_id: int) -> dict[str, Any]:
        if greeting_id not in self.greetings:
            raise RecordNotFound
        record = self.greetings.pop(greeting_id)
        if self.on("greeting-links"):
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
