"""One sanitiser for every text a person reads: forms, code summaries, approval pages, the picker, previews.

Address names, locations and nicknames are written by whoever administers the account (or by anyone
who can create an address), and a bulk change's values by the model. In a summary a person confirms they
must not be able to pass for the summary's own words ("This number is FREE ($0.00 per month)"), break it
over several lines, reorder it on screen (bidi controls such as U+202E), hide in it (zero-width
characters) or turn into a link the client renders ("[Confirm](https://...)"). So every such value is
shown as one line, without control, format, bidi or zero-width characters, Markdown links and images as
their plain text and address, capped in length with an ellipsis, and (``as_data``) inside quotes. Each
value is capped on its own, so a long one can never push the number or the price out of a summary: those
come from the quote, outside any capped value.
"""

from __future__ import annotations

import json
import re
import unicodedata

DEFAULT_CAP = 80


MARKDOWN_LINK = re.compile(r"!?\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^>\s]*)>", re.IGNORECASE)


def plain(text: str) -> str:
    """Markdown links and images as their text and address (``[Buy](https://x)`` -> ``Buy (https://x)``)."""
    unlinked = MARKDOWN_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2) else m.group(1), text)
    return AUTOLINK.sub(lambda m: m.group(1), unlinked)


def _kept(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cf":  # format: bidi controls, zero-width space/joiners, BOM: removed outright
        return ""
    return " " if category[0] in "CZ" else char  # controls, line and paragraph breaks, odd spaces: one space


def one_line(text: str | None, cap: int = DEFAULT_CAP) -> str:
    """``text`` without control, format, bidi or zero-width characters and line breaks (each becomes a space,
    white space folded), Markdown links as plain text, at most ``cap`` characters."""
    kept = "".join(_kept(c) for c in plain(text or ""))
    folded = " ".join(kept.split())
    return folded if len(folded) <= cap else folded[: cap - 1].rstrip() + "…"


def as_data(text: str | None, cap: int = DEFAULT_CAP) -> str:
    """``one_line(text)`` in double quotes, inner quotes escaped: visibly a value, never a sentence."""
    return json.dumps(one_line(text, cap), ensure_ascii=False)
