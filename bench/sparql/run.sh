#!/usr/bin/env bash
# SPARQL benchmark: datahamn's /sparql side by side with the oxigraph server
# (`oxigraph serve-read-only --union-default-graph`) on the same 220,000 generated bath sites,
# for the questions researchers ask (issue 5: within 1.1x of the oxigraph server).
#
#   bash bench/sparql/run.sh        # 3 interleaved rounds of 5 s per server and query (~5 min)
#   make bench-sparql               # the same, after `make build`
#
# It reuses the store bench/api/run.sh builds (.bench/api/ours-220000, by `datahamn ingest`), so
# run that once first. The oxigraph server reads a copy of that very store (hard links to its
# immutable table files, copies of the rest, taken while no server has it open): the same
# quads in the same files, every graph our /sparql answers from (the dataset's current version,
# the catalog and the change feed). Both servers are pinned to CPU 0 (`taskset`), wrk to CPU 1 with 2 connections; the
# server's CPU time (utime+stime from /proc) is read before and after each run, and after each run
# the script waits until the server is idle again. Answers are compared before anything is timed.
#
# Every query runs without `Accept-Encoding` and with `Accept-Encoding: gzip, br` in every round
# (ENCODINGS, see bench/encoding.sh); the summary gives both.
#
# Environment: ROUNDS (3), DURATION (5 s), CONNECTIONS (2), SERVER_CPU (0), LOAD_CPU (1),
# DATAHAMN_BIN (target/release/datahamn), SPARQL_QUERIES (subset of the query names below),
# WARM_STORE (1: both servers read the whole store once before timing; 0: they don't),
# ENCODINGS ("none gzip+br").
# Ours runs with its default logging (an access-log line per request) and a concurrency limit
# above CONNECTIONS, so no request is refused.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/sparql"
API="$ROOT/.bench/api"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-2}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
BIN_SRC=${DATAHAMN_BIN:-"$ROOT/target/release/datahamn"}
OXIGRAPH="$ROOT/.bench/venv-api/bin/oxigraph"
BASE_URL=http://127.0.0.1:8080 # what the bench stores' IRIs are minted under
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$HERE/results"
CSV="$RESULTS/sparql-$STAMP.csv"
SUMMARY="$RESULTS/sparql-$STAMP.md"
LOGS="$ROOT/.bench/sparql/logs/$STAMP"
mkdir -p "$RESULTS" "$LOGS"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
# shellcheck source=bench/encoding.sh
source "$ROOT/bench/encoding.sh" # ENCODINGS, encoding_args

[[ -x "$BIN_SRC" ]] || die "$BIN_SRC is missing; build it with 'make build'"
[[ -x "$OXIGRAPH" ]] || die "no oxigraph CLI in .bench/venv-api; run bench/api/run.sh once (it installs it and builds the stores)"
[[ -d "$API/ours-220000/store" ]] || die "the store of bench/api is missing; run bench/api/run.sh once first"
command -v wrk >/dev/null || die "wrk is missing (apt-get install -y wrk)"
BIN="$LOGS/datahamn"
cp "$BIN_SRC" "$BIN"

# --- The queries: name, Accept, text ({BASE} is the stores' base URL) ------------------------
PREFIXES="PREFIX schema: <https://schema.org/> PREFIX dh: <{BASE}/def/> "
declare -A ACCEPT TEXT
NAMES=(lookup groupby bbox describe orderby optional)
ACCEPT[lookup]=application/sparql-results+json
TEXT[lookup]="SELECT ?p ?o WHERE { <{BASE}/id/bench-badplatser/1401-0000305> ?p ?o } ORDER BY ?p ?o"
ACCEPT[groupby]=application/sparql-results+json
TEXT[groupby]="${PREFIXES}SELECT ?code (COUNT(?s) AS ?n) WHERE { ?s a schema:Beach ; dh:municipalityCode ?code } GROUP BY ?code ORDER BY ?code"
ACCEPT[bbox]=application/sparql-results+json
TEXT[bbox]="${PREFIXES}SELECT ?s ?name WHERE { ?s a schema:Beach ; schema:name ?name ; schema:geo ?g . ?g schema:latitude ?lat ; schema:longitude ?lon . FILTER(?lat > 57.6 && ?lat < 57.8 && ?lon > 11.8 && ?lon < 12.1) } ORDER BY ?s"
ACCEPT[describe]=application/n-triples
TEXT[describe]="DESCRIBE <{BASE}/id/bench-badplatser/1401-0000305>"
ACCEPT[orderby]=application/sparql-results+json
TEXT[orderby]="${PREFIXES}SELECT ?s ?name WHERE { ?s a schema:Beach ; dh:municipalityCode \"1480\" ; schema:name ?name } ORDER BY ?name ?s LIMIT 10"
ACCEPT[optional]=application/sparql-results+json
TEXT[optional]="${PREFIXES}SELECT ?s ?name ?description WHERE { ?s a schema:Beach ; dh:municipalityCode \"1480\" ; schema:name ?name . OPTIONAL { ?s schema:description ?description FILTER(LANGMATCHES(LANG(?description), \"sv\")) } } ORDER BY ?s LIMIT 100"
if [[ -n "${SPARQL_QUERIES:-}" ]]; then read -ra NAMES <<<"$SPARQL_QUERIES"; fi

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- The peer's copy of our store ------------------------------------------------------------
# Table files (*.sst, *.blob) never change once written: hard links. MANIFEST, CURRENT, OPTIONS
# and the write-ahead log are copied, as a writer appends to them.
PEER_STORE="$ROOT/.bench/sparql/peer-store"
rm -rf "$PEER_STORE"
mkdir -p "$PEER_STORE"
for f in "$API/ours-220000/store"/*; do
    case $f in
        *.sst | *.blob) ln "$f" "$PEER_STORE/" ;;
        */LOCK | */LOG*) ;;
        *) cp "$f" "$PEER_STORE/" ;;
    esac
done

# --- The servers -----------------------------------------------------------------------------
declare -A PID PORT PATHQ
cleanup() { for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null; wait "${PID[$s]}" 2>/dev/null; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT[ours]=$(free_port)
PATHQ[ours]=/sparql
DATAHAMN_SPARQL_MAX_CONCURRENT=64 DATAHAMN_SPARQL_TIMEOUT=600 DATAHAMN_RATE_LIMIT=0 \
    taskset -c "$SERVER_CPU" "$BIN" serve --data-dir "$API/ours-220000" --base-url "$BASE_URL" \
    --listen "127.0.0.1:${PORT[ours]}" >"$LOGS/ours.log" 2>&1 &
PID[ours]=$!
PORT[oxigraph]=$(free_port)
PATHQ[oxigraph]=/query
taskset -c "$SERVER_CPU" "$OXIGRAPH" serve-read-only --location "$PEER_STORE" \
    --bind "127.0.0.1:${PORT[oxigraph]}" --union-default-graph >"$LOGS/oxigraph.log" 2>&1 &
PID[oxigraph]=$!
SERVERS=(ours oxigraph)

url() { echo "http://127.0.0.1:${PORT[$1]}${PATHQ[$1]}?query=$(enc "${TEXT[$2]//\{BASE\}/$BASE_URL}")"; }

log "starting both servers (ours reads 220,000 items into memory: about 1.5 min)"
for s in "${SERVERS[@]}"; do
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null -H 'Accept: application/sparql-results+json' "$(url "$s" lookup)" && break
        kill -0 "${PID[$s]}" 2>/dev/null || die "$s exited (see $LOGS/$s.log)"
        sleep 1
    done
done

# A server that opens a store written by an older binary may first bring it up to date (record
# the change feed, compact) in the background: wait until both servers are idle.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)
settle() { # pid [idle samples in a row (0.5 s each), default 1]
    local before after=$(ticks "$1") idle=0
    for _ in $(seq 1 600); do
        before=$after; sleep 0.5; after=$(ticks "$1")
        if [[ $before == "$after" ]]; then idle=$((idle + 1)); else idle=0; fi
        ((idle >= ${2:-1})) && return 0
    done
}
# Compaction starts after 2 s without writes: idle for 5 s means it is done (or never came).
for s in "${SERVERS[@]}"; do settle "${PID[$s]}" 10; done

# --- The same cache state for both ----------------------------------------------------------
# Ours reads the whole store when it starts (it builds its read model from it), which leaves its
# RocksDB block caches full of the store; a fresh oxigraph server holds only what the benchmark
# itself reads, and string lookups (most of `orderby` and `optional`) are faster from a cache
# that holds little else. So both servers first answer the same query that reads every
# statement and decodes every object, and both start timing as a server that has been up for a
# while does. WARM_STORE=0 skips it (the peer then runs with the cache of a fresh process).
WARM_QUERY='SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(STRLEN(STR(?o)) > 3) }'
if [[ ${WARM_STORE:-1} == 1 ]]; then
    for s in "${SERVERS[@]}"; do
        start=$(date +%s.%N)
        curl -sf --max-time 900 -H 'Accept: application/sparql-results+json' \
            "http://127.0.0.1:${PORT[$s]}${PATHQ[$s]}?query=$(enc "$WARM_QUERY")" >"$LOGS/warm-$s.json" \
            || die "$s failed on the full-store read"
        log "$s read the whole store in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}') s"
        settle "${PID[$s]}" 4
    done
fi

# --- Same answers first ----------------------------------------------------------------------
# A query that takes more than half a second is timed as SLOW_REQUESTS (5) requests in a row
# rather than by wrk over a fixed window, where two or three answers (and one cut off at the
# end) would make the rate a matter of where the window ends.
declare -A SLOW
for q in "${NAMES[@]}"; do
    for s in "${SERVERS[@]}"; do
        took=$(curl -sf -o "$LOGS/answer-$q-$s" -w '%{time_total}' -H "Accept: ${ACCEPT[$q]}" "$(url "$s" "$q")") \
            || die "$s failed on $q"
        awk -v t="$took" 'BEGIN{exit !(t > 0.5)}' && SLOW[$q]=1
    done
    python3 - "$LOGS/answer-$q-ours" "$LOGS/answer-$q-oxigraph" "$q" <<'EOF' || die "the answers to $3 differ"
import json, sys
def canon(path):
    text = open(path, encoding="utf-8").read()
    try:
        doc = json.loads(text)
    except ValueError:  # N-Triples
        return sorted(l.strip() for l in text.splitlines() if l.strip())
    rows = [tuple(sorted((k, v["value"]) for k, v in b.items())) for b in doc["results"]["bindings"]]
    return rows
a, b = canon(sys.argv[1]), canon(sys.argv[2])
if a != b:
    sys.exit(f"{sys.argv[3]}: {len(a)} vs {len(b)} results")
print(f"  {sys.argv[3]:9} {len(a)} results, the same from both", file=sys.stderr)
EOF
done

# --- Timed runs ------------------------------------------------------------------------------
to_ms() { awk -v v="$1" 'BEGIN{n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /m$/) n*=60000; else if (v ~ /s$/) n*=1000; printf "%.3f", n}'; }
echo "server,query,encoding,round,requests,cpu_s,req_per_cpu_s,p50_ms,p99_ms,non2xx" >"$CSV"
run_slow() { # server query encoding round: SLOW_REQUESTS requests one after the other
    local s=$1 q=$2 e=$3 round=$4 k=${SLOW_REQUESTS:-5} a b times=()
    [[ $round == warmup ]] && k=1
    encoding_args "$e"
    a=$(ticks "${PID[$s]}")
    for _ in $(seq 1 "$k"); do
        times+=("$(taskset -c "$LOAD_CPU" curl -s -o /dev/null -w '%{http_code} %{time_total}' \
            -H "Accept: ${ACCEPT[$q]}" "${ENC_ARGS[@]}" "$(url "$s" "$q")")")
    done
    b=$(ticks "${PID[$s]}")
    settle "${PID[$s]}"
    [[ $round == warmup ]] && return
    local cpu per p50 p99 non2xx
    cpu=$(awk -v a="$a" -v b="$b" -v t="$TCK" 'BEGIN{printf "%.2f", (b - a) / t}')
    per=$(awk -v n="$k" -v c="$cpu" 'BEGIN{printf "%.3f", (c > 0 ? n / c : 0)}')
    read -r p50 p99 non2xx < <(printf '%s\n' "${times[@]}" | python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
t = sorted(float(r[1]) * 1000 for r in rows)
print(f"{statistics.median(t):.3f} {t[-1]:.3f} {sum(int(r[0]) // 100 != 2 for r in rows)}")')
    echo "$s,$q,$e,$round,$k,$cpu,$per,$p50,$p99,$non2xx" >>"$CSV"
    printf '  %-9s %-8s %-9s round=%s %8s req/CPU-s  p50=%9sms  max=%9sms  non2xx=%s (%s in a row)\n' "$q" "$e" "$s" "$round" "$per" "$p50" "$p99" "$non2xx" "$k" >&2
}
run() { # server query encoding round
    local s=$1 q=$2 e=$3 round=$4 out="$LOGS/wrk-$1-$2-$3-$4.txt" a b
    if [[ -n ${SLOW[$q]:-} ]]; then run_slow "$@"; return; fi
    encoding_args "$e"
    a=$(ticks "${PID[$s]}")
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency --timeout 60s \
        -H "Accept: ${ACCEPT[$q]}" "${ENC_ARGS[@]}" "$(url "$s" "$q")" >"$out" 2>&1
    b=$(ticks "${PID[$s]}")
    settle "${PID[$s]}"
    [[ $round == warmup ]] && return
    local n p50 p99 non2xx cpu per
    n=$(awk '/requests in/{print $1; exit}' "$out")
    p50=$(to_ms "$(awk '$1=="50%"{print $2; exit}' "$out")")
    p99=$(to_ms "$(awk '$1=="99%"{print $2; exit}' "$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF; exit}' "$out")
    cpu=$(awk -v a="$a" -v b="$b" -v t="$TCK" 'BEGIN{printf "%.2f", (b - a) / t}')
    per=$(awk -v n="${n:-0}" -v c="$cpu" 'BEGIN{printf "%.1f", (c > 0 ? n / c : 0)}')
    echo "$s,$q,$e,$round,${n:-0},$cpu,$per,$p50,$p99,${non2xx:-0}" >>"$CSV"
    printf '  %-9s %-8s %-9s round=%s %8s req/CPU-s  p50=%9sms  p99=%9sms  non2xx=%s\n' "$q" "$e" "$s" "$round" "$per" "$p50" "$p99" "${non2xx:-0}" >&2
}
# Which coding each server answers with, for the summary.
CODINGS=""
for e in "${ENCODINGS[@]}"; do
    encoding_args "$e"
    for s in "${SERVERS[@]}"; do
        curl -s -o /dev/null -D "$LOGS/headers.txt" -H "Accept: ${ACCEPT[${NAMES[0]}]}" "${ENC_ARGS[@]}" "$(url "$s" "${NAMES[0]}")"
        CODINGS+="$s $e: $(content_coding "$LOGS/headers.txt"); "
    done
done
log "answers' Content-Encoding (${NAMES[0]}): $CODINGS"
log "warm-up"
for q in "${NAMES[@]}"; do for e in "${ENCODINGS[@]}"; do for s in "${SERVERS[@]}"; do run "$s" "$q" "$e" warmup; done; done; done
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS (load average $(cut -d' ' -f1 /proc/loadavg))"
    for q in "${NAMES[@]}"; do
        if ((round % 2)); then order=(ours oxigraph); else order=(oxigraph ours); fi
        for e in "${ENCODINGS[@]}"; do
            for s in "${order[@]}"; do run "$s" "$q" "$e" "$round"; done
        done
    done
done

# --- Summary ---------------------------------------------------------------------------------
python3 "$HERE/summary.py" "$CSV" "$SUMMARY" "$DURATION" "$CONNECTIONS" "${WARM_STORE:-1}" "${CODINGS%; }"
log "results: ${CSV#"$ROOT"/}, ${SUMMARY#"$ROOT"/}; logs: ${LOGS#"$ROOT"/}"
