/**
 * A TypeScript expression written as is into the generated program.
 *
 * @internal
 */
export class Code {
  constructor(public readonly code: string) {}
}

/**
 * A value with a comment written on the line before its property.
 *
 * @internal
 */
export class Commented {
  constructor(public readonly value: unknown, public readonly comment: string) {}
}

/** A single-quoted TypeScript string literal. @internal */
export function str(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

function key(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : str(name);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/**
 * Renders plain data, `Code` and `Commented` as TypeScript source, two spaces per level; keys keep their order.
 *
 * @internal
 */
export function renderTs(value: unknown, indent: string = ''): string {
  if (value instanceof Code) return value.code;
  if (value instanceof Commented) return renderTs(value.value, indent);
  if (value === null) return 'undefined';
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map(v => `${inner}${renderTs(v, inner)},\n`).join('')}${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([k, v]) => {
      const comment = v instanceof Commented ? `${inner}// ${oneLine(v.comment)}\n` : '';
      return `${comment}${inner}${key(k)}: ${renderTs(v, inner)},\n`;
    });
    return `{\n${lines.join('')}${indent}}`;
  }
  throw new Error(`cannot render ${typeof value}`);
}
