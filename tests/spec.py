"""Zendesk's OpenAPI document as JSON Schema, for contract tests.

OpenAPI 3.0 schemas are almost JSON Schema; the difference that matters here is ``nullable: true``,
which becomes ``anyOf: [schema, {type: null}]``. The document is the tests' own copy in ``tests/data``
(its README says where it came from), so a clone needs nothing beside it.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[1]


def reference_dir() -> Path:
    return ROOT / "tests" / "data"


def _convert(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _convert(v) for k, v in node.items() if k not in ("nullable", "example", "examples")}
        if node.get("nullable"):
            return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_convert(v) for v in node]
    return node


@functools.cache
def document() -> dict[str, Any]:
    return yaml.safe_load((reference_dir() / "talk-api-openapi-subset.yaml").read_text())  # type: ignore[no-any-return]


@functools.cache
def _registry() -> Registry:
    return Registry().with_resource(
        "urn:talk", Resource.from_contents(_convert(document()), default_specification=DRAFT7)
    )


def validator(schema: dict[str, Any]) -> Draft7Validator:
    return Draft7Validator(_convert(copy.deepcopy(schema)), registry=_registry())


def component(name: str) -> dict[str, Any]:
    return {"$ref": f"urn:talk#/components/schemas/{name}"}


def operation(method: str, path: str) -> dict[str, Any]:
    """The operation whose path template matches a concrete path (``.json`` suffix allowed)."""
    path = path.split("?")[0].removesuffix(".json")
    for template, item in document()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[0-9]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]  # type: ignore[no-any-return]
    raise KeyError(f"{method} {path} is not in the document")


def response_schema(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The documented schema for that status, or raise if the status is not documented."""
    responses = operation(method, path)["responses"]
    if str(status) not in responses:
        raise AssertionError(f"{method} {path} answered {status}, which the document does not list")
    content = responses[str(status)].get("content", {})
    media = content.get("application/json", {})
    schema = media.get("schema")
    if schema is None:
        return None
    return _rewrite_refs(schema)


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (f"urn:talk{v}" if k == "$ref" else _rewrite_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def schema_properties(name: str) -> dict[str, dict[str, Any]]:
    """Every property a component schema declares, through ``allOf``, with its own schema."""
    schemas = document()["components"]["schemas"]

    def walk(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
        if "$ref" in node:
            return walk(schemas[node["$ref"].rsplit("/", 1)[1]])
        found: dict[str, dict[str, Any]] = dict(node.get("properties", {}))
        for part in node.get("allOf", []):
            found |= walk(part)
        return found

    return walk(schemas[name])


def read_only_properties(name: str) -> set[str]:
    return {k for k, v in schema_properties(name).items() if v.get("readOnly")}
