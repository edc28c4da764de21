"""Text from the account, shown to a person or repeated by a model, kept as data.

Address names, locations and nicknames are written by whoever administers the account (or by anyone
who can create an address). In a purchase summary they must not be able to pass for the summary's own
words ("This number is FREE ($0.00 per month)") or break it over several lines. So every such value is
shown as one line, without control or formatting characters, capped in length, and inside quotes;
the number, price and account in a summary come only from the quote.
"""

from __future__ import annotations

import json
import unicodedata

DEFAULT_CAP = 80


def one_line(text: str | None, cap: int = DEFAULT_CAP) -> str:
    """``text`` without control/format characters, white space folded, at most ``cap`` characters."""
    kept = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in (text or ""))
    folded = " ".join(kept.split())
    return folded if len(folded) <= cap else folded[: cap - 1].rstrip() + "…"


def as_data(text: str | None, cap: int = DEFAULT_CAP) -> str:
    """``one_line(text)`` in double quotes, inner quotes escaped: visibly a value, never a sentence."""
    return json.dumps(one_line(text, cap), ensure_ascii=False)
