#!/usr/bin/env bash
# promlint (infra/local/promlint/main.go): the checks of `promtool check metrics` (client_golang's
# testutil/promlint) and `promtool check rules` (Prometheus's model/rulefmt), without promtool.
# Built with Go from the Go module proxy (go.sum pins every module) into a per-user cache keyed by
# the sources' hash; quick when built. Go: the one on PATH, /usr/local/go, or Debian's golang-go.
#
#   promlint.sh          build when missing, then print one line: the binary's path
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=promlint

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/promlint" && pwd)
CACHE=${THOTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/thoth}
VERSION=$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -c1-16)
BIN="$CACHE/promlint/$VERSION/promlint"

# Test files run in parallel and each makes sure of the tool: one build at a time.
mkdir -p "$CACHE/promlint"
exec 9>"$CACHE/promlint.lock"
flock 9

if [ ! -x "$BIN" ]; then
  GO=$(command -v go || true)
  [ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; } || true
  if [ -z "$GO" ]; then
    apt_install golang-go
    GO=$(command -v go) || die "apt-get installed golang-go but go is missing"
  fi
  log "building promlint $VERSION with $("$GO" version | cut -d' ' -f3) (modules from ${GOPROXY:-the Go module proxy})"
  started=$(date +%s)
  # -mod=readonly: go.sum is the pin; nothing is resolved anew.
  (cd "$SRC" && CGO_ENABLED=0 GOFLAGS=-mod=readonly "$GO" build -trimpath -o "$BIN.tmp" .) >&2
  mv "$BIN.tmp" "$BIN"
  log "built in $(($(date +%s) - started)) s"
fi
echo "$BIN"
