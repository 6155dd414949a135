import type avro from 'avsc';
import { isUuid } from '../../common/ids/uuidv7.js';
import type { EventTypeSpec } from './event-catalogue.js';
import type { EventTypeMap, EventTypeName } from '../generated/events.types.js';

/** One reason an event was rejected, at a JSON Pointer into the event. */
export interface FieldError {
  path: string;
  reason: string;
}

export type Validation<T> = { ok: true; event: T } | { ok: false; errors: FieldError[] };

export const MARKET = /^[A-Z]{2}$/;
export const ISRC = /^[A-Z]{2}[A-Z0-9]{3}\d{7}$/;
export const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
export const CURRENCY = /^[A-Z]{3}$/;
export const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 24 * 3600 * 1000;

/**
 * The longest value, in characters (UTF-16 code units), of every string field of every event
 * type, by field name (nested fields by their own name, array items by their array's). A field
 * not named here gets DEFAULT_STRING_CAP: no string is unbounded.
 */
export const STRING_CAPS: Readonly<Record<string, number>> = {
  event_id: 36,
  playback_id: 36,
  user_id: 128,
  device_id: 128,
  session_id: 128,
  track_id: 128,
  target_id: 128,
  report_id: 128,
  playlist_id: 36,
  item_id: 36,
  after_position_id: 36,
  collaborator_id: 128,
  artist_id: 128,
  label_id: 128,
  release_id: 128,
  rights_holder_id: 128,
  uploaded_by: 128,
  market: 2,
  markets: 2,
  period: 7,
  currency: 3,
  isrc: 12,
  platform: 32,
  client_version: 64,
  role: 64,
  context: 256,
  name: 256,
  label_name: 256,
  title: 512,
};
export const DEFAULT_STRING_CAP = 256;

/** The most items of every array field (DEFAULT_ARRAY_CAP for one not named). */
export const ARRAY_CAPS: Readonly<Record<string, number>> = {
  artists: 100,
  markets: 300,
  rights_holders: 100,
};
export const DEFAULT_ARRAY_CAP = 100;

/**
 * The fields of a playlist edit that only some ops carry, and which ops: each op needs its
 * fields (after_position_id may be null: at the head) and leaves every other one null.
 */
export const PLAYLIST_OP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  name: ['CREATE', 'RENAME'],
  public: ['CREATE', 'SET_VISIBILITY'],
  track_id: ['ADD_TRACK'],
  item_id: ['REMOVE_TRACK', 'MOVE_TRACK'],
  after_position_id: ['ADD_TRACK', 'MOVE_TRACK'],
  collaborator_id: ['ADD_COLLABORATOR', 'REMOVE_COLLABORATOR'],
};
const PLAYLIST_NULLABLE = new Set(['after_position_id']);

/**
 * Checks one event against its Avro schema (types, required fields, no unknown fields) and then
 * against Backbeat's rules (ids, codes, shares summing to 10,000 bps, ...). Pure: `now` is the
 * receive time the caller stamps.
 */
export function validateEvent<N extends EventTypeName>(
  spec: EventTypeSpec<N>,
  input: unknown,
  now: number,
): Validation<EventTypeMap[N]> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [{ path: '', reason: `expected a JSON object, got ${describe(input)}` }],
    };
  }
  const errors: FieldError[] = [];
  const fields = new Set(((spec.schema.fields as { name: string }[]) ?? []).map((f) => f.name));
  for (const k of Object.keys(input))
    if (!fields.has(k)) errors.push({ path: `/${escape(k)}`, reason: 'unknown field' });
  spec.type.isValid(input, {
    errorHook: (path: string[], value: unknown, type: avro.Type) => {
      const at = `/${path.map(escape).join('/')}`;
      errors.push({
        path: at,
        reason:
          value === undefined
            ? `missing required field (${typeName(type)})`
            : `expected ${typeName(type)}, got ${describe(value)}`,
      });
    },
  });
  // Length caps on every string and array, except where the schema already refused the field.
  const refusedBySchema = [...errors];
  errors.push(
    ...lengths(input, '').filter(
      (l) => !refusedBySchema.some((e) => l.path === e.path || l.path.startsWith(`${e.path}/`)),
    ),
  );
  // Every error at once: the rules run too, except those on a field the schema already refused.
  errors.push(...rules(spec.name, input as EventTypeMap[N], now, errors));
  return errors.length ? { ok: false, errors } : { ok: true, event: input as EventTypeMap[N] };
}

function rules(
  name: EventTypeName,
  e: EventTypeMap[EventTypeName],
  now: number,
  schemaErrors: readonly FieldError[] = [],
): FieldError[] {
  const out: FieldError[] = [];
  const refused = (path: string) =>
    schemaErrors.some(
      (s) => s.path === path || s.path.startsWith(`${path}/`) || path.startsWith(`${s.path}/`),
    );
  // A rule is skipped when its field (or a field it reads, in `deps`) has a schema error, or
  // when a value it reads has the wrong type (already reported): never a throw, never a
  // second report of one mistake.
  const check = (cond: () => boolean, path: string, reason: string, deps: string[] = []) => {
    if (refused(path) || deps.some(refused)) return;
    try {
      if (!cond()) out.push({ path, reason });
    } catch {
      // a value the rule reads is mistyped: the schema check reported it
    }
  };
  const each = <T>(list: () => readonly T[], fn: (item: T, i: number) => void) => {
    let items: readonly T[] = [];
    try {
      items = Array.isArray(list()) ? list() : [];
    } catch {
      items = [];
    }
    items.forEach(fn);
  };
  check(() => isUuid(e.event_id), '/event_id', 'must be a UUID (the SDK sends UUIDv7)');
  check(
    () => e.event_time >= EARLIEST,
    '/event_time',
    'must be ms since the epoch, after 2000-01-01',
  );
  check(
    () => e.event_time <= now + MAX_FUTURE_MS,
    '/event_time',
    'is more than 24 h in the future',
  );
  if ('market' in e)
    check(
      () => MARKET.test(e.market),
      '/market',
      'must be an ISO 3166-1 alpha-2 code in capitals, e.g. SE',
    );
  if ('user_id' in e)
    check(
      () => e.user_id.length > 0 && e.user_id.length <= 128,
      '/user_id',
      'must be 1 to 128 characters',
    );
  switch (name) {
    case 'playback': {
      const p = e as EventTypeMap['playback'];
      check(() => isUuid(p.playback_id), '/playback_id', 'must be a UUID');
      check(() => p.track_id.length > 0, '/track_id', 'must not be empty');
      check(() => p.position_ms >= 0, '/position_ms', 'must be >= 0');
      check(() => p.ms_played >= 0, '/ms_played', 'must be >= 0');
      check(
        () => p.phase === 'ENDED' || p.end_reason == null,
        '/end_reason',
        'only an ENDED playback has an end reason',
        ['/phase'],
      );
      check(
        () => p.phase !== 'ENDED' || p.end_reason != null,
        '/end_reason',
        'an ENDED playback needs an end reason',
        ['/phase'],
      );
      break;
    }
    case 'skip': {
      const s = e as EventTypeMap['skip'];
      check(() => isUuid(s.playback_id), '/playback_id', 'must be a UUID');
      check(() => s.track_id.length > 0, '/track_id', 'must not be empty');
      check(() => s.position_ms >= 0, '/position_ms', 'must be >= 0');
      break;
    }
    case 'follow': {
      const f = e as EventTypeMap['follow'];
      check(() => f.target_id.length > 0, '/target_id', 'must not be empty');
      check(
        () => !(f.target_type === 'USER' && f.target_id === f.user_id),
        '/target_id',
        'a user cannot follow themselves',
        ['/target_type', '/user_id'],
      );
      break;
    }
    case 'listener-settings': {
      const l = e as EventTypeMap['listener-settings'];
      check(
        () => l.private_session_until == null || l.private_session_until > l.event_time,
        '/private_session_until',
        'must be after event_time (or null: no private session)',
        ['/event_time'],
      );
      break;
    }
    case 'playlist-edit': {
      const p = e as EventTypeMap['playlist-edit'];
      const field = (f: string) => (p as unknown as Record<string, unknown>)[f];
      check(() => isUuid(p.playlist_id), '/playlist_id', 'must be a UUID');
      check(
        () => p.op !== 'CREATE' || p.playlist_id.toLowerCase() === p.event_id.toLowerCase(),
        '/playlist_id',
        "a CREATE's playlist_id must be its own event_id",
        ['/op', '/event_id'],
      );
      for (const [f, ops] of Object.entries(PLAYLIST_OP_FIELDS)) {
        check(
          () => !ops.includes(p.op) || PLAYLIST_NULLABLE.has(f) || field(f) != null,
          `/${f}`,
          `${String(p.op)} needs ${f}`,
          ['/op'],
        );
        check(
          () => ops.includes(p.op) || field(f) == null,
          `/${f}`,
          `only ${ops.join(' and ')} carry ${f} (null for ${String(p.op)})`,
          ['/op'],
        );
      }
      check(() => p.name == null || p.name.trim().length > 0, '/name', 'must not be blank');
      check(() => p.track_id == null || p.track_id.length > 0, '/track_id', 'must not be empty');
      check(() => p.item_id == null || isUuid(p.item_id), '/item_id', 'must be a UUID');
      check(
        () => p.after_position_id == null || isUuid(p.after_position_id),
        '/after_position_id',
        'must be a UUID (or null: at the head)',
      );
      check(
        () =>
          p.after_position_id == null ||
          p.after_position_id.toLowerCase() !== p.event_id.toLowerCase(),
        '/after_position_id',
        'a position cannot come after itself (its own event_id)',
        ['/event_id'],
      );
      check(
        () => p.collaborator_id == null || p.collaborator_id.length > 0,
        '/collaborator_id',
        'must not be empty',
      );
      check(
        () => p.op !== 'ADD_COLLABORATOR' || p.collaborator_id !== p.user_id,
        '/collaborator_id',
        'the author cannot add themselves (only the owner adds collaborators)',
        ['/op', '/user_id'],
      );
      break;
    }
    case 'track-upload': {
      const t = e as EventTypeMap['track-upload'];
      check(() => t.track_id.length > 0, '/track_id', 'must not be empty');
      check(
        () => ISRC.test(t.isrc),
        '/isrc',
        'must be an ISRC: 2 letters, 3 alphanumerics, 7 digits',
      );
      check(() => t.duration_ms > 0, '/duration_ms', 'must be > 0');
      check(() => t.artists.length > 0, '/artists', 'needs at least one artist');
      check(() => t.markets.length > 0, '/markets', 'needs at least one market');
      each(
        () => t.markets,
        (m, i) =>
          check(() => MARKET.test(m), `/markets/${i}`, 'must be an ISO 3166-1 alpha-2 code'),
      );
      check(
        () => t.rights_holders.length > 0,
        '/rights_holders',
        'needs at least one rights holder',
      );
      each(
        () => t.rights_holders,
        (r, i) =>
          check(
            () => r.share_bps > 0 && r.share_bps <= 10_000,
            `/rights_holders/${i}/share_bps`,
            'must be 1 to 10000',
          ),
      );
      const holders = () => t.rights_holders;
      let sum = NaN;
      try {
        sum = holders().reduce((a, r) => a + r.share_bps, 0);
      } catch {
        // mistyped holders: reported by the schema check, and the rule is skipped
      }
      check(() => sum === 10_000, '/rights_holders', `shares must sum to 10000 bps, got ${sum}`);
      check(
        () => new Set(holders().map((r) => r.rights_holder_id)).size === holders().length,
        '/rights_holders',
        'a rights holder appears twice',
      );
      break;
    }
    case 'revenue-report': {
      const r = e as EventTypeMap['revenue-report'];
      check(() => PERIOD.test(r.period), '/period', 'must be a month, YYYY-MM');
      check(() => CURRENCY.test(r.currency), '/currency', 'must be an ISO 4217 code, e.g. EUR');
      check(() => r.minor_unit >= 0 && r.minor_unit <= 4, '/minor_unit', 'must be 0 to 4');
      check(() => r.pool_minor >= 0, '/pool_minor', 'must be >= 0');
      check(() => r.premium_listeners >= 0, '/premium_listeners', 'must be >= 0');
      break;
    }
  }
  return out;
}

/** Every string and array over its cap (STRING_CAPS, ARRAY_CAPS), at its JSON Pointer. */
function lengths(value: unknown, at: string, field = ''): FieldError[] {
  const out: FieldError[] = [];
  if (typeof value === 'string') {
    const cap = STRING_CAPS[field] ?? DEFAULT_STRING_CAP;
    if (value.length > cap)
      out.push({ path: at, reason: `must be at most ${cap} characters, got ${value.length}` });
  } else if (Array.isArray(value)) {
    const cap = ARRAY_CAPS[field] ?? DEFAULT_ARRAY_CAP;
    if (value.length > cap)
      out.push({ path: at, reason: `must have at most ${cap} items, got ${value.length}` });
    else value.forEach((v, i) => out.push(...lengths(v, `${at}/${i}`, field)));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...lengths(v, `${at}/${escape(k)}`, k));
  }
  return out;
}

function typeName(t: avro.Type): string {
  const n = t.typeName;
  if (n === 'enum') return `one of ${(t as avro.types.EnumType).symbols.join(', ')}`;
  if (n === 'long' || n === 'int') return `an integer (${n})`;
  if (n === 'union:unwrapped' || n === 'union:wrapped')
    return (t as avro.types.UnwrappedUnionType).types.map(typeName).join(' or ');
  return n;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string')
    return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `number ${v}`;
  return typeof v;
}

function escape(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}
