#!/usr/bin/env bash
# Installs inferport on this Linux machine from this checkout: builds the binary, installs
# it, writes a config and an admin token (once), migrates the database and starts the
# server on the embedded SQLite database.
#
#   ./install.sh                 install and start: a systemd service where systemd runs,
#                                otherwise the server runs in this terminal
#   ./install.sh --no-start      install and migrate only (same as INFERPORT_NO_START=1)
#   ./install.sh --foreground    run the server in this terminal even where systemd runs
#
# Running it again upgrades in place: the config, the data and the admin token are kept.
#
# Environment:
#   PREFIX                 binary goes to $PREFIX/bin          (default /usr/local)
#   INFERPORT_CONFIG_DIR   inferport.toml and inferport.env    (default /etc/inferport)
#   PORT                   port written to a new config        (default 8080)
#   INFERPORT_DATA_DIR     data_dir written to a new config    (default /var/lib/inferport)
#   INFERPORT_BINARY       install this prebuilt binary instead of building one
#   INFERPORT_BUN_VERSION  Bun to install from npm when bun is missing (default 1.4.5)
set -euo pipefail

PREFIX="${PREFIX:-/usr/local}"
CONFIG_DIR="${INFERPORT_CONFIG_DIR:-/etc/inferport}"
CONFIG_FILE="$CONFIG_DIR/inferport.toml"
ENV_FILE="$CONFIG_DIR/inferport.env"
BIN_PATH="$PREFIX/bin/inferport"
UNIT_FILE=/etc/systemd/system/inferport.service
SERVICE_USER=inferport
HEALTH_WAIT_SECONDS=30
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

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null
}

ensure_bun() {
  command -v bun >/dev/null 2>&1 && return 0
  command -v npm >/dev/null 2>&1 || { say "installing Node.js and npm"; apt_install nodejs npm; }
  say "installing Bun $BUN_VERSION from the npm package 'bun'"
  as_root npm install -g "bun@$BUN_VERSION"
  PATH="$(npm prefix -g)/bin:$PATH"
  command -v bun >/dev/null 2>&1 || die "bun is not on PATH after npm install -g bun"
}

# Prints dist/inferport's path, building it unless INFERPORT_BINARY names one.
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
  as_root mkdir -p "$PREFIX/bin"
  as_root install -m 0755 "$1" "$BIN_PATH.new"
  as_root mv -f "$BIN_PATH.new" "$BIN_PATH"
}

# Prints key $2 of section [$1] from the config (first match, quotes removed).
read_config_value() {
  as_root cat "$CONFIG_FILE" | awk -v section="[$1]" -v key="$2" '
    /^[ \t]*\[/ { in_section = ($1 == section) }
    in_section && $0 ~ "^[ \t]*" key "[ \t]*=" {
      sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]*#.*$/, ""); gsub(/"/, ""); print; exit
    }'
}

write_config_if_absent() {
  if as_root test -e "$CONFIG_FILE"; then
    say "keeping existing $CONFIG_FILE"
    return
  fi
  say "writing $CONFIG_FILE"
  as_root mkdir -p "$CONFIG_DIR"
  as_root tee "$CONFIG_FILE" >/dev/null <<EOF
# inferport configuration, written by install.sh (it never overwrites this file).
# Secrets are not kept here: they live in inferport.env beside it.

[server]
port = ${PORT:-8080}
host = "0.0.0.0"
data_dir = "${INFERPORT_DATA_DIR:-/var/lib/inferport}"

# Without a [database] url inferport keeps its data in embedded SQLite under data_dir.
# To use Postgres, set DATABASE_URL in inferport.env (or url here).
# [database]
# url = "postgres://inferport@127.0.0.1:5432/inferport"
EOF
  as_root chmod 0644 "$CONFIG_FILE"
}

generate_token() {
  if command -v openssl >/dev/null 2>&1; then openssl rand -hex 32
  else od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; echo
  fi
}

read_admin_token() {
  as_root cat "$ENV_FILE" 2>/dev/null | sed -n 's/^INFERPORT_ADMIN_TOKEN=//p' | tail -n 1
}

write_env_file_if_needed() {
  as_root mkdir -p "$CONFIG_DIR"
  if [ -n "$(read_admin_token)" ]; then
    say "keeping the admin token in $ENV_FILE"
    return
  fi
  say "generating an admin token in $ENV_FILE"
  if ! as_root test -e "$ENV_FILE"; then
    printf '# Secrets for inferport: read by systemd (EnvironmentFile) and by install.sh.\n' |
      as_root tee "$ENV_FILE" >/dev/null
  fi
  as_root chmod 0600 "$ENV_FILE"
  printf 'INFERPORT_ADMIN_TOKEN=%s\n' "$(generate_token)" | as_root tee -a "$ENV_FILE" >/dev/null
}

# Bun's fetch lets a process have 256 requests in flight, and each open stream to an inference
# server is one: a gateway needs more. Bun reads the limit only at start, so it goes in the env
# file that systemd and run_inferport load. Added once; an operator's own value is kept.
write_fetch_limit_if_needed() {
  if as_root cat "$ENV_FILE" 2>/dev/null | grep -q '^BUN_CONFIG_MAX_HTTP_REQUESTS='; then return; fi
  printf 'BUN_CONFIG_MAX_HTTP_REQUESTS=4096\n' | as_root tee -a "$ENV_FILE" >/dev/null
}

# Runs the installed binary with the env file's variables and the config; with
# --exec first, replaces this shell with it.
run_inferport() {
  local replace=no env_lines
  local -a env_args=()
  if [ "$1" = --exec ]; then replace=yes; shift; fi
  env_lines="$(as_root cat "$ENV_FILE" | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' || true)"
  [ -n "$env_lines" ] && mapfile -t env_args <<<"$env_lines"
  env_args+=("INFERPORT_CONFIG=$CONFIG_FILE")
  if [ "$replace" = yes ]; then
    exec env "${env_args[@]}" "$BIN_PATH" "$@" --config "$CONFIG_FILE"
  fi
  env "${env_args[@]}" "$BIN_PATH" "$@" --config "$CONFIG_FILE"
}

systemd_running() { [ -d /run/systemd/system ]; }

ensure_service_user() {
  local data_dir="$1"
  if ! id "$SERVICE_USER" >/dev/null 2>&1; then
    say "creating system user $SERVICE_USER"
    as_root useradd --system --user-group --home-dir "$data_dir" --no-create-home \
      --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
  as_root chown -R "$SERVICE_USER:$SERVICE_USER" "$data_dir"
}

write_systemd_unit() {
  local data_dir="$1"
  say "writing $UNIT_FILE"
  as_root tee "$UNIT_FILE" >/dev/null <<EOF
[Unit]
Description=inferport AI gateway
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_USER
EnvironmentFile=$ENV_FILE
Environment=INFERPORT_CONFIG=$CONFIG_FILE
ExecStart=$BIN_PATH serve --config $CONFIG_FILE
Restart=on-failure
RestartSec=2
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

wait_for_health() {
  local url="$1" deadline=$((SECONDS + HEALTH_WAIT_SECONDS))
  until http_ok "$url"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      as_root journalctl -u inferport -n 30 --no-pager 2>/dev/null || true
      die "inferport did not answer $url within ${HEALTH_WAIT_SECONDS}s (journalctl -u inferport)"
    fi
    sleep 1
  done
}

# The address a person would type: the machine's first IP when listening on all of them.
public_host() {
  local host="$1" ip
  case "$host" in
    "" | 0.0.0.0 | "::" | "[::]")
      ip="$(hostname -I 2>/dev/null | awk '{print $1}')"
      echo "${ip:-localhost}" ;;
    *) echo "$host" ;;
  esac
}

local_host() {
  case "$1" in "" | 0.0.0.0 | "::" | "[::]") echo 127.0.0.1 ;; *) echo "$1" ;; esac
}

print_access() {
  local host="$1" port="$2"
  cat <<EOF

  inferport is installed: $BIN_PATH ($("$BIN_PATH" version 2>/dev/null || echo "version unknown"))
  config:       $CONFIG_FILE
  admin token:  $(read_admin_token)
                (kept in $ENV_FILE; send it as "Authorization: Bearer <token>")
  API docs:     http://$(public_host "$host"):$port/swagger

EOF
}

main() {
  local start=yes foreground=no bin data_dir port host
  [ "${INFERPORT_NO_START:-0}" = 1 ] && start=no
  while [ $# -gt 0 ]; do
    case "$1" in
      --no-start) start=no ;;
      --foreground) foreground=yes ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option: $1 (try --help)" ;;
    esac
    shift
  done
  # A relative INFERPORT_BINARY means the caller's directory, not the checkout.
  if [ -n "${INFERPORT_BINARY:-}" ]; then INFERPORT_BINARY="$(readlink -f "$INFERPORT_BINARY")"; fi
  cd "$(dirname "${BASH_SOURCE[0]}")"

  bin="$(build_binary)"
  install_binary "$bin"
  write_config_if_absent
  write_env_file_if_needed
  write_fetch_limit_if_needed
  port="$(read_config_value server port)"; port="${port:-8080}"
  host="$(read_config_value server host)"
  data_dir="$(read_config_value server data_dir)"; data_dir="${data_dir:-/var/lib/inferport}"
  # It holds the ledger: private to the service user. An existing one keeps its mode (it may be
  # shared on purpose); inferport warns at start when others can enter it.
  if ! as_root test -d "$data_dir"; then as_root install -d -m 0700 "$data_dir"; fi

  local use_systemd=no
  if systemd_running && [ "$foreground" = no ]; then use_systemd=yes; fi
  if [ "$use_systemd" = yes ] && as_root systemctl is-active --quiet inferport; then
    say "stopping the running inferport service for the upgrade"
    as_root systemctl stop inferport
  fi

  say "inferport migrate"
  run_inferport migrate
  if [ "$use_systemd" = yes ]; then
    ensure_service_user "$data_dir"
    write_systemd_unit "$data_dir"
  fi

  print_access "$host" "$port"
  if [ "$start" = no ]; then
    say "not starting the server (--no-start)"
    return 0
  fi
  if [ "$use_systemd" = yes ]; then
    as_root systemctl enable --quiet inferport
    as_root systemctl restart inferport
    wait_for_health "http://$(local_host "$host"):$port/healthz"
    say "inferport.service is running (systemctl status inferport)"
    return 0
  fi
  if http_ok "http://$(local_host "$host"):$port/healthz" || (: <"/dev/tcp/$(local_host "$host")/$port") 2>/dev/null; then
    die "something already listens on port $port (a running inferport?); stop it or use --no-start"
  fi
  say "starting inferport serve in the foreground (Ctrl-C stops it)"
  run_inferport --exec serve
}

# Sourcing this file (for a test) defines the functions without running anything.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
