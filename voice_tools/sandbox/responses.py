"""The HTTP layer: parse a request, call the backend, format Zendesk's response. No rules live here."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .backend import INCLUDES, MAX_PER_PAGE, SEARCH_PAGE, TalkBackend
from .exceptions import JSON_CONTENT_TYPE, BadRequest, PlainError


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(json.dumps(body), status_code=status_code, media_type=JSON_CONTENT_TYPE)


def empty_response() -> Response:
    """Zendesk's deletes answer 200 with an empty body."""
    return Response(b"", status_code=200, media_type=JSON_CONTENT_TYPE)


def backend(request: Request) -> TalkBackend:
    return request.app.state.backend  # type: ignore[no-any-return]


def applies(request: Request, inference_id: str) -> bool:
    """Whether this sandbox applies the registry's inference (``inferred.py``)."""
    return backend(request).config.applies(inference_id)


def flag(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    if not applies(request, "query-flag-400"):
        return None  # accepted and ignored
    raise BadRequest("InvalidValue", f"{name} must be true or false")


def integer(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        if not applies(request, "pagination-400"):
            return default  # accepted and ignored
        raise BadRequest("InvalidPaginationParameter", f"{name} must be a whole number") from None


def pagination(request: Request) -> tuple[int, int]:
    """Offset pagination: page from 1, per_page from 1 to 100 (the documents' most; what a larger one gives
    is inferred: registry pagination-clamp)."""
    page = max(integer(request, "page", 1), 1)
    per_page = max(integer(request, "per_page", MAX_PER_PAGE), 1)
    if applies(request, "pagination-clamp"):
        per_page = min(per_page, MAX_PER_PAGE)
    return page, per_page


def page_links(request: Request, page: int, per_page: int, count: int) -> dict[str, Any]:
    """``next_page``/``previous_page`` as full URLs (or null), plus ``count``."""
    last = max((count + per_page - 1) // per_page, 1)
    url = request.url
    return {
        "next_page": str(url.include_query_params(page=page + 1, per_page=per_page)) if page < last else None,
        "previous_page": str(url.include_query_params(page=page - 1, per_page=per_page)) if page > 1 else None,
        "count": count,
    }


def record_id(request: Request, name: str) -> int:
    return int(request.path_params[name])


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; anything else answers 400, as a real account did (registry:
    invalid-json-400: the JSON body is inferred)."""
    raw = await request.body()
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        return body
    if not applies(request, "invalid-json-400"):
        raise PlainError(400, "Bad Request")
    if body is None and raw:
        raise BadRequest("InvalidJSON", "The request body is not valid JSON")
    raise BadRequest("InvalidJSON", "The request body must be a JSON object")


def includes(request: Request) -> list[str]:
    """Comma-separated include values, each one of the documented enum (anything else is a 400)."""
    raw = request.query_params.get("include") or ""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if unknown := [p for p in parts if p not in INCLUDES]:
        if not applies(request, "include-400"):
            return [p for p in parts if p in INCLUDES]  # the unknown ones accepted and ignored
        raise BadRequest(
            "InvalidValue", f"include does not accept {', '.join(unknown)}; allowed: {', '.join(INCLUDES)}"
        )
    return parts


# ---------------------------------------------------------------- phone numbers
async def list_phone_numbers(request: Request) -> Response:
    page, per_page = pagination(request)
    items, count = backend(request).list_numbers(
        page=page, per_page=per_page, minimal=bool(flag(request, "minimal_mode"))
    )
    return json_response({"phone_numbers": items, **page_links(request, page, per_page, count)})


async def search_phone_numbers(request: Request) -> Response:
    q = request.query_params
    found = backend(request).search(
        country=q.get("country"),
        toll_free=flag(request, "toll_free"),
        area_code=q.get("area_code") or None,
        contains=q.get("contains"),
    )
    if applies(request, "search-page-size"):
        return json_response({"phone_numbers": found, "next_page": None, "previous_page": None, "count": len(found)})
    page = max(integer(request, "page", 1), 1)
    shown = found[(page - 1) * SEARCH_PAGE : page * SEARCH_PAGE]
    return json_response({"phone_numbers": shown, **page_links(request, page, SEARCH_PAGE, len(found))})


async def show_phone_number(request: Request) -> Response:
    return json_response(backend(request).show_number(record_id(request, "phone_number_id"), includes(request)))


async def create_phone_number(request: Request) -> Response:
    return json_response(backend(request).create_number(await json_body(request)))


async def update_phone_number(request: Request) -> Response:
    body = await json_body(request)
    return json_response(backend(request).update_number(record_id(request, "phone_number_id"), body, includes(request)))


async def delete_phone_number(request: Request) -> Response:
    backend(request).delete_number(record_id(request, "phone_number_id"))
    return empty_response()


async def list_ivrs(request: Request) -> Response:
    """List IVRs (developer.zendesk.com/api-reference/voice/talk-api/ivrs), in the page envelope a real account
    answered with."""
    items = backend(request).list_ivrs()
    return json_response({"ivrs": items, "next_page": None, "previous_page": None, "count": len(items)})


# -------------------------------------------------------------------- addresses
async def list_addresses(request: Request) -> Response:
    page, per_page = pagination(request)
    items, count = backend(request).list_addresses(page=page, per_page=per_page)
    return json_response({"addresses": items, **page_links(request, page, per_page, count)})


async def create_address(request: Request) -> Response:
    return json_response(backend(request).create_address(await json_body(request)), status_code=201)


async def show_address(request: Request) -> Response:
    return json_response(backend(request).show_address(record_id(request, "address_id")))


async def update_address(request: Request) -> Response:
    body = await json_body(request)
    return json_response(backend(request).update_address(record_id(request, "address_id"), body))


async def delete_address(request: Request) -> Response:
    backend(request).delete_address(record_id(request, "address_id"))
    return empty_response()


# -------------------------------------------------------------------- greetings
async def list_greetings(request: Request) -> Response:
    page, per_page = pagination(request)
    items, count = backend(request).list_greetings(page=page, per_page=per_page)
    return json_response({"greetings": items, **page_links(request, page, per_page, count)})


async def show_greeting(request: Request) -> Response:
    return json_response(backend(request).show_greeting(record_id(request, "greeting_id")))


async def create_greeting(request: Request) -> Response:
    return json_response(backend(request).create_greeting(await json_body(request)), status_code=201)


async def update_greeting(request: Request) -> Response:
    body = await json_body(request)
    return json_response(backend(request).update_greeting(record_id(request, "greeting_id"), body))


async def delete_greeting(request: Request) -> Response:
    """Zendesk documents that deleting a greeting answers with the deleted greeting."""
    return json_response(backend(request).delete_greeting(record_id(request, "greeting_id")))


async def greeting_audio(request: Request) -> Response:
    audio = backend(request).greeting_audio(record_id(request, "greeting_id"))
    return Response(audio, media_type="audio/mpeg")


async def list_greeting_categories(request: Request) -> Response:
    items = backend(request).list_greeting_categories()
    return json_response({"greeting_categories": items, "next_page": None, "previous_page": None, "count": len(items)})


async def show_greeting_category(request: Request) -> Response:
    return json_response(backend(request).show_greeting_category(record_id(request, "category_id")))
