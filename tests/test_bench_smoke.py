"""The benchmarks still run (quick mode), so the figures in the README can always be reproduced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(600)  # every benchmark once at its smallest: a run, not one test, outgrows 120 s
def test_the_bench_runs_and_writes_its_results(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "| figure | value | baseline (same run) | verdict |" in done.stdout
    results = json.loads(output.read_text())["results"]
    for key in (
        "tool_list_tokens",
        "search_result_tokens",
        "cold_start",
        "overhead_get_number",
        "large_account",
        "memory_start",
        "throughput_8",
        "fleet_8",
    ):
        assert key in results
    assert results["tool_list_tokens"]["total"] <= 1500
