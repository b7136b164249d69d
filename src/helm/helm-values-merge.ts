/**
 * Merges values documents the way `helm install -f a.yaml -f b.yaml` does: later files win, maps are merged
 * key by key (deeply), anything else (lists, scalars) is replaced whole (helm/helm `pkg/cli/values/options.go` `mergeMaps`),
 * and a `null` removes the key, as Helm's coalescing with the chart's defaults does (`pkg/chartutil/coalesce.go`).
 *
 * @internal
 */
export function mergeHelmValues(documents: any[]): any {
  let merged: any = {};
  for (const doc of documents) {
    if (doc === undefined || doc === null) continue;
    merged = mergeInto(merged, doc);
  }
  return merged;
}

function isMap(value: any): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(base: any, override: any): any {
  if (!isMap(base) || !isMap(override)) return override;
  const result: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete result[key];
    else result[key] = isMap(value) && isMap(result[key]) ? mergeInto(result[key], value) : value;
  }
  return result;
}
