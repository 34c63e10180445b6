#!/usr/bin/env bash
# `make fuzz`: builds the AFL++ harness (fuzz/, afl.rs on stable Rust) and fuzzes each target in
# turn, on one core, at the lowest priority. Then prints each target's executions, crashes and
# hangs (from AFL++'s fuzzer_stats) and copies every crash into fuzz/crashes/<target>/, where
# `cargo test` replays it. See docs/fuzzing.md.
#
# Settings (environment, or make variables):
#   FUZZ_SECONDS     seconds per target (default 300)
#   FUZZ_EXECS       executions per target at most (default: no cap)
#   FUZZ_TARGETS     targets to run, space-separated (default: all)
#   FUZZ_TIMEOUT_MS  an input running longer is a hang (default 2000)
#   FUZZ_OUT         AFL++'s working folder (default fuzz/out; not committed)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

FUZZ_SECONDS=${FUZZ_SECONDS:-300}
FUZZ_EXECS=${FUZZ_EXECS:-}
FUZZ_TIMEOUT_MS=${FUZZ_TIMEOUT_MS:-2000}
FUZZ_OUT=${FUZZ_OUT:-fuzz/out}
CARGO_AFL_VERSION=0.18.2

# cargo-afl, and AFL++ built from its sources for this rustc (once per machine).
if ! cargo afl --version >/dev/null 2>&1; then
    nice -n 19 cargo install cargo-afl --locked --version "$CARGO_AFL_VERSION"
fi
if ! out=$(nice -n 19 cargo afl config --build 2>&1) && ! grep -q "already built" <<<"$out"; then
    echo "$out"
    exit 1
fi

# The instrumented build: its own target dir (fuzz/target), without RocksDB. Not --locked:
# fuzz/Cargo.lock takes in what the main package's Cargo.lock gained since it was last updated.
nice -n 19 cargo afl build --release --manifest-path fuzz/Cargo.toml
bin=$repo/fuzz/target/release/datahamn-fuzz
targets=${FUZZ_TARGETS:-$("$bin" list)}

stat() { awk -F: -v k="$1" '$1 ~ "^"k" *$" {gsub(/ /, "", $2); print $2}' "$2"; }

summary=()
total_execs=0
total_crashes=0
for t in $targets; do
    dir=$FUZZ_OUT/$t
    rm -rf "$dir"
    "$bin" prepare "$t" "$repo" "$dir"
    echo "fuzzing $t for ${FUZZ_SECONDS}s${FUZZ_EXECS:+ or $FUZZ_EXECS executions} (log: $dir/afl.log)"
    AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_FAST_CAL=1 AFL_IGNORE_SEED_PROBLEMS=1 \
        AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
        nice -n 19 cargo afl fuzz -V "$FUZZ_SECONDS" ${FUZZ_EXECS:+-E "$FUZZ_EXECS"} -t "$FUZZ_TIMEOUT_MS" \
        -i "$dir/seeds" -o "$dir/afl" -x "$dir/dict" -- "$bin" run "$t" >"$dir/afl.log" 2>&1 || {
        echo "afl-fuzz failed on $t; the end of $dir/afl.log:"
        tail -20 "$dir/afl.log"
        exit 1
    }
    stats=$dir/afl/default/fuzzer_stats
    execs=$(stat execs_done "$stats")
    crashes=$(stat saved_crashes "$stats")
    hangs=$(stat saved_hangs "$stats")
    mkdir -p "fuzz/crashes/$t"
    for f in "$dir"/afl/default/crashes/id:*; do
        [ -e "$f" ] || continue
        cp "$f" "fuzz/crashes/$t/afl-$(sha256sum "$f" | cut -c1-16)"
    done
    summary+=("$(printf '%-14s %12s executions  %3s crashes  %3s hangs  %s' "$t" "$execs" "$crashes" "$hangs" "$(stat execs_per_sec "$stats")/s")")
    total_execs=$((total_execs + execs))
    total_crashes=$((total_crashes + crashes))
done

echo
printf '%s\n' "${summary[@]}" | tee "$FUZZ_OUT/summary.txt"
printf '%-14s %12s executions  %3s crashes\n' total "$total_execs" "$total_crashes" | tee -a "$FUZZ_OUT/summary.txt"
if [ "$total_crashes" -gt 0 ]; then
    echo "Crashes were copied into fuzz/crashes/<target>/ (replayed by cargo test); hangs stay in $FUZZ_OUT/<target>/afl/default/hangs/."
fi
