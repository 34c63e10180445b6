#!/usr/bin/env bash
# The SPARQL engines the store contract runs against (tests/store/): oxigraph's server from
# PyPI, in .venv-remote (refreshed only when the pin changes), and Virtuoso Open Source from
# Debian (only its server binaries, package virtuoso-opensource-7-bin), installed when missing
# and this runs as root.
#
#   bash tests/remote/setup.sh     # both; prints what DATAHAMN_TEST_BACKENDS can name
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv-remote"
# The same version as the crate's oxigraph, so both legs run one engine.
OXIGRAPH_PIN="oxigraph==0.5.13"

stamp="$VENV/.remote-stamp"
want="$OXIGRAPH_PIN $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
if [ ! -x "$VENV/bin/oxigraph" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  started=$SECONDS
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$OXIGRAPH_PIN"
  printf '%s' "$want" >"$stamp"
  echo "setup.sh: oxigraph server installed into $VENV in $((SECONDS - started)) s"
fi
backends="oxigraph"

if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    bash "$HERE/virtuoso.sh" install
  else
    echo "setup.sh: Virtuoso is not installed and this is not root; install Debian's virtuoso-opensource-7-bin for its leg" >&2
  fi
fi
if command -v virtuoso-t >/dev/null 2>&1; then
  backends="$backends,virtuoso"
fi
echo "setup.sh: engines ready: $backends"
