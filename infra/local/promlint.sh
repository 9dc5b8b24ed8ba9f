#!/usr/bin/env bash
# promlint (infra/local/promlint/main.go): the checks of `promtool check metrics` (client_golang's
# testutil/promlint) and `promtool check rules` (Prometheus's model/rulefmt), without promtool.
# Built with Go from the Go module proxy (go.sum pins every module) into a per-user cache keyed by
# the sources' hash; quick when built. Go 1.24 or later: the one on PATH, /usr/local/go, or Debian's golang-go.
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
  # Go 1.24 or later (prometheus/prometheus's go.mod asks for it): the machine's, else Debian's.
  go_usable() { [ -n "$1" ] && [ -x "$1" ] && "$1" version 2>/dev/null | grep -Eq 'go1\.(2[4-9]|[3-9][0-9])'; }
  GO=$(command -v go || true)
  go_usable "$GO" || GO=/usr/local/go/bin/go
  if ! go_usable "$GO"; then
    apt_install golang-go
    GO=$(command -v go || true)
    go_usable "$GO" || die "Go 1.24 or later is needed to build promlint (found: ${GO:-none}); install it, or put it on PATH"
  fi
  log "building promlint $VERSION with $("$GO" version | cut -d' ' -f3) (modules from ${GOPROXY:-the Go module proxy})"
  started=$(date +%s)
  # The module proxy and its checksum database only (never a VCS: no ",direct"), this Go and no other
  # toolchain, -mod=readonly: go.sum is the pin, nothing is resolved anew.
  # Modules in this cache too (-modcacherw: deletable like the rest of it).
  (cd "$SRC" && GOPROXY=${GOPROXY:-https://proxy.golang.org} GOSUMDB=${GOSUMDB:-sum.golang.org} GOTOOLCHAIN=local CGO_ENABLED=0 \
    GOMODCACHE="$CACHE/promlint/go-mod" GOFLAGS="-mod=readonly -modcacherw -buildvcs=false" \
    "$GO" build -trimpath -o "$BIN.tmp" .) >&2
  mv "$BIN.tmp" "$BIN"
  log "built in $(($(date +%s) - started)) s"
fi
echo "$BIN"
