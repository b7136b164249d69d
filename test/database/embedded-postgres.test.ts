import { Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { EmbeddedPostgres, MetadataDatabase, DatabaseEngine } from '../../src';
import { checkPodSecurityRestricted } from '../support/manifests';
import { container, env, one, podSpec, testChart } from '../support/synth';

describe('EmbeddedPostgres', () => {
  test('a non-root StatefulSet with a PVC, a Service and a generated password', () => {
    const chart = testChart();
    const db = new EmbeddedPostgres(chart, 'Db', { storage: Size.gibibytes(20), storageClassName: 'fast' });
    const manifests = Testing.synth(chart);
    const sts = one(manifests, 'StatefulSet');
    const spec = podSpec(sts);
    expect(spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    const c = container(spec, 'postgres');
    expect(c.image).toBe('postgres:17.5');
    expect(env(c, 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: db.credentials.name, key: 'password' });
    expect(env(c, 'PGDATA').value).toBe('/var/lib/postgresql/data/pgdata');
    expect(c.readinessProbe.exec.command[0]).toBe('pg_isready');
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp']);
    const pvc = one(manifests, 'PersistentVolumeClaim');
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, storageClassName: 'fast' });
    expect(spec.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
    expect(manifests.find(m => m.kind === 'Service' && m.metadata.name === 'airflow-postgresql').spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 5432 }]);
    // pods get stable DNS names from a headless Service; clients use the ClusterIP one (db.service).
    expect(sts.spec.serviceName).toBe('airflow-postgresql-headless');
    expect(manifests.find(m => m.kind === 'Service' && m.metadata.name === 'airflow-postgresql-headless').spec.clusterIP).toBe('None');
    expect(db.service.name).toBe('airflow-postgresql');
    expect(checkPodSecurityRestricted(manifests)).toEqual([]);
  });

  test('the connection URL template points at the Service', () => {
    const chart = testChart();
    const db = new EmbeddedPostgres(chart, 'Db');
    expect(db.credentials.keys.map(k => [k.key, k.value._kind, k.value._argument])).toEqual([
      ['password', 'random', '32'],
      ['connection', 'template', `postgresql://airflow:{password}@${db.service.name}:5432/airflow`],
    ]);
    expect(db.connection).toEqual({ secret: db.credentials.secret, key: 'connection' });
    expect(db.kedaConnection).toBeUndefined();
  });

  test('kedaConnection adds a libpq URL KEDA can reach from its own namespace', () => {
    const chart = testChart();
    const db = new EmbeddedPostgres(chart, 'Db', { kedaConnection: true });
    expect(db.credentials.keys.map(k => k.key)).toEqual(['password', 'connection', 'keda-connection']);
    expect(db.credentials.keys[2].value._argument).toBe(`postgresql://airflow:{password}@${db.service.name}.airflow.svc:5432/airflow?sslmode=disable`);
    expect(db.kedaConnection).toEqual({ secret: db.credentials.secret, key: 'keda-connection' });
  });
});

describe('MetadataDatabase', () => {
  test('external binds to the given Secret and creates nothing', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 'db');
    const binding = MetadataDatabase.external({ connection: { secret, key: 'url' }, engine: DatabaseEngine.MYSQL }).bind(chart);
    expect(binding).toEqual({ connection: { secret, key: 'url' }, engine: DatabaseEngine.MYSQL });
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('external passes kedaConnection on; embedded generates it when bound for KEDA', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 'db');
    const external = MetadataDatabase.external({ connection: { secret, key: 'url' }, kedaConnection: { secret, key: 'keda' } }).bind(chart);
    expect(external.kedaConnection).toEqual({ secret, key: 'keda' });
    expect(MetadataDatabase.embeddedPostgres().bind(chart).kedaConnection).toBeUndefined();
    const embedded = MetadataDatabase.embeddedPostgres().bind(testChart(), { kedaConnection: true });
    expect(embedded.kedaConnection).toEqual({ secret: embedded.embedded!.credentials.secret, key: 'keda-connection' });
  });

  test('external fails without a Secret key', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 'db');
    expect(() => MetadataDatabase.external({ connection: { secret, key: '' } }))
      .toThrow("MetadataDatabase.external: 'connection.key' must name the Secret key that holds the connection URL");
  });
});
