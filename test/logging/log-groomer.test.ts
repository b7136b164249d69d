import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { LOG_GROOMER_SCRIPT } from '../../src/logging/log-groomer';

/** Sets the modification time of `file` to `minutes` ago. */
function age(file: string, minutes: number): void {
  const when = new Date(Date.now() - minutes * 60_000);
  fs.utimesSync(file, when, when);
}

/** Runs the groomer until its first clean-up is logged, then stops it with SIGTERM. */
function runOnce(logs: string, retentionMinutes: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', LOG_GROOMER_SCRIPT], {
      env: { PATH: process.env.PATH, LOGS_DIR: logs, RETENTION_MINUTES: String(retentionMinutes), GROOM_INTERVAL_SECONDS: '60' },
    });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      if (output.includes('deleted')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (data: Buffer) => {
      output += data.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the log groomer script', () => {
  test('deletes files older than the retention and folders empty as long; keeps the rest and lost+found; exits 0 on TERM', async () => {
    const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'groomer-'));
    const file = (rel: string, minutes: number) => {
      const p = path.join(logs, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, 'log line\n');
      age(p, minutes);
      return p;
    };
    const dir = (rel: string, minutes: number) => {
      const p = path.join(logs, rel);
      fs.mkdirSync(p, { recursive: true });
      age(p, minutes);
      return p;
    };
    const oldTask = file('dag_id=a/run_id=1/task_id=t/attempt=1.log', 180);
    const newTask = file('dag_id=a/run_id=2/task_id=t/attempt=1.log', 10);
    const oldScheduler = file('scheduler/2024-01-01/a.py.log', 600);
    const oldEmpty = dir('dag_id=b/run_id=9', 300);
    const newEmpty = dir('dag_id=c/run_id=1', 5);
    const lostAndFound = file('lost+found/orphan', 10_000);

    const { code, output } = await runOnce(logs, 120);

    expect(code).toBe(0);
    expect(output).toContain('log-groomer: deleting files under');
    expect(output).toContain('log-groomer: deleted 2 files');
    expect([oldTask, oldScheduler, oldEmpty].filter(p => fs.existsSync(p))).toEqual([]);
    expect([newTask, newEmpty, lostAndFound].filter(p => !fs.existsSync(p))).toEqual([]);
    // the folder of a deleted file was just modified: it goes in a later clean-up, never under a writer.
    expect(fs.existsSync(path.dirname(oldTask))).toBe(true);
    fs.rmSync(logs, { recursive: true, force: true });
  });
});
