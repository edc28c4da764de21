"""Property-based API testing of the standalone sandbox, driven by Zendesk's own OpenAPI document.

schemathesis generates requests for every operation and checks every answer. Checks left out, and why
(each is a rule Zendesk enforces that the document cannot express, covered by explicit tests instead):

- ``status_code_conformance``: the document lists success statuses only; Zendesk's 400, 401, 403, 404,
  422 and 429 come from its API behaviour notes and are tested in ``test_http_behaviour.py``.
- ``positive_data_acceptance``: schema-valid requests that Zendesk still refuses: a create token must
  come from a search; group, greeting, IVR and schedule ids must exist; ``contains`` allows only ``[0-9A-Za-z*]``
  (said in prose, not in the schema); an address body without ``address`` creates nothing.
- ``response_schema_conformance`` on the two deletes documented to answer 200 with an empty body under
  ``application/json``: there is no JSON to validate (the body is checked to be empty in the contract
  tests).
- ``negative_data_rejection`` for requests with an empty query value (``toll_free=``): Zendesk's own code
  samples send empty values (``?minimal_mode=``, ``include=``, ``contains=``), so an empty value means
  "not given", as it does on the real API. Likewise a search without ``country``: a real account answered
  it with 200 and an empty list (``observed-responses.json``), so the sandbox does the same.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks

from tests import spec
from tests.processes import standalone_sandbox

schema = schemathesis.openapi.from_path(spec.reference_dir() / "talk-api-openapi-subset.yaml")
AUTH = {"Authorization": "Bearer sandbox-oauth-token"}
EMPTY_BODY_DELETES = (
    "/api/v2/channels/voice/phone_numbers/{phone_number_id}",
    "/api/v2/channels/voice/addresses/{address_id}",
)


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with standalone_sandbox(
        "--rate-limit", "1000000", "--talk-rate-limit", "1000000"
    ) as url:  # the budget is tested on its own
        yield url


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_holds_to_the_document(case: schemathesis.Case, sandbox_url: str) -> None:
    excluded = [checks.status_code_conformance, checks.positive_data_acceptance]
    if case.method == "DELETE" and case.path in EMPTY_BODY_DELETES:
        excluded.append(checks.response_schema_conformance)
    query = case.query or {}
    if any(value == "" for value in query.values()) or (case.path.endswith("/search") and "country" not in query):
        excluded.append(checks.negative_data_rejection)
    case.call_and_validate(base_url=sandbox_url, headers=AUTH, excluded_checks=excluded)
