#!/usr/bin/env bash
# Python pieces of the runtime tests, in one cached venv: the AWS CLI (the S3 sync script runs `aws s3 sync`) and
# moto's S3-compatible server (the local bucket it syncs from); SQLAlchemy with psycopg2 and asyncpg, Airflow's
# database drivers, to connect through PgBouncer as Airflow does. A no-op when the venv already has them.
# Debian pieces (PostgreSQL, PgBouncer, Redis, MariaDB) come from apt-packages.txt.
set -euo pipefail
venv="$CDK8S_AIRFLOW_CACHE/services-venv"
want="awscli==1.46.* moto[server]==5.1.* sqlalchemy==2.0.* psycopg2-binary==2.9.* asyncpg==0.30.*"
marker="$venv/.installed"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && "$venv/bin/aws" --version >/dev/null 2>&1 && "$venv/bin/moto_server" --help >/dev/null 2>&1; then
  echo "services venv ready: $("$venv/bin/aws" --version 2>&1)"
  exit 0
fi
python=$(command -v python3 || true)
[ -n "$python" ] || { echo "SKIP: no python3 to make the services venv (awscli, moto server)"; exit 1; }
if [ ! -x "$venv/bin/pip" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv" || { echo "SKIP: '$python -m venv' failed (install python3-venv)"; exit 1; }
fi
# shellcheck disable=SC2086
"$venv/bin/pip" install --disable-pip-version-check --no-input -q $want || { echo "SKIP: pip install $want failed"; exit 1; }
echo "$want" >"$marker"
"$venv/bin/aws" --version
