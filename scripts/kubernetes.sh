#!/usr/bin/env bash
# Builds the Kubernetes manifests (deploy/kubernetes/) and validates them against the Kubernetes
# API schemas, offline: what tests/infra/kubernetes.test.ts runs (docs/decisions/0141). Tools are
# installed on first use and cached under $GROUNDWORK_CACHE (default ~/.cache/groundwork):
# kustomize is `kubectl kustomize` when kubectl is on the PATH, else built from the Go module
# proxy; the validator is the PyPI package kubernetes-validate, whose wheel carries the schemas of
# every Kubernetes version (no download at validation time).
#
#   scripts/kubernetes.sh build <dir>        print the manifests kustomize makes of <dir>
#   scripts/kubernetes.sh validate <file>... validate against each version in KUBERNETES_VERSIONS
set -euo pipefail

CACHE="${GROUNDWORK_CACHE:-$HOME/.cache/groundwork}"
BIN="$CACHE/bin"
KUSTOMIZE_VERSION=v5.7.1
KUBERNETES_VALIDATE_VERSION=1.37.0
# The oldest minor still offered by the large managed services, and the newest the wheel knows.
KUBERNETES_VERSIONS="${KUBERNETES_VERSIONS:-1.33.0 1.37.0}"

LOG_TAG=kubernetes
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kustomize() {
  if command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize "$@"
    return
  fi
  if ! { [ -x "$BIN/kustomize" ] && [ "$(cat "$BIN/kustomize.version" 2>/dev/null)" = "$KUSTOMIZE_VERSION" ]; }; then
    need go "install Go (or kubectl) to build kustomize"
    log "building kustomize $KUSTOMIZE_VERSION (about a minute the first time)"
    mkdir -p "$BIN"
    GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
    echo "$KUSTOMIZE_VERSION" >"$BIN/kustomize.version"
  fi
  "$BIN/kustomize" build "$@"
}

validator() {
  local venv="$CACHE/kubernetes-validate"
  if ! { [ -x "$venv/bin/kubernetes-validate" ] && "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -q "$KUBERNETES_VALIDATE_VERSION"; }; then
    need python3 "install Python 3 to install kubernetes-validate"
    log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (the schemas come with it)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2
  fi
  echo "$venv/bin/kubernetes-validate"
}

cmd_validate() {
  [ "$#" -gt 0 ] || die "name the files to validate"
  local bin version
  bin=$(validator)
  for version in $KUBERNETES_VERSIONS; do
    # Strict: a misspelt or misplaced field fails instead of being dropped by the API server.
    "$bin" --strict --quiet -k "$version" "$@"
  done
}

case "${1:-}" in
  build) shift && kustomize "$@" ;;
  validate) shift && cmd_validate "$@" ;;
  *) die "unknown command '${1:-}' (use: build <dir>, validate <file>...)" ;;
esac
