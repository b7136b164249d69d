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
    const image = props.image ?? 'apache/airflow:3.2.2';
    checkPinnedImage(image, `SecretGeneratorJob '${this.node.path}': 'image' (any image with python3; AirflowDeployment: 'secrets.generatorImage')`,
      'python:3.12.11-slim-bookworm');

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
        image,
        imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: ['python3', '-c', GENERATOR_SCRIPT],
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
 * Creates each Secret of SECRETS_SPEC that does not exist; leaves existing ones alone. Python's standard library
 * only (no `kubernetes` client, no `cryptography`): any image with `python3` runs it. It talks to the API server
 * like the official clients do in a pod: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT` (set by the
 * kubelet in every container), the service-account token (re-read for each request: the kubelet rotates it) and CA
 * from `/var/run/secrets/kubernetes.io/serviceaccount`. A Fernet key is 32 random bytes in url-safe base64, what
 * `cryptography`'s `Fernet.generate_key()` returns.
 *
 * @internal
 */
export const GENERATOR_SCRIPT = `
import base64, json, os, secrets, ssl, string, sys, urllib.error, urllib.request

sa_dir = os.environ.get("KUBERNETES_SERVICEACCOUNT_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")

def read(name):
    with open(os.path.join(sa_dir, name)) as f:
        return f.read().strip()

host = os.environ.get("KUBERNETES_SERVICE_HOST", "")
if not host:
    sys.exit("secret-generator: KUBERNETES_SERVICE_HOST is not set: this script runs in a pod, where the kubelet sets it")
if ":" in host:
    host = "[" + host + "]"
namespace = read("namespace")
base = "https://" + host + ":" + os.environ.get("KUBERNETES_SERVICE_PORT", "443") + "/api/v1/namespaces/" + namespace + "/secrets"
context = ssl.create_default_context(cafile=os.path.join(sa_dir, "ca.crt"))
# in-cluster: never through an HTTP(S)_PROXY a webhook may have injected
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
alphabet = string.ascii_letters + string.digits

def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": "Bearer " + read("token"), "Accept": "application/json", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        try:
            answer = json.load(e)
        except ValueError:
            answer = {}
        return e.code, answer

def generate(kind, argument, values):
    if kind == "fernet":
        return base64.urlsafe_b64encode(os.urandom(32)).decode()
    if kind == "random":
        return "".join(secrets.choice(alphabet) for _ in range(int(argument)))
    if kind == "template":
        for key, value in values.items():
            argument = argument.replace("{" + key + "}", value)
        return argument
    raise ValueError("unknown generator " + kind)

def refused(what, status, answer):
    sys.exit("secret-generator: " + what + " answered " + str(status) + ": " + str(answer.get("message", answer)))

failed = False
for spec in json.loads(os.environ["SECRETS_SPEC"]):
    name = spec["name"]
    status, existing = call("GET", base + "/" + name)
    if status == 200:
        missing = [k["key"] for k in spec["keys"] if k["key"] not in (existing.get("data") or {})]
        if missing:
            print("Secret " + name + " exists but lacks keys " + ", ".join(missing) + ": add them or delete the Secret to have it generated", file=sys.stderr)
            failed = True
        else:
            print("Secret " + name + " exists, left as it is")
        continue
    if status != 404:
        refused("GET secret " + name, status, existing)
    values = {}
    for k in spec["keys"]:
        values[k["key"]] = generate(k["kind"], k.get("argument"), values)
    body = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "stringData": values,
            "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "cdk8s-airflow"}}}
    status, answer = call("POST", base, body)
    if status == 201 or status == 200:
        print("Secret " + name + " created")
    elif status == 409:
        print("Secret " + name + " was created concurrently, left as it is")
    else:
        refused("POST secret " + name, status, answer)
sys.exit(1 if failed else 0)
`.trim();

