"""OAuth 2.0 resource-server mode: bearer tokens checked at the authorization server (RFC 7662).

The SDK's bearer middleware calls ``verify_token`` for every request; this verifier asks the
authorization server's introspection endpoint whether the token is active, for this resource
(``aud``), with the required scopes, and not expired. It fails closed: an unreachable or confused
authorization server means no access. Positive answers are cached briefly (never past the token's
expiry) so that a busy session does not cost one introspection per message. Tokens are never logged.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx2
from mcp.server.auth.provider import AccessToken

from ..config.http_settings import OAuthSettings

logger = logging.getLogger("voice_tools.oauth")
CACHE_SECONDS = 30.0
CACHE_ENTRIES = 1024


class IntrospectionTokenVerifier:
    def __init__(
        self,
        settings: OAuthSettings,
        resource_url: str,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings, self._resource, self._clock = settings, resource_url, clock
        self._http = httpx2.AsyncClient(transport=transport, timeout=10.0, follow_redirects=False)
        self._cache: dict[str, tuple[float, AccessToken]] = {}

    def __repr__(self) -> str:
        return f"<IntrospectionTokenVerifier issuer={self._settings.issuer_url!r}>"

    async def verify_token(self, token: str) -> AccessToken | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        claims = await self._introspect(token)
        access = self._accept(token, claims, now) if claims is not None else None
        if access is not None:
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.clear()
            until = min(now + CACHE_SECONDS, float(access.expires_at or now + CACHE_SECONDS))
            self._cache[key] = (until, access)
        return access

    async def _introspect(self, token: str) -> dict[str, Any] | None:
        s = self._settings
        try:
            response = await self._http.post(
                s.introspection_url,
                data={"token": token, "token_type_hint": "access_token"},
                auth=(s.client_id, s.client_secret.get_secret_value()),
                headers={"Accept": "application/json"},
            )
        except httpx2.HTTPError as error:
            logger.warning("token introspection failed (%s); refusing the request", type(error).__name__)
            return None
        if response.status_code != 200:
            logger.warning("token introspection answered %s; refusing the request", response.status_code)
            return None
        try:
            claims = response.json()
        except ValueError:
            logger.warning("token introspection answered with something that is not JSON; refusing the request")
            return None
        return claims if isinstance(claims, dict) else None

    def _accept(self, token: str, claims: dict[str, Any], now: float) -> AccessToken | None:
        if claims.get("active") is not True:
            return None
        expires = claims.get("exp")
        if isinstance(expires, int | float) and expires <= now:
            return None
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
        if audiences and self._resource not in audiences:
            return None  # a token for another service
        scopes = str(claims.get("scope", "")).split()
        if not set(self._settings.required_scopes) <= set(scopes):
            return None
        return AccessToken(
            token=token,
            client_id=str(claims.get("client_id", "unknown")),
            scopes=scopes,
            expires_at=int(expires) if isinstance(expires, int | float) else None,
            resource=self._resource,
            subject=str(claims["sub"]) if "sub" in claims else None,
        )
