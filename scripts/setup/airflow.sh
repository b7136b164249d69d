#!/usr/bin/env bash
# Real Airflow for the tests under test/real/: one cached Python 3.11 venv per Airflow release the tests ask,
# `$CDK8S_AIRFLOW_CACHE/venvs/airflow-<version>`, with apache-airflow and the providers the library configures
# (cncf.kubernetes, celery, fab, postgres).
#
# scripts/setup/airflow/requirements-<version>.txt  what we ask for: Airflow at an AirflowVersion constant of
#   src/version.ts, providers at the versions src/config/data/ was generated from; wheels only (`--only-binary
#   :all:`), the few pure-Python packages PyPI has only as sdists named there with `--no-binary` (no C is compiled).
# scripts/setup/airflow/constraints-<version>.txt   every dependency pinned to its newest version on PyPI when the
#   pinned set was released (how to regenerate: its header), as Airflow's official constraints files (on GitHub, which
#   this machine cannot reach) are made: the latest versions of today break Airflow 3.2.2's API server (pydantic 2.14).
#
# A no-op when each venv holds a marker with the hash of its two files. Exits 1 with `SKIP: <reason>` on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)/airflow"
cache="${CDK8S_AIRFLOW_CACHE:-$HOME/.cache/cdk8s-airflow}"
python="${CDK8S_AIRFLOW_PYTHON:-$(command -v python3.11 || true)}"
[ -n "$python" ] || { echo "SKIP: no python3.11 on PATH (Airflow 2.11 and 3.x both support it; set CDK8S_AIRFLOW_PYTHON)"; exit 1; }
mkdir -p "$cache/venvs"

install_one() {
  local version="$1" req="$here/requirements-$1.txt" cons="$here/constraints-$1.txt"
  local venv="$cache/venvs/airflow-$version" want started=$SECONDS
  want=$( (cat "$req"; [ ! -f "$cons" ] || cat "$cons") | sha256sum | cut -c1-16)
  if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$want" ] \
    && [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("apache-airflow"))' 2>/dev/null)" = "$version" ]; then
    echo "airflow $version: ready in $venv"
    return 0
  fi
  # a venv of another pin set is brought to this one in place (pip installs what changed), else made anew
  if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    rm -rf "$venv"
    "$python" -m venv "$venv" || { echo "SKIP: '$python -m venv $venv' failed"; return 1; }
  fi
  rm -f "$venv/.installed"
  local constraints=()
  [ -f "$cons" ] && constraints=(-c "$cons")
  if ! nice "$venv/bin/pip" install --disable-pip-version-check --no-input -q -r "$req" "${constraints[@]}"; then
    echo "SKIP: pip install -r $req ${constraints[*]} failed for Airflow $version (see the log above)"
    return 1
  fi
  if [ -f "$cons" ]; then
    # the constraints are the whole resolution: what an earlier pin set left behind goes
    local extra
    extra=$(comm -23 <("$venv/bin/pip" freeze --disable-pip-version-check | sed 's/==.*//' | tr 'A-Z_.' 'a-z--' | sort) \
      <(grep -E '^[A-Za-z0-9]' "$cons" | sed 's/==.*//' | tr 'A-Z_.' 'a-z--' | sort))
    # shellcheck disable=SC2086
    [ -z "$extra" ] || "$venv/bin/pip" uninstall --disable-pip-version-check -q -y $extra
  fi
  "$venv/bin/pip" check --disable-pip-version-check || { echo "SKIP: pip check failed in $venv"; return 1; }
  echo "$want" >"$venv/.installed"
  echo "airflow $version: installed in $((SECONDS - started)) s, $(du -sh "$venv" | cut -f1) in $venv"
}

pids=()
versions=()
for req in "$here"/requirements-*.txt; do
  version=$(basename "$req" .txt | sed 's/^requirements-//')
  versions+=("$version")
  install_one "$version" >"$cache/venvs/airflow-$version.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then failed=1; fi
  cat "$cache/venvs/airflow-${versions[$i]}.log"
done
[ "$failed" = 0 ] || { echo "SKIP: $(grep -h '^SKIP: ' "$cache"/venvs/airflow-*.log | cut -c7- | tr '\n' ' ')"; exit 1; }
