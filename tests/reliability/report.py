"""Figures the reliability suite reports at the end of the run (printed by tests/conftest.py)."""

from __future__ import annotations

from collections import Counter

FIGURES: Counter[str] = Counter()
LINES: list[str] = []
