"""Every result fits a model's context: a token budget per tool result, and how many rows fit in it.

A listing of 20,000 numbers in the full view is about 180,000 tokens, more than a model's whole context;
a result that large is not an answer but a failure. So a tool that returns rows returns as many as fit
in the budget (``VOICE_TOOLS_MAX_RESULT_TOKENS``, 8,000 cl100k tokens by default), says how many it left
out, and gives the ``offset`` to continue from.

Counting exactly would need a tokenizer at run time (megabytes, and start-up time on every launch);
``estimated_tokens`` is an upper estimate instead, checked against cl100k by the tests on the records
this server returns (JSON of phone records runs 2.7 to 4 bytes a token; this counts 2.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .results import compact_json

ENVELOPE_TOKENS = 300  # counts, next_step and the JSON around the rows


def estimated_tokens(text: str) -> int:
    """At least the cl100k token count of ``text`` for this server's JSON (bytes / 2.5, rounded up)."""
    return -(-len(text.encode()) * 2 // 5)


def rows_that_fit(rows: Sequence[Any], budget: int) -> int:
    """How many of ``rows``, from the first, fit in ``budget`` tokens with the result around them."""
    spent = ENVELOPE_TOKENS
    for index, row in enumerate(rows):
        spent += estimated_tokens(compact_json(row)) + 1  # the comma between rows
        if spent > budget:
            return index
    return len(rows)
