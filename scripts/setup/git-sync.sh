#!/usr/bin/env bash
# git-sync at the version the library pins (GitSyncSidecar's default image), from the Go module proxy, cached.
# The proxy has refused k8s.io/git-sync (403 "This module version is not available"), so this part reports SKIP with
# the proxy's answer; the tests that need the binary then say SKIPPED with it.
set -euo pipefail
version=v4.7.1
cache="${CDK8S_AIRFLOW_CACHE:?}"
bin="$cache/bin/git-sync-$version"
[ -x "$bin" ] && exit 0
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-mod=mod GOBIN="$cache/bin/git-sync-build"
if ! out=$(go install "k8s.io/git-sync@$version" 2>&1); then
  echo "$out"
  echo "SKIP: go install k8s.io/git-sync@$version failed: $(echo "$out" | grep -m1 -oE '[0-9]{3} [A-Za-z ]+' || echo "$out" | tail -n 1)"
  exit 1
fi
mkdir -p "$cache/bin"
mv "$GOBIN/git-sync" "$bin"
