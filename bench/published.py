"""docs/benchmarks.md's figures, written from bench/'s own output and never by hand.

    uv run python -m bench                                      # a full run: bench/results/latest.json
    uv run python -m bench.published --publish bench/results/latest.json
    uv run python -m bench.published --check                    # what tests/test_bench_published.py asserts

``--publish`` keeps the run as bench/published.json (committed: bench/results/ is not) and rewrites the part of
docs/benchmarks.md between the two markers from it: the table (every row as the run printed it) and, for each target
the run missed, what the miss is and why. The reasons are written here, once, without figures: every figure
in the section comes from the published run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "benchmarks.md"
PUBLISHED = Path(__file__).resolve().parent / "published.json"
START, END = "<!-- bench:start (written by python -m bench.published) -->", "<!-- bench:end -->"

# Why a figure misses its target, by result key (shown only when that row says MISSED). No figures here.
WHY_MISSED = {
    "overhead_search_numbers": (
        "search_numbers saves a quote per offer in the ledger before it answers (SQLite, synchronous=FULL, on a "
        "worker thread), and each save first purges expired quotes by scanning the whole table (there is no index "
        "on expiry), so a search costs more the more searches the last hour saw; this run's own searches count. "
        "Both are the guard's ledger (guard/ledger/sqlite.py); the tool already reads the day's purchase count "
        "while Zendesk searches."
    ),
    "overhead_get_number": "get_number does one Zendesk request and returns the record; see bench/profiles/.",
    "cold_start": (
        "What a start imports beyond the bare server is mostly pydantic models (the tools' arguments and results, "
        "Zendesk's records); prometheus_client and rich are no longer imported by a start, and the package is "
        "compiled as an install compiles it. The floor is one trivial tool."
    ),
    "walk_first_page": (
        "The first call of a listing reads every page (in minimal mode where the view allows) before it answers, "
        "so that filters, counts and the continuation see one account."
    ),
    "large_account": (
        "The sandbox is one Python process that serialises every page: most of the first call is the simulator's "
        "CPU on a shared machine, not latency."
    ),
    "memory_start": "The server keeps more modules and its prompts in memory than a bare server with one tool.",
}
for ledger in ("sqlite", "redis"):
    for era in ("legacy", "auto"):
        WHY_MISSED[f"purchase_tool_{ledger}_{era}"] = (
            "The guard's purchase takes 3 ledger round trips (its own row above); through the tool a fourth is the "
            "listing snapshot's retirement (server/shared/directory.py): a number bought must appear in the next "
            "list_numbers on any replica, so the write marks every replica's snapshot of the account stale."
        )
for clients in (1, 8, 32):
    WHY_MISSED[f"throughput_{clients}"] = (
        "get_number makes a Zendesk request (to the standalone sandbox, a process on the same 2 cores) that the "
        "bare echo does not: on this machine the load generator, the sandbox and the server share the CPUs."
    )

# Said whatever the run measured: what a reader needs to read the table.
ALWAYS = (
    "The walk rows read the whole account through `next_cursor` at the default limit under Zendesk's default "
    "budget, against one raw read of every page in the same run; the per-call rows divide a tool's time over "
    "stdio by a bare server's MCP round trip plus the same Zendesk request sent by a plain HTTP client.",
    "Fleet rows: every process (clients, balancer, replicas, sandbox, Redis) shares this machine's 2 cores, so 3 "
    "replicas are no faster than 1 here; replicas add throughput on hosts of their own.",
)


def render(run: dict[str, Any]) -> str:
    """The section between the markers, from one run's JSON."""
    rows = run["rows"]
    lines = [
        START,
        "",
        f"Measured {run['date'][:10]} on {run['machine']} ({'quick' if run['quick'] else 'full'} run, "
        f"{run['seconds']} s): medians over repeated runs with min and max, each timing beside a baseline "
        "measured in the same run. A noisy shared machine: read timings as ranges, ratios as the figures.",
        "",
        "| figure | value | baseline (same run) | verdict |",
        "|---|---|---|---|",
        *(f"| {r['figure']} | {r['value']} | {r['baseline']} | {r['verdict']} |" for r in rows),
        "",
    ]
    missed = [r for r in rows if "MISSED" in r["verdict"]]
    if missed:
        lines.append("Where a target is missed, and why:")
        for r in missed:
            lines.append(f"- **{r['figure']}** ({r['verdict']}): {WHY_MISSED.get(r['key'], 'not yet explained.')}")
    else:
        lines.append("Every target with a verdict is met in this run.")
    lines += ["", *(f"- {note}" for note in ALWAYS), "", END]
    return "\n".join(lines)


def section(text: str) -> str:
    start, end = text.index(START), text.index(END) + len(END)
    return text[start:end]


def write(run: dict[str, Any]) -> None:
    text = PAGE.read_text()
    PAGE.write_text(text.replace(section(text), render(run)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.published", description=__doc__.splitlines()[0])
    parser.add_argument("--publish", type=Path, help="a run's JSON (bench/results/latest.json) to publish")
    parser.add_argument("--check", action="store_true", help="fail if docs/benchmarks.md is not the published run's")
    args = parser.parse_args(argv)
    if args.publish:
        run = json.loads(args.publish.read_text())
        from bench.run import sections

        if run.get("quick") or set(run.get("sections") or ()) != set(sections(False)):
            print("publish a full run of every benchmark (uv run python -m bench), not a quick or partial one")
            return 2
        shutil.copyfile(args.publish, PUBLISHED)
        write(run)
        print(f"docs/benchmarks.md written from {args.publish} (kept as {PUBLISHED.name})")
        return 0
    expected = render(json.loads(PUBLISHED.read_text()))
    if section(PAGE.read_text()) != expected:
        print("docs/benchmarks.md is not bench/published.json's: run python -m bench.published --publish")
        return 1
    print("docs/benchmarks.md is bench/published.json's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
