import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, test } from 'vitest';
import { sourceMessages } from '../support/error-messages';

const root = join(__dirname, '..', '..');

describe('docs/errors.md', () => {
  test('quotes every error and warning message the library can give (so the table cannot drift from the code)', () => {
    const docs = readFileSync(join(root, 'docs', 'errors.md'), 'utf-8').replace(/\\\|/g, '|');
    const messages = sourceMessages(root);
    expect(messages.length).toBeGreaterThan(150);
    const missing = messages.filter(m => !docs.includes(m.fixedPart)).map(m => `${m.where}: ${m.fixedPart}`);
    expect(missing).toEqual([]);
  });
});
