#!/usr/bin/env python3
"""Summarises a REST API load benchmark CSV (bench/api/results/api-*.csv) as Markdown.

    python3 bench/api/summarize.py bench/api/results/api-20261121T100000Z.csv

Per query, Accept-Encoding variant (`encoding`: `none`, or the codings sent joined by `+`, e.g.
`gzip+br`) and server, the medians over the rounds of requests per second (wrk), requests per
server CPU-second (wrk's requests / the utime+stime the server's process tree used during the
run), server CPU per request, p50 and p99 latency; the non-2xx responses and socket errors of
all its runs, the answer's size as sent and its Content-Encoding. Then, per query and encoding,
ours against each peer on requests per server CPU-second (the ratio of the medians and, in
brackets, the median of the per-round ratios; rounds are interleaved, so a round's runs share
the machine's load at that time), against the targets: >= 20x Datasette, >= 5x the oxigraph
server, and for ours alone >= 20,000 requests per server CPU-second with p99 < 10 ms. Last, each
server without and with compression side by side (compressed / plain, paired per round). Only
runs with status `ok` count: a run with any non-2xx response or socket error is a failed run.
Results written before the `encoding` column existed count as `none` (no header sent).
Standard library only.
"""

import csv
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sidebyside import encoding, ordered, side_by_side  # noqa: E402

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


def first(found, preferred):
    return [x for x in preferred if x in found] + sorted(set(found) - set(preferred))


def main(path):
    runs = defaultdict(list)  # (query, encoding, server) -> [row]
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            r["encoding"] = encoding(r)
            runs[(r["query"], r["encoding"], r["server"])].append(r)
    queries = first({k[0] for k in runs}, QUERIES)
    encodings = ordered(k[1] for k in runs)
    servers = first({k[2] for k in runs}, SERVERS)

    def ok_runs(q, e, s):
        return [r for r in runs.get((q, e, s), []) if r["status"] == "ok"]

    def col(rs, key):
        return [float(r[key]) for r in rs if r.get(key) not in ("", None)]

    def by_round(q, e, s, key="req_per_cpu_s"):
        return {r["round"]: float(r[key]) for r in ok_runs(q, e, s)}

    def paired(a, b):
        """Median over the rounds both have of a / b."""
        return med([a[k] / v for k, v in b.items() if k in a and v > 0])

    out = ["| query | encoding | server | ok runs | req/s (median) | req per server CPU-s (median) | "
           "server CPU µs/req | p50 ms | p99 ms | non-2xx | socket errors | answer bytes | coding | server RSS MB |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for q in queries:
        for e in encodings:
            for s in servers:
                every = runs.get((q, e, s))
                if not every:
                    continue
                rs = ok_runs(q, e, s)
                per_cpu = med(col(rs, "req_per_cpu_s"))
                codings = sorted({r.get("content_encoding") or "–" for r in every})
                out.append(
                    f"| {q} | {e} | {s} | {len(rs)}/{len(every)} | {fmt(med(col(rs, 'rps')))} | {fmt(per_cpu)} | "
                    f"{fmt(1e6 / per_cpu if per_cpu else None, ',.1f')} | {fmt(med(col(rs, 'p50_ms')), '.2f')} | "
                    f"{fmt(med(col(rs, 'p99_ms')), '.2f')} | {sum(int(r['non2xx'] or 0) for r in every):,} | "
                    f"{sum(int(r['socket_errors'] or 0) for r in every):,} | {fmt(med(col(every, 'body_bytes')))} | "
                    f"{', '.join(codings)} | {fmt(med(col(every, 'rss_mb')))} |"
                )
    out.append("")
    out.append("| query | encoding | ours vs datasette, req per CPU-s [paired] | target ≥20× | "
               "ours vs oxigraph, req per CPU-s [paired] | target ≥5× | "
               "ours req per CPU-s | target ≥20,000 | ours p99 ms | target <10 ms |")
    out.append("|---|---|---:|:-:|---:|:-:|---:|:-:|---:|:-:|")
    for q in queries:
        for e in encodings:
            ours_by_round = by_round(q, e, OURS)
            ours_med = med(list(ours_by_round.values()))
            cells = []
            for peer in ("datasette", "oxigraph"):
                if not runs.get((q, e, peer)):
                    cells += ["not run", "–"]
                    continue
                peer_by_round = by_round(q, e, peer)
                peer_med = med(list(peer_by_round.values()))
                of_medians = ours_med / peer_med if ours_med and peer_med else None
                cells += [f"{fmt(of_medians, ',.1f', '×')} [{fmt(paired(ours_by_round, peer_by_round), ',.1f', '×')}]",
                          verdict(of_medians, lambda v, p=peer: v >= TARGET_RATIO[p])]
            p99 = med(col(ok_runs(q, e, OURS), "p99_ms"))
            cells += [fmt(ours_med), verdict(ours_med, lambda v: v >= TARGET_REQ_PER_CPU_S),
                      fmt(p99, ".2f"), verdict(p99, lambda v: v < TARGET_P99_MS)]
            out.append(f"| {q} | {e} | " + " | ".join(cells) + " |")
    ok = [r for q in queries for e in encodings for s in servers for r in ok_runs(q, e, s)]
    table = side_by_side(ok, ("query", "server"), [
        ("rps", "req/s", ",.0f", True),
        ("req_per_cpu_s", "req per server CPU-s", ",.0f", True),
        ("p50_ms", "p50 ms", ".2f", False),
        ("p99_ms", "p99 ms", ".2f", False),
        ("body_bytes", "answer bytes", ",.0f", False),
    ])
    if table:
        out += ["", "Without and with compression, side by side (medians of the ok runs; compressed / plain "
                "as the ratio of the medians and [the median of the per-round ratios]):", "", *table]
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: summarize.py RESULTS.csv")
    main(sys.argv[1])
