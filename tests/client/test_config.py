"""Configuration is validated before any request: nothing can aim the credentials at another host."""

from __future__ import annotations

import httpx2
import pytest

from voice_tools.client import ConfigurationError, TalkClient, ZendeskConfig

pytestmark = pytest.mark.anyio
SECRET = "tok-SUPERSECRET-123"


@pytest.mark.parametrize(
    "subdomain",
    [
        "evil.com/",
        "x@attacker",
        "a.b",
        "",
        "-acme",
        "acme-",
        "acme.evil.com",
        "acme/..",
        "ac me",
        "a" * 64,
        "évil",
    ],
)
def test_bad_subdomains_are_refused_before_any_request(subdomain: str) -> None:
    with pytest.raises(ConfigurationError, match="not a Zendesk subdomain"):
        ZendeskConfig(subdomain=subdomain, email="a@b.co", api_token=SECRET)


@pytest.mark.parametrize(("given", "expected"), [("Acme", "acme"), ("acme.zendesk.com", "acme"), ("a-1", "a-1")])
def test_good_subdomains_build_the_zendesk_url(given: str, expected: str) -> None:
    config = ZendeskConfig(subdomain=given, email="a@b.co", api_token=SECRET)
    assert config.url == f"https://{expected}.zendesk.com"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "ftp://127.0.0.1",
        "https://user:pw@acme.zendesk.com",
        "https://acme.zendesk.com?x=1",
    ],
)
def test_unsafe_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        ZendeskConfig(base_url=url, oauth_token=SECRET)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8790", "http://localhost:1", "https://sandbox.zendesk.com"])
def test_loopback_http_and_https_base_urls_are_accepted(url: str) -> None:
    assert ZendeskConfig(base_url=url, oauth_token=SECRET).url == url


def test_credentials_must_be_complete() -> None:
    with pytest.raises(ConfigurationError, match="ZENDESK_API_TOKEN"):
        ZendeskConfig(subdomain="acme", email="a@b.co")
    with pytest.raises(ConfigurationError, match="ZENDESK_EMAIL must be"):
        ZendeskConfig(subdomain="acme", email="not-an-email", api_token=SECRET)
    with pytest.raises(ConfigurationError, match="ZENDESK_SUBDOMAIN"):
        ZendeskConfig(oauth_token=SECRET)


async def test_secrets_never_appear_in_reprs() -> None:
    config = ZendeskConfig(subdomain="acme", email="ops@acme.test", api_token=SECRET)
    client = TalkClient(config, transport=httpx2.MockTransport(lambda r: httpx2.Response(200)))
    for text in (repr(config), str(config), repr(client), str(client), repr(config.model_dump())):
        assert SECRET not in text
    for text in (repr(config), repr(client)):
        assert "ops@acme.test" not in text
    await client.aclose()


async def test_basic_and_bearer_headers_are_what_zendesk_expects() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["authorization"])
        return httpx2.Response(200, json={"phone_numbers": [], "next_page": None, "count": 0})

    for config in (
        ZendeskConfig(subdomain="acme", email="ops@acme.test", api_token=SECRET),
        ZendeskConfig(subdomain="acme", oauth_token=SECRET),
    ):
        async with TalkClient(config, transport=httpx2.MockTransport(handler)) as client:
            await client.search_available("US")
    assert seen[0] == "Basic " + __import__("base64").b64encode(f"ops@acme.test/token:{SECRET}".encode()).decode()
    assert seen[1] == f"Bearer {SECRET}"
