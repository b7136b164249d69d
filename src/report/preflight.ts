import { containersOf, podSpecs, ReportObjects } from './report-objects';
import { codePointOrder } from '../naming/airflow-names';
import { GENERATES_SECRET_KEYS_ANNOTATION, GENERATES_SECRETS_ANNOTATION } from '../secrets/secret-generator-job';

/**
 * One thing the manifests need but do not create.
 * @internal
 */
export interface PreflightItem {
  /** what to provide, Markdown, e.g. "Secret `airflow-db` key `url`: the SQLAlchemy URL ..." */
  readonly what: string;
  /** the command that checks it, as shell words; prints something when present */
  readonly check: string[];
  /** true when the check needs a cloud CLI rather than kubectl (not run by the preflight script) */
  readonly manual: boolean;
  /** kind and name, for tests: `Secret/airflow-db`, `CustomResourceDefinition/scaledobjects.keda.sh` */
  readonly ref: string;
  /** the Secret or ConfigMap key, when the item is a key */
  readonly key?: string;
}

/**
 * What a Secret key must contain, by the environment variable it feeds (Airflow reads `AIRFLOW__SECTION__KEY`,
 * airflow-core/src/airflow/configuration.py `_get_env_var_option`, 3.x).
 */
const ENV_MEANING: { [env: string]: string } = {
  AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'the SQLAlchemy URL of the metadata database, e.g. `postgresql+psycopg2://user:password@host:5432/airflow`',
  AIRFLOW__CELERY__BROKER_URL: 'the Celery broker URL, e.g. `redis://:password@host:6379/0`',
  AIRFLOW__CELERY__RESULT_BACKEND: 'the Celery result backend URL, e.g. `db+postgresql://user:password@host:5432/airflow`',
  AIRFLOW__CORE__FERNET_KEY: 'a Fernet key (32 url-safe base64 bytes: `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`)',
  AIRFLOW__API__SECRET_KEY: 'a long random string, the same for every API server (`openssl rand -hex 32`)',
  AIRFLOW__API_AUTH__JWT_SECRET: 'a long random string signing the API tokens (`openssl rand -hex 32`)',
  AIRFLOW__WEBSERVER__SECRET_KEY: 'a long random string, the same for every webserver (`openssl rand -hex 32`)',
  AIRFLOW__CELERY__FLOWER_BASIC_AUTH: '`user:password` for Flower\'s basic auth',
};

/** What a KEDA TriggerAuthentication parameter must contain (keda.sh/docs/2.16/scalers/postgresql). */
const KEDA_MEANING: { [parameter: string]: string } = {
  connection: 'the database as KEDA\'s scaler reads it, a libpq URL, e.g. `postgresql://user:password@host:5432/airflow?sslmode=require`',
  connectionString: 'the database as KEDA\'s scaler reads it, a DSN, e.g. `user:password@tcp(host:3306)/airflow`',
  password: 'the database password KEDA\'s scaler uses',
};

/** ServiceAccount annotations naming a cloud identity, and how to check that identity. */
const IDENTITY_ANNOTATIONS: Array<{ annotation: string; what: string; check: (value: string) => string[] }> = [
  {
    annotation: 'eks.amazonaws.com/role-arn',
    what: 'an IAM role (IRSA) whose trust policy lets ServiceAccount',
    check: arn => ['aws', 'iam', 'get-role', '--role-name', arn.replace(/^.*:role\/(?:.*\/)?/, ''), '--query', 'Role.Arn'],
  },
  {
    annotation: 'iam.gke.io/gcp-service-account',
    what: 'a Google service account (Workload Identity) granting roles/iam.workloadIdentityUser to ServiceAccount',
    check: email => ['gcloud', 'iam', 'service-accounts', 'describe', email, '--format=value(email)'],
  },
  {
    annotation: 'azure.workload.identity/client-id',
    what: 'an Azure managed identity (Workload Identity) federated with ServiceAccount',
    check: id => ['az', 'identity', 'list', '--query', `[?clientId=='${id}'].name`, '-o', 'tsv'],
  },
];

/** Built-in API groups: every other group's kinds need a CRD. */
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io',
  'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'apiextensions.k8s.io']);

/** PriorityClasses every cluster has. */
const BUILTIN_PRIORITY_CLASSES = new Set(['system-cluster-critical', 'system-node-critical']);

interface Use {
  readonly kind: string;
  readonly name: string;
  readonly key?: string;
  readonly meaning: string;
  /** false when the meaning only says where the value goes */
  readonly known: boolean;
}

/**
 * Everything the objects reference and neither create nor generate at run time, sorted, each with a check.
 * @internal
 */
export function preflightItems(objects: ReportObjects): PreflightItem[] {
  const ns = objects.namespace;
  const nsArgs = ns ? ['-n', ns] : [];
  const created = new Set(objects.chart.map(o => `${o.kind}/${o.metadata?.name}`));
  const generated = generatedSecrets(objects.chart);
  const uses: Use[] = [];
  const use = (kind: string, name: string | undefined, meaning: string, key?: string, known: boolean = true) => {
    if (typeof name !== 'string' || name === '' || created.has(`${kind}/${name}`)) return;
    if (kind === 'Secret' && generated.has(name)) return;
    uses.push({ kind, name, key, meaning, known });
  };

  for (const pod of podSpecs(objects.deployment)) {
    const podName = pod.owner.kind === 'Pod' ? 'task pods' : `${pod.owner.kind} ${pod.owner.metadata?.name}`;
    for (const c of containersOf(pod.spec)) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (!ref || ref.optional === true) continue;
        const kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
        const meaning = ENV_MEANING[e.name];
        use(kind, ref.name, meaning ?? `read as \`$${e.name}\` by container \`${c.name}\` of ${podName}`, ref.key, meaning !== undefined);
      }
      for (const from of c.envFrom ?? []) {
        const ref = from.secretRef ?? from.configMapRef;
        if (ref && ref.optional !== true) use(from.secretRef ? 'Secret' : 'ConfigMap', ref.name, `every key becomes an environment variable of container \`${c.name}\``);
      }
    }
    for (const v of pod.spec.volumes ?? []) {
      const mounts = containersOf(pod.spec).flatMap(c => (c.volumeMounts ?? []).filter((m: any) => m.name === v.name).map((m: any) => `\`${c.name}\`:${m.mountPath}`));
      const where = mounts.length > 0 ? `mounted at ${mounts.join(', ')} of ${podName}` : `a volume of ${podName}`;
      for (const source of [v, ...(v.projected?.sources ?? [])]) {
        const secret = source.secret;
        if (secret && secret.optional !== true) {
          const name = secret.secretName ?? secret.name;
          if ((secret.items ?? []).length === 0) use('Secret', name, where, undefined, false);
          for (const item of secret.items ?? []) use('Secret', name, `${where} as \`${item.path}\``, item.key, false);
        }
        const cm = source.configMap;
        if (cm && cm.optional !== true) {
          if ((cm.items ?? []).length === 0) use('ConfigMap', cm.name, where, undefined, false);
          for (const item of cm.items ?? []) use('ConfigMap', cm.name, `${where} as \`${item.path}\``, item.key, false);
        }
      }
      if (v.persistentVolumeClaim) use('PersistentVolumeClaim', v.persistentVolumeClaim.claimName, `a volume claim ${where}`);
    }
    for (const s of pod.spec.imagePullSecrets ?? []) {
      use('Secret', s.name, 'a `kubernetes.io/dockerconfigjson` Secret: credentials of the image registry', '.dockerconfigjson');
    }
    if (pod.spec.serviceAccountName) use('ServiceAccount', pod.spec.serviceAccountName, `the ServiceAccount of ${podName}`);
    if (pod.spec.priorityClassName && !BUILTIN_PRIORITY_CLASSES.has(pod.spec.priorityClassName)) {
      use('PriorityClass', pod.spec.priorityClassName, `the PriorityClass of ${podName}`);
    }
  }

  for (const o of objects.chart.filter(x => x.kind === 'StorageClass')) {
    // a CSI provisioner (not an in-tree `kubernetes.io/...` one) is a driver the cluster must run.
    if (typeof o.provisioner === 'string' && !o.provisioner.startsWith('kubernetes.io/')) {
      use('CSIDriver', o.provisioner, `the CSI driver provisioning StorageClass \`${o.metadata.name}\`, installed in the cluster`);
    }
  }
  for (const o of objects.deployment) {
    if (o.kind === 'Ingress') {
      use('IngressClass', o.spec?.ingressClassName, `the IngressClass of Ingress \`${o.metadata.name}\` (an ingress controller serving it)`);
      for (const tls of o.spec?.tls ?? []) {
        const hosts = (tls.hosts ?? []).join(', ');
        use('Secret', tls.secretName, `a \`kubernetes.io/tls\` Secret with the certificate${hosts ? ` of ${hosts}` : ''}`, 'tls.crt');
        use('Secret', tls.secretName, 'the certificate\'s private key', 'tls.key');
      }
    }
    if (o.kind === 'TriggerAuthentication') {
      for (const t of o.spec?.secretTargetRef ?? []) use('Secret', t.name, KEDA_MEANING[t.parameter] ?? `KEDA's \`${t.parameter}\` parameter`, t.key);
    }
    if (o.kind === 'PersistentVolumeClaim') {
      use('StorageClass', o.spec?.storageClassName, `the StorageClass of PersistentVolumeClaim \`${o.metadata.name}\``);
    }
    for (const t of o.kind === 'StatefulSet' ? o.spec?.volumeClaimTemplates ?? [] : []) {
      use('StorageClass', t.spec?.storageClassName, `the StorageClass of StatefulSet \`${o.metadata.name}\`'s claims`);
    }
    if (o.kind === 'PersistentVolume') {
      use('StorageClass', o.spec?.storageClassName, `the StorageClass of PersistentVolume \`${o.metadata.name}\``);
      use('CSIDriver', o.spec?.csi?.driver, `the CSI driver of PersistentVolume \`${o.metadata.name}\`, installed in the cluster`);
    }
    const [group] = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/') : [''];
    if (!BUILTIN_GROUPS.has(group)) {
      use('CustomResourceDefinition', `${asciiPlural(o.kind)}.${group}`, `the CRD of ${o.kind} (\`${o.apiVersion}\`), installed with its operator`);
    }
  }

  // one item per object (and key), saying what it must contain when some use says so, else where it goes first.
  const chosen = new Map<string, Use>();
  for (const u of uses) {
    const id = `${u.kind}/${u.name}/${u.key ?? ''}`;
    const before = chosen.get(id);
    if (!before || (!before.known && u.known)) chosen.set(id, u);
  }
  const items = [...chosen.values()].map(u => toItem(u, nsArgs));
  // namespaced objects need the namespace; the cloud identities come from the ServiceAccounts the objects create.
  const namespaceItem: PreflightItem[] = ns && !created.has(`Namespace/${ns}`)
    ? [{ what: `Namespace \`${ns}\`: every object goes there (\`kubectl create namespace ${ns}\`)`, check: ['kubectl', 'get', 'namespace', ns, '-o', 'name'], manual: false, ref: `Namespace/${ns}` }]
    : [];
  const identities: PreflightItem[] = [];
  for (const id of IDENTITY_ANNOTATIONS) {
    const users = new Map<string, string[]>();
    for (const sa of objects.deployment.filter(o => o.kind === 'ServiceAccount')) {
      const value = sa.metadata?.annotations?.[id.annotation];
      if (typeof value === 'string') users.set(value, [...(users.get(value) ?? []), `\`${ns ?? '<namespace>'}/${sa.metadata.name}\``]);
    }
    for (const [value, accounts] of users) {
      identities.push({
        what: `\`${value}\`: ${id.what}${accounts.length > 1 ? 's' : ''} ${accounts.join(', ')} use it`,
        check: id.check(value),
        manual: true,
        ref: `${id.annotation}/${value}`,
      });
    }
  }
  const order = (a: PreflightItem, b: PreflightItem) => codePointOrder(`${a.ref}/${a.key ?? ''}`, `${b.ref}/${b.key ?? ''}`);
  return [...namespaceItem, ...items.sort(order), ...identities.sort(order)];
}

function toItem(u: Use, nsArgs: string[]): PreflightItem {
  const ref = `${u.kind}/${u.name}`;
  const resource = u.kind.toLowerCase();
  const namespaced = ['Secret', 'ConfigMap', 'PersistentVolumeClaim', 'ServiceAccount'].includes(u.kind);
  const scope = namespaced ? nsArgs : [];
  if (u.key !== undefined) {
    const check = ['kubectl', 'get', resource, ...scope, u.name, '-o', `jsonpath={.data.${jsonPathField(u.key)}}`];
    return { what: `${u.kind} \`${u.name}\` key \`${u.key}\`: ${u.meaning}`, check, manual: false, ref, key: u.key };
  }
  return { what: `${u.kind} \`${u.name}\`: ${u.meaning}`, check: ['kubectl', 'get', resource, ...scope, u.name, '-o', 'name'], manual: false, ref };
}

/**
 * A key as a kubectl JSONPath field: its terminators escaped with a backslash (k8s.io/client-go v0.33
 * util/jsonpath/parser.go `isTerminator` and `parseField`, which drops the backslashes).
 * @internal
 */
export function jsonPathField(key: string): string {
  return key.replace(/[.,[\]$@{}]/g, c => `\\${c}`);
}

/** Secrets the manifests' Jobs create at run time (the annotations `SecretGeneratorJob` writes). */
function generatedSecrets(objects: any[]): Set<string> {
  const names = new Set<string>();
  const annotated = [...objects, ...podSpecs(objects).map(p => ({ metadata: p.metadata }))];
  for (const o of annotated) {
    const ann = o.metadata?.annotations ?? {};
    for (const n of String(ann[GENERATES_SECRETS_ANNOTATION] ?? '').split(',')) if (n.trim()) names.add(n.trim());
    for (const entry of String(ann[GENERATES_SECRET_KEYS_ANNOTATION] ?? '').split(',')) {
      const n = entry.split(':')[0].trim();
      if (n) names.add(n);
    }
  }
  return names;
}

/** The Secrets the manifests' Jobs create at run time, sorted, with their keys when the annotations list them. @internal */
export function generatedSecretKeys(objects: any[]): Array<{ name: string; keys: string[] }> {
  const keys = new Map<string, Set<string>>();
  for (const o of [...objects, ...podSpecs(objects).map(p => ({ metadata: p.metadata }))]) {
    for (const entry of String(o.metadata?.annotations?.[GENERATES_SECRET_KEYS_ANNOTATION] ?? '').split(',')) {
      const [name, list] = entry.split(':');
      if (!name?.trim()) continue;
      const set = keys.get(name.trim()) ?? new Set<string>();
      (list ?? '').split('|').map(k => k.trim()).filter(k => k !== '').forEach(k => set.add(k));
      keys.set(name.trim(), set);
    }
  }
  return [...generatedSecrets(objects)].sort(codePointOrder).map(name => ({ name, keys: [...(keys.get(name) ?? [])].sort(codePointOrder) }));
}

/** The plural resource name Kubernetes derives for a kind (lower case + `s`, as every CRD used here declares). */
function asciiPlural(kind: string): string {
  return `${kind.replace(/[A-Z]/g, c => String.fromCharCode(c.charCodeAt(0) + 32))}s`;
}

/**
 * Words joined into a command a POSIX shell reads back as the same words: words with characters outside a safe
 * set are single-quoted.
 * @internal
 */
export function shellWords(words: string[]): string {
  return words.map(w => /^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, '\'\\\'\'')}'`).join(' ');
}
