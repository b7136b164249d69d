// Writes docs/helm-values.md from the converter's mapping table: `npx ts-node scripts/helm-values-doc.ts`.
import { writeFileSync } from 'fs';
import { join } from 'path';
import { helmValuesMarkdown } from '../src/helm/helm-value-table';

writeFileSync(join(__dirname, '..', 'docs', 'helm-values.md'), helmValuesMarkdown());
