"""Updating a number: attributes and (with ``?include=settings``) settings, checked field by field.

Which checks refuse, and whether a refused field stops the rest, are mostly inferences (registry entries
``update-*``); with ``--accept-inferred`` each is off: what it refused is ignored, or, for a value limit no
document states, accepted and applied.
"""

from __future__ import annotations

import copy
from typing import Any

from ..exceptions import RecordInvalid
from .numbers import NumberReads
from .rules import ATTRIBUTE_RULES, LIMIT, LISTED_NOT_APPLIED, READ_ONLY_ATTRIBUTES, SETTINGS_RULES, Problem, detail

Errors = dict[str, list[dict[str, str]]]


class Updates(NumberReads):
    def update_number(self, number_id: int, body: dict[str, Any], includes: list[str]) -> dict[str, Any]:
        record = self.number(number_id)
        attrs = body.get("phone_number")
        if not isinstance(attrs, dict):
            if self.on("update-envelope-422"):
                raise RecordInvalid({"phone_number": detail("blank", "phone_number must be an object")})
            attrs = {}  # taken as an empty update
        errors: Errors = {}
        accepted = self._attributes(attrs, record, errors)
        settings_change = attrs.get("settings")
        if "settings" not in includes and self.on("update-settings-need-include"):
            settings_change = None  # silently dropped without ?include=settings
        accepted_settings = self._settings(settings_change, errors) if settings_change is not None else {}
        if errors and self.on("update-all-or-nothing"):
            raise RecordInvalid(errors)  # nothing is applied
        record.update({k: copy.deepcopy(v) for k, v in accepted.items()})
        record["name"] = record["nickname"] or record["display_number"]
        self.settings[number_id].update(copy.deepcopy(accepted_settings))
        self.link()
        if errors:
            raise RecordInvalid(errors)  # the fields that passed were applied (update-all-or-nothing off)
        return self.with_includes(copy.deepcopy(record), includes)

    def _refuse(self, errors: Errors, key: str, problem: Problem) -> bool:
        """Record the refusal if its source applies; True when the value may be applied regardless (a value
        limit no document states, turned off)."""
        if problem.rule is None or self.on(problem.rule):
            errors[key] = detail("InvalidValue", f"{key.removeprefix('settings.')} {problem.text}")
            return False
        return problem.rule == LIMIT

    def _attributes(self, attrs: dict[str, Any], record: dict[str, Any], errors: Errors) -> dict[str, Any]:
        accepted: dict[str, Any] = {}
        for name, value in attrs.items():
            if name == "settings" or name in LISTED_NOT_APPLIED:
                continue
            if name in READ_ONLY_ATTRIBUTES:
                if self.on("update-read-only-422"):
                    errors[name] = detail("ReadOnly", f"{name} is read-only")
            elif name not in ATTRIBUTE_RULES:
                if self.on("update-unknown-attribute-422"):
                    errors[name] = detail("UnknownAttribute", f"{name} is not an attribute of a phone number")
            elif problem := ATTRIBUTE_RULES[name](value):
                if self._refuse(errors, name, problem):
                    accepted[name] = value
            elif problem_text := self._reference_problem(name, value, record):
                rule = "update-sms-capability-422" if name == "sms_enabled" else "update-reference-422"
                if self.on(rule):
                    errors[name] = detail("InvalidValue", problem_text)
            else:
                accepted[name] = value
        return accepted

    def _settings(self, change: Any, errors: Errors) -> dict[str, Any]:
        if not isinstance(change, dict):
            if self.on("update-type-422"):
                errors["settings"] = detail("InvalidValue", "settings must be an object")
            return {}
        accepted: dict[str, Any] = {}
        for name, value in change.items():
            key = f"settings.{name}"
            unknown = name not in SETTINGS_RULES or (
                name.startswith("auto_accept") and not self.config.auto_accept_feature
            )  # auto_accept_*: "Only present when the auto-accept feature is enabled" (documented)
            if unknown:
                if self.on("update-unknown-attribute-422"):
                    errors[key] = detail("UnknownAttribute", f"{name} is not a setting of this phone number")
            elif problem := SETTINGS_RULES[name](value):
                if self._refuse(errors, key, problem):
                    accepted[name] = value
            elif name == "outbound_calls_group_ids" and (missing := self._missing("group", self.groups, value)):
                if self.on("update-reference-422"):
                    errors[key] = detail("InvalidValue", missing)
            else:
                accepted[name] = value
        return accepted

    @staticmethod
    def _missing(kind: str, table: dict[Any, Any], ids: list[Any]) -> str | None:
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
