"""A real Redis server for the tests: Debian's redis-server, started on a free loopback port, stopped after.

It keeps nothing on disk (no snapshots, no append-only file) and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
                "--logfile",
                f"{folder}/redis.log",  # a file, never a pipe nobody reads (a full pipe stops the server)
            ],
            stdout=subprocess.DEVNULL,
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


class ControlledRedis:
    """A redis-server the test can stop, freeze, kill and start again on the same port, with an append-only
    file (``appendfsync always``, as the deployment files run it) or with nothing on disk."""

    def __init__(self, folder: str, *, appendonly: bool = True) -> None:
        self.folder, self.appendonly = folder, appendonly
        self.port = free_port()
        self.url = f"redis://{LOOPBACK}:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, empty: bool = False) -> None:
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError("redis-server is not installed: run .ci/system-packages")
        if empty:  # Redis restarted on an empty directory: it has forgotten everything
            shutil.rmtree(self.folder, ignore_errors=True)
            Path(self.folder).mkdir(parents=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [
                *(
                    binary,
                    "--bind",
                    LOOPBACK,
                    "--port",
                    str(self.port),
                    "--save",
                    "",
                    *persistence,
                    "--dir",
                    self.folder,
                ),
                *("--logfile", f"{self.folder}.log"),
            ],  # beside its data (an empty restart clears the folder)
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_until_listening(self.port, self.process)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@contextmanager
def controlled_redis(*, appendonly: bool = True) -> Iterator[ControlledRedis]:
    with tempfile.TemporaryDirectory(prefix="voice-tools-redis-") as folder:
        server = ControlledRedis(folder, appendonly=appendonly)
        server.start()
        try:
            yield server
        finally:
            if server.process is not None:
                server.thaw()
            server.kill()
