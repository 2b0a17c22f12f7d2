"""A bench's headline figures: printed where they are measured and, when `bench/run.py` runs the
bench, collected for its summary (one JSON line each in the file `BENCH_FIGURES` names)."""

import json
import os


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: float | None = None,
    baseline_name: str = "",
    goal: str = "",
    met: bool | None = None,
) -> None:
    """`value` in `unit`; `baseline` (same unit, measured in the same run) makes it a ratio;
    `met` says whether `goal` was reached (None: a figure without a goal)."""
    path = os.environ.get("BENCH_FIGURES")
    if not path:
        return
    row = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "goal": goal,
        "met": met,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
