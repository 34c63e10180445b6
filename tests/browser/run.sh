#!/usr/bin/env bash
# The web interface in a real browser: Debian's headless Chromium, driven by playwright-core
# (tests/browser/steward.mjs), against a freshly started datahamn serving ./datasets from an
# empty store, with a steward's token made by the CLI. Screenshots of every step are kept in
# target/browser/ (the test's artefacts; on a failure, failure.png shows where it stopped).
#
#   bash tests/browser/run.sh          # after `make build`; part of `make test`
#
# Environment: BIN (default target/release/datahamn), CHROMIUM (default /usr/bin/chromium),
# ARTEFACTS (default target/browser).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
BIN="${BIN:-target/release/datahamn}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
ARTEFACTS="${ARTEFACTS:-target/browser}"
case "$ARTEFACTS" in /*) ;; *) ARTEFACTS="$ROOT/$ARTEFACTS" ;; esac

[ -x "$BIN" ] || { echo "run.sh: no server binary at $BIN (make build)" >&2; exit 2; }
[ -x "$CHROMIUM" ] || { echo "run.sh: no Chromium at $CHROMIUM (apt-get install chromium)" >&2; exit 2; }
command -v node >/dev/null || { echo "run.sh: no node (Node.js) on PATH" >&2; exit 2; }

# playwright-core, as package-lock.json pins it; installed again only when the lock changes.
STAMP="$HERE/node_modules/.lock-stamp"
want="$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
  printf '%s' "$want" >"$STAMP"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/datahamn-browser.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$WORK/data" "$ARTEFACTS"
rm -f "$ARTEFACTS"/*.png
TOKEN="$("$BIN" token create --org 1401 --name "Anna Andersson, GIS" --data-dir "$WORK/data" 2>/dev/null)"

DATAHAMN_RATE_LIMIT=0 "$BIN" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" --base-url "$BASE" \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "$BASE/healthz" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.5
done

# The steward's two files: the real Härryda file with one wrong latitude, and the file fixed.
SAMPLE="datasets/harryda-badplatser/data.csv"
[ -f "$SAMPLE" ] || SAMPLE="$(ls datasets/harryda-badplatser/*.csv | head -1)"
cp "$SAMPLE" "$WORK/badplatser-rattad.csv"
python3 - "$SAMPLE" "$WORK/badplatser-med-fel.csv" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8-sig").read().split("\n")
# Row 4 as a spreadsheet shows it: its latitude gets a letter O for a zero.
header = lines[0].split(",")
cells = lines[3].split(",")
lat = header.index("latitude")
cells[lat] = cells[lat].replace("0", "O", 1) if "0" in cells[lat] else cells[lat] + "O"
lines[3] = ",".join(cells)
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines))
PY

status=0
BASE="$BASE" TOKEN="$TOKEN" CHROMIUM="$CHROMIUM" ARTEFACTS="$ARTEFACTS" \
  BAD_FILE="$WORK/badplatser-med-fel.csv" FIXED_FILE="$WORK/badplatser-rattad.csv" \
  node "$HERE/steward.mjs" || status=$?
if [ "$status" -ne 0 ]; then
  echo "---- server log (last 40 lines) ----" >&2
  tail -40 "$WORK/server.log" >&2
fi
echo "screenshots: ${ARTEFACTS#"$ROOT"/}/"
exit "$status"
