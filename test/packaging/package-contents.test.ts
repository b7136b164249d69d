import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { beforeAll, describe, expect, test } from 'vitest';

// What `npm pack` puts in the tarball users install: the built package (`lib/`, compiled by `npm test` before
// vitest runs), without test reports, source maps or the library's `@internal` helpers (issue #10).
const ROOT = path.join(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');

function filesUnder(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith(suffix)).map(f => path.join(dir, f)).sort();
}

/** The names a module exports at its top level (statements with `export`), with whether their doc says `@internal`. */
function topLevelExports(file: string): Array<{ name: string; internal: boolean }> {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: Array<{ name: string; internal: boolean }> = [];
  for (const statement of source.statements) {
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some(m => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    const internal = ts.getJSDocTags(statement).some(tag => tag.tagName.text === 'internal');
    const names = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map(d => d.name.getText(source))
      : [(statement as ts.DeclarationStatement).name?.getText(source) ?? '(anonymous)'];
    for (const name of names) found.push({ name, internal });
  }
  return found;
}

beforeAll(() => {
  if (!fs.existsSync(path.join(LIB, 'index.d.ts'))) throw new Error('lib/ is not built: run `npx projen compile` (npm test does)');
});

describe('the package\'s type declarations', () => {
  const internalInSource = filesUnder(path.join(ROOT, 'src'), '.ts')
    .flatMap(file => topLevelExports(file).filter(e => e.internal).map(e => e.name));

  test('export no @internal helper of src/ (the oracle knows the helpers: there are dozens)', () => {
    expect(internalInSource).toEqual(expect.arrayContaining(['checkCidr', 'S3_SYNC_SCRIPT', 'applyPlacement']));
    expect(internalInSource.length).toBeGreaterThan(40);
    const declarations = filesUnder(LIB, '.d.ts');
    const exported = new Set(declarations.flatMap(file => topLevelExports(file).map(e => e.name)));
    expect(exported).toContain('AirflowDeployment'); // the public API is still there
    expect([...new Set(internalInSource)].filter(name => exported.has(name))).toEqual([]);
    const mentioningInternal = declarations.filter(file => fs.readFileSync(file, 'utf8').includes('@internal'));
    expect(mentioningInternal.map(f => path.relative(ROOT, f))).toEqual([]);
  });

  test('compile on their own, without skipLibCheck (stripping left no dangling reference)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-airflow-dts-'));
    fs.writeFileSync(path.join(dir, 'use.ts'), `import * as airflow from ${JSON.stringify(LIB)};\nexport const v: airflow.AirflowVersion = airflow.AirflowVersion.DEFAULT;\n`);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: 'node16', target: 'es2022', types: [], typeRoots: [path.join(ROOT, 'node_modules', '@types')] },
      files: ['use.ts'],
    }));
    try {
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
    } catch (e: any) {
      throw new Error(`the package's .d.ts do not compile:\n${e.stdout}${e.stderr}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('npm pack', () => {
  let files: Array<{ path: string; size: number }>;
  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    files = JSON.parse(out)[0].files;
  }, 120_000);

  test('holds only what users need: package metadata, docs, the jsii assembly and lib/**/*.js + .d.ts', () => {
    // docs/*.md: the guides README links to; node_modules/yaml: the one bundled dependency (the from-helm converter).
    const allowed = /^(package\.json|README\.md|LICENSE|API\.md|CHANGELOG\.md|docs\/[\w-]+\.md|\.jsii|lib\/.+\.(js|d\.ts))$/;
    expect(files.map(f => f.path).filter(p => !allowed.test(p))).toEqual([]);
    expect(files.map(f => f.path)).toEqual(expect.arrayContaining(['package.json', '.jsii', 'lib/index.js', 'lib/index.d.ts', 'README.md', 'LICENSE']));
    expect(files.map(f => f.path)).not.toContain('.vitest-report.json');
  });

  test('ships no source maps inside the JavaScript', () => {
    const js = files.filter(f => f.path.startsWith('lib/') && f.path.endsWith('.js')).map(f => f.path);
    expect(js.length).toBeGreaterThan(50);
    const withMaps = js.filter(p => /sourceMappingURL=/.test(fs.readFileSync(path.join(ROOT, p), 'utf8')));
    expect(withMaps).toEqual([]);
  });

  test('the allow-list catches a stray file (the oracle can fail)', () => {
    // docs/*.md: the guides README links to; node_modules/yaml: the one bundled dependency (the from-helm converter).
    const allowed = /^(package\.json|README\.md|LICENSE|API\.md|CHANGELOG\.md|docs\/[\w-]+\.md|\.jsii|lib\/.+\.(js|d\.ts))$/;
    expect(allowed.test('.vitest-report.json')).toBe(false);
    expect(allowed.test('lib/index.js.map')).toBe(false);
  });
});
