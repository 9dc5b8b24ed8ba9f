#!/usr/bin/env bash
# The image's build step (infra/image/Dockerfile) and `pnpm build`: one service's deployable
# directory, started with `node main.js` from inside it. Needs Node 24 and the workspace's
# dependencies installed (pnpm install); writes nothing outside <outdir>.
#   infra/image/build.sh <control-plane|enforcer|ledger> <outdir>
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 <control-plane|enforcer|ledger> <outdir>" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
outdir=$(mkdir -p "$2" && cd "$2" && pwd)
exec node "$root/infra/image/build.ts" "$1" "$outdir"
