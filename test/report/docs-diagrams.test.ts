import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, test } from 'vitest';
import { mermaidBlock, REPORT_EXAMPLES, synthExample } from '../support/report-examples';

const root = join(__dirname, '..', '..');
// UPDATE_DIAGRAMS=1 rewrites the diagrams in place (never under CI).
const update = process.env.UPDATE_DIAGRAMS === '1' && process.env.CI !== 'true';

/** The text between `<!-- diagram:<name> -->` and `<!-- /diagram:<name> -->`, replaced by `diagram`. */
function withDiagram(text: string, name: string, diagram: string): string {
  const start = `<!-- diagram:${name} -->\n`;
  const end = `<!-- /diagram:${name} -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end, i);
  expect(i, `marker ${start.trim()}`).toBeGreaterThanOrEqual(0);
  expect(j, `marker ${end}`).toBeGreaterThan(i);
  return `${text.slice(0, i + start.length)}${diagram}\n${text.slice(j)}`;
}

describe.each([
  ['README.md', ['quickstart', 'production']],
  ['docs/report.md', REPORT_EXAMPLES.map(([name]) => name)],
])('the diagrams in %s', (file, names) => {
  test('are the examples\' generated diagrams', () => {
    const path = join(root, file);
    const text = readFileSync(path, 'utf-8');
    let expected = text;
    for (const name of names) expected = withDiagram(expected, name, mermaidBlock(synthExample(name).report));
    if (update && expected !== text) writeFileSync(path, expected);
    else expect(text, `${file} drifted from the examples: run UPDATE_DIAGRAMS=1 npx vitest run test/report/docs-diagrams.test.ts`).toBe(expected);
  });
});
