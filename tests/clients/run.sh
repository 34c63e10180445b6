#!/usr/bin/env bash
# Real clients against a freshly started datahamn serving ./datasets from an empty store:
# GDAL/OGR (Debian's gdal-bin, the OAPIF driver QGIS uses), OWSLib's OGC API Features client and
# SPARQLWrapper, as a pytest suite (test_*.py beside this script), so each failure is itemised.
# These catch what fixtures cannot: the clients' own paging, counting, typing, content
# negotiation and compression.
#
#   bash tests/clients/run.sh                        # after `make build`; part of `make test`
#   bash tests/clients/run.sh -k gdal                # more arguments go to pytest
#
# Environment: BIN (default target/release/datahamn; not built here), VENV (default
# .venv-clients at the repo root), PYTHON (default python3, 3.11).
# Exit status: pytest's (0 all passed, 1 some failed), 2 on a usage or setup error.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv-clients}"
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
BIN="${BIN:-target/release/datahamn}"

if [ ! -x "$BIN" ]; then
  echo "run.sh: no server binary at $BIN (build it first, e.g. make build)" >&2
  exit 2
fi
for tool in ogrinfo ogr2ogr; do
  if ! command -v "$tool" >/dev/null; then
    echo "run.sh: $tool is missing (apt-get install gdal-bin)" >&2
    exit 2
  fi
done

header() { printf '\n==== %s ====\n' "$*"; }

# --- The clients, in a venv refreshed only when requirements.txt (or the interpreter) changes ---
REQ="$HERE/requirements.txt"
STAMP="$VENV/.clients-stamp"
want_stamp="$({ sha256sum "$REQ" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; } | tr '\n' ' ')"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want_stamp" ]; then
  header "installing the client libraries into $VENV"
  started=$SECONDS
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
  printf '%s' "$want_stamp" >"$STAMP"
  echo "installed in $((SECONDS - started)) s"
fi
PY="$VENV/bin/python"

# --- The server: a fresh data directory, a free port, ./datasets published on first start ---
WORK="$(mktemp -d "${TMPDIR:-/tmp}/datahamn-clients.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Never send the loopback traffic through a proxy from the environment (GDAL's curl reads these too).
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
mkdir "$WORK/data"

header "starting $BIN on $BASE"
# DATAHAMN_LOG=info: one access-log line per request, which the tests count.
DATAHAMN_DATA_DIR="$WORK/data" \
DATAHAMN_LISTEN="127.0.0.1:$PORT" \
DATAHAMN_BASE_URL="$BASE" \
DATAHAMN_DATASETS_DIR=datasets \
DATAHAMN_RATE_LIMIT=0 \
DATAHAMN_LOG=info \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

server_log_tail() { echo "--- last lines of the server log:"; tail -n 20 "$WORK/server.log" || true; }

started=$SECONDS
if ! "$PY" - "$BASE/healthz" "$SERVER_PID" <<'PYEOF'
import os, sys, time, urllib.request
url, pid, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited before answering /healthz")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                print(response.read().decode())
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.25)
sys.exit("no 200 from /healthz within 60 s")
PYEOF
then
  server_log_tail
  exit 2
fi
echo "up in $((SECONDS - started)) s"
echo "$(ogrinfo --version); $("$PY" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("OWSLib", "SPARQLWrapper", "rdflib", "requests")))')"

# --- The suite ---
header "client tests against $BASE"
status=0
# -p no:cacheprovider: nothing written into the work tree; -rfEs: a line per failure, error, skip;
# -s: each client's time and request count are printed.
(cd "$HERE" && DATAHAMN_BASE="$BASE" DATAHAMN_SERVER_LOG="$WORK/server.log" \
  "$PY" -m pytest -p no:cacheprovider -q -s -rfEs --tb=short "$@" .) || status=$?

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "the server is no longer running"
  server_log_tail
  status=1
fi

header "clients summary"
case $status in
  0) echo "all passed" ;;
  1) echo "FAILED (the failures are listed above)" ;;
  5) echo "FAILED: pytest collected no test"; status=1 ;;
  *) echo "FAILED: pytest exited $status"; status=2 ;;
esac
exit "$status"
