#!/usr/bin/env bash
# Python pieces of the runtime tests, in one cached venv: the AWS CLI (the S3 sync script runs `aws s3 sync`) and
# moto's S3-compatible server (the local bucket it syncs from); SQLAlchemy with psycopg2 and asyncpg, Airflow's
# database drivers, to connect through PgBouncer as Airflow does; kombu and redis-py, Celery's Redis transport. A
# no-op when the venv already has them.
# Debian pieces (PostgreSQL, PgBouncer, Redis, MariaDB) come from apt-packages.txt.
#
# The scripts under test run as the pods' users (uid 50000, 65534) and must be able to run the venv's `aws`: when
# the cache folder is not reachable by other users (root's home is 0700), the venv goes to
# /var/cache/cdk8s-airflow/services-venv instead. Either way `$CDK8S_AIRFLOW_CACHE/services-venv.path` names it.
set -euo pipefail
want="awscli==1.46.* moto[server]==5.1.* sqlalchemy==2.0.* psycopg2-binary==2.9.* asyncpg==0.30.* kombu==5.5.* redis==5.2.*"
venv="$CDK8S_AIRFLOW_CACHE/services-venv"
reachable() { # whether uid 65534 can open folder $1
  [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null || return 0
  [ "$(id -u)" != 0 ] || setpriv --reuid 65534 --regid 65534 --clear-groups test -x "$1"
}
if ! reachable "$CDK8S_AIRFLOW_CACHE"; then venv=/var/cache/cdk8s-airflow/services-venv; fi
echo "$venv" >"$CDK8S_AIRFLOW_CACHE/services-venv.path"
marker="$venv/.installed"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && "$venv/bin/aws" --version >/dev/null 2>&1 && [ -x "$venv/bin/moto_server" ]; then
  echo "services venv ready: $venv, $("$venv/bin/aws" --version 2>&1)"
  exit 0
fi
# Debian's python3 (world-readable under /usr) first: the pods' users run the venv.
python=$(command -v /usr/bin/python3 || command -v python3 || true)
[ -n "$python" ] || { echo "SKIP: no python3 to make the services venv (awscli, moto server)"; exit 1; }
if [ ! -x "$venv/bin/pip" ]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv" || { echo "SKIP: '$python -m venv $venv' failed (install python3-venv)"; exit 1; }
fi
# shellcheck disable=SC2086
"$venv/bin/pip" install --disable-pip-version-check --no-input -q $want || { echo "SKIP: pip install $want failed"; exit 1; }
chmod -R a+rX "$venv"
echo "$want" >"$marker"
"$venv/bin/aws" --version
