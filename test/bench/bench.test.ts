import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, test } from 'vitest';
import { runBench } from '../../bench/bench';
import { cpuMillis, idleFootprint, memoryMiB } from '../../bench/footprint';
import { stats } from '../../bench/harness';
import { renderPerformance, replaceSection } from '../../bench/report';

const root = join(__dirname, '..', '..');

describe('benchmark helpers', () => {
  test('stats: median, min and max', () => {
    expect(stats([3, 1, 2])).toEqual({ runs: 3, median: 2, min: 1, max: 3 });
    expect(stats([4, 1, 2, 3])).toEqual({ runs: 4, median: 2.5, min: 1, max: 4 });
  });

  test('quantities', () => {
    expect([cpuMillis('250m'), cpuMillis('2'), cpuMillis(undefined)]).toEqual([250, 2000, 0]);
    expect([memoryMiB('512Mi'), memoryMiB('2Gi'), memoryMiB('1024Ki')]).toEqual([512, 2048, 1]);
    expect(() => memoryMiB('5 parsecs')).toThrow("unknown memory quantity '5 parsecs'");
  });

  test('idle footprint counts autoscaled workloads at their minimum and skips Jobs and init containers', () => {
    const container = (cpu: string, memory: string) => ({ resources: { requests: { cpu, memory }, limits: { memory } } });
    const manifests = [
      { kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, template: { spec: { initContainers: [container('1', '1Gi')], containers: [container('250m', '1Gi')] } } } },
      { kind: 'Deployment', metadata: { name: 'workers' }, spec: { template: { spec: { containers: [container('500m', '2Gi')] } } } },
      { kind: 'ScaledObject', metadata: { name: 'workers' }, spec: { scaleTargetRef: { name: 'workers' }, minReplicaCount: 0 } },
      { kind: 'Job', metadata: { name: 'migrate' }, spec: { template: { spec: { containers: [container('1', '1Gi')] } } } },
    ];
    expect(idleFootprint(manifests)).toEqual({ pods: 2, cpuRequestMillis: 500, cpuLimitMillis: 0, memoryRequestMiB: 2048, memoryLimitMiB: 2048 });
  });
});

describe('benchmark smoke run (one round; timings are printed by `npm run bench`, never asserted)', () => {
  test('every measurement runs against its floor, and the floor emits the library\'s objects', () => {
    const results = runBench({ coldRuns: 1, scaleSizes: [1], scaleRuns: 1 });
    expect(results.coldStart.map(c => c.scenario)).toEqual(['quickstart', 'production']);
    for (const c of results.coldStart) {
      expect(c.airflow.wallMs.runs).toBe(1);
      expect(c.app.wallMs.runs).toBe(1);
      expect(c.floor.peakRssMiB.median).toBeGreaterThan(0);
      expect(c.ratio).toBeGreaterThan(0);
    }
    expect(results.coldStart[1].objects).toBeGreaterThan(results.coldStart[0].objects);
    const [one] = results.scaling;
    expect(one.deployments).toBe(1);
    expect(one.objects).toBe(results.coldStart[1].objects);
    expect([one.app.cpuMs.median, one.linear.cpuMs.median, one.floor.cpuMs.median].every(ms => ms > 0)).toBe(true);
    expect(results.targets.map(t => t.limit)).toEqual([0.6, 1.15, 1.25, 1]);
    expect(Object.keys(results.idle)).toEqual(expect.arrayContaining(['quickstart', 'onprem-git', 'eks-efs-s3']));
    expect(renderPerformance(results)).toContain('| quickstart (');
  });
});

describe('README "Performance" is generated from bench/results.json', () => {
  test('the committed README part is what bench/results.json renders to', () => {
    const results = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf-8'));
    const readme = readFileSync(join(root, 'README.md'), 'utf-8');
    expect(replaceSection(readme, renderPerformance(results))).toEqual(readme);
    expect(readme).toContain(renderPerformance(results));
  });

  test('a README without the markers is refused', () => {
    expect(() => replaceSection('# no markers', 'x')).toThrow('README.md lacks the markers');
  });
});
