import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, test } from 'vitest';
import * as src from '../../src';
import { REPORT_EXAMPLES } from '../support/report-examples';

// scripts/lazy-requires.js makes lib/**/*.js load a module of the library only when it is used (issue #16). Its
// rules on small inputs first, then the built lib/ (`npm test` compiles it first): the same exports for require and
// for ESM import, fewer modules read, and every example synthesized to the same bytes as from src/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lazifyModule, lazifyIndex } = require('../../scripts/lazy-requires.js');

const ROOT = path.join(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');

const MODULE = [
  '"use strict";',
  'Object.defineProperty(exports, "__esModule", { value: true });',
  'exports.Foo = void 0;',
  'const cdk8s_1 = require("cdk8s");',
  'const bar_1 = require("./bar");',
  'const baz_1 = require("../baz");',
  '/** bar_1 in a comment stays */',
  'class Foo extends bar_1.Base {',
  '    make() { return new baz_1.Baz((0, bar_1.helper)(cdk8s_1.Duration), { bar_1: typeof baz_1 }, this.bar_1); }',
  '}',
  'exports.Foo = Foo;',
  '',
].join('\n');

describe('lazifyModule', () => {
  test('turns relative top-level requires into a binding set on first use, and leaves the rest of the text as it was', () => {
    expect(lazifyModule(MODULE)).toBe([
      '"use strict";',
      'Object.defineProperty(exports, "__esModule", { value: true });',
      'exports.Foo = void 0;',
      'const cdk8s_1 = require("cdk8s");',
      'let bar_1;',
      'let baz_1;',
      '/** bar_1 in a comment stays */',
      'class Foo extends (bar_1 ??= require("./bar")).Base {',
      '    make() { return new (baz_1 ??= require("../baz")).Baz((0, (bar_1 ??= require("./bar")).helper)(cdk8s_1.Duration), '
        + '{ bar_1: typeof (baz_1 ??= require("../baz")) }, this.bar_1); }',
      '}',
      'exports.Foo = Foo;',
      '',
    ].join('\n'));
  });

  test('the result loads a module when code that uses it runs, once', () => {
    const loaded: string[] = [];
    const fakeRequire = (id: string) => {
      loaded.push(id);
      if (id === './bar') return { Base: class {}, helper: (x: unknown) => x };
      if (id === '../baz') return { Baz: class { constructor(public readonly args: unknown[]) {} } };
      return { Duration: 'Duration' };
    };
    const exports: any = {};
    new Function('exports', 'require', lazifyModule(MODULE))(exports, fakeRequire);
    expect(loaded).toEqual(['cdk8s', './bar']); // the class extends Base: at once
    const foo = new exports.Foo();
    foo.make();
    foo.make();
    expect(loaded).toEqual(['cdk8s', './bar', '../baz']);
  });

  test('is idempotent, and refuses what it cannot rewrite (a shorthand property, a shadowing declaration)', () => {
    expect(lazifyModule(lazifyModule(MODULE))).toBe(lazifyModule(MODULE));
    expect(() => lazifyModule('const x_1 = require("./x");\nexports.y = { x_1 };\n')).toThrow(/shorthand property/);
    expect(() => lazifyModule('const x_1 = require("./x");\nfunction f() { const x_1 = 2; return x_1; }\n')).toThrow(/would shadow/);
    expect(() => lazifyModule('const x_1 = require("./x");\nconst { x_1: y, ...x_1 } = {};\n')).toThrow(/would shadow/);
  });
});

describe('lazifyIndex', () => {
  const INDEX = [
    '"use strict";',
    'var __createBinding = (this && this.__createBinding) || function () {};',
    'var __exportStar = (this && this.__exportStar) || function () {};',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    'exports.Named = void 0;',
    '__exportStar(require("./a"), exports);',
    'var b_1 = require("./b");',
    'Object.defineProperty(exports, "Named", { enumerable: true, get: function () { return b_1.Named; } });',
    '__exportStar(require("./c"), exports);',
    '',
  ].join('\n');
  const EXPORTS: Record<string, string[]> = { './a': ['A', 'Shared', 'Named', 'default'], './c': ['C', 'Shared'] };

  test('one getter per name: named exports win, then the first `export *` that has the name (tsc\'s __exportStar)', () => {
    const out = lazifyIndex(INDEX, (m: string) => EXPORTS[m]);
    const loaded: string[] = [];
    const modules: Record<string, any> = { './a': { A: 'a', Shared: 'from a', Named: 'not this' }, './b': { Named: 'b' }, './c': { C: 'c', Shared: 'from c' } };
    const exports: any = {};
    new Function('exports', 'require', out)(exports, (m: string) => (loaded.push(m), modules[m]));
    expect(loaded).toEqual([]);
    expect(Object.keys(exports).sort()).toEqual(['A', 'C', 'Named', 'Shared']);
    expect([exports.Named, exports.Shared, exports.C]).toEqual(['b', 'from a', 'c']);
    expect(loaded).toEqual(['./b', './a', './c']);
    // the names for Node's ESM detection, as tsc writes them
    expect(out).toContain('exports.A = exports.Shared = exports.Named = exports.C = void 0;');
    expect(lazifyIndex(out, () => [])).toBe(out);
  });

  test('refuses an index with anything else in it', () => {
    expect(() => lazifyIndex(`${INDEX}console.log("side effect");\n`, (m: string) => EXPORTS[m])).toThrow(/can be made lazy, found: console.log/);
  });
});

describe('the built lib/', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));
  const node = (args: string[], cwd = ROOT) => execFileSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  test('exports what src/ exports, to require() and to ESM import alike, and require() reads index.js only', () => {
    const out = JSON.parse(node(['-e', `
      const before = new Set(Object.keys(require.cache));
      const lib = require(${JSON.stringify(LIB)});
      const read = Object.keys(require.cache).filter(f => !before.has(f) && f.startsWith(${JSON.stringify(LIB)}));
      import(${JSON.stringify(path.join(LIB, 'index.js'))}).then(ns => process.stdout.write(JSON.stringify({
        required: Object.keys(lib), imported: Object.keys(ns).filter(k => k !== 'default' && k !== '__esModule'), read })));`]));
    const expected = Object.keys(src).sort();
    expect(expected.length).toBeGreaterThan(100);
    expect(out.required.sort()).toEqual(expected);
    expect(out.imported.sort()).toEqual(expected);
    expect(out.read).toEqual([path.join(LIB, 'index.js')]);
  });

  // every example through lib/ (lazy) and through src/ (ts-node), each in its own process, same bytes
  const PROGRAM = String.raw`
    const path = require('path');
    const Module = require('module');
    const [root, mode, names] = process.argv.slice(1);
    require(path.join(root, 'node_modules', 'ts-node')).register({ transpileOnly: true, project: path.join(root, 'examples', 'tsconfig.json') });
    const srcDir = path.join(root, 'src');
    if (mode === 'lib') {
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        const file = resolve.call(this, request, ...rest);
        if (file === path.join(srcDir, 'index.ts')) return path.join(root, 'lib', 'index.js');
        if (file.startsWith(srcDir + path.sep)) throw new Error('an example reached into src/: ' + file);
        return file;
      };
    }
    const { Chart } = Module.createRequire(path.join(root, 'package.json'))('cdk8s');
    const { AirflowApp } = require(path.join(root, mode));
    console.warn = () => undefined;
    const loaded = new Set();
    for (const name of names.split(',')) {
      const example = require(path.join(root, 'examples', name));
      const ChartClass = Object.values(example).find(v => Chart.isPrototypeOf(v));
      const app = new AirflowApp({ outdir: path.join('out', name), quiet: true });
      new ChartClass(app, name);
      app.synth();
      if (name === 'quickstart') Object.keys(require.cache).filter(f => f.startsWith(path.join(root, 'lib') + path.sep)).forEach(f => loaded.add(path.relative(root, f)));
    }
    process.stdout.write(JSON.stringify([...loaded]));
  `;
  function filesOf(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach(e => {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else out[path.relative(dir, f)] = fs.readFileSync(f, 'utf8');
    });
    walk(dir);
    return out;
  }

  test('synthesizes every example to the very bytes src/ does, and the quick start reads only the modules it uses', () => {
    const names = REPORT_EXAMPLES.map(([name]) => name);
    const run = (mode: string) => {
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), `lazy-${mode}-`));
      dirs.push(cwd);
      const loaded = JSON.parse(node(['-e', PROGRAM, ROOT, mode, names.join(',')], cwd));
      return { files: filesOf(path.join(cwd, 'out')), loaded };
    };
    const fromSrc = run('src');
    const fromLib = run('lib');
    expect(Object.keys(fromSrc.files).length).toBeGreaterThanOrEqual(names.length * 2); // manifests and a report each
    expect(Object.keys(fromLib.files).sort()).toEqual(Object.keys(fromSrc.files).sort());
    for (const [file, text] of Object.entries(fromSrc.files)) expect(fromLib.files[file], file).toBe(text);
    // the quick start (KubernetesExecutor, embedded PostgreSQL, no metrics) never reads the Helm converter, the
    // Prometheus and KEDA resources, PgBouncer or the Celery workers
    expect(fromSrc.loaded).toEqual([]);
    expect(fromLib.loaded).toContain('lib/deployment.js');
    for (const unused of ['lib/helm/helm-values.js', 'lib/imports/servicemonitor-monitoring.coreos.com.js', 'lib/imports/scaledobject-keda.sh.js',
      'lib/database/pgbouncer.js', 'lib/executors/celery-executor.js']) expect(fromLib.loaded).not.toContain(unused);
  }, 300_000);
});
