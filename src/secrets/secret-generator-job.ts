import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GeneratedSecret } from './generated-secret';
import { GitOpsTool, oneShotJobLifecycle } from '../deploy/git-ops';
import { AirflowNames, nameJobByContent } from '../naming/airflow-names';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';
import { checkPinnedImage } from '../utils/image';

/** The component of the secret generator's objects: `<release>-secret-generator[-<content hash>]`. */
const COMPONENT = 'secret-generator';

/** Annotation on the Job naming the Secrets it creates at run time (read by tools that check references). */
export const GENERATES_SECRETS_ANNOTATION = 'airflow.cdk8s.io/generates-secrets';
/** Annotation on the Job naming the keys of each Secret it creates: `name:key1|key2,name2:key3`. */
export const GENERATES_SECRET_KEYS_ANNOTATION = 'airflow.cdk8s.io/generates-secret-keys';

/**
 * Props for `SecretGeneratorJob`.
 */
export interface SecretGeneratorJobProps {
  /** The Secrets to create. */
  readonly secrets: GeneratedSecret[];
  /**
   * An image with Python 3, the `kubernetes` client and `cryptography` (the official Airflow image has all three).
   *
   * @default 'apache/airflow:3.2.2'
   */
  readonly image?: string;
  /**
   * Pull policy of the image.
   *
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * The GitOps tool applying the manifests: decides the Job's TTL and sync wave (see `GitOpsTool`).
   *
   * @default - none (`kubectl apply`): the finished Job is deleted after 24 hours.
   */
  readonly gitOps?: GitOpsTool;
}

/**
 * A Job that creates each `GeneratedSecret` once, if absent, and never overwrites it.
 *
 * Its ServiceAccount may `create` Secrets (Kubernetes cannot restrict `create` to a name) and `get` only
 * the Secrets it generates. The Job name carries a hash of its content (what it generates, image, script), so adding a Secret runs it
 * again (Jobs are immutable) and re-applying the same manifests does not. An existing Secret that lacks a
 * key fails the Job with a message instead of being changed.
 */
export class SecretGeneratorJob extends Construct {
  /** The Job. */
  public readonly job: kplus.Job;
  /** The Job's ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;

  constructor(scope: Construct, id: string, props: SecretGeneratorJobProps) {
    super(scope, id);
    if (props.secrets.length === 0) {
      throw new Error(`SecretGeneratorJob '${this.node.path}': 'secrets' must not be empty`);
    }
    const spec = props.secrets.map(s => ({
      name: s.name,
      keys: s.keys.map(k => ({ key: k.key, kind: k.value._kind, argument: k.value._argument })),
    }));
    const specJson = JSON.stringify(spec);

    const names = AirflowNames.of(this);
    const lifecycle = oneShotJobLifecycle(props.gitOps, -2);
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { automountToken: false, metadata: names.metadata(this, 'ServiceAccount', COMPONENT) });
    const role = new kplus.Role(this, 'Role', { metadata: names.metadata(this, 'Role', COMPONENT) });
    role.allowCreate(kplus.ApiResource.SECRETS);
    role.allowGet(...props.secrets.map(s => s.secret));
    names.bindRole(role, COMPONENT, this.serviceAccount);

    this.job = new kplus.Job(this, 'Resource', {
      ttlAfterFinished: lifecycle.ttlAfterFinished,
      metadata: {
        ...names.metadata(this, 'Job', COMPONENT),
        annotations: {
          ...lifecycle.annotations,
          [GENERATES_SECRETS_ANNOTATION]: spec.map(s => s.name).join(','),
          [GENERATES_SECRET_KEYS_ANNOTATION]: spec.map(s => `${s.name}:${s.keys.map(k => k.key).join('|')}`).join(','),
        },
      },
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      backoffLimit: 6,
      activeDeadline: Duration.minutes(10),
      securityContext: { ensureNonRoot: true, user: 50000, group: 0 },
      containers: [{
        name: 'generate-secrets',
        image: generatorImage(props.image),
        imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: ['python', '-c', GENERATOR_SCRIPT],
        envVariables: { SECRETS_SPEC: kplus.EnvValue.fromValue(specJson) },
        resources: cpuAndMemory(50, 128, 256),
        securityContext: restrictedContainerSecurityContext(),
      }],
    });
    names.labelPods(this.job, COMPONENT);
    // what it generates, its image or its script changed: a new Job (a Job's pod template is immutable).
    nameJobByContent(this.job);
  }
}

/**
 * Creates each Secret of SECRETS_SPEC that does not exist; leaves existing ones alone.
 */
const GENERATOR_SCRIPT = `
import json, os, secrets, string, sys
from cryptography.fernet import Fernet
from kubernetes import client, config
from kubernetes.client.rest import ApiException

config.load_incluster_config()
with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace") as f:
    namespace = f.read().strip()
api = client.CoreV1Api()
alphabet = string.ascii_letters + string.digits

def generate(kind, argument, values):
    if kind == "fernet":
        return Fernet.generate_key().decode()
    if kind == "random":
        return "".join(secrets.choice(alphabet) for _ in range(int(argument)))
    if kind == "template":
        for key, value in values.items():
            argument = argument.replace("{" + key + "}", value)
        return argument
    raise ValueError("unknown generator " + kind)

failed = False
for spec in json.loads(os.environ["SECRETS_SPEC"]):
    name = spec["name"]
    try:
        existing = api.read_namespaced_secret(name, namespace)
        missing = [k["key"] for k in spec["keys"] if k["key"] not in (existing.data or {})]
        if missing:
            print(f"Secret {name} exists but lacks keys {missing}: add them or delete the Secret to have it generated", file=sys.stderr)
            failed = True
        else:
            print(f"Secret {name} exists, left as it is")
        continue
    except ApiException as e:
        if e.status != 404:
            raise
    values = {}
    for k in spec["keys"]:
        values[k["key"]] = generate(k["kind"], k.get("argument"), values)
    body = client.V1Secret(metadata=client.V1ObjectMeta(name=name, labels={"app.kubernetes.io/managed-by": "cdk8s-airflow"}), type="Opaque", string_data=values)
    try:
        api.create_namespaced_secret(namespace, body)
        print(f"Secret {name} created")
    except ApiException as e:
        if e.status != 409:
            raise
        print(f"Secret {name} was created concurrently, left as it is")
sys.exit(1 if failed else 0)
`.trim();

function generatorImage(image: string | undefined): string {
  if (image === undefined) return 'apache/airflow:3.2.2';
  checkPinnedImage(image, "SecretGeneratorJob: 'image'", 'apache/airflow:3.2.2');
  return image;
}
