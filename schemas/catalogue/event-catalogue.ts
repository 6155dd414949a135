import avro from 'avsc';
import { readSchemaFiles } from '../codegen/schema-files.js';
import {
  EVENT_TYPE_NAMES,
  LISTENER_EVENT_NAMES,
  type EventTypeMap,
  type EventTypeName,
} from '../generated/events.types.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export type { EventTypeMap, EventTypeName };
export { EVENT_TYPE_NAMES };

/**
 * Who an event is about, which decides its Kafka key: a listener (user id), a track, a market
 * and month, or a playlist (playlist id: every edit of one playlist, by whichever author, in one
 * partition and so in one order).
 */
export type EventScope = 'user' | 'catalogue' | 'finance' | 'playlist';

export interface EventTypeSpec<N extends EventTypeName = EventTypeName> {
  name: N;
  topic: string;
  /** Registry subject (topic-name strategy). */
  subject: string;
  scope: EventScope;
  /** The Kafka key of an event: user id, track id, market:period, or playlist id. */
  key(event: EventTypeMap[N]): string;
  schema: Record<string, unknown>;
  type: avro.Type;
}

const TOPIC_PREFIX = 'backbeat.';

const KEYS: { [N in EventTypeName]: { scope: EventScope; key: (e: EventTypeMap[N]) => string } } = {
  playback: { scope: 'user', key: (e) => e.user_id },
  skip: { scope: 'user', key: (e) => e.user_id },
  follow: { scope: 'user', key: (e) => e.user_id },
  'listener-settings': { scope: 'user', key: (e) => e.user_id },
  'playlist-edit': { scope: 'playlist', key: (e) => e.playlist_id },
  'track-upload': { scope: 'catalogue', key: (e) => e.track_id },
  'revenue-report': { scope: 'finance', key: (e) => `${e.market}:${e.period}` },
};

/** Every event type with its topic, subject, key and parsed Avro type. Built once per process. */
export function loadEventCatalogue(): { [N in EventTypeName]: EventTypeSpec<N> } {
  const files = new Map(readSchemaFiles().map((f) => [f.name, f.schema]));
  const out = {} as { [N in EventTypeName]: EventTypeSpec<N> };
  for (const name of EVENT_TYPE_NAMES) {
    const schema = files.get(name);
    if (!schema)
      throw new BackbeatError('SCHEMA_FILE_MISSING', `schemas/avro/${name}.avsc is missing`);
    const topic = `${TOPIC_PREFIX}${name}`;
    (out as Record<string, EventTypeSpec>)[name] = {
      name,
      topic,
      subject: `${topic}-value`,
      scope: KEYS[name].scope,
      key: KEYS[name].key as EventTypeSpec['key'],
      schema,
      type: avro.Type.forSchema(schema as avro.Schema),
    };
  }
  return out;
}

export type EventCatalogue = ReturnType<typeof loadEventCatalogue>;

export function isEventTypeName(s: unknown): s is EventTypeName {
  return typeof s === 'string' && (EVENT_TYPE_NAMES as readonly string[]).includes(s);
}

/**
 * Whether a listener makes events of this type (it has `user_id`: the listener's client context
 * is merged in, and a listener token may send it for its own user only). Derived from the
 * schemas (LISTENER_EVENT_NAMES), not from the scope: playlist edits are a listener's, keyed by
 * playlist.
 */
export function isListenerEvent(name: EventTypeName): boolean {
  return (LISTENER_EVENT_NAMES as readonly string[]).includes(name);
}
