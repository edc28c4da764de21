"""Figures as the benchmarks report them: a median over repeated runs, with min and max."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: list[float]) -> Figure:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def text(self, unit: str, digits: int = 1) -> str:
        return f"{self.median:.{digits}f} {unit} (min {self.low:.{digits}f}, max {self.high:.{digits}f}, n={self.runs})"

    def as_json(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.low, "max": self.high, "runs": self.runs}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    ok = value <= target if lower_is_better else value >= target
    return f"target {target:g}: {'met' if ok else 'MISSED'}"
