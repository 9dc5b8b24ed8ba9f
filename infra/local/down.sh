#!/usr/bin/env bash
# Stops the local Kafka and PostgreSQL started by up.sh. Their data stays under
# infra/local/.state; remove that directory to start from nothing.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=down

# Side by side, like up.sh; one failing does not keep the other running.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash "$INFRA_LOCAL/postgres.sh" stop >"$out/postgres" &
pg=$!
bash "$INFRA_LOCAL/kafka.sh" stop >"$out/kafka" &
kafka=$!
failed=()
wait "$pg" || failed+=(postgres)
wait "$kafka" || failed+=(kafka)
cat "$out/postgres" "$out/kafka"
[ ${#failed[@]} -eq 0 ] || die "failed to stop: ${failed[*]}"
