#!/usr/bin/env bash
# What the Helm chart's test needs (infra/helm/thoth, test/integration/helm-chart): helm and
# kubeconform built with `go install` from the Go module proxy, and the Kubernetes API's JSON
# schemas made offline from the OpenAPI specification that the k8s.io/kubernetes module carries
# (api/openapi-spec/swagger.json), plus the PrometheusRule CRD's schema from the
# prometheus-operator module. Nothing comes from anywhere but the Go module proxy (and its
# checksum database). Built once into a per-user cache; later runs only print the paths.
#
#   k8s-tools.sh     build what is missing, then print KEY=VALUE lines:
#                    HELM, KUBECONFORM, KUBECONFORM_SCHEMA_LOCATION, KUBERNETES_VERSION
set -euo pipefail

HELM_VERSION=v3.22.1
KUBECONFORM_VERSION=v0.8.0
KUBERNETES_VERSION=v1.35.4
PROMETHEUS_OPERATOR_VERSION=v0.85.0
# The Go fetched only where the machine has none recent enough.
GO_TOOLCHAIN=1.26.8

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${THOTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/thoth}
TOOLS=$CACHE/k8s-tools
HELM_DIR=$TOOLS/helm-$HELM_VERSION
KUBECONFORM_DIR=$TOOLS/kubeconform-$KUBECONFORM_VERSION
SCHEMA_DIR=$TOOLS/schemas-kubernetes-$KUBERNETES_VERSION-prometheus-operator-$PROMETHEUS_OPERATOR_VERSION

log() { echo "[k8s-tools] $*" >&2; }

NODE=$(command -v node || true)

# Test files run in parallel and each makes sure of the tools: one at a time.
mkdir -p "$TOOLS"
exec 9>"$TOOLS/.lock"
flock 9

# The Go settings of every build here: the module proxy and its checksum database (the
# defaults, stated so that a machine's GOFLAGS or GOPROXY=off does not decide), a module cache
# of our own that can be deleted (-modcacherw), no cgo, this Go and no other toolchain.
export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOSUMDB=${GOSUMDB:-sum.golang.org}
export GOPATH=$TOOLS/go GOMODCACHE=$TOOLS/go/pkg/mod GOFLAGS="-modcacherw -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local

# A Go of 1.24 or later (helm's go.mod asks for it): the machine's, or else the toolchain Go itself
# publishes on the module proxy (golang.org/toolchain, what GOTOOLCHAIN switching fetches), checked
# against the checksum database's h1 hash of the module, as `go` would.
go_usable() { [ -x "$1" ] && "$1" version 2>/dev/null | grep -Eq 'go1\.(2[4-9]|[3-9][0-9])'; }
fetch_go() {
  local dir=$TOOLS/go-$GO_TOOLCHAIN version arch
  arch=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
  version=v0.0.1-go$GO_TOOLCHAIN.linux-$arch
  if [ ! -x "$dir/bin/go" ]; then
    log "no Go 1.24 or later here: fetching golang.org/toolchain@$version from the module proxy"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    curl -fsSL "${GOPROXY%%,*}/golang.org/toolchain/@v/$version.zip" -o "$dir.tmp/toolchain.zip"
    curl -fsSL "${GOPROXY%%,*}/sumdb/sum.golang.org/lookup/golang.org/toolchain@$version" -o "$dir.tmp/lookup"
    python3 - "$dir.tmp" "golang.org/toolchain@$version/" <<'PY' >&2
import base64, hashlib, os, stat, sys, zipfile
target, prefix = sys.argv[1], sys.argv[2]
expected = next(line.split()[2] for line in open(f"{target}/lookup") if line.startswith("golang.org/toolchain ") and "/go.mod" not in line)
with zipfile.ZipFile(f"{target}/toolchain.zip") as archive:
    names = sorted(n for n in archive.namelist() if not n.endswith("/"))
    # The module's dirhash (golang.org/x/mod/sumdb/dirhash, Hash1): the sha256 of "<sha256>  <name>\n" lines.
    summary = "".join(f"{hashlib.sha256(archive.read(n)).hexdigest()}  {n}\n" for n in names)
    actual = "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()
    if actual != expected:
        sys.exit(f"golang.org/toolchain: {actual} is not the checksum database's {expected}")
    for n in names:
        path = os.path.join(target, n[len(prefix):])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(archive.read(n))
        if n[len(prefix):].startswith(("bin/", "pkg/tool/")):
            os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
PY
    rm -f "$dir.tmp/toolchain.zip" "$dir.tmp/lookup"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/bin/go"
}
# Resolved on first need only: with everything cached, no Go is needed at all.
GO=
need_go() {
  [ -n "$GO" ] && return
  GO=$(command -v go || echo /usr/local/go/bin/go)
  go_usable "$GO" || GO=$(fetch_go)
}

# go install <package>@<version> into <dir>/bin, atomically (a killed build leaves no half tool).
go_install() {
  local dir=$1 package=$2 version=$3
  need_go
  log "building ${package##*/} $version with go install (module proxy: $GOPROXY)"
  rm -rf "$dir.tmp"
  GOBIN=$dir.tmp/bin "$GO" install -trimpath "$package@$version" >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

# The directory of a module version in the module cache (downloaded through the proxy when missing).
module_dir() {
  "$GO" mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

[ -x "$HELM_DIR/bin/helm" ] || go_install "$HELM_DIR" helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
[ -x "$KUBECONFORM_DIR/bin/kubeconform" ] || go_install "$KUBECONFORM_DIR" github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

if [ ! -f "$SCHEMA_DIR/.complete" ]; then
  [ -n "$NODE" ] || { log "node is needed to convert the OpenAPI specification"; exit 1; }
  need_go
  log "fetching k8s.io/kubernetes $KUBERNETES_VERSION (api/openapi-spec) and prometheus-operator $PROMETHEUS_OPERATOR_VERSION through the module proxy"
  kubernetes=$(module_dir k8s.io/kubernetes "$KUBERNETES_VERSION")
  operator=$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")
  rm -rf "$SCHEMA_DIR.tmp"
  "$NODE" "$ROOT/infra/local/k8s-schemas.mjs" "$SCHEMA_DIR.tmp" \
    "$kubernetes/api/openapi-spec/swagger.json" \
    "$operator/jsonnet/prometheus-operator/prometheusrules-crd.json" >&2
  touch "$SCHEMA_DIR.tmp/.complete"
  rm -rf "$SCHEMA_DIR" && mv "$SCHEMA_DIR.tmp" "$SCHEMA_DIR"
  # The module sources were only needed for the two files above (k8s.io/kubernetes is ~400 MB unpacked).
  "$GO" clean -modcache
fi

echo "HELM=$HELM_DIR/bin/helm"
echo "KUBECONFORM=$KUBECONFORM_DIR/bin/kubeconform"
echo "KUBECONFORM_SCHEMA_LOCATION=$SCHEMA_DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json"
echo "KUBERNETES_VERSION=${KUBERNETES_VERSION#v}"
