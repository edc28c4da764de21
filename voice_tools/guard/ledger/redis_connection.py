"""Every Redis ledger call's Redis failure turned into ``LedgerUnavailable`` (one error the server words for
the model)."""

from __future__ import annotations

import functools
import inspect
from abc import ABC
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .base import Ledger, LedgerUnavailable

L = TypeVar("L")


def unavailable_when_redis_fails(cls: type[L]) -> type[L]:
    """Every coroutine method of the ledger raises LedgerUnavailable when Redis cannot answer (down, restarting,
    loading, out of memory, no connection in the pool in time): one error the server words for the model."""
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - the redis extra is not installed: the class refuses at construction
        return cls
    failures = (RedisError, OSError)  # connection, timeout, loading, out of memory, pool exhausted; the socket

    def wrap(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(method)
        async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except failures as error:
                raise LedgerUnavailable(self.url, f"{type(error).__name__}: {error}") from error

        return guarded

    own = [klass for klass in cls.__mro__ if klass not in (Ledger, ABC, object)]  # its mixins' too
    for name, member in {n: m for klass in reversed(own) for n, m in vars(klass).items()}.items():
        if inspect.iscoroutinefunction(member) and not name.startswith("_") and name != "aclose":
            setattr(cls, name, wrap(name, member))
    return cls
