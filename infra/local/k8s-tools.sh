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

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${THOTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/thoth}
TOOLS=$CACHE/k8s-tools
HELM_DIR=$TOOLS/helm-$HELM_VERSION
KUBECONFORM_DIR=$TOOLS/kubeconform-$KUBECONFORM_VERSION
SCHEMA_DIR=$TOOLS/schemas-kubernetes-$KUBERNETES_VERSION-prometheus-operator-$PROMETHEUS_OPERATOR_VERSION

log() { echo "[k8s-tools] $*" >&2; }

GO=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$GO" ] || { log "Go (1.24 or later) is needed: apt-get install golang-go, or /usr/local/go"; exit 1; }
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

# go install <package>@<version> into <dir>/bin, atomically (a killed build leaves no half tool).
go_install() {
  local dir=$1 package=$2 version=$3
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
