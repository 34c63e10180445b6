#!/usr/bin/env python3
"""Summarises a REST API load benchmark CSV (bench/api/results/api-*.csv) as Markdown.

    python3 bench/api/summarize.py bench/api/results/api-20261121T100000Z.csv

Per query and server, the medians over the rounds of requests per second (wrk), requests per
server CPU-second (wrk's requests / the utime+stime the server's process tree used during the
run), server CPU per request, p50 and p99 latency; the non-2xx responses and socket errors of
all its runs, and the answer's size. Then, per query, ours against each peer on requests per
server CPU-second (the ratio of the medians and, in brackets, the median of the per-round
ratios; rounds are interleaved, so a round's runs share the machine's load at that time),
against the targets: >= 20x Datasette, >= 5x the oxigraph server, and for ours alone >= 20,000
requests per server CPU-second with p99 < 10 ms. Only runs with status `ok` count: a run with
any non-2xx response or socket error is a failed run. Standard library only.
"""

import csv
import statistics
import sys
from collections import defaultdict

OURS = "ours"
SERVERS = [OURS, "datasette", "oxigraph"]
QUERIES = ["municipality", "near"]
TARGET_RATIO = {"datasette": 20.0, "oxigraph": 5.0}
TARGET_REQ_PER_CPU_S = 20_000.0
TARGET_P99_MS = 10.0


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, spec=",.0f", suffix=""):
    return "–" if x is None else format(x, spec) + suffix


def verdict(value, ok):
    return "–" if value is None else ("yes" if ok(value) else "**NO**")


def main(path):
    runs = defaultdict(list)  # (query, server) -> [row]
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            runs[(r["query"], r["server"])].append(r)
    queries = [q for q in QUERIES if any(k[0] == q for k in runs)] + sorted(
        {k[0] for k in runs} - set(QUERIES))
    servers = SERVERS + sorted({k[1] for k in runs} - set(SERVERS))

    def ok_runs(q, s):
        return [r for r in runs.get((q, s), []) if r["status"] == "ok"]

    def col(rs, key):
        return [float(r[key]) for r in rs if r[key] not in ("", None)]

    out = ["| query | server | ok runs | req/s (median) | req per server CPU-s (median) | server CPU µs/req | "
           "p50 ms | p99 ms | non-2xx | socket errors | answer bytes | server RSS MB |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for q in queries:
        for s in servers:
            every = runs.get((q, s))
            if not every:
                continue
            rs = ok_runs(q, s)
            per_cpu = med(col(rs, "req_per_cpu_s"))
            out.append(
                f"| {q} | {s} | {len(rs)}/{len(every)} | {fmt(med(col(rs, 'rps')))} | {fmt(per_cpu)} | "
                f"{fmt(1e6 / per_cpu if per_cpu else None, ',.1f')} | {fmt(med(col(rs, 'p50_ms')), '.2f')} | "
                f"{fmt(med(col(rs, 'p99_ms')), '.2f')} | {sum(int(r['non2xx'] or 0) for r in every):,} | "
                f"{sum(int(r['socket_errors'] or 0) for r in every):,} | {fmt(med(col(every, 'body_bytes')))} | "
                f"{fmt(med(col(every, 'rss_mb')))} |"
            )
    out.append("")
    out.append("| query | ours vs datasette, req per CPU-s [paired] | target ≥20× | "
               "ours vs oxigraph, req per CPU-s [paired] | target ≥5× | "
               "ours req per CPU-s | target ≥20,000 | ours p99 ms | target <10 ms |")
    out.append("|---|---:|:-:|---:|:-:|---:|:-:|---:|:-:|")
    for q in queries:
        ours = ok_runs(q, OURS)
        ours_by_round = {r["round"]: float(r["req_per_cpu_s"]) for r in ours}
        ours_med = med(list(ours_by_round.values()))
        cells = []
        for peer in ("datasette", "oxigraph"):
            prs = ok_runs(q, peer)
            peer_by_round = {r["round"]: float(r["req_per_cpu_s"]) for r in prs}
            peer_med = med(list(peer_by_round.values()))
            if not runs.get((q, peer)):
                cells += ["not run", "–"]
                continue
            of_medians = ours_med / peer_med if ours_med and peer_med else None
            paired = med([ours_by_round[k] / v for k, v in peer_by_round.items() if k in ours_by_round and v > 0])
            cells += [f"{fmt(of_medians, ',.1f', '×')} [{fmt(paired, ',.1f', '×')}]",
                      verdict(of_medians, lambda v, p=peer: v >= TARGET_RATIO[p])]
        p99 = med(col(ours, "p99_ms"))
        cells += [fmt(ours_med), verdict(ours_med, lambda v: v >= TARGET_REQ_PER_CPU_S),
                  fmt(p99, ".2f"), verdict(p99, lambda v: v < TARGET_P99_MS)]
        out.append(f"| {q} | " + " | ".join(cells) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: summarize.py RESULTS.csv")
    main(sys.argv[1])
