#!/usr/bin/env bash
# statsd_exporter, built from the Go module proxy (`go install`, pure Go): the runtime tests run it with the
# rendered mappings.yml, send it Airflow's StatsD metrics over UDP and scrape /metrics. A no-op when built.
set -euo pipefail
version=v0.28.0
bin="$CDK8S_AIRFLOW_CACHE/bin/statsd_exporter-$version"
if [ -x "$bin" ]; then echo "statsd_exporter ready: $bin"; exit 0; fi
command -v go >/dev/null || { echo "SKIP: no Go toolchain to build statsd_exporter $version"; exit 1; }
tmp="$CDK8S_AIRFLOW_CACHE/bin/.statsd-exporter-build"
rm -rf "$tmp"; mkdir -p "$tmp"
GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-mod=mod nice go install "github.com/prometheus/statsd_exporter@$version" \
  || { echo "SKIP: go install github.com/prometheus/statsd_exporter@$version failed"; exit 1; }
mv "$tmp/statsd_exporter" "$bin"
rm -rf "$tmp"
"$bin" --version 2>&1 | head -n 1
