"""Start the project's own commands as real subprocesses on loopback, for out-of-process tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def written_by(process: subprocess.Popen[bytes]) -> bytes:
    """What a process wrote on stderr: its pipe, or the file ``logged`` gave it."""
    log = getattr(process, "stderr_file", None)
    if log is not None:
        log.flush()
        return Path(log.name).read_bytes()
    return process.stderr.read() if process.stderr else b""


def logged(command: list[str], env: dict[str, str], stdout: Path | None = None) -> subprocess.Popen[bytes]:
    """``command`` started with its stderr in a file, never a pipe: a server that logs more than a pipe holds
    (some 300 audit lines) while nobody reads would block on its next line and stop answering. Its stdout
    goes to the file ``stdout`` names, else nowhere."""
    log = tempfile.NamedTemporaryFile(prefix="voice-tools-process-", suffix=".log")  # noqa: SIM115 - kept open
    with open(stdout, "ab") if stdout else open(os.devnull, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=log, env=env)
    process.stderr_file = log  # type: ignore[attr-defined]
    return process


def wait_until_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited early with {process.returncode}: {written_by(process)!r}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on {LOOPBACK}:{port} within {seconds}s")


@contextmanager
def voice_tools_process(
    *args: str, port: int, env: dict[str, str] | None = None, stdout: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    process = logged(
        [sys.executable, "-m", "voice_tools", *args],
        # no drain delay (no balancer to wait for): a stop still answers what is in flight, without the wait
        env={**os.environ, "VOICE_TOOLS_DRAIN": "0", **(env or {})},
        stdout=stdout,
    )
    try:
        wait_until_listening(port, process)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], seconds: float = 10) -> None:
    """SIGTERM; a second SIGTERM after a second (a server still lingering for its idle 2025-11-25 sessions, as
    a replica leaving a balancer does, stops then: still answering any call in flight and exiting 0); SIGKILL
    if it has not ended within ``seconds``. The tests of the linger itself signal their servers themselves."""
    process.terminate()
    try:
        process.wait(timeout=min(1.0, seconds))
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if (log := getattr(process, "stderr_file", None)) is not None:
        log.close()


@contextmanager
def standalone_sandbox(*extra: str) -> Iterator[str]:
    """A ``voice-tools sandbox`` process; in the suite's second pass (every inference off) it accepts too."""
    port = free_port()
    accept = ("--accept-inferred",) if os.environ.get("VOICE_TOOLS_TEST_SANDBOX_INFERRED") == "accept" else ()
    with voice_tools_process("sandbox", "--port", str(port), *accept, *extra, port=port):
        url = f"http://{LOOPBACK}:{port}"
        httpx2.post(f"{url}/__sandbox__/reset")
        yield url
