"""The fleet as ``deploy/`` ships it, on loopback: Debian's haproxy running ``deploy/haproxy.cfg`` byte for
byte (its addresses come from the environment it reads: BALANCER_BIND and REPLICA_n, loopback ports here),
and replicas started with ``deploy/compose.yaml``'s environment, less what points at the test's own
Redis, sandbox and ports.

Each replica writes its logs to a file (a pipe nobody reads would fill and stall it) and can be stopped
and started again on its own ports, as a rolling restart does.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx2
import yaml

from tests.processes import LOOPBACK, free_port, stop, wait_until_listening

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TOKEN = "fleet-test-token-0123456789abcdefXYZ"
KEYS = "fleet-test-request-state-key-0123456789abcdef"
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "VOICE_TOOLS_", "XDG_"))}


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if os.path.exists(p)), None)
    if found is None:
        raise RuntimeError("haproxy is not installed: run .ci/system-packages (Debian's haproxy package)")
    return found


def compose_environment() -> dict[str, str]:
    """A replica's environment in deploy/compose.yaml, ``${VAR:?...}`` references left as they are."""
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    env = compose["services"]["voice-tools-1"]["environment"]
    return {name: str(value) for name, value in env.items()}


def replica_environment(
    redis_url: str, sandbox_url: str, state: Path, balancer_port: int, metrics_port: int, **extra: str
) -> dict[str, str]:
    """compose's environment, with what it leaves to the operator filled in and what names compose's
    own hosts pointed at this test's: the ledger, the account (a sandbox on loopback) and the balancer's
    port in the Host allow-list."""
    env = compose_environment()
    env.pop("ZENDESK_SUBDOMAIN")  # the account is the sandbox: a base URL instead of a subdomain
    env.update(
        {
            "VOICE_TOOLS_LEDGER": redis_url,
            "VOICE_TOOLS_HTTP_TOKEN": TOKEN,
            "VOICE_TOOLS_REQUEST_STATE_KEYS": KEYS,
            "ZENDESK_EMAIL": "admin@example.com",
            "ZENDESK_API_TOKEN": "sandbox-api-token",
            "VOICE_TOOLS_ZENDESK_BASE_URL": sandbox_url,
            "VOICE_TOOLS_METRICS_PORT": str(metrics_port),
            "VOICE_TOOLS_STATE_DIR": str(state),
        }
    )
    env["VOICE_TOOLS_ALLOWED_HOSTS"] += f",{LOOPBACK}:{balancer_port}"  # the Host the test's clients send
    leftover = [f"{k}={v}" for k, v in env.items() if re.search(r"\$\{", v)]
    assert not leftover, leftover
    return {**CLEAN_ENV, **env, **extra}


class Replica:
    """One ``serve --http`` process on fixed ports, which can be stopped and started again."""

    def __init__(self, name: str, port: int, metrics_port: int, env: dict[str, str], logs: Path) -> None:
        self.name, self.port, self.metrics_port, self.env = name, port, metrics_port, env
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voice_tools", "serve", "--http", "--port", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=self.env,
        )
        log.close()
        wait_until_listening(self.port, self.process, seconds=60)

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 90) -> int:
        """Send ``sig`` and wait for the process to end; its exit status."""
        self.signal(sig)
        return self.wait(seconds)

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, seconds: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=seconds)

    def calls_served(self) -> float:
        """Tool calls this replica has answered since it started (its own /metrics, on its metrics port)."""
        text = httpx2.get(f"http://{LOOPBACK}:{self.metrics_port}/metrics", timeout=10).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("voice_tools_tool_calls_total{")
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Replica:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@contextmanager
def shipped_haproxy(replicas: list[Replica], logs: Path, port: int) -> Iterator[int]:
    """deploy/haproxy.cfg, unchanged, run by Debian's haproxy on ``port``; yields the port."""
    env = {**CLEAN_ENV, "BALANCER_BIND": f"{LOOPBACK}:{port}"}
    env.update({f"REPLICA_{i}": f"{LOOPBACK}:{r.port}" for i, r in enumerate(replicas, start=1)})
    checked = subprocess.run(
        [haproxy_binary(), "-c", "-f", str(DEPLOY / "haproxy.cfg")], env=env, capture_output=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr.decode()
    log = (logs / "haproxy.log").open("ab")
    process = subprocess.Popen(
        [haproxy_binary(), "-db", "-f", str(DEPLOY / "haproxy.cfg")], stdout=log, stderr=log, env=env
    )
    log.close()
    try:
        wait_until_listening(port, process)
        yield port
    finally:
        stop(process)


@contextmanager
def shipped_fleet(
    redis_url: str, sandbox_url: str, tmp: Path, count: int = 3, **extra: str
) -> Iterator[tuple[str, list[Replica]]]:
    """``count`` replicas with compose's environment behind the shipped haproxy.cfg; yields the MCP URL
    clients use (through the balancer) and the replicas, once every replica has served a call through it."""
    balancer_port = free_port()
    with ExitStack() as stack:
        replicas = []
        for i in range(1, count + 1):
            state = tmp / f"state-{i}"
            state.mkdir()
            metrics_port = free_port()
            env = replica_environment(redis_url, sandbox_url, state, balancer_port, metrics_port, **extra)
            replica = Replica(f"voice-tools-{i}", free_port(), metrics_port, env, tmp)
            stack.callback(replica.close)
            replicas.append(replica)
        for replica in replicas:
            replica.start()
        port = stack.enter_context(shipped_haproxy(replicas, tmp, balancer_port))
        url = f"http://{LOOPBACK}:{port}/mcp"
        yield url, replicas


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``condition()`` (a state, not a sleep) until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError(f"waited {seconds:g} s for {what}")
