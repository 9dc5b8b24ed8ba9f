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

# Test files run in parallel and each makes sure of the environment: one at a time.
mkdir -p "$CACHE"
exec 9>"$CACHE/python.lock"
flock 9

if [ ! -x "$UV" ]; then
  PYTHON=$(command -v python3 || true)
  [ -n "$PYTHON" ] || { log "python3 (3.11 or later) is needed"; exit 1; }
  log "installing uv $UV_VERSION from PyPI into $UV_DIR"
  # The wheel is a zip holding the uv binary: fetched and checked against PyPI's sha256 with the
  # standard library alone, so neither pip nor a writable site-packages is needed.
  "$PYTHON" - "$UV_VERSION" "$UV_DIR" <<'PY' >&2
import hashlib, io, json, os, platform, stat, sys, urllib.request, zipfile
version, target = sys.argv[1], sys.argv[2]
arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[platform.machine().lower()]
libc = "musllinux" if platform.libc_ver()[0] != "glibc" else "manylinux"
index = os.environ.get("UV_INDEX_URL", "https://pypi.org/simple").rstrip("/")
request = urllib.request.Request(f"{index}/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
with urllib.request.urlopen(request) as response:
    files = json.load(response)["files"]
wheel = next(
    f for f in files
    if f["filename"].startswith(f"uv-{version}-") and libc in f["filename"] and f["filename"].endswith(f"_{arch}.whl")
)
with urllib.request.urlopen(wheel["url"]) as response:
    data = response.read()
if hashlib.sha256(data).hexdigest() != wheel["hashes"]["sha256"]:
    sys.exit(f"{wheel['filename']}: sha256 does not match PyPI's")
os.makedirs(f"{target}.tmp/bin", exist_ok=True)
with zipfile.ZipFile(io.BytesIO(data)) as archive:
    name = next(n for n in archive.namelist() if n.endswith(".data/scripts/uv"))
    path = f"{target}.tmp/bin/uv"
    with open(path, "wb") as out:
        out.write(archive.read(name))
os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
PY
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
