# shellcheck shell=bash
# Shared by the suites that run other people's tools against a fresh datahamn
# (tests/conformance/run.sh, tests/clients/run.sh): a pinned venv, refreshed only when its
# requirements file or the interpreter changes, and a server over a fresh data directory on a
# free port, stopped when the suite exits. Sourced after `set -euo pipefail` and `cd "$ROOT"`.

# suite_settings DEFAULT_VENV: PYTHON (python3), VENV (DEFAULT_VENV, made absolute) and BIN
# (target/release/datahamn) from the environment or their defaults; exits 2 when BIN is not
# built (the suites do not build it).
suite_settings() {
  PYTHON="${PYTHON:-python3}"
  VENV="${VENV:-$1}"
  case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
  BIN="${BIN:-target/release/datahamn}"
  if [ ! -x "$BIN" ]; then
    echo "run.sh: no server binary at $BIN (build it first, e.g. make build)" >&2
    exit 2
  fi
}

header() { printf '\n==== %s ====\n' "$*"; }

# venv_ready VENV REQUIREMENTS WHAT: a venv at VENV with exactly REQUIREMENTS installed.
venv_ready() {
  local venv="$1" req="$2" what="$3"
  local stamp="$venv/.requirements-stamp" want started
  want="$({ sha256sum "$req" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; } | tr '\n' ' ')"
  if [ ! -x "$venv/bin/python" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    header "installing $what into $venv"
    started=$SECONDS
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    printf '%s' "$want" >"$stamp"
    echo "installed in $((SECONDS - started)) s"
  fi
}

WORK=""
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}

server_log_tail() { echo "--- last lines of the server log:"; tail -n 20 "$WORK/server.log" || true; }

server_running() { kill -0 "$SERVER_PID" 2>/dev/null; }

# start_server NAME [VAR=VALUE ...]: starts "$BIN serve" on a free port over a fresh data
# directory publishing ./datasets (more environment as arguments), and waits for /healthz.
# Sets WORK (a scratch directory, removed on exit; the log is $WORK/server.log), SERVER_PID and
# BASE. Exits 2 when the server does not come up.
start_server() {
  local name="$1" port started
  shift
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/datahamn-$name.XXXXXX")"
  trap stop_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # Never send the loopback traffic through a proxy from the environment.
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
  export no_proxy="$NO_PROXY"
  port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  BASE="http://127.0.0.1:$port"
  mkdir "$WORK/data"
  header "starting $BIN on $BASE"
  env DATAHAMN_DATA_DIR="$WORK/data" DATAHAMN_LISTEN="127.0.0.1:$port" DATAHAMN_BASE_URL="$BASE" \
    DATAHAMN_DATASETS_DIR=datasets DATAHAMN_RATE_LIMIT=0 "$@" \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  started=$SECONDS
  if ! "$PYTHON" - "$BASE/healthz" "$SERVER_PID" <<'PYEOF'
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
}
