"""Where a tool call's time goes: the server in this process (as ``serve`` builds it, SQLite ledger in a
fresh folder) against the standalone sandbox, each tool called PROFILED_CALLS times under pyinstrument, and
the call tree written to bench/profiles/<tool>.txt (time in the sandbox's process is not in it).

    uv run python -m bench.profile            # get_number and search_numbers
    uv run python -m bench.profile list_numbers

The profiles explain the per-call ratios bench/ reports; the ratios themselves come from bench/run.py.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from pyinstrument import Profiler

from bench.common import standalone_sandbox
from voice_tools.server.app import build_server
from voice_tools.server.config.serving import ServerSettings

PROFILES = Path(__file__).resolve().parent / "profiles"
PROFILED_CALLS = 300
CALLS: dict[str, dict[str, Any]] = {
    "get_number": {"phone_number_id": 900000120986},
    "search_numbers": {"country": "US", "limit": 5},
    "list_numbers": {"limit": 20},
}


async def profile(tools: list[str]) -> None:
    PROFILES.mkdir(exist_ok=True)
    with standalone_sandbox() as zendesk, tempfile.TemporaryDirectory() as state:
        server = build_server(ServerSettings.from_env({**zendesk.server_env, "VOICE_TOOLS_STATE_DIR": state}))
        async with Client(server, mode="legacy") as client:
            for tool in tools:
                for _ in range(30):  # warm: connections, caches, the first snapshot
                    await client.call_tool(tool, CALLS[tool])
                profiler = Profiler(interval=0.0002, async_mode="disabled")
                started = time.perf_counter()
                profiler.start()
                for _ in range(PROFILED_CALLS):
                    await client.call_tool(tool, CALLS[tool])
                profiler.stop()
                per_call = (time.perf_counter() - started) / PROFILED_CALLS * 1000
                text = profiler.output_text(unicode=False, color=False, show_all=False)
                header = f"{tool} {CALLS[tool]}: {PROFILED_CALLS} calls in process, {per_call:.2f} ms a call profiled\n"
                (PROFILES / f"{tool}.txt").write_text(header + text)
                print(f"{tool}: {per_call:.2f} ms a call (profiled) -> {PROFILES / f'{tool}.txt'}", flush=True)


if __name__ == "__main__":
    anyio.run(profile, sys.argv[1:] or ["get_number", "search_numbers"])
