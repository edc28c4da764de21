"""The Kubernetes manifest's replica, started with the manifest's own environment (its secrets filled in,
its ledger and account pointed at this test's Redis and sandbox, its ports chosen free), answers every name
its Service and Ingress are reached by, as a client in the cluster sends them (the Host header carries the
Service's name and port), refuses any other name, and serves /metrics only on its metrics port.
"""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.fleet.shipped import CLEAN_ENV, KEYS, TOKEN, Replica
from tests.processes import LOOPBACK, free_port, standalone_sandbox
from tests.redis_server import flushed
from tests.test_deploy import manifest_env, replica_set, service_host_names

pytestmark = pytest.mark.anyio


def manifest_environment(redis_url: str, sandbox_url: str, metrics_port: int) -> dict[str, str]:
    (container,) = replica_set()["spec"]["template"]["spec"]["containers"]
    env = manifest_env(container)
    secrets = {item["name"] for item in container["env"] if "valueFrom" in item}
    assert secrets == {"ZENDESK_API_TOKEN", "VOICE_TOOLS_HTTP_TOKEN", "VOICE_TOOLS_REQUEST_STATE_KEYS"}
    env.pop("ZENDESK_SUBDOMAIN")  # the account is the sandbox: a base URL instead
    env.update(
        {
            "VOICE_TOOLS_ZENDESK_BASE_URL": sandbox_url,
            "ZENDESK_EMAIL": "admin@example.com",
            "ZENDESK_API_TOKEN": "sandbox-api-token",
            "VOICE_TOOLS_HTTP_TOKEN": TOKEN,
            "VOICE_TOOLS_REQUEST_STATE_KEYS": KEYS,
            "VOICE_TOOLS_LEDGER": redis_url,
            "VOICE_TOOLS_METRICS_PORT": str(metrics_port),
        }
    )
    return env


async def test_a_replica_with_the_manifests_environment_answers_by_every_service_name(
    tmp_path: Path, redis_url: str
) -> None:
    port, metrics_port = free_port(), free_port()
    with standalone_sandbox() as sandbox_url:
        env = manifest_environment(flushed(redis_url), sandbox_url, metrics_port)
        state = {"VOICE_TOOLS_STATE_DIR": str(tmp_path / "state")}
        replica = Replica("voice-tools-0", port, metrics_port, {**CLEAN_ENV, **env, **state}, tmp_path)
        replica.start()
        try:
            url = f"http://{LOOPBACK}:{port}/mcp"
            answered = {}
            for host in service_host_names():
                headers = {"Authorization": f"Bearer {TOKEN}", "Host": host}
                async with (
                    create_mcp_http_client(headers=headers) as http,
                    Client(streamable_http_client(url, http_client=http)) as client,
                ):
                    result = await client.call_tool("list_numbers", {"country": "US"})
                answered[host] = not result.is_error
            async with httpx2.AsyncClient() as http:
                wrong = await http.post(
                    url,
                    headers={"Authorization": f"Bearer {TOKEN}", "Host": "evil.example:8000"},
                    json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                )
                public_metrics = await http.get(f"http://{LOOPBACK}:{port}/metrics")
                metrics = await http.get(f"http://{LOOPBACK}:{metrics_port}/metrics")
                ready = await http.get(f"http://{LOOPBACK}:{port}/readyz")
        finally:
            replica.close()
    assert answered and all(answered.values()), answered
    assert wrong.status_code in (403, 421)
    assert public_metrics.status_code == 404 and metrics.status_code == 200 and "voice_tools_" in metrics.text
    assert ready.status_code == 200, ready.text
