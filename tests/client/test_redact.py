"""Redaction of upstream error bodies: whatever form a credential takes in the text, it does not survive."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from voice_tools.client.config import ZendeskConfig
from voice_tools.client.redact import FIELD_CAP, REDACTED, redact, safe_details, safe_text

tokens = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=12, max_size=48)
prose = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
EMAIL = "agent@example.com"


def echoes(token: str) -> list[str]:
    pair = base64.b64encode(f"{EMAIL}/token:{token}".encode()).decode()
    return [
        token,
        f"Authorization: Basic {pair}",
        f"authorization=Bearer {token}",
        f'{{"api_token": "{token}"}}',
        f"{EMAIL}/token:{token}",
        f"password={token}&next=1",
    ]


@given(tokens, prose, prose)
def test_a_known_secret_never_survives_in_any_form(token: str, before: str, after: str) -> None:
    config = ZendeskConfig(subdomain="acme", email=EMAIL, api_token=token)
    for echo in echoes(token):
        cleaned = redact(before + echo + after, config.secrets())
        assert token not in cleaned and config.authorization() not in cleaned


@given(tokens)
def test_credential_shaped_values_are_redacted_even_when_unknown(token: str) -> None:
    for echo in echoes(token)[1:]:  # the bare token is only recognisable when known
        assert token not in redact(f"upstream said: {echo}")


def test_zendesk_prose_is_left_alone() -> None:
    text = "Number is not available; token has expired, get a new quote"
    assert redact(text) == text


def test_fields_are_capped_and_only_strings_are_kept() -> None:
    assert safe_text({"nested": "x"}) is None
    long = safe_text("x" * 5000)
    assert long is not None and len(long) == FIELD_CAP and long.endswith("…")
    details = safe_details({"f": [{"description": "secret=abcdef123456"}] * 50})
    assert details == {"f": [{"description": f"secret={REDACTED}"}] * 20}
