import { Testing, Yaml } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { OnPremGitChart } from '../../examples/onprem-git';
import { containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg } from '../support/synth';

const external = { secrets: ['airflow-git-ssh', 'airflow-db'] };

describe('examples/onprem-git.ts', () => {
  const manifests = Testing.synth(new OnPremGitChart(Testing.app(), 'onprem-git'));

  test('passes the strict schemas, references (the two Secrets are the user\'s own) and Pod Security "restricted"', () => {
    expectValidManifests(manifests, { external });
  });

  test('task pods sync once over SSH with host key checking; DAG folder in the repo', () => {
    const template = podTemplate(manifests);
    expect(containerNames(template.spec)).toEqual({ init: ['git-sync-init'], main: ['base'] });
    expect(template.spec.initContainers[0].args).toEqual(expect.arrayContaining(['--ssh-known-hosts=true', '--one-time']));
    expect(template.spec.nodeSelector).toEqual({ 'node-role.example.com/airflow-tasks': 'true' });
    expect(airflowCfg(manifests)['core.dags_folder']).toBe('/opt/airflow/dags/repo/dags');
    expect(airflowCfg(manifests)['dag_processor.refresh_interval']).toBe('30');
  });

  test('no embedded database, no generated database password', () => {
    expect(manifests.filter(m => m.kind === 'StatefulSet')).toEqual([]);
    const job = manifests.find(m => m.kind === 'Job' && m.metadata.annotations?.['airflow.cdk8s.io/generates-secrets']);
    // the Airflow secrets and the first login password (AirflowAuth.simple, the Airflow 3 default), nothing of the database.
    expect(job.metadata.annotations['airflow.cdk8s.io/generates-secret-keys'].split(',').sort())
      .toEqual(['airflow-secrets:fernet-key|api-secret-key|jwt-secret', 'airflow-simple-auth:password-admin|passwords.json']);
  });

  test('is byte-identical run to run', () => {
    expect(Yaml.stringify(...Testing.synth(new OnPremGitChart(Testing.app(), 'onprem-git')))).toBe(Yaml.stringify(...manifests));
  });
});
