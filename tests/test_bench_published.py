"""docs/benchmarks.md's figures are bench/'s output: the section between its markers is exactly what
``python -m bench.published`` renders from the published run (bench/published.json), so no figure is copied by
hand and none goes stale without this failing."""

from __future__ import annotations

import json

from bench.published import PAGE, PUBLISHED, WHY_MISSED, render, section


def test_the_benchmarks_page_is_the_published_runs() -> None:
    run = json.loads(PUBLISHED.read_text())
    assert section(PAGE.read_text()) == render(run)
    assert not run["quick"]


def test_every_miss_the_published_run_shows_has_its_reason() -> None:
    run = json.loads(PUBLISHED.read_text())
    missed = [r["key"] for r in run["rows"] if "MISSED" in r["verdict"]]
    assert all(key in WHY_MISSED for key in missed), missed
