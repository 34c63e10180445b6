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

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_settings .venv-clients
for tool in ogrinfo ogr2ogr; do
  if ! command -v "$tool" >/dev/null; then
    echo "run.sh: $tool is missing (apt-get install gdal-bin)" >&2
    exit 2
  fi
done

venv_ready "$VENV" "$HERE/requirements.txt" "the client libraries"
PY="$VENV/bin/python"

# DATAHAMN_LOG=info: one access-log line per request, which the tests count.
start_server clients DATAHAMN_LOG=info
echo "$(ogrinfo --version); $("$PY" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("OWSLib", "SPARQLWrapper", "rdflib", "requests")))')"

# --- The suite ---
header "client tests against $BASE"
status=0
# -p no:cacheprovider: nothing written into the work tree; -rfEs: a line per failure, error, skip;
# -s: each client's time and request count are printed.
(cd "$HERE" && DATAHAMN_BASE="$BASE" DATAHAMN_SERVER_LOG="$WORK/server.log" \
  "$PY" -m pytest -p no:cacheprovider -q -s -rfEs --tb=short "$@" .) || status=$?

if ! server_running; then
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
