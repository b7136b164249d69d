import { ApiObject, App } from 'cdk8s';

/**
 * Manifests rendered while validating, kept for `AirflowApp` to write instead of rendering every object a second
 * time. Kept only in apps that asked (an `AirflowApp` renders right after validating and then lets go of them);
 * under cdk8s's `App` nothing is kept.
 */
const keeping = new WeakSet<App>();
const rendered = new WeakMap<ApiObject, any>();

/** @internal */
export function keepValidatedRenders(app: App): void {
  keeping.add(app);
}

/**
 * Remembers what the validation rendered for `apiObject`, when `app` (the app being synthesized, by default the
 * object's own) keeps renders.
 * @internal
 */
export function rememberRender(apiObject: ApiObject, json: any, app: App = App.of(apiObject) as App): void {
  if (keeping.has(app)) rendered.set(apiObject, json);
}

/**
 * The manifest the validation rendered for `apiObject` (handed out once: the next call renders anew), else
 * `apiObject.toJson()`.
 * @internal
 */
export function renderValidated(apiObject: ApiObject): any {
  const json = rendered.get(apiObject);
  if (json === undefined) return apiObject.toJson();
  rendered.delete(apiObject);
  return json;
}
