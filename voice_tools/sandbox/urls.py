"""Zendesk Talk's routes, each with and without the ``.json`` suffix (``/search`` before ``/{id}``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import responses as r

Handler = Callable[[Request], Awaitable[Response]]
BASE = "/api/v2/channels/voice"

_TABLE: list[tuple[str, dict[str, Handler]]] = [
    ("/phone_numbers/search", {"GET": r.search_phone_numbers}),
    ("/phone_numbers", {"GET": r.list_phone_numbers, "POST": r.create_phone_number}),
    (
        "/phone_numbers/{phone_number_id:int}",
        {"GET": r.show_phone_number, "PUT": r.update_phone_number, "DELETE": r.delete_phone_number},
    ),
    ("/ivr", {"GET": r.list_ivrs}),
    ("/addresses", {"GET": r.list_addresses, "POST": r.create_address}),
    (
        "/addresses/{address_id:int}",
        {"GET": r.show_address, "PUT": r.update_address, "DELETE": r.delete_address},
    ),
    ("/greetings", {"GET": r.list_greetings, "POST": r.create_greeting}),
    (
        "/greetings/{greeting_id:int}",
        {"GET": r.show_greeting, "PUT": r.update_greeting, "DELETE": r.delete_greeting},
    ),
    ("/greetings/{greeting_id:int}/upload", {"GET": r.greeting_audio}),
    ("/greeting_categories", {"GET": r.list_greeting_categories}),
    ("/greeting_categories/{category_id:int}", {"GET": r.show_greeting_category}),
]


def _dispatch(methods: dict[str, Handler]) -> Handler:
    async def endpoint(request: Request) -> Response:
        return await methods[request.method](request)

    return endpoint


def api_routes() -> list[Route]:
    routes: list[Route] = []
    for path, methods in _TABLE:
        for suffix in (".json", ""):
            routes.append(Route(BASE + path + suffix, _dispatch(methods), methods=list(methods)))
    return routes
