#!/usr/bin/env bash
# The formats benchmark: the same 220,000 bath sites as CSV, as an Excel workbook (.xlsx) and as
# GeoJSON, checked (`datahamn validate`) and published (`datahamn ingest` into a fresh store) side
# by side in the same run, rounds interleaved. See bench/README.md, "Formats".
#
# Each run is one command under /usr/bin/time -v: wall, user+sys CPU, peak RSS. Writes
# bench/results/formats-<UTC>.csv (every run) and .md (summarize.py: medians, rows/s, ratios to
# CSV paired by round).
#
# Environment:
#   BENCH_ROWS      rows (default 220000)
#   BENCH_ROUNDS    rounds (default 3)
#   DATAHAMN_BIN    the binary (default target/release/datahamn; copied once per run)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROWS=${BENCH_ROWS:-220000}
ROUNDS=${BENCH_ROUNDS:-3}
WORK="$ROOT/.bench/formats"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$ROOT/bench/results"
CSV="$RESULTS/formats-$STAMP.csv"
MD="$RESULTS/formats-$STAMP.md"
mkdir -p "$WORK/data" "$WORK/logs" "$RESULTS"
BIN="$WORK/datahamn-$STAMP"
cp "${DATAHAMN_BIN:-$ROOT/target/release/datahamn}" "$BIN"
trap 'rm -f "$BIN"; rm -rf "$WORK/store"' EXIT

DATA="$WORK/data/badplatser-$ROWS"
if [[ ! -f "$DATA.csv" ]]; then
    python3 "$ROOT/bench/generate.py" "$ROWS" --out-dir "$WORK/data" >&2
fi
if [[ ! -f "$DATA.xlsx" || ! -f "$DATA.geojson" ]]; then
    echo "writing $DATA.xlsx and $DATA.geojson" >&2
    python3 "$ROOT/bench/formats/convert.py" "$DATA.csv" --xlsx "$DATA.xlsx" --geojson "$DATA.geojson"
fi

echo "format,step,round,wall_s,cpu_s,max_rss_mb,bytes,status" >"$CSV"
measure() { # format step round -- cmd...
    local format=$1 step=$2 round=$3; shift 4
    local tf="$WORK/logs/$format-$step-$round.time" out="$WORK/logs/$format-$step-$round.log"
    local status=ok
    /usr/bin/time -v -o "$tf" "$@" >"$out" 2>&1 || status="exit-$?"
    local wall cpu rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; printf "%.2f", s}' "$tf")
    cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.2f", u+s}' "$tf")
    rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$tf")
    echo "$format,$step,$round,$wall,$cpu,$rss,$(stat -L -c %s "$DATA.$format"),$status" >>"$CSV"
    printf '  %-8s %-9s round=%s wall=%7ss cpu=%7ss rss=%6sMB %s\n' "$format" "$step" "$round" "$wall" "$cpu" "$rss" "$status" >&2
    [[ $status == ok ]] || tail -n 5 "$out" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    for format in csv xlsx geojson; do
        measure "$format" validate "$round" -- \
            "$BIN" validate "$DATA.$format" --profile bathing-sites --org 1401 --format json
        rm -rf "$WORK/store"
        measure "$format" ingest "$round" -- \
            "$BIN" ingest "$DATA.$format" --dataset bench-badplatser --org 1401 --profile bathing-sites --data-dir "$WORK/store"
        rm -rf "$WORK/store"
    done
done

python3 "$ROOT/bench/formats/summarize.py" "$CSV" "$ROWS" >"$MD"
cat "$MD"
echo "results: $CSV, $MD" >&2
