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


# Spaces next to these may go in JavaScript code (not in strings): none of them forms a token with a neighbour
# across a space (unlike + and -, left out), so removing the space changes nothing a parser sees.
PUNCTUATION = r"(){}\[\],;:=<>?!&|*"
SPACES = re.compile(rf" +(?=[{PUNCTUATION}])|(?<=[{PUNCTUATION}]) +")


def squeeze(line: str) -> str:
    """One line of JavaScript without the spaces next to punctuation, outside its "strings" and `templates`.
    Only lines it can read for certain: none with a quote ', a slash (a regular expression or a division), a
    backslash (an escape), or a second template (which could be nested in the first); those stay as written."""
    if any(c in line for c in "'/\\") or line.count("`") > 2:
        return line
    out: list[str] = []
    code: list[str] = []
    quote = ""
    for char in line:
        if quote:
            out.append(char)
            quote = "" if char == quote else quote
        elif char in '"`':
            out += [SPACES.sub("", "".join(code)), char]
            code, quote = [], char
        else:
            code.append(char)
    return line if quote else "".join(out) + SPACES.sub("", "".join(code))


def compact(code: str, *, script: bool) -> str:
    """The code without what only its readers need: indentation, blank lines, comments on lines of their own
    (``//``, or ``/* ... */`` in styles) and, in scripts, spaces next to punctuation (``squeeze``). Line breaks
    stay, so JavaScript's automatic semicolons work as written. A line with an odd number of backticks would
    be part of a template literal spanning lines, whose indentation is text: refused, so the rules stay safe."""
    kept = []
    for line in code.splitlines():
        text = line.strip()
        if text.count("`") % 2:
            raise ValueError(f"a template literal spans lines in a page's code: {text[:60]!r}")
        if text and not text.startswith(("//", "/*")):
            kept.append(squeeze(text) if script else text)
    return "\n".join(kept)


@cache
def page(name: str) -> str:
    """``name``.html with the shared blocks inline, compacted, and its policy in a ``<meta>`` element."""
    html = (PAGES / f"{name}.html").read_text()
    html = html.replace("/*shared.css*/", (PAGES / "shared.css").read_text())
    html = html.replace("/*shared.js*/", (PAGES / "shared.js").read_text())
    html = BLOCK.sub(lambda b: f"<{b[1]}>{compact(b[2], script=b[1] == 'script')}</{b[1]}>", html)
    policy = content_security_policy(html)
    return html.replace("<!--csp-->", f'<meta http-equiv="Content-Security-Policy" content="{policy}">')
