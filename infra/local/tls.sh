#!/usr/bin/env bash
# A development certificate authority and the certificates the local services present,
# made with the machine's openssl. For tests and local runs only: the CA's key sits
# beside its certificate, unencrypted, under infra/local/.state/tls (THOTH_TLS_DIR).
#
#   tls.sh ca                 make the CA when missing; print its certificate's path
#   tls.sh issue NAME         make NAME.crt / NAME.key when missing or expiring; print the directory
#   tls.sh dir                print the directory
#
# Every certificate names 127.0.0.1, ::1 and localhost, and is good for both ends of a
# connection (serverAuth and clientAuth): the same file serves a listener and, for mutual
# TLS, the client it connects as. Keys are P-256 in PKCS#8 PEM, which Java (Kafka's PEM
# keystore), Node and grpc-js all read. A second, unrelated CA (a test's "other CA") is
# another directory: THOTH_TLS_DIR=/tmp/x tls.sh issue rogue.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=tls

DIR=${THOTH_TLS_DIR:-$STATE_ROOT/tls}
CA_DAYS=3650
LEAF_DAYS=825
# Renewed when it expires within this many seconds (30 days).
RENEW_BEFORE=2592000

command -v openssl >/dev/null || apt_install openssl

fresh() { [ -f "$1.crt" ] && [ -f "$1.key" ] && openssl x509 -checkend "$RENEW_BEFORE" -noout -in "$1.crt" >/dev/null 2>&1; }

ensure_ca() {
  fresh "$DIR/ca" && return 0
  local tmp
  tmp=$(mktemp -d "$DIR/.ca.XXXXXX")
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days "$CA_DAYS" \
    -subj "/O=Thoth development/CN=Thoth development CA $(hostname) $(date +%s)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$tmp/ca.crt"
  # A new CA invalidates every leaf it did not sign.
  rm -f "$DIR"/*.crt "$DIR"/*.key
  mv "$tmp/ca.key" "$DIR/ca.key"
  mv "$tmp/ca.crt" "$DIR/ca.crt"
  rmdir "$tmp"
  log "made a development CA in $DIR"
}

issue() {
  local name=$1
  [[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "certificate names are lowercase letters, digits and '-': $name"
  [ "$name" != ca ] || die "'ca' is the authority's own name"
  fresh "$DIR/$name" && return 0
  local tmp
  tmp=$(mktemp -d "$DIR/.$name.XXXXXX")
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/key" 2>/dev/null
  openssl req -new -key "$tmp/key" -subj "/O=Thoth development/CN=$name" -out "$tmp/csr"
  cat >"$tmp/ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:$name
EXT
  openssl x509 -req -in "$tmp/csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days "$LEAF_DAYS" -sha256 -extfile "$tmp/ext" -out "$tmp/crt" 2>/dev/null
  chmod 600 "$tmp/key"
  mv "$tmp/key" "$DIR/$name.key"
  mv "$tmp/crt" "$DIR/$name.crt"
  rm -rf "$tmp"
}

mkdir -p "$DIR"
chmod 700 "$DIR"
# One writer at a time: up.sh and the test setup may ask side by side.
exec 8>"$DIR/.lock"
flock 8

case "${1:-}" in
  ca) ensure_ca; echo "$DIR/ca.crt" ;;
  issue)
    [ $# -eq 2 ] || die "usage: tls.sh issue NAME"
    ensure_ca
    issue "$2"
    echo "$DIR"
    ;;
  dir) echo "$DIR" ;;
  *) die "usage: tls.sh ca|issue NAME|dir" ;;
esac
