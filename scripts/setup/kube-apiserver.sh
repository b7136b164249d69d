#!/usr/bin/env bash
# Builds etcd and kube-apiserver from the Go module proxy (never prebuilt binaries) into $CDK8S_AIRFLOW_CACHE/bin,
# once. test/support/real-apiserver.ts starts them for the tests in test/real/.
#
# kube-apiserver is built the way Kubernetes is consumed as a Go module: k8s.io/kubernetes's own go.mod points its
# staging modules (k8s.io/api, k8s.io/apiserver, ...) at ./staging/src/..., which a module consumer cannot use, so a
# scratch module requires k8s.io/kubernetes vX.Y.Z and replaces every staging module with its published
# k8s.io/<name> v0.Y.Z. The staging list is read from k8s.io/kubernetes's go.mod at that tag, not hard-coded.
# etcd is built the same way from go.etcd.io/etcd/server/v3 (its go.mod has replace directives, so `go install
# module@version` refuses it), at the version k8s.io/kubernetes's go.mod names.
#
# Go's build and module caches live in the cache folder too, so a second run (and CI with a warm cache) is a no-op.
set -euo pipefail

KUBE_VERSION="${KUBE_APISERVER_VERSION:-v1.33.13}"  # closest published release to the 1.33 we target (1.28 also claimed)
ETCD_VERSION="${ETCD_VERSION:-v3.5.21}"              # the etcd k8s.io/kubernetes v1.33.13 requires (go.etcd.io/etcd/server/v3)

CACHE="${CDK8S_AIRFLOW_CACHE:-$HOME/.cache/cdk8s-airflow}"
BIN="$CACHE/bin"
mkdir -p "$BIN"
apiserver="$BIN/kube-apiserver-$KUBE_VERSION"
etcd="$BIN/etcd-$ETCD_VERSION"

if [ -x "$apiserver" ] && [ -x "$etcd" ] && "$apiserver" --version >/dev/null 2>&1 && "$etcd" --version >/dev/null 2>&1; then
  ln -sf "$(basename "$apiserver")" "$BIN/kube-apiserver"
  ln -sf "$(basename "$etcd")" "$BIN/etcd"
  echo "already built: $("$apiserver" --version), etcd $ETCD_VERSION"
  exit 0
fi

command -v go >/dev/null || { echo "SKIP: no Go toolchain on PATH (needed to build kube-apiserver and etcd)"; exit 1; }
# one build at a time (two worktrees or runs may start it together); the second waits, then finds the binaries.
if command -v flock >/dev/null; then
  exec 9>"$CACHE/kube-apiserver-build.lock"
  flock 9
  if [ -x "$apiserver" ] && [ -x "$etcd" ]; then
    ln -sf "$(basename "$apiserver")" "$BIN/kube-apiserver"
    ln -sf "$(basename "$etcd")" "$BIN/etcd"
    echo "built by a concurrent run: $("$apiserver" --version)"
    exit 0
  fi
fi
echo "$(go version); building kube-apiserver $KUBE_VERSION and etcd $ETCD_VERSION into $BIN"

export GOCACHE="$CACHE/go/build"
export GOMODCACHE="$CACHE/go/mod"
export GOPATH="$CACHE/go/path"
export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
mkdir -p "$GOCACHE" "$GOMODCACHE" "$GOPATH"
work="$CACHE/go/src"
mkdir -p "$work"

minor="${KUBE_VERSION#v1.}"          # 33.13
staging_version="v0.$minor"          # v0.33.13

build_etcd() {
  [ -x "$etcd" ] && "$etcd" --version >/dev/null 2>&1 && return 0
  local dir="$work/etcd-$ETCD_VERSION"
  rm -rf "$dir"; mkdir -p "$dir"
  cat >"$dir/go.mod" <<EOF
module cdk8s-airflow/build-etcd

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  (cd "$dir" && nice go build -ldflags='-s -w' -o "$etcd.tmp" go.etcd.io/etcd/server/v3) || return 1
  mv "$etcd.tmp" "$etcd"
}

build_apiserver() {
  [ -x "$apiserver" ] && "$apiserver" --version >/dev/null 2>&1 && return 0
  local dir="$work/kube-apiserver-$KUBE_VERSION"
  rm -rf "$dir"; mkdir -p "$dir"
  local gomod
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
  [ -f "$gomod" ] || { echo "could not read k8s.io/kubernetes@$KUBE_VERSION go.mod"; return 1; }
  local staging
  staging=$(sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$gomod")
  [ -n "$staging" ] || { echo "no staging replaces found in $gomod"; return 1; }
  {
    echo "module cdk8s-airflow/build-kube-apiserver"
    echo
    echo "go 1.24.0"
    echo
    echo "godebug default=go1.24"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m $staging_version"; done
    echo ")"
  } >"$dir/go.mod"
  echo "scratch go.mod:"; cat "$dir/go.mod"
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*} -X $pkg.gitTreeState=clean"
  (cd "$dir" && nice go build -ldflags="$ldflags" -o "$apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver) || return 1
  mv "$apiserver.tmp" "$apiserver"
}

started=$SECONDS
build_etcd || { echo "SKIP: building etcd $ETCD_VERSION (go.etcd.io/etcd/server/v3) with $(go version | cut -d' ' -f3) failed (log above)"; exit 1; }
echo "etcd built in $((SECONDS - started)) s"
build_apiserver || { echo "SKIP: building kube-apiserver $KUBE_VERSION (k8s.io/kubernetes/cmd/kube-apiserver) with $(go version | cut -d' ' -f3) failed (log above)"; exit 1; }
ln -sf "$(basename "$apiserver")" "$BIN/kube-apiserver"
ln -sf "$(basename "$etcd")" "$BIN/etcd"
echo "built in $((SECONDS - started)) s: $("$apiserver" --version), etcd $("$etcd" --version | head -1)"
