"""The official MCP Apps host for the browser tests: installed from npm, bundled, and served on two origins.

``official_host/`` is a small npm project pinned in its package-lock.json: the ext-apps SDK's ``AppBridge``
(the host side of the Apps bridge, as real hosts embed it), the official TypeScript MCP client, and esbuild.
The first test that needs it runs ``npm ci`` there (when ``node_modules`` is missing or holds other
versions than the lock names), so a fresh CI machine gets it from the project's own files; then esbuild
bundles ``host.js`` into one script for the browser.

Two loopback HTTP servers play the host's two origins, as hosts deploy them: the host page at
``http://127.0.0.1:<port>`` (its MCP client calls the server under test from there, so that server must
answer CORS), and the sandbox proxy at ``http://localhost:<other port>``, whose Content-Security-Policy
header is derived from the page's ``_meta.ui.csp`` the way the ext-apps basic-host example derives it.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.processes import LOOPBACK

PROJECT = Path(__file__).resolve().with_name("official_host")
LOCK = PROJECT / "package-lock.json"
NPM_TIMEOUT_SECONDS = 300


class OfficialHostUnavailable(RuntimeError):
    """node or npm is missing, or npm could not install the pinned packages."""


def _installed_matches_lock() -> bool:
    """Every package the lock pins is in node_modules at that version (npm ci's own notion of "installed")."""
    packages = json.loads(LOCK.read_text())["packages"]
    for path, entry in packages.items():
        if not path or entry.get("optional"):
            continue
        manifest = PROJECT / path / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text()).get("version") != entry.get("version"):
            return False
    return True


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=NPM_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise OfficialHostUnavailable(f"{' '.join(command)} failed: {error}") from error
    if done.returncode != 0:
        raise OfficialHostUnavailable(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")


def install() -> None:
    """``npm ci`` in official_host/ unless node_modules already holds exactly the locked versions. A file lock
    keeps two test processes from installing at once."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise OfficialHostUnavailable("node and npm are needed for the official MCP Apps host (Node 20 or newer)")
    with open(PROJECT / ".install.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not _installed_matches_lock():
            _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"])


def bundle(out_dir: Path) -> Path:
    """host.js and its imports as one browser script (esbuild, from the pinned packages)."""
    install()
    out = out_dir / "host.js"
    esbuild = PROJECT / "node_modules" / ".bin" / "esbuild"
    _run([str(esbuild), "host.js", "--bundle", "--format=iife", "--platform=browser", "--target=chrome120",
          "--log-level=error", f"--outfile={out}"])  # fmt: skip
    return out


def _sanitized(domains: Any) -> list[str]:
    """Domains a CSP directive may take: anything that could break out of it (;, quotes, spaces) is dropped."""
    if not isinstance(domains, list):
        return []
    return [d for d in domains if isinstance(d, str) and not any(c in d for c in ";\r\n'\" ")]


def csp_header(csp: dict[str, Any] | None) -> str:
    """The policy a host puts on the sandbox proxy for a page whose ``_meta.ui.csp`` is ``csp``: its own
    origin, inline code (the pages are single files), and only the domains the page declares."""
    csp = csp or {}
    resources = " ".join(_sanitized(csp.get("resourceDomains")))
    connect = " ".join(_sanitized(csp.get("connectDomains")))
    frames = " ".join(_sanitized(csp.get("frameDomains")))
    base = " ".join(_sanitized(csp.get("baseUriDomains")))
    directives = [
        "default-src 'self' 'unsafe-inline'",
        f"script-src 'self' 'unsafe-inline' 'unsafe-eval' blob: data: {resources}".strip(),
        f"style-src 'self' 'unsafe-inline' blob: data: {resources}".strip(),
        f"img-src 'self' data: blob: {resources}".strip(),
        f"font-src 'self' data: blob: {resources}".strip(),
        f"media-src 'self' data: blob: {resources}".strip(),
        f"connect-src 'self' {connect}".strip(),
        f"worker-src 'self' blob: {resources}".strip(),
        f"frame-src {frames}" if frames else "frame-src 'none'",
        "object-src 'none'",
        f"base-uri {base}" if base else "base-uri 'none'",
    ]
    return "; ".join(directives)


@dataclass
class OfficialHost:
    """Where the host page and the sandbox proxy are served, and what the sandbox was asked to enforce."""

    host_origin: str
    sandbox_origin: str
    sandbox_policies: list[str] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"{self.host_origin}/host.html"


def _handler(files: dict[str, tuple[str, bytes]], served: OfficialHost, *, sandbox: bool) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            name = url.path.lstrip("/")
            if sandbox != (name == "sandbox.html") or name not in files:
                self.send_error(404, "not served on this origin")
                return
            content_type, body = files[name]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Cache-Control", "no-store")
            if sandbox:
                raw = parse_qs(url.query).get("csp", [""])[0]
                try:
                    declared = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    declared = None
                policy = csp_header(declared if isinstance(declared, dict) else None)
                served.sandbox_policies.append(policy)
                self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_official_host(bundled: Path) -> Iterator[OfficialHost]:
    """The host page at http://127.0.0.1:<port>, the sandbox proxy at http://localhost:<another port>."""
    servers: list[ThreadingHTTPServer] = []
    try:
        host_server = ThreadingHTTPServer((LOOPBACK, 0), BaseHTTPRequestHandler)
        sandbox_server = ThreadingHTTPServer((LOOPBACK, 0), BaseHTTPRequestHandler)
        servers = [host_server, sandbox_server]
        served = OfficialHost(
            host_origin=f"http://{LOOPBACK}:{host_server.server_address[1]}",
            sandbox_origin=f"http://localhost:{sandbox_server.server_address[1]}",
        )
        sandbox_page = f"{served.sandbox_origin}/sandbox.html"
        host_page = (PROJECT / "host.html").read_text().replace("__SANDBOX_URL__", sandbox_page)
        files = {
            "host.html": ("text/html; charset=utf-8", host_page.encode()),
            "host.js": ("text/javascript; charset=utf-8", bundled.read_bytes()),
            "sandbox.html": ("text/html; charset=utf-8", (PROJECT / "sandbox.html").read_bytes()),
        }
        host_server.RequestHandlerClass = _handler(files, served, sandbox=False)
        sandbox_server.RequestHandlerClass = _handler(files, served, sandbox=True)
        for server in servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        yield served
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
