"""An httpx2 transport that serves a sandbox in-process, with the network's failure modes kept real.

``httpx2.ASGITransport`` calls the app directly, so two things a socket would do are missing: it
ignores timeouts, and an app that drops the connection surfaces as the app's own exception. This
wrapper restores both, so a client sees exactly the ``httpx2`` errors it would see over a network
(``ReadTimeout``, ``RemoteProtocolError``) and needs no knowledge of the sandbox.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import anyio
import httpx2

from .faults import ConnectionDropped


class SandboxTransport(httpx2.AsyncBaseTransport):
    def __init__(self, app: Any) -> None:
        self._inner = httpx2.ASGITransport(app=app, client=("127.0.0.1", 50123))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            with anyio.fail_after(timeout) if timeout else nullcontext():
                return await self._inner.handle_async_request(request)
        except TimeoutError:
            raise httpx2.ReadTimeout("timed out waiting for the sandbox's answer", request=request) from None
        except ConnectionDropped:
            raise httpx2.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            ) from None

    async def aclose(self) -> None:
        await self._inner.aclose()
