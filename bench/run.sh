#!/usr/bin/env bash
# Ingest benchmark: datahamn side by side with peers, in the same run. See bench/README.md.
#
#   bash bench/run.sh                                   # sizes 22000 220000, 3 rounds
#   BENCH_SIZES="22000 220000 1000000" bash bench/run.sh
#
# For each size, 3 interleaved rounds (the order rotates each round) of:
#   ours  `datahamn ingest` CSV -> fresh embedded store (check, map, bulk load)
#   (a)   morph-kgc CSV -> N-Triples (bench/bathing-sites.rml.ttl), then `oxigraph load` of that
#         file into a fresh store, in the same named graph datahamn uses; the two steps are timed
#         separately and summed into one end-to-end figure
#   (b)   `oxigraph load` of the N-Quads from `datahamn convert` into a fresh store: the store's
#         own bulk-load speed on exactly our quads
# each under `/usr/bin/time -v` (wall, user+sys CPU, max RSS) and `timeout`. Every run is one CSV
# line in bench/results/ingest-<timestamp>.csv; a Markdown summary is printed and saved beside it.
#
# Environment:
#   BENCH_SIZES          row counts (default "22000 220000")
#   BENCH_ROUNDS         rounds per size (default 3)
#   BENCH_TOOLS          which of "ours a b" to run (default all three)
#   BENCH_VERIFY_SIZES   sizes at which morph-kgc's triples are compared with datahamn convert's
#                        (default 22000; "" to skip)
#   BENCH_STEP_TIMEOUT   seconds allowed to one timed step (default 120 + 0.004 s per row)
#   DATAHAMN_BIN         the binary (default target/release/datahamn; copied once per run, so a
#                        rebuild during the run does not change what is measured)
# Everything installed or generated goes to .bench/ (git-ignored). Loopback only: nothing here
# opens a port; the only network use is pip talking to PyPI during the install step.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$ROOT/bench"
WORK="$ROOT/.bench"
SIZES=${BENCH_SIZES:-"22000 220000"}
ROUNDS=${BENCH_ROUNDS:-3}
TOOLS=${BENCH_TOOLS:-"ours a b"}
VERIFY_SIZES=${BENCH_VERIFY_SIZES-"22000"}
BIN_SRC=${DATAHAMN_BIN:-"$ROOT/target/release/datahamn"}
DATASET=bench-badplatser
ORG=1401
PROFILE=bathing-sites
GRAPH="http://127.0.0.1:8080/dataset/$DATASET/version/1"
MORPH_KGC_VERSION=2.10.0
OXIGRAPH_VERSION=0.5.13

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$BENCH_DIR/results"
CSV="$RESULTS/ingest-$STAMP.csv"
SUMMARY="$RESULTS/ingest-$STAMP.md"
RUN="$WORK/run"
LOGS="$WORK/logs/$STAMP"
mkdir -p "$RESULTS" "$WORK/data" "$WORK/bin" "$RUN" "$LOGS"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
has_tool() { [[ " $TOOLS " == *" $1 "* ]]; }

# ----------------------------------------------------------------------------------------------
# Install peers (each skipped with a message if its install fails)
# ----------------------------------------------------------------------------------------------
PY=${PYTHON:-python3}
MK_OK=0
OX_OK=0

install_venv() { # dir, pip specs...
    local dir=$1; shift
    if [[ ! -x "$dir/bin/python" ]]; then
        timeout 180 "$PY" -m venv "$dir" >>"$LOGS/install.log" 2>&1 || return 1
    fi
    timeout 600 "$dir/bin/pip" install -q --disable-pip-version-check "$@" >>"$LOGS/install.log" 2>&1
}

if has_tool a; then
    if "$WORK/venv-mk/bin/python" -c 'import morph_kgc' 2>/dev/null \
        || install_venv "$WORK/venv-mk" "morph-kgc==$MORPH_KGC_VERSION" \
        || install_venv "$WORK/venv-mk" morph-kgc; then
        MK_OK=1
    else
        log "SKIP (a): morph-kgc did not install (see $LOGS/install.log)"
    fi
fi
if has_tool a || has_tool b || [[ -n "$VERIFY_SIZES" ]]; then
    if [[ -x "$WORK/venv-ox/bin/oxigraph" ]] && "$WORK/venv-ox/bin/python" -c 'import pyoxigraph' 2>/dev/null \
        || install_venv "$WORK/venv-ox" "oxigraph==$OXIGRAPH_VERSION" "pyoxigraph==$OXIGRAPH_VERSION" \
        || install_venv "$WORK/venv-ox" oxigraph pyoxigraph; then
        OX_OK=1
    else
        log "SKIP (a) and (b): the oxigraph CLI did not install (see $LOGS/install.log)"
    fi
fi
OXIGRAPH="$WORK/venv-ox/bin/oxigraph"

# ----------------------------------------------------------------------------------------------
# The binary under test: wait for it (it may be being rebuilt), then freeze a copy for this run
# ----------------------------------------------------------------------------------------------
for _ in $(seq 1 60); do
    [[ -x "$BIN_SRC" ]] && break
    log "waiting for $BIN_SRC"
    sleep 10
done
if [[ ! -x "$BIN_SRC" ]]; then
    log "FAIL: $BIN_SRC is missing; build it with 'make build'"
    exit 2
fi
BIN="$WORK/bin/datahamn-$STAMP"
cp "$BIN_SRC" "$BIN"
trap 'rm -f "$BIN"; rm -rf "$RUN"' EXIT

{
    echo "# Ingest benchmark $STAMP"
    echo
    echo "- host: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB RAM, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- datahamn: $("$BIN" --version 2>/dev/null) from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet -- src 2>/dev/null || echo ' (+ uncommitted changes in src/)'), binary built $(date -u -r "$BIN_SRC" +%Y-%m-%dT%H:%MZ)"
    [[ $MK_OK == 1 ]] && echo "- morph-kgc: $("$WORK/venv-mk/bin/pip" show morph-kgc 2>/dev/null | awk '/^Version/{print $2}'), $("$WORK/venv-mk/bin/python" --version 2>&1)"
    [[ $OX_OK == 1 ]] && echo "- oxigraph CLI: $("$OXIGRAPH" --version 2>/dev/null)"
    echo "- sizes: $SIZES; rounds: $ROUNDS; tools: $TOOLS"
    echo
} >"$SUMMARY"

# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------
echo "tool,size,round,wall_s,cpu_s,max_rss_mb,triples,status" >"$CSV"

# measure TOOL SIZE ROUND TRIPLES -- CMD...: runs CMD under /usr/bin/time -v and timeout, appends
# one CSV line, and leaves "wall cpu rss status" in $M.
M=""
measure() {
    local tool=$1 size=$2 round=$3 triples=$4; shift 5
    local tf="$LOGS/$tool-$size-$round.time" out="$LOGS/$tool-$size-$round.log"
    tf=${tf//:/_}; out=${out//:/_}
    local limit=${BENCH_STEP_TIMEOUT:-$((120 + size * 4 / 1000))}
    /usr/bin/time -v -o "$tf" timeout "$limit" "$@" >"$out" 2>&1
    local rc=$?
    local wall cpu rss status=ok
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; printf "%.2f", s}' "$tf")
    cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.2f", u+s}' "$tf")
    rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$tf")
    if [[ $rc == 124 ]]; then status=timeout; elif [[ $rc != 0 ]]; then status="exit-$rc"; fi
    echo "$tool,$size,$round,$wall,$cpu,$rss,$triples,$status" >>"$CSV"
    printf '  %-26s size=%-8s round=%s wall=%7ss cpu=%7ss rss=%6sMB %s\n' "$tool" "$size" "$round" "$wall" "$cpu" "$rss" "$status" >&2
    [[ $status != ok ]] && log "    $tool failed ($status); last lines of $out:" && tail -n 5 "$out" >&2
    M="$wall $cpu $rss $status"
    sync
    [[ $status == ok ]]
}

run_ours() { # size round
    local size=$1 round=$2 dir="$RUN/ours"
    rm -rf "$dir"
    measure "ours:datahamn-ingest" "$size" "$round" "${QUADS[$size]}" -- \
        "$BIN" ingest "$CSV_FILE" --dataset "$DATASET" --org "$ORG" --profile "$PROFILE" --data-dir "$dir"
    rm -rf "$dir"
}

run_a() { # size round
    local size=$1 round=$2 nt="$RUN/a.nt" store="$RUN/a-store" conf="$RUN/morph-kgc.ini"
    rm -rf "$nt" "$store"
    cat >"$conf" <<EOF
[CONFIGURATION]
output_file=$nt
output_format=N-TRIPLES
na_values=
logging_level=WARNING

[Badplatser]
mappings=$BENCH_DIR/bathing-sites.rml.ttl
file_path=$CSV_FILE
EOF
    local m1 m2 n
    if ! measure "a1:morph-kgc" "$size" "$round" "" -- "$WORK/venv-mk/bin/python" -m morph_kgc "$conf"; then
        echo "a:morph-kgc+oxigraph-load,$size,$round,,,,,failed" >>"$CSV"
        rm -f "$nt"; return
    fi
    m1=$M
    n=$(wc -l <"$nt")
    # The triples count of a1 is only known after the run: fill it in.
    sed -i "\$s/^\(a1:morph-kgc,$size,$round,[^,]*,[^,]*,[^,]*\),,/\1,$n,/" "$CSV"
    if [[ " $VERIFY_SIZES " == *" $size "* && $round == 1 ]]; then
        log "  verifying morph-kgc's triples against datahamn convert at $size rows"
        timeout 1200 "$WORK/venv-ox/bin/python" "$BENCH_DIR/compare.py" "$NQ" "$nt" \
            | tee "$RESULTS/compare-$STAMP-$size.txt" >&2
    fi
    if ! measure "a2:oxigraph-load-nt" "$size" "$round" "$n" -- \
        "$OXIGRAPH" load --location "$store" --file "$nt" --graph "$GRAPH"; then
        echo "a:morph-kgc+oxigraph-load,$size,$round,,,,$n,failed" >>"$CSV"
        rm -rf "$nt" "$store"; return
    fi
    m2=$M
    rm -rf "$nt" "$store"
    read -r w1 c1 r1 _ <<<"$m1"
    read -r w2 c2 r2 _ <<<"$m2"
    local sum
    sum=$(awk -v w1="$w1" -v w2="$w2" -v c1="$c1" -v c2="$c2" -v r1="$r1" -v r2="$r2" \
        'BEGIN{printf "%.2f,%.2f,%d", w1+w2, c1+c2, (r1>r2?r1:r2)}')
    echo "a:morph-kgc+oxigraph-load,$size,$round,$sum,$n,ok" >>"$CSV"
    printf '  %-26s size=%-8s round=%s wall=%7ss cpu=%7ss rss=%6sMB (sum of a1+a2, max RSS)\n' \
        "a:morph-kgc+oxigraph-load" "$size" "$round" "${sum%%,*}" "$(cut -d, -f2 <<<"$sum")" "${sum##*,}" >&2
}

run_b() { # size round
    local size=$1 round=$2 store="$RUN/b-store"
    rm -rf "$store"
    measure "b:oxigraph-load-nq" "$size" "$round" "${QUADS[$size]}" -- \
        "$OXIGRAPH" load --location "$store" --file "$NQ"
    rm -rf "$store"
}

# ----------------------------------------------------------------------------------------------
# Data and rounds
# ----------------------------------------------------------------------------------------------
declare -A QUADS
RUN_TOOLS=()
has_tool ours && RUN_TOOLS+=(ours)
if has_tool a; then
    if [[ $MK_OK == 1 && $OX_OK == 1 ]]; then RUN_TOOLS+=(a); else log "SKIP (a): peer not installed"; fi
fi
if has_tool b; then
    if [[ $OX_OK == 1 ]]; then RUN_TOOLS+=(b); else log "SKIP (b): oxigraph not installed"; fi
fi
log "tools: ${RUN_TOOLS[*]}; sizes: $SIZES; rounds: $ROUNDS; results: ${CSV#"$ROOT"/}"

for size in $SIZES; do
    CSV_FILE="$WORK/data/badplatser-$size.csv"
    if [[ ! -s "$CSV_FILE" || "$BENCH_DIR/generate.py" -nt "$CSV_FILE" ]]; then
        log "generating $size rows"
        timeout 1800 "$PY" "$BENCH_DIR/generate.py" --force --out-dir "$WORK/data" "$size" || { log "FAIL: generator"; exit 1; }
    fi
    if ! timeout 600 "$BIN" validate "$CSV_FILE" --profile "$PROFILE" --org "$ORG" >"$LOGS/validate-$size.txt" 2>&1; then
        log "FAIL: the generated $size-row file does not validate:"; head -n 20 "$LOGS/validate-$size.txt" >&2; exit 1
    fi
    head -n 1 "$LOGS/validate-$size.txt" >&2
    # datahamn convert: the quads (ours' triple count, the input of (b) and the reference for the
    # morph-kgc check). Timed for information: the mapping alone, without a store.
    NQ="$RUN/datahamn-$size.nq"
    measure "info:datahamn-convert" "$size" 0 "" -- \
        "$BIN" convert "$CSV_FILE" --dataset "$DATASET" --org "$ORG" --profile "$PROFILE" --output "$NQ" \
        || { log "FAIL: datahamn convert"; exit 1; }
    QUADS[$size]=$(wc -l <"$NQ")
    sed -i "\$s/^\(info:datahamn-convert,$size,0,[^,]*,[^,]*,[^,]*\),,/\1,${QUADS[$size]},/" "$CSV"
    log "size $size: ${QUADS[$size]} quads"

    n=${#RUN_TOOLS[@]}
    for round in $(seq 1 "$ROUNDS"); do
        log "size $size round $round/$ROUNDS (load average $(cut -d' ' -f1 /proc/loadavg))"
        for i in $(seq 0 $((n - 1))); do
            tool=${RUN_TOOLS[$(((i + round - 1) % n))]}
            "run_$tool" "$size" "$round"
        done
    done
    rm -f "$NQ"
done

{
    echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    "$PY" "$BENCH_DIR/summarize.py" "$CSV"
    for f in "$RESULTS"/compare-"$STAMP"-*.txt; do
        [[ -e $f ]] || continue
        echo
        echo "Triples of morph-kgc vs datahamn convert, $(basename "$f" .txt | sed 's/.*-//') rows: $(tail -n 1 "$f")"
        echo
        echo '```'
        head -n 1 "$f"
        echo '```'
    done
} >>"$SUMMARY"
echo >&2
cat "$SUMMARY"
log "results: ${CSV#"$ROOT"/}, summary: ${SUMMARY#"$ROOT"/}, logs: ${LOGS#"$ROOT"/}"
