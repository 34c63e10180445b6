#!/usr/bin/env python3
"""Summarises an ingest benchmark CSV (bench/results/ingest-*.csv) as a Markdown table.

    python3 bench/summarize.py bench/results/ingest-20261121T080000Z.csv

Per size and tool: the medians over the rounds of wall seconds, CPU seconds (user+sys) and peak
RSS, rows/s and triples/s from the median wall time; then, per size, the ratios that the
benchmark targets:

* speed-up of ours against (a) morph-kgc + `oxigraph load`: (a) / ours, target >= 10x;
* slowdown of ours against (b) `oxigraph load` of datahamn's own N-Quads: ours / (b), target
  <= 1.25x;
* ours' peak RSS, target < 2 GB at 1M rows.

Each ratio is given as the ratio of the medians and, in brackets, the median of the per-round
ratios (rounds are interleaved, so a round's runs share the machine's load at that time). Only
runs with status `ok` count. Standard library only.
"""

import csv
import statistics
import sys
from collections import defaultdict

OURS = "ours:datahamn-ingest"
PEER_A = "a:morph-kgc+oxigraph-load"
PEER_B = "b:oxigraph-load-nq"
ORDER = [OURS, PEER_A, "a1:morph-kgc", "a2:oxigraph-load-nt", PEER_B, "info:datahamn-convert"]
TARGET_SPEEDUP = 10.0
TARGET_SLOWDOWN = 1.25
TARGET_RSS_MB = 2048.0


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, spec=".2f"):
    return "–" if x is None else format(x, spec)


def times(x, spec=".2f"):
    return "–" if x is None else format(x, spec) + "×"


def human(n):
    if n is None:
        return "–"
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if n >= div:
            return f"{n / div:.2f}{unit}"
    return f"{n:.0f}"


def ratio_pair(runs, num_tool, den_tool, metric):
    """Ratio of medians, and median of per-round ratios, num / den."""
    num = {r["round"]: r[metric] for r in runs.get(num_tool, [])}
    den = {r["round"]: r[metric] for r in runs.get(den_tool, [])}
    if not num or not den:
        return None, None
    of_medians = med(list(num.values())) / med(list(den.values())) if med(list(den.values())) else None
    paired = [num[k] / den[k] for k in num if k in den and den[k] > 0]
    return of_medians, med(paired)


def main(path):
    rows = defaultdict(lambda: defaultdict(list))
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r.get("status", "ok") != "ok":
                continue
            run = {
                "round": r["round"],
                "wall": float(r["wall_s"]),
                "cpu": float(r["cpu_s"]),
                "rss": float(r["max_rss_mb"]),
                "triples": int(r["triples"]) if r["triples"] else None,
            }
            rows[int(r["size"])][r["tool"]].append(run)
    out = []
    out.append("| size (rows) | tool | runs | wall s (median) | CPU s (median) | peak RSS MB (median) | triples | rows/s | triples/s |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in sorted(rows):
        tools = rows[size]
        for tool in ORDER + sorted(t for t in tools if t not in ORDER):
            runs = tools.get(tool)
            if not runs:
                continue
            wall = med([r["wall"] for r in runs])
            cpu = med([r["cpu"] for r in runs])
            rss = med([r["rss"] for r in runs])
            triples = runs[0]["triples"]
            out.append(
                f"| {size:,} | {tool} | {len(runs)} | {fmt(wall)} | {fmt(cpu)} | {fmt(rss, '.0f')} | "
                f"{triples if triples is not None else '–':,} | {human(size / wall if wall else None)} | "
                f"{human(triples / wall if wall and triples else None)} |"
            )
    out.append("")
    out.append("| size (rows) | ours vs (a): speed-up, wall [paired] | CPU [paired] | target ≥10× | "
               "ours vs (b): slowdown, wall [paired] | CPU [paired] | target ≤1.25× | ours peak RSS MB (max) | target <2 GB |")
    out.append("|---:|---:|---:|:-:|---:|---:|:-:|---:|:-:|")
    for size in sorted(rows):
        runs = rows[size]
        a_wall = ratio_pair(runs, PEER_A, OURS, "wall")
        a_cpu = ratio_pair(runs, PEER_A, OURS, "cpu")
        b_wall = ratio_pair(runs, OURS, PEER_B, "wall")
        b_cpu = ratio_pair(runs, OURS, PEER_B, "cpu")
        ours = runs.get(OURS, [])
        rss = max((r["rss"] for r in ours), default=None)

        def verdict(value, ok):
            return "–" if value is None else ("yes" if ok(value) else "NO")

        out.append(
            f"| {size:,} | {times(a_wall[0], '.1f')} [{times(a_wall[1], '.1f')}] | {times(a_cpu[0], '.1f')} [{times(a_cpu[1], '.1f')}] | "
            f"{verdict(a_wall[0], lambda v: v >= TARGET_SPEEDUP)} | "
            f"{times(b_wall[0])} [{times(b_wall[1])}] | {times(b_cpu[0])} [{times(b_cpu[1])}] | "
            f"{verdict(b_wall[0], lambda v: v <= TARGET_SLOWDOWN)} | {fmt(rss, '.0f')} | "
            f"{verdict(rss, lambda v: v < TARGET_RSS_MB) if size >= 1_000_000 else '(1M only)'} |"
        )
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: summarize.py RESULTS.csv")
    main(sys.argv[1])
