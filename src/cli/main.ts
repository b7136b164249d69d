#!/usr/bin/env node
// The `cdk8s-airflow` command: one file per subcommand in src/cli/, registered here.
import { preflightMain } from './preflight';
import { runCli as helmCli } from '../helm/helm-cli';

const COMMANDS: { [name: string]: (args: string[]) => number } = {
  'preflight': preflightMain,
  'from-helm': args => helmCli(['from-helm', ...args], text => process.stdout.write(text), text => process.stderr.write(text)),
};

const [command, ...args] = process.argv.slice(2);
const run = command === undefined ? undefined : COMMANDS[command];
if (run) {
  try {
    process.exitCode = run(args);
  } catch (e) {
    process.stderr.write(`cdk8s-airflow ${command}: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
} else {
  process.stderr.write(`usage: cdk8s-airflow <command>\ncommands: ${Object.keys(COMMANDS).sort().join(', ')}\n`);
  process.exitCode = 2;
}
