"""Serving over stdio, with a graceful stop on SIGTERM and SIGINT.

Chat clients stop a stdio server by closing its stdin, or by SIGTERM (and SIGKILL a few seconds later).
Python's default for SIGTERM is to die on the spot, which would drop the audit line of a purchase that
is at Zendesk at that moment. Here the first SIGTERM or SIGINT cancels the session instead: purchases and
updates already sent are shielded, and the lifespan waits for them (bounded by
``VOICE_TOOLS_SHUTDOWN_GRACE_SECONDS``) before the process exits with status 0. A second signal takes
the default action (the handlers are gone by then), so an operator can always force the stop.

The SDK reads stdin through anyio's worker threads, which cannot be abandoned: a cancelled read waits
for the next line, so a server waiting on a quiet client could never stop. ``StdinLines`` reads on a
daemon thread of its own instead, which the process leaves behind when it exits.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator
from typing import Any, BinaryIO, cast

import anyio
import anyio.from_thread
import anyio.lowlevel
from mcp.server import MCPServer
from mcp.server.stdio import stdio_server

from ..state import ServerParts

logger = logging.getLogger("voice_tools.server")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StdinLines:
    """The lines of a binary stream as an async iterable, read on a daemon thread."""

    def __init__(self, source: BinaryIO) -> None:
        self._text = io.TextIOWrapper(source, encoding="utf-8", errors="replace")

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        token = anyio.lowlevel.current_token()
        send, receive = anyio.create_memory_object_stream[str](1)

        def pump() -> None:
            # Any failure means the loop or the receiver is gone: nobody is left to read the lines.
            with contextlib.suppress(Exception):
                for line in self._text:
                    anyio.from_thread.run(send.send, line, token=token)
            with contextlib.suppress(Exception):
                anyio.from_thread.run_sync(send.close, token=token)  # end of input: the session ends

        threading.Thread(target=pump, name="voice-tools stdin", daemon=True).start()
        async with receive:
            async for line in receive:
                yield line


def claim_stdin() -> BinaryIO:
    """A private duplicate of fd 0 to read the protocol from, with fd 0 itself pointed at the null device
    (as the SDK does), so that nothing else in the process can read, and so tear, the client's messages."""
    try:
        private = os.dup(0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
    except OSError:
        return sys.stdin.buffer
    return os.fdopen(private, "rb")


async def stop_on_signal(scope: anyio.CancelScope, parts: ServerParts, grace_seconds: float) -> None:
    with anyio.open_signal_receiver(*STOP_SIGNALS) as signals:
        async for received in signals:
            parts.stopping.set()  # a bulk job pauses at a safe point and releases its claim
            pending = parts.in_flight.count
            waiting = f" after {pending} purchase(s) or update(s) in flight (at most {grace_seconds:g} s)"
            name = signal.Signals(received).name
            print(f"voice-tools: {name}: stopping{waiting if pending else ''}", file=sys.stderr, flush=True)
            scope.cancel()
            return


async def serve_stdio(server: MCPServer[Any], parts: ServerParts, *, grace_seconds: float) -> None:
    """Run ``server`` on this process's stdin and stdout until the client leaves or a stop signal comes."""
    # MCPServer.run_stdio_async takes no streams; this does what it does, with our stdin.
    lowlevel = server._lowlevel_server
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(stop_on_signal, tasks.cancel_scope, parts, grace_seconds)
        stdin = cast(anyio.AsyncFile[str], StdinLines(claim_stdin()))  # stdio_server only iterates it
        async with stdio_server(stdin=stdin) as (read_stream, write_stream):
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
        tasks.cancel_scope.cancel()
