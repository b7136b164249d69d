import { execFileSync, spawnSync } from 'child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, test } from 'vitest';
import { preflightScript } from '../../src/cli/preflight';
import { preflightItems } from '../../src/report/preflight';
import { reportObjects } from '../../src/report/report-objects';
import { describeWith } from '../support/real-components';
import { REPORT_EXAMPLES, synthExample } from '../support/report-examples';

const root = join(__dirname, '..', '..');

/**
 * A stand-in for kubectl answering `get <resource> [-n <ns>] <name> -o name|jsonpath={.data.<field>}` from a list of
 * objects (`resource namespace name key` per line, `-` for none), the way kubectl does: `-o name` prints
 * `<resource>/<name>`, a JSONPath field prints the value (nothing for a missing key), a missing object exits 1.
 * The field's backslashes are dropped as client-go's JSONPath parser does (util/jsonpath/parser.go parseField, v0.33).
 * Any other command line fails loudly, so a malformed check fails the test.
 */
const FAKE_KUBECTL = `#!/usr/bin/env bash
set -u
[ "$1" = get ] || { echo "fake kubectl: unexpected command: $*" >&2; exit 64; }
resource=$2; shift 2
ns=-
if [ "$1" = -n ]; then ns=$2; shift 2; fi
name=$1; [ "$2" = -o ] || { echo "fake kubectl: expected -o: $*" >&2; exit 64; }
format=$3; [ $# -eq 3 ] || { echo "fake kubectl: extra arguments: $*" >&2; exit 64; }
key=-
case "$format" in
  name) ;;
  'jsonpath={.data.'*'}') key=\${format#jsonpath=\\{.data.}; key=\${key%\\}}; key=\${key//\\\\/} ;;
  *) echo "fake kubectl: unexpected output format: $format" >&2; exit 64 ;;
esac
grep -qxF "$resource $ns $name -" "$KUBECTL_WORLD" || { echo "Error from server (NotFound)" >&2; exit 1; }
if [ "$key" = - ]; then echo "$resource/$name"; exit 0; fi
if grep -qxF "$resource $ns $name $key" "$KUBECTL_WORLD"; then echo c2VjcmV0; fi
exit 0
`;

function fakeKubectl(): string {
  const bin = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-kubectl-'));
  writeFileSync(join(bin, 'kubectl'), FAKE_KUBECTL);
  chmodSync(join(bin, 'kubectl'), 0o755);
  return bin;
}

/** The cluster as the preflight list asks for it: every listed object and key, in the namespace of the YAML. */
function world(items: ReturnType<typeof preflightItems>, namespace: string): string[] {
  const lines = new Set<string>();
  for (const item of items.filter(i => !i.manual)) {
    const [kind, ...rest] = item.ref.split('/');
    const name = rest.join('/');
    const ns = ['Secret', 'ConfigMap', 'PersistentVolumeClaim', 'ServiceAccount'].includes(kind) ? namespace : '-';
    lines.add(`${kind.toLowerCase()} ${ns} ${name} -`);
    if (item.key !== undefined) lines.add(`${kind.toLowerCase()} ${ns} ${name} ${item.key}`);
  }
  return [...lines];
}

describe.each(REPORT_EXAMPLES.map(([name]) => name))('`cdk8s-airflow preflight` on examples/%s.ts', name => {
  const example = synthExample(name);
  const items = preflightItems(reportObjects(example.deployment));
  const namespace = example.manifests.find(m => m.metadata.namespace !== undefined).metadata.namespace;
  const script = preflightScript(example.outdir);
  const file = join(example.outdir, 'preflight.sh');
  writeFileSync(file, script);
  const bin = fakeKubectl();
  const run = (lines: string[]) => {
    const worldFile = join(example.outdir, 'world.txt');
    writeFileSync(worldFile, lines.map(l => `${l}\n`).join(''));
    return spawnSync('bash', [file], { env: { PATH: `${bin}:/usr/bin:/bin`, KUBECTL_WORLD: worldFile }, encoding: 'utf-8' });
  };

  test('is a bash script without syntax errors', () => {
    expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(spawnSync('bash', ['-n', file], { encoding: 'utf-8' }).status).toBe(0);
  });

  test('says ok for every item, and exits 0, when the cluster has everything the list names', () => {
    const result = run(world(items, namespace));
    expect(result.stderr).toBe('');
    const kubectlItems = items.filter(i => !i.manual);
    expect(result.stdout.split('\n').filter(l => l.startsWith('ok '))).toHaveLength(kubectlItems.length);
    expect(result.stdout).not.toContain('MISSING');
    expect(result.status).toBe(0);
    // cloud identities are listed, not checked
    expect(result.stdout.split('\n').filter(l => l.startsWith('check '))).toHaveLength(items.filter(i => i.manual).length);
  });

  test('says MISSING for each item the cluster lacks, and exits 1', () => {
    const full = world(items, namespace);
    for (const item of items.filter(i => !i.manual)) {
      const [kind, ...rest] = item.ref.split('/');
      const gone = full.find(l => {
        const [resource, , object, key] = l.split(' ');
        return resource === kind.toLowerCase() && object === rest.join('/') && key === (item.key ?? '-');
      });
      expect(gone, item.ref).toBeDefined();
      const result = run(full.filter(l => l !== gone));
      expect(result.status, `${item.ref} ${item.key ?? ''}`).toBe(1);
      expect(result.stdout).toMatch(/^MISSING {2}/m);
    }
  });
});

describeWith(['apt'], 'shellcheck', () => {
  test.each(REPORT_EXAMPLES.map(([name]) => name))('finds nothing in the preflight script of examples/%s.ts', name => {
    const example = synthExample(name);
    const file = join(example.outdir, 'preflight.sh');
    writeFileSync(file, preflightScript(example.outdir));
    const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', file], { encoding: 'utf-8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('can fail: it reports a deliberately broken script', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cdk8s-airflow-sc-')), 'broken.sh');
    writeFileSync(file, '#!/usr/bin/env bash\nname=$1\nkubectl get secret $name\n');
    const result = spawnSync('shellcheck', ['--shell=bash', file], { encoding: 'utf-8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('SC2086');
  });
});

describe('the cdk8s-airflow command', () => {
  test('prints the script for `preflight <dir>`, usage otherwise, and a clear error without reports', () => {
    const example = synthExample('quickstart');
    const cli = (args: string[]) => spawnSync(join(root, 'node_modules', '.bin', 'ts-node'), ['-T', join(root, 'src', 'cli', 'main.ts'), ...args],
      { cwd: root, encoding: 'utf-8' });
    const ok = cli(['preflight', example.outdir]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(preflightScript(example.outdir));
    const usage = cli([]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('commands: from-helm, preflight');
    const empty = cli(['preflight', mkdtempSync(join(tmpdir(), 'cdk8s-airflow-empty-'))]);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('no cdk8s-airflow report (*.airflow.md) in');
  }, 120_000);

  test('lists the reports it read, and the check lines run kubectl with the report\'s command', () => {
    const example = synthExample('production');
    const script = preflightScript(example.outdir);
    expect(script).toContain('\n# production.airflow.md\n');
    expect(script).toContain("check 'production: Secret airflow-db key url' kubectl get secret -n airflow airflow-db -o 'jsonpath={.data.url}'\n");
    expect(script).toContain("check 'production: Namespace airflow' kubectl get namespace airflow -o name\n");
    expect(execFileSync('bash', ['-n'], { input: script }).toString()).toBe('');
  });
});
