import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';

/** A message the library can throw or warn, as written in the source. */
export interface SourceMessage {
  /** `file:line` of the message. */
  readonly where: string;
  /** The first string literal of the message, `${...}` parts replaced by `{}`. */
  readonly text: string;
  /** The longest fixed part of it (between placeholders): what the docs must quote. */
  readonly fixedPart: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every `new Error(...)` and `AirflowWarnings ... .add(...)` message under `src/` (generated imports and data excluded).
 */
export function sourceMessages(root: string): SourceMessage[] {
  const messages: SourceMessage[] = [];
  for (const file of filesUnder(join(root, 'src'))) {
    if (file.includes(`${join('src', 'imports')}`) || file.includes(join('config', 'data'))) continue;
    const source = readFileSync(file, 'utf-8');
    const pattern = /(new Error\(|warnings\.add\(|AirflowWarnings\.of\([^)]*\)\.add\()\s*(`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/g;
    for (const match of source.matchAll(pattern)) {
      const literal = match[2].slice(1, -1);
      const text = literal.replace(/\$\{[^}]*\}/g, '{}').replace(/\\'/g, '\'').replace(/\\`/g, '`');
      const fixedPart = text.split('{}').map(p => p.trim()).sort((a, b) => b.length - a.length)[0];
      const line = source.slice(0, match.index).split('\n').length;
      messages.push({ where: `${relative(root, file)}:${line}`, text, fixedPart });
    }
  }
  return messages;
}
