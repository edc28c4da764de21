"""What makes one simulated account differ from another, and the request log's entries."""

from __future__ import annotations

from dataclasses import dataclass, field

from .inferred import Mode, enforced


@dataclass
class SandboxConfig:
    """Everything that makes one simulated account differ from another."""

    seed: int = 7
    numbers: int = 12
    subdomain: str = "sandbox"
    email: str = "admin@example.com"
    api_token: str = "sandbox-api-token"  # noqa: S105 - the sandbox's documented, public credential
    oauth_token: str = "sandbox-oauth-token"  # noqa: S105
    trial: bool = False
    auto_accept_feature: bool = True
    rate_limit: int = 700  # the plan's limit per rate_window (X-Rate-Limit; Enterprise's 700 a minute)
    rate_window: float = 60.0
    talk_rate_limit: int = 15_000  # Talk's own limit (developer.zendesk.com voice-api introduction: 15,000 / 5 min)
    talk_rate_window: float = 300.0
    inferred: Mode = "enforce"  # "accept": every switchable inference is off (inferred.py)
    off: frozenset[str] = field(default_factory=frozenset)  # inferences turned off one by one (tests)

    def applies(self, inference_id: str) -> bool:
        """Whether this sandbox applies the registry's inference (KeyError for an id it does not list)."""
        return enforced(self.inferred, inference_id) and inference_id not in self.off


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    status: int
