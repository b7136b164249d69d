import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AirflowApp, AirflowAuth, AirflowDeployment, AirflowExecutor, AirflowLogs, AirflowMetrics, CeleryBroker, GitAuth, GitSyncSidecar, MetadataDatabase,
  NetworkPeer,
  S3Credentials, WorkerAutoscaling,
} from '../src';

/**
 * The Airflow a data platform runs for years: Airflow 3 on EKS with an external PostgreSQL (RDS) and Redis
 * (ElastiCache), Celery pools scaled to zero by KEDA next to the KubernetesExecutor, DAGs from a private git
 * repository, task logs in S3 through IRSA, StatsD metrics with a ServiceMonitor and alerts, an Ingress with TLS,
 * two schedulers and API servers spread over nodes and zones, PgBouncer, maintenance CronJobs and NetworkPolicies.
 *
 * Secrets this chart references (create them with your secret manager; it never holds secret values itself):
 * `airflow-db` (keys `url`: the SQLAlchemy URL, `keda`: the same as a libpq URL with sslmode), `airflow-redis`
 * (`url`), `airflow-core` (`fernet-key`, `api-secret-key`, `jwt-secret`), `airflow-git` (`ssh`), `airflow-tls`,
 * `registry-credentials`, `flower-auth` (`user:password`), `airflow-admin` (`password`: the first admin's).
 */
export class ProductionChart extends Chart {
  public readonly airflow: AirflowDeployment;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'airflow' });
    const secret = (name: string) => kplus.Secret.fromSecretName(this, name, name);
    const db = secret('airflow-db');
    const core = secret('airflow-core');
    const logsRole = S3Credentials.fromServiceAccountRole('arn:aws:iam::123456789012:role/airflow-task-logs');

    this.airflow = new AirflowDeployment(this, 'Airflow', {
      strict: true,
      database: MetadataDatabase.external({ connection: { secret: db, key: 'url' }, kedaConnection: { secret: db, key: 'keda' } }),
      secrets: {
        fernetKey: { secret: core, key: 'fernet-key' },
        apiSecretKey: { secret: core, key: 'api-secret-key' },
        jwtSecret: { secret: core, key: 'jwt-secret' },
      },
      // FAB in production: a first admin created once by a Job; add OAuth or LDAP with `webserverConfig`.
      auth: AirflowAuth.fab({ admin: { email: 'data-platform@example.com', password: { secret: secret('airflow-admin'), key: 'password' } } }),
      imagePullSecrets: [secret('registry-credentials')],
      executor: AirflowExecutor.celeryAndKubernetes({
        broker: CeleryBroker.external({ url: { secret: secret('airflow-redis'), key: 'url' } }),
        pools: [
          { name: 'default', workerConcurrency: 16, autoscaling: WorkerAutoscaling.keda({ maxReplicas: 20 }) },
          {
            name: 'heavy',
            workerConcurrency: 2,
            longestTask: Duration.hours(3),
            maxMemoryPerChild: Size.gibibytes(6),
            nodeSelector: { 'node.example.com/pool': 'airflow-heavy' },
            tolerations: [{ key: 'airflow-heavy', operator: 'Exists', effect: 'NoSchedule' }],
            autoscaling: WorkerAutoscaling.keda({ maxReplicas: 5 }),
          },
        ],
        flower: { basicAuth: { secret: secret('flower-auth'), key: 'auth' } },
      }, {
        nodeSelector: { 'node.example.com/pool': 'airflow-tasks' },
      }),
      dagSource: new GitSyncSidecar({
        repo: 'git@github.com:example/airflow-dags.git',
        gitRef: 'main',
        subPath: 'dags',
        auth: GitAuth.ssh({
          privateKey: { secret: secret('airflow-git'), key: 'ssh' },
          knownHosts: 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
        }),
      }),
      pgbouncer: { replicas: 2 },
      logs: AirflowLogs.s3({ bucket: 'example-airflow-logs', prefix: 'task-logs', region: 'eu-west-1', credentials: logsRole }),
      metrics: AirflowMetrics.statsd({ serviceMonitor: true, alerts: true, prometheusLabels: { release: 'kube-prometheus-stack' } }),
      ingress: { ingressClassName: 'nginx', host: 'airflow.example.com', tls: secret('airflow-tls') },
      scheduler: { replicas: 2 },
      apiServer: { replicas: 2 },
      triggerer: { replicas: 2 },
      maintenance: {
        databaseCleanup: { retention: Duration.days(60) },
        podCleanup: {},
      },
      networkPolicies: {
        // the API server's endpoints, not the `kubernetes` Service's ClusterIP (policies see translated addresses):
        // kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes (on EKS: the control plane's ENI subnets).
        kubernetesApiCidrs: ['10.0.0.0/20'],
        databaseEgress: [{ cidrs: ['10.0.32.0/20'], ports: [5432] }],
        brokerEgress: [{ cidrs: ['10.0.48.0/24'], ports: [6379] }],
        uiIngressFrom: [NetworkPeer.inNamespace('ingress-nginx')],
        metricsScrapeFrom: [NetworkPeer.inNamespace('monitoring')],
        extraEgress: [
          { cidrs: ['140.82.112.0/20'], ports: [22] }, // github.com over SSH
          { cidrs: ['0.0.0.0/0'], ports: [443] }, // S3 and the AWS STS endpoint for IRSA
        ],
      },
    });
  }
}

if (require.main === module) {
  const app = new AirflowApp();
  new ProductionChart(app, 'production');
  app.synth();
}
