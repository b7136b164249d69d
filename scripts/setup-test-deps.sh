#!/usr/bin/env bash
# Sets up the real components the test suite runs against (PostgreSQL, PgBouncer, Redis, MariaDB, openssh from
# Debian; etcd, kube-apiserver, git-sync, statsd_exporter from the Go module proxy; Airflow from PyPI). `npm test`
# runs it first, so a newcomer's `npm test` and CI's `.ci/run` set up the same things.
#
# Each part is one script in scripts/setup/ (apt first, the others after it, in parallel). A part installs into the
# cache folder and is a no-op when its result is already there. Its outcome is written to
# $CDK8S_AIRFLOW_CACHE/status/<part>: `ok`, or `skipped: <reason>`; tests read it through
# test/support/real-components.ts and say SKIPPED with that reason when their component is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
export CDK8S_AIRFLOW_CACHE="${CDK8S_AIRFLOW_CACHE:-$HOME/.cache/cdk8s-airflow}"
mkdir -p "$CDK8S_AIRFLOW_CACHE/status" "$CDK8S_AIRFLOW_CACHE/logs"

run_part() {
  local part="$1" name
  name=$(basename "$part" .sh)
  local log="$CDK8S_AIRFLOW_CACHE/logs/$name.log"
  local started=$SECONDS
  if bash "$part" >"$log" 2>&1; then
    echo ok >"$CDK8S_AIRFLOW_CACHE/status/$name"
  else
    local reason
    reason=$(grep -E '^SKIP: ' "$log" | tail -n 1 | cut -c7-)
    [ -n "$reason" ] || reason="$part failed: $(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-300) (log: $log)"
    echo "skipped: $reason" >"$CDK8S_AIRFLOW_CACHE/status/$name"
  fi
  echo "setup $name: $(cat "$CDK8S_AIRFLOW_CACHE/status/$name") ($((SECONDS - started)) s)"
}

# Debian packages first: apt holds one lock, and the other parts may need what it installs.
run_part scripts/setup/apt.sh
pids=()
for part in scripts/setup/*.sh; do
  [ "$part" = scripts/setup/apt.sh ] && continue
  run_part "$part" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
exit 0
