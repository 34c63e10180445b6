#!/usr/bin/env bash
# REST API load benchmark: datahamn side by side with Datasette and the oxigraph server, in the
# same run, on 220k generated bath sites. See bench/api/README.md.
#
#   bash bench/api/run.sh                          # 3 rounds of 10 s per server and query
#   ROUNDS=1 DURATION=5 bash bench/api/run.sh      # a quick look
#   API_SERVERS="ours oxigraph" API_QUERIES=municipality bash bench/api/run.sh
#
# Queries (the same sites from every server; checked before anything is timed):
#   municipality  ours      GET /api/v1/bathing-sites?municipality=1480 (first page: 100 sites in id order)
#                 datasette table JSON API, ?municipality_code=1480&_size=100 (primary-key order)
#                 oxigraph  SPARQL: sites with dh:municipalityCode "1480", ORDER BY ?item LIMIT 100
#   near          ours      GET /api/v1/bathing-sites?near=57.70,11.97&radius=5000 (by distance)
#                 datasette canned SQL query: bounding-box prefilter on an index + haversine <= radius
#                 oxigraph  SPARQL: lat/lon box FILTER + planar distance <= radius, ORDER BY distance
# Each server is pinned to CPU 0 (`taskset -c 0`), wrk to CPU 1: `wrk -t1 -c32 -d10s --latency`.
# Server CPU = utime+stime of the server's process tree from /proc, before and after each wrk run.
# Rounds are interleaved (ours, datasette, oxigraph, then rotated); medians are reported.
# Every query runs without `Accept-Encoding` and with `Accept-Encoding: gzip, br` (what browsers
# send) in every round, and the summary sets the two side by side.
#
# Environment:
#   ROUNDS (3), DURATION (seconds per run, 10), CONNECTIONS (32), WARMUP (seconds per server and
#   query before round 1, 3), WRK_TIMEOUT (wrk's per-request timeout, 30s: the slow peers need it),
#   SETTLE_MAX (after each run, at most this many seconds of waiting for the server to finish the
#   requests wrk left queued before the next run starts, 240)
#   API_SIZE         rows of the generated file (220000)
#   API_QUERIES      subset of "municipality near" (default both; `near` is dropped with a message
#                    when the binary ignores or refuses it)
#   API_SERVERS      subset of "ours datasette oxigraph" (default all three)
#   API_MUNICIPALITY municipality code of the `municipality` query (1480, Göteborg: ~770 sites)
#   API_NEAR, API_RADIUS   point and radius in metres of the `near` query (57.70,11.97 and 5000)
#   ENCODINGS        the Accept-Encoding variants, each run in every round (bench/encoding.sh):
#                    "none gzip+br" (default: no header, and `gzip, br`); e.g. "gzip+br" alone
#   SERVER_CPU, LOAD_CPU   CPUs for the servers and for wrk (0 and 1)
#   DATAHAMN_LOG     passed through to ours (unset: the binary's default, `info`, which writes an
#                    access-log line per request to .bench/api/logs/STAMP/ours.log)
#   DATAHAMN_BIN     the binary (default target/release/datahamn; copied once per run, so a
#                    rebuild during the run does not change what is measured)
# Installed and generated things go to .bench/ (git-ignored): .bench/venv-api (datasette,
# oxigraph CLI), .bench/api/ (data, the SQLite file, the cached oxigraph store, run directories,
# logs). wrk comes from apt. Every server binds to 127.0.0.1 on a free port and is stopped by its
# PID when the script ends.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/api"
WORK="$ROOT/.bench/api"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-3}
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}
SETTLE_MAX=${SETTLE_MAX:-240}
SIZE=${API_SIZE:-220000}
QUERIES=${API_QUERIES:-"municipality near"}
SERVERS=${API_SERVERS:-"ours datasette oxigraph"}
MUNICIPALITY=${API_MUNICIPALITY:-1480}
NEAR=${API_NEAR:-"57.70,11.97"}
RADIUS=${API_RADIUS:-5000}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
BIN_SRC=${DATAHAMN_BIN:-"$ROOT/target/release/datahamn"}
DATASET=bench-badplatser
ORG=1401
PROFILE=bathing-sites
BASE_URL=http://127.0.0.1:8080 # what the item IRIs are minted under (same as bench/run.sh)
GRAPH="$BASE_URL/dataset/$DATASET/version/1"
DATASETTE_VERSION=0.65.5
OXIGRAPH_VERSION=0.5.13
PY=${PYTHON:-python3}
VENV="$ROOT/.bench/venv-api"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$HERE/results"
CSV="$RESULTS/api-$STAMP.csv"
SUMMARY="$RESULTS/api-$STAMP.md"
DATA="$WORK/data"
RUN="$WORK/run-$STAMP"
LOGS="$WORK/logs/$STAMP"
mkdir -p "$RESULTS" "$DATA" "$RUN" "$LOGS" "$ROOT/.bench/data"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/encoding.sh
source "$ROOT/bench/encoding.sh" # ENCODINGS, encoding_args, encoding_header
die() { log "FAIL: $*"; exit 1; }
has() { [[ " $2 " == *" $1 "* ]]; }

declare -A PID PORT
cleanup() {
    local s
    for s in "${!PID[@]}"; do
        kill "${PID[$s]}" 2>/dev/null && wait "${PID[$s]}" 2>/dev/null
        # access logs: ours writes one line per request (about 100 MB per run)
        [[ -s "$LOGS/$s.log" ]] && gzip -f "$LOGS/$s.log"
    done
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ----------------------------------------------------------------------------------------------
# Tools and peers (a peer whose install fails is skipped with a message)
# ----------------------------------------------------------------------------------------------
command -v wrk >/dev/null || { log "installing wrk (apt)"; timeout 300 apt-get install -y wrk >>"$LOGS/install.log" 2>&1 \
    || { timeout 300 apt-get update >>"$LOGS/install.log" 2>&1 && timeout 300 apt-get install -y wrk >>"$LOGS/install.log" 2>&1; }; }
command -v wrk >/dev/null || die "wrk is missing and did not install (apt-get install -y wrk); see $LOGS/install.log"
command -v taskset >/dev/null || die "taskset (util-linux) is missing"
(($(nproc) >= 2)) || log "WARNING: $(nproc) CPU: server and wrk share it"

if ! { [[ -x "$VENV/bin/datasette" && -x "$VENV/bin/oxigraph" ]] \
    && [[ "$("$VENV/bin/pip" show datasette oxigraph 2>/dev/null)" == *"Version: $OXIGRAPH_VERSION"* ]]; }; then
    log "installing datasette $DATASETTE_VERSION and oxigraph $OXIGRAPH_VERSION into ${VENV#"$ROOT"/}"
    { [[ -x "$VENV/bin/python" ]] || timeout 180 "$PY" -m venv "$VENV"; } >>"$LOGS/install.log" 2>&1
    timeout 600 "$VENV/bin/pip" install -q --disable-pip-version-check \
        "datasette==$DATASETTE_VERSION" "oxigraph==$OXIGRAPH_VERSION" >>"$LOGS/install.log" 2>&1 \
        || log "pip install failed (see $LOGS/install.log)"
fi
RUN_SERVERS=()
for s in ours datasette oxigraph; do
    has "$s" "$SERVERS" || continue
    case $s in
        datasette) [[ -x "$VENV/bin/datasette" ]] || { log "SKIP datasette: not installed"; continue; } ;;
        oxigraph) [[ -x "$VENV/bin/oxigraph" ]] || { log "SKIP oxigraph: not installed"; continue; } ;;
    esac
    RUN_SERVERS+=("$s")
done
has ours "${RUN_SERVERS[*]}" || die "API_SERVERS must include ours (the ratios are against it)"

# ----------------------------------------------------------------------------------------------
# The binary under test: wait for it (it may be being rebuilt), then freeze a copy for this run
# ----------------------------------------------------------------------------------------------
for _ in $(seq 1 60); do
    [[ -x "$BIN_SRC" ]] && break
    log "waiting for $BIN_SRC"
    sleep 10
done
[[ -x "$BIN_SRC" ]] || die "$BIN_SRC is missing; build it with 'make build'"
BIN="$RUN/datahamn"
cp "$BIN_SRC" "$BIN"
BIN_BUILT=$(date -u -r "$BIN_SRC" +%Y-%m-%dT%H:%MZ)

# ----------------------------------------------------------------------------------------------
# Data: the generator's file plus a municipality_code column; a SQLite copy for Datasette;
# N-Quads from `datahamn convert` for the oxigraph server (its store is cached by their checksum)
# ----------------------------------------------------------------------------------------------
GEN="$ROOT/.bench/data/badplatser-$SIZE.csv"
if [[ ! -s "$GEN" || "$ROOT/bench/generate.py" -nt "$GEN" ]]; then
    log "generating $SIZE rows (bench/generate.py)"
    timeout 1800 "$PY" "$ROOT/bench/generate.py" --force --out-dir "$ROOT/.bench/data" "$SIZE" || die "generator"
fi
CSV_FILE="$DATA/badplatser-$SIZE-kommun.csv"
if [[ ! -s "$CSV_FILE" || "$GEN" -nt "$CSV_FILE" || "$HERE/prepare.py" -nt "$CSV_FILE" ]]; then
    log "adding municipality codes"
    timeout 600 "$PY" "$HERE/prepare.py" csv "$GEN" "$CSV_FILE" || die "prepare.py csv"
fi
DB="$DATA/badplatser-$SIZE-kommun.db"
if has datasette "${RUN_SERVERS[*]}" && [[ ! -s "$DB" || "$CSV_FILE" -nt "$DB" || "$HERE/prepare.py" -nt "$DB" ]]; then
    log "building the SQLite file for Datasette"
    timeout 900 "$PY" "$HERE/prepare.py" sqlite "$CSV_FILE" "$DB" || die "prepare.py sqlite"
fi

# ours: `datahamn ingest` into a store that is kept for the next run of the same binary and file
OURS_STORE="$WORK/ours-$SIZE"
OURS_KEY="$(sha256sum "$BIN" | cut -d' ' -f1) $(sha256sum "$CSV_FILE" | cut -d' ' -f1)"
if [[ -d "$OURS_STORE" && "$(cat "$OURS_STORE.key" 2>/dev/null)" == "$OURS_KEY" ]]; then
    log "ours: reusing the store this binary ingested from the same file (${OURS_STORE#"$ROOT"/})"
else
    log "ours: ingesting $SIZE rows into a fresh store (about 2 min)"
    rm -rf "$OURS_STORE" "$OURS_STORE.key"
    /usr/bin/time -f '%e s wall, %U+%S s CPU, %M KB max RSS' -o "$LOGS/ingest.time" \
        timeout 1800 "$BIN" ingest "$CSV_FILE" --dataset "$DATASET" --org "$ORG" --profile "$PROFILE" \
        --base-url "$BASE_URL" --data-dir "$OURS_STORE" >"$LOGS/ingest.log" 2>&1 \
        || { tail -n 20 "$LOGS/ingest.log" >&2; die "datahamn ingest"; }
    log "  $(grep -m1 -E '^(VALID|published)' "$LOGS/ingest.log"); $(cat "$LOGS/ingest.time")"
    echo "$OURS_KEY" >"$OURS_STORE.key"
fi

OX_STORE="$WORK/oxigraph-$SIZE"
if has oxigraph "${RUN_SERVERS[*]}"; then
    NQ="$RUN/data.nq"
    log "oxigraph: datahamn convert -> N-Quads"
    timeout 1800 "$BIN" convert "$CSV_FILE" --dataset "$DATASET" --org "$ORG" --profile "$PROFILE" \
        --base-url "$BASE_URL" --output "$NQ" >"$LOGS/convert.log" 2>&1 \
        || { tail -n 20 "$LOGS/convert.log" >&2; die "datahamn convert"; }
    SUM=$(sha256sum "$NQ" | cut -d' ' -f1)
    if [[ -d "$OX_STORE" && "$(cat "$OX_STORE.sha256" 2>/dev/null)" == "$SUM" ]]; then
        log "  reusing the oxigraph store built from the same N-Quads (${OX_STORE#"$ROOT"/})"
    else
        log "  oxigraph load + optimize ($(wc -l <"$NQ") quads; a few minutes)"
        rm -rf "$OX_STORE" "$OX_STORE.sha256"
        { timeout 3600 "$VENV/bin/oxigraph" load --location "$OX_STORE" --file "$NQ" \
            && timeout 3600 "$VENV/bin/oxigraph" optimize --location "$OX_STORE"; } >"$LOGS/oxigraph-load.log" 2>&1 \
            || { tail -n 20 "$LOGS/oxigraph-load.log" >&2; die "oxigraph load"; }
        echo "$SUM" >"$OX_STORE.sha256"
    fi
    rm -f "$NQ"
fi

# ----------------------------------------------------------------------------------------------
# Servers, each pinned to SERVER_CPU on a free loopback port
# ----------------------------------------------------------------------------------------------
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_for() { # server url seconds [curl options]
    local i s=$1 url=$2 secs=$3
    shift 3
    for i in $(seq 1 "$((secs * 5))"); do
        kill -0 "${PID[$s]}" 2>/dev/null || { tail -n 20 "$LOGS/$s.log" >&2; die "$s exited during start-up"; }
        curl -sf -o /dev/null "$@" "$url" && return 0
        sleep 0.2
    done
    die "$s did not answer $url within $secs s"
}

start_ours() {
    PORT[ours]=$(free_port)
    mkdir -p "$RUN/no-datasets"
    DATAHAMN_DATA_DIR="$OURS_STORE" DATAHAMN_LISTEN="127.0.0.1:${PORT[ours]}" DATAHAMN_BASE_URL="$BASE_URL" \
        DATAHAMN_DATASETS_DIR="$RUN/no-datasets" DATAHAMN_RATE_LIMIT=0 \
        taskset -c "$SERVER_CPU" "$BIN" serve >"$LOGS/ours.log" 2>&1 &
    PID[ours]=$!
    local t0=$SECONDS
    wait_for ours "http://127.0.0.1:${PORT[ours]}/healthz" 900
    OURS_START_S=$((SECONDS - t0))
    log "  ours answers after ${OURS_START_S} s"
    local health
    health=$(curl -s "http://127.0.0.1:${PORT[ours]}/healthz")
    [[ $health == *"\"items\":$SIZE"[,}]* ]] || die "ours serves something else than the $SIZE sites: $health"
}

start_datasette() {
    PORT[datasette]=$(free_port)
    ln -sf "$DB" "$RUN/bench.db"
    # The near query: a bounding box around the point (latitude +- r/111195 m per degree, longitude
    # widened by the cosine of the box's pole-most latitude) that an index on (latitude, longitude)
    # serves, then the haversine distance (mean Earth radius 6371008.8 m) <= radius, nearest first.
    "$PY" - "$RUN/metadata.json" <<'EOF'
import json, sys
sql = """
WITH p AS (SELECT CAST(:lat AS REAL) AS lat, CAST(:lon AS REAL) AS lon, CAST(:radius AS REAL) AS r),
b AS (SELECT lat, lon, r, r / 111195.0 AS dlat,
             r / (111195.0 * cos(radians(min(abs(lat) + r / 111195.0, 89.0)))) AS dlon FROM p)
SELECT * FROM (
  SELECT s.*, 2 * 6371008.8 * asin(sqrt(
           pow(sin(radians(s.latitude - b.lat) / 2), 2)
           + cos(radians(b.lat)) * cos(radians(s.latitude)) * pow(sin(radians(s.longitude - b.lon) / 2), 2)
         )) AS distance_m
  FROM b JOIN sites AS s
    ON s.latitude BETWEEN b.lat - b.dlat AND b.lat + b.dlat
   AND s.longitude BETWEEN b.lon - b.dlon AND b.lon + b.dlon
) WHERE distance_m <= CAST(:radius AS REAL)
ORDER BY distance_m
LIMIT 100
"""
json.dump({"databases": {"bench": {"queries": {"near": {"sql": sql.strip()}}}}}, open(sys.argv[1], "w"), indent=1)
EOF
    taskset -c "$SERVER_CPU" "$VENV/bin/datasette" serve -i "$RUN/bench.db" --metadata "$RUN/metadata.json" \
        --host 127.0.0.1 --port "${PORT[datasette]}" >"$LOGS/datasette.log" 2>&1 &
    PID[datasette]=$!
    wait_for datasette "http://127.0.0.1:${PORT[datasette]}/-/versions.json" 120
}

start_oxigraph() {
    PORT[oxigraph]=$(free_port)
    taskset -c "$SERVER_CPU" "$VENV/bin/oxigraph" serve-read-only --location "$OX_STORE" \
        --bind "127.0.0.1:${PORT[oxigraph]}" >"$LOGS/oxigraph.log" 2>&1 &
    PID[oxigraph]=$!
    wait_for oxigraph "http://127.0.0.1:${PORT[oxigraph]}/query?query=ASK%7B%7D" 120 \
        -H 'Accept: application/sparql-results+json'
}

for s in "${RUN_SERVERS[@]}"; do
    log "starting $s"
    "start_$s"
done

# ----------------------------------------------------------------------------------------------
# The URLs of each query, per server
# ----------------------------------------------------------------------------------------------
urlencode() { "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""))'; }
NEAR_LAT=${NEAR%,*}
NEAR_LON=${NEAR#*,}

# SPARQL. The data is in the named graph of the dataset's version (GRAPH <...>). The shapes are
# the fastest found for oxigraph 0.5's planner, so that the peer is not handicapped by a naive
# query: the municipality query takes the first 100 matching items in a subquery before joining
# their name and position (about 1.5x faster than one pattern with ORDER BY ... LIMIT over every
# match); the near query starts from the positions and tests the type with FILTER EXISTS (with
# `?item a schema:Beach` in the main pattern the planner hash-joins all 220k type triples: 3.5 s).
# near: SPARQL has no trigonometry, square root or range index, so the query does what a SPARQL
# client can: the same bounding box as a FILTER, then an equirectangular distance at the mean
# latitude (the cosine linearised around the point, cos(lat) ~ cos(lat0) - sin(lat0) * (lat - lat0)
# in radians; within 1e-6 of the haversine at 5 km), compared and ordered squared. The constants
# are computed here, by the client.
sparql_municipality() {
    cat <<EOF
PREFIX schema: <https://schema.org/>
SELECT ?item ?name ?lat ?lon WHERE { GRAPH <$GRAPH> {
  { SELECT ?item WHERE { ?item <$BASE_URL/def/municipalityCode> "$MUNICIPALITY" ; a schema:Beach }
    ORDER BY ?item LIMIT 100 }
  ?item schema:name ?name ; schema:geo ?g .
  ?g schema:latitude ?lat ; schema:longitude ?lon .
}} ORDER BY ?item
EOF
}

sparql_near() {
    "$PY" - "$NEAR_LAT" "$NEAR_LON" "$RADIUS" "$GRAPH" <<'EOF'
import math, sys
lat0, lon0, r, graph = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]


def dbl(x):  # an xsd:double literal
    t = repr(float(x))
    return t if "e" in t else t + "e0"


m = 6371008.8 * math.pi / 180  # metres per degree on the mean sphere
dlat = r / 111195.0
dlon = r / (111195.0 * math.cos(math.radians(min(abs(lat0) + dlat, 89.0))))
c0, s0 = math.cos(math.radians(lat0)), math.sin(math.radians(lat0))
k = math.pi / 360  # half a degree in radians: the mean latitude is lat0 + (lat - lat0) / 2
print(f"""PREFIX schema: <https://schema.org/>
SELECT ?item ?name ?lat ?lon ?d2 WHERE {{ GRAPH <{graph}> {{
  ?g schema:latitude ?lat ; schema:longitude ?lon .
  FILTER(?lat >= {lat0 - dlat:.7f} && ?lat <= {lat0 + dlat:.7f} && ?lon >= {lon0 - dlon:.7f} && ?lon <= {lon0 + dlon:.7f})
  ?item schema:geo ?g ; schema:name ?name .
  FILTER EXISTS {{ ?item a schema:Beach }}
  BIND((?lat - {lat0!r}) * {dbl(m)} AS ?dy)
  BIND((?lon - {lon0!r}) * {dbl(m)} * ({dbl(c0)} - {dbl(s0)} * (?lat - {lat0!r}) * {dbl(k)}) AS ?dx)
  BIND(?dx * ?dx + ?dy * ?dy AS ?d2)
  FILTER(?d2 <= {dbl(r * r)})
}} }} ORDER BY ?d2 LIMIT 100""")
EOF
}

declare -A URL
URL[ours:municipality]="http://127.0.0.1:${PORT[ours]}/api/v1/bathing-sites?municipality=$MUNICIPALITY"
URL[ours:near]="http://127.0.0.1:${PORT[ours]}/api/v1/bathing-sites?near=$NEAR&radius=$RADIUS"
if [[ -n "${PORT[datasette]:-}" ]]; then
    URL[datasette:municipality]="http://127.0.0.1:${PORT[datasette]}/bench/sites.json?municipality_code=$MUNICIPALITY&_size=100&_shape=objects&_nocount=1&_nofacet=1&_nosuggest=1"
    URL[datasette:near]="http://127.0.0.1:${PORT[datasette]}/bench/near.json?lat=$NEAR_LAT&lon=$NEAR_LON&radius=$RADIUS&_shape=objects"
fi
if [[ -n "${PORT[oxigraph]:-}" ]]; then
    sparql_municipality >"$LOGS/municipality.rq"
    sparql_near >"$LOGS/near.rq"
    URL[oxigraph:municipality]="http://127.0.0.1:${PORT[oxigraph]}/query?query=$(urlencode <"$LOGS/municipality.rq")"
    URL[oxigraph:near]="http://127.0.0.1:${PORT[oxigraph]}/query?query=$(urlencode <"$LOGS/near.rq")"
fi
HDR_oxigraph='Accept: application/sparql-results+json'
HDR_ours='Accept: application/json'
HDR_datasette='Accept: application/json'

# Is `near` there? An older binary ignores the parameter (and answers the unfiltered first page).
RUN_QUERIES=()
for q in municipality near; do
    has "$q" "$QUERIES" || continue
    if [[ $q == near ]]; then
        code=$(curl -s -o "$LOGS/near-probe.json" -w '%{http_code}' "${URL[ours:near]}")
        if [[ $code != 200 ]] || ! grep -q '"distance_m"' "$LOGS/near-probe.json"; then
            log "SKIP near: this datahamn does not support it (HTTP $code, $(head -c 160 "$LOGS/near-probe.json"))"
            NEAR_SKIPPED="HTTP $code without distance_m"
            continue
        fi
    fi
    RUN_QUERIES+=("$q")
done
((${#RUN_QUERIES[@]})) || die "no query to run"

# ----------------------------------------------------------------------------------------------
# Correctness: every server returns the same sites for each query, before anything is timed
# ----------------------------------------------------------------------------------------------
log "checking that every server returns the same sites"
: >"$LOGS/check.txt"
CHECK_OK=1
for q in "${RUN_QUERIES[@]}"; do
    args=()
    for s in "${RUN_SERVERS[@]}"; do args+=("$s=${URL[$s:$q]}"); done
    "$PY" "$HERE/check.py" "$q" "${args[@]}" | tee -a "$LOGS/check.txt" >&2 || CHECK_OK=0
done
[[ $CHECK_OK == 1 ]] || die "the servers do not return the same sites (above); nothing was timed"

# The size of each answer as sent (compressed when the server compressed it) and its coding
declare -A BYTES CODING
for q in "${RUN_QUERIES[@]}"; do
    for e in "${ENCODINGS[@]}"; do
        encoding_args "$e"
        for s in "${RUN_SERVERS[@]}"; do
            hdr="HDR_$s"
            BYTES[$s:$q:$e]=$(curl -s -o /dev/null -D "$LOGS/headers.txt" -H "${!hdr}" "${ENC_ARGS[@]}" \
                -w '%{size_download}' "${URL[$s:$q]}")
            CODING[$s:$q:$e]=$(content_coding "$LOGS/headers.txt")
        done
    done
done

# ----------------------------------------------------------------------------------------------
# Load
# ----------------------------------------------------------------------------------------------
{
    echo "# REST API load benchmark $STAMP"
    echo
    echo "- host: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/{print $2}') GiB RAM, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- datahamn: $("$BIN" --version 2>/dev/null) from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet -- src 2>/dev/null || echo ' (+ uncommitted changes in src/)'), binary built $BIN_BUILT"
    has datasette "${RUN_SERVERS[*]}" && echo "- Datasette $("$VENV/bin/pip" show datasette 2>/dev/null | awk '/^Version/{print $2}') (immutable SQLite file, indexes on municipality_code and (latitude, longitude)), SQLite $("$VENV/bin/python" -c 'import sqlite3; print(sqlite3.sqlite_version)'), $("$VENV/bin/python" --version 2>&1)"
    has oxigraph "${RUN_SERVERS[*]}" && echo "- $("$VENV/bin/oxigraph" --version 2>/dev/null) \`serve-read-only\` (store bulk-loaded from \`datahamn convert\`, then optimized)"
    echo "- ours: start-up to the first answer ${OURS_START_S:-?} s; DATAHAMN_LOG=${DATAHAMN_LOG:-(default)}"
    echo "- data: $SIZE generated bath sites (bench/generate.py + a municipality_code column, bench/api/prepare.py); municipality=$MUNICIPALITY, near=$NEAR radius ${RADIUS} m"
    echo "- Accept-Encoding, each in every round: $(for e in "${ENCODINGS[@]}"; do printf '`%s` = %s; ' "$e" "$(encoding_header "$e")"; done | sed 's/; $//')"
    echo "- load: \`wrk -t1 -c$CONNECTIONS -d${DURATION}s --latency --timeout $WRK_TIMEOUT\` on CPU $LOAD_CPU, servers on CPU $SERVER_CPU; $ROUNDS interleaved rounds, ${WARMUP} s warm-up per server and query; after each run the script waits (at most ${SETTLE_MAX} s) until the server has finished what wrk left queued"
    echo "- queries: ${RUN_QUERIES[*]}${NEAR_SKIPPED:+ (near not run: the binary does not support it, $NEAR_SKIPPED)}; servers: ${RUN_SERVERS[*]}"
    echo
    echo "Same sites from every server (checked before timing):"
    echo
    echo '```'
    cat "$LOGS/check.txt"
    echo '```'
    echo
} >"$SUMMARY"

echo "server,query,encoding,round,duration_s,requests,rps,cpu_s,req_per_cpu_s,p50_ms,p99_ms,non2xx,socket_errors,body_bytes,content_encoding,rss_mb,status,loadavg" >"$CSV"

descendants() { local c; for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done; }
# utime+stime (and that of waited-for children) of a process and its descendants, in clock ticks
tree_ticks() {
    local p t=0 v
    for p in "$1" $(descendants "$1"); do
        v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13 + $14 + $15}') || continue
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
tree_rss_mb() {
    local p t=0 v
    for p in "$1" $(descendants "$1"); do
        v=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null) || continue
        t=$((t + ${v:-0}))
    done
    echo $((t / 1024))
}
TCK=$(getconf CLK_TCK)

# wrk's latency line value ("512.00us", "1.23ms", "2.01s", "1.00m") in milliseconds
to_ms() { awk -v v="$1" 'BEGIN{n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /m$/) n*=60000; else if (v ~ /s$/) n*=1000; printf "%.3f", n}'; }

# Waits until a server has stopped working (its CPU time has not moved for 1 s), at most
# SETTLE_MAX seconds. A slow server still answers the requests wrk left queued when it stopped
# (32 SPARQL queries of ~3 s each is ~100 s of work); without this, that work would run on the
# server CPU beside the next server's measured run and inflate its latencies.
settle() {
    local pid=$1 waited=0 before after
    after=$(tree_ticks "$pid")
    while ((waited < SETTLE_MAX * 2)); do
        before=$after
        sleep 0.5
        after=$(tree_ticks "$pid")
        if [[ $before == "$after" ]]; then
            sleep 0.5
            after=$(tree_ticks "$pid")
            [[ $before == "$after" ]] && return 0
        fi
        waited=$((waited + 1))
    done
    log "    still busy after ${SETTLE_MAX} s; going on"
}

run_wrk() { # server query encoding round duration -> appends a CSV line (round "warmup" is not recorded)
    local s=$1 q=$2 e=$3 round=$4 d=$5 hdr="HDR_$1" out="$LOGS/wrk-$1-$2-$3-$4.txt"
    encoding_args "$e"
    kill -0 "${PID[$s]}" 2>/dev/null || die "$s is not running any more (see $LOGS/$s.log)"
    local a b load
    load=$(cut -d' ' -f1 /proc/loadavg)
    a=$(tree_ticks "${PID[$s]}")
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${d}s" --latency --timeout "$WRK_TIMEOUT" \
        -H "${!hdr}" "${ENC_ARGS[@]}" "${URL[$s:$q]}" >"$out" 2>&1
    local rc=$?
    b=$(tree_ticks "${PID[$s]}")
    settle "${PID[$s]}"
    [[ $round == warmup ]] && return 0
    local requests secs p50 p99 non2xx errors cpu per_cpu rps status=ok rss
    requests=$(awk '/requests in/{print $1; exit}' "$out")
    secs=$(awk '/requests in/{sub(/s,$/, "", $4); print $4; exit}' "$out")
    p50=$(to_ms "$(awk '$1=="50%"{print $2; exit}' "$out")")
    p99=$(to_ms "$(awk '$1=="99%"{print $2; exit}' "$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF; exit}' "$out")
    errors=$(awk '/Socket errors:/{gsub(/,/, ""); print $4 + $6 + $8 + $10; exit}' "$out")
    rss=$(tree_rss_mb "${PID[$s]}")
    cpu=$(awk -v a="$a" -v b="$b" -v t="$TCK" 'BEGIN{printf "%.2f", (b - a) / t}')
    rps=$(awk -v n="${requests:-0}" -v s="${secs:-0}" 'BEGIN{printf "%.1f", (s > 0 ? n / s : 0)}')
    per_cpu=$(awk -v n="${requests:-0}" -v c="$cpu" 'BEGIN{printf "%.1f", (c > 0 ? n / c : 0)}')
    if [[ $rc != 0 || -z $requests ]]; then status="wrk-exit-$rc"
    elif [[ ${requests:-0} == 0 ]]; then status=no-requests
    elif [[ ${non2xx:-0} != 0 ]]; then status=non2xx
    elif [[ ${errors:-0} != 0 ]]; then status=socket-errors
    fi
    echo "$s,$q,$e,$round,$secs,$requests,$rps,$cpu,$per_cpu,$p50,$p99,${non2xx:-0},${errors:-0},${BYTES[$s:$q:$e]},${CODING[$s:$q:$e]},$rss,$status,$load" >>"$CSV"
    printf '  %-13s %-8s %-10s round=%s %9s req/s %10s req/CPU-s  p50=%8sms p99=%8sms non2xx=%s errors=%s %s\n' \
        "$q" "$e" "$s" "$round" "$rps" "$per_cpu" "$p50" "$p99" "${non2xx:-0}" "${errors:-0}" "$status" >&2
    [[ $status == ok ]] || { log "    $s $q $e round $round failed ($status); wrk said:"; sed -n '1,20p' "$out" >&2; }
}

log "warm-up: ${WARMUP} s per server, query and encoding"
for q in "${RUN_QUERIES[@]}"; do
    for e in "${ENCODINGS[@]}"; do
        for s in "${RUN_SERVERS[@]}"; do run_wrk "$s" "$q" "$e" warmup "$WARMUP"; done
    done
done

n=${#RUN_SERVERS[@]}
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS (load average $(cut -d' ' -f1 /proc/loadavg))"
    for q in "${RUN_QUERIES[@]}"; do
        for e in "${ENCODINGS[@]}"; do
            for i in $(seq 0 $((n - 1))); do
                run_wrk "${RUN_SERVERS[$(((i + round - 1) % n))]}" "$q" "$e" "$round" "$DURATION"
            done
        done
    done
done

{
    echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    "$PY" "$HERE/summarize.py" "$CSV"
} >>"$SUMMARY"
echo >&2
cat "$SUMMARY"
log "results: ${CSV#"$ROOT"/}, summary: ${SUMMARY#"$ROOT"/}, logs: ${LOGS#"$ROOT"/}"
grep -q ',ok,[^,]*$' "$CSV" || exit 1
if grep -qv -e ',ok,[^,]*$' -e '^server,' "$CSV"; then
    log "some runs failed (status other than ok in ${CSV#"$ROOT"/})"
    exit 1
fi
