"""The deployment files people copy (deploy/): parsed and checked against the server they run, so they
cannot drift from it: every variable they set is one the server reads, probes hit real endpoints, the
container runs as non-root with a health check, and 2025-11-25 sessions get affinity. The image is
built where a container engine exists."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from voice_tools.server.config.serving import ServerSettings
from voice_tools.server.config.variables import SERVED

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
KNOWN = {v.name for v in SERVED if not v.retired}


def env_names(container_env: Any) -> set[str]:
    if isinstance(container_env, dict):
        return set(container_env)
    return {item["name"] for item in container_env}


def test_the_container_runs_as_non_root_with_a_health_check() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    assert "USER 10001" in text and "/healthz" in text and "HEALTHCHECK" in text
    assert "uv sync --locked --no-dev" in text and "--compile-bytecode" in text
    assert 'ENTRYPOINT ["voice-tools", "serve", "--http"' in text
    for name in (line.split("=")[0].strip() for line in text.splitlines() if "VOICE_TOOLS_" in line and "=" in line):
        name = name.removeprefix("ENV ").strip()
        if name.startswith("VOICE_TOOLS_"):
            assert name in KNOWN, name


def test_compose_runs_replicas_on_redis_behind_a_balancer_with_session_affinity() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["voice-tools"]
    assert service["deploy"]["replicas"] >= 2 and "redis" in compose["services"]
    env = service["environment"]
    assert env_names(env) <= KNOWN | {"ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"}
    assert env["VOICE_TOOLS_LEDGER"].startswith("redis://") and "VOICE_TOOLS_REQUEST_STATE_KEYS" in env
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    assert "stick on req.hdr(mcp-session-id)" in haproxy and "stick store-response res.hdr(mcp-session-id)" in haproxy
    assert "option httpchk GET /readyz" in haproxy


def test_kubernetes_manifests_probe_real_endpoints_and_outlast_the_shutdown_grace() -> None:
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "voice-tools.yaml").read_text()))
    deployment = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "voice-tools")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True and container["securityContext"]["readOnlyRootFilesystem"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert env_names(container["env"]) <= KNOWN
    grace = ServerSettings.from_env({}).shutdown_grace_seconds
    assert pod["terminationGracePeriodSeconds"] > grace  # the orchestrator waits longer than the server does
    assert {d["kind"] for d in documents} == {"Deployment", "Service"}


def container_engine() -> str | None:
    """A container engine that answers (a CLI whose daemon is not running is no engine)."""
    for name in ("docker", "podman"):
        path = shutil.which(name)
        if path is None:
            continue
        try:
            if subprocess.run([path, "info"], capture_output=True, timeout=20, check=False).returncode == 0:
                return path
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


ENGINE = container_engine()


@pytest.mark.skipif(ENGINE is None, reason="no container engine answers on this machine")
def test_the_image_builds() -> None:
    assert ENGINE is not None
    done = subprocess.run(
        [ENGINE, "build", "-f", "deploy/Containerfile", "-t", "voice-tools:test", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
