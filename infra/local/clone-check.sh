#!/usr/bin/env bash
# A clone works wherever it lands: clones this checkout (its committed HEAD) into a fresh
# `mktemp -d` (mode 0700, as root's home is), starts that clone's PostgreSQL and Kafka with
# the clone's own infra/local scripts on free ports beside any running ones, checks that both
# answer, then stops them and removes everything it made. `.ci/run` runs it before the tests;
# it needs what up.sh needs (the Kafka jars come from the shared cache).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=clone-check

# The first port from $1 on that nothing listens on.
free_port() {
  local port=$1
  while port_open 127.0.0.1 "$port"; do port=$((port + 1)); done
  echo "$port"
}

tmp=$(mktemp -d)
clone=$tmp/thoth
cleanup() {
  local state
  state=$(bash "$clone/infra/local/postgres.sh" state-dir 2>/dev/null) || state=""
  bash "$clone/infra/local/down.sh" >/dev/null 2>&1 || true
  # A server user that cannot enter $tmp keeps the clone's cluster in its own home.
  case $state in "" | "$tmp"/*) ;; *) rm -rf "$state" ;; esac
  rm -rf "$tmp"
}
trap cleanup EXIT

[ "$(stat -c %a "$tmp")" = 700 ] || die "mktemp -d made $tmp with mode $(stat -c %a "$tmp"), not 0700"
git clone -q "$THOTH_ROOT" "$clone"

export THOTH_PG_PORT THOTH_KAFKA_PORT THOTH_KAFKA_CONTROLLER_PORT
THOTH_PG_PORT=$(free_port 54339)
THOTH_KAFKA_PORT=$(free_port 19192)
THOTH_KAFKA_CONTROLLER_PORT=$(free_port $((THOTH_KAFKA_PORT + 1)))
export THOTH_KAFKA_HEAP_OPTS='-Xmx384m -Xms128m'
unset THOTH_PG_STATE_DIR THOTH_KAFKA_STATE_DIR

# Each start returns only once its service answers: Postgres its roles' SQL, Kafka an
# ApiVersions request with the broker registered.
bash "$clone/infra/local/up.sh" >"$tmp/up.log" || { cat "$tmp/up.log" >&2; die "the clone's services did not start"; }
# And the application role over TCP, as the tests connect.
url=$(bash "$clone/infra/local/postgres.sh" url)
psql=$(command -v psql || find /usr/lib/postgresql -path '*/bin/psql' | sort -V | tail -n 1)
[ "$("$psql" "$url" -X -Atc 'SELECT current_user')" = thoth ] || die "postgres at $url did not answer as thoth"
bash "$clone/infra/local/kafka.sh" status >/dev/null || die "kafka in the clone is not running"
echo "clone-check: postgres and kafka start from a clone under a mode-0700 directory (postgres data in $(bash "$clone/infra/local/postgres.sh" state-dir), ports $THOTH_PG_PORT and $THOTH_KAFKA_PORT)"
