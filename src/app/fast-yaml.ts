import { Yaml } from 'cdk8s';
import { YAML } from '../utils/cdk8s-yaml';

/**
 * `Yaml.stringify` of cdk8s 2.70.106 (lib/yaml.js: `YAML.stringify(doc, { keepUndefined: true, lineWidth: 0,
 * version: '1.1' })` per document, joined with `---\n`), byte for byte, about ten times faster for the JSON-shaped
 * documents a synth renders. yaml 2.9.1 builds a node tree and runs every string through its schema's tag tests;
 * this writes the block structure directly and asks yaml only where its answer is not a plain copy of the value.
 *
 * What it writes itself (yaml 2.9.1, dist/stringify/): block maps (`stringifyPair`: `key: value`, a non-empty
 * collection on the next line one step deeper, an empty one as `{}`/`[]`), block sequences (`YAMLSeq.toString`:
 * `- ` items, indentSeq), `null` (also for `undefined` under `keepUndefined`), `true`/`false`, numbers, and
 * strings: plain where yaml's `plainString` writes them so (none of its indicator patterns, no control character, no
 * match by a default non-string tag of the 1.1 schema, taken from yaml's own schema object), quoted on one line,
 * literal blocks (`stringValue`). Strings with control characters and blocks yaml quotes or keeps the trailing line
 * breaks of are rendered by yaml itself at the same indentation and cached; a document with anything
 * else (shared object references that yaml would alias, class instances, keys yaml would quote) is handed
 * to `Yaml.stringify` whole. test/app/fast-yaml.test.ts compares both on every example and on generated documents.
 * @internal
 */
export function stringifyYaml(...docs: any[]): string {
  return docs.map(doc => (doc === undefined ? '\n' : stringifyDocument(doc))).join('---\n');
}

const OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' as const };
const STR_TAG = 'tag:yaml.org,2002:str';
/** yaml's plainString: the patterns that make a string not plain (dist/stringify/stringifyString.js). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** yaml's stringifyString: control characters and lone surrogates force double quotes. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** yaml's containsDocumentMarker. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

let tagTests: RegExp[] | undefined;
/** The tests of the 1.1 schema's default tags other than strings: a plain string matching one would be read back as something else. */
function resolvesToOtherType(value: string): boolean {
  if (!tagTests) {
    const schema: any = new YAML.Document(null, OPTIONS).schema;
    tagTests = [...schema.tags, ...(schema.compat ?? [])]
      .filter((tag: any) => tag.default && tag.tag !== STR_TAG && tag.test)
      .map((tag: any) => tag.test);
  }
  return tagTests.some(test => test.test(value));
}

/** Answers of `isPlain` so far, for values and for keys (manifests repeat most of their strings). */
const plainAnswers = [new Map<string, boolean>(), new Map<string, boolean>()];
/** A long-running process (a watch, a test runner) starts the caches over past this many entries. */
const CACHE_LIMIT = 100_000;

/** Whether yaml writes this string unquoted, as it is, as a value (or, with `key`, as an implicit key). */
function isPlain(value: string, key: boolean): boolean {
  const answers = plainAnswers[key ? 1 : 0];
  let plain = answers.get(value);
  if (plain === undefined) {
    plain = value !== '' && !value.includes('\n') && !NOT_PLAIN.test(value) && !CONTROL.test(value)
      && !(key && DOCUMENT_MARKER.test(value)) && !resolvesToOtherType(value);
    if (answers.size >= CACHE_LIMIT) answers.clear();
    answers.set(value, plain);
  }
  return plain;
}

class Unsupported extends Error {}

/** yaml's own rendering of a string value at the given indentation, cached (depends only on `ctx.indent`). */
const delegated = new Map<string, string>();
function delegateString(value: string, indent: string): string {
  const cacheKey = `${indent.length}\u0000${value}`;
  let text = delegated.get(cacheKey);
  if (text === undefined) {
    // a chain of one-key maps puts the value at exactly this indentation; what precedes it is the marker's prefix
    const depth = indent.length / 2;
    const wrap = (leaf: string) => {
      let doc: any = leaf;
      for (let i = 0; i < depth; i++) doc = { k: doc };
      return YAML.stringify(doc, OPTIONS);
    };
    const marked = wrap('MARK');
    const prefix = marked.slice(0, marked.indexOf('MARK'));
    const full = wrap(value);
    if (!full.startsWith(prefix) || !full.endsWith('\n')) throw new Unsupported();
    text = full.slice(prefix.length, -1);
    if (delegated.size >= CACHE_LIMIT) delegated.clear();
    delegated.set(cacheKey, text);
  }
  return text;
}

/**
 * A string value at `indent` (yaml 2.9.1 dist/stringify/stringifyString.js with `lineWidth: 0`, no comments): plain
 * when `plainString` allows it; quoted on one line (`quotedString`: single quotes when it holds `"` and no `'`, else
 * `doubleQuotedString`, which for a line without control characters is its JSON); a literal block when it has line
 * breaks (`blockString`). Control characters, and blocks yaml writes quoted or with the keep indicator, go to yaml.
 */
function stringValue(value: string, indent: string): string {
  if (CONTROL.test(value)) return delegateString(value, indent);
  if (value.includes('\n')) return literalBlock(value, indent) ?? delegateString(value, indent);
  // the merge key: yaml's getTagObject (dist/stringify/stringify.js) prefers, among the tags identifying a value,
  // those with a test, and the 1.1 merge tag identifies exactly '<<' and writes it as it is
  if (value === '<<' || isPlain(value, false)) return value;
  return value.includes('"') && !value.includes("'") ? `'${value}'` : JSON.stringify(value);
}

/**
 * yaml's `blockString` for a literal block (`lineWidth: 0` never folds) with strip (`|-`) or clip (`|`) chomping and
 * an indentation indicator when the first line starts with a space; `undefined` where yaml quotes instead (a line of
 * only blanks at the end) or keeps trailing line breaks (`|+`, which also changes what follows).
 */
function literalBlock(value: string, indent: string): string | undefined {
  if (/\n[\t ]+$/.test(value)) return undefined;
  let endStart = value.length;
  while (endStart > 0 && (value[endStart - 1] === '\n' || value[endStart - 1] === '\t' || value[endStart - 1] === ' ')) endStart--;
  let end = value.substring(endStart);
  const endNewline = end.indexOf('\n');
  if (endNewline !== -1 && (value === end || endNewline !== end.length - 1)) return undefined;
  const chomp = endNewline === -1 ? '-' : '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end.endsWith('\n')) end = end.slice(0, -1); // what is left holds no line break
  }
  let startWithSpace = false;
  let startEnd = 0;
  let startNewline = -1;
  for (; startEnd < value.length; startEnd++) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNewline = startEnd;
    else break;
  }
  let start = value.substring(0, startNewline < startEnd ? startNewline + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? '2' : '') + chomp;
  return `|${header}\n${indent}${start}${value.replace(/\n+/g, `$&${indent}`)}${end}`;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The text of a scalar value at `indent` (the indentation of its own continuation lines). */
function scalar(value: any, indent: string): string {
  switch (typeof value) {
    case 'string': return stringValue(value, indent);
    case 'boolean': return value ? 'true' : 'false';
    case 'number': // yaml's stringifyNumber (dist/stringify/stringifyNumber.js) of a node made from a number
      if (Number.isNaN(value)) return '.nan';
      if (!Number.isFinite(value)) return value < 0 ? '-.inf' : '.inf';
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'undefined': return 'null';
    default:
      if (value === null) return 'null';
      throw new Unsupported();
  }
}

/** Renders a collection or scalar in block context; `indent` is the value's `ctx.indent`. */
class Writer {
  private readonly seen = new Set<object>();

  public value(value: any, indent: string): string {
    if (value === null || typeof value !== 'object') return scalar(value, indent);
    if (this.seen.has(value)) throw new Unsupported(); // yaml would write an anchor and an alias
    this.seen.add(value);
    if (Array.isArray(value)) return this.sequence(value, indent);
    if (!isPlainObject(value)) throw new Unsupported();
    return this.map(value, indent);
  }

  private map(map: any, indent: string): string {
    const keys = Object.keys(map);
    if (keys.length === 0) return '{}';
    const inner = indent + '  ';
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key.length > 1024 || !isPlain(key, true)) throw new Unsupported();
      if (i > 0) out += '\n' + indent;
      out += key + ':' + this.entry(map[key], inner);
    }
    return out;
  }

  private sequence(seq: any[], indent: string): string {
    if (seq.length === 0) return '[]';
    const inner = indent + '  ';
    let out = '';
    for (let i = 0; i < seq.length; i++) {
      if (!(i in seq)) throw new Unsupported(); // a hole
      if (i > 0) out += '\n' + indent;
      out += '- ' + this.value(seq[i], inner);
    }
    return out;
  }

  /** What follows `key:` (stringifyPair): a non-empty collection starts on its own line. */
  private entry(value: any, indent: string): string {
    const text = this.value(value, indent);
    const nonEmptyCollection = value !== null && typeof value === 'object' && text !== '{}' && text !== '[]';
    // a delegated string always follows `key: ` (delegateString checks its prefix)
    return (nonEmptyCollection ? '\n' + indent : ' ') + text;
  }
}

/** The document's text when this writes it itself; `undefined` when it is one to hand to `Yaml.stringify`. */
function writeItself(doc: any): string | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  try {
    return new Writer().value(doc, '') + '\n';
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** Whether `stringifyYaml` writes this document itself (true) or hands it to `Yaml.stringify` (false). @internal */
export function writesItself(doc: any): boolean {
  return writeItself(doc) !== undefined;
}

function stringifyDocument(doc: any): string {
  return writeItself(doc) ?? Yaml.stringify(doc);
}
