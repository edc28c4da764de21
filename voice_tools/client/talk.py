"""``TalkClient``: the Zendesk Talk phone-numbers API as typed async methods."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, overload

from voice_tools.models import (
    Address,
    AddressCreate,
    AddressPage,
    AvailableNumber,
    AvailableNumberList,
    Include,
    MinimalPhoneNumber,
    MinimalPhoneNumberPage,
    OffsetPage,
    PhoneNumber,
    PhoneNumberDetails,
    PhoneNumberPage,
    PhoneNumberUpdate,
)
from voice_tools.models.base import ZendeskResponse

from .base import BaseClient
from .pagination import AsyncPaginator

VOICE = "/api/v2/channels/voice"
PHONE_NUMBERS = f"{VOICE}/phone_numbers"
ADDRESSES = f"{VOICE}/addresses"
MAX_PER_PAGE = 100
SEARCH_PAGES = 5  # a search reads at most this many pages, however many it is offered


class _AddressEnvelope(ZendeskResponse):
    address: Address


class _PhoneNumberEnvelope(ZendeskResponse):
    phone_number: PhoneNumber


class TalkClient(BaseClient):
    """One Zendesk account's Talk phone numbers. Use as ``async with TalkClient(config) as client:``."""

    def _paginator(self, path: str, params: dict[str, str | int], page_model: type[OffsetPage]) -> AsyncPaginator:  # type: ignore[type-arg]
        async def fetch(url: str, query: dict[str, str | int] | None) -> OffsetPage:
            page = await self.request("GET", url, page_model, params=query)
            assert page is not None
            return page

        return AsyncPaginator(
            fetch,
            path,
            params,
            same_origin=self.same_origin,
            pace=self.pace,
            estimate=self.pacer.estimate,
            max_wait=self.retry.max_retry_after,  # a listing runs inside a tool call: it may not wait for long
        )

    @overload
    def list_numbers(self, *, minimal: Literal[False] = ..., per_page: int = ...) -> AsyncPaginator[PhoneNumber]: ...
    @overload
    def list_numbers(self, *, minimal: Literal[True], per_page: int = ...) -> AsyncPaginator[MinimalPhoneNumber]: ...
    def list_numbers(self, *, minimal: bool = False, per_page: int = MAX_PER_PAGE) -> AsyncPaginator:  # type: ignore[type-arg]
        """The account's numbers, every page. ``minimal=True`` asks Zendesk for the trimmed field set."""
        params: dict[str, str | int] = {"per_page": max(1, min(per_page, MAX_PER_PAGE))}
        if minimal:
            params["minimal_mode"] = "true"
        return self._paginator(PHONE_NUMBERS, params, MinimalPhoneNumberPage if minimal else PhoneNumberPage)

    def list_numbers_trimmed(self, *, per_page: int = MAX_PER_PAGE) -> AsyncPaginator[PhoneNumber]:
        """The account's numbers in minimal mode (about a sixth of the bytes), read as ``PhoneNumber``: the
        fields minimal mode keeps are set and every other one is None (``number`` too: the display number
        has it)."""
        params: dict[str, str | int] = {"per_page": max(1, min(per_page, MAX_PER_PAGE)), "minimal_mode": "true"}
        return self._paginator(PHONE_NUMBERS, params, PhoneNumberPage)

    async def search_available(
        self,
        country: str,
        *,
        toll_free: bool | None = None,
        area_code: str | None = None,
        contains: str | None = None,
        at_least: int = 1,
    ) -> list[AvailableNumber]:
        """Numbers available to buy in ``country`` (ISO 3166 alpha-2). The documents show search answering
        in Zendesk's page envelope; where an answer holds fewer than ``at_least`` numbers and names a
        ``next_page`` on this account, that page is read too (at most ``SEARCH_PAGES`` pages)."""
        params: dict[str, str | int] = {"country": country.upper()}
        if toll_free is not None:
            params["toll_free"] = "true" if toll_free else "false"
        if area_code:
            params["area_code"] = area_code
        if contains:
            params["contains"] = contains
        found = await self.request("GET", f"{PHONE_NUMBERS}/search", AvailableNumberList, params=params)
        assert found is not None
        numbers = {n.number: n for n in found.phone_numbers}  # by number: a page may repeat one
        for _ in range(SEARCH_PAGES - 1):
            if len(numbers) >= at_least or not found.next_page or not self.same_origin(found.next_page):
                break
            found = await self.request("GET", found.next_page, AvailableNumberList)
            assert found is not None
            numbers.update({n.number: n for n in found.phone_numbers if n.number not in numbers})
        return list(numbers.values())

    async def get_number(self, number_id: int, include: Iterable[Include] = ()) -> PhoneNumberDetails:
        """One number; ``include`` adds its settings and side-loads the account's IVRs, groups, etc."""
        params: dict[str, str | int] = {"include": ",".join(dict.fromkeys(include))} if include else {}
        details = await self.request("GET", f"{PHONE_NUMBERS}/{int(number_id)}", PhoneNumberDetails, params=params)
        assert details is not None
        return details

    async def create_number(self, token: str, *, address_sid: str | None = None) -> PhoneNumber:
        """Buy the available number behind ``token``. Never retried once it may have reached Zendesk."""
        body: dict[str, object] = {"phone_number": {"token": token}}
        if address_sid:
            body["address_sid"] = address_sid
        created = await self.request("POST", PHONE_NUMBERS, _PhoneNumberEnvelope, json=body)
        assert created is not None
        return created.phone_number

    async def update_number(self, number_id: int, update: PhoneNumberUpdate) -> PhoneNumberDetails:
        """Change the fields set on ``update`` (and only those). Settings go with ``?include=settings``,
        which Zendesk requires for them to be written, and come back in the answer."""
        payload = update.payload()
        params: dict[str, str | int] = {"include": "settings"}
        details = await self.request(
            "PUT",
            f"{PHONE_NUMBERS}/{int(number_id)}",
            PhoneNumberDetails,
            params=params,
            json={"phone_number": payload},
        )
        assert details is not None
        return details

    async def delete_number(self, number_id: int, *, resend: bool = True) -> None:
        """Release a number from the account (Zendesk answers 200 with an empty body). ``resend=False``
        for a guarded release: a resent DELETE after a lost answer would read 404 for a number the
        first one released."""
        await self.request("DELETE", f"{PHONE_NUMBERS}/{int(number_id)}", None, resend=resend)

    def list_addresses(self, *, per_page: int = MAX_PER_PAGE) -> AsyncPaginator[Address]:
        return self._paginator(ADDRESSES, {"per_page": max(1, min(per_page, MAX_PER_PAGE))}, AddressPage)

    async def create_address(self, address: AddressCreate) -> Address:
        created = await self.request("POST", ADDRESSES, _AddressEnvelope, json={"address": address.payload()})
        assert created is not None
        return created.address
