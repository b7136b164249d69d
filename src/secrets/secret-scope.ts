import { AirflowVersion } from '../version';

/**
 * The secrets the library gives Airflow containers, by what they are.
 *
 * @internal
 */
export type SecretKind = 'fernet-key' | 'database' | 'api-secret-key' | 'webserver-secret-key' | 'jwt-secret' | 'broker' | 'result-backend'
| 'auth-client-secret' | 'connections' | 'variables';

/** Every secret kind, in the order of the docs table. @internal */
export const SECRET_KINDS: readonly SecretKind[] = [
  'fernet-key', 'database', 'api-secret-key', 'webserver-secret-key', 'jwt-secret', 'broker', 'result-backend', 'auth-client-secret',
  'connections', 'variables',
];

/** The environment variables of the kinds that are not one Airflow setting (`connections`, `variables`). @internal */
export const SECRET_KIND_ENV_PREFIX: { readonly [kind: string]: string } = {
  connections: 'AIRFLOW_CONN_',
  variables: 'AIRFLOW_VAR_',
};

/** The Airflow setting each secret kind is (env `AIRFLOW__SECTION__KEY` from a `secretKeyRef`). @internal */
export const SECRET_KIND_OF_SETTING: { readonly [sectionDotKey: string]: SecretKind } = {
  'core.fernet_key': 'fernet-key',
  'database.sql_alchemy_conn': 'database',
  'api.secret_key': 'api-secret-key',
  'webserver.secret_key': 'webserver-secret-key',
  'api_auth.jwt_secret': 'jwt-secret',
  'celery.broker_url': 'broker',
  'celery.result_backend': 'result-backend',
  'keycloak_auth_manager.client_secret': 'auth-client-secret',
};

/**
 * THE table: which component receives which secret, per Airflow major. Every Airflow container of a component (init
 * containers included) gets exactly these; `docs/secret-scope.md` is generated from it (test/secrets/secret-scope.test.ts).
 *
 * Sources (airflow-core 3.2.2 and apache-airflow 2.11.0 as installed in the test venvs; official docs "JWT Token
 * Authentication", security/jwt_token_authentication.rst, 3.2):
 * - jwt-secret (Airflow 3): signs Execution API tokens. The scheduler's executors sign workload tokens
 *   (`airflow/executors/base_executor.py` `jwt_generator`, `get_signing_args(make_secret_key_if_needed=False)`); the API
 *   server validates them and signs UI tokens (`api_fastapi/auth/tokens.py` `get_signing_args`,
 *   `auth/managers/base_auth_manager.py`). Task pods and Celery workers only carry the token they are given; the
 *   triggerer and the dag-processor call the Execution API in-process (`InProcessExecutionAPI`,
 *   `jobs/triggerer_job_runner.py`, `dag_processing/processor.py`), which needs no token.
 * - api-secret-key (Airflow 3): the API server signs log requests with `[api] secret_key`
 *   (`utils/log/file_task_handler.py`), and the log servers of Celery workers and the triggerer validate them
 *   (`utils/serve_logs/log_server.py`). webserver-secret-key is the same on Airflow 2 (`utils/serve_logs.py`) plus
 *   the webserver's Flask sessions.
 * - fernet-key: whoever decrypts or encrypts connections, variables and trigger kwargs in the database
 *   (`models/crypto.py` `get_fernet`): the API server (serves them to tasks through the Execution API), the
 *   scheduler (creates triggers for tasks that start deferred), the triggerer and the dag-processor (in-process
 *   Execution API), the migrations (the 2.9 trigger-kwargs migration re-encrypts). On Airflow 2 every process that runs
 *   task code reads the database directly, so workers and task pods need it too. Airflow 3 task code has no database
 *   access (the Task SDK); the SDK uses the Fernet key only in the deltalake/iceberg XCom serializers
 *   (`airflow/sdk/serde/serializers/deltalake.py`): give it through `secretSettings` if your tasks need those.
 * - database: the components that use the metadata database. Airflow 3 task pods import `airflow`, whose
 *   `settings.initialize()` calls `configure_orm()` but never connects (without a URL it builds an unused SQLite engine:
 *   proved against the real Airflow in test/secrets/secret-scope.test.ts). Airflow 2 task pods and Celery workers run
 *   `airflow tasks run`, which uses the database. A component with `result-backend` also gets `database` when no
 *   `resultBackend` is given, because Celery's result backend then defaults to `db+<sql_alchemy_conn>`
 *   (providers celery `executors/default_celery.py`).
 * - auth-client-secret (Airflow 3, `AirflowAuth.keycloak`): the auth manager runs in the API server only.
 * - create-admin (the FAB first-admin Job, `airflow users create`): the database, where FAB keeps its users.
 * - execution-api-server (`executionApiServer`, `airflow api-server --apps execution`): the Execution API alone. It
 *   validates and reissues task tokens (`api_fastapi/execution_api/app.py` JWT bearer and `JWTReissueMiddleware`:
 *   jwt-secret), reads and writes the database and serves connections and variables (fernet-key, database,
 *   connections, variables). It serves no logs and runs no auth manager (`api_fastapi/app.py` `create_app` mounts the
 *   auth manager for `core` only): no api-secret-key, no auth-client-secret. The API server then runs `--apps core`:
 *   it still signs and validates UI tokens (jwt-secret) but serves no task, so it loses connections and variables.
 * - edge-worker (`EdgeWorkerPool`, `airflow edge worker`, provider edge3 3.7.0): it signs every Edge API request itself
 *   with `[api_auth] jwt_secret` (`cli/api_client.py` `jwt_generator`; the API server checks them in
 *   `worker_api/auth.py`), so it is the one component besides the scheduler and the API servers that holds the JWT
 *   secret. It reaches Airflow only over HTTP (Edge API and Execution API): no database, no Fernet key; it pushes task
 *   logs to the API server (`cli/worker.py` `_push_logs_in_chunks`) and serves none: no api-secret-key. Its tasks run
 *   the Task SDK like a Celery worker's (connections, variables).
 * - pools (the pools Job, `airflow pools import`): the database, where the local API client writes the pools
 *   (`api/client/local_client.py` `create_pool`); pools are not encrypted, so no Fernet key.
 * - broker / result-backend: the CeleryExecutor in the scheduler sends tasks and fetches their states, the workers
 *   consume them, Flower watches both.
 * - connections / variables (`connections`, `variables` of `AirflowDeployment`: `AIRFLOW_CONN_<ID>`, `AIRFLOW_VAR_<KEY>`)
 *   go where Airflow looks them up in the environment (`EnvironmentVariablesBackend`, first in every search path):
 *   Airflow 3 task code (task pods, Celery workers) searches `DEFAULT_SECRETS_SEARCH_PATH_WORKERS` (env, then the
 *   Execution API: `airflow/sdk/execution_time/secrets/__init__.py`, `supervisor.py` `ensure_secrets_backend_loaded`);
 *   the API server's Execution API answers tasks with `Connection.get_connection_from_secrets` (env, then the database:
 *   `api_fastapi/execution_api/routes/connections.py`, `variables.py`), so a task finds a connection its own pod lacks;
 *   the triggerer (triggers use hooks) and the dag-processor (top-level DAG code, DAG callbacks such as notifiers:
 *   `dag_processing/processor.py` `_execute_dag_callbacks`) answer their subprocesses' `GetConnection`/`GetVariable`
 *   through the in-process Execution API (`jobs/triggerer_job_runner.py`, `dag_processing/processor.py`), which reads
 *   their own environment. The Airflow 3 scheduler runs no user code. On Airflow 2 the code runs where it is parsed or
 *   run: task pods, workers, the triggerer, the dag-processor and the scheduler (which parses DAGs and runs DAG
 *   callbacks unless `dagProcessor.enabled`); the webserver lists only the database's connections (env connections are
 *   not stored there) and runs no task code.
 *
 * @internal
 */
export const SECRET_SCOPE: { readonly [major: string]: { readonly [component: string]: readonly SecretKind[] } } = {
  3: {
    'scheduler': ['fernet-key', 'database', 'jwt-secret', 'broker', 'result-backend'],
    'api-server': ['fernet-key', 'database', 'api-secret-key', 'jwt-secret', 'auth-client-secret', 'connections', 'variables'],
    'execution-api-server': ['fernet-key', 'database', 'jwt-secret', 'connections', 'variables'],
    'triggerer': ['fernet-key', 'database', 'api-secret-key', 'connections', 'variables'],
    'dag-processor': ['fernet-key', 'database', 'connections', 'variables'],
    'worker': ['api-secret-key', 'broker', 'result-backend', 'connections', 'variables'],
    'edge-worker': ['jwt-secret', 'connections', 'variables'],
    'flower': ['broker', 'result-backend'],
    'task': ['connections', 'variables'],
    'migrate': ['fernet-key', 'database'],
    'db-cleanup': ['database'],
    'pod-cleanup': [],
    'create-admin': ['database'],
    'pools': ['database'],
  },
  2: {
    'scheduler': ['fernet-key', 'database', 'broker', 'result-backend', 'connections', 'variables'],
    'webserver': ['fernet-key', 'database', 'webserver-secret-key'],
    'triggerer': ['fernet-key', 'database', 'webserver-secret-key', 'connections', 'variables'],
    'dag-processor': ['fernet-key', 'database', 'connections', 'variables'],
    'worker': ['fernet-key', 'database', 'webserver-secret-key', 'broker', 'result-backend', 'connections', 'variables'],
    'flower': ['broker', 'result-backend'],
    'task': ['fernet-key', 'database', 'connections', 'variables'],
    'migrate': ['fernet-key', 'database'],
    'db-cleanup': ['database'],
    'pod-cleanup': [],
    'create-admin': ['database'],
    'pools': ['database'],
  },
};

/**
 * The secrets a component's Airflow containers get. A component the table does not know (one built by a user on the
 * pod recipe) gets every secret, as before the table existed.
 *
 * @param resultBackendGiven whether `[celery] result_backend` is set; otherwise it defaults to the database.
 * @param executionApiSplit whether the Execution API runs in its own server (`executionApiServer`).
 * @internal
 */
export function secretKindsOf(version: AirflowVersion, component: string, resultBackendGiven: boolean,
  executionApiSplit = false): ReadonlySet<SecretKind> {
  const kinds = SECRET_SCOPE[String(version.major)][component];
  if (kinds === undefined) return new Set(SECRET_KINDS);
  const set = new Set(kinds);
  // `--apps core`: the Execution API (which serves connections and variables to tasks) runs elsewhere.
  if (executionApiSplit && component === 'api-server') {
    set.delete('connections');
    set.delete('variables');
  }
  if (set.has('result-backend') && !resultBackendGiven) set.add('database');
  return set;
}

/**
 * `docs/secret-scope.md`, generated from `SECRET_SCOPE` (a test keeps the file in step).
 *
 * @internal
 */
export function secretScopeMarkdown(): string {
  const settingOf = (kind: SecretKind) => Object.keys(SECRET_KIND_OF_SETTING).find(s => SECRET_KIND_OF_SETTING[s] === kind)
    ?? `${SECRET_KIND_ENV_PREFIX[kind]}*`;
  const lines = [
    '# Secret scope',
    '',
    '<!-- Generated from src/secrets/secret-scope.ts (SECRET_SCOPE) by test/secrets/secret-scope.test.ts: do not edit. -->',
    '',
    'Which Airflow component receives which secret (as `AIRFLOW__SECTION__KEY` from a `secretKeyRef`, in every Airflow',
    'container of its pods, init containers included). One table in `src/secrets/secret-scope.ts` decides, with the',
    'sources in Airflow it is read from; a test asserts it on the synthesized objects.',
    '',
    '- `worker` is a Celery worker, `edge-worker` an edge worker of `EdgeWorkerPool` (Airflow 3; it signs its Edge API',
    '  requests with the JWT secret, so it holds that key, and nothing else of Airflow\'s), `task` a KubernetesExecutor',
    '  task pod (the pod template), `migrate` the migrations Job,',
    '  `db-cleanup` and `pod-cleanup` the maintenance CronJobs, `create-admin` the FAB first-admin Job, `pools` the pools Job.',
    '- `database` is `[database] sql_alchemy_conn` (with `pgbouncer`: the upstream URL and `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD`).',
    '  A component with `result-backend` also gets `database` when no `resultBackend` is given (Celery\'s result backend',
    '  then defaults to the database).',
    '- `broker` is `[celery] broker_url` (with the embedded Redis: its password).',
    '- `connections` and `variables` are the `AIRFLOW_CONN_<ID>` / `AIRFLOW_VAR_<KEY>` variables of the `connections` and',
    '  `variables` props (variables given with `AirflowVariable.nonSecret` are literal values, in the same components).',
    '- `execution-api-server` is the Execution API server of `executionApiServer` (Airflow 3.1+); with it, the `api-server`',
    '  runs `--apps core` and gets no `connections` or `variables` (it no longer serves tasks).',
    '- Settings you give in `secretSettings` reach every Airflow container, and so does the `secretsBackend` (its secret',
    '  kwargs included): a backend also serves `*_secret` settings, which any component may read.',
    '',
  ];
  for (const major of ['3', '2']) {
    const components = Object.keys(SECRET_SCOPE[major]);
    const kinds = SECRET_KINDS.filter(k => components.some(c => SECRET_SCOPE[major][c].includes(k)));
    lines.push(`## Airflow ${major}`, '', `| component | ${kinds.map(k => `${k} (\`${settingOf(k)}\`)`).join(' | ')} |`);
    lines.push(`| --- | ${kinds.map(() => ':---:').join(' | ')} |`);
    for (const component of components) {
      lines.push(`| ${component} | ${kinds.map(k => SECRET_SCOPE[major][component].includes(k) ? 'yes' : '-').join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
