import { cdk8s, javascript } from 'projen';
import { ReleaseTrigger } from 'projen/lib/release';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-airflow',
  description: 'Typed cdk8s constructs that deploy Apache Airflow 2.10+ and 3.x on Kubernetes.',
  author: 'cdk8s-airflow developers',
  authorAddress: 'dev@cdk8s-airflow.invalid',
  repositoryUrl: 'https://github.com/cdk8s-airflow/cdk8s-airflow.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'kubernetes', 'airflow', 'apache-airflow', 'constructs'],
  // peer floors: the lowest releases the library is tested with (test/packaging/install-check.test.ts installs the
  // packed library on exactly these); the dev dependencies below stay on the current releases.
  cdk8sVersion: '2.68.12',
  constructsVersion: '10.3.0',
  peerDependencyOptions: { pinnedDevDependency: false },
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',
  // @types/node follows the Node floor (projen otherwise writes the moving dist-tag `ts6.0`).
  minNodeVersion: '20.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jest: false,
  // releases: semantic versions from 0.1.0 (scripts/next-version.js), conventional commits, GitHub Actions build
  // and release workflows (.github/workflows, generated) that publish to npm; nothing is published from here.
  github: true,
  release: true,
  nextVersionCommand: 'node scripts/next-version.js',
  releaseTrigger: ReleaseTrigger.continuous(),
  githubOptions: { mergify: false },
  pullRequestTemplate: false,
  workflowNodeVersion: '20.x',
  // no source maps in the package: jsii compiles for users, not for debugging the library's sources
  tsconfig: { compilerOptions: { inlineSourceMap: false, inlineSources: false } },
  integrationTestAutoDiscover: false,
  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  // no runtime dependency of its own: the YAML the library writes and the values files `from-helm` reads go through the
  // `yaml` that cdk8s bundles (src/utils/cdk8s-yaml.ts); the tests read YAML with their own copy.
  // `npx cdk8s-airflow <command>`: the dispatcher is src/cli/main.ts, one file per subcommand (preflight, from-helm).
  bin: { 'cdk8s-airflow': 'lib/cli/main.js' },
  devDeps: [
    'cdk8s@2.70.106',
    'constructs@10.8.1',
    'cdk8s-plus-28@2.5.6',
    'cdk8s-cli@^2.207.60',
    'vitest@^4.1.12',
    'ajv@^8.20.0',
    'yaml@^2.9.1',
  ],
  // jsii target `python` (projen 0.103 names the option publishToPypi): jsii-pacmak builds the Python package (wheel + sdist) into dist/python/ (`npx projen package:python`).
  publishToPypi: { distName: 'cdk8s-airflow', module: 'cdk8s_airflow' },
  gitignore: ['__pycache__/', '/manifests/', '/.vitest-report.json'],
});

// unit tests run with vitest; `npm test` is the one command that checks everything.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests and examples (vitest does not type-check).',
  steps: [
    { exec: 'tsc --noEmit -p test/tsconfig.json' },
    { exec: 'tsc --noEmit -p examples/tsconfig.json' },
    { exec: 'tsc --noEmit -p bench/tsconfig.json' },
  ],
});
const apiDrift = project.addTask('check-api-md', {
  description: 'Fail when the generated API.md differs from the committed one.',
  exec: 'node scripts/check-api-md.js',
});
const reservedWords = project.addTask('check-reserved-words', {
  description: 'Fail on names that are reserved words in jsii target languages (compile silences those warnings).',
  // peers are declared at their floors while dev dependencies stay current (JSII6 would want them equal)
  exec: 'jsii --fail-on-warnings --silence-warnings=metadata/missing-dev-dependency',
});
project.testTask.reset();
// every dependency spec is a semver range: a dist-tag or URL makes yesterday's lock file wrong today (issue #10)
const dependencySpecs = project.addTask('check-dependency-specs', {
  description: 'Fail on dependency specs in package.json that are not semver ranges (dist-tags, latest, *, URLs).',
  exec: 'node scripts/check-dependency-specs.js',
});
project.testTask.spawn(dependencySpecs);
// the real components (API server, Airflow, databases, sidecars) the runtime tests use; cached, a no-op when set up.
project.testTask.exec('bash scripts/setup-test-deps.sh');
project.testTask.spawn(project.compileTask); // jsii compile + docgen (post-compile)
project.testTask.spawn(project.postCompileTask);
project.testTask.spawn(typecheck);
project.testTask.exec('vitest run --update=false', { receiveArgs: true });
project.testTask.spawn(project.tasks.tryFind('eslint')!);
project.testTask.spawn(apiDrift);
project.testTask.spawn(reservedWords);
// the Python package's docstrings and README (its PyPI page) show the TypeScript code samples translated to Python by
// jsii-rosetta (pacmak's default copies them verbatim).
const packagePython = project.tasks.tryFind('package:python')!;
packagePython.reset();
packagePython.execArgs(['jsii-pacmak', '-v', '--target', 'python', '--rosetta-unknown-snippets', 'translate']);
project.addTask('test:update', { exec: 'vitest run -u' });
project.tasks.tryFind('test:watch')?.reset('vitest');

project.addTask('quickstart', {
  description: 'Synthesize examples/quickstart.ts into manifests/ (kubectl apply -f manifests/).',
  exec: 'cdk8s synth',
});
const bench = project.addTask('bench', {
  description: 'Measure cold start and scaling against a cdk8s-plus floor (writes bench/results.json and README "Performance"); `-- --quick` for one small round that writes nothing.',
});
bench.spawn(project.compileTask); // the cold start measures the built package
bench.exec('ts-node -P bench/tsconfig.json bench/bench.ts', { receiveArgs: true });

// jsii refuses `stripInternal`; the package's .d.ts are emitted again without the `@internal` helpers, after every
// jsii run that writes lib/ (test/packaging/package-contents.test.ts checks them).
const stripInternal = project.addTask('strip-internal-declarations', {
  description: 'Emit lib/**/*.d.ts again with stripInternal (jsii does not allow it).',
  exec: 'tsc -p tsconfig.declarations.json',
});
project.compileTask.spawn(stripInternal);
reservedWords.spawn(stripInternal);
// lib/**/*.js read a module of the library only when it is used (issue #16: the cold start paid for loading all of
// it); after every jsii run that writes lib/ (test/packaging/lazy-requires.test.ts checks the result).
const lazyRequires = project.addTask('lazy-requires', {
  description: 'Make the relative requires of lib/**/*.js lazy (scripts/lazy-requires.js).',
  exec: 'node scripts/lazy-requires.js lib',
});
project.compileTask.spawn(lazyRequires);
reservedWords.spawn(lazyRequires);
new javascript.TypescriptConfig(project, {
  fileName: 'tsconfig.declarations.json',
  extends: javascript.TypescriptConfigExtends.fromPaths(['./tsconfig.json']),
  include: ['src/**/*.ts'],
  compilerOptions: { declaration: true, emitDeclarationOnly: true, stripInternal: true, incremental: false },
});

project.npmignore?.exclude('/wip/', '/manifests/', '/.vitest-report.json', '/DEVELOPERS.md', '/tsconfig.declarations.json', '/vitest.config.mts', '/examples/', '/bench/', '/scripts/', '/coverage/', '/test-reports/', '/cdk8s.yaml', '/.ci/', '/NOTES.md');
project.eslint?.addLintPattern('examples');
project.eslint?.addLintPattern('bench');

// lets tsc and eslint see examples/ and bench/ (both import from ../src).
for (const folder of ['examples', 'bench']) {
  new javascript.TypescriptConfig(project, {
    fileName: `${folder}/tsconfig.json`,
    extends: javascript.TypescriptConfigExtends.fromPaths(['../tsconfig.json']),
    include: ['**/*.ts'],
    compilerOptions: { noEmit: true, rootDir: '..' },
  });
}

// `npm ci` fails with unrs-resolver 1.13 here: the registry lacks its non-Linux optional binaries.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

project.synth();
