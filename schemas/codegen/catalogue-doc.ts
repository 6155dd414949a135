/**
 * The README's event catalogue, generated from the .avsc files and the catalogue's topics and
 * keys: `tsx schemas/codegen/catalogue-doc.ts` prints it; a unit test checks README carries it.
 */
import {
  loadEventCatalogue,
  type EventScope,
  type EventTypeSpec,
} from '../catalogue/event-catalogue.js';

const KEY_DOC: Record<EventScope, string> = {
  user: 'user_id',
  catalogue: 'track_id',
  finance: 'market:period',
  playlist: 'playlist_id',
};

type Field = { name: string; type: unknown; doc?: string; default?: unknown };

function typeText(t: unknown): string {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.map(typeText).join(' \\| ');
  const o = t as {
    type: unknown;
    logicalType?: string;
    symbols?: string[];
    items?: unknown;
    name?: string;
  };
  if (o.logicalType) return `${typeText(o.type)} (${o.logicalType})`;
  if (o.type === 'enum') return `enum ${o.symbols!.join(', ')}`;
  if (o.type === 'array') return `array of ${typeText(o.items)}`;
  if (o.type === 'record') return `record ${o.name}`;
  return typeText(o.type);
}

export function catalogueDoc(): string {
  const out: string[] = [];
  for (const spec of Object.values(loadEventCatalogue()) as EventTypeSpec[]) {
    const s = spec.schema as { name: string; doc?: string; fields: Field[] };
    out.push(
      `### \`${spec.name}\` (${s.name})`,
      '',
      s.doc ?? '',
      '',
      `Topic \`${spec.topic}\`, subject \`${spec.subject}\`, key \`${KEY_DOC[spec.scope]}\`.`,
      '',
    );
    out.push('| field | type | meaning |', '| --- | --- | --- |');
    for (const f of s.fields) {
      const def = Object.prototype.hasOwnProperty.call(f, 'default')
        ? ` (default ${JSON.stringify(f.default)})`
        : '';
      out.push(`| \`${f.name}\` | ${typeText(f.type)}${def} | ${f.doc ?? ''} |`);
    }
    out.push('');
  }
  return out.join('\n').trim();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!))
  console.log(catalogueDoc());
