import { execFileSync } from 'child_process';
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowExecutor, AirflowVersion, CeleryBroker, WorkerWorkloadKind } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, env, one, podSpec, synthDeployment, testChart } from '../support/synth';

const workers = (manifests: any[]) => manifests.filter(m => ['Deployment', 'StatefulSet'].includes(m.kind)
  && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'worker');

describe('CeleryExecutor', () => {
  test('an embedded Redis broker, a default pool, and the broker URL from a Secret in every Airflow container', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celery() });
    expectValidManifests(manifests);
    const cfg = airflowCfg(manifests);
    expect(cfg['core.executor']).toBe('CeleryExecutor');
    expect(cfg['celery.celery_config_options']).toBe('airflow_celery_config.CELERY_CONFIG');
    const redis = manifests.find(m => m.kind === 'StatefulSet' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'redis');
    const redisContainer = container(podSpec(redis), 'redis');
    expect(redisContainer.args).toEqual(['--requirepass', '$(REDIS_PASSWORD)', '--appendonly', 'no', '--dir', '/data']);
    expect(env(redisContainer, 'REDIS_PASSWORD').valueFrom.secretKeyRef.key).toBe('password');
    expect(podSpec(redis).securityContext).toMatchObject({ runAsUser: 999, runAsNonRoot: true });

    // the broker URL reaches the components that use the broker, and no other (src/secrets/secret-scope.ts).
    const brokerUsers = new Set<string>();
    for (const m of manifests.filter(o => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))) {
      const component = m.spec.template.metadata.labels['app.kubernetes.io/component'];
      for (const c of [...(podSpec(m).initContainers ?? []), ...podSpec(m).containers].filter(x => x.image.startsWith('apache/airflow') && x.name !== 'generate-secrets')) {
        const key = env(c, 'AIRFLOW__CELERY__BROKER_URL')?.valueFrom?.secretKeyRef?.key;
        if (['scheduler', 'worker', 'flower'].includes(component)) {
          expect(key, `${component}/${c.name}`).toBe('broker-url');
          brokerUsers.add(component);
        } else {
          expect(key, `${component}/${c.name}`).toBeUndefined();
        }
      }
    }
    expect([...brokerUsers].sort()).toEqual(['scheduler', 'worker']);
    // no KubernetesExecutor: no pod template, no pod launcher, no API token for the scheduler.
    expect(manifests.filter(m => m.kind === 'Role').map(m => m.metadata.name)).toEqual([expect.stringContaining('secret-generator')]);
    expect(podSpec(manifests.find(m => m.kind === 'Deployment' && m.metadata.name.includes('-scheduler'))).automountServiceAccountToken).toBe(false);
  });

  test('a worker: queues, warm shutdown, grace period, concurrency, liveness ping, log port, PDB, headless Service', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celery() });
    const [worker] = workers(manifests);
    expect(worker.kind).toBe('Deployment');
    expect(worker.spec.replicas).toBe(1);
    const spec = podSpec(worker);
    const c = container(spec, 'worker');
    expect(c.args).toEqual(['airflow', 'celery', 'worker', '--queues', 'default']);
    expect(env(c, 'DUMB_INIT_SETSID').value).toBe('0');
    expect(env(c, 'AIRFLOW__CELERY__WORKER_CONCURRENCY').value).toBe('16');
    expect(c.livenessProbe.exec.command[2]).toContain('inspect ping -d "celery@$(hostname)"');
    expect(c.ports).toEqual([{ containerPort: 8793, name: 'worker-logs' }]);
    expect(spec.terminationGracePeriodSeconds).toBe(600);
    expect(worker.spec.template.metadata.annotations['cluster-autoscaler.kubernetes.io/safe-to-evict']).toBe('false');
    expect(spec.initContainers.map((i: any) => i.name)).toEqual(['wait-for-airflow-migrations']);
    const pdb = manifests.find(m => m.kind === 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels['airflow.cdk8s.io/worker-pool']).toBe('default');
    const service = one(manifests, 'Service', 'airflow-worker');
    expect(service.spec.ports).toEqual([{ name: 'worker-logs', port: 8793, targetPort: 8793 }]);
  });

  test('two pools with their own queues, sizes, placement and memory hygiene', () => {
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.celery({
        pools: [
          { name: 'default', queues: ['default', 'light'], replicas: 2, workerConcurrency: 32 },
          {
            name: 'heavy',
            workerConcurrency: 2,
            longestTask: Duration.hours(2),
            maxTasksPerChild: 10,
            maxMemoryPerChild: Size.gibibytes(3),
            nodeSelector: { pool: 'big' },
            workloadKind: WorkerWorkloadKind.STATEFUL_SET,
            logsStorage: Size.gibibytes(20),
            safeToEvict: true,
            resources: { cpu: { request: kplus.Cpu.units(4) }, memory: { request: Size.gibibytes(16) } },
          },
        ],
      }),
    });
    expectValidManifests(manifests);
    const [light, heavy] = workers(manifests).sort((a, b) => a.kind.localeCompare(b.kind));
    expect(container(podSpec(light), 'worker').args).toEqual(['airflow', 'celery', 'worker', '--queues', 'default,light']);
    expect(light.spec.replicas).toBe(2);
    expect(heavy.kind).toBe('StatefulSet');
    const c = container(podSpec(heavy), 'worker');
    expect(c.args).toEqual(['airflow', 'celery', 'worker', '--queues', 'heavy']);
    expect(env(c, 'AIRFLOW__CELERY__WORKER_CONCURRENCY').value).toBe('2');
    expect(env(c, 'AIRFLOW_CELERY_WORKER_MAX_TASKS_PER_CHILD').value).toBe('10');
    expect(env(c, 'AIRFLOW_CELERY_WORKER_MAX_MEMORY_PER_CHILD').value).toBe(String(3 * 1024 * 1024));
    expect(podSpec(heavy).terminationGracePeriodSeconds).toBe(10800); // 1.5 × 2 hours
    expect(podSpec(heavy).nodeSelector).toEqual({ pool: 'big' });
    expect(heavy.spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'logs' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20480Mi' } } } }]);
    expect(podSpec(heavy).volumes.map((v: any) => v.name)).not.toContain('logs');
    expect(c.volumeMounts).toContainEqual({ mountPath: '/opt/airflow/logs', name: 'logs' });
    expect(heavy.spec.template.metadata.annotations['cluster-autoscaler.kubernetes.io/safe-to-evict']).toBe('true');
    const module = manifests.find(m => m.kind === 'ConfigMap' && m.data['airflow_celery_config.py']).data['airflow_celery_config.py'];
    expect(module).toContain('CELERY_CONFIG["worker_max_tasks_per_child"] = int(os.environ["AIRFLOW_CELERY_WORKER_MAX_TASKS_PER_CHILD"])');
    expect(c.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/opt/airflow/config/airflow_celery_config.py', subPath: 'airflow_celery_config.py', readOnly: true }));
  });

  test('an external broker and result backend from the user\'s Secrets', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'Broker', 'celery');
    new AirflowDeployment(chart, 'Airflow', {
      executor: AirflowExecutor.celery({ broker: CeleryBroker.external({ url: { secret, key: 'url' } }), resultBackend: { secret, key: 'backend' } }),
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['celery'] } });
    expect(manifests.filter(m => m.kind === 'StatefulSet' && m.metadata.name.includes('broker'))).toEqual([]);
    const c = container(podSpec(workers(manifests)[0]), 'worker');
    expect(env(c, 'AIRFLOW__CELERY__BROKER_URL').valueFrom.secretKeyRef).toEqual({ name: 'celery', key: 'url' });
    expect(env(c, 'AIRFLOW__CELERY__RESULT_BACKEND').valueFrom.secretKeyRef).toEqual({ name: 'celery', key: 'backend' });
  });

  test('Celery and Kubernetes together keep both parts', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celeryAndKubernetes({}, { deleteWorkerPods: false }) });
    expectValidManifests(manifests);
    const cfg = airflowCfg(manifests);
    expect(cfg['core.executor']).toBe('CeleryExecutor,KubernetesExecutor');
    expect(cfg['kubernetes_executor.delete_worker_pods']).toBe('False');
    expect(workers(manifests)).toHaveLength(1);
    expect(manifests.filter(m => m.kind === 'ConfigMap' && m.data['pod_template_file.yaml'])).toHaveLength(1);
    expect(podSpec(manifests.find(m => m.kind === 'Deployment' && m.metadata.name.includes('-scheduler'))).automountServiceAccountToken).toBe(true);
  });

  test('CeleryKubernetesExecutor on Airflow 2 with its queue', () => {
    const { manifests } = synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, executor: AirflowExecutor.celeryKubernetes({}, {}, 'k8s') });
    expectValidManifests(manifests);
    expect(airflowCfg(manifests)).toMatchObject({ 'core.executor': 'CeleryKubernetesExecutor', 'celery_kubernetes_executor.kubernetes_queue': 'k8s' });
  });

  test('fails on bad pools and executor mixes, naming the prop and the fix', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => synthDeployment({ executor: AirflowExecutor.celeryKubernetes() }),
        "AirflowExecutor.celeryKubernetes() is for Airflow 2 only, but 'airflowVersion' is 3.2.2: use AirflowExecutor.celeryAndKubernetes() (tasks choose with executor=\"KubernetesExecutor\")"],
      [() => synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, executor: AirflowExecutor.celeryKubernetes({ pools: [{ name: 'k', queues: ['kubernetes'] }] }) }),
        "Celery pool 'k' serves queue 'kubernetes', which CeleryKubernetesExecutor sends to the KubernetesExecutor: rename the pool's queue or pass another kubernetesQueue"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [] }) }),
        "Celery 'pools' is empty, so no worker would run the tasks: give at least one pool, e.g. { name: 'default' }"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a' }, { name: 'a' }] }) }), "Celery 'pools' has two pools named 'a': give each pool its own name"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a', queues: ['q'] }, { name: 'b', queues: ['q'] }] }) }),
        "Celery queue 'q' is served by pools 'a' and 'b': a queue belongs to one pool, or autoscaling counts its tasks twice"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'heavy', queues: [] }] }) }),
        "CeleryWorkerPool 'heavy': 'queues' is empty, so the pool would take no task: name at least one queue (tasks pick one with queue=...)"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'Heavy' }] }) }),
        "CeleryWorkerPool: 'name' must be 1-32 lower-case letters, digits and '-', starting and ending with a letter or digit, got 'Heavy'"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a', queues: ['a b'] }] }) }),
        "CeleryWorkerPool 'a': queue 'a b' must be letters, digits, '_', '.', ':' and '-' only"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a', workerConcurrency: 0 }] }) }), "CeleryWorkerPool 'a': 'workerConcurrency' must be a whole number >= 1, got 0"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a', replicas: -1 }] }) }), "CeleryWorkerPool 'a': 'replicas' must be a whole number >= 0, got -1"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a', maxTasksPerChild: 0 }] }) }), "CeleryWorkerPool 'a': 'maxTasksPerChild' must be a whole number >= 1, got 0"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a', longestTask: Duration.hours(1), terminationGracePeriod: Duration.minutes(30) }] }) }),
        "CeleryWorkerPool 'a': 'terminationGracePeriod' (1800s) is shorter than 'longestTask' (3600s), so a rollout would kill running tasks: raise it, or leave it out to get 1.5 × longestTask"],
      [() => CeleryBroker.external({ url: { secret: kplus.Secret.fromSecretName(testChart(), 'S', 's'), key: '' } }),
        "CeleryBroker.external: 'url.key' must name the Secret key that holds the broker URL"],
    ];
    for (const [build, message] of cases) expect(build).toThrow(message);
  });
});

describe('embedded Redis with the user\'s password', () => {
  test('no generated broker Secret; each Airflow container builds the URL from the password', () => {
    const chart = testChart();
    const mine = kplus.Secret.fromSecretName(chart, 'Redis', 'my-redis');
    const broker = CeleryBroker.embeddedRedis({ password: { secret: mine, key: 'pw' } });
    new AirflowDeployment(chart, 'Airflow', { executor: AirflowExecutor.celery({ broker }) });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['my-redis'] } });
    const generated = manifests.find(m => m.metadata.annotations?.['airflow.cdk8s.io/generates-secret-keys']).metadata.annotations['airflow.cdk8s.io/generates-secret-keys'];
    expect(generated).not.toContain('broker-url');
    const redis = manifests.find(m => m.kind === 'StatefulSet' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'redis');
    expect(env(container(podSpec(redis), 'redis'), 'REDIS_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'my-redis', key: 'pw' });
    const worker = container(podSpec(workers(manifests)[0]), 'worker');
    expect(env(worker, 'AIRFLOW_CELERY_BROKER_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'my-redis', key: 'pw' });
    expect(env(worker, 'AIRFLOW__CELERY__BROKER_URL')).toBeUndefined();
    const command = airflowCfg(manifests)['celery.broker_url_cmd'];
    // run the command as Airflow does (shlex split, no shell), with a password that needs URL-encoding.
    const runAsAirflow = 'import shlex, subprocess, sys; print(subprocess.check_output(shlex.split(sys.argv[1]), text=True).strip())';
    const url = execFileSync('python3', ['-c', runAsAirflow, command.replace(/^python /, 'python3 ')], {
      env: { ...process.env, AIRFLOW_CELERY_BROKER_PASSWORD: 'p@ss/w:rd' }, encoding: 'utf-8',
    }).trim();
    const service = manifests.find(m => m.kind === 'Service' && m.metadata.name === 'airflow-redis');
    expect(url).toBe(`redis://:p%40ss%2Fw%3Ard@${service.metadata.name}:6379/0`);
    const overridden = testChart();
    expect(() => {
      new AirflowDeployment(overridden, 'A', {
        secretSettings: { 'celery.broker_url': { secret: mine, key: 'url' } },
        executor: AirflowExecutor.celery({ broker: CeleryBroker.embeddedRedis({ password: { secret: mine, key: 'pw' } }) }),
      });
      Testing.synth(overridden);
    }).toThrow("Airflow setting 'celery.broker_url' is managed by this library: set 'celery.broker' instead");
  });

  test('fails on a password without key', () => {
    const chart = testChart();
    const mine = kplus.Secret.fromSecretName(chart, 'Redis', 'my-redis');
    const broker = CeleryBroker.embeddedRedis({ password: { secret: mine, key: '' } });
    expect(() => new AirflowDeployment(chart, 'Airflow', { executor: AirflowExecutor.celery({ broker }) }))
      .toThrow("CeleryBroker.embeddedRedis: 'password.key' must name the Secret key that holds the Redis password");
  });
});

describe('escape hatches of worker pools', () => {
  test('extra containers, volumes, envFrom, priority and pull secrets reach the workers', () => {
    const chart = testChart();
    const pull = kplus.Secret.fromSecretName(chart, 'Pull', 'registry');
    const workerEnv = kplus.ConfigMap.fromConfigMapName(chart, 'Env', 'worker-env');
    const scratch = kplus.Volume.fromEmptyDir(chart, 'Scratch', 'scratch');
    new AirflowDeployment(chart, 'Airflow', {
      executor: AirflowExecutor.celery({
        pools: [{
          name: 'default',
          extraContainers: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31.0' }],
          extraVolumeMounts: [{ path: '/scratch', volume: scratch }],
          envFrom: [kplus.Env.fromConfigMap(workerEnv)],
          priorityClassName: 'airflow-workers',
          imagePullSecrets: [pull],
        }],
      }),
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['registry'], configMaps: ['worker-env'], priorityClasses: ['airflow-workers'] } });
    const spec = podSpec(workers(manifests)[0]);
    expect(spec.containers.map((c: any) => c.name)).toContain('proxy');
    expect(container(spec, 'worker').volumeMounts).toContainEqual({ mountPath: '/scratch', name: 'scratch', readOnly: false });
    expect(container(spec, 'worker').envFrom).toEqual([{ configMapRef: { name: 'worker-env' } }]);
    expect(spec.priorityClassName).toBe('airflow-workers');
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
  });

  test('errors name the pool', () => {
    expect(() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'heavy', extraContainers: [{ name: 'worker', image: 'busybox:1.36' }] }] }) }))
      .toThrow("'extraContainers' of worker pool 'heavy': container name 'worker' is already used in the pod: give the container another name");
  });
});
