"""Where the ledger and the audit trail will be written, checked before anything claims the server is up.

A state directory that is a file, or one this user cannot write, used to surface as "cannot listen on
127.0.0.1:8000" or a raw sqlite3 traceback. Each place is created if missing and proved writable by
writing and removing a file in it (a permission check alone says yes to root on a read-only disk), and a
failure names the setting and the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

from voice_tools.client import ConfigurationError

from .serving import ServerSettings


def places(settings: ServerSettings) -> list[tuple[Path, str]]:
    """The directories this configuration writes to, each with the setting that chooses it."""
    found = [(settings.state_dir, "VOICE_TOOLS_STATE_DIR"), (settings.audit_log.parent, "VOICE_TOOLS_AUDIT_LOG")]
    if settings.ledger_url.startswith("sqlite:///") and not settings.ledger_url.endswith(":memory:"):
        found.append((Path(settings.ledger_url.removeprefix("sqlite:///")).parent, "VOICE_TOOLS_LEDGER"))
    return found


def check_state_places(settings: ServerSettings) -> None:
    """Create and prove writable every place the ledger and audit trail use; ConfigurationError otherwise."""
    if settings.audit_log.is_dir():
        raise ConfigurationError(
            f"VOICE_TOOLS_AUDIT_LOG: {settings.audit_log} is a directory; name a file for the audit trail in it"
        )
    for folder, name in places(settings):
        if folder.exists() and not folder.is_dir():
            raise ConfigurationError(
                f"{name}: {folder} is a file, not a directory; move it away or choose another directory"
            )
        probe = folder / f".voice-tools-write-check-{os.getpid()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise ConfigurationError(
                f"{name}: cannot write in {folder} ({error.strerror or error}): choose a directory this user can "
                "write, or fix its permissions"
            ) from None
