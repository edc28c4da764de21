"""The sandbox behaves as Zendesk does, through plain HTTP: auth, errors, pagination, search, purchases,
updates, rate limits and Trial accounts."""

from __future__ import annotations

import base64
import re

import httpx2
import pytest

from tests.conftest import SANDBOX_AUTH
from tests.live.probes import MINIMAL_FIELDS
from voice_tools.sandbox import SandboxConfig, TalkSandbox
from voice_tools.sandbox.catalog import KEYPAD

pytestmark = pytest.mark.anyio
V = "/api/v2/channels/voice"
JSON = "application/json; charset=utf-8"


def basic(user: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


# ------------------------------------------------------------------------ auth
@pytest.mark.parametrize(
    "headers",
    [
        basic("admin@example.com/token", "sandbox-api-token"),
        basic("ADMIN@example.com/token", "sandbox-api-token"),  # emails compare case-insensitively
        {"Authorization": "Bearer sandbox-oauth-token"},
    ],
)
async def test_accepted_credentials(sandbox: TalkSandbox, headers: dict[str, str]) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport()) as c:
        assert (await c.get(f"{V}/phone_numbers", headers=headers)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("admin@example.com/token", "wrong"),
        basic("other@example.com/token", "sandbox-api-token"),
        basic("admin@example.com", "sandbox-api-token"),  # email + password basic auth is gone
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic !!!notbase64"},
        {"Authorization": "Token sandbox-api-token"},
    ],
)
async def test_refused_credentials_get_zendesks_401(sandbox: TalkSandbox, headers: dict[str, str]) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport()) as c:
        r = await c.get(f"{V}/phone_numbers", headers=headers)
    assert r.status_code == 401
    assert r.json() == {"error": "Couldn't authenticate you"}
    assert r.headers["content-type"] == JSON


async def test_credentials_are_configurable() -> None:
    sandbox = TalkSandbox(SandboxConfig(email="ops@acme.test", api_token="t0k3n"))
    async with httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport()) as c:
        assert (await c.get(f"{V}/phone_numbers", auth=("ops@acme.test/token", "t0k3n"))).status_code == 200
        assert (await c.get(f"{V}/phone_numbers", auth=SANDBOX_AUTH)).status_code == 401


# ---------------------------------------------------------------------- errors
async def test_error_bodies(http: httpx2.AsyncClient) -> None:
    r = await http.get(f"{V}/phone_numbers/123.json")
    assert (r.status_code, r.json()) == (404, {"error": "RecordNotFound", "description": "Not found"})
    assert r.headers["content-type"] == JSON
    r = await http.post(
        f"{V}/phone_numbers", content=b'{\\"phone_number\\": 1}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"] == "InvalidJSON"
    r = await http.put(f"{V}/phone_numbers/900000120986", json={"phone_number": {"group_ids": [42]}})
    assert r.status_code == 422
    assert r.json() == {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {"group_ids": [{"description": "no group with id 42", "error": "InvalidValue"}]},
    }
    r = await http.get("/api/v2/nothing/here")
    assert r.status_code == 404 and r.json()["error"] == "InvalidEndpoint"


# ------------------------------------------------------------------ pagination
async def test_pagination_walk_follows_full_next_page_urls(http: httpx2.AsyncClient) -> None:
    url: str | None = f"{V}/phone_numbers.json?per_page=5&minimal_mode=true"
    seen: list[int] = []
    pages = 0
    while url:
        body = (await http.get(url)).json()
        pages += 1
        assert body["count"] == 12
        seen += [n["id"] for n in body["phone_numbers"]]
        if body["next_page"]:
            assert body["next_page"].startswith("https://sandbox.zendesk.com/api/v2/channels/voice/phone_numbers.json?")
            assert "minimal_mode=true" in body["next_page"]
        if pages > 1:
            assert body["previous_page"] is not None
        url = body["next_page"]
    assert pages == 3
    assert seen == sorted(seen) and len(set(seen)) == 12


async def test_per_page_is_capped_at_100_and_page_past_the_end_is_empty(sandbox: TalkSandbox) -> None:
    big = TalkSandbox(SandboxConfig(numbers=150))
    async with httpx2.AsyncClient(base_url=big.base_url, transport=big.transport(), auth=SANDBOX_AUTH) as c:
        body = (await c.get(f"{V}/phone_numbers", params={"per_page": 500})).json()
        assert len(body["phone_numbers"]) == 100 and body["count"] == 150
        assert "per_page=100" in body["next_page"]
        last = (await c.get(body["next_page"])).json()
        assert len(last["phone_numbers"]) == 50 and last["next_page"] is None
        assert (await c.get(f"{V}/phone_numbers", params={"page": 9})).json()["phone_numbers"] == []
        assert (await c.get(f"{V}/phone_numbers", params={"page": "x"})).status_code == 400


async def test_minimal_mode_is_exactly_the_documented_trimmed_set(http: httpx2.AsyncClient) -> None:
    body = (await http.get(f"{V}/phone_numbers", params={"minimal_mode": "true"})).json()
    for n in body["phone_numbers"]:
        assert set(n) == MINIMAL_FIELDS
        assert set(n["capabilities"]) == {"sms", "mms", "voice"}


# ---------------------------------------------------------------------- search
def national_digits(number: str, country: str) -> str:
    dial = {"US": "1", "CA": "1", "GB": "44", "IE": "353", "DE": "49", "AU": "61"}[country]
    return number.removeprefix("+" + dial)


@pytest.mark.parametrize(("country", "contains"), [("US", "HELP"), ("US", "pizza"), ("GB", "2*4"), ("AU", "55*5")])
async def test_keypad_and_wildcard_search(http: httpx2.AsyncClient, country: str, contains: str) -> None:
    body = (await http.get(f"{V}/phone_numbers/search", params={"country": country, "contains": contains})).json()
    assert body["count"] == len(body["phone_numbers"]) > 0
    pattern = "".join(KEYPAD.get(c, c) for c in contains.lower()).replace("*", "[0-9]")
    for offer in body["phone_numbers"]:
        assert re.search(pattern, national_digits(offer["number"], country)), offer["number"]
        assert offer["country_code"] == country and offer["toll_free"] is False


async def test_search_filters_and_country_rules(http: httpx2.AsyncClient) -> None:
    tf = (await http.get(f"{V}/phone_numbers/search", params={"country": "us", "toll_free": "true"})).json()
    assert tf["phone_numbers"] and all(o["toll_free"] and o["price"] == "$2.00" for o in tf["phone_numbers"])
    local = (await http.get(f"{V}/phone_numbers/search", params={"country": "US", "area_code": "510"})).json()
    assert all(o["number"].startswith("+1510") for o in local["phone_numbers"])
    ie = (await http.get(f"{V}/phone_numbers/search", params={"country": "IE"})).json()["phone_numbers"]
    assert {o["address_requirements"] for o in ie} == {"local"}
    gb_tf = (await http.get(f"{V}/phone_numbers/search", params={"country": "GB", "toll_free": "true"})).json()
    assert {o["address_requirements"] for o in gb_tf["phone_numbers"]} == {"none"}
    # an area code outside the US and Canada, and characters outside [0-9A-Za-z*], are refused
    assert (await http.get(f"{V}/phone_numbers/search", params={"country": "GB", "area_code": "20"})).status_code == 400
    assert (await http.get(f"{V}/phone_numbers/search", params={"country": "US", "contains": "a-b"})).status_code == 400
    # as recorded from a real account: no country is an empty 200, not an error
    empty = await http.get(f"{V}/phone_numbers/search")
    assert empty.status_code == 200
    assert empty.json() == {"phone_numbers": [], "next_page": None, "previous_page": None, "count": 0}


async def test_search_is_deterministic_and_never_offers_owned_numbers(http: httpx2.AsyncClient) -> None:
    first = (await http.get(f"{V}/phone_numbers/search", params={"country": "US", "contains": "555"})).json()
    again = (await http.get(f"{V}/phone_numbers/search", params={"country": "US", "contains": "555"})).json()
    assert first == again
    token = first["phone_numbers"][0]["token"]
    bought = (await http.post(f"{V}/phone_numbers", json={"phone_number": {"token": token}})).json()
    after = (await http.get(f"{V}/phone_numbers/search", params={"country": "US", "contains": "555"})).json()
    assert bought["phone_number"]["number"] not in {o["number"] for o in after["phone_numbers"]}


# ------------------------------------------------------------------- purchases
async def test_a_token_buys_its_number_once(http: httpx2.AsyncClient) -> None:
    offer = (await http.get(f"{V}/phone_numbers/search", params={"country": "CA"})).json()["phone_numbers"][0]
    r = await http.post(f"{V}/phone_numbers.json", json={"phone_number": {"token": offer["token"]}})
    assert r.status_code == 200  # Zendesk answers 200, not 201
    record = r.json()["phone_number"]
    assert (record["number"], record["display_number"], record["toll_free"]) == (
        offer["number"],
        offer["display_number"],
        offer["toll_free"],
    )
    again = await http.post(f"{V}/phone_numbers.json", json={"phone_number": {"token": offer["token"]}})
    assert again.status_code == 422 and "number" in again.json()["details"]
    assert (await http.get(f"{V}/phone_numbers")).json()["count"] == 13


@pytest.mark.parametrize("token", ["", "24a407cef67213be6d26b4c02d7d86c0", None])
async def test_invented_or_missing_tokens_are_refused(http: httpx2.AsyncClient, token: str | None) -> None:
    r = await http.post(f"{V}/phone_numbers", json={"phone_number": {"token": token}})
    assert r.status_code == 422 and "token" in r.json()["details"]


async def test_address_requirements(http: httpx2.AsyncClient) -> None:
    addresses = (await http.get(f"{V}/addresses")).json()["addresses"]
    by_country = {a["country_code"]: a["provider_reference"] for a in addresses}
    ie = (await http.get(f"{V}/phone_numbers/search", params={"country": "IE"})).json()["phone_numbers"]
    missing = await http.post(f"{V}/phone_numbers", json={"phone_number": {"token": ie[0]["token"]}})
    assert missing.status_code == 422 and missing.json()["details"]["address_sid"][0]["error"] == "AddressRequired"
    wrong = await http.post(
        f"{V}/phone_numbers",
        json={"phone_number": {"token": ie[0]["token"]}, "address_sid": by_country["US"]},
    )
    assert wrong.status_code == 422 and wrong.json()["details"]["address_sid"][0]["error"] == "AddressMismatch"
    unknown = await http.post(
        f"{V}/phone_numbers", json={"phone_number": {"token": ie[0]["token"]}, "address_sid": "AD" + "0" * 32}
    )
    assert unknown.status_code == 422
    ok = await http.post(
        f"{V}/phone_numbers",
        json={"phone_number": {"token": ie[0]["token"]}, "address_sid": by_country["IE"]},
    )
    assert ok.status_code == 200
    # "any": an address anywhere will do
    gb = (await http.get(f"{V}/phone_numbers/search", params={"country": "GB"})).json()["phone_numbers"]
    assert gb[0]["address_requirements"] == "any"
    ok_any = await http.post(
        f"{V}/phone_numbers",
        json={"phone_number": {"token": gb[0]["token"]}, "address_sid": by_country["US"]},
    )
    assert ok_any.status_code == 200


# --------------------------------------------------------------------- updates
async def test_partial_update_with_settings(http: httpx2.AsyncClient) -> None:
    url = f"{V}/phone_numbers/900000120986"
    before = (await http.get(url, params={"include": "settings"})).json()["phone_number"]
    r = await http.put(
        url,
        params={"include": "settings"},
        json={
            "phone_number": {
                "nickname": "Billing line",
                "group_ids": [360001002],
                "default_group_id": 360001002,
                "settings": {
                    "call_recording_delete_after": "2.years",
                    "overflow_number": {"enabled": True, "number": "+14155550100"},
                },
            }
        },
    )
    assert r.status_code == 200
    after = r.json()["phone_number"]
    assert after["nickname"] == after["name"] == "Billing line"
    assert after["group_ids"] == [360001002]
    assert after["settings"]["call_recording_delete_after"] == "2.years"
    assert after["recorded"] == before["recorded"]  # untouched fields stay
    assert after["settings"]["voicemail"] == before["settings"]["voicemail"]


async def test_settings_without_include_settings_are_not_applied(http: httpx2.AsyncClient) -> None:
    """Zendesk documents that settings are written only with ?include=settings: a client that forgets
    it changes nothing, and the sandbox must expose that trap rather than hide it."""
    url = f"{V}/phone_numbers/900000120986"
    await http.put(url, json={"phone_number": {"settings": {"voicemail": False}}})
    assert (await http.get(url, params={"include": "settings"})).json()["phone_number"]["settings"]["voicemail"] is True


async def test_name_and_token_are_accepted_in_an_update_as_documented_and_not_applied(
    http: httpx2.AsyncClient,
) -> None:
    """The update request schema lists both; ``name`` is derived from the nickname and ``token`` is
    writable on create only, so neither changes anything, and the rest of the update applies."""
    url = f"{V}/phone_numbers/900000120986"
    before = (await http.get(url)).json()["phone_number"]
    answer = await http.put(url, json={"phone_number": {"name": "x", "token": "abc", "nickname": "Front desk"}})
    assert answer.status_code == 200, answer.text
    after = (await http.get(url)).json()["phone_number"]
    assert after["nickname"] == "Front desk" and after["name"] == "Front desk"
    assert after.get("token") == before.get("token")


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"number": "+15550000000"}, "number", "ReadOnly"),
        ({"toll_free": True}, "toll_free", "ReadOnly"),
        ({"recorded": "yes"}, "recorded", "InvalidValue"),
        ({"line_type": "fax"}, "line_type", "InvalidValue"),
        ({"ivr_id": 1}, "ivr_id", "InvalidValue"),
        ({"schedule_id": 1}, "schedule_id", "InvalidValue"),
        ({"greeting_ids": [1]}, "greeting_ids", "InvalidValue"),
        ({"colour": "red"}, "colour", "UnknownAttribute"),
        (
            {"settings": {"call_recording_delete_after": "5.days"}},
            "settings.call_recording_delete_after",
            "InvalidValue",
        ),
        ({"settings": {"forwarding_caller_id": "me"}}, "settings.forwarding_caller_id", "InvalidValue"),
        ({"settings": {"auto_accept_time": 7}}, "settings.auto_accept_time", "InvalidValue"),
        ({"settings": {"overflow_number": {"enabled": True}}}, "settings.overflow_number", "InvalidValue"),
        ({"settings": {"wat": 1}}, "settings.wat", "UnknownAttribute"),
    ],
)
async def test_invalid_updates_are_refused_whole(
    http: httpx2.AsyncClient, change: dict[str, object], field: str, error: str
) -> None:
    url = f"{V}/phone_numbers/900000120986"
    before = (await http.get(url, params={"include": "settings"})).json()
    r = await http.put(url, params={"include": "settings"}, json={"phone_number": {"nickname": "changed?", **change}})
    assert r.status_code == 422
    details = r.json()["details"]
    assert details[field][0]["error"] == error
    enum_message = details[field][0]["description"]
    if field == "settings.call_recording_delete_after":
        assert "never" in enum_message and "2.years" in enum_message  # the allowed values are named
    assert (await http.get(url, params={"include": "settings"})).json() == before  # nothing half-applied


async def test_sms_cannot_be_enabled_on_a_number_without_sms(http: httpx2.AsyncClient) -> None:
    listing = (await http.get(f"{V}/phone_numbers")).json()["phone_numbers"]
    no_sms = next(n for n in listing if not n["capabilities"]["sms"])
    r = await http.put(f"{V}/phone_numbers/{no_sms['id']}", json={"phone_number": {"sms_enabled": True}})
    assert r.status_code == 422 and "sms_enabled" in r.json()["details"]


async def test_includes_side_load_account_objects(http: httpx2.AsyncClient) -> None:
    body = (
        await http.get(
            f"{V}/phone_numbers/900000120986",
            params={"include": "ivrs,all_groups,all_schedules,all_greetings"},
        )
    ).json()
    assert {"ivrs", "groups", "schedules", "greetings"} <= set(body)
    assert "settings" not in body["phone_number"]
    assert {g["name"] for g in body["groups"]} >= {"Support", "Billing"}


async def test_delete_answers_200_empty_and_the_number_is_gone(http: httpx2.AsyncClient) -> None:
    r = await http.delete(f"{V}/phone_numbers/900000120986")
    assert (r.status_code, r.content) == (200, b"")
    assert (await http.get(f"{V}/phone_numbers/900000120986")).status_code == 404
    assert (await http.delete(f"{V}/phone_numbers/900000120986")).status_code == 404


async def test_address_create_validates_required_fields(http: httpx2.AsyncClient) -> None:
    r = await http.post(f"{V}/addresses", json={"address": {"name": "x"}})
    assert r.status_code == 422
    assert {"street", "zip", "province", "country_code"} <= set(r.json()["details"])


# ------------------------------------------------------------------ rate limits
async def test_rate_limit_headers_on_every_response_and_429_past_the_budget() -> None:
    now = [0.0]
    sandbox = TalkSandbox(SandboxConfig(rate_limit=3, rate_window=60))
    sandbox.limiter.clock = lambda: now[0]
    async with httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport(), auth=SANDBOX_AUTH) as c:
        remaining = []
        for path in (
            "/phone_numbers",
            "/phone_numbers/1",
            "/phone_numbers",
        ):  # a 404 is counted and labelled too
            r = await c.get(V + path)
            assert r.headers["X-Rate-Limit"] == "3"
            remaining.append(int(r.headers["X-Rate-Limit-Remaining"]))
        assert remaining == [2, 1, 0]
        now[0] = 15.2
        limited = await c.get(f"{V}/phone_numbers")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "45"
        assert limited.headers["content-type"].startswith("text/plain")
        assert limited.text == "Number of allowed API requests per minute exceeded"
        unauthenticated = await c.get(f"{V}/phone_numbers", auth=("x/token", "y"))
        assert unauthenticated.status_code == 401 and unauthenticated.headers["X-Rate-Limit-Remaining"] == "0"
        now[0] = 60.0
        assert (await c.get(f"{V}/phone_numbers")).status_code == 200
        assert (await c.get(f"{V}/phone_numbers", auth=("x/token", "y"))).headers["X-Rate-Limit-Remaining"] == "2"


async def test_talks_own_limit_applies_beside_the_plans() -> None:
    """Zendesk's Talk API introduction: the Support API's (plan) limits apply to Talk, and Talk adds 15,000
    requests per 5 minutes for all its endpoints; the sandbox spends both (here scaled down to 4 per 300 s)."""
    now = [0.0]
    sandbox = TalkSandbox(SandboxConfig(rate_limit=100, rate_window=60, talk_rate_limit=4, talk_rate_window=300))
    sandbox.limiter.clock = lambda: now[0]
    async with httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport(), auth=SANDBOX_AUTH) as c:
        for _ in range(4):
            assert (await c.get(f"{V}/phone_numbers")).status_code == 200
        now[0] = 100.0  # the plan's minute has passed; Talk's 5 minutes have not
        limited = await c.get(f"{V}/phone_numbers")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "200"
        assert limited.headers["X-Rate-Limit"] == "100"  # the header reports the plan's limit
        now[0] = 300.0
        assert (await c.get(f"{V}/phone_numbers")).status_code == 200


# ----------------------------------------------------------------- trial mode
async def test_trial_accounts_cannot_list_or_search() -> None:
    sandbox = TalkSandbox(SandboxConfig(trial=True))
    async with httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport(), auth=SANDBOX_AUTH) as c:
        for path, params in ((f"{V}/phone_numbers", {}), (f"{V}/phone_numbers/search", {"country": "US"})):
            r = await c.get(path, params=params)
            assert r.status_code == 403
            assert r.json()["error"] == "Forbidden" and "Trial" in r.json()["description"]
        assert (await c.get(f"{V}/phone_numbers/900000120986")).status_code == 200
