#!/usr/bin/env bash
# A PostgreSQL server of the checkout's own for tests and local runs, without Docker:
# Debian's server binaries (installed with apt-get when missing), a data directory of the
# checkout's own (infra/local/.state/postgres, or elsewhere: see resolve_state), listening
# on 127.0.0.1 only.
#
#   postgres.sh start          start (initialising on first use); quick when running
#   postgres.sh stop           fast shutdown (open sessions are ended, data is kept)
#   postgres.sh status         version and address; exit 3 when stopped
#   postgres.sh url [--admin]  the application URL, or the superuser's with --admin
#   postgres.sh state-dir      where this checkout's server keeps its files
#
# Roles: `thoth` (LOGIN CREATEDB CREATEROLE, not superuser) owning database `thoth`, and
# the superuser `postgres` for tests that must act behind the application's back
# (tampering with the ledger, creating RLS roles). Both use password auth over TCP.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=postgres

HOST=127.0.0.1
PORT=${THOTH_PG_PORT:-54329}
APP_URL="postgres://thoth:thoth@$HOST:$PORT/thoth"
ADMIN_URL="postgres://postgres:postgres@$HOST:$PORT/postgres"

# initdb and postgres refuse to run as root: as root the server runs as the `postgres`
# OS user (Debian's package creates it); anyone else runs it as themselves.
if is_root; then
  as_server() { (cd / && runuser -u postgres -- "$@"); }
  SERVER_USER=postgres
else
  as_server() { "$@"; }
  SERVER_USER=$(id -un)
fi

# Where the server's files live (data directory, log, socket). The server must be able to
# reach them, and as root it runs as `postgres`, which cannot enter a checkout under a
# directory of mode 0700 (root's home, a `mktemp -d`). So, in this order:
#   1. THOTH_PG_STATE_DIR, when set;
#   2. wherever this checkout's cluster already is (infra/local/.state/postgres, or the
#      server user's home as in 4): an initialised cluster never moves;
#   3. infra/local/.state/postgres, when the server user can enter infra/local/.state
#      (always when not root: the server runs as the invoking user);
#   4. otherwise thoth/<checkout>-<hash of its path> in the server user's home
#      (/var/lib/postgresql on Debian), which is that user's own.
# Called again once the package is installed (before, the `postgres` user may not exist).
OUTSIDE=""
resolve_state() {
  local in_checkout=$STATE_ROOT/postgres outside=""
  if is_root; then
    local home name
    home=$(getent passwd "$SERVER_USER" | cut -d: -f6) || home=""
    name=$(basename "$THOTH_ROOT")
    name=${name//[^A-Za-z0-9._-]/_}
    [ -n "$home" ] && outside=$home/thoth/$name-$(printf %s "$THOTH_ROOT" | sha256sum | cut -c1-12)
  fi
  if [ -n "${THOTH_PG_STATE_DIR:-}" ]; then
    STATE=$THOTH_PG_STATE_DIR
  elif [ -f "$in_checkout/data/PG_VERSION" ] || [ -z "$outside" ]; then
    STATE=$in_checkout
  elif [ -f "$outside/data/PG_VERSION" ]; then
    STATE=$outside
  elif mkdir -p "$STATE_ROOT" && as_server test -x "$STATE_ROOT"; then
    STATE=$in_checkout
  else
    STATE=$outside
  fi
  OUTSIDE=$outside
  DATA=$STATE/data
  LOGFILE=$STATE/postgres.log
  # The unix socket lives in the state directory, away from a system cluster's
  # /var/run/postgresql. A socket path is capped at 107 bytes, so a deep checkout uses /tmp.
  SOCKDIR=$STATE
  if [ $((${#SOCKDIR} + 20)) -gt 107 ]; then
    SOCKDIR=/tmp/thoth-pg-$(printf %s "$STATE" | sha256sum | cut -c1-12)
  fi
}
resolve_state

# The server binaries: those of the data directory's major version when it exists,
# otherwise the newest Debian ships here, otherwise whatever pg_config names.
find_bindir() {
  local version=""
  [ -f "$DATA/PG_VERSION" ] && version=$(cat "$DATA/PG_VERSION")
  if [ -n "$version" ]; then
    [ -x "/usr/lib/postgresql/$version/bin/postgres" ] && { echo "/usr/lib/postgresql/$version/bin"; return 0; }
  else
    local newest
    newest=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | sort -V | tail -n 1)
    [ -n "$newest" ] && { dirname "$newest"; return 0; }
  fi
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/postgres" ]; then
    local bindir
    bindir=$(pg_config --bindir)
    if [ -z "$version" ] || "$bindir/postgres" --version | grep -q " $version\."; then
      echo "$bindir"
      return 0
    fi
  fi
  return 1
}

ensure_installed() {
  BIN=$(find_bindir) && return 0
  if [ -f "$DATA/PG_VERSION" ]; then
    die "$DATA was made by PostgreSQL $(cat "$DATA/PG_VERSION"), which is not installed; install it or remove $STATE"
  fi
  apt_install postgresql
  BIN=$(find_bindir) || die "apt-get installed postgresql but no server binaries were found in /usr/lib/postgresql"
}

psql_admin() {
  "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PORT" -U postgres -d postgres "$@"
}

is_running() {
  [ -f "$DATA/postmaster.pid" ] && [ -n "${BIN:-}" ] && as_server "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

accepting() { "$BIN/pg_isready" -q -h "$SOCKDIR" -p "$PORT"; }

# A server can be running yet refuse connections: starting, in crash recovery, shutting
# down, or a postmaster killed a moment ago whose pid is not yet gone. Wait until it
# accepts or is gone (then the caller starts it).
settle() {
  local deadline=$((SECONDS + 120))
  while is_running && ! accepting; do
    [ $SECONDS -lt $deadline ] || die "running but not accepting connections after 120s (log: $LOGFILE)"
    sleep 0.2
  done
}

# The port a running server listens on (line 4 of postmaster.pid).
running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null; }

init_cluster() {
  mkdir -p "$STATE"
  if is_root; then
    chown "$SERVER_USER": "$STATE"
    # In the server user's home, the folder holding the checkouts' states is that user's too.
    if [ "$STATE" = "$OUTSIDE" ]; then chown "$SERVER_USER": "$(dirname "$STATE")"; fi
    as_server test -x "$STATE" || die "the server user $SERVER_USER cannot enter $STATE; set THOTH_PG_STATE_DIR to a directory it can reach"
  fi
  chmod 700 "$STATE"
  # initdb reads the superuser's password from a file the server user can read.
  local pwfile=$STATE/.pwfile
  echo postgres >"$pwfile"
  if is_root; then chown "$SERVER_USER": "$pwfile"; fi
  # Locale C: byte-order collation, identical on every machine, so test ordering is too.
  # Local (socket) connections trust: the socket's directory is private to the server user.
  if ! as_server "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C \
      >"$STATE/initdb.log" 2>&1; then
    rm -f "$pwfile"
    cat "$STATE/initdb.log" >&2
    die "initdb failed"
  fi
  rm -f "$pwfile"
  echo "include_if_exists = 'thoth.conf'" >>"$DATA/postgresql.conf"
}

# Rewritten on every start so THOTH_PG_PORT and these settings always apply.
write_settings() {
  cat >"$DATA/thoth.conf" <<CONF
# Written by infra/local/postgres.sh at every start; edit the script, not this file.
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$SOCKDIR'
unix_socket_permissions = 0700
# Parallel test workers each hold a pool.
max_connections = 300
shared_buffers = 256MB
# Durability stays at its defaults (fsync, synchronous_commit, full_page_writes on):
# crash and recovery tests rely on committed data surviving a kill -9.
CONF
  if is_root; then chown "$SERVER_USER": "$DATA/thoth.conf"; fi
}

# Idempotent: the roles and database the application and the tests expect. Prints the
# server's version last.
ensure_roles() {
  psql_admin <<'SQL'
ALTER ROLE postgres PASSWORD 'postgres';
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'thoth') THEN
    CREATE ROLE thoth LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD 'thoth';
  END IF;
END
$$;
SELECT 'CREATE DATABASE thoth OWNER thoth'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'thoth') \gexec
SELECT split_part(current_setting('server_version'), ' ', 1);
SQL
}

cmd_start() {
  ensure_installed
  resolve_state
  lock_state "$STATE"
  if is_running; then
    local port
    port=$(running_port)
    [ "$port" = "$PORT" ] || die "already running on port $port (THOTH_PG_PORT=$PORT); run postgres.sh stop first"
    settle
  fi
  if ! is_running; then
    [ -f "$DATA/PG_VERSION" ] || init_cluster
    write_settings
    mkdir -p "$SOCKDIR"
    if is_root; then chown "$SERVER_USER": "$SOCKDIR" "$LOGFILE" 2>/dev/null || true; fi
    if ! as_server "$BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 120 -s start 9>&-; then
      tail -n 30 "$LOGFILE" >&2 || true
      die "the server did not start (log: $LOGFILE)"
    fi
  fi
  local version
  version=$(ensure_roles | tail -n 1)
  echo "postgres $version at $APP_URL"
}

cmd_stop() {
  BIN=$(find_bindir) || true
  if [ -n "${BIN:-}" ] && [ -d "$DATA" ]; then lock_state "$STATE"; fi
  if is_running; then
    # Fast: ends open sessions (tests may leave pools behind) and shuts down cleanly.
    as_server "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 120 -s stop
  fi
  echo "postgres stopped"
}

cmd_status() {
  BIN=$(find_bindir) || { echo "postgres not installed"; exit 3; }
  if ! is_running; then
    echo "postgres stopped ($("$BIN/postgres" --version))"
    exit 3
  fi
  PORT=$(running_port)
  if ! accepting; then
    echo "postgres not accepting connections (pid $(head -n 1 "$DATA/postmaster.pid"): starting, recovering or stopping)"
    exit 3
  fi
  echo "postgres $(psql_admin -c "SELECT split_part(current_setting('server_version'), ' ', 1)") running at $HOST:$PORT (pid $(head -n 1 "$DATA/postmaster.pid"), data $DATA)"
  psql_admin -c 'SELECT version()'
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  state-dir) echo "$STATE" ;;
  url)
    case "${2:-}" in
      "") echo "$APP_URL" ;;
      --admin) echo "$ADMIN_URL" ;;
      *) die "usage: postgres.sh url [--admin]" ;;
    esac
    ;;
  *) die "usage: postgres.sh start|stop|status|url [--admin]|state-dir" ;;
esac
