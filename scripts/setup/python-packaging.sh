#!/usr/bin/env bash
# The Python side of the jsii package, for test/python/: a wheelhouse and a cached virtual environment.
#
# $CDK8S_AIRFLOW_CACHE/python-packaging/wheelhouse  every wheel jsii-pacmak's Python build needs (its own
#   requirements-dev.txt: setuptools, build, twine) and every wheel a Python cdk8s app needs (cdk8s, cdk8s-plus-28,
#   constructs, the jsii runtime and their dependencies), downloaded once from PyPI. The test builds the wheel with
#   PIP_NO_INDEX=1 PIP_FIND_LINKS=<wheelhouse>, so rebuilding it does not touch the network (pip's HTTP cache is
#   not used on this machine: every `pip install` downloaded everything again).
# $CDK8S_AIRFLOW_CACHE/python-packaging/venv  Python with exactly those runtime packages, never changed by the tests:
#   they install each cdk8s-airflow build into site/<build>/ and put it on PYTHONPATH (test/support/python.ts).
#
# Versions follow the npm ones: cdk8s, cdk8s-plus-28 and constructs at the versions in node_modules (npm ci ran
# before `npm test` runs this), the jsii runtime at jsii-pacmak's version (the generated package requires
# `jsii>=<pacmak version>`). A no-op when the venv's marker holds the hash of those pins and of pacmak's
# requirements. Exits 1 with `SKIP: <reason>` when Python >= 3.10 (the generated package's Requires-Python) or
# PyPI cannot be had.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${CDK8S_AIRFLOW_CACHE:-$HOME/.cache/cdk8s-airflow}/python-packaging"
python="${CDK8S_AIRFLOW_PYTHON:-$(command -v python3 || true)}"
[ -n "$python" ] || { echo "SKIP: no python3 on PATH (jsii-pacmak runs python3; set CDK8S_AIRFLOW_PYTHON)"; exit 1; }
"$python" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || { echo "SKIP: $python is not Python >= 3.10 with venv and ensurepip ($("$python" --version 2>&1))"; exit 1; }
npm_version() { node -p "require('./node_modules/$1/package.json').version" 2>/dev/null; }
requirements_dev=node_modules/jsii-pacmak/lib/targets/python/requirements-dev.txt
[ -f "$requirements_dev" ] || { echo "SKIP: $requirements_dev missing: run npm ci first"; exit 1; }
pins=("cdk8s==$(npm_version cdk8s)" "cdk8s-plus-28==$(npm_version cdk8s-plus-28)" "constructs==$(npm_version constructs)" "jsii==$(npm_version jsii-pacmak)")
for pin in "${pins[@]}"; do
  case "$pin" in *==) echo "SKIP: ${pin%==} is not in node_modules: run npm ci first"; exit 1 ;; esac
done

venv="$cache/venv"
want=$( (echo venv-2; printf '%s\n' "${pins[@]}"; cat "$requirements_dev"; "$python" --version) | sha256sum | cut -c1-16)
if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$want" ]; then
  echo "ready: $venv (${pins[*]})"
  exit 0
fi

started=$SECONDS
mkdir -p "$cache/wheelhouse"
# wheels only: nothing is compiled. Downloading what is already in the wheelhouse is skipped by pip.
if ! nice "$python" -m pip download --disable-pip-version-check --no-input -q --only-binary :all: \
  -d "$cache/wheelhouse" -r "$requirements_dev" "${pins[@]}"; then
  echo "SKIP: pip download of ${pins[*]} and $requirements_dev from PyPI failed (see the log above)"
  exit 1
fi
rm -rf "$venv"
"$python" -m venv "$venv" || { echo "SKIP: '$python -m venv $venv' failed"; exit 1; }
if ! nice "$venv/bin/pip" install --disable-pip-version-check --no-input -q --no-index --find-links "$cache/wheelhouse" "${pins[@]}"; then
  echo "SKIP: pip install ${pins[*]} from $cache/wheelhouse failed (see the log above)"
  exit 1
fi
echo "$want" >"$venv/.installed"
echo "installed ${pins[*]} in $((SECONDS - started)) s: $venv ($(du -sh "$venv" | cut -f1)), wheelhouse $(du -sh "$cache/wheelhouse" | cut -f1)"
