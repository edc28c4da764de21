"""The README's benchmark figures are bench/'s output: the section between its markers is exactly what
``python -m bench.readme`` renders from the published run (bench/published.json), so no figure is copied by
hand and none goes stale without this failing."""

from __future__ import annotations

import json

from bench.readme import PUBLISHED, README, WHY_MISSED, render, section


def test_the_readme_section_is_the_published_runs() -> None:
    run = json.loads(PUBLISHED.read_text())
    assert section(README.read_text()) == render(run)
    assert not run["quick"]


def test_every_miss_the_published_run_shows_has_its_reason() -> None:
    run = json.loads(PUBLISHED.read_text())
    missed = [r["key"] for r in run["rows"] if "MISSED" in r["verdict"]]
    assert all(key in WHY_MISSED for key in missed), missed
