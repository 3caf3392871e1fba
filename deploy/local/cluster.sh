#!/usr/bin/env bash
# A real Connects cluster on this machine's loopback: PostgreSQL from the system binaries, the
# project's schema, N silo processes and the API as an Orleans client.
#
#   deploy/local/cluster.sh up [N]       start PostgreSQL, migrate, N silos (default 3) and the API
#   deploy/local/cluster.sh add-silo     start one more silo
#   deploy/local/cluster.sh stop-silo I  stop silo I gracefully (SIGTERM: it leaves the cluster, hands its grains over)
#   deploy/local/cluster.sh kill-silo I  kill silo I without warning (SIGKILL)
#   deploy/local/cluster.sh start-silo I start silo I again
#   deploy/local/cluster.sh status       every silo that ever ran here (stopped and killed ones too): name, PID, process,
#                                        readiness, membership state in words, HTTP and dashboard URLs; then the API
#                                        and the membership table
#   deploy/local/cluster.sh audit        run the audit (exit 3 on findings); the silos then publish its result on /metrics
#   deploy/local/cluster.sh down [--purge]  stop everything (--purge also deletes the data)
#   deploy/local/cluster.sh migrate      apply the schema (a no-op when it is current)
#   deploy/local/cluster.sh pg-up | pg-down   only PostgreSQL
#
# Settings (environment): CONNECTS_RUN_DIR (default deploy/local/.run: data, logs/, pids/),
# PG_PORT (55432), API_PORT (5080), SILO_PORT_BASE (11110), GATEWAY_PORT_BASE (30000),
# HTTP_PORT_BASE (8100): silo I listens on SILO_PORT_BASE+I, GATEWAY_PORT_BASE+I and HTTP_PORT_BASE+I.
# CONFIGURATION (Release), SANDBOX (false): expose the sandbox clock on the API and follow it in the silos,
# API_ENVIRONMENT and SILO_ENVIRONMENT (both Development: no token is needed unless Authentication__Schemes__Bearer__*
# is set; in any other environment every process refuses to start without it, and Production refuses SANDBOX=true).
# PG_OPTIONS: more PostgreSQL server settings for pg-up, as `-c name=value ...` (default none: PostgreSQL's defaults,
# shared_buffers 128MB among them).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${CONNECTS_RUN_DIR:-$root/deploy/local/.run}"
pg_port="${PG_PORT:-55432}"
api_port="${API_PORT:-5080}"
silo_base="${SILO_PORT_BASE:-11110}"
gateway_base="${GATEWAY_PORT_BASE:-30000}"
http_base="${HTTP_PORT_BASE:-8100}"
configuration="${CONFIGURATION:-Release}"
api_environment="${API_ENVIRONMENT:-Development}"
silo_environment="${SILO_ENVIRONMENT:-$api_environment}"
sandbox="${SANDBOX:-false}"
database="connects"
logs="$run/logs"
pids="$run/pids"
# The last PID of every silo that ever ran (pids/ only holds the running ones): what `status` lists.
ran="$run/ran"
mkdir -p "$logs" "$pids" "$ran"

say() { echo "cluster: $*"; }
die() { echo "cluster: $*" >&2; exit 1; }

pg_bin() {
  local bin=""
  command -v pg_config >/dev/null 2>&1 && bin="$(pg_config --bindir)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || ! command -v psql >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL's server binaries are not installed (apt-get install postgresql)"
    say "installing PostgreSQL from Debian's packages" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin="$(pg_config --bindir)"
  fi
  echo "$bin"
}

# PostgreSQL refuses to run as root: as root, run it as the postgres user in folders that user owns.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

connection_string() { echo "Host=127.0.0.1;Port=$pg_port;Database=$database;Username=postgres;Pooling=true;Maximum Pool Size=50"; }

pg_up() {
  local bin data="$run/pg/data" sock="$run/pg/socket"
  bin="$(pg_bin)"
  mkdir -p "$run/pg" "$sock"
  [ "$(id -u)" -eq 0 ] && chown -R postgres "$run/pg"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initdb $data"
    as_pg "$bin/initdb" -D "$data" --auth=trust -U postgres -E UTF8 >"$logs/initdb.log"
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "PostgreSQL already running on 127.0.0.1:$pg_port"
  else
    as_pg "$bin/pg_ctl" -D "$data" -l "$run/pg/server.log" -w -t 60 \
      -o "-p $pg_port -k $sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on -c shared_preload_libraries=pg_stat_statements ${PG_OPTIONS:-}" start >/dev/null
    say "PostgreSQL on 127.0.0.1:$pg_port"
  fi
}

pg_down() {
  local bin data="$run/pg/data"
  bin="$(pg_bin)"
  if [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    say "PostgreSQL stopped"
  fi
}

dll() {
  local path="$root/src/$1/bin/$configuration/net10.0/Connects.$1.dll"
  [ -f "$path" ] || die "$path is missing: run 'dotnet build Connects.Orleans.sln -c $configuration' first"
  echo "$path"
}

common_env() {
  export Connects__Storage__Provider=postgresql
  Connects__Storage__ConnectionString="$(connection_string)"
  export Connects__Storage__ConnectionString
  export Connects__Storage__MigrateOnStart=false
  export Connects__Silo__Clustering=adonet
  export Connects__Silo__ClusterId=local
  export Connects__Silo__ServiceId=connects
  export Connects__Silo__AdvertisedAddress=127.0.0.1
  export Connects__Sandbox__Enabled="$sandbox"
}

alive() { [ -f "$pids/$1.pid" ] && kill -0 "$(cat "$pids/$1.pid")" 2>/dev/null; }

wait_ready() {
  local name="$1" url="$2" deadline=$((SECONDS + 120))
  until curl -fsS -m 5 "$url/health/ready" >/dev/null 2>&1; do
    alive "$name" || die "$name exited while starting: see $logs/$name.log"
    [ $SECONDS -lt $deadline ] || die "$name not ready after 120 s: see $logs/$name.log"
    sleep 0.5
  done
}

migrate() {
  local out
  out="$( common_env; dotnet "$(dll Silo)" migrate 2>&1 )" || { echo "$out" >>"$logs/migrate.log"; die "migration failed: see $logs/migrate.log"; }
  echo "$out" >>"$logs/migrate.log"
  say "$out"
}

start_silo() {
  local i="$1" name="silo$1"
  alive "$name" && { say "$name already running"; return; }
  (
    common_env
    export Connects__Silo__SiloPort=$((silo_base + i)) Connects__Silo__GatewayPort=$((gateway_base + i))
    export Urls="http://127.0.0.1:$((http_base + i))" ASPNETCORE_ENVIRONMENT="$silo_environment"
    exec dotnet "$(dll Silo)" >>"$logs/$name.log" 2>&1
  ) &
  echo $! >"$pids/$name.pid"
  echo $! >"$ran/$name.pid"
  wait_ready "$name" "http://127.0.0.1:$((http_base + i))"
  say "$name up (silo $((silo_base + i)), gateway $((gateway_base + i)), http://127.0.0.1:$((http_base + i)))"
}

start_api() {
  alive api && { say "api already running"; return; }
  (
    common_env
    export Connects__Api__Mode=client Urls="http://127.0.0.1:$api_port"
    # Development: no token needed on this loopback cluster unless Authentication__Schemes__Bearer__* is set.
    export ASPNETCORE_ENVIRONMENT="$api_environment"
    exec dotnet "$(dll Api)" >>"$logs/api.log" 2>&1
  ) &
  echo $! >"$pids/api.pid"
  wait_ready api "http://127.0.0.1:$api_port"
  say "api up on http://127.0.0.1:$api_port"
}

stop_process() {
  local name="$1" signal="$2"
  alive "$name" || { say "$name is not running"; rm -f "$pids/$name.pid"; return; }
  local pid; pid="$(cat "$pids/$name.pid")"
  kill "-$signal" "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$pids/$name.pid"
  say "$name stopped ($signal)"
}

silo_numbers() { find "$pids" -name 'silo*.pid' -printf '%f\n' 2>/dev/null | sed 's/silo\([0-9]*\)\.pid/\1/' | sort -n; }

next_silo() {
  local n=0 i
  for i in $(silo_numbers); do [ "$i" -gt "$n" ] && n="$i"; done
  # Numbers of silos that ran before (logs) are not reused: a fresh number is a fresh incarnation.
  for f in "$logs"/silo*.log; do [ -f "$f" ] || continue; i="${f##*/silo}"; i="${i%.log}"; [ "$i" -gt "$n" ] && n="$i"; done
  echo $((n + 1))
}

# Orleans' SiloStatus (Orleans.Runtime): the numbers the membership table stores.
membership_word() {
  case "$1" in
    0) echo None ;; 1) echo Created ;; 2) echo Joining ;; 3) echo Active ;;
    4) echo ShuttingDown ;; 5) echo Stopping ;; 6) echo Dead ;; "") echo "not in the table" ;; *) echo "unknown ($1)" ;;
  esac
}

membership_rows() {
  command -v psql >/dev/null 2>&1 || return 1
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -d "$database" -At -F ' ' \
    -c "SELECT port, generation, status, address FROM orleansmembershiptable WHERE deploymentid = 'local' ORDER BY port, generation" 2>/dev/null
}

status() {
  local name url code i pid process ready state rows="" reachable=yes
  rows="$(membership_rows)" || reachable=no
  # Every silo that ever ran: its last PID in ran/, or for a run dir from before ran/ existed, its log.
  local numbers
  numbers="$( { find "$ran" -name 'silo*.pid' -printf '%f\n' 2>/dev/null | sed 's/silo\([0-9]*\)\.pid/\1/'
                find "$logs" -name 'silo*.log' -printf '%f\n' 2>/dev/null | sed 's/silo\([0-9]*\)\.log/\1/'
                silo_numbers; } | sort -nu)"
  for i in $numbers; do
    name="silo$i"
    url="http://127.0.0.1:$((http_base + i))"
    pid="$(cat "$pids/$name.pid" 2>/dev/null || cat "$ran/$name.pid" 2>/dev/null || echo '?')"
    if alive "$name"; then
      code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url/health/ready" || true)"
      process="running"; ready="ready=$([ "$code" = 200 ] && echo yes || echo "no ($code)")"
    else
      process="not running"; ready="ready=no"
    fi
    if [ "$reachable" = yes ]; then
      # The newest incarnation (generation) on this silo's port.
      state="$(membership_word "$(echo "$rows" | awk -v port=$((silo_base + i)) '$1 == port { s = $3 } END { print s }')")"
    else
      state="unknown (database not reachable)"
    fi
    echo "$name pid $pid $process, $ready, membership $state, $url dashboard $url/dashboard"
  done
  if alive api; then
    url="http://127.0.0.1:$api_port"
    code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url/health/ready" || true)"
    echo "api pid $(cat "$pids/api.pid") running, ready=$([ "$code" = 200 ] && echo yes || echo "no ($code)") $url dashboard $url/dashboard"
  elif [ -f "$logs/api.log" ]; then
    echo "api not running"
  fi
  if [ "$reachable" = yes ]; then
    echo "membership table (every incarnation):"
    echo "$rows" | while read -r port generation code address; do
      [ -n "$port" ] && echo "  $address:$port gen $generation $(membership_word "$code") ($code)"
    done
  else
    echo "(database not reachable)"
  fi
}

audit() {
  local status=0
  ( common_env; exec dotnet "$(dll Silo)" audit ) >"$logs/audit.json" 2>>"$logs/audit.log" || status=$?
  cat "$logs/audit.json"
  [ "$status" -eq 0 ] && say "audit clean" || say "audit exited $status (3: findings)"
  return "$status"
}

command="${1:-}"
shift || true
case "$command" in
  pg-up) pg_up ;;
  pg-down) pg_down ;;
  migrate) migrate ;;
  up)
    count="${1:-3}"
    pg_up
    as_pg psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
      || as_pg psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE $database" >/dev/null
    migrate
    for i in $(seq 1 "$count"); do start_silo "$i"; done
    start_api
    say "cluster up: $count silos, API on http://127.0.0.1:$api_port (logs in $logs)"
    ;;
  add-silo) start_silo "$(next_silo)" ;;
  start-silo) start_silo "${1:?silo number}" ;;
  stop-silo) stop_process "silo${1:?silo number}" TERM ;;
  kill-silo) stop_process "silo${1:?silo number}" KILL ;;
  status) status ;;
  audit) audit ;;
  down)
    stop_process api TERM
    for i in $(silo_numbers); do stop_process "silo$i" TERM; done
    pg_down
    if [ "${1:-}" = "--purge" ]; then rm -rf "$run"; say "removed $run"; fi
    ;;
  *) sed -n '2,24p' "$0"; exit 2 ;;
esac
