#!/usr/bin/env python3
"""Measure what a speed change alters, against the run-to-run spread (issue 15's fast stage).

Usage: benches/tolerance.py EXACT_SWEEP_DIR CHANGED_SWEEP_DIR [--tolerance 0.1]

Both folders are `capsim sweep --out` folders of the same scenario, runs and base seed, one
simulated by the exact binary, one by the changed one. Replicate k has the same seed in both, so
every reported figure of runs.csv (replica peaks and hours at max, SLO compliance, availability,
database peaks, cache hit ratios, cost per month and variant, ...) is compared run by run:

    error(metric) = max over runs |changed - exact|
    spread(metric) = standard deviation of the exact runs (n - 1)

A change is within tolerance when error <= tolerance x spread for every metric; a metric that
does not vary from run to run (spread 0) must not change by more than 1e-9 relative. Prints a
Markdown table of every metric that changed and exits 1 when one is out of tolerance.
"""

import csv
import math
import sys


def load(folder):
    with open(f"{folder}/runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["run_id"]: r for r in rows}, (list(rows[0].keys()) if rows else [])


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    tolerance = 0.1
    if "--tolerance" in argv:
        tolerance = float(argv[argv.index("--tolerance") + 1])
        args = [a for a in args if a != str(argv[argv.index("--tolerance") + 1])]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    exact, columns = load(args[0])
    changed, _ = load(args[1])
    if exact.keys() != changed.keys():
        print("the two sweeps have different runs", file=sys.stderr)
        return 2
    skip = {"run_id", "point", "replicate", "seed"}
    rows, identical, worst = [], 0, 0.0
    for col in columns:
        if col in skip or col.startswith("param."):
            continue
        pairs = [(number(exact[k][col]), number(changed[k][col])) for k in exact]
        pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
        if not pairs:
            continue
        if all(a == b for a, b in pairs):
            identical += 1
            continue
        values = [a for a, _ in pairs]
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
        err = max(abs(b - a) for a, b in pairs)
        changed_runs = sum(1 for a, b in pairs if a != b)
        if sd > 0:
            ratio = err / sd
            ok = ratio <= tolerance
        else:
            ratio = math.inf if err > 1e-9 * max(abs(mean), 1e-300) else 0.0
            ok = ratio == 0.0
        worst = max(worst, ratio)
        rows.append((col, changed_runs, len(pairs), mean, sd, err, ratio, ok))
    print(f"{identical} metrics identical in every run; {len(rows)} changed "
          f"(tolerance: error <= {tolerance} x run-to-run sd)\n")
    if rows:
        print("| metric | runs changed | mean | run-to-run sd | max error | error / sd | ok |")
        print("|---|---|---|---|---|---|---|")
        for col, n, total, mean, sd, err, ratio, ok in rows:
            print(f"| {col} | {n}/{total} | {mean:.6g} | {sd:.4g} | {err:.4g} | {ratio:.4f} | {'yes' if ok else 'NO'} |")
    return 0 if all(r[-1] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
