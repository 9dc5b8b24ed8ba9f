#!/usr/bin/env bash
# Starts the local PostgreSQL and Kafka side by side (quick when they already run) and
# prints where they are.
#
#   bash infra/local/up.sh          one line per service, then THOTH_TEST_* lines (Kafka: the
#                                   broker's admin over SASL_SSL, its password in a 0600 file)
#   eval "$(bash infra/local/up.sh --env)"
#                                   stdout holds only `export ...` lines; the service
#                                   lines go to stderr
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=up

env_only=false
case "${1:-}" in
  "") ;;
  --env) env_only=true ;;
  *) die "usage: up.sh [--env]" ;;
esac

# Both in parallel: the broker's JVM start dominates and Postgres fits inside it. Each
# script's stdout is its one summary line, kept for printing in order; stderr (progress
# of first-time installs, errors) passes straight through.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash "$INFRA_LOCAL/postgres.sh" start >"$out/postgres" &
pg=$!
bash "$INFRA_LOCAL/kafka.sh" start >"$out/kafka" &
kafka=$!
failed=()
wait "$pg" || failed+=(postgres)
wait "$kafka" || failed+=(kafka)
[ ${#failed[@]} -eq 0 ] || die "failed to start: ${failed[*]}"

database_url=$(bash "$INFRA_LOCAL/postgres.sh" url)
admin_url=$(bash "$INFRA_LOCAL/postgres.sh" url --admin)
kafka_env=$(bash "$INFRA_LOCAL/kafka.sh" env --test)

if $env_only; then
  cat "$out/postgres" "$out/kafka" >&2
  echo "export THOTH_TEST_DATABASE_URL='$database_url'"
  echo "export THOTH_TEST_DATABASE_ADMIN_URL='$admin_url'"
  while IFS= read -r line; do echo "export ${line%%=*}='${line#*=}'"; done <<<"$kafka_env"
else
  cat "$out/postgres" "$out/kafka"
  echo "THOTH_TEST_DATABASE_URL=$database_url"
  echo "THOTH_TEST_DATABASE_ADMIN_URL=$admin_url"
  echo "$kafka_env"
fi
