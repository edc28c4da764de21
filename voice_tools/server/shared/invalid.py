"""Arguments that fail validation, told to the model in the same shape as every other failure.

pydantic's own text (``1 validation error for search_numbersArguments … [type=value_error, …]``) names
an internal model and buries the fix. A model needs, for each argument: its name, the value it sent,
and what is allowed; then whether to retry (yes, once fixed: nothing was sent to Zendesk) and how.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from voice_tools.guard.text import one_line

from .errors import message

VALUE_CAP = 40


def shown(value: Any) -> str:
    """A value as the model sent it, on one line and short: ``'UK'``, ``500``, ``true``."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, str):
        return repr(one_line(value, VALUE_CAP))
    return one_line(repr(value), VALUE_CAP)


def problem(error: ErrorDetails, *, where: str = "", described: Mapping[str, str] | None = None) -> str:
    """One failed check as a phrase: ``limit is 500 but must be less than or equal to 20``."""
    location = ".".join(str(part) for part in error["loc"])
    name = f"{where}.{location}" if where and location else where or location or "the arguments"
    kind, text = error["type"], error["msg"]
    if kind == "missing":
        description = (described or {}).get(name)
        return f"{name} is required" + (f" ({description})" if description else "")
    if kind in ("value_error", "assertion_error"):
        return f"{name}: {error.get('ctx', {}).get('error', text)}"
    if kind == "extra_forbidden":
        return f"{name} is not an accepted field"
    if text.startswith("Input should be "):
        allowed = text.removeprefix("Input should be ").split(", unable to")[0]
        return f"{name} is {shown(error['input'])} but must be {allowed}"
    if should := re.match(r"^(?:String|List|Value|Dictionary|Tuple|Set) should (.+)$", text):
        return f"{name} is {shown(error['input'])} but should {should.group(1)}"
    return f"{name} is {shown(error['input'])}: {text[:1].lower()}{text[1:]}"


def problems(error: ValidationError, *, where: str = "", described: Mapping[str, str] | None = None) -> list[str]:
    return [problem(item, where=where, described=described) for item in error.errors(include_url=False)]


def fields_of(error: ValidationError) -> list[str]:
    """The top-level arguments an error is about, in order, once each."""
    return list(dict.fromkeys(str(item["loc"][0]) for item in error.errors() if item["loc"]))


def unknown_arguments(arguments: Mapping[str, Any], model: type[BaseModel]) -> list[str]:
    """Arguments the tool does not take: refused, since a misspelt filter silently ignored gives a wrong
    answer that looks right."""
    accepted = {field.alias or name for name, field in model.model_fields.items()} | set(model.model_fields)
    return sorted(set(arguments) - accepted)


def invalid_arguments(tool: str, found: Iterable[str], *, fix: Iterable[str] = (), hint: str = "") -> str:
    """The message for a call refused before anything was sent."""
    listed, names = "; ".join(found), list(fix)
    what = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names) or "these"
    next_step = f"call {tool} again with {what} fixed{'; ' + hint if hint else ''}"
    return message(f"{tool} was not run, its arguments are invalid: {listed}", "yes, once they are fixed", next_step)


def check_arguments(tool: str, arguments: Mapping[str, Any], model: type[BaseModel]) -> str | None:
    """The model-facing message when ``arguments`` do not fit ``model`` (the tool's argument model), else None."""
    found: list[str] = []
    fix: list[str] = []
    if extra := unknown_arguments(arguments, model):
        accepted = ", ".join(field.alias or name for name, field in model.model_fields.items())
        found += [f"{name} is not an argument of {tool} (it takes {accepted})" for name in extra]
        fix += extra
    try:
        model.model_validate({k: v for k, v in arguments.items() if k not in extra})
    except ValidationError as error:
        described = {f.alias or n: f.description for n, f in model.model_fields.items() if f.description}
        found += problems(error, described=described)
        fix += fields_of(error)
    return invalid_arguments(tool, found, fix=fix) if found else None
