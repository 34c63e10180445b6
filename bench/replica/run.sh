#!/usr/bin/env bash
# Read replicas and revision entity tags, measured: a writer with `--checkpoint-dir` and a
# replica with `--replica-of` on the same data, side by side in the same run.
#
#   bash bench/replica/run.sh       # datasets/ (about 57,800 quads)
#   make bench-replica              # the same, after `make build`
#   BIG=1 bash bench/replica/run.sh # also the 220,000-item store of bench/api (.bench/api/ours-220000):
#                                   # how long its checkpoint and a replica's first open take
#
# Measured:
# - throughput of the same reads on the writer and on the replica (datahamn on CPU 0, wrk with one
#   connection on CPU 1; 3 interleaved rounds of 5 s, medians), and of a revalidation
#   (`If-None-Match` with the current tag, answered 304 before anything is rendered) against the
#   full answer; each without `Accept-Encoding` and with `Accept-Encoding: gzip, br`;
# - how long a publish takes to reach the replica (from the writer's answer to the replica
#   serving the new revision; median of 6 publishes, the replica looking every 0.5 s);
# - how long writing a checkpoint and opening it on the replica take (from their logs).
#
# Report: bench/replica/results/replica-<stamp>.md and .csv.
# Environment: ROUNDS (3), DURATION (5 s), BIG (0), DATAHAMN_BIN (target/release/datahamn),
# ENCODINGS ("none gzip+br", see bench/encoding.sh), PORTS (four loopback ports: writer, replica,
# big writer, big replica; default free ones).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
BIG=${BIG:-0}
BIN=${DATAHAMN_BIN:-"$ROOT/target/release/datahamn"}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$ROOT/bench/replica/results"
WORK=$(mktemp -d "$ROOT/.bench/replica.XXXXXX" 2>/dev/null || mktemp -d)
CSV="$RESULTS/replica-$STAMP.csv"
MD="$RESULTS/replica-$STAMP.md"
mkdir -p "$RESULTS"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
# shellcheck source=bench/encoding.sh
source "$ROOT/bench/encoding.sh" # ENCODINGS, encoding_args
[[ -x "$BIN" ]] || die "$BIN is missing; run make build"
command -v wrk >/dev/null || die "wrk is missing (apt-get install -y wrk)"

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_http() { # url, seconds
  for _ in $(seq 1 $(($2 * 10))); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  return 1
}
revision() { curl -sf "$1/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])'; }
elapsed_of() { # log file, message: the elapsed time datahamn logged with it, in ms
  python3 - "$1" "$2" <<'PY'
import re, sys
for line in open(sys.argv[1], errors="replace"):
    if sys.argv[2] in line:
        m = re.search(r"elapsed=([0-9.]+)(ms|µs|us|s)\b", line)
        if m:
            v, unit = float(m.group(1)), m.group(2)
            print(f"{v * {'ms': 1, 'µs': 0.001, 'us': 0.001, 's': 1000}[unit]:.1f}")
PY
}

# Free loopback ports, so that the benchmark runs beside other servers (PORTS="W R BW BR" to choose).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
read -r WP RP BWP BRP <<<"${PORTS:-$(free_port) $(free_port) $(free_port) $(free_port)}"
W=http://127.0.0.1:$WP
R=http://127.0.0.1:$RP
cd "$ROOT" || exit 1
export RUST_LOG=info
taskset -c 0 "$BIN" serve --data-dir "$WORK/writer" --listen 127.0.0.1:$WP --checkpoint-dir "$WORK/checkpoints" \
  --rate-limit 0 >"$WORK/writer.log" 2>&1 &
PIDS+=($!)
wait_http "$W/healthz" 120 || die "the writer did not start: $(tail -5 "$WORK/writer.log")"
for _ in $(seq 1 100); do [[ -f "$WORK/checkpoints/LATEST" ]] && break; sleep 0.1; done
taskset -c 0 "$BIN" serve --data-dir "$WORK/replica" --listen 127.0.0.1:$RP --replica-of "$WORK/checkpoints" \
  --replica-poll 0.5 --rate-limit 0 >"$WORK/replica.log" 2>&1 &
PIDS+=($!)
wait_http "$R/healthz" 120 || die "the replica did not start: $(tail -5 "$WORK/replica.log")"
[[ "$(revision $W)" == "$(revision $R)" ]] || die "the replica does not serve the writer's revision"

# --- Throughput ------------------------------------------------------------------------------
ITEM=/api/v1/items/harryda-badplatser:gingsjon
PAGE="/api/v1/bathing-sites?municipality=1480&limit=100"
TURTLE=/id/harryda-badplatser/gingsjon
declare -A PATHS=([item]=$ITEM [page]=$PAGE [turtle]=$TURTLE)
declare -A ACCEPTS=([item]=application/json [page]=application/json [turtle]=text/turtle)
NAMES=(item item-304 page page-304 turtle turtle-304)
for base in $W $R; do
  for n in item page turtle; do
    a=$(curl -s -H "Accept: ${ACCEPTS[$n]}" "$base${PATHS[$n]}" | sha256sum)
    b=$(curl -s -H "Accept: ${ACCEPTS[$n]}" "$W${PATHS[$n]}" | sha256sum)
    [[ "$a" == "$b" ]] || die "$n differs between the writer and the replica"
  done
done
echo "round,server,request,encoding,requests_per_s,p50_ms" >"$CSV"
for r in $(seq 1 "$ROUNDS"); do
  for n in "${NAMES[@]}"; do
    key=${n%-304}
    for e in "${ENCODINGS[@]}"; do
      encoding_args "$e"
      for server in writer replica; do
        base=$W; [[ $server == replica ]] && base=$R
        url="$base${PATHS[$key]}"
        extra=()
        if [[ $n == *-304 ]]; then
          # the tag of the representation this encoding gets (a compressed one may have its own)
          tag=$(curl -s -D - -o /dev/null -H "Accept: ${ACCEPTS[$key]}" "${ENC_ARGS[@]}" "$url" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
          [[ -n "$tag" ]] || die "no entity tag on $url"
          extra=(-H "If-None-Match: $tag")
          code=$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: ${ACCEPTS[$key]}" "${ENC_ARGS[@]}" "${extra[@]}" "$url")
          [[ "$code" == 304 ]] || die "$url ($e) answered $code to its own tag"
        fi
        out=$(taskset -c 1 wrk -t1 -c1 -d"${DURATION}s" --latency -H "Accept: ${ACCEPTS[$key]}" "${ENC_ARGS[@]}" "${extra[@]}" "$url" 2>&1)
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1=="50%" {print $2}' <<<"$out")
        echo "$r,$server,$n,$e,$rps,$p50" >>"$CSV"
        log "round $r $n $e $server: $rps req/s (p50 $p50)"
      done
    done
  done
done

# --- Propagation -----------------------------------------------------------------------------
TOKEN=$("$BIN" token create --org 1401 --name bench --data-dir "$WORK/writer" 2>/dev/null | grep -oE 'dh_[A-Za-z0-9_-]+' | head -1)
[[ -n "$TOKEN" ]] || die "no token"
head -4 "$ROOT/datasets/harryda-badplatser/data.csv" >"$WORK/short.csv"
cp "$ROOT/datasets/harryda-badplatser/data.csv" "$WORK/full.csv"
PROPAGATION=()
for i in 1 2 3 4 5 6; do
  file="$WORK/short.csv"; (( i % 2 == 0 )) && file="$WORK/full.csv"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" -H "Content-Type: text/csv" \
    --data-binary @"$file" "$W/api/v1/datasets/harryda-badplatser/data")
  [[ "$code" == 200 || "$code" == 201 ]] || die "publish answered $code"
  start=$(date +%s%N)
  want=$(revision $W)
  for _ in $(seq 1 600); do [[ "$(revision $R)" == "$want" ]] && break; sleep 0.02; done
  [[ "$(revision $R)" == "$want" ]] || die "the replica did not catch up"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  PROPAGATION+=("$ms")
  log "publish $i reached the replica after $ms ms"
done
CHECKPOINT_MS=$(elapsed_of "$WORK/writer.log" "checkpoint written" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
OPEN_MS=$(elapsed_of "$WORK/replica.log" "checkpoint opened" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
PIDS=()

# --- The 220,000-item store (BIG=1) ----------------------------------------------------------
BIG_LINE=""
if [[ "$BIG" == 1 ]]; then
  STORE="$ROOT/.bench/api/ours-220000"
  [[ -d "$STORE/store" ]] || die "no $STORE; run make bench-api first"
  base_url=$(sed -n 's/^base_url = "\(.*\)"/\1/p' "$STORE/datahamn.toml")
  "$BIN" serve --data-dir "$STORE" --base-url "$base_url" --listen 127.0.0.1:$BWP \
    --checkpoint-dir "$WORK/checkpoints-big" >"$WORK/writer-big.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$BWP/healthz" 600 || die "the big writer did not start"
  for _ in $(seq 1 600); do [[ -f "$WORK/checkpoints-big/LATEST" ]] && break; sleep 0.1; done
  big_start=$(date +%s%N)
  "$BIN" serve --data-dir "$WORK/replica-big" --listen 127.0.0.1:$BRP --replica-of "$WORK/checkpoints-big" \
    >"$WORK/replica-big.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$BRP/healthz" 600 || die "the big replica did not start"
  big_ready=$(( ($(date +%s%N) - big_start) / 1000000 ))
  items=$(curl -sf "http://127.0.0.1:$BRP/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"])')
  big_cp=$(elapsed_of "$WORK/writer-big.log" "checkpoint written" | head -1)
  BIG_LINE="220,000-item store (bench/api): checkpoint written in ${big_cp} ms; a replica started on it served ${items} items after ${big_ready} ms (copy by hard links, read-only open, read model built)."
  log "$BIG_LINE"
fi

PYTHONPATH="$ROOT/bench" python3 - "$CSV" "$MD" "${PROPAGATION[*]}" "$CHECKPOINT_MS" "$OPEN_MS" "$BIG_LINE" <<'PY'
import csv, statistics, sys
from sidebyside import describe, encoding, number, ordered, side_by_side
path, out, propagation, checkpoint_ms, open_ms, big = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
for r in rows:
    r["encoding"] = encoding(r)
names = list(dict.fromkeys(r["request"] for r in rows))
encodings = ordered(r["encoding"] for r in rows)
med = {(s, n, e): statistics.median(number(r["requests_per_s"]) for r in rows if r["server"] == s and r["request"] == n and r["encoding"] == e)
       for s in ("writer", "replica") for n in names for e in encodings}
p50 = {(s, n, e): statistics.median(number(r["p50_ms"]) for r in rows if r["server"] == s and r["request"] == n and r["encoding"] == e)
       for s in ("writer", "replica") for n in names for e in encodings}
prop = [int(x) for x in propagation.split()]
lines = ["# Read replica and revision entity tags", "",
         "datasets/ (about 57,800 quads). datahamn on CPU 0, wrk (1 connection) on CPU 1; median of the rounds. "
         "Encodings: " + ", ".join(f"`{e}` ({describe(e)})" for e in encodings) + ".", "",
         "| request | encoding | writer req/s | replica req/s (ratio) | p50 ms (writer / replica) | 304 vs full answer (writer / replica) |",
         "|---|---|---|---|---|---|"]
for n in names:
    for e in encodings:
        w, r = med[("writer", n, e)], med[("replica", n, e)]
        gain = ""
        if n.endswith("-304"):
            full = n[:-4]
            gain = f"{w / med[('writer', full, e)]:.2f}x / {r / med[('replica', full, e)]:.2f}x"
        lines.append(f"| {n} | {e} | {w:.0f} | {r:.0f} ({r / w:.2f}) | {p50[('writer', n, e)]:.2f} / {p50[('replica', n, e)]:.2f} | {gain} |")
table = side_by_side(rows, ("request", "server"), [("requests_per_s", "req/s", ".0f", True), ("p50_ms", "p50 ms", ".2f", False)])
if table:
    lines += ["", "Without and with compression (medians; compressed / plain as the ratio of the medians and [the median of the per-round ratios]):", "", *table]
lines += ["",
          f"A publish reached the replica after {statistics.median(prop)} ms (median of {len(prop)}; each: {', '.join(map(str, prop))} ms; the replica looks every 0.5 s, the writer every 1 s).",
          f"Writing a checkpoint took {checkpoint_ms} ms (median); opening one on the replica (copy, read-only open, read model) {open_ms} ms (median)."]
if big:
    lines += ["", big]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
log "written: $CSV and $MD"
