import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowExecutor, AirflowWarnings } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { container, env, one, podSpec, synthDeployment, testChart } from '../support/synth';

const flowerOf = (manifests: any[]) => one(manifests, 'Deployment', '-flower');

describe('Flower', () => {
  test('a Deployment running airflow celery flower on 5555 behind a Service, TCP probes, small resources', () => {
    const { chart, airflow, manifests } = synthDeployment({ executor: AirflowExecutor.celery({ flower: {} }) });
    expectValidManifests(manifests);
    const flower = flowerOf(manifests);
    expect(flower.spec.replicas).toBe(1);
    expect(flower.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('flower');
    const c = container(podSpec(flower), 'flower');
    expect(c.args).toEqual(['airflow', 'celery', 'flower']);
    expect(c.ports).toEqual([{ containerPort: 5555, name: 'flower' }]);
    expect(c.livenessProbe).toEqual({
      tcpSocket: { port: 5555 }, initialDelaySeconds: 10, timeoutSeconds: 5, failureThreshold: 10, periodSeconds: 5,
    });
    expect(c.readinessProbe).toEqual(c.livenessProbe);
    expect(c.startupProbe).toEqual({ tcpSocket: { port: 5555 }, timeoutSeconds: 20, failureThreshold: 6, periodSeconds: 10 });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(env(c, 'AIRFLOW__CELERY__BROKER_URL').valueFrom.secretKeyRef.key).toBe('broker-url');
    expect(env(c, 'AIRFLOW__CELERY__FLOWER_BASIC_AUTH')).toBeUndefined();
    expect(podSpec(flower).automountServiceAccountToken).toBe(false);

    const service = manifests.find(m => m.kind === 'Service' && m.metadata.name === airflow.celeryExecutor!.flower!.service.name);
    expect(service.spec.ports).toEqual([{ name: 'flower', port: 5555, targetPort: 5555 }]);
    expect(service.spec.type).toBe('ClusterIP');
    // without credentials anyone reaching the Service controls the workers: said at synth.
    expect(AirflowWarnings.of(chart).messages).toContain("Celery 'flower' has no 'basicAuth': anyone who reaches its Service can see task arguments and control the workers");
  });

  test('basicAuth reaches only the Flower container, from the Secret', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'Flower', 'flower-auth');
    new AirflowDeployment(chart, 'Airflow', {
      executor: AirflowExecutor.celeryAndKubernetes({ flower: { basicAuth: { secret, key: 'auth' }, serviceType: kplus.ServiceType.NODE_PORT } }),
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['flower-auth'] } });
    const c = container(podSpec(flowerOf(manifests)), 'flower');
    expect(env(c, 'AIRFLOW__CELERY__FLOWER_BASIC_AUTH').valueFrom.secretKeyRef).toEqual({ name: 'flower-auth', key: 'auth' });
    const others = manifests.filter(m => m !== flowerOf(manifests) && ['Deployment', 'StatefulSet', 'Job'].includes(m.kind));
    expect(JSON.stringify(others)).not.toContain('FLOWER_BASIC_AUTH');
    expect(JSON.stringify(manifests.filter(m => m.kind === 'ConfigMap'))).not.toContain('flower-auth');
    expect(one(manifests, 'Service', '-flower').spec.type).toBe('NodePort');
    expect(AirflowWarnings.of(chart).messages.filter(m => m.includes('flower'))).toEqual([]);
  });

  test('no Flower unless asked', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celery() });
    expect(manifests.filter(m => m.metadata.name.includes('flower'))).toEqual([]);
  });

  test('fails on a basicAuth without a key and on basic-auth credentials in settings', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'Flower', 'flower-auth');
    expect(() => new AirflowDeployment(chart, 'Airflow', { executor: AirflowExecutor.celery({ flower: { basicAuth: { secret, key: '' } } }) }))
      .toThrow(new Error("Celery 'flower.basicAuth.key' must name the Secret key that holds user:password"));
    expect(() => synthDeployment({ executor: AirflowExecutor.celery({ flower: {} }), settings: { 'celery.flower_basic_auth': 'admin:admin' } }))
      .toThrow("Airflow marks setting 'celery.flower_basic_auth' (in 'settings') as sensitive, so it is never written into the airflow.cfg ConfigMap");
    expect(() => synthDeployment({ executor: AirflowExecutor.celery({ flower: {} }), secretSettings: { 'celery.flower_basic_auth': { secret, key: 'auth' } } }))
      .toThrow("Airflow setting 'celery.flower_basic_auth' is managed by this library: set 'celery.flower.basicAuth' instead of overriding it in 'secretSettings'");
  });
});
