#!/usr/bin/env bash
# The Python SDK's toolchain (libs/sdk-python): uv from PyPI in a per-user cache, then the
# package's virtual environment (`uv sync`, every extra and the dev group) on the machine's own
# Python: uv never downloads an interpreter. Idempotent, quick when nothing changed.
#
#   python.sh            install when missing, then print one line: the venv's python
set -euo pipefail

UV_VERSION=0.13.10
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${THOTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/thoth}
UV_DIR="$CACHE/uv-$UV_VERSION"
UV="$UV_DIR/bin/uv"
export UV_PYTHON_DOWNLOADS=never UV_PYTHON_PREFERENCE=only-system

log() { echo "[python] $*" >&2; }

if [ ! -x "$UV" ]; then
  PYTHON=$(command -v python3 || true)
  [ -n "$PYTHON" ] || { log "python3 (3.11 or later) is needed"; exit 1; }
  log "installing uv $UV_VERSION from PyPI into $UV_DIR"
  rm -rf "$UV_DIR.tmp"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --target "$UV_DIR.tmp" "uv==$UV_VERSION" >&2
  rm -rf "$UV_DIR" && mv "$UV_DIR.tmp" "$UV_DIR"
fi

cd "$ROOT/libs/sdk-python"
stamp=".venv/.thoth-sync-stamp"
sum=$( (cat pyproject.toml uv.lock 2>/dev/null; "$UV" --version) | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  log "uv sync ($("$UV" --version))"
  "$UV" sync --all-extras --python "$(command -v python3)" ${CI:+--locked} >&2
  echo "$sum" > "$stamp"
fi
echo "$ROOT/libs/sdk-python/.venv/bin/python"
