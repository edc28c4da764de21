"""How a chat client starts this installation of voice-tools: absolute paths, so no PATH is needed.

A desktop app is started by the desktop, not by a shell: its PATH lacks the folders a shell adds
(``~/.local/bin``, Homebrew, a virtual environment), so a config that names a bare ``uv`` or
``voice-tools`` fails with ``spawn uv ENOENT``. The config names this installation's own launcher by
its absolute path instead: the ``voice-tools`` script installed beside this interpreter, or, where
there is none, this interpreter itself with ``-m voice_tools``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Launcher:
    command: str  # an absolute path
    args: tuple[str, ...]  # what follows it, up to and including ``serve``


def this_installation(serve: tuple[str, ...] = ("serve",)) -> Launcher:
    """The launcher of the voice-tools running now. The interpreter's path is made absolute but not
    resolved: a virtual environment's ``python`` is a symlink to the base interpreter, and following
    it would leave the environment (and its packages) behind."""
    scripts = Path(sysconfig.get_path("scripts"))
    script = scripts / ("voice-tools.exe" if os.name == "nt" else "voice-tools")
    if script.is_file():
        return Launcher(str(script.absolute()), serve)
    return Launcher(str(Path(sys.executable).absolute()), ("-m", "voice_tools", *serve))


def in_a_cache() -> bool:
    """Whether this installation lives in uv's cache (``uvx voice-tools``), which ``uv cache clean``
    or uv itself may remove: a config that points there works today and fails after a clean."""
    parts = Path(sys.prefix).parts
    return "archive-v0" in parts or any(p in ("builds-v0", "environments-v2") for p in parts)
