import { cdk8s, javascript } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-airflow',
  description: 'Typed cdk8s constructs that deploy Apache Airflow 2.10+ and 3.x on Kubernetes.',
  author: 'cdk8s-airflow developers',
  authorAddress: 'dev@cdk8s-airflow.invalid',
  repositoryUrl: 'https://github.com/cdk8s-airflow/cdk8s-airflow.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'kubernetes', 'airflow', 'apache-airflow', 'constructs'],
  cdk8sVersion: '2.70.106',
  constructsVersion: '10.8.1',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',
  // @types/node follows the Node floor (projen otherwise writes the moving dist-tag `ts6.0`).
  minNodeVersion: '20.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jest: false,
  github: false,
  integrationTestAutoDiscover: false,
  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  // the `from-helm` converter reads values files at run time; jsii packages bundle their dependencies.
  deps: ['yaml@^2.9.1'],
  bundledDeps: ['yaml'],
  bin: { 'cdk8s-airflow': 'lib/helm/helm-cli.js' },
  devDeps: [
    'cdk8s-plus-28@^2.5.6',
    'cdk8s-cli@^2.207.60',
    'vitest@^4.1.12',
    'ajv@^8.20.0',
  ],
  gitignore: ['/manifests/', '/bench/results.json', '/.vitest-report.json'],
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
  exec: 'jsii --fail-on-warnings',
});
project.testTask.reset();
// the real components (API server, Airflow, databases, sidecars) the runtime tests use; cached, a no-op when set up.
project.testTask.exec('bash scripts/setup-test-deps.sh');
project.testTask.spawn(project.compileTask); // jsii compile + docgen (post-compile)
project.testTask.spawn(project.postCompileTask);
project.testTask.spawn(typecheck);
project.testTask.exec('vitest run --update=false', { receiveArgs: true });
project.testTask.spawn(project.tasks.tryFind('eslint')!);
project.testTask.spawn(apiDrift);
project.testTask.spawn(reservedWords);
project.addTask('test:update', { exec: 'vitest run -u' });
project.tasks.tryFind('test:watch')?.reset('vitest');

project.addTask('quickstart', {
  description: 'Synthesize examples/quickstart.ts into dist/ (kubectl apply -f dist/).',
  exec: 'cdk8s synth',
});
const bench = project.addTask('bench', {
  description: 'Measure synth speed, scaling and idle footprint (writes bench/results.json); `-- --quick` for one iteration.',
});
bench.spawn(project.compileTask); // the cold start measures the built package
bench.exec('ts-node -P bench/tsconfig.json bench/bench.ts', { receiveArgs: true });

project.npmignore?.exclude('/vitest.config.mts', '/examples/', '/bench/', '/scripts/', '/coverage/', '/test-reports/', '/cdk8s.yaml', '/.ci/', '/NOTES.md');
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
