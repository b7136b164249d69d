#!/usr/bin/env node
// Does what a user does (issue #10): packs the built library (`npm pack`, run `npx projen compile` first), creates a
// scratch cdk8s TypeScript app with its own package.json (cdk8s, cdk8s-plus-28, constructs, cdk8s-cli, typescript),
// installs the tarball there, writes main.ts (examples/cdk8s-app.ts importing 'cdk8s-airflow') and runs `cdk8s synth`.
// Only the npm registry is used, through npm's cache (`--prefer-offline`): later runs download nothing.
//
// Usage: node scripts/install-check.js [--cdk8s V] [--constructs V] [--cdk8s-plus-28 V] [--tarball file] [--dir D]
//   [--current] [--plus-33]
// Versions default to the floors of package.json's peerDependencies (`^2.68.12` -> 2.68.12); `--current` takes the
// versions of devDependencies instead. `--plus-33` also installs the cdk8s-plus-33 a fresh `cdk8s init typescript-app`
// brings (the version our cdk8s-cli depends on). Prints one JSON line: { dir, outdir, installed: { name: version } }.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const PEERS = ['cdk8s', 'constructs', 'cdk8s-plus-28'];
const TOOLS = ['cdk8s-cli', 'typescript', 'ts-node', '@types/node'];

function parseArgs(argv) {
  const args = { versions: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.replace(/^--/, '');
    if (arg === '--current') args.current = true;
    else if (arg === '--plus-33') args.plus33 = true;
    else if (PEERS.includes(name)) args.versions[name] = argv[++i];
    else if (arg === '--tarball') args.tarball = path.resolve(argv[++i]);
    else if (arg === '--dir') args.dir = path.resolve(argv[++i]);
    else throw new Error(`unknown argument '${arg}'`);
  }
  return args;
}

/** The lowest version a range like `^2.68.12` or `~6.0.3` admits (the ranges are checked by check-dependency-specs). */
function floorOf(range) {
  const match = /^[\^~>=]*\s*v?(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (!match) throw new Error(`cannot take the floor of '${range}'`);
  return match[1];
}

function run(command, args, cwd) {
  const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  try {
    return execFileSync(command, args, { cwd, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    throw new Error(`'${command} ${args.join(' ')}' failed in ${cwd} (exit ${e.status}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const versions = {};
  for (const name of PEERS) {
    versions[name] = args.versions[name] ?? (args.current ? pkg.devDependencies[name] : floorOf(pkg.peerDependencies[name]));
  }
  const dir = args.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-airflow-app-'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    return build(args, pkg, versions, dir);
  } catch (e) {
    if (!args.dir) fs.rmSync(dir, { recursive: true, force: true }); // a scratch app of ours: leave nothing behind
    throw e;
  }
}

function build(args, pkg, versions, dir) {
  let tarball = args.tarball;
  if (!tarball) {
    if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) throw new Error('lib/ is not built: run `npx projen compile` first');
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT));
    tarball = path.join(dir, packed[0].filename);
  }

  if (args.plus33) {
    const cli = JSON.parse(fs.readFileSync(require.resolve('cdk8s-cli/package.json', { paths: [ROOT] }), 'utf8'));
    versions['cdk8s-plus-33'] = cli.dependencies['cdk8s-plus-33'];
  }
  const devDependencies = {};
  for (const name of TOOLS) devDependencies[name] = pkg.devDependencies[name];
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'airflow-app',
    version: '0.0.0',
    private: true,
    scripts: { synth: 'cdk8s synth' },
    dependencies: { ...versions, [pkg.name]: `file:${tarball}` },
    devDependencies,
  }, null, 2) + '\n');
  // what `cdk8s init typescript-app` writes, trimmed to what synth needs
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node main.ts\nimports:\n  - k8s\n');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'node16', lib: ['es2022'], strict: true, esModuleInterop: true,
      declaration: false, skipLibCheck: true, types: ['node'],
    },
    include: ['main.ts'],
  }, null, 2) + '\n');
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'cdk8s-app.ts'), 'utf8');
  fs.writeFileSync(path.join(dir, 'main.ts'), example.replace("from '../src'", `from '${pkg.name}'`));

  // plain `npm install`: a peer conflict is an ERESOLVE error, as users would see it
  run('npm', ['install', '--prefer-offline', '--no-package-lock', '--loglevel=error'], dir);
  const installed = {};
  for (const name of [...PEERS, pkg.name, 'cdk8s-cli', ...(args.plus33 ? ['cdk8s-plus-33'] : [])]) {
    installed[name] = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  }
  run(path.join(dir, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade=false'], dir);
  console.log(JSON.stringify({ dir, outdir: path.join(dir, 'dist'), tarball, installed }));
}

module.exports = { floorOf };

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
