import { existsSync, readFileSync } from 'fs';
import { homedir } from 'os';
import { join } from 'path';
import { describe, it } from 'vitest';

/**
 * Real components (API server, Airflow, databases, sidecars) that scripts/setup-test-deps.sh sets up before the
 * suite runs. Each setup part writes `ok` or `skipped: <reason>` to `<cache>/status/<part>`.
 */
export const CACHE_DIR = process.env.CDK8S_AIRFLOW_CACHE ?? join(homedir(), '.cache', 'cdk8s-airflow');

/** Whether a setup part succeeded, and why not. */
export function realComponent(part: string): { readonly available: boolean; readonly reason: string } {
  const file = join(CACHE_DIR, 'status', part);
  if (!existsSync(file)) return { available: false, reason: `setup part '${part}' has not run (run scripts/setup-test-deps.sh)` };
  const status = readFileSync(file, 'utf-8').trim();
  return status === 'ok' ? { available: true, reason: '' } : { available: false, reason: status.replace(/^skipped: /, '') };
}

/**
 * `describe` when every named setup part is available; otherwise one skipped test whose title says SKIPPED and
 * why, so the summary counts it as skipped (never as passed) and the report names the reason.
 */
export function describeWith(parts: string[], name: string, body: () => void): void {
  const missing = parts.map(p => ({ p, c: realComponent(p) })).filter(x => !x.c.available);
  if (missing.length === 0) {
    describe(name, body);
  } else {
    describe(name, () => {
      it.skip(`SKIPPED: ${missing.map(m => `${m.p}: ${m.c.reason}`).join('; ')}`, () => {});
    });
  }
}
