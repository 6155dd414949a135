import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { avroToTs, renderModule } from './avro-to-ts.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const AVRO_DIR = path.join(here, '..', 'avro');
export const GENERATED_FILE = path.join(here, '..', 'generated', 'events.types.ts');

/** The .avsc files by event type name (file name without extension), sorted. */
export function readSchemaFiles(
  dir = AVRO_DIR,
): { name: string; schema: Record<string, unknown> }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.avsc$/, ''),
      schema: JSON.parse(readFileSync(path.join(dir, f), 'utf8')),
    }));
}

export function generatedTypes(): string {
  const header =
    '// Generated from schemas/avro/*.avsc by schemas/codegen/generate-types.ts. Do not edit:\n// change the .avsc file and run `npm run schemas:generate`.';
  return renderModule(avroToTs(readSchemaFiles() as never), header);
}
