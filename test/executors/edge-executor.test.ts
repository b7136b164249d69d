import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowDeployment, AirflowExecutor, AirflowLogs, AirflowPodRecipe, AirflowVersion, AirflowWarnings, EDGE_EXECUTOR_CLASS, EdgeExecutorConfig, EdgeWorkerPool, S3Credentials } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, errorOf, podSpec, synthDeployment, testChart } from '../support/synth';

const edgeWorkers = (manifests: any[]) => manifests.filter(m => m.kind === 'Deployment'
  && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'edge-worker');

describe('EdgeExecutor and edge worker pools (issue #15)', () => {
  test('withEdge: the executor list, the Edge API on the API server, api_url at its Service, a worker Deployment', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge() });
    expectValidManifests(manifests);
    const cfg = airflowCfg(manifests);
    expect(cfg['core.executor']).toBe('KubernetesExecutor,airflow.providers.edge3.executors.EdgeExecutor');
    expect(cfg['edge.api_enabled']).toBe('True');
    expect(cfg['edge.api_url']).toBe('http://airflow-api-server:8080/edge_worker/v1/rpcapi');
    expect(cfg['core.execution_api_server_url']).toBe('http://airflow-api-server:8080/execution/');
    // Airflow 3.2 finds the edge3 DB manager by itself (providers' db-managers).
    expect(cfg['database.external_db_managers']).toBeUndefined();

    const [worker] = edgeWorkers(manifests);
    expect(worker.metadata.name).toBe('airflow-edge-worker');
    expect(worker.spec.replicas).toBe(1);
    expect(worker.spec.selector.matchLabels['airflow.cdk8s.io/edge-worker-pool']).toBe('default');
    const spec = podSpec(worker);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.terminationGracePeriodSeconds).toBe(600);
    // no database: no migration wait (it would need the database URL).
    expect(spec.initContainers ?? []).toEqual([]);
    const c = container(spec, 'worker');
    expect(spec.containers[0].name).toBe('worker');
    expect(c.args).toEqual(['airflow', 'edge', 'worker', '--queues', 'default', '--concurrency', '8', '--pid', '/tmp/airflow-edge-worker.pid']);
    expect(c.lifecycle.preStop.exec.command).toEqual(['airflow', 'edge', 'stop', '--wait', '--pid', '/tmp/airflow-edge-worker.pid']);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    // the PID file goes to /tmp, a writable emptyDir; task logs to the logs volume.
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(spec.volumes.find((v: any) => v.name === mounts['/tmp'].name).emptyDir).toBeDefined();
    expect(mounts['/opt/airflow/logs']).toBeDefined();
    expect(c.ports ?? []).toEqual([]);
  });

  test('the edge worker holds the JWT secret, and no database URL, Fernet key or API secret key', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge() });
    const c = container(podSpec(edgeWorkers(manifests)[0]), 'worker');
    const names = c.env.map((e: any) => e.name);
    expect(names).toContain('AIRFLOW__API_AUTH__JWT_SECRET');
    expect(names.filter((n: string) => /DATABASE|FERNET|API__SECRET_KEY/.test(n))).toEqual([]);
  });

  test('the official image (no edge3) gets a warning; an image of your own does not', () => {
    const official = synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge() });
    expect(AirflowWarnings.of(official.chart).messages).toContain('the EdgeExecutor needs apache-airflow-providers-edge3 in the image, which the official image '
      + "apache/airflow:3.2.2 does not hold: the scheduler could not load the executor, nor the API server serve the Edge API; build an image with it and set 'image'");
    const own = synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge(), image: 'registry.example.com/airflow-edge:3.2.2' });
    expect(AirflowWarnings.of(own.chart).messages.filter(m => m.includes('EdgeExecutor'))).toEqual([]);
    expect(podSpec(edgeWorkers(own.manifests)[0]).containers[0].image).toBe('registry.example.com/airflow-edge:3.2.2');
  });

  test('pools: names, queues, concurrency, replicas, resources, grace period; AirflowExecutor.edge() alone', () => {
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.edge({
        pools: [
          { name: 'default' },
          {
            name: 'gpu',
            serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'gpu-tasks@project.iam.gserviceaccount.com' },
            queues: ['gpu', 'cuda'],
            concurrency: 2,
            replicas: 3,
            terminationGracePeriod: Duration.minutes(30),
            resources: { cpu: { request: kplus.Cpu.millis(2000) }, memory: { request: { toMebibytes: () => 8192 } as any } },
          },
        ],
      }),
    });
    expectValidManifests(manifests);
    expect(airflowCfg(manifests)['core.executor']).toBe(EDGE_EXECUTOR_CLASS);
    const gpu = edgeWorkers(manifests).find(m => m.metadata.name === 'airflow-edge-worker-gpu');
    expect(gpu.spec.replicas).toBe(3);
    expect(podSpec(gpu).terminationGracePeriodSeconds).toBe(1800);
    const c = container(podSpec(gpu), 'worker');
    expect(c.args).toEqual(['airflow', 'edge', 'worker', '--queues', 'gpu,cuda', '--concurrency', '2', '--pid', '/tmp/airflow-edge-worker.pid']);
    expect(c.resources.requests.cpu).toBe('2000m');
    const account = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === 'airflow-edge-worker-gpu');
    expect(podSpec(gpu).serviceAccountName).toBe('airflow-edge-worker-gpu');
    expect(account.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'gpu-tasks@project.iam.gserviceaccount.com' });
    expect(account.automountServiceAccountToken).toBe(false);
    expect(edgeWorkers(manifests).map(m => m.metadata.name).sort()).toEqual(['airflow-edge-worker', 'airflow-edge-worker-gpu']);
    // no KubernetesExecutor, no Celery: no pod template, no broker.
    expect(manifests.filter(m => m.kind === 'ConfigMap' && m.data?.['pod_template_file.yaml'])).toEqual([]);
  });

  test('pools: [] runs no edge worker in the cluster (every worker runs elsewhere), the API side stays', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge({ pools: [] }) });
    expectValidManifests(manifests);
    expect(edgeWorkers(manifests)).toEqual([]);
    expect(airflowCfg(manifests)['edge.api_enabled']).toBe('True');
  });

  test('remote logs: edge workers write task logs, so they get the remote logs connection like Celery workers', () => {
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.celery().withEdge(),
      logs: AirflowLogs.s3({ bucket: 'logs', region: 'eu-west-1', credentials: S3Credentials.fromServiceAccountRole('arn:aws:iam::123456789012:role/logs') }),
    });
    expectValidManifests(manifests);
    const envOf = (component: string) => container(podSpec(manifests.find(m => m.kind === 'Deployment'
      && m.spec.template.metadata.labels['app.kubernetes.io/component'] === component)), 'worker').env.map((e: any) => e.name).sort();
    const remote = (names: string[]) => names.filter(n => n.includes('REMOTE_LOGS') || n.startsWith('AWS_'));
    expect(remote(envOf('edge-worker'))).toEqual(remote(envOf('worker')));
    expect(remote(envOf('edge-worker')).length).toBeGreaterThan(0);
    const account = (component: string) => manifests.find(m => m.kind === 'ServiceAccount'
      && m.metadata.labels['app.kubernetes.io/component'] === component);
    expect(account('edge-worker').metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/logs');
    expect(account('edge-worker').metadata.annotations).toEqual(account('worker').metadata.annotations);
  });

  test('other [edge] settings: unknownSettings on 3.2 (its settings data has no edge3 section), settings on 3.3+; api_url can be overridden', () => {
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.kubernetes().withEdge(),
      unknownSettings: { 'edge.api_url': 'http://proxy.internal/edge_worker/v1/rpcapi', 'edge.heartbeat_interval': '10' },
    });
    expect(airflowCfg(manifests)['edge.api_url']).toBe('http://proxy.internal/edge_worker/v1/rpcapi');
    expect(airflowCfg(manifests)['edge.heartbeat_interval']).toBe('10');
    expect(errorOf(() => synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge(), settings: { 'edge.heartbeat_interval': '10' } })))
      .toContain("Airflow 3.2.2 has no section 'edge'");
    const newer = synthDeployment({ airflowVersion: AirflowVersion.V3_3_2, executor: AirflowExecutor.kubernetes().withEdge(), settings: { 'edge.heartbeat_interval': '10' } });
    expect(airflowCfg(newer.manifests)['edge.heartbeat_interval']).toBe('10');
  });

  test('with the split API server, api_url stays on the UI API server and execution_api_server_url on the Execution API server', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celery().withEdge(), executionApiServer: {} });
    expectValidManifests(manifests);
    const cfg = airflowCfg(manifests);
    expect(cfg['core.executor']).toBe('CeleryExecutor,airflow.providers.edge3.executors.EdgeExecutor');
    expect(cfg['edge.api_url']).toBe('http://airflow-api-server:8080/edge_worker/v1/rpcapi');
    expect(cfg['core.execution_api_server_url']).toBe('http://airflow-execution-api-server:8080/execution/');
  });

  test('Airflow 3.0 and 3.1 name the edge3 DB manager in [database] external_db_managers', () => {
    for (const version of [AirflowVersion.V3_0_6, AirflowVersion.V3_1_8]) {
      const { manifests } = synthDeployment({ airflowVersion: version, executor: AirflowExecutor.kubernetes().withEdge() });
      expect(airflowCfg(manifests)['database.external_db_managers']).toBe('airflow.providers.edge3.models.db.EdgeDBManager');
    }
  });

  test('NetworkPolicies: edge workers reach the API servers (Edge API, Execution API) and DNS, never the database', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge(), executionApiServer: {}, networkPolicies: { kubernetesApiCidrs: ['10.0.0.5/32'] } });
    expectValidManifests(manifests);
    const policy = manifests.find(m => m.kind === 'NetworkPolicy' && m.spec.podSelector.matchLabels['app.kubernetes.io/component'] === 'edge-worker');
    const egress = policy.spec.egress.map((r: any) => ({
      to: r.to.map((t: any) => t.podSelector?.matchLabels?.['app.kubernetes.io/component'] ?? t.podSelector?.matchLabels?.['k8s-app']),
      ports: r.ports.map((p: any) => p.port),
    }));
    expect(egress).toEqual([
      { to: ['kube-dns'], ports: [53, 53] },
      { to: ['api-server'], ports: [8080] },
      { to: ['execution-api-server'], ports: [8080] },
    ]);
    expect(policy.spec.ingress ?? []).toEqual([]);
    for (const server of ['api-server', 'execution-api-server']) {
      const p = manifests.find(m => m.kind === 'NetworkPolicy' && m.spec.podSelector.matchLabels['app.kubernetes.io/component'] === server);
      expect(p.spec.ingress.some((r: any) => r.from.some((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'edge-worker')), server).toBe(true);
    }
  });

  test('NetworkPolicies with PgBouncer: no edge worker egress to PgBouncer', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge(), pgbouncer: {}, networkPolicies: { kubernetesApiCidrs: ['10.0.0.5/32'] } });
    const policy = manifests.find(m => m.kind === 'NetworkPolicy' && m.spec.podSelector.matchLabels['app.kubernetes.io/component'] === 'edge-worker');
    const targets = policy.spec.egress.flatMap((r: any) => r.to.map((t: any) => t.podSelector?.matchLabels?.['app.kubernetes.io/component']));
    expect(targets).not.toContain('pgbouncer');
    expect(targets).toContain('api-server');
  });
});

describe('EdgeExecutor errors', () => {
  test('refused on Airflow 2, naming the version', () => {
    expect(errorOf(() => synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, executor: AirflowExecutor.kubernetes().withEdge() })))
      .toBe("'executor' has the EdgeExecutor, which needs Airflow 3.0 or later (provider apache-airflow-providers-edge3), but 'airflowVersion' is 2.11.0: "
        + 'upgrade Airflow or use an executor without edge workers');
  });

  test('EdgeExecutorConfig on an Airflow 2 recipe names the version', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { version: AirflowVersion.V2_10_5 });
    const recipe = new AirflowPodRecipe({ config });
    expect(errorOf(() => new EdgeExecutorConfig(chart, 'Edge', { recipe, apiUrl: 'http://x/edge_worker/v1/rpcapi' })))
      .toContain('The EdgeExecutor needs Airflow 3.0 or later (provider apache-airflow-providers-edge3), but \'airflowVersion\' is 2.10.5');
  });

  test('withEdge twice, and withEdge on the Airflow 2 CeleryKubernetesExecutor', () => {
    expect(errorOf(() => AirflowExecutor.kubernetes().withEdge().withEdge()))
      .toContain("AirflowExecutor.withEdge: the executor 'KubernetesExecutor,airflow.providers.edge3.executors.EdgeExecutor' already has the EdgeExecutor");
    expect(errorOf(() => AirflowExecutor.celeryKubernetes().withEdge()))
      .toContain('AirflowExecutor.withEdge: CeleryKubernetesExecutor (Airflow 2) cannot be one of several executors');
  });

  test.each([
    [{ pools: [{ name: '' }] }, "Edge 'pools[0]' has no 'name'"],
    [{ pools: [{ name: 'a' }, { name: 'a' }] }, "Edge 'pools' has two pools named 'a'"],
    [{ pools: [{ name: 'Bad_Name' }] }, "EdgeWorkerPool: 'name' must be 1-32 lower-case letters, digits and '-', starting and ending with a letter or digit, got 'Bad_Name'"],
    [{ pools: [{ name: 'a', queues: [] }] }, "EdgeWorkerPool 'a': 'queues' is empty, but 'airflow edge worker' without --queues serves every queue"],
    [{ pools: [{ name: 'a', queues: ['x,y'] }] }, "EdgeWorkerPool 'a': queue 'x,y' must be letters, digits, '_', '.', ':' and '-' only"],
    [{ pools: [{ name: 'a', concurrency: 0 }] }, "EdgeWorkerPool 'a': 'concurrency' must be a whole number >= 1, got 0"],
    [{ pools: [{ name: 'a', replicas: -1 }] }, "EdgeWorkerPool 'a': 'replicas' must be a whole number >= 0, got -1"],
  ])('bad pools %j', (options, message) => {
    expect(errorOf(() => synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge(options as any) }))).toContain(message);
  });

  test('run-time types of JavaScript callers', () => {
    expect(errorOf(() => AirflowExecutor.edge({ pools: [{ name: 'a', concurrency: '2' as any }] })))
      .toContain('AirflowExecutor.edge options.pools[0].concurrency');
    expect(errorOf(() => AirflowExecutor.kubernetes().withEdge({ pools: [{ name: 'a', serviceAccountAnnotations: { k: 1 as any } }] })))
      .toContain('AirflowExecutor.withEdge options.pools[0].serviceAccountAnnotations.k');
  });

  test('a pool without a name, and a pool on a deployment without the EdgeExecutor', () => {
    const chart = testChart();
    const airflow = new AirflowDeployment(chart, 'Airflow');
    expect(errorOf(() => new EdgeWorkerPool(chart, 'Pool', { recipe: airflow.recipe, name: '' })))
      .toBe("EdgeWorkerPool 'Pool' has no 'name': give the pool a name, e.g. 'default'");
    expect(errorOf(() => new EdgeWorkerPool(chart, 'Pool2', { recipe: airflow.recipe, name: 'x' })))
      .toContain("EdgeWorkerPool 'x' needs the EdgeExecutor, but the deployment's executor is 'KubernetesExecutor'");
    expect(errorOf(() => new EdgeExecutorConfig(chart, 'Edge', { recipe: airflow.recipe, apiUrl: 'http://x/edge_worker/v1/rpcapi' })))
      .toContain("EdgeExecutorConfig needs a deployment whose executor list has the EdgeExecutor, but this one runs 'KubernetesExecutor'");
  });

  test("settings cannot turn the Edge API off: 'edge.api_enabled' is owned by the executor", () => {
    expect(errorOf(() => synthDeployment({ executor: AirflowExecutor.kubernetes().withEdge(), unknownSettings: { 'edge.api_enabled': 'False' } })))
      .toContain('edge.api_enabled');
  });
});
