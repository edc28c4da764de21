"""Merging one server into a client's JSON file: every other server and setting kept, the old file
backed up, the new one put in place atomically.

A client's file may hold servers the user configured by hand, and some (``~/.claude.json``) a great
deal more; losing any of it to a half-written file or a careless rewrite would be worse than not
installing at all. So: a file that is not plain JSON (comments, a trailing comma) is left alone with
the reason; the previous file is copied beside it, time-stamped, before anything changes; the new
content is written to a temporary file in the same folder, flushed to disk and renamed over the old
one, which readers see whole or not at all. A symlink (a dotfiles manager's) is written through, not
replaced. A new file is readable by its owner only, since it may hold an API token.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class NotMergeable(Exception):
    """The file cannot be merged into safely; the message says why and what to do."""


@dataclass(frozen=True)
class Merged:
    path: Path  # the file written (a symlink's target)
    replaced: bool  # an entry of that name was there and is now replaced
    others: int  # the other servers kept
    backup: Path | None  # the previous file, or None when there was none


def _read(path: Path, key: str) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8") or "{}")
    except json.JSONDecodeError as error:
        raise NotMergeable(
            f"{path} is not plain JSON (line {error.lineno}, column {error.colno}: {error.msg}); nothing was "
            "changed. Fix it, or leave out --write and paste the printed entry by hand"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise NotMergeable(f"cannot read {path}: {error}; nothing was changed") from None
    if not isinstance(document, dict):
        raise NotMergeable(f"{path} holds a JSON {type(document).__name__}, not an object; nothing was changed")
    if not isinstance(document.get(key, {}), dict):
        raise NotMergeable(f'{path}: "{key}" is not an object; nothing was changed')
    if not isinstance(document.get("inputs", []), list):
        raise NotMergeable(f'{path}: "inputs" is not a list; nothing was changed')
    return document


def _backup(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while backup.exists():
        n += 1
        backup = path.with_name(f"{path.name}.bak-{stamp}-{n}")
    shutil.copy2(path, backup)  # the same permissions: the backup may hold the same secrets
    return backup


def _write_atomically(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # the rename itself survives a crash once the folder is synced
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def merge_server(
    path: Path, key: str, name: str, entry: dict[str, Any], inputs: list[dict[str, Any]] | None = None
) -> Merged:
    """Put ``entry`` under ``document[key][name]`` (replacing an entry of that name, keeping all
    others), and each of ``inputs`` into ``document["inputs"]`` by its ``id``."""
    target = path.resolve() if path.is_symlink() else path
    document = _read(target, key)
    servers = dict(document.get(key, {}))
    replaced = name in servers
    servers[name] = entry
    document[key] = servers
    if inputs:
        ids = {i["id"] for i in inputs}
        kept = [i for i in document.get("inputs", []) if not (isinstance(i, dict) and i.get("id") in ids)]
        document["inputs"] = kept + inputs
    existed = target.exists()
    mode = target.stat().st_mode & 0o777 if existed else 0o600
    backup = _backup(target) if existed else None
    _write_atomically(target, json.dumps(document, indent=2, ensure_ascii=False) + "\n", mode)
    return Merged(target, replaced, len(servers) - 1, backup)
