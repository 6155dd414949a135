/**
 * Generates schemas/generated/events.types.ts from schemas/avro/*.avsc.
 *   tsx schemas/codegen/generate-types.ts          write the file
 *   tsx schemas/codegen/generate-types.ts --check  exit 1 when the committed file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generatedTypes, GENERATED_FILE } from './schema-files.js';

const check = process.argv.includes('--check');
const unknown = process.argv.slice(2).filter((a) => a !== '--check');
if (unknown.length) {
  console.error(`generate-types: unknown argument ${unknown.join(' ')} (only --check)`);
  process.exit(2);
}
const fresh = generatedTypes();
if (check) {
  const current = readFileSync(GENERATED_FILE, 'utf8');
  if (current !== fresh) {
    console.error(
      `${GENERATED_FILE} is stale: the .avsc files changed. Run npm run schemas:generate.`,
    );
    process.exit(1);
  }
  console.log('generated types match the .avsc files');
} else {
  writeFileSync(GENERATED_FILE, fresh);
  console.log(`wrote ${GENERATED_FILE}`);
}
