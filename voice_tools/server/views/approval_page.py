"""The approval page a URL-mode elicitation sends the person to: the exact action, Buy (or Release, Apply) and Cancel.

Served by this server over HTTP (under its own origin) and, over stdio, by a loopback listener opened on
demand (``transports/loopback.py``). The page needs no script. What protects it:

- the link's secret is the only way to the page; an unknown, forged or expired secret gets a 404 page;
- an answer is a POST that must carry the secret in its body too, and is refused when the browser says it
  comes from another site (``Origin``, ``Sec-Fetch-Site``): a page elsewhere cannot answer for the person;
- the page cannot be framed (``frame-ancestors 'none'``) nor its address leak to another site in a ``Referer``;
- the first answer stands (``ApprovalLinks.answer``): a second click, or a replay, changes nothing.
"""

from __future__ import annotations

import html
import secrets

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from voice_tools.guard import AuditTrail, Ledger

from ..shared.url_approvals import ApprovalLinks, Decision, Link

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1c1e21}
main{max-width:36rem;margin:3rem auto;background:#fff;border:1px solid #d0d4da;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.3rem;margin:0 0 1rem}p.what{font-size:1.05rem}.answer{display:flex;gap:1rem;margin-top:1.5rem}
button{font:inherit;padding:.6rem 1.4rem;border-radius:6px;border:1px solid #1c1e21;background:#fff;cursor:pointer}
button.go{background:#0b5cad;border-color:#0b5cad;color:#fff}small{color:#4b4f56}
@media (prefers-color-scheme:dark){body{background:#17191c;color:#e8eaed}main{background:#202327;border-color:#3a3f45}
button{background:#202327;color:#e8eaed;border-color:#e8eaed}button.go{background:#5aa0ec;color:#0b0c0d}small{color:#b0b5bb}}
"""
ANSWERS: dict[str, Decision] = {"approve": "approved", "decline": "declined"}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(12)
    document = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>'
        f'<style nonce="{nonce}">{STYLE}</style></head><body><main>{body}</main></body></html>'
    )
    headers = {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",  # the path holds the secret: no other site ever sees it
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(document, status_code=status, headers=headers)


def _asking(link: Link) -> HTMLResponse:
    token = html.escape(link.token, quote=True)
    body = (
        f"<h1>{html.escape(link.title)}</h1><p class=what>{html.escape(link.summary)}</p>"
        f'<form method="post" class="answer"><input type="hidden" name="token" value="{token}">'
        f'<button class="go" name="answer" value="approve">{html.escape(link.verb)}</button>'
        '<button name="answer" value="decline">Cancel</button></form>'
        "<p><small>Nothing happens until you answer here. The link works once and expires soon.</small></p>"
    )
    return _page(link.title, body)


def _answered(link: Link, decision: Decision) -> HTMLResponse:
    said = (
        f"You approved it. It goes ahead now: {html.escape(link.summary)}"
        if decision == "approved"
        else "You cancelled it: nothing happens."
    )
    body = f"<h1>{html.escape(link.title)}</h1><p class=what>{said}</p><p><small>You can close this page.</small></p>"
    return _page(link.title, body)


NOT_VALID = _page(
    "Approval link not valid",
    "<h1>This approval link is not valid</h1><p>It has expired, was already replaced, or was never issued. "
    "Ask in the chat again if you still want this done.</p>",
    404,
)


def _cross_site(request: Request) -> bool:
    """The browser says the POST comes from a page on another site: a form there cannot answer for the person."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return origin.rstrip("/") != own


def approval_routes(store: ApprovalLinks, audit: AuditTrail, ledger: Ledger) -> list[Route]:
    """The page's routes, over the shared link store (any replica serves any link)."""

    async def show(request: Request) -> HTMLResponse:
        link = await store.by_token(request.path_params["token"])
        if link is None:
            return NOT_VALID
        decided = await store.decision(link)
        return _answered(link, decided) if decided else _asking(link)

    async def answer(request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        link = await store.by_token(token)
        if link is None:
            return NOT_VALID
        form = await request.form()
        choice = ANSWERS.get(str(form.get("answer", "")))
        if _cross_site(request) or form.get("token") != token or choice is None:
            return _page("Not accepted", "<h1>This answer was not accepted</h1><p>Answer on the page itself.</p>", 403)
        standing = await store.answer(link, choice)
        entry = audit.entry("approval_page", outcome=standing, elicitation=link.id, approves=link.key)
        await ledger.record(entry)
        audit.mirror(entry)
        return _answered(link, standing)

    return [
        Route("/approve/{token}", show, methods=["GET"]),
        Route("/approve/{token}", answer, methods=["POST"]),
    ]
