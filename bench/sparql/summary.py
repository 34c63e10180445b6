"""Summarises a bench/sparql run:

    python3 bench/sparql/summary.py RUN.csv RUN.md DURATION CONNECTIONS WARM [CODINGS]

Per query and Accept-Encoding variant (`encoding`: `none`, or the codings sent joined by `+`),
two statistics, both ours / oxigraph in requests per server CPU-second:
- the ratio of the two servers' medians over the rounds;
- the median of the per-round ratios. Each round times both servers back to back, so a
  round's ratio cancels most of what drifts on a shared machine between rounds.
The target (issue 5) is at least 0.91: within 1.1x of the oxigraph server.
Then each server without and with compression side by side (compressed / plain, paired per
round). CODINGS is the run's note of which Content-Encoding each server answered with. Results
written before the `encoding` column existed count as `none` (no header sent).
"""

import csv
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sidebyside import describe, encoding, ordered, side_by_side  # noqa: E402

path, out, duration, conns, warm = sys.argv[1:6]
codings = sys.argv[6] if len(sys.argv) > 6 else ""
rows = list(csv.DictReader(open(path)))
for r in rows:
    r["encoding"] = encoding(r)
queries = list(dict.fromkeys(r["query"] for r in rows))
encodings = ordered(r["encoding"] for r in rows)
rounds = sorted({r["round"] for r in rows}, key=int)


def values(server, q, e, key):
    return [float(r[key]) for r in rows if r["server"] == server and r["query"] == q and r["encoding"] == e]


def med(server, q, e, key):
    vals = values(server, q, e, key)
    return statistics.median(vals) if vals else float("nan")


def per_round(q, e, key="req_per_cpu_s"):
    """{round: {server: value}}"""
    by = {}
    for r in rows:
        if r["query"] == q and r["encoding"] == e:
            by.setdefault(r["round"], {})[r["server"]] = float(r[key])
    return by


def paired(q, e):
    ratios = []
    for n in rounds:
        by = per_round(q, e).get(n, {})
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
    "ratios. Encodings: "
    + ", ".join(f"`{e}` ({describe(e)})" for e in encodings)
    + (f"; answers' Content-Encoding: {codings}." if codings else "."),
    "",
    "| query | encoding | ours req/CPU-s | oxigraph req/CPU-s | ratio of medians | ≥0.91 | per-round ratios | their median | ≥0.91 | ours p50 ms | oxigraph p50 ms |",
    "|---|---|---:|---:|---:|:-:|---|---:|:-:|---:|---:|",
]
for q in queries:
    for e in encodings:
        o, x = med("ours", q, e, "req_per_cpu_s"), med("oxigraph", q, e, "req_per_cpu_s")
        ratio = o / x if x else float("nan")
        each = paired(q, e)
        median = statistics.median(each) if each else float("nan")
        lines.append(
            f"| {q} | {e} | {o:,.2f} | {x:,.2f} | {ratio:.2f} | {verdict(ratio)} | "
            f"{' '.join(f'{r:.2f}' for r in each)} | {median:.2f} | {verdict(median)} | "
            f"{med('ours', q, e, 'p50_ms'):.2f} | {med('oxigraph', q, e, 'p50_ms'):.2f} |"
        )
table = side_by_side(rows, ("query", "server"), [
    ("req_per_cpu_s", "req per server CPU-s", ",.2f", True),
    ("p50_ms", "p50 ms", ".2f", False),
])
if table:
    lines += ["", "Without and with compression (medians; compressed / plain as the ratio of the medians and "
              "[the median of the per-round ratios]):", "", *table]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
