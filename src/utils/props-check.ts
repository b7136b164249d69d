import { Duration, Size } from 'cdk8s';

/*
 * Run-time checks of props for callers TypeScript does not check: plain JavaScript, and (through jsii) Python, Java,
 * .NET and Go users whose values are not always typed. Each function throws an Error naming the prop and what it
 * expected, instead of a TypeError deep inside. `undefined` passes (optional props); `expectPresent` makes a prop
 * required. All @internal.
 */

/** What a value is, for messages: `the string 'x'`, `the number 5`, `an array`, `an object of class Foo`. @internal */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'string': return `the string '${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
    case 'number': case 'boolean': case 'bigint': return `the ${typeof value} ${String(value)}`;
    case 'function': return 'a function';
    case 'object': {
      const name = Object.getPrototypeOf(value)?.constructor?.name;
      return name && name !== 'Object' ? `an object of class ${name}` : `an object with keys ${JSON.stringify(Object.keys(value as object).slice(0, 6))}`;
    }
    default: return typeof value;
  }
}

function fail(prop: string, expected: string, value: unknown): never {
  throw new Error(`'${prop}' must be ${expected}, got ${describeValue(value)}`);
}

/** A required prop is given. @internal */
export function expectPresent(value: unknown, prop: string, expected: string): void {
  if (value === undefined || value === null) fail(prop, expected, value);
}

/** A string. @internal */
export function expectString(value: unknown, prop: string): void {
  if (value !== undefined && typeof value !== 'string') fail(prop, 'a string', value);
}

/** A boolean. @internal */
export function expectBoolean(value: unknown, prop: string): void {
  if (value !== undefined && typeof value !== 'boolean') fail(prop, 'true or false', value);
}

/** A finite number (an integer with `integer`). @internal */
export function expectNumber(value: unknown, prop: string, integer = false): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))) {
    fail(prop, integer ? 'a whole number' : 'a number', value);
  }
}

/** A plain object (an options struct). @internal */
export function expectObject(value: unknown, prop: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) fail(prop, 'an object of options', value);
}

/** A `{ [key: string]: string }` map. @internal */
export function expectStringMap(value: unknown, prop: string): void {
  expectObject(value, prop);
  for (const [k, v] of Object.entries((value ?? {}) as object)) {
    if (typeof v !== 'string') fail(`${prop}.${k}`, 'a string', v);
  }
}

/** An array; `each` checks every element with its own prop name (`prop[i]`). @internal */
export function expectArray(value: unknown, prop: string, each?: (item: unknown, itemProp: string) => void): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(prop, 'an array', value);
  if (each) value.forEach((item, i) => each(item, `${prop}[${i}]`));
}

/** An instance of `type` (a class of this library or of cdk8s), named `what` in the message, e.g. `AirflowExecutor.celery(...)`. @internal */
export function expectInstance(value: unknown, type: { readonly prototype: object }, prop: string, what: string): void {
  if (value === undefined) return;
  if (Array.isArray(value)) fail(prop, `${what}, one value and not an array`, value);
  // classes with private constructors (the static-factory classes) are not `new`-able types: compare prototypes
  if (typeof value !== 'object' || value === null || !type.prototype.isPrototypeOf(value)) fail(prop, what, value);
}

/** A cdk8s `Duration` (e.g. `Duration.seconds(30)`), not a number or a string. @internal */
export function expectDuration(value: unknown, prop: string): void {
  // duck-typed: a second copy of cdk8s in the caller's node_modules makes Durations of another class
  if (value !== undefined && typeof (value as Duration | null)?.toSeconds !== 'function') fail(prop, 'a Duration (e.g. Duration.seconds(30))', value);
}

/** A cdk8s `Size` (e.g. `Size.gibibytes(10)`). @internal */
export function expectSize(value: unknown, prop: string): void {
  if (value !== undefined && typeof (value as Size | null)?.toMebibytes !== 'function') fail(prop, 'a Size (e.g. Size.gibibytes(10))', value);
}

/** A kplus `SecretValue`: `{ secret: <ISecret>, key: '<key>' }`. @internal */
export function expectSecretValue(value: unknown, prop: string): void {
  if (value === undefined) return;
  const v = value as { secret?: { name?: unknown }; key?: unknown };
  if (typeof value !== 'object' || value === null || typeof v.secret !== 'object' || v.secret === null
    || typeof v.secret.name !== 'string' || typeof v.key !== 'string') {
    fail(prop, "a SecretValue: { secret: kplus.Secret.fromSecretName(scope, 'Id', '<secret name>'), key: '<key>' }", value);
  }
}

/** One of the values of a string enum (`kplus.ImagePullPolicy`, ...). @internal */
export function expectEnum(value: unknown, values: object, prop: string, enumName: string): void {
  if (value !== undefined && !Object.values(values).includes(value)) {
    fail(prop, `one of ${enumName}.${Object.keys(values).join(`, ${enumName}.`)}`, value);
  }
}
