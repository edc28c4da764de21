"""The sandbox as a real server on loopback: what curl and other clients see."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from tests.conftest import SANDBOX_AUTH
from tests.processes import standalone_sandbox

V = "/api/v2/channels/voice"


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with standalone_sandbox() as url:
        yield url


@pytest.fixture(autouse=True)
def fresh(sandbox_url: str) -> None:
    httpx2.post(f"{sandbox_url}/__sandbox__/reset").raise_for_status()


def test_the_documented_curl_lists_the_seeded_numbers(sandbox_url: str) -> None:
    r = httpx2.get(f"{sandbox_url}{V}/phone_numbers.json", auth=SANDBOX_AUTH)
    assert r.status_code == 200
    assert r.json()["count"] == 12
    assert r.json()["next_page"] is None
    assert r.headers["x-rate-limit-remaining"]


def test_next_page_urls_point_back_at_the_standalone_server(sandbox_url: str) -> None:
    body = httpx2.get(f"{sandbox_url}{V}/phone_numbers", params={"per_page": 5}, auth=SANDBOX_AUTH).json()
    assert body["next_page"].startswith(f"{sandbox_url}{V}/phone_numbers?")
    assert len(httpx2.get(body["next_page"], auth=SANDBOX_AUTH).json()["phone_numbers"]) == 5


def test_a_dropped_connection_is_a_real_network_error_over_the_socket(sandbox_url: str) -> None:
    offer = httpx2.get(f"{sandbox_url}{V}/phone_numbers/search", params={"country": "US"}, auth=SANDBOX_AUTH).json()
    token = offer["phone_numbers"][0]["token"]
    httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"inject": [{"kind": "commit_then_drop", "method": "POST"}]})
    with pytest.raises(httpx2.RemoteProtocolError):
        httpx2.post(f"{sandbox_url}{V}/phone_numbers", json={"phone_number": {"token": token}}, auth=SANDBOX_AUTH)
    listing = httpx2.get(f"{sandbox_url}{V}/phone_numbers", auth=SANDBOX_AUTH).json()
    assert listing["count"] == 13  # the purchase happened
    log = httpx2.get(f"{sandbox_url}/__sandbox__/requests").json()["requests"]
    assert sum(1 for r in log if r["method"] == "POST") == 1
