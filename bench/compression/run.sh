#!/usr/bin/env bash
# Compressed against uncompressed answers on keep-alive connections: `wrk -t1 -c8 -d5s` on
# /api/v1/bathing-sites?municipality=1401 without Accept-Encoding, with `gzip` and with `br`, as
# in issue 20 (where compressed answers each waited about 40 ms: 49,336 req/s plain against 296
# with gzip). A few seconds per run; see bench/README.md.
#
#   bash bench/compression/run.sh                 # a fresh server on datasets/, 1 round (~1 min)
#   make bench-compression                        # the same, after `make build`
#   ROUNDS=3 bash bench/compression/run.sh
#   BASE=http://127.0.0.1:8080 bash bench/compression/run.sh      # a server already running
#   COMPRESSION_PATHS="/api/v1/bathing-sites?municipality=1401 /ogc/collections/bathing-sites/items?limit=1000" \
#     bash bench/compression/run.sh
#
# Environment: ROUNDS (1), DURATION (5 s), CONNECTIONS (8), THREADS (1), COMPRESSION_PATHS (the
# requests, space-separated paths), ENCODINGS ("none gzip br": labels of bench/encoding.sh),
# BASE (a running server to measure instead of starting one), DATAHAMN_BIN
# (target/release/datahamn), SERVER_CPU / LOAD_CPU (0 and 1: CPUs of the server and of wrk, on
# a machine with 2 or more). Each round runs every encoding of every path, in an order that
# rotates from round to round. Results: bench/compression/results/compression-<stamp>.csv and .md.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/compression"
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-1}
read -ra PATHS <<<"${COMPRESSION_PATHS:-/api/v1/bathing-sites?municipality=1401}"
BIN=${DATAHAMN_BIN:-"$ROOT/target/release/datahamn"}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$HERE/results"
CSV="$RESULTS/compression-$STAMP.csv"
MD="$RESULTS/compression-$STAMP.md"
ENCODINGS=${ENCODINGS:-"none gzip br"}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
# shellcheck source=bench/encoding.sh
source "$ROOT/bench/encoding.sh" # ENCODINGS, encoding_args, encoding_header, content_coding
command -v wrk >/dev/null || die "wrk is missing (apt-get install -y wrk)"
pin_server=() pin_load=()
if (($(nproc) >= 2)) && command -v taskset >/dev/null; then
    pin_server=(taskset -c "$SERVER_CPU") pin_load=(taskset -c "$LOAD_CPU")
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/datahamn-bench-compression.XXXXXX")
SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z ${BASE:-} ]]; then
    [[ -x $BIN ]] || die "$BIN is missing; build it with 'make build'"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    BASE=http://127.0.0.1:$port
    log "starting $BIN on $BASE (datasets/, a fresh store)"
    DATAHAMN_RATE_LIMIT=0 DATAHAMN_LOG=warn "${pin_server[@]}" "$BIN" serve --data-dir "$WORK/data" \
        --listen "127.0.0.1:$port" --base-url "$BASE" --datasets-dir "$ROOT/datasets" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null "$BASE/healthz" && break
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$WORK/server.log" >&2; die "the server exited"; }
        sleep 0.1
    done
    curl -sf -o /dev/null "$BASE/healthz" || die "the server did not answer within 60 s"
fi
BASE=${BASE%/}

mkdir -p "$RESULTS"
echo "round,path,encoding,requests,rps,p50_ms,p99_ms,non2xx,bytes,content_encoding" >"$CSV"
declare -A BYTES CODING
for p in "${PATHS[@]}"; do
    for e in "${ENCODINGS[@]}"; do
        encoding_args "$e"
        code=$(curl -s -o /dev/null -D "$WORK/headers" -H 'Accept: application/json' "${ENC_ARGS[@]}" \
            -w '%{http_code} %{size_download}' "$BASE$p")
        [[ ${code%% *} == 200 ]] || die "$p ($e) answered ${code%% *}"
        BYTES[$p:$e]=${code#* }
        CODING[$p:$e]=$(content_coding "$WORK/headers")
        # a short warm-up on the same connection pattern
        "${pin_load[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -H 'Accept: application/json' "${ENC_ARGS[@]}" "$BASE$p" >/dev/null 2>&1
    done
done

n=${#ENCODINGS[@]}
for round in $(seq 1 "$ROUNDS"); do
    for p in "${PATHS[@]}"; do
        for i in $(seq 0 $((n - 1))); do
            e=${ENCODINGS[$(((i + round - 1) % n))]}
            encoding_args "$e"
            out=$("${pin_load[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
                -H 'Accept: application/json' "${ENC_ARGS[@]}" "$BASE$p" 2>&1)
            requests=$(awk '/requests in/ {print $1; exit}' <<<"$out")
            rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
            p50=$(awk '$1=="50%" {print $2}' <<<"$out")
            p99=$(awk '$1=="99%" {print $2}' <<<"$out")
            non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
            [[ -n $rps ]] || { echo "$out" >&2; die "wrk gave no figures"; }
            echo "$round,$p,$e,$requests,$rps,$p50,$p99,${non2xx:-0},${BYTES[$p:$e]},${CODING[$p:$e]}" >>"$CSV"
            log "round $round $e $p: $rps req/s, p50 $p50, p99 $p99, ${BYTES[$p:$e]} bytes (${CODING[$p:$e]})"
        done
    done
done

{
    echo "# Compressed and uncompressed answers on keep-alive connections ($STAMP)"
    echo
    echo "- host: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- server: $BASE$([[ -n $SERVER_PID ]] && echo " (started by the script: $("$BIN" --version 2>/dev/null) from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null), datasets/)")"
    echo "- load: \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -H 'Accept: application/json'\`$([[ ${#pin_load[@]} -gt 0 ]] && echo " on CPU $LOAD_CPU, server on CPU $SERVER_CPU"); $ROUNDS round(s)"
    echo "- encodings: $(for e in "${ENCODINGS[@]}"; do printf '`%s` = %s; ' "$e" "$(encoding_header "$e")"; done | sed 's/; $//')"
    echo
    PYTHONPATH="$ROOT/bench" python3 - "$CSV" <<'PY'
import csv, sys
from sidebyside import side_by_side
rows = list(csv.DictReader(open(sys.argv[1])))
print("\n".join(side_by_side(rows, ("path",), [
    ("rps", "req/s", ",.0f", True),
    ("p50_ms", "p50 ms", ".2f", False),
    ("p99_ms", "p99 ms", ".2f", False),
    ("bytes", "answer bytes", ",.0f", False),
])))
codings = sorted({(r["path"], r["encoding"], r["content_encoding"]) for r in rows})
print()
print("Content-Encoding of the answers: " + "; ".join(f"{p} {e}: {c}" for p, e, c in codings) + ".")
PY
} >"$MD"
cat "$MD"
log "results: ${CSV#"$ROOT"/}, ${MD#"$ROOT"/}"
