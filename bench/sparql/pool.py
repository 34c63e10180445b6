"""Pools the paired rounds of several bench/sparql runs:

    python3 bench/sparql/pool.py bench/sparql/results/sparql-A.csv bench/sparql/results/sparql-B.csv ...

Each round times both servers back to back; its ratio (ours / oxigraph, requests per server
CPU-second) is one paired sample. Single rounds on the shared machine range over ±20% for the
same query, so the estimate to hold against the target (at least 0.91: within 1.1x of the
oxigraph server) is the median of every paired round of runs made the same way. Rounds are
pooled per query and Accept-Encoding variant (`encoding`; runs from before that column count as
`none`, no header sent).
"""

import csv
import statistics
import sys

ratios = {}
for path in sys.argv[1:]:
    rate = {}
    for r in csv.DictReader(open(path)):
        rate[(r["server"], r["query"], r.get("encoding", "none"), r["round"])] = float(r["req_per_cpu_s"])
    for (server, query, encoding, rnd), value in rate.items():
        peer = rate.get(("oxigraph", query, encoding, rnd))
        if server == "ours" and peer:
            ratios.setdefault((query, encoding), []).append(value / peer)

print(f"{len(sys.argv) - 1} runs; ours / oxigraph in requests per server CPU-second, per paired round\n")
print("| query | encoding | rounds | median | lowest | highest | rounds at 0.91 or more |")
print("|---|---|---:|---:|---:|---:|---:|")
for (query, encoding), values in ratios.items():
    values.sort()
    at_target = sum(v >= 0.91 for v in values)
    print(
        f"| {query} | {encoding} | {len(values)} | {statistics.median(values):.2f} | {values[0]:.2f} | "
        f"{values[-1]:.2f} | {at_target}/{len(values)} |"
    )
