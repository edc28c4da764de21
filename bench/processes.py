"""Spawning servers for the benchmarks (loopback only) and reading their memory."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mcp import StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.processes import free_port, logged, stop, wait_until_listening

# every server the benchmarks start keeps its ledger and audit trail in a new folder of its own: never the
# user's state folder, never one that earlier runs filled (a ledger holding 16,000 quotes made each search
# 3 ms slower), and never an earlier server's of the same run (its listing snapshot, kept in the ledger, would
# answer the next server's walk with one request): the measurement starts from what a new install has
STATE_DIR = tempfile.mkdtemp(prefix="voice-tools-bench-state-")
atexit.register(shutil.rmtree, STATE_DIR, ignore_errors=True)
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "VOICE_TOOLS_"))}


def server_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """A started server's environment: the clean one, a new state folder, then ``env`` (which may share one)."""
    return {**CLEAN_ENV, "VOICE_TOOLS_STATE_DIR": tempfile.mkdtemp(dir=STATE_DIR), **(env or {})}


VOICE_TOOLS = [sys.executable, "-m", "voice_tools"]
BARE = [sys.executable, "-m", "bench.bare_server"]


SERVER_LOG = Path(__file__).resolve().parent / "results" / "servers.log"


def stdio(command: list[str], env: dict[str, str] | None = None) -> Any:
    """A stdio transport for ``mcp.Client``; the server's stderr goes to bench/results/servers.log."""
    SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
    params = StdioServerParameters(command=command[0], args=command[1:], env=server_env(env))
    return stdio_client(params, errlog=SERVER_LOG.open("a"))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def child_pid(marker: str) -> int:
    """The pid of this process's child whose command line contains ``marker`` (the stdio server)."""
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == me and marker in cmdline:
            return int(entry.name)
    raise RuntimeError(f"no child process running {marker}")


@contextmanager
def background(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    process = logged(command, server_env({"VOICE_TOOLS_DRAIN": "0", **(env or {})}))  # no balancer to wait for
    try:
        wait_until_listening(port, process)
        yield process
    finally:
        stop(process)


__all__ = ["BARE", "CLEAN_ENV", "VOICE_TOOLS", "background", "child_pid", "free_port", "rss_mb", "server_env", "stdio"]
