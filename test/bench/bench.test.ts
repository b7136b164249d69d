import { describe, expect, test } from 'vitest';
import { coldStart, footprints, QUICK, scaling, synthVsSerialize } from '../../bench/bench';
import { cpuMillis, idleFootprint, memoryMiB } from '../../bench/footprint';
import { stats } from '../../bench/harness';
import { fullDeploymentProps } from '../../bench/scenarios';

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

describe('benchmark smoke run (one iteration; timings are printed by `npm run bench`, never asserted)', () => {
  test('every measurement runs and reports its figures', () => {
    const cold = coldStart(QUICK.coldStartRuns);
    expect(cold.airflow.runs).toBe(1);
    expect(cold.ratio).toBeGreaterThan(0);
    const full = synthVsSerialize(fullDeploymentProps, QUICK);
    expect(full.objects).toBeGreaterThan(30);
    const [one] = scaling({ ...QUICK, scaleSizes: [1] });
    expect(one.objects).toBe(full.objects);
    expect(one.peakRssMiB.median).toBeGreaterThan(0);
    expect(Object.keys(footprints())).toEqual(expect.arrayContaining(['quickstart', 'onprem-git', 'eks-efs-s3']));
  });
});
