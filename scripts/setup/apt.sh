#!/usr/bin/env bash
# Debian packages the runtime tests use (one package a line in apt-packages.txt). Root on this machine kind;
# `apt-get update` runs once (its marker lives in the cache folder).
set -euo pipefail
here="$(dirname "$0")"
packages=$(grep -vE '^\s*(#|$)' "$here/apt-packages.txt" | tr '\n' ' ' || true)
[ -n "$packages" ] || exit 0
missing=$(for p in $packages; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done)
[ -n "$missing" ] || { echo "all installed: $packages"; exit 0; }
if [ "$(id -u)" != 0 ]; then echo "SKIP: not root, cannot apt-get install $missing"; exit 1; fi
command -v apt-get >/dev/null || { echo "SKIP: no apt-get on this machine (needs $missing)"; exit 1; }
marker="$CDK8S_AIRFLOW_CACHE/apt-updated"
if [ ! -f "$marker" ]; then apt-get update && touch "$marker"; fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
