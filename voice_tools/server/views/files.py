"""The pages, assembled once: the shared style and bridge put inline, and a Content-Security-Policy that
lets run only those exact inline blocks (by hash) and reach nothing at all.

A page is one self-contained file, because the host renders it in a sandboxed iframe with no origin of its
own to load anything from; and it declares no domains (``ResourceCsp()``), so the host's CSP refuses every
connection, font, image or frame from outside. The ``<meta>`` policy repeats that inside the document, for a
host that builds its CSP more loosely: no network (``connect-src 'none'``), no other script or style than
the page's own, no forms, no base URL.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "html"
BYTE_BUDGET = 16_384  # bytes a page may weigh, assembled (a test holds each to it)
BLOCK = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(html: str) -> str:
    scripts = [_hash(body) for kind, body in BLOCK.findall(html) if kind == "script"]
    styles = [_hash(body) for kind, body in BLOCK.findall(html) if kind == "style"]
    return (
        f"default-src 'none'; script-src {' '.join(scripts)}; style-src {' '.join(styles)}; img-src data:; "
        "connect-src 'none'; font-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )


@cache
def page(name: str) -> str:
    """``name``.html with the shared blocks inline and its policy in a ``<meta>`` element."""
    html = (PAGES / f"{name}.html").read_text()
    html = html.replace("/*shared.css*/", (PAGES / "shared.css").read_text())
    html = html.replace("/*shared.js*/", (PAGES / "shared.js").read_text())
    policy = content_security_policy(html)
    return html.replace("<!--csp-->", f'<meta http-equiv="Content-Security-Policy" content="{policy}">')
