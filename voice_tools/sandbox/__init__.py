"""A faithful Zendesk Talk simulator: the default backend, the ground every test and benchmark stands on.

Written from Zendesk's documents (copies in ``tests/data``), never from the client's code: it imports
neither ``voice_tools.client`` nor ``voice_tools.models``.

    sandbox = TalkSandbox(SandboxConfig(seed=7, numbers=12))
    client = httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport())
"""

from .app import TalkSandbox, describe_credentials
from .backend import TalkBackend
from .config import SandboxConfig
from .faults import FAULT_KINDS, FaultInjector

__all__ = [
    "FAULT_KINDS",
    "FaultInjector",
    "SandboxConfig",
    "TalkBackend",
    "TalkSandbox",
    "describe_credentials",
]
