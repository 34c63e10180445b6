#!/usr/bin/env bash
# Store backends side by side: datahamn on its embedded store, on oxigraph's server and on
# Virtuoso (through the SPARQL protocol and the Graph Store protocol), the same data (datasets/:
# the national list of 2,687 bathing waters, Härryda's bath sites and the example datasets),
# the same requests: REST reads (served from the read model, whatever the store), an item's
# Linked Data (a describe in the store), SPARQL queries, and the time a first start takes to
# publish datasets/.
#
#   bash bench/remote/run.sh        # 3 interleaved rounds of 5 s per backend and request
#   make bench-remote               # the same, after `make build` and `make engines`
#
# datahamn is pinned to CPU 0, the engine to CPU 1 and wrk (1 connection) to CPU 1 as well, so
# the comparison is "one core for datahamn" in each case; on 2 cores the engine and wrk share
# the other one. Every request runs without `Accept-Encoding` and with `Accept-Encoding: gzip, br`
# in every round. Report: bench/remote/results/remote-<stamp>.md (medians of the rounds, each
# backend's ratio to the embedded store, and each request without and with compression).
#
# Environment: ROUNDS (3), DURATION (5 s), DATAHAMN_BIN (target/release/datahamn),
# ENCODINGS ("none gzip+br", see bench/encoding.sh).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
BIN=${DATAHAMN_BIN:-"$ROOT/target/release/datahamn"}
OXIGRAPH="$ROOT/.venv-remote/bin/oxigraph"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$ROOT/bench/remote/results"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/datahamn-bench-remote.XXXXXX")
CSV="$RESULTS/remote-$STAMP.csv"
mkdir -p "$RESULTS"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
# shellcheck source=bench/encoding.sh
source "$ROOT/bench/encoding.sh" # ENCODINGS, encoding_args
[[ -x "$BIN" ]] || die "$BIN is missing; run make build"
[[ -x "$OXIGRAPH" ]] || die "no oxigraph server in .venv-remote; run make engines"
command -v virtuoso-t >/dev/null || die "Virtuoso is missing; run make engines (as root)"
command -v wrk >/dev/null || die "wrk is missing (apt-get install -y wrk)"

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  bash "$ROOT/tests/remote/virtuoso.sh" stop "$WORK/virtuoso" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_http() { # url, seconds[, pid that must stay alive]
  for _ in $(seq 1 $(($2 * 10))); do
    curl -sf -o /dev/null "$1" && return 0
    [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null && return 1
    sleep 0.1
  done
  return 1
}

# --- The engines -----------------------------------------------------------------------------
taskset -c 1 "$OXIGRAPH" serve --location "$WORK/oxigraph" --bind 127.0.0.1:7901 >"$WORK/oxigraph.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:7901/query?query=ASK%7B%7D" 30 || die "oxigraph did not start"
VIRTUOSO_PASSWORD=bench bash "$ROOT/tests/remote/virtuoso.sh" start "$WORK/virtuoso" 7902 7903 >"$WORK/virtuoso-start.log" 2>&1 \
  || die "Virtuoso did not start: $(tail -5 "$WORK/virtuoso-start.log")"
taskset -pc 1 "$(cat "$WORK/virtuoso/virtuoso.pid")" >/dev/null

declare -A ARGS PORT STARTUP
ARGS[embedded]=""
ARGS[oxigraph]="--store remote --sparql-url http://127.0.0.1:7901/query --update-url http://127.0.0.1:7901/update --gsp-url http://127.0.0.1:7901/store"
ARGS[virtuoso]="--store remote --sparql-url http://127.0.0.1:7902/sparql --update-url http://127.0.0.1:7902/sparql-auth --gsp-url http://127.0.0.1:7902/sparql-graph-crud-auth --store-user dba"
PORT[embedded]=7911
PORT[oxigraph]=7912
PORT[virtuoso]=7913
BACKENDS=(embedded oxigraph virtuoso)

# --- datahamn on each, publishing datasets/ on first start (timed) ---------------------------
for b in "${BACKENDS[@]}"; do
  started=$(date +%s.%N)
  # shellcheck disable=SC2086
  DATAHAMN_STORE_PASSWORD=bench DATAHAMN_RATE_LIMIT=0 DATAHAMN_LOG=warn \
    taskset -c 0 "$BIN" serve --listen "127.0.0.1:${PORT[$b]}" --data-dir "$WORK/data-$b" \
    --datasets-dir "$ROOT/datasets" --sparql-max-concurrent 16 ${ARGS[$b]} >"$WORK/serve-$b.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:${PORT[$b]}/healthz" 600 "$!" || die "datahamn on $b did not start: $(tail -5 "$WORK/serve-$b.log")"
  STARTUP[$b]=$(python3 -c "import time; print(round(time.time() - $started, 1))")
  log "$b: first start (publishing datasets/) ${STARTUP[$b]} s"
done

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
P="PREFIX schema: <https://schema.org/> PREFIX dh: <BASE/def/> "
declare -A REQ
NAMES=(rest-page rest-near rest-item item-turtle sparql-lookup sparql-groupby sparql-bbox)
REQ[rest-page]="/api/v1/bathing-sites?limit=100"
REQ[rest-near]="/api/v1/bathing-sites?near=57.655,12.14&radius=20000"
REQ[rest-item]="/api/v1/items/harryda-badplatser:finnsjon"
REQ[item-turtle]="/id/harryda-badplatser/finnsjon|text/turtle"
REQ[sparql-lookup]="/sparql?query=$(enc "SELECT ?p ?o WHERE { <BASE/id/harryda-badplatser/finnsjon> ?p ?o }")|application/sparql-results+json"
REQ[sparql-groupby]="/sparql?query=$(enc "${P}SELECT ?code (COUNT(?s) AS ?n) WHERE { ?s a schema:Beach ; dh:municipalityCode ?code } GROUP BY ?code ORDER BY ?code")|application/sparql-results+json"
REQ[sparql-bbox]="/sparql?query=$(enc "${P}SELECT ?s ?name WHERE { ?s a schema:Beach ; schema:name ?name ; schema:geo ?g . ?g schema:latitude ?lat ; schema:longitude ?lon . FILTER(?lat > 57.6 && ?lat < 57.8 && ?lon > 11.8 && ?lon < 12.1) } ORDER BY ?s")|application/sparql-results+json"

# Each backend's base URL differs only by port; the queries name its own.
url_for() { # backend, name -> url and accept
  local spec=${REQ[$2]} base="http://127.0.0.1:${PORT[$1]}"
  local path=${spec%%|*} accept=application/json
  [[ "$spec" == *"|"* ]] && accept=${spec#*|}
  path=${path//BASE/$(enc "$base")}
  printf '%s\t%s' "$base$path" "$accept"
}

# --- Answers first: every backend gives the same body -----------------------------------------
for n in "${NAMES[@]}"; do
  ref=""
  for b in "${BACKENDS[@]}"; do
    IFS=$'\t' read -r url accept < <(url_for "$b" "$n")
    body=$(curl -sf -H "Accept: $accept" "$url" | sed "s/127.0.0.1:${PORT[$b]}/HOST/g" | python3 -c '
import hashlib, sys, json
t = sys.stdin.read()
try:
    d = json.loads(t)
    if "results" in d:  # SPARQL JSON: compare the rows as a sorted list
        t = json.dumps(sorted(json.dumps(r, sort_keys=True) for r in d["results"]["bindings"]))
    else:
        t = json.dumps(d, sort_keys=True)
except ValueError:
    t = "\n".join(sorted(l.strip() for l in t.splitlines() if l.strip()))
print(len(t), hashlib.sha256(t.encode()).hexdigest()[:16])') || die "$b: $n failed"
    [[ -z "$ref" ]] && ref=$body
    [[ "$body" == "$ref" ]] || log "note: $b answers $n differently from embedded ($body vs $ref)"
  done
done

# --- Throughput: interleaved rounds ----------------------------------------------------------
echo "round,backend,request,encoding,requests_per_s,p50_ms,p99_ms" >"$CSV"
for r in $(seq 1 "$ROUNDS"); do
  for n in "${NAMES[@]}"; do
    for e in "${ENCODINGS[@]}"; do
      encoding_args "$e"
      for b in "${BACKENDS[@]}"; do
        IFS=$'\t' read -r url accept < <(url_for "$b" "$n")
        out=$(taskset -c 1 wrk -t1 -c1 -d"${DURATION}s" --latency --timeout 30s -H "Accept: $accept" "${ENC_ARGS[@]}" "$url" 2>&1)
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1=="50%" {print $2}' <<<"$out")
        p99=$(awk '$1=="99%" {print $2}' <<<"$out")
        non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
        [[ -n "$non2xx" ]] && log "note: $b $n $e had $non2xx non-2xx answers"
        echo "$r,$b,$n,$e,$rps,$p50,$p99" >>"$CSV"
        log "round $r $n $e $b: $rps req/s (p50 $p50)"
      done
    done
  done
done

PYTHONPATH="$ROOT/bench" python3 - "$CSV" "$RESULTS/remote-$STAMP.md" "${STARTUP[embedded]}" "${STARTUP[oxigraph]}" "${STARTUP[virtuoso]}" <<'PY'
import csv, statistics, sys
from sidebyside import describe, encoding, number, ordered, side_by_side
path, out, s_emb, s_ox, s_vi = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
for r in rows:
    r["encoding"] = encoding(r)
names = list(dict.fromkeys(r["request"] for r in rows))
encodings = ordered(r["encoding"] for r in rows)
backends = ["embedded", "oxigraph", "virtuoso"]
def median(b, n, e, key):
    return statistics.median(number(r[key]) for r in rows if r["backend"] == b and r["request"] == n and r["encoding"] == e)
lines = ["# datahamn on each store backend", "",
         "datasets/ (2,687 bathing waters and the other datasets, about 57,800 quads); datahamn on CPU 0, the engine and wrk (1 connection) on CPU 1; median of the rounds. "
         "Encodings: " + ", ".join(f"`{e}` ({describe(e)})" for e in encodings) + ".", "",
         f"First start, publishing datasets/: embedded {s_emb} s, oxigraph server {s_ox} s, Virtuoso {s_vi} s.", "",
         "| request | encoding | embedded req/s | oxigraph req/s (ratio) | Virtuoso req/s (ratio) | p50 ms (emb / ox / virt) |", "|---|---|---|---|---|---|"]
for n in names:
    for e in encodings:
        emb = median("embedded", n, e, "requests_per_s")
        cells = [f"{median(b, n, e, 'requests_per_s'):.0f} ({median(b, n, e, 'requests_per_s') / emb:.2f})" for b in backends[1:]]
        lat = " / ".join(f"{median(b, n, e, 'p50_ms'):.2f}" for b in backends)
        lines.append(f"| {n} | {e} | {emb:.0f} | {cells[0]} | {cells[1]} | {lat} |")
table = side_by_side(rows, ("request", "backend"), [("requests_per_s", "req/s", ".0f", True), ("p50_ms", "p50 ms", ".2f", False), ("p99_ms", "p99 ms", ".2f", False)])
if table:
    lines += ["", "Without and with compression (medians; compressed / plain as the ratio of the medians and [the median of the per-round ratios]):", "", *table]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
log "written: $CSV and $RESULTS/remote-$STAMP.md"
