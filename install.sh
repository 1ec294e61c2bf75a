#!/usr/bin/env bash
# Installs inferport on this Linux machine from this checkout: builds the binary, installs it,
# writes a config and an admin token (once), migrates the database and starts the server.
# Running it again upgrades in place: the binary is replaced and the server restarted; the
# config, the admin token and the data are kept (and flags given again change only what they name).
#
#   ./install.sh [options]
#
#   --database embedded         SQLite in the data directory (the default on a first install)
#   --database local-postgres   PostgreSQL on this machine: installs the Debian package postgresql
#                               if missing, creates the role and database "inferport"
#   --database postgres://...   a PostgreSQL server of your own (kept in inferport.env)
#   --redis none                plan quotas counted in the process (the default on a first install)
#   --redis local               Redis on this machine (installs redis-server if missing)
#   --redis redis://...         a Redis server of your own
#   --port N                    the port to serve on (default 8080)
#   --prefix DIR                everything under DIR: DIR/bin, DIR/etc/inferport, DIR/var/lib/inferport,
#                               DIR/var/log/inferport (default: /usr/local/bin, /etc/inferport,
#                               /var/lib/inferport, /var/log/inferport)
#   --background                run as a background process (pid and log file) even where systemd runs
#   --foreground                run in this terminal even where systemd runs
#   --no-start                  install and migrate only (same as INFERPORT_NO_START=1)
#   --uninstall                 stop and remove the binary and the service; keep config and data
#   --purge                     with --uninstall: remove the config, the token and the data too
#
# Where systemd runs, inferport becomes the service inferport.service, run by the system user
# "inferport"; elsewhere it runs in the foreground, or in the background with --background, as
# the user running this script. Each later run keeps the mode unless told otherwise.
#
# Environment: INFERPORT_BINARY installs that prebuilt binary instead of building one;
# INFERPORT_BUN_VERSION is the Bun installed from npm when bun is missing (default 1.4.5).
set -euo pipefail
# Without it, a failure inside $(...) would not stop the script.
shopt -s inherit_errexit

SERVICE_USER=inferport
UNIT_FILE=/etc/systemd/system/inferport.service
DEFAULT_PORT=8080
HEALTH_WAIT_SECONDS=30
# Bun's fetch lets a process have 256 requests in flight, and each open stream to an inference
# server is one: a gateway needs more. Bun reads the limit only at start.
FETCH_LIMIT=4096
OPEN_FILES_LIMIT=65536
# Bun installed when none is on PATH; keep it in step with bun-types in package.json.
BUN_VERSION="${INFERPORT_BUN_VERSION:-1.4.5}"

say() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) for: $*"
  fi
}

# Runs a command as root only where it touches what root owns: inside a prefix this user can
# write to, it runs as this user (a temporary prefix needs no root).
as_owner() {
  if [ -n "$PREFIX_DIR" ] && [ -w "$PREFIX_DIR" ]; then "$@"; else as_root "$@"; fi
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# Sets every path from --prefix (empty: the system's usual places).
set_paths() {
  PREFIX_DIR="$1"
  if [ -n "$PREFIX_DIR" ]; then
    BIN_PATH="$PREFIX_DIR/bin/inferport"
    CONFIG_DIR="$PREFIX_DIR/etc/inferport"
    DEFAULT_DATA_DIR="$PREFIX_DIR/var/lib/inferport"
    LOG_DIR="$PREFIX_DIR/var/log/inferport"
  else
    BIN_PATH=/usr/local/bin/inferport
    CONFIG_DIR=/etc/inferport
    DEFAULT_DATA_DIR=/var/lib/inferport
    LOG_DIR=/var/log/inferport
  fi
  CONFIG_FILE="$CONFIG_DIR/inferport.toml"
  ENV_FILE="$CONFIG_DIR/inferport.env"
  STATE_FILE="$CONFIG_DIR/install.state"
  LOG_FILE="$LOG_DIR/inferport.log"
  PID_FILE="$LOG_DIR/inferport.pid"
}
set_paths ""

# ---- building and installing the binary -------------------------------------------------------

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
  say "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null
}

ensure_bun() {
  command -v bun >/dev/null 2>&1 && return 0
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  say "installing Bun $BUN_VERSION from the npm package 'bun'"
  as_root npm install -g "bun@$BUN_VERSION"
  PATH="$(npm prefix -g)/bin:$PATH"
  command -v bun >/dev/null 2>&1 || die "bun is not on PATH after npm install -g bun"
}

# Prints the path of the binary to install, building it unless INFERPORT_BINARY names one.
build_binary() {
  if [ -n "${INFERPORT_BINARY:-}" ]; then
    [ -x "$INFERPORT_BINARY" ] || die "INFERPORT_BINARY=$INFERPORT_BINARY is not an executable file"
    echo "$INFERPORT_BINARY"
    return
  fi
  ensure_bun >&2
  say "bun install" >&2
  bun install --frozen-lockfile >&2
  say "bun run build" >&2
  bun run build >&2
  [ -x dist/inferport ] || die "bun run build did not produce dist/inferport"
  echo "$PWD/dist/inferport"
}

# Replaces the binary with a rename, so a running server keeps its old file.
install_binary() {
  say "installing $BIN_PATH"
  as_owner mkdir -p "$(dirname "$BIN_PATH")"
  as_owner install -m 0755 "$1" "$BIN_PATH.new"
  as_owner mv -f "$BIN_PATH.new" "$BIN_PATH"
}

# ---- the config, the env file (secrets) and the installer's own state --------------------------

# Prints key $2 of section [$1] from the config (first match, quotes removed).
read_config_value() {
  as_owner cat "$CONFIG_FILE" | awk -v section="[$1]" -v key="$2" '
    /^[ \t]*\[/ { in_section = ($1 == section) }
    in_section && $0 ~ "^[ \t]*" key "[ \t]*=" {
      sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]*#.*$/, ""); gsub(/"/, ""); print; exit
    }'
}

write_config_if_absent() {
  if as_owner test -e "$CONFIG_FILE"; then
    say "keeping $CONFIG_FILE"
    return
  fi
  say "writing $CONFIG_FILE"
  as_owner mkdir -p "$CONFIG_DIR"
  as_owner tee "$CONFIG_FILE" >/dev/null <<EOF
# inferport configuration, written by install.sh (it never rewrites this file, except the
# [server] port line when install.sh is given --port). Every key: inferport.example.toml.
# Secrets (admin token, database and Redis URLs) live in inferport.env beside it.

[server]
port = ${1:-$DEFAULT_PORT}
host = "0.0.0.0"
data_dir = "$DEFAULT_DATA_DIR"

# Inference servers inferport forwards to, for example a local vLLM:
# [[upstreams]]
# name = "local"
# url = "http://127.0.0.1:8000"
# models = ["my-model"]
EOF
  as_owner chmod 0644 "$CONFIG_FILE"
}

# Sets [server] port in the config to $1 (the only line install.sh ever changes there).
set_config_port() {
  local current
  current="$(read_config_value server port)"
  [ "$current" = "$1" ] && return 0
  say "setting [server] port = $1 in $CONFIG_FILE (was ${current:-unset})"
  as_owner cat "$CONFIG_FILE" | awk -v port="$1" '
    /^[ \t]*\[/ { if (in_server && !done) { print "port = " port; done = 1 } in_server = ($1 == "[server]") }
    in_server && /^[ \t]*port[ \t]*=/ { if (!done) print "port = " port; done = 1; next }
    { print }
    END { if (!done) { if (!in_server) print "[server]"; print "port = " port } }' >"$CONFIG_FILE.tmp.$$"
  as_owner mv -f "$CONFIG_FILE.tmp.$$" "$CONFIG_FILE"
  as_owner chmod 0644 "$CONFIG_FILE"
}

# Prints variable $1 from the env file.
read_env_value() {
  { as_owner cat "$ENV_FILE" 2>/dev/null || true; } | sed -n "s/^$1=//p" | tail -n 1
}

# Sets variable $1 to $2 in the env file (empty $2: removes it), keeping every other line.
set_env_value() {
  local kept
  kept="$({ as_owner cat "$ENV_FILE" 2>/dev/null || true; } | grep -v "^$1=" || true)"
  {
    printf '%s\n' "$kept"
    if [ -n "$2" ]; then printf '%s=%s\n' "$1" "$2"; fi
  } | sed '/^$/d' | as_owner tee "$ENV_FILE.tmp.$$" >/dev/null
  as_owner chmod 0600 "$ENV_FILE.tmp.$$"
  as_owner mv -f "$ENV_FILE.tmp.$$" "$ENV_FILE"
}

generate_secret() {
  if command -v openssl >/dev/null 2>&1; then openssl rand -hex 32
  else od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; echo
  fi
}

read_admin_token() { read_env_value INFERPORT_ADMIN_TOKEN; }

write_env_file_if_needed() {
  as_owner mkdir -p "$CONFIG_DIR"
  if ! as_owner test -e "$ENV_FILE"; then
    printf '# Secrets for inferport: read by systemd (EnvironmentFile) and by install.sh.\n' | as_owner tee "$ENV_FILE" >/dev/null
  fi
  as_owner chmod 0600 "$ENV_FILE"
  if [ -n "$(read_admin_token)" ]; then
    say "keeping the admin token in $ENV_FILE"
    return
  fi
  say "generating an admin token in $ENV_FILE"
  set_env_value INFERPORT_ADMIN_TOKEN "$(generate_secret)"
}

# The installer's memory of how it was run (not secret): DATABASE_MODE, REDIS_MODE, SERVICE_MODE.
read_state() { { as_owner cat "$STATE_FILE" 2>/dev/null || true; } | sed -n "s/^$1=//p" | tail -n 1; }

write_state() {
  as_owner tee "$STATE_FILE" >/dev/null <<EOF
# Written by install.sh: how this installation was set up (a later run keeps it unless told).
DATABASE_MODE=$1
REDIS_MODE=$2
SERVICE_MODE=$3
EOF
}

# ---- the database and Redis --------------------------------------------------------------------

# Sets DATABASE_URL from --database $1 (empty: keep what is there); prints the mode.
configure_database() {
  local choice="$1" previous url
  previous="$(read_state DATABASE_MODE)"
  [ -z "$choice" ] && { echo "${previous:-embedded}"; return; }
  case "$choice" in
    embedded) set_env_value DATABASE_URL "" ;;
    local-postgres) url="$(ensure_local_postgres)"; set_env_value DATABASE_URL "$url" ;;
    *) set_env_value DATABASE_URL "$choice"; choice=url ;;
  esac
  if [ -n "$previous" ] && [ "$choice" != "$previous" ]; then
    say "database: $choice (was $previous); the data of the previous database is not copied" >&2
  fi
  echo "$choice"
}

# Installs and starts PostgreSQL on this machine when needed, creates the role and database
# "inferport" (once) and prints the URL inferport connects with.
ensure_local_postgres() {
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql >&2
  if systemd_running; then as_root systemctl enable --now --quiet postgresql >&2
  else start_postgres_clusters >&2
  fi
  local deadline=$((SECONDS + HEALTH_WAIT_SECONDS))
  until as_root runuser -u postgres -- pg_isready -q -h 127.0.0.1; do
    [ "$SECONDS" -ge "$deadline" ] && die "PostgreSQL on 127.0.0.1:5432 did not start"
    sleep 1
  done
  local url password
  url="$(read_env_value DATABASE_URL)"
  password="$(printf '%s' "$url" | sed -n 's|^postgres://inferport:\([0-9a-f]*\)@127.0.0.1:5432/inferport$|\1|p')"
  [ -n "$password" ] || password="$(generate_secret)"
  # The password goes in on stdin, never on a command line other users can see.
  { printf '\\set password %s\n' "$password"; cat <<'SQL'; } | as_root runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 >&2
SELECT format('CREATE ROLE inferport LOGIN PASSWORD %L', :'password') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'inferport') \gexec
SELECT format('ALTER ROLE inferport PASSWORD %L', :'password') \gexec
SELECT 'CREATE DATABASE inferport OWNER inferport' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'inferport') \gexec
SQL
  echo "postgres://inferport:$password@127.0.0.1:5432/inferport"
}

start_postgres_clusters() {
  local version name
  while read -r version name _; do
    [ -n "$name" ] && as_root pg_ctlcluster "$version" "$name" start 2>/dev/null || true
  done < <(pg_lsclusters --no-header 2>/dev/null)
}

# Sets REDIS_URL from --redis $1 (empty: keep what is there); prints the mode.
configure_redis() {
  local choice="$1" previous
  previous="$(read_state REDIS_MODE)"; previous="${previous:-none}"
  [ -z "$choice" ] && { echo "$previous"; return; }
  case "$choice" in
    none) set_env_value REDIS_URL "" ;;
    local) ensure_local_redis >&2; set_env_value REDIS_URL "redis://127.0.0.1:6379" ;;
    *) set_env_value REDIS_URL "$choice"; choice=url ;;
  esac
  echo "$choice"
}

ensure_local_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  if systemd_running; then as_root systemctl enable --now --quiet redis-server
  elif ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    say "starting redis-server (no systemd here: it runs until the machine restarts)"
    as_root redis-server --bind 127.0.0.1 --port 6379 --daemonize yes >/dev/null
  fi
}

# ---- running it --------------------------------------------------------------------------------

systemd_running() { [ -d /run/systemd/system ]; }

# Sets INFERPORT_ENV to the environment the server gets: only the env file's variables (as
# under systemd, so nothing leaks in from this shell), Bun's fetch limit unless the file sets it.
load_server_env() {
  local env_lines
  INFERPORT_ENV=(PATH=/usr/local/bin:/usr/bin:/bin "HOME=${HOME:-/}" "BUN_CONFIG_MAX_HTTP_REQUESTS=$FETCH_LIMIT")
  env_lines="$(as_owner cat "$ENV_FILE" | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' || true)"
  [ -n "$env_lines" ] && mapfile -t -O "${#INFERPORT_ENV[@]}" INFERPORT_ENV <<<"$env_lines"
  INFERPORT_ENV+=("INFERPORT_CONFIG=$CONFIG_FILE")
}

# Runs the installed binary with the server's environment and the config.
run_inferport() {
  load_server_env
  env -i "${INFERPORT_ENV[@]}" "$BIN_PATH" "$@" --config "$CONFIG_FILE"
}

ensure_service_user() {
  if ! id "$SERVICE_USER" >/dev/null 2>&1; then
    say "creating system user $SERVICE_USER"
    as_root useradd --system --user-group --home-dir "$1" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
}

# $1: the data directory; $2: the grace a stop gives requests in flight ([server] shutdown_grace_seconds).
write_systemd_unit() {
  local data_dir="$1" grace="${2:-30}"
  say "writing $UNIT_FILE"
  as_root tee "$UNIT_FILE" >/dev/null <<EOF
[Unit]
Description=inferport AI gateway
After=network-online.target postgresql.service redis-server.service
Wants=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_USER
Environment=BUN_CONFIG_MAX_HTTP_REQUESTS=$FETCH_LIMIT
EnvironmentFile=$ENV_FILE
Environment=INFERPORT_CONFIG=$CONFIG_FILE
ExecStart=$BIN_PATH serve --config $CONFIG_FILE
Restart=on-failure
RestartSec=2
# A stop (SIGTERM) lets requests in flight finish for shutdown_grace_seconds, then settles them.
KillMode=mixed
TimeoutStopSec=$((grace + 30))
# Every open client connection and upstream stream is a file descriptor.
LimitNOFILE=$OPEN_FILES_LIMIT
# Files inferport creates (the SQLite database and its -wal/-shm) are for its own user only.
UMask=0077
# Lets the server bind a port below 1024 without running as root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
NoNewPrivileges=true
ProtectSystem=full
ProtectHome=read-only
PrivateTmp=true
ReadWritePaths=$data_dir

[Install]
WantedBy=multi-user.target
EOF
  as_root systemctl daemon-reload
}

# The unit runs this installation's binary (not one under another prefix).
unit_is_ours() { as_root test -e "$UNIT_FILE" && as_root grep -q "^ExecStart=$BIN_PATH " "$UNIT_FILE"; }

# True while process $1 runs (an exited one nobody reaped yet, a zombie, does not count).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Prints the pid of this installation's background or foreground server, if one runs.
running_pid() {
  local pid
  pid="$(as_owner cat "$PID_FILE" 2>/dev/null || true)"
  [ -n "$pid" ] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$BIN_PATH serve" || return 1
  echo "$pid"
}

# Stops this installation's server, however it runs, and waits for it: SIGTERM drains it.
stop_server() {
  local grace="$1" pid deadline
  if systemd_running && unit_is_ours && as_root systemctl is-active --quiet inferport; then
    say "stopping inferport.service (requests in flight get up to ${grace}s to finish)"
    as_root systemctl stop inferport
  fi
  pid="$(running_pid)" || return 0
  say "stopping inferport (pid $pid; requests in flight get up to ${grace}s to finish)"
  as_owner kill -TERM "$pid"
  deadline=$((SECONDS + grace + 30))
  while alive "$pid"; do
    [ "$SECONDS" -ge "$deadline" ] && die "inferport (pid $pid) did not stop within $((grace + 30))s; see $LOG_FILE"
    sleep 0.2
  done
  as_owner rm -f "$PID_FILE"
}

# True once GET $1 answers 200.
http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
    return
  fi
  local rest="${1#http://}" hostport path status
  hostport="${rest%%/*}"; path="/${rest#*/}"
  status="$( (
    exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&3
    IFS= read -r -t 2 line <&3 && printf '%s' "$line"
  ) 2>/dev/null )" || return 1
  [[ "$status" == HTTP/1.[01]\ 200* ]]
}

port_taken() { http_ok "http://$1:$2/healthz" || (: <"/dev/tcp/$1/$2") 2>/dev/null; }

# Waits for GET $1 to answer; $2 is the pid to watch (a background server), if any.
wait_for_health() {
  local url="$1" pid="${2:-}" deadline=$((SECONDS + HEALTH_WAIT_SECONDS))
  until http_ok "$url"; do
    if [ -n "$pid" ] && ! alive "$pid"; then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "inferport exited before answering $url (log: $LOG_FILE)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      [ -n "$pid" ] && tail -n 30 "$LOG_FILE" >&2
      [ -z "$pid" ] && as_root journalctl -u inferport -n 30 --no-pager 2>/dev/null
      die "inferport did not answer $url within ${HEALTH_WAIT_SECONDS}s"
    fi
    sleep 0.2
  done
}

start_background() {
  local url="$1" pid
  as_owner mkdir -p "$LOG_DIR"
  as_owner chmod 0700 "$LOG_DIR"
  ulimit -n "$OPEN_FILES_LIMIT" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  load_server_env
  say "starting inferport in the background (log: $LOG_FILE)"
  # Its own session, so that closing this terminal does not stop it; exec keeps the pid $! names.
  (umask 077; exec 9>&-; exec setsid env -i "${INFERPORT_ENV[@]}" "$BIN_PATH" serve --config "$CONFIG_FILE" </dev/null >>"$LOG_FILE" 2>&1) &
  pid=$!
  echo "$pid" | as_owner tee "$PID_FILE" >/dev/null
  wait_for_health "$url" "$pid"
  say "inferport is running (pid $pid); ./install.sh --uninstall stops it"
}

# The address a person would type: the machine's first IP when listening on all of them.
public_host() {
  case "$1" in
    "" | 0.0.0.0 | "::" | "[::]") local ip; ip="$(hostname -I 2>/dev/null | awk '{print $1}' || true)"; echo "${ip:-localhost}" ;;
    *) echo "$1" ;;
  esac
}

local_host() {
  case "$1" in "" | 0.0.0.0 | "::" | "[::]") echo 127.0.0.1 ;; *) echo "$1" ;; esac
}

print_access() {
  local url="$1" token
  token="$(read_admin_token)"
  cat <<EOF

  inferport is installed: $BIN_PATH ($("$BIN_PATH" version 2>/dev/null || echo "version unknown"))
  URL:          $url   (API docs: $url/swagger)
  admin token:  $token
                (kept in $ENV_FILE; send it as "Authorization: Bearer <token>")
  config:       $CONFIG_FILE

  Next steps (in a shell with these two set:
      export INFERPORT_URL=$url INFERPORT_TOKEN=$token)
    1. Add your inference server as an [[upstreams]] entry in $CONFIG_FILE,
       then run this script again to restart with it.
    2. Create an account, give it credit and an API key:
         curl -s \$INFERPORT_URL/admin/accounts -H "Authorization: Bearer \$INFERPORT_TOKEN" \\
           -H 'content-type: application/json' -d '{"name":"me"}'
         curl -s \$INFERPORT_URL/admin/accounts/<id>/credits -H "Authorization: Bearer \$INFERPORT_TOKEN" \\
           -H 'content-type: application/json' -d '{"amount":"10","kind":"paid"}'
         curl -s \$INFERPORT_URL/admin/accounts/<id>/keys -H "Authorization: Bearer \$INFERPORT_TOKEN" \\
           -H 'content-type: application/json' -d '{"billing":"credits"}'
    3. Call \$INFERPORT_URL/v1/chat/completions with that key, as you would OpenAI's API.

EOF
}

# ---- install, upgrade, uninstall ---------------------------------------------------------------

# Two runs at once on one installation would stop and start each other's server: the second waits
# for nothing and stops. The lock is fd 9, closed in whatever server this script starts.
take_install_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  as_owner mkdir -p "$CONFIG_DIR"
  [ -w "$CONFIG_DIR" ] || return 0
  exec 9>>"$CONFIG_DIR/install.lock"
  flock -n 9 || die "another install.sh is running for $CONFIG_DIR; wait for it to finish"
}

install_or_upgrade() {
  local database="$1" redis="$2" port="$3" mode="$4" start="$5" bin data_dir grace host url
  bin="$(build_binary)"
  write_config_if_absent "$port"
  [ -n "$port" ] && set_config_port "$port"
  write_env_file_if_needed
  database="$(configure_database "$database")"
  redis="$(configure_redis "$redis")"
  mode="${mode:-$(read_state SERVICE_MODE)}"
  if [ -z "$mode" ] || { [ "$mode" = systemd ] && ! systemd_running; }; then
    if systemd_running; then mode=systemd; else mode=foreground; fi
  fi
  write_state "$database" "$redis" "$mode"

  port="$(read_config_value server port)"; port="${port:-$DEFAULT_PORT}"
  host="$(read_config_value server host)"
  grace="$(read_config_value server shutdown_grace_seconds)"; grace="${grace:-30}"
  data_dir="$(read_config_value server data_dir)"; data_dir="${data_dir:-$DEFAULT_DATA_DIR}"
  # It holds the ledger: private to the user inferport runs as. An existing one keeps its mode
  # (it may be shared on purpose); inferport warns at start when others can enter it.
  as_owner test -d "$data_dir" || as_owner install -d -m 0700 "$data_dir"

  stop_server "$grace"
  install_binary "$bin"
  if [ "$mode" = systemd ]; then ensure_service_user "$data_dir"; fi
  say "inferport migrate"
  run_inferport migrate
  if [ "$mode" = systemd ]; then
    as_root chown -R "$SERVICE_USER:$SERVICE_USER" "$data_dir"
    write_systemd_unit "$data_dir" "$grace"
  fi

  url="http://$(public_host "$host"):$port"
  print_access "$url"
  if [ "$start" = no ]; then
    say "not starting the server (--no-start)"
    return 0
  fi
  local health="http://$(local_host "$host"):$port/healthz"
  if [ "$mode" = systemd ]; then
    as_root systemctl enable --quiet inferport
    as_root systemctl restart inferport
    wait_for_health "$health"
    say "inferport.service is running (systemctl status inferport; journalctl -u inferport)"
    return 0
  fi
  port_taken "$(local_host "$host")" "$port" && die "something else listens on port $port; stop it, or choose another with --port"
  if [ "$mode" = background ]; then
    start_background "$health"
    return 0
  fi
  say "starting inferport serve in the foreground (Ctrl-C stops it)"
  as_owner mkdir -p "$LOG_DIR"
  echo $$ | as_owner tee "$PID_FILE" >/dev/null
  load_server_env
  exec 9>&-
  exec env -i "${INFERPORT_ENV[@]}" "$BIN_PATH" serve --config "$CONFIG_FILE"
}

uninstall() {
  local purge="$1" grace data_dir database
  as_owner test -e "$CONFIG_FILE" || as_owner test -e "$BIN_PATH" || die "no inferport installed here ($CONFIG_FILE and $BIN_PATH are missing)"
  grace="$(read_config_value server shutdown_grace_seconds 2>/dev/null || true)"
  data_dir="$(read_config_value server data_dir 2>/dev/null || true)"; data_dir="${data_dir:-$DEFAULT_DATA_DIR}"
  database="$(read_state DATABASE_MODE)"
  stop_server "${grace:-30}"
  if systemd_running && unit_is_ours; then
    say "removing inferport.service"
    as_root systemctl disable --quiet inferport || true
    as_root rm -f "$UNIT_FILE"
    as_root systemctl daemon-reload
  fi
  say "removing $BIN_PATH"
  as_owner rm -f "$BIN_PATH"
  if [ "$purge" = no ]; then
    say "kept the config and the admin token ($CONFIG_DIR) and the data ($data_dir): running ./install.sh again resumes with them; --uninstall --purge removes them"
    return 0
  fi
  if [ "$database" = local-postgres ]; then
    say "dropping the local PostgreSQL database and role inferport"
    as_root runuser -u postgres -- psql -q -c 'DROP DATABASE IF EXISTS inferport WITH (FORCE)' -c 'DROP ROLE IF EXISTS inferport'
  elif [ "$database" = url ]; then
    say "the PostgreSQL database at DATABASE_URL is yours: it is left as it is"
  fi
  say "removing $data_dir, $CONFIG_DIR and $LOG_DIR"
  as_owner rm -rf "$data_dir" "$CONFIG_DIR" "$LOG_DIR"
  if [ -n "$PREFIX_DIR" ]; then
    as_owner rmdir --ignore-fail-on-non-empty "$PREFIX_DIR/bin" "$PREFIX_DIR/etc" "$PREFIX_DIR/var/lib" "$PREFIX_DIR/var/log" "$PREFIX_DIR/var" 2>/dev/null || true
  fi
  if [ -z "$PREFIX_DIR" ] && id "$SERVICE_USER" >/dev/null 2>&1; then as_root userdel "$SERVICE_USER" || true; fi
  say "purged (Debian packages installed for it, such as postgresql or redis-server, are kept)"
}

main() {
  local database="" redis="" port="" prefix="" mode="" start=yes action=install purge=no
  [ "${INFERPORT_NO_START:-0}" = 1 ] && start=no
  while [ $# -gt 0 ]; do
    case "$1" in
      --database | --redis | --port | --prefix)
        [ $# -ge 2 ] || die "$1 needs a value (try --help)"
        case "$1" in
          --database) database="$2" ;;
          --redis) redis="$2" ;;
          --port) port="$2" ;;
          --prefix) prefix="$2" ;;
        esac
        shift ;;
      --database=* | --redis=* | --port=* | --prefix=*)
        local name="${1%%=*}" value="${1#*=}"
        set -- "$name" "$value" "${@:2}"
        continue ;;
      --no-start) start=no ;;
      --foreground) mode=foreground ;;
      --background) mode=background ;;
      --uninstall) action=uninstall ;;
      --purge) purge=yes ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option: $1 (try --help)" ;;
    esac
    shift
  done
  [ "$purge" = yes ] && [ "$action" != uninstall ] && die "--purge goes with --uninstall"
  if [ -n "$port" ] && ! [[ "$port" =~ ^[0-9]+$ && "$port" -ge 1 && "$port" -le 65535 ]]; then die "--port takes 1-65535, not: $port"; fi
  case "$database" in "" | embedded | local-postgres | postgres://* | postgresql://*) ;; *) die "--database takes embedded, local-postgres or a postgres:// URL, not: $database" ;; esac
  case "$redis" in "" | none | local | redis://* | rediss://*) ;; *) die "--redis takes none, local or a redis:// URL, not: $redis" ;; esac
  if [ -n "$prefix" ]; then
    mkdir -p "$prefix" 2>/dev/null || as_root mkdir -p "$prefix"
    prefix="$(cd "$prefix" && pwd)"
  fi
  set_paths "$prefix"
  # A relative INFERPORT_BINARY means the caller's directory, not the checkout.
  if [ -n "${INFERPORT_BINARY:-}" ]; then INFERPORT_BINARY="$(readlink -f "$INFERPORT_BINARY")"; fi
  cd "$(dirname "${BASH_SOURCE[0]}")"

  if [ "$action" = install ] || as_owner test -d "$CONFIG_DIR"; then take_install_lock; fi
  if [ "$action" = uninstall ]; then uninstall "$purge"
  else install_or_upgrade "$database" "$redis" "$port" "$mode" "$start"
  fi
}

# Sourcing this file (for a test) defines the functions without running anything.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
