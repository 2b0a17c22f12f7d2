"""Runs every benchmark in bench/ one after the other and ends with their headline figures, each
against the baseline measured in the same run, and whether its goal was met.

    .venv/bin/python bench/run.py            # every bench, full size (about 33 minutes)
    .venv/bin/python bench/run.py --quick    # smaller samples (about 9 minutes): a smoke run
    .venv/bin/python bench/run.py --only pipecat,gcore,usage

The audit benches run on DATABASE_URL's database (SQLite, a scratch file, by default; on
PostgreSQL a scratch database is made and dropped); the load needs PostgreSQL and Redis on the
loopback (see bench/load.py).

Each bench's own lines are printed as it runs. The exit status is 1 when a goal was missed or a
bench failed. Figures move with the machine's load: run on a quiet machine, and compare ratios,
not absolute times.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name: (script, full arguments, quick arguments)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "pipecat": ("pipecat_bench.py", [], ["-n", "15", "--watch", "6"]),
    "gcore": ("gcore_bench.py", [], ["-n", "8", "--watch", "3"]),
    "usage": ("usage_bench.py", [], ["--readers", "20", "--intervals", "2"]),
    "watch": (
        "watch_bench.py",
        [],
        ["--sets", "500", "--secrets", "1000", "--changes", "8", "--key-changes", "3"],
    ),
    "audit": ("audit_bench.py", [], ["--events", "100000"]),
    "audit-filters": ("audit_filters_bench.py", [], ["--events", "100000"]),
    "load": ("load.py", [], ["--users", "40", "--seconds", "15"]),
    "load-hanging": ("load.py", ["--hang"], ["--hang", "--users", "40", "--seconds", "15"]),
}


def ratio(row: dict) -> str:
    if not row["baseline"]:
        return ""
    return f"{row['value'] / row['baseline']:.2f}x {row['baseline_name']}".rstrip()


def summary(rows: list[tuple[str, dict]]) -> str:
    verdicts = {True: "met", False: "MISSED", None: ""}
    table = [
        (
            bench,
            row["name"],
            f"{row['value']:,.2f} {row['unit']}",
            ratio(row),
            row["goal"],
            verdicts[row["met"]],
        )
        for bench, row in rows
    ]
    heads = ("bench", "figure", "value", "against the baseline", "goal", "")
    widths = [max(len(line[i]) for line in [heads, *table]) for i in range(len(heads))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in [heads, *table]
    ]
    return "\n".join(line.rstrip() for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples: a smoke run")
    parser.add_argument("--only", default=",".join(BENCHES), help=f"of {','.join(BENCHES)}")
    args = parser.parse_args()
    chosen = args.only.split(",")
    if unknown := set(chosen) - set(BENCHES):
        parser.error(f"unknown benches: {', '.join(sorted(unknown))}")

    rows: list[tuple[str, dict]] = []
    failed: list[str] = []
    for name in chosen:
        script, full, quick = BENCHES[name]
        with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as figures:
            print(f"\n=== {name}: bench/{script} {' '.join(quick if args.quick else full)}")
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, str(HERE / script), *(quick if args.quick else full)],
                env={**os.environ, "BENCH_FIGURES": figures.name},
                check=False,
            )
            print(f"=== {name}: {time.monotonic() - started:.0f} s")
            if done.returncode:
                failed.append(name)
            rows += [(name, json.loads(line)) for line in figures]
    print("\nHeadline figures\n")
    print(summary(rows))
    missed = [row["name"] for _, row in rows if row["met"] is False]
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    if missed:
        print(f"\ngoals missed: {', '.join(missed)}")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
