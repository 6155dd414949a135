/**
 * The playlists projection: each playlist's state in Redis (read before planning, written back
 * with the batch's offsets), folded by `applyEdit` (playlist.model.ts), and the views readers
 * page (summary, tracks in the converged order, per-listener index sets), rewritten from the
 * state whenever it changes.
 *
 * Pure: the same batch over the same stored states and applied ids plans the same ops. A
 * refused edit (unauthorized, missing or deleted playlist, a bound, a missing field) is
 * dead-lettered with the model's reason and changes nothing; an edit already applied (the
 * sink's applied ids, or the model's `duplicate`) is ok and plans nothing. A refused edit's id
 * is recorded too (an event with no ops), so the first delivery of an event_id is the one that
 * counts: a copy of a refused edit arriving after, say, a grant is not let in (within the
 * sink's dedup TTL; after it, the copy is judged again on the state it meets). Edits of one
 * playlist in one batch chain through the plan's state; each playlist's new values ride with
 * its last state-changing edit of the batch (every event's ops run once, atomically with the
 * offsets), so a batch writes one state per playlist. A stored state that does not decode
 * (never written by this code) is never replaced: the playlist's edits are dead-lettered and
 * its key reported (`corrupt`).
 */
import type { PlaylistEditEvent } from '../../schemas/generated/events.types.js';
import type { StoredState } from '../../sinks/contract/projection-sink.types.js';
import type { RedisOp, RedisPlan } from '../../sinks/redis/redis-ops.js';
import { Outcome } from '../../common/outcome/outcome.js';
import {
  PLAYLISTS,
  playlistsKeys as K,
  type PlaylistSummary,
  type PlaylistTrackRow,
} from '../../read-models/playlists/playlists.keys.js';
import type { AnyEnvelope, Projection } from '../runtime/processor.types.js';
import {
  applyEdit,
  collaboratorsOf,
  compareCodeUnits,
  type PlaylistState,
} from './playlist.model.js';
import { materialize } from './playlist-order.model.js';
import { decodeState, encodeState } from './playlist-state.codec.js';

export interface PlaylistsPlan extends RedisPlan {
  /** Keys whose stored value did not decode (state: its edits dead-lettered; summary: rebuilt). */
  corrupt: string[];
}

type EditEnvelope = AnyEnvelope & { type: 'playlist-edit'; event: PlaylistEditEvent };
const isEdit = (e: AnyEnvelope): e is EditEnvelope => e.type === 'playlist-edit';

/** One playlist while a batch is planned. */
interface Work {
  /** The stored state (what the index sets reflect now). */
  before: PlaylistState | undefined;
  current: PlaylistState | undefined;
  /** The greatest event time of its applied edits. */
  updated: number;
  /** Index in the plan's events of its last state-changing edit; -1: unchanged. */
  last: number;
}

export const playlistsProjection: Projection<PlaylistsPlan> = {
  name: PLAYLISTS,
  types: ['playlist-edit'],
  stateKeys(batch) {
    const keys = new Set<string>();
    for (const e of batch)
      if (isEdit(e) && typeof e.event.playlist_id === 'string' && e.event.playlist_id) {
        keys.add(K.state(e.event.playlist_id));
        keys.add(K.summary(e.event.playlist_id));
      }
    return [...keys];
  },
  plan(batch, state?: StoredState) {
    const done = new Set<string>(state?.seen ?? []);
    const work = new Map<string, Work | { reason: string }>();
    const corrupt: string[] = [];
    const load = (pid: string) => {
      let w = work.get(pid);
      if (!w) {
        w = loadWork(pid, state, corrupt);
        work.set(pid, w);
      }
      return w;
    };
    const events: RedisPlan['events'] = [];
    const outcomes = batch.map((env): Outcome => {
      if (!isEdit(env)) return Outcome.dlq(`playlists does not read ${env.type} events`);
      const e = env.event;
      if (typeof e.playlist_id !== 'string' || !e.playlist_id)
        return Outcome.dlq('playlist_id is empty');
      if (typeof e.event_id === 'string' && done.has(e.event_id)) return Outcome.ok();
      const w = load(e.playlist_id);
      if ('reason' in w) return Outcome.dlq(w.reason);
      const r = applyEdit(w.current, e);
      if ('reason' in r) {
        // Remembered (no ops) so that a copy of it is not judged again on another state.
        done.add(e.event_id);
        events.push({ id: e.event_id, ops: [] });
        return Outcome.dlq(r.reason);
      }
      if (r.duplicate) return Outcome.ok();
      done.add(e.event_id);
      w.current = r.state;
      w.updated = Math.max(w.updated, e.event_time);
      w.last = events.push({ id: e.event_id, ops: [] }) - 1;
      return Outcome.ok();
    });
    for (const w of work.values())
      if (!('reason' in w) && w.last >= 0 && w.current) events[w.last]!.ops = viewOps(w, w.current);
    return { plan: { events, corrupt }, outcomes };
  },
};

function loadWork(pid: string, state: StoredState | undefined, corrupt: string[]) {
  const stateKey = K.state(pid);
  const raw = state?.values.get(stateKey) ?? null;
  let before: PlaylistState | undefined;
  if (raw !== null) {
    const d = decodeState(raw);
    const wrong = 'state' in d && d.state.playlist_id !== pid;
    if ('reason' in d || wrong) {
      corrupt.push(stateKey);
      const why = 'reason' in d ? d.reason : `it holds playlist ${d.state.playlist_id}`;
      return { reason: `stored state of playlist ${pid} is unreadable: ${why}` };
    }
    before = d.state;
  }
  const updated = before ? storedUpdated(pid, before, state, corrupt) : 0;
  return { before, current: before, updated, last: -1 } satisfies Work;
}

/** The stored summary's updated_at; if it is absent or unreadable, the newest time in the state. */
function storedUpdated(
  pid: string,
  s: PlaylistState,
  state: StoredState | undefined,
  corrupt: string[],
): number {
  const raw = state?.values.get(K.summary(pid)) ?? null;
  if (raw !== null) {
    try {
      const v = (JSON.parse(raw) as Partial<PlaylistSummary>).updated_at;
      if (Number.isSafeInteger(v)) return v!;
    } catch {
      // reported below
    }
  }
  corrupt.push(K.summary(pid));
  let t = Math.max(s.created.time, s.name.time, s.public.time, s.deleted?.time ?? 0);
  for (const c of s.collaborators.values()) t = Math.max(t, c.time);
  for (const p of s.positions.values()) t = Math.max(t, p.time);
  return t;
}

/** The index sets holding a playlist: its owner's and each collaborator's, none once deleted. */
function indexKeys(s: PlaylistState | undefined): string[] {
  if (!s || s.deleted) return [];
  return [K.owned(s.owner), ...collaboratorsOf(s).map((u) => K.collaborating(u))];
}

/** The state, the views and the index changes of one playlist's new state. */
function viewOps(w: Work, s: PlaylistState): RedisOp[] {
  const pid = s.playlist_id;
  const entries = materialize(s);
  const summary: PlaylistSummary = {
    playlist_id: pid,
    name: s.name.value,
    owner: s.owner,
    public: s.public.value,
    collaborators: collaboratorsOf(s),
    track_count: entries.length,
    created_at: s.created.time,
    updated_at: w.updated,
    deleted: s.deleted !== null,
  };
  const rows: PlaylistTrackRow[] = entries.map((e) => [
    e.item_id,
    e.position_id,
    e.track_id,
    e.added_by,
    e.added_at,
  ]);
  const ops: RedisOp[] = [
    ['set', K.state(pid), encodeState(s), 0],
    ['set', K.summary(pid), JSON.stringify(summary), 0],
    ['set', K.tracks(pid), JSON.stringify(rows), 0],
  ];
  const was = new Set(indexKeys(w.before));
  const now = new Set(indexKeys(s));
  for (const k of [...was].sort(compareCodeUnits)) if (!now.has(k)) ops.push(['srem', k, pid]);
  for (const k of [...now].sort(compareCodeUnits)) if (!was.has(k)) ops.push(['sadd', k, pid]);
  return ops;
}
