"""A real Redis server for the tests: Debian's redis-server, started on a free loopback port, stopped after.

It keeps nothing on disk (no snapshots, no append-only file) and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from tests.processes import LOOPBACK, free_port, wait_until_listening


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


@contextmanager
def redis_server() -> Iterator[str]:
    """Start redis-server; yield its URL (database 0)."""
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("redis-server is not installed: run .ci/system-packages (Debian's redis-server package)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="voice-tools-redis-") as folder:
        process = subprocess.Popen(
            [
                binary,
                "--bind",
                LOOPBACK,
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder,
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until_listening(port, process)
            yield f"redis://{LOOPBACK}:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def flushed(url: str) -> str:
    """``url`` after emptying that Redis server, so a test starts from nothing."""
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushall()
    return url
