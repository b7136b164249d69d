import * as path from 'path';

/** What the library uses of the `yaml` package (its own types are a dev dependency only, so none reach lib/*.d.ts). */
interface YamlPackage {
  Document: new (value: unknown, options: object) => { schema: any };
  stringify(value: unknown, options: object): string;
  parse(text: string): any;
}

/**
 * The copy of `yaml` that cdk8s renders with. cdk8s bundles its own (its package.json `bundledDependencies`: yaml
 * 2.3.2 in cdk8s 2.68.12, 2.9.1 in 2.70.106) and loads it at `require('cdk8s')`, so using it costs nothing at load
 * (a second copy is 72 more modules to read and compile at every cold start, issue #16), and the emitter's tag tests
 * and the strings it hands to yaml are exactly those of `Yaml.stringify` on whichever cdk8s the app has
 * (src/app/fast-yaml.ts). The Helm values
 * converter parses values files with it too, so the library depends on no `yaml` of its own.
 * test/packaging/install-check.test.ts checks that an app loads no other copy.
 * @internal
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const YAML: YamlPackage = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));
