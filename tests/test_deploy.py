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
from voice_tools.server.config.variables import SERVED, variable

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


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def replica_services() -> dict[str, Any]:
    return {name: svc for name, svc in compose()["services"].items() if name.startswith("voice-tools-")}


def test_compose_runs_replicas_on_redis_behind_a_balancer_with_session_affinity() -> None:
    replicas = replica_services()
    assert len(replicas) >= 2 and "redis" in compose()["services"]
    for service in replicas.values():
        env = service["environment"]
        assert env_names(env) <= KNOWN | {"ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"}
        assert env["VOICE_TOOLS_LEDGER"].startswith("redis://") and "VOICE_TOOLS_REQUEST_STATE_KEYS" in env
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    assert "stick on req.hdr(mcp-session-id)" in haproxy and "stick store-response res.hdr(mcp-session-id)" in haproxy
    assert "option httpchk GET /readyz" in haproxy
    for i, name in enumerate(sorted(replicas), start=1):  # the balancer's default addresses are compose's names
        assert f'"${{REPLICA_{i}-{name}:8000}}"' in haproxy


def test_compose_publishes_only_the_balancer_and_keeps_metrics_and_state_off_it() -> None:
    services = compose()["services"]
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"balancer"} and services["balancer"]["ports"] == ["8000:8000"]
    volumes = set()
    for service in replica_services().values():
        assert service["environment"]["VOICE_TOOLS_METRICS_PORT"]  # /metrics on a port no one publishes
        (volume,) = service["volumes"]
        assert volume.endswith(":/var/lib/voice-tools")
        volumes.add(volume.split(":")[0])
    assert len(volumes) == len(replica_services())  # each replica its own state (its audit trail, its spool)
    redis = services["redis"]
    assert redis["command"][-4:] == ["--appendonly", "yes", "--appendfsync", "always"] and redis["volumes"]
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    assert "http-request deny deny_status 404 if { path -m beg /metrics }" in haproxy


def haproxy_directives() -> list[str]:
    return [line.split("#")[0].strip() for line in (DEPLOY / "haproxy.cfg").read_text().splitlines()]


def test_haproxy_resends_only_what_never_reached_a_replica_and_drains_with_the_replicas() -> None:
    directives = haproxy_directives()
    assert "retry-on conn-failure" in directives  # nothing else: a request that reached a replica is never resent
    assert [d for d in directives if d.startswith("retry-on")] == ["retry-on conn-failure"]
    assert "option redispatch 1" in directives and "option http-server-close" in directives
    assert "http-check disable-on-404" in directives  # /readyz's 404 while a replica stops: no new client
    assert "option forwardfor" in directives  # the replicas count a caller's fair share by its address
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert "never resent" in text and "purchase" in text  # the comment that says why
    (defaults,) = [d for d in directives if d.startswith("default-server")]
    inter = float(defaults.split("inter ")[1].split("s")[0])
    fall = int(defaults.split("fall ")[1].split()[0])
    drain = variable("VOICE_TOOLS_DRAIN").default
    assert inter * fall < drain  # a stopping replica is seen (and a dead one taken out) within its drain


def kubernetes_documents() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / "kubernetes" / "voice-tools.yaml").read_text()) if d]


def replica_set() -> dict[str, Any]:
    return next(
        d for d in kubernetes_documents() if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "voice-tools"
    )


def manifest_env(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container["env"] if "value" in item}


def test_the_kubernetes_manifests_pass_strict_schema_validation() -> None:
    import kubernetes_validate

    for document in kubernetes_documents():
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_kubernetes_manifests_probe_real_endpoints_and_outlast_the_drain_and_the_grace() -> None:
    pod = replica_set()["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True and container["securityContext"]["readOnlyRootFilesystem"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    readiness = container["readinessProbe"]
    assert readiness["httpGet"]["path"] == "/readyz"
    assert env_names(container["env"]) <= KNOWN
    env = manifest_env(container)
    drain = variable("VOICE_TOOLS_DRAIN").parse(env["VOICE_TOOLS_DRAIN"])
    # the probe sees a stopping replica well within its drain (SIGTERM comes with no preStop hook)
    assert readiness["periodSeconds"] * readiness.get("failureThreshold", 3) * 2 <= drain
    assert "lifecycle" not in container
    grace = ServerSettings.from_env({}).shutdown_grace_seconds
    assert pod["terminationGracePeriodSeconds"] >= drain + 2 * grace  # drain, lingering calls, then purchases


def test_kubernetes_keeps_state_and_the_ledger_on_volumes_with_a_disruption_budget() -> None:
    documents = kubernetes_documents()
    kinds = [d["kind"] for d in documents]
    assert {"StatefulSet", "Service", "PodDisruptionBudget", "Ingress"} <= set(kinds)
    replicas = replica_set()
    (claim,) = replicas["spec"]["volumeClaimTemplates"]
    (container,) = replicas["spec"]["template"]["spec"]["containers"]
    assert {"name": claim["metadata"]["name"], "mountPath": "/var/lib/voice-tools"} in container["volumeMounts"]
    assert "volumes" not in replicas["spec"]["template"]["spec"]  # no emptyDir: the audit trail outlives pods
    redis = next(d for d in documents if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "voice-tools-redis")
    (redis_container,) = redis["spec"]["template"]["spec"]["containers"]
    args = " ".join(redis_container["args"])
    assert "--appendonly yes" in args and "--appendfsync always" in args
    assert redis["spec"]["volumeClaimTemplates"] and redis_container["volumeMounts"][0]["mountPath"] == "/data"
    budget = next(d for d in documents if d["kind"] == "PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"] == replicas["spec"]["selector"]["matchLabels"]
    assert 0 < budget["spec"]["minAvailable"] < replicas["spec"]["replicas"]


def service_host_names() -> list[str]:
    """Every name a client reaches the voice-tools Service by, with its port, and the Ingress's host."""
    documents = kubernetes_documents()
    service = next(d for d in documents if d["kind"] == "Service" and d["metadata"]["name"] == "voice-tools")
    name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
    port = service["spec"]["ports"][0]["port"]
    names = [name, f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"]
    ingress = next(d for d in documents if d["kind"] == "Ingress")
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == name
    return [f"{n}:{port}" for n in names] + [rule["host"] for rule in ingress["spec"]["rules"]]


def test_the_host_allow_list_covers_the_services_names_and_the_ingress_host() -> None:
    (container,) = replica_set()["spec"]["template"]["spec"]["containers"]
    allowed = manifest_env(container)["VOICE_TOOLS_ALLOWED_HOSTS"].split(",")
    assert set(service_host_names()) <= set(allowed)


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
