#!/usr/bin/env bash
# Checks `npx cdk8s-airflow from-helm` from the packed package (issue #14): in a scratch app where the tarball is
# installed, converts every values file of test/helm/fixtures, type-checks all generated programs in one tsc run,
# runs each one (cdk8s synth) and checks the output keeps the chart's Fernet key Secret.
#
#   scripts/check-from-helm-tarball.sh APP_DIR     # APP_DIR: the packaging check's scratch app (tarball + peers installed)
#   scripts/check-from-helm-tarball.sh             # makes its own: npm pack (needs lib/ from `npx projen compile`) + npm install
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$repo/test/helm/fixtures"
app="${1:-}"
if [ -z "$app" ]; then
  app="$(mktemp -d)"
  tarball="$(cd "$repo" && npm pack --silent --pack-destination "$app" | tail -1)"
  peers="$(node -p "const p=require('$repo/package.json');['cdk8s','cdk8s-plus-28','constructs'].map(n=>n+'@'+p.devDependencies[n]).join(' ')")"
  ts="typescript@$(node -p "require('$repo/package.json').devDependencies.typescript")"
  (cd "$app" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "./$tarball" $peers "$ts" "@types/node@^20")
fi
cd "$app"
rm -rf from-helm && mkdir -p from-helm/src
for f in "$fixtures"/*.yaml; do
  name="$(basename "$f" .yaml)"
  [ "$name" = airflow-3-upgrade ] && continue
  extra=()
  [ "$name" = airflow-2-config ] && extra=(-f "$fixtures/airflow-3-upgrade.yaml")
  npx --no-install cdk8s-airflow from-helm "$f" "${extra[@]}" --release airflow --namespace airflow --out "from-helm/src/$name.ts"
done
if npx --no-install cdk8s-airflow from-helm "$fixtures/does-not-exist.yaml" >/dev/null 2>&1; then
  echo "FAIL: an unreadable values file must exit non-zero" >&2; exit 1
fi
cat > from-helm/tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "target": "ES2022", "module": "commonjs", "outDir": "js", "rootDir": "src",
  "skipLibCheck": true, "noUnusedLocals": true, "types": ["node"] }, "include": ["src/*.ts"] }
JSON
npx --no-install tsc -p from-helm/tsconfig.json
for js in from-helm/js/*.js; do
  name="$(basename "$js" .js)"
  CDK8S_OUTDIR="from-helm/dist/$name" node "$js"
  grep -q "airflow-fernet-key\|my-fernet-secret\|acme-fernet" from-helm/dist/"$name"/*.yaml || { echo "FAIL: $name keeps no Fernet key Secret" >&2; exit 1; }
done
echo "from-helm OK: $(ls from-helm/js/*.js | wc -l) programs generated from the tarball, compiled and synthesized in $app"
