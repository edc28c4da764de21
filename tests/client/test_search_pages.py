"""A search answered in pages: the documents show search in Zendesk's page envelope (next_page), though the
sandbox always answers on one page. A real account that pages still gives the search what it asked for."""

from __future__ import annotations

import json

import httpx2
import pytest

from tests.harness import default_sandbox
from voice_tools.client import TalkClient
from voice_tools.server.config.serving import SANDBOX_CONFIG

pytestmark = pytest.mark.anyio
PAGE = 2


class PagedSearch(httpx2.AsyncBaseTransport):
    """The sandbox's search answer cut into pages of two, each naming the next as Zendesk's envelope does."""

    def __init__(self, next_page_host: str = "https://sandbox.zendesk.com") -> None:
        self.inner = default_sandbox().transport()
        self.host = next_page_host
        self.searches: list[str] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if not request.url.path.startswith("/api/v2/channels/voice/phone_numbers/search"):
            return await self.inner.handle_async_request(request)
        self.searches.append(str(request.url))
        page = int(request.url.params.get("page", "1"))
        query = {k: v for k, v in request.url.params.items() if k != "page"}
        plain = httpx2.Request("GET", request.url.copy_with(params=query), headers=request.headers)
        whole = json.loads(await (await self.inner.handle_async_request(plain)).aread())
        numbers = whole["phone_numbers"]
        cut = numbers[(page - 1) * PAGE : page * PAGE]
        more = page * PAGE < len(numbers)
        next_url = str(request.url.copy_with(params={**query, "page": page + 1})).replace(
            "https://sandbox.zendesk.com", self.host
        )
        body = {
            "phone_numbers": cut,
            "next_page": next_url if more else None,
            "previous_page": None,
            "count": len(numbers),
        }
        return httpx2.Response(200, json=body)


async def test_a_paged_search_is_read_until_it_has_enough() -> None:
    transport = PagedSearch()
    async with TalkClient(SANDBOX_CONFIG, transport=transport) as client:
        found = await client.search_available("US", at_least=5)
    assert len(found) >= 5 and len({n.number for n in found}) == len(found)
    assert len(transport.searches) == 3  # pages of two: 2, 4, 6 numbers


async def test_one_page_is_enough_when_it_holds_what_was_asked() -> None:
    transport = PagedSearch()
    async with TalkClient(SANDBOX_CONFIG, transport=transport) as client:
        found = await client.search_available("US", at_least=2)
    assert len(found) == 2 and len(transport.searches) == 1


async def test_a_next_page_on_another_host_is_not_followed() -> None:
    transport = PagedSearch(next_page_host="https://attacker.example")
    async with TalkClient(SANDBOX_CONFIG, transport=transport) as client:
        found = await client.search_available("US", at_least=5)
    assert len(found) == 2 and len(transport.searches) == 1  # credentials never leave for another host
