"""Summarises a bench/sparql run: python3 bench/sparql/summary.py RUN.csv RUN.md DURATION CONNECTIONS WARM

Two statistics per query, both ours / oxigraph in requests per server CPU-second:
- the ratio of the two servers' medians over the rounds;
- the median of the per-round ratios. Each round times both servers back to back, so a
  round's ratio cancels most of what drifts on a shared machine between rounds.
The target (issue 5) is at least 0.91: within 1.1x of the oxigraph server.
"""

import csv
import statistics
import sys

path, out, duration, conns, warm = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
queries = list(dict.fromkeys(r["query"] for r in rows))
rounds = sorted({r["round"] for r in rows}, key=int)


def values(server, q, key):
    return [float(r[key]) for r in rows if r["server"] == server and r["query"] == q]


def med(server, q, key):
    vals = values(server, q, key)
    return statistics.median(vals) if vals else float("nan")


def paired(q):
    ratios = []
    for n in rounds:
        by = {r["server"]: float(r["req_per_cpu_s"]) for r in rows if r["query"] == q and r["round"] == n}
        if by.get("oxigraph"):
            ratios.append(by.get("ours", 0.0) / by["oxigraph"])
    return ratios


def verdict(value):
    return "yes" if value >= 0.91 else "**NO**"


lines = [
    f"# SPARQL: datahamn /sparql vs the oxigraph server ({path.rsplit('/', 1)[-1]})",
    "",
    f"220,000 generated bath sites; both servers on CPU 0, wrk -c{conns} -d{duration}s on CPU 1, "
    f"{len(rounds)} interleaved rounds. Queries over half a second are timed as a run of requests "
    "one after the other instead. The oxigraph server reads a copy of our store (the same quads "
    "in the same files). "
    + (
        "Both servers read the whole store once before timing (the same block-cache state). "
        if warm == "1"
        else "The peer runs with a fresh process's cache (WARM_STORE=0). "
    )
    + "Target: ours within 1.1x of the oxigraph server (ours / oxigraph, in requests per server "
    "CPU-second, at least 0.91), by the ratio of the medians and by the median of the per-round "
    "ratios.",
    "",
    "| query | ours req/CPU-s | oxigraph req/CPU-s | ratio of medians | ≥0.91 | per-round ratios | their median | ≥0.91 | ours p50 ms | oxigraph p50 ms |",
    "|---|---:|---:|---:|:-:|---|---:|:-:|---:|---:|",
]
for q in queries:
    o, x = med("ours", q, "req_per_cpu_s"), med("oxigraph", q, "req_per_cpu_s")
    ratio = o / x if x else float("nan")
    per_round = paired(q)
    median = statistics.median(per_round) if per_round else float("nan")
    lines.append(
        f"| {q} | {o:,.2f} | {x:,.2f} | {ratio:.2f} | {verdict(ratio)} | "
        f"{' '.join(f'{r:.2f}' for r in per_round)} | {median:.2f} | {verdict(median)} | "
        f"{med('ours', q, 'p50_ms'):.2f} | {med('oxigraph', q, 'p50_ms'):.2f} |"
    )
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
