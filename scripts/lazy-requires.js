#!/usr/bin/env node
// Makes the compiled library load a module only when something in it is used (issue #16: the quick start loaded all
// ~110 modules, 1 MB of JavaScript, for the ~55 it runs; loading them was most of what its cold start paid over a
// hand-written cdk8s-plus program). Runs on lib/ after every jsii compile (projen task `lazy-requires`).
//
// The transformation AWS CDK applies to aws-cdk-lib (tools/@aws-cdk/lazify in aws/aws-cdk), on tsc's CommonJS output:
// - in every module, a top-level `const x_1 = require("./x");` becomes `let x_1;` and every use of `x_1` becomes
//   `(x_1 ??= require("./x"))`: the module is read the first time code that needs it runs (a class that extends
//   one, or a top-level constant computed from one, still loads it at once). Only relative requires: cdk8s, cdk8s-plus
//   and Node's modules stay as they are. The edits are made in the text, so the rest of each file stays byte for byte.
// - lib/index.js (only `export * from './x'` lines, which tsc writes as `__exportStar(require("./x"), exports)`)
//   defines a getter per exported name instead, the names read by loading each module here, at build time. Node
//   finds the named exports of a CommonJS module for ESM `import { X } from 'cdk8s-airflow'` by lexing its text
//   (cjs-module-lexer), which sees `exports.X = ...` but not names in a loop: the index lists them as
//   `exports.X = void 0` first, as tsc does at the top of every module.
// Safe because no module of the library acts at load time on anything but its own exports (the test checks the
// output of every example through lib/ against src/, and what ESM imports see).
// Usage: node scripts/lazy-requires.js [lib]   (idempotent: a file already transformed is left as it is)
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

/** `const <name> = require("<relative path>");` at the top level of a module: [name, path] or undefined. */
function relativeRequire(statement) {
  if (!ts.isVariableStatement(statement)) return undefined;
  const list = statement.declarationList;
  if (!(list.flags & ts.NodeFlags.Const) || list.declarations.length !== 1) return undefined;
  const { name, initializer } = list.declarations[0];
  if (!ts.isIdentifier(name) || !initializer || !ts.isCallExpression(initializer)) return undefined;
  const [arg, ...rest] = initializer.arguments;
  if (!ts.isIdentifier(initializer.expression) || initializer.expression.text !== 'require' || rest.length || !arg || !ts.isStringLiteral(arg)) return undefined;
  return arg.text.startsWith('.') ? [name.text, arg.text] : undefined;
}

/** Whether the identifier is a use of the binding (not a property name or a declared name). */
function isUse(node) {
  const parent = node.parent;
  if ((ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent)
    || ts.isPropertyDeclaration(parent) || ts.isAccessor(parent)) && parent.name === node) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === node) return false;
  if (ts.isShorthandPropertyAssignment(parent)) throw new Error(`'{ ${node.text} }' uses a required module as a shorthand property`);
  // tsc names its bindings `<module>_1`, unique in the file; a declaration of the same name would change what it means
  if (ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent) || ts.isFunctionDeclaration(parent)
    || ts.isClassDeclaration(parent)) {
    if (parent.name === node) throw new Error(`'${node.text}' is declared again: it would shadow the required module`);
  }
  return true;
}

/** One module's text with its relative requires made lazy. */
function lazifyModule(text, fileName = 'module.js') {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const bindings = new Map();
  const edits = [];
  const rest = [];
  for (const statement of sourceFile.statements) {
    const found = relativeRequire(statement);
    if (!found) {
      rest.push(statement);
      continue;
    }
    bindings.set(found[0], found[1]);
    edits.push({ start: statement.getStart(sourceFile), end: statement.end, text: `let ${found[0]};` });
  }
  if (!bindings.size) return text;
  const visit = node => {
    if (ts.isIdentifier(node) && bindings.has(node.text) && isUse(node)) {
      edits.push({ start: node.getStart(sourceFile), end: node.end, text: `(${node.text} ??= require(${JSON.stringify(bindings.get(node.text))}))` });
    }
    ts.forEachChild(node, visit);
  };
  rest.forEach(visit);
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** The statements tsc writes at the top of an index: the helpers, the `__esModule` marker, the named exports' names. */
const INDEX_PREAMBLE = [/^"use strict";$/, /^var __createBinding = /, /^var __exportStar = /,
  /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/, /^(exports\.\w+ = )+void 0;$/];
const MARKER = '(scripts/lazy-requires.js)';

/** `require("<path>")` with a string literal: the path, or undefined. */
function requiredPath(node) {
  return node && ts.isCallExpression(node) && node.expression.getText() === 'require' && node.arguments.length === 1
    && ts.isStringLiteral(node.arguments[0]) ? node.arguments[0].text : undefined;
}

/**
 * lib/index.js as lazy getters. It may hold only what tsc writes for `export * from './x'`
 * (`__exportStar(require("./x"), exports)`) and `export { A } from './x'` (`var x_1 = require("./x")` and a getter
 * `Object.defineProperty(exports, "A", { enumerable: true, get: function () { return x_1.A; } })`); anything else
 * throws. `exportsOf(path)` gives the names a module exports (at build time: require it). A text already transformed
 * is returned as it is.
 */
function lazifyIndex(text, exportsOf, fileName = 'index.js') {
  if (text.includes(MARKER)) return text;
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  /** In the order tsc wrote them: each module, '*' or the names it exports by name. */
  const modules = [];
  const bindings = new Map();
  for (const statement of sourceFile.statements) {
    const source = statement.getText(sourceFile);
    if (INDEX_PREAMBLE.some(re => re.test(source))) continue;
    const call = ts.isExpressionStatement(statement) && ts.isCallExpression(statement.expression) ? statement.expression : undefined;
    const callee = call?.expression.getText(sourceFile);
    const [first, second, third] = call?.arguments ?? [];
    if (callee === '__exportStar' && requiredPath(first) && second?.getText(sourceFile) === 'exports') {
      modules.push({ modulePath: requiredPath(first), star: true });
      continue;
    }
    const declaration = ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1 ? statement.declarationList.declarations[0] : undefined;
    if (declaration && ts.isIdentifier(declaration.name) && requiredPath(declaration.initializer)) {
      bindings.set(declaration.name.text, requiredPath(declaration.initializer));
      continue;
    }
    const getter = callee === 'Object.defineProperty' && first?.getText(sourceFile) === 'exports' && second && ts.isStringLiteral(second)
      && /^\{ enumerable: true, get: function \(\) \{ return (\w+)\.(\w+); \} \}$/.exec(third?.getText(sourceFile) ?? '');
    if (getter && bindings.has(getter[1]) && getter[2] === second.text) {
      modules.push({ modulePath: bindings.get(getter[1]), names: [second.text] });
      continue;
    }
    throw new Error(`${fileName}: only 'export * from' and 'export { ... } from' can be made lazy, found: ${source.slice(0, 100)}`);
  }
  // tsc's semantics: names exported by name win; among `export *`, the first module to export a name wins; `default`
  // is not re-exported by `export *`
  const seen = new Set(['default', '__esModule', ...modules.flatMap(m => m.names ?? [])]);
  const groups = [];
  for (const m of modules) {
    const names = m.star ? exportsOf(m.modulePath).filter(name => !seen.has(name) && seen.add(name)) : m.names;
    const group = groups.find(g => g.modulePath === m.modulePath);
    if (group) group.names.push(...names);
    else groups.push({ modulePath: m.modulePath, names: [...names] });
  }
  const all = groups.flatMap(g => g.names);
  const lines = [
    '"use strict";',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    `// every name, for Node's ESM named-export detection (cjs-module-lexer); made lazy getters below ${MARKER}`,
    ...chunk(all, 6).map(names => `${names.map(n => `exports.${n} = `).join('')}void 0;`),
    'const reexport = (load, names) => {',
    '    for (const name of names) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });',
    '};',
    ...groups.filter(g => g.names.length).map((g, i) => `let m${i}; reexport(() => (m${i} ??= require(${JSON.stringify(g.modulePath)})), ${JSON.stringify(g.names)});`),
  ];
  return `${lines.join('\n')}\n`;
}

function chunk(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(file) : entry.name.endsWith('.js') ? [file] : [];
  });
}

function lazifyLib(lib) {
  const index = path.resolve(lib, 'index.js');
  for (const file of filesUnder(lib)) {
    if (file === index) continue;
    const text = fs.readFileSync(file, 'utf8');
    const out = lazifyModule(text, file);
    if (out !== text) fs.writeFileSync(file, out);
  }
  const text = fs.readFileSync(index, 'utf8');
  const exportsOf = modulePath => Object.keys(require(path.resolve(lib, modulePath)));
  const out = lazifyIndex(text, exportsOf, index);
  if (out !== text) fs.writeFileSync(index, out);
}

if (require.main === module) lazifyLib(process.argv[2] ?? 'lib');

module.exports = { lazifyModule, lazifyIndex };
