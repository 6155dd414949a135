/**
 * Avro schema (JSON) -> TypeScript declarations. Pure: the generator script feeds it the .avsc
 * files and writes the result; a unit test checks that the committed output is current.
 */
import { BackbeatError } from '../../common/errors/backbeat.error.js';

type Schema = string | Schema[] | { type: string | Schema; [k: string]: unknown };

interface Field {
  name: string;
  type: Schema;
  doc?: string;
  default?: unknown;
}

const PRIMITIVES: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

export interface GeneratedModule {
  /** Declarations in order of first appearance, deduplicated by full name. */
  declarations: Map<string, string>;
  /** Top-level record name per input name. */
  roots: Map<string, string>;
  /** The top-level record's field names per input name, in schema order. */
  fields: Map<string, string[]>;
}

export function avroToTs(inputs: { name: string; schema: Schema }[]): GeneratedModule {
  const declarations = new Map<string, string>();
  const roots = new Map<string, string>();
  const fields = new Map<string, string[]>();

  function doc(text: unknown, indent = ''): string {
    return typeof text === 'string' && text
      ? `${indent}/** ${text.replace(/\*\//g, '* /')} */\n`
      : '';
  }

  function declare(name: string, body: string): void {
    const prev = declarations.get(name);
    if (prev !== undefined && prev !== body)
      throw new BackbeatError(
        'AVRO_TYPE_REDECLARED',
        `named type ${name} is declared twice with different shapes`,
      );
    declarations.set(name, body);
  }

  function tsType(s: Schema, ns: string): string {
    if (typeof s === 'string') {
      if (s in PRIMITIVES) return PRIMITIVES[s]!;
      return s.split('.').pop()!; // reference to a named type declared earlier
    }
    if (Array.isArray(s)) return s.map((b) => tsType(b, ns)).join(' | ');
    const t = s.type;
    if (typeof t !== 'string') return tsType(t, ns);
    if (t in PRIMITIVES) return PRIMITIVES[t]!;
    const name = typeof s.name === 'string' ? s.name.split('.').pop()! : '';
    const childNs = typeof s.namespace === 'string' ? s.namespace : ns;
    switch (t) {
      case 'record': {
        const fields = (s.fields as Field[]).map(
          (f) =>
            `${doc(f.doc, '  ')}  ${f.name}${isOptional(f) ? '?' : ''}: ${tsType(f.type, childNs)};`,
        );
        declare(name, `${doc(s.doc)}export interface ${name} {\n${fields.join('\n')}\n}`);
        return name;
      }
      case 'enum': {
        const symbols = (s.symbols as string[]).map((x) => `'${x}'`).join(' | ');
        declare(name, `${doc(s.doc)}export type ${name} = ${symbols};`);
        return name;
      }
      case 'fixed':
        declare(name, `${doc(s.doc)}export type ${name} = Buffer;`);
        return name;
      case 'array':
        return `${wrap(tsType(s.items as Schema, childNs))}[]`;
      case 'map':
        return `Record<string, ${tsType(s.values as Schema, childNs)}>`;
      default:
        throw new BackbeatError('AVRO_TYPE_UNSUPPORTED', `unsupported Avro type ${t}`);
    }
  }

  for (const input of inputs) {
    const rootType = tsType(input.schema, '');
    roots.set(input.name, rootType);
    const top = input.schema as { fields?: Field[] };
    fields.set(
      input.name,
      (top.fields ?? []).map((f) => f.name),
    );
  }
  return { declarations, roots, fields };
}

/** Fields with a default may be omitted by producers; avsc fills the default in. */
function isOptional(f: Field): boolean {
  return Object.prototype.hasOwnProperty.call(f, 'default');
}

function wrap(t: string): string {
  return t.includes('|') ? `(${t})` : t;
}

export function renderModule(mod: GeneratedModule, header: string): string {
  const map = [...mod.roots].map(([k, v]) => `  '${k}': ${v};`).join('\n');
  return [
    header,
    ...mod.declarations.values(),
    `/** Event type name (the .avsc file name) -> its record type. */\nexport interface EventTypeMap {\n${map}\n}`,
    `export type EventTypeName = keyof EventTypeMap;`,
    `export const EVENT_TYPE_NAMES = [${[...mod.roots.keys()].map((k) => `'${k}'`).join(', ')}] as const;`,
    `export const RECORD_NAMES = {\n${[...mod.roots].map(([k, v]) => `  '${k}': '${v}',`).join('\n')}\n} as const satisfies Record<EventTypeName, string>;`,
    ...renderListenerContext(mod),
    '',
  ].join('\n\n');
}

/**
 * The field lists the schemas imply, so that no module writes them out again: the envelope
 * (the fields every event type has), the listener events (those a listener makes: they have
 * `user_id`; most are keyed by it, playlist edits by their playlist) and the listener's client context (the fields every
 * listener event has besides the envelope), in schema order.
 */
function renderListenerContext(mod: GeneratedModule): string[] {
  const all = [...mod.fields.values()];
  const common = (lists: string[][]) =>
    lists.length ? lists[0]!.filter((f) => lists.every((l) => l.includes(f))) : [];
  const envelope = common(all);
  const listeners = [...mod.fields].filter(([, f]) => f.includes('user_id')).map(([n]) => n);
  const context = common(listeners.map((n) => mod.fields.get(n)!)).filter(
    (f) => !envelope.includes(f),
  );
  const list = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}] as const`;
  const first = listeners[0] && mod.roots.get(listeners[0]);
  return [
    `/** Fields every event type carries: the envelope. */\nexport const ENVELOPE_FIELDS = ${list(envelope)};`,
    `/** Event types a listener makes (they have user_id, the Kafka key of all but playlist edits). */\nexport const LISTENER_EVENT_NAMES = ${list(listeners)} satisfies readonly EventTypeName[];`,
    `/** Fields every listener event carries besides the envelope: the listener's client context. */\nexport const LISTENER_CONTEXT_FIELDS = ${list(context)};`,
    `/** The listener's client context: the LISTENER_CONTEXT_FIELDS of a listener event. */\nexport type ListenerContext = ${first ? `Pick<${first}, (typeof LISTENER_CONTEXT_FIELDS)[number]>` : 'Record<never, never>'};`,
  ];
}
