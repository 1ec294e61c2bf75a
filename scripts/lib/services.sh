# shellcheck shell=bash
# Helpers for scripts/test and .ci/run: make sure Bun, Postgres and Redis are there.
# Source this file; every function returns non-zero with a message instead of exiting,
# so the caller decides what a failure means.
#
#   ensure_bun        Bun on PATH (npm package bun@$INFERPORT_BUN_VERSION when missing).
#   ensure_postgres   Postgres answering on 127.0.0.1:$INFERPORT_TEST_PG_PORT (5432) with
#                     passwordless user postgres and database $INFERPORT_TEST_PG_DB (test).
#   ensure_redis      Redis answering PING on 127.0.0.1:$INFERPORT_TEST_REDIS_PORT (6379).
#   stop_started_services   Stops only what the two functions above started.
#
# A server that already listens on the port is used as it is. Otherwise one is started;
# a throwaway Postgres lives in a temp dir printed on start and is left running so the
# next test run reuses it.

INFERPORT_TEST_PG_PORT="${INFERPORT_TEST_PG_PORT:-5432}"
INFERPORT_TEST_PG_DB="${INFERPORT_TEST_PG_DB:-test}"
INFERPORT_TEST_REDIS_PORT="${INFERPORT_TEST_REDIS_PORT:-6379}"
INFERPORT_SERVICE_WAIT_SECONDS="${INFERPORT_SERVICE_WAIT_SECONDS:-30}"
# The Bun that ensure_bun installs when none is on PATH; keep it in step with the
# bun-types version in package.json.
INFERPORT_BUN_VERSION="${INFERPORT_BUN_VERSION:-1.4.5}"

# What this shell started, for stop_started_services.
_SVC_STARTED_PG_DIR=""
_SVC_STARTED_PG_CLUSTER=""
_SVC_STARTED_REDIS_DIR=""
_SVC_APT_UPDATED=""

_svc_log() { printf '[services] %s\n' "$*" >&2; }
_svc_error() { printf '[services] ERROR: %s\n' "$*" >&2; return 1; }

# Runs a command as root: directly when we are root, else through sudo.
_svc_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else _svc_error "need root (or sudo) to run: $*"
  fi
}

# Installs Debian packages, running apt-get update once per shell.
svc_apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    { _svc_error "apt-get not found; install these packages by hand: $*"; return 1; }
  if [ -z "$_SVC_APT_UPDATED" ]; then
    _svc_log "apt-get update"
    _svc_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    _SVC_APT_UPDATED=1
  fi
  _svc_log "apt-get install $*"
  _svc_as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

ensure_bun() {
  command -v bun >/dev/null 2>&1 && return 0
  if ! command -v npm >/dev/null 2>&1; then
    svc_apt_install nodejs npm || return 1
  fi
  _svc_log "installing Bun $INFERPORT_BUN_VERSION from the npm package 'bun'"
  npm install -g "bun@$INFERPORT_BUN_VERSION" </dev/null ||
    { _svc_error "npm install -g bun@$INFERPORT_BUN_VERSION failed"; return 1; }
  # The global bin dir is not always on PATH (a user prefix, for instance).
  PATH="$(npm prefix -g)/bin:$PATH"
  export PATH
  command -v bun >/dev/null 2>&1 || { _svc_error "bun still not on PATH after npm install -g bun"; return 1; }
}

# True when something accepts TCP connections on 127.0.0.1:$1. A closed loopback port
# refuses at once, so this needs no timeout.
svc_port_open() {
  (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Polls "$@" once a second until it succeeds or INFERPORT_SERVICE_WAIT_SECONDS pass.
_svc_wait_for() {
  local deadline=$((SECONDS + INFERPORT_SERVICE_WAIT_SECONDS))
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 1
  done
}

# ---------------------------------------------------------------- Redis

# Prints Redis's first reply line to PING on 127.0.0.1:$1 (normally +PONG).
_svc_redis_ping_reply() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 3 reply <&3 || exit 1
    printf '%s\n' "${reply%$'\r'}"
  ) 2>/dev/null
}

_svc_redis_answers() {
  [ "$(_svc_redis_ping_reply "$1")" = "+PONG" ]
}

ensure_redis() {
  local port="$INFERPORT_TEST_REDIS_PORT" reply dir
  if svc_port_open "$port"; then
    _svc_wait_for _svc_redis_answers "$port" && return 0
    reply="$(_svc_redis_ping_reply "$port")"
    _svc_error "something listens on 127.0.0.1:$port but does not answer PING with +PONG" \
      "(reply: '${reply:-none}'); if it needs a password, set INFERPORT_TEST_REDIS_URL"
    return 1
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    svc_apt_install redis-server || return 1
    # The package may have started its own server on the default port.
    if svc_port_open "$port" && _svc_wait_for _svc_redis_answers "$port"; then return 0; fi
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/inferport-redis.XXXXXX")" || return 1
  _svc_log "starting redis-server on 127.0.0.1:$port (dir $dir)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" </dev/null ||
    { _svc_error "redis-server failed to start; see $dir/redis.log"; return 1; }
  _SVC_STARTED_REDIS_DIR="$dir"
  _svc_wait_for _svc_redis_answers "$port" ||
    { _svc_error "redis-server on port $port did not answer within ${INFERPORT_SERVICE_WAIT_SECONDS}s; see $dir/redis.log"; return 1; }
}

# ---------------------------------------------------------------- Postgres

# Directory holding initdb and pg_ctl: PATH first, then the newest Debian install.
_svc_pg_bindir() {
  local initdb dir
  if initdb="$(command -v initdb)" && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$initdb")"
    return 0
  fi
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

_svc_psql() {
  local bindir
  if command -v psql >/dev/null 2>&1; then psql "$@"; return; fi
  bindir="$(_svc_pg_bindir)" && [ -x "$bindir/psql" ] && { "$bindir/psql" "$@"; return; }
  _svc_error "psql not found"
}

# Runs one SQL command as user postgres over TCP, with no password.
_svc_pg_sql() {
  PGCONNECT_TIMEOUT=5 _svc_psql -X -w -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
    -p "$INFERPORT_TEST_PG_PORT" -U postgres -d postgres -tAc "$1" </dev/null
}

_svc_pg_answers() { _svc_pg_sql 'select 1' >/dev/null 2>&1; }

# Runs a command as the postgres OS user (initdb refuses to run as root).
_svc_as_postgres() {
  if [ "$(id -u)" -ne 0 ]; then "$@"
  elif command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"
  else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  fi
}

# Starts the Debian cluster named main that is set to our port, if there is one.
_svc_pg_start_debian_cluster() {
  local version
  command -v pg_lsclusters >/dev/null 2>&1 && command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  version="$(pg_lsclusters -h 2>/dev/null |
    awk -v port="$INFERPORT_TEST_PG_PORT" '$2 == "main" && $3 == port { print $1; exit }')"
  [ -n "$version" ] || return 1
  _svc_log "starting Debian cluster $version/main (pg_ctlcluster)"
  _svc_as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start </dev/null || return 1
  _SVC_STARTED_PG_CLUSTER="$version"
}

# Creates a throwaway cluster in a temp dir: trust auth, 127.0.0.1 only, fsync off.
_svc_pg_start_temp_cluster() {
  local bindir="$1" dir
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    _svc_log "creating system user postgres"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres || return 1
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/inferport-pg.XXXXXX")" || return 1
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  _svc_log "initdb a throwaway cluster in $dir (port $INFERPORT_TEST_PG_PORT)"
  _svc_as_postgres "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
    --no-sync >"$dir/initdb.log" 2>&1 </dev/null ||
    { _svc_error "initdb failed; see $dir/initdb.log"; return 1; }
  _SVC_STARTED_PG_DIR="$dir"
  _svc_as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -t "$INFERPORT_SERVICE_WAIT_SECONDS" start \
    -o "-p $INFERPORT_TEST_PG_PORT -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    </dev/null >/dev/null ||
    { _svc_error "postgres failed to start; see $dir/postgres.log"; return 1; }
}

# Installs the Postgres server without letting the package create and start its own
# cluster, whose password auth the tests could not use; we initdb our own instead.
_svc_pg_install_server() {
  local dropin=/etc/postgresql-common/createcluster.d/inferport-no-main-cluster.conf status
  _svc_as_root mkdir -p "$(dirname "$dropin")" &&
    echo "create_main_cluster = false" | _svc_as_root tee "$dropin" >/dev/null
  svc_apt_install postgresql
  status=$?
  _svc_as_root rm -f "$dropin"
  return "$status"
}

# Makes sure database $INFERPORT_TEST_PG_DB exists.
_svc_pg_ensure_database() {
  local db="$INFERPORT_TEST_PG_DB" exists
  exists="$(_svc_pg_sql "select 1 from pg_database where datname = '$db'")" || return 1
  [ "$exists" = "1" ] && return 0
  _svc_log "creating database $db"
  _svc_pg_sql "create database \"$db\"" >/dev/null
}

_svc_pg_start() {
  local bindir
  _svc_pg_start_debian_cluster && return 0
  if ! bindir="$(_svc_pg_bindir)"; then
    _svc_pg_install_server || return 1
    bindir="$(_svc_pg_bindir)" || { _svc_error "no initdb/pg_ctl after installing postgresql"; return 1; }
  fi
  _svc_pg_start_temp_cluster "$bindir"
}

ensure_postgres() {
  local port="$INFERPORT_TEST_PG_PORT"
  if ! command -v psql >/dev/null 2>&1 && ! _svc_pg_bindir >/dev/null; then
    svc_apt_install postgresql-client || return 1
  fi
  if ! svc_port_open "$port"; then
    _svc_pg_start || return 1
  fi
  if ! _svc_wait_for _svc_pg_answers; then
    _svc_pg_sql 'select 1' >/dev/null # shows psql's own error
    _svc_error "no Postgres on 127.0.0.1:$port let user postgres in without a password" \
      "within ${INFERPORT_SERVICE_WAIT_SECONDS}s. Allow trust auth for 127.0.0.1 in pg_hba.conf," \
      "or point INFERPORT_TEST_PG_URL at a database you can reach."
    return 1
  fi
  _svc_pg_ensure_database ||
    { _svc_error "could not create database $INFERPORT_TEST_PG_DB on port $port"; return 1; }
}

# ---------------------------------------------------------------- teardown

# Stops what ensure_postgres and ensure_redis started in this shell and removes their
# temp dirs. Servers that were already running are never touched.
stop_started_services() {
  local bindir
  if [ -n "$_SVC_STARTED_REDIS_DIR" ]; then
    [ -f "$_SVC_STARTED_REDIS_DIR/redis.pid" ] && kill "$(cat "$_SVC_STARTED_REDIS_DIR/redis.pid")" 2>/dev/null
    _svc_wait_for eval "! svc_port_open $INFERPORT_TEST_REDIS_PORT"
    rm -rf "$_SVC_STARTED_REDIS_DIR"
    _SVC_STARTED_REDIS_DIR=""
  fi
  if [ -n "$_SVC_STARTED_PG_DIR" ]; then
    bindir="$(_svc_pg_bindir)" &&
      _svc_as_postgres "$bindir/pg_ctl" -D "$_SVC_STARTED_PG_DIR/data" -m fast -w stop >/dev/null </dev/null
    rm -rf "$_SVC_STARTED_PG_DIR"
    _SVC_STARTED_PG_DIR=""
  fi
  if [ -n "$_SVC_STARTED_PG_CLUSTER" ]; then
    _svc_as_root pg_ctlcluster --skip-systemctl-redirect "$_SVC_STARTED_PG_CLUSTER" main stop </dev/null
    _SVC_STARTED_PG_CLUSTER=""
  fi
  return 0
}
