import { ApiObject, App } from 'cdk8s';

/**
 * Manifests rendered while an `AirflowApp` synth validates, kept for the same synth to write (and to report from)
 * instead of rendering every object a second time. They live only as long as that one synth (a session): a render
 * kept past it could go stale when the app changes before the next synth. Under cdk8s's `App` nothing is kept.
 */
const sessions = new WeakMap<App, Map<ApiObject, any>>();

/**
 * Runs `synth` with renders kept for `app` (the validation remembers them, the writing takes them), then drops them.
 * @internal
 */
export function withRenderSession<T>(app: App, synth: () => T): T {
  sessions.set(app, new Map());
  try {
    return synth();
  } finally {
    sessions.delete(app);
  }
}

/**
 * Remembers what the validation rendered for `apiObject`, when `app` (the app being synthesized, by default the
 * object's own) is in a render session.
 * @internal
 */
export function rememberRender(apiObject: ApiObject, json: any, app: App = App.of(apiObject) as App): void {
  sessions.get(app)?.set(apiObject, json);
}

/**
 * The manifest the validation of this synth rendered for `apiObject` (handed out once: the next call renders anew),
 * else `apiObject.toJson()`.
 * @internal
 */
export function renderValidated(apiObject: ApiObject, app: App = App.of(apiObject) as App): any {
  const session = sessions.get(app);
  const json = session?.get(apiObject);
  if (json === undefined) return apiObject.toJson();
  session!.delete(apiObject);
  return json;
}
