#!/usr/bin/env bash
# virtuoso.sh — start/stop a throw-away Virtuoso Open Source 7.2 instance for
# the remote-store tests (SPARQL 1.1 Protocol + Graph Store HTTP Protocol).
#
# Usage:
#   virtuoso.sh start DIR HTTP_PORT SQL_PORT
#   virtuoso.sh stop  DIR
#   virtuoso.sh status DIR
#   virtuoso.sh install        # apt-get the server if virtuoso-t is missing
#
# install: `apt-get install --no-install-recommends virtuoso-opensource-7-bin`
#   (virtuoso-t + isql-vt only: no system service, no debconf prompt, ~4 MB).
#   Runs `apt-get update` first only if the plain install fails.
#
# start:
#   * wipes any previous database in DIR (stopping an instance still running
#     there first), writes DIR/virtuoso.ini with every path inside DIR,
#     SQL listener 127.0.0.1:SQL_PORT, HTTP listener 127.0.0.1:HTTP_PORT,
#     small buffers, and no silent result truncation ([SPARQL]
#     ResultSetMaxRows huge, MaxQueryExecutionTime/CostEstimation off);
#   * runs `virtuoso-t +foreground` in the background (own session, pid in
#     DIR/virtuoso.pid, output in DIR/virtuoso.out, server log DIR/virtuoso.log);
#   * waits (bounded by VIRTUOSO_START_TIMEOUT, default 60 s) until
#     http://127.0.0.1:HTTP_PORT/sparql answers an ASK query;
#   * sets the `dba` password to $VIRTUOSO_PASSWORD (default datahamn-test)
#     with isql-vt and checks that
#       - anonymous queries work at  http://127.0.0.1:HTTP_PORT/sparql
#       - updates work with HTTP Digest auth (user dba) at /sparql-auth
#       - the Graph Store Protocol works with Digest auth at
#         /sparql-graph-crud-auth?graph-uri=...
#   * writes DIR/endpoints.env (shell-sourceable) with the URLs and credentials
#     and prints it together with the pid and timings.
# stop: `isql-vt -K` (clean shutdown with checkpoint); if the recorded pid is
#   still alive after 5 s, SIGTERM (VIRTUOSO_STOP_TIMEOUT, default 30 s), then
#   SIGKILL. A no-op if nothing runs.
#
# Needs: Debian package virtuoso-opensource-7-bin (virtuoso-t, isql-vt) —
#   installing `virtuoso-opensource` pulls it in too — plus curl.
#   No system service is used; each test run owns its instance.
set -euo pipefail

VIRTUOSO_BIN=${VIRTUOSO_BIN:-virtuoso-t}
ISQL_BIN=${ISQL_BIN:-isql-vt}
PASSWORD=${VIRTUOSO_PASSWORD:-datahamn-test}
START_TIMEOUT=${VIRTUOSO_START_TIMEOUT:-60}
STOP_TIMEOUT=${VIRTUOSO_STOP_TIMEOUT:-30}

die() { echo "virtuoso.sh: $*" >&2; exit 1; }
log() { echo "virtuoso.sh: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

usage() {
  sed -n '2,10p' "$0" >&2
  exit 2
}

do_install() {
  if command -v "$VIRTUOSO_BIN" >/dev/null && command -v "$ISQL_BIN" >/dev/null &&
    command -v curl >/dev/null; then
    echo "virtuoso already installed: $(command -v "$VIRTUOSO_BIN")"
    return 0
  fi
  local t0 pkgs="virtuoso-opensource-7-bin curl"
  t0=$(now)
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if ! apt-get install -y -q --no-install-recommends $pkgs >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $pkgs >/dev/null
  fi
  echo "installed $pkgs in $(since "$t0")s"
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# True if pid $1 is alive *and* is the virtuoso-t we started for DIR $2
# (guards against a stale pid file whose pid was reused by another process).
pid_ours() {
  pid_alive "$1" || return 1
  [ -r "/proc/$1/cmdline" ] || return 0
  tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2/virtuoso.ini"
}

read_pid() {
  local dir=$1
  if [ -f "$dir/virtuoso.pid" ]; then cat "$dir/virtuoso.pid"; fi
}

ini_get() { # ini_get FILE SECTION KEY — tiny reader for our own generated ini
  awk -F'=' -v sec="[$2]" -v key="$3" '
    /^\[/ { in_sec = ($0 == sec); next }
    in_sec { k = $1; gsub(/[ \t]/, "", k); if (k == key) { v = $2; sub(/;.*/, "", v); gsub(/[ \t]/, "", v); print v; exit } }
  ' "$1"
}

port_in_use() { # true if something accepts connections on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

check_port() {
  case $1 in ''|*[!0-9]*) die "port '$1' is not a number";; esac
  if [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then die "port $1 out of range"; fi
}

isql() { # isql SQL_PORT PASSWORD 'SQL;' — prints output, fails on any error.
  # isql-vt exits 0 even when a statement fails (only a bad login gives
  # non-zero), so also look for its "*** Error" marker.
  local out rc=0
  out=$("$ISQL_BIN" "127.0.0.1:$1" dba "$2" "exec=$3" 2>&1) || rc=$?
  printf '%s\n' "$out"
  [ $rc -eq 0 ] && ! grep -q '^\*\*\* Error' <<<"$out"
}

do_stop() {
  local dir=$1 t0 pid sql_port="" pw
  t0=$(now)
  pid=$(read_pid "$dir")
  if ! pid_ours "$pid" "$dir"; then
    rm -f "$dir/virtuoso.pid"
    log "no running instance in $dir"
    return 0
  fi
  if [ -f "$dir/virtuoso.ini" ]; then
    sql_port=$(ini_get "$dir/virtuoso.ini" Parameters ServerPort)
    sql_port=${sql_port##*:}
  fi
  pw=$PASSWORD
  if [ -f "$dir/endpoints.env" ]; then
    pw=$(sed -n 's/^VIRTUOSO_PASSWORD=//p' "$dir/endpoints.env" | tr -d "'")
  fi
  if [ -n "$sql_port" ]; then
    # -K = shutdown (checkpoint + exit). Try the configured password, then the
    # factory default in case start failed before the password was changed.
    "$ISQL_BIN" "127.0.0.1:$sql_port" dba "$pw" -K >/dev/null 2>&1 ||
      "$ISQL_BIN" "127.0.0.1:$sql_port" dba dba -K >/dev/null 2>&1 || true
  fi
  # isql -K normally ends the server within ~2 s. If it did not (e.g. the
  # server is still starting up and refuses logins), SIGTERM also makes
  # virtuoso-t do a quick clean shutdown; SIGKILL is the last resort.
  local deadline=$((SECONDS + 5))
  while pid_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  if pid_alive "$pid"; then
    log "pid $pid still alive, sending SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while pid_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if pid_alive "$pid"; then
      log "pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$dir/virtuoso.pid"
  echo "virtuoso stopped (pid $pid) in $(since "$t0")s"
}

do_start() {
  local dir=$1 http_port=$2 sql_port=$3
  check_port "$http_port"
  check_port "$sql_port"
  [ "$http_port" != "$sql_port" ] || die "HTTP_PORT and SQL_PORT must differ"
  command -v "$VIRTUOSO_BIN" >/dev/null ||
    die "$VIRTUOSO_BIN not found (apt-get install virtuoso-opensource-7-bin)"
  command -v "$ISQL_BIN" >/dev/null || die "$ISQL_BIN not found"
  command -v curl >/dev/null || die "curl not found"
  case $PASSWORD in *[!A-Za-z0-9_.-]*|'') die "VIRTUOSO_PASSWORD must match [A-Za-z0-9_.-]+";; esac

  local t0 t1
  t0=$(now)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)

  # Idempotent: stop whatever we started here before, then start from scratch.
  do_stop "$dir" >/dev/null 2>&1
  port_in_use "$http_port" && die "127.0.0.1:$http_port is already in use"
  port_in_use "$sql_port" && die "127.0.0.1:$sql_port is already in use"
  rm -f "$dir"/virtuoso.db "$dir"/virtuoso.trx "$dir"/virtuoso.log \
    "$dir"/virtuoso.lck "$dir"/virtuoso.pxa "$dir"/virtuoso-temp.db \
    "$dir"/virtuoso-temp.trx "$dir"/virtuoso.out "$dir"/endpoints.env
  mkdir -p "$dir/vsp"

  cat >"$dir/virtuoso.ini" <<EOF
; Generated by tests/remote/virtuoso.sh — throw-away test instance.
[Database]
DatabaseFile         = $dir/virtuoso.db
ErrorLogFile         = $dir/virtuoso.log
LockFile             = $dir/virtuoso.lck
TransactionFile      = $dir/virtuoso.trx
xa_persistent_file   = $dir/virtuoso.pxa
ErrorLogLevel        = 7
FileExtend           = 200
MaxCheckpointRemap   = 2000
Striping             = 0
TempStorage          = TempDatabase

[TempDatabase]
DatabaseFile         = $dir/virtuoso-temp.db
TransactionFile      = $dir/virtuoso-temp.trx
MaxCheckpointRemap   = 2000
Striping             = 0

[Parameters]
ServerPort           = 127.0.0.1:$sql_port
LiteMode             = 0
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
O_DIRECT             = 0
CaseMode             = 2
MaxStaticCursorRows  = 5000
CheckpointAuditTrail = 0
AllowOSCalls         = 0
SchedulerInterval    = 10
DirsAllowed          = ., $dir
ThreadCleanupInterval = 0
ThreadThreshold      = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize    = 100000
SingleCPU            = 0
PrefixResultNames    = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps        = 64
MaxMemPoolSize       = 200000000
MaxQueryMem          = 1G
VectorSize           = 1000
MaxVectorSize        = 1000000
AdjustVectorSize     = 0
ThreadsPerQuery      = 2
AsyncQueueMaxThreads = 4
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
; ORDER BY + LIMIT/OFFSET windows larger than this fail (default 10000)
MaxSortedTopRows     = 10000000

[HTTPServer]
ServerPort           = 127.0.0.1:$http_port
ServerRoot           = $dir/vsp
MaxClientConnections = 10
DavRoot              = DAV
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0
TempASPXDir          = 0
DefaultMailServer    = localhost:25
ServerThreads        = 10
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize       = 280000
HttpPrintWarningsInOutput = 0
Charset              = UTF-8
EnabledGzipContent   = 0

[AutoRepair]
BadParentLinks       = 0

[Client]
SQL_PREFETCH_ROWS    = 100
SQL_PREFETCH_BYTES   = 16000
SQL_QUERY_TIMEOUT    = 0
SQL_TXN_TIMEOUT      = 0

[VDB]
ArrayOptimization    = 0
NumArrayParameters   = 10
VDBDisconnectTimeout = 1000
KeepConnectionOnFixedThread = 0

[Replication]
ServerName           = db
ServerEnable         = 1
QueueMax             = 50000

[URIQA]
DynamicLocal         = 0
DefaultHost          = 127.0.0.1:$http_port

[SPARQL]
; Default Debian ini caps every result at 10000 rows *silently* (HTTP 200,
; truncated body). Make the cap far larger than any test data set.
ResultSetMaxRows           = 1000000000
; 0 = no limit. Otherwise long queries come back as HTTP 200 with partial
; (often empty) results and an X-SQL-State: S1TAT header ("Anytime query").
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
DefaultQuery               = SELECT * WHERE { ?s ?p ?o } LIMIT 10
DeferInferenceRulesInit    = 0
EOF

  local pid
  # +foreground keeps virtuoso-t as our direct child so its pid is known;
  # setsid detaches it from the caller's terminal/process group.
  setsid "$VIRTUOSO_BIN" +foreground +configfile "$dir/virtuoso.ini" \
    >"$dir/virtuoso.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/virtuoso.pid"
  log "started virtuoso-t pid $pid, waiting for http://127.0.0.1:$http_port/sparql"

  local deadline=$((SECONDS + START_TIMEOUT)) code=000
  while :; do
    if ! pid_alive "$pid"; then
      tail -n 30 "$dir/virtuoso.log" "$dir/virtuoso.out" >&2 2>/dev/null || true
      rm -f "$dir/virtuoso.pid"
      die "virtuoso-t exited during startup"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
      -H 'Accept: application/sparql-results+json' \
      --data-urlencode 'query=ASK {}' "http://127.0.0.1:$http_port/sparql" || true)
    [ "$code" = 200 ] && break
    if [ $SECONDS -ge $deadline ]; then
      tail -n 30 "$dir/virtuoso.log" >&2 2>/dev/null || true
      do_stop "$dir" >&2 || true
      die "HTTP endpoint not ready after ${START_TIMEOUT}s (last status $code)"
    fi
    sleep 0.3
  done
  t1=$(now)
  log "SPARQL endpoint answers after $(since "$t0")s"

  # Change the factory dba password (dba/dba). USER_SET_PASSWORD also covers
  # HTTP Digest auth on /sparql-auth and /sparql-graph-crud-auth.
  # dba already has SPARQL_UPDATE; nothing else needs granting.
  local out
  if ! out=$(isql "$sql_port" dba "USER_SET_PASSWORD('dba', '$PASSWORD'); checkpoint;"); then
    # Maybe a DB left over that already has the password (should not happen: we wipe).
    out=$(isql "$sql_port" "$PASSWORD" "checkpoint;") ||
      { echo "$out" >&2; do_stop "$dir" >&2 || true; die "could not set dba password via $ISQL_BIN"; }
  fi

  local base="http://127.0.0.1:$http_port" g="urn:datahamn:virtuoso-sh:selftest"
  # Self-test: anonymous query, digest update, digest GSP, then clean up.
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 1' \
    -H 'Accept: application/sparql-results+json' "$base/sparql")
  [ "$code" = 200 ] || { do_stop "$dir" >&2 || true; die "anonymous query failed: HTTP $code"; }
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --digest -u "dba:$PASSWORD" \
    -H 'Content-Type: application/sparql-update' \
    --data-binary "INSERT DATA { GRAPH <$g> { <urn:s> <urn:p> \"o\" } }" "$base/sparql-auth")
  [ "$code" = 200 ] || { do_stop "$dir" >&2 || true; die "digest update on /sparql-auth failed: HTTP $code"; }
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --digest -u "dba:$PASSWORD" \
    -H 'Accept: application/n-triples' -G --data-urlencode "graph-uri=$g" "$base/sparql-graph-crud-auth")
  [ "$code" = 200 ] || { do_stop "$dir" >&2 || true; die "GSP GET on /sparql-graph-crud-auth failed: HTTP $code"; }
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --digest -u "dba:$PASSWORD" \
    -X DELETE -G --data-urlencode "graph-uri=$g" "$base/sparql-graph-crud-auth")
  case $code in 200|204) ;; *) do_stop "$dir" >&2 || true; die "GSP DELETE failed: HTTP $code";; esac

  cat >"$dir/endpoints.env" <<EOF
VIRTUOSO_PID=$pid
VIRTUOSO_QUERY_URL=$base/sparql
VIRTUOSO_UPDATE_URL=$base/sparql-auth
VIRTUOSO_GSP_URL=$base/sparql-graph-crud-auth
VIRTUOSO_USER=dba
VIRTUOSO_PASSWORD='$PASSWORD'
VIRTUOSO_SQL_PORT=$sql_port
EOF
  cat "$dir/endpoints.env"
  echo "virtuoso ready: pid $pid, http $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')s, total $(since "$t0")s"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
  start)
    [ $# -eq 3 ] || usage
    do_start "$1" "$2" "$3"
    ;;
  stop)
    [ $# -eq 1 ] || usage
    [ -d "$1" ] || { log "no such directory $1"; exit 0; }
    do_stop "$(cd "$1" && pwd)"
    ;;
  status)
    [ $# -eq 1 ] || usage
    [ -d "$1" ] || { echo "not running"; exit 1; }
    dir=$(cd "$1" && pwd)
    pid=$(read_pid "$dir")
    if pid_ours "$pid" "$dir"; then echo "running (pid $pid)"; else echo "not running"; exit 1; fi
    ;;
  install)
    [ $# -eq 0 ] || usage
    do_install
    ;;
  *) usage ;;
esac
