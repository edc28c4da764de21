"""Zendesk's offset pagination as async iteration: ``async for number in client.list_numbers()``.

``AsyncPaginator`` follows ``next_page`` one page after another (lazily, so a caller that stops early
fetches no more). ``collect()`` reads a whole list faster: offset pages are addressable, so once the
first page gives the count, the rest are fetched concurrently, within a bound, each paced under the
account's request budget (``pacing.py``): a long listing slows down rather than meet a 429.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

import anyio
import httpx2

from voice_tools.models import OffsetPage, ZendeskResponse

from .errors import BudgetSpentError, UnexpectedResponseError, ZendeskError

Item = TypeVar("Item", bound=ZendeskResponse)
PageT = TypeVar("PageT", bound=OffsetPage)

DEFAULT_CONCURRENCY = 16  # 50 pages (5,000 numbers) in about four round trips after the first

Progress = Callable[[int, int], Awaitable[None]]
FetchPage = Callable[[str, dict[str, str | int] | None], Awaitable[OffsetPage]]
Pace = Callable[[float | None], Awaitable[float]]  # max_wait -> seconds waited (BudgetSpentError past it)
Estimate = Callable[[int], float]  # requests -> at least how long they must wait for the budget


def first_zendesk_error(failures: ExceptionGroup[Exception]) -> Exception:
    """The error to raise for concurrent page reads that failed: the first Zendesk error (the others are
    usually the same one, met by sibling requests), so callers handle one ``ZendeskError`` as they would
    for a single request. Anything else (a bug) stays a group, with every traceback."""
    for leaf in _leaves(failures):
        if isinstance(leaf, ZendeskError):
            return leaf
    return failures


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


class AsyncPaginator(Generic[Item]):
    def __init__(
        self,
        fetch: FetchPage,
        path: str,
        params: dict[str, str | int],
        *,
        same_origin: Callable[[str], bool],
        pace: Pace,
        estimate: Estimate,
        max_wait: float | None,
    ) -> None:
        self._fetch, self._path, self._params = fetch, path, params
        self._same_origin, self._pace, self._estimate = same_origin, pace, estimate
        self._max_wait = max_wait  # a listing's pacing waits at most this long in all (None: as long as it takes)
        self._waited = 0.0

    async def _paced(self, patient: bool = False) -> None:
        allowed = None if self._max_wait is None or patient else self._max_wait - self._waited
        self._waited += await self._pace(allowed)

    def __aiter__(self) -> AsyncIterator[Item]:
        return self._items()

    async def _items(self) -> AsyncIterator[Item]:
        async for page in self.pages():
            for item in page.items():
                yield item  # type: ignore[misc]

    async def pages(self) -> AsyncIterator[OffsetPage]:
        page = await self._fetch(self._path, self._params)
        yield page
        while page.next_page:
            page = await self._fetch(self._checked(page.next_page), None)
            yield page

    def _checked(self, url: str) -> str:
        if not self._same_origin(url):
            # the credentials go with every request: never follow a link to another host
            raise UnexpectedResponseError(
                "Zendesk's next_page points at another host; refusing to follow it",
                method="GET",
                path=self._path,
                status_code=200,
            )
        return url

    async def collect(
        self, concurrency: int = DEFAULT_CONCURRENCY, *, progress: Progress | None = None, patient: bool = False
    ) -> list[Item]:
        """Every item, in order. Pages after the first are fetched concurrently (at most ``concurrency``), paced
        under the account's budget: within the client's ``max_retry_after`` in all (BudgetSpentError, nothing
        more sent, when the budget would not carry the rest in that time) or, ``patient``, as long as it takes.
        ``progress(pages_read, pages_total)`` is awaited after each page."""
        first = await self._fetch(self._path, self._params)
        items: list[Item] = list(first.items())  # type: ignore[arg-type]
        if not first.next_page:
            return items
        per_page = max(len(items), 1)
        last = -(-(first.count or 0) // per_page)
        done = 1
        if progress is not None:
            await progress(done, max(last, 2))
        if last <= 2 or concurrency <= 1:
            return items + await self._follow(first.next_page, patient)
        next_url = httpx2.URL(self._checked(first.next_page))
        if not patient and self._max_wait is not None and (wait := self._estimate(last - 1)) > self._max_wait:
            raise BudgetSpentError(  # fail now, not after spending what is left of the budget and the wait
                f"the account's request budget would not carry the {last - 1} pages left of this listing: they "
                f"would wait {wait:.0f} s for Zendesk's window, so none was sent",
                method="GET",
                path=self._path,
                status_code=429,
                retry_after=wait,
            )
        pages: dict[int, OffsetPage] = {}
        limiter = anyio.CapacityLimiter(concurrency)

        async def fetch(number: int) -> None:
            async with limiter:
                await self._paced(patient)  # never spend the account's budget: slow down as it runs low
                pages[number] = await self._fetch(str(next_url.copy_set_param("page", number)), None)
            nonlocal done
            done += 1
            if progress is not None:
                await progress(done, last)

        try:
            async with anyio.create_task_group() as group:
                for number in range(2, last + 1):
                    group.start_soon(fetch, number)
        except ExceptionGroup as failures:
            raise first_zendesk_error(failures) from None
        seen = {getattr(i, "id", None) for i in items}
        for number in sorted(pages):
            for item in pages[number].items():
                key = getattr(item, "id", None)
                if key is None or key not in seen:  # the list may shift between pages; never repeat one
                    seen.add(key)
                    items.append(item)  # type: ignore[arg-type]
        # numbers added while the pages were read: follow on from the last page as Zendesk links it
        items.extend(
            i for i in await self._follow(pages[last].next_page, patient) if getattr(i, "id", None) not in seen
        )
        return items

    async def _follow(self, url: str | None, patient: bool = False) -> list[Item]:
        out: list[Item] = []
        while url:
            await self._paced(patient)
            page = await self._fetch(self._checked(url), None)
            out.extend(page.items())  # type: ignore[arg-type]
            url = page.next_page
        return out
