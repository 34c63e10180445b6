#!/usr/bin/env python3
"""Medians, rows/s and ratios to CSV of a formats benchmark's results (bench/formats/run.sh), as
Markdown. Standard library only.

    python3 bench/formats/summarize.py bench/results/formats-<UTC>.csv 220000
"""

import csv
import statistics
import sys


def main(path, rows):
    runs = [r for r in csv.DictReader(open(path)) if r["status"] == "ok"]

    def pick(fmt, step):
        return [r for r in runs if r["format"] == fmt and r["step"] == step]

    def med(sel, key):
        return statistics.median(float(r[key]) for r in sel)

    def paired(fmt, step, key):
        base = {r["round"]: float(r[key]) for r in pick("csv", step)}
        v = [float(r[key]) / base[r["round"]] for r in pick(fmt, step) if r["round"] in base]
        return statistics.median(v) if v else None

    print("| step | format | file MB | runs | wall s (median) | CPU s (median) | peak RSS MB (median, max) | rows/s (wall) | wall vs CSV [paired] | CPU vs CSV [paired] | within 2× | RSS < 1 GB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|")
    for step in ("validate", "ingest"):
        for fmt in ("csv", "xlsx", "geojson"):
            sel = pick(fmt, step)
            if not sel:
                continue
            wall, cpu, rss = med(sel, "wall_s"), med(sel, "cpu_s"), med(sel, "max_rss_mb")
            top = max(float(r["max_rss_mb"]) for r in sel)
            rw, rc = paired(fmt, step, "wall_s"), paired(fmt, step, "cpu_s")
            mb = int(sel[0]["bytes"]) / 1e6
            print(
                f"| {step} | {fmt} | {mb:.1f} | {len(sel)} | {wall:.2f} | {cpu:.2f} | {rss:.0f}, {top:.0f} "
                f"| {rows / wall:,.0f} | {rw:.2f}× | {rc:.2f}× | {'yes' if max(rw, rc) <= 2 else 'no'} | {'yes' if top < 1024 else 'no'} |"
            )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
