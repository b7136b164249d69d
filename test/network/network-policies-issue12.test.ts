import { Testing } from 'cdk8s';
import { describe, expect, test, vi } from 'vitest';
import { AirflowDeployment, EfsDagVolume, GitSyncSidecar } from '../../src';
import { errorOf, testChart } from '../support/synth';

function efsDeployment(networkPolicies: any) {
  const chart = testChart();
  new AirflowDeployment(chart, 'Airflow', {
    dagSource: new EfsDagVolume(chart, 'Dags', { fileSystemId: 'fs-0123456789abcdef0', populatedBy: new GitSyncSidecar({ repo: 'https://github.com/org/dags.git' }) }),
    networkPolicies,
  });
  return chart;
}

describe('NetworkPolicies that let the right pods through (issue #12)', () => {
  test('the DAG writer of a populated EFS volume gets the egress of dagSourceEgress', () => {
    const chart = efsDeployment({ kubernetesApiCidrs: ['10.0.0.0/20'], dagSourceEgress: [{ cidrs: ['140.82.112.0/20'], ports: [443] }] });
    const manifests = Testing.synth(chart);
    const writer = manifests.find(m => m.kind === 'NetworkPolicy' && m.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === 'dag-writer');
    expect(writer.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '140.82.112.0/20' } }], ports: [{ port: 443, protocol: 'TCP' }] });
    // no other pod gets it.
    for (const other of manifests.filter(m => m.kind === 'NetworkPolicy' && m !== writer)) {
      expect(JSON.stringify(other.spec.egress ?? [])).not.toContain('140.82.112.0/20');
    }
  });

  test('without dagSourceEgress the writer could reach only DNS: an error naming the prop', () => {
    expect(errorOf(() => efsDeployment({ kubernetesApiCidrs: ['10.0.0.0/20'] })))
      .toBe("'networkPolicies.dagSourceEgress' is required: the dag-writer pod fills the DAG volume from its source (git host, S3), "
        + "which it could not reach otherwise: give its addresses and port, e.g. [{ cidrs: ['140.82.112.0/20'], ports: [443] }]");
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', {
      networkPolicies: { kubernetesApiCidrs: ['10.0.0.0/20'], dagSourceEgress: [{ cidrs: ['1.2.3.0/24'], ports: [443] }] },
    }))).toBe("'networkPolicies.dagSourceEgress' is for the writer of a populated DAG volume (EfsDagVolume or PvcDagSource with "
      + "'populatedBy'), which this deployment has not: remove dagSourceEgress, or use extraEgress for sync sidecars");
  });

  test('warns when kubernetesApiCidrs holds only the kubernetes Service ClusterIP; strict mode makes it an error', () => {
    const warn = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const message = "'networkPolicies.kubernetesApiCidrs' holds only 172.20.0.1/32, the usual ClusterIP of the 'kubernetes' Service, "
        + "but NetworkPolicies see the API server's endpoint addresses after the Service is translated";
      expect(errorOf(() => Testing.synth(((chart) => {
        new AirflowDeployment(chart, 'Airflow', { strict: true, networkPolicies: { kubernetesApiCidrs: ['172.20.0.1/32'] } });
        return chart;
      })(testChart())))).toContain(message);
      expect(errorOf(() => Testing.synth(((chart) => {
        new AirflowDeployment(chart, 'Airflow', { strict: true, networkPolicies: { kubernetesApiCidrs: ['172.18.0.2/32'] } });
        return chart;
      })(testChart())))).not.toContain('kubernetesApiCidrs');
      expect(errorOf(() => Testing.synth(((chart) => {
        new AirflowDeployment(chart, 'Airflow', { strict: true, networkPolicies: { kubernetesApiCidrs: ['10.96.0.1/32', '172.18.0.2/32'] } });
        return chart;
      })(testChart())))).not.toContain('kubernetesApiCidrs');
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });
});
