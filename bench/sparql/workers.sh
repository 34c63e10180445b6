#!/usr/bin/env bash
# The cost of running SPARQL in worker processes: median latency of the query page's example
# queries on two builds, side by side on the same machine and the shipped datasets.
#
#   BEFORE=/path/to/old/datahamn bash bench/sparql/workers.sh
#
# Both servers start on fresh data directories with datasets/ published; each example query is
# sent REQUESTS times (default 40) to each server in turn, one request at a time (curl), after
# WARMUP requests each that are not counted (the first query on a revision makes its snapshot and
# each worker opens it). Results: bench/sparql/results/workers-<stamp>.md.
#
# Environment: BEFORE (required), AFTER (target/release/datahamn), REQUESTS (40), WARMUP (5),
# PORTS (18150 18151).

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BEFORE=${BEFORE:?give the build to compare with in BEFORE}
AFTER=${AFTER:-$ROOT/target/release/datahamn}
REQUESTS=${REQUESTS:-40}
WARMUP=${WARMUP:-5}
read -r PORT_A PORT_B <<<"${PORTS:-18150 18151}"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/sparql/results/workers-$STAMP.md"
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

start() { # binary port
  mkdir -p "$WORK/$2"
  "$1" serve --data-dir "$WORK/$2" --listen "127.0.0.1:$2" --datasets-dir "$ROOT/datasets" \
    --rate-limit 0 >"$WORK/$2.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return; sleep 0.2; done
  echo "the server on $2 did not start" >&2; exit 1
}
start "$BEFORE" "$PORT_A"
start "$AFTER" "$PORT_B"

# The query page's examples, as the page carries them (the embedded store: with GeoSPARQL).
python3 - "$PORT_A" "$PORT_B" "$REQUESTS" "$WARMUP" "$OUT" <<'PY'
import json, re, statistics, subprocess, sys, time, urllib.request, urllib.parse
port_a, port_b, n, warmup, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
page = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port_b}/sparql", headers={"Accept": "text/html"})).read().decode()
data = re.search(r'<script type="application/json" id="example-queries">(.*?)</script>', page, re.S).group(1)
examples = json.loads(data.replace("<\\/", "</"))
lookup = {"title": "lookup (in the server)", "query": None}
def time_one(port, query):
    body = urllib.parse.urlencode({"query": query}).encode()
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/sparql", data=body, headers={"Accept": "application/sparql-results+json"})) as r:
        r.read()
        assert r.status == 200
    return (time.perf_counter() - start) * 1000
rows = []
for ex in examples:
    q = ex["query"].replace(f"127.0.0.1:{port_b}", "{HOST}")
    qa, qb = q.replace("{HOST}", f"127.0.0.1:{port_a}"), q.replace("{HOST}", f"127.0.0.1:{port_b}")
    for _ in range(warmup):
        time_one(port_a, qa); time_one(port_b, qb)
    a, b = [], []
    for _ in range(n):  # interleaved, so drift hits both
        a.append(time_one(port_a, qa)); b.append(time_one(port_b, qb))
    rows.append((ex["title"], statistics.median(a), statistics.median(b)))
with open(out, "w") as f:
    f.write(f"# SPARQL in worker processes: median latency (ms), {n} requests each, one at a time\n\n")
    f.write("| example | before | after (worker) | after − before |\n|---|---:|---:|---:|\n")
    for t, a, b in rows:
        f.write(f"| {t} | {a:.2f} | {b:.2f} | {b - a:+.2f} |\n")
print(open(out).read())
PY
