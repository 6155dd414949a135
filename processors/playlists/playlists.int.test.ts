/**
 * The playlists projection through its registered sink on the real Redis (the Lua script that
 * applies state, views, index sets and offsets at once): concurrent edits of three devices
 * (owner and two collaborators), delivered in shuffled orders cut into batches, converge to
 * the same stored values, equal to the in-memory interpreter's; an unauthorized edit is
 * dead-lettered and changes nothing; a batch applied twice conflicts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { useStack } from '../../test/helpers/stack.helper.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import {
  PLAYLIST,
  add,
  created,
  edit,
  grant,
  move,
  playlistEvent,
  remove,
} from '../../test/helpers/playlist.helper.js';
import {
  memoryDump,
  memoryHarness,
  projectionHarness,
  redisDump,
  type ProjectionHarness,
} from '../../test/helpers/redis-harness.helper.js';
import { playlistsKeys as K } from '../../read-models/playlists/playlists.keys.js';
import type { RedisPlan } from '../../sinks/redis/redis-ops.js';
import type { ProjectionSink } from '../../sinks/contract/projection-sink.types.js';
import { PROJECTIONS } from '../host/projection-registry.js';
import type { PlaylistEdit } from './playlist.model.js';
import { playlistsProjection } from './playlists.projection.js';

let redis: Redis;
const sinks: ProjectionSink<unknown>[] = [];
const BASE = 7000 + Math.floor(Math.random() * 1000) * 10;

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url);
});
after(async () => {
  for (const s of sinks) await s.drop?.();
  redis?.disconnect();
});

/** The registered sink of a fresh generation, wrapped in a harness (state read before planning). */
function harness(generation: number): ProjectionHarness {
  const sink = PROJECTIONS.playlists.sink(
    { redis, clickhouse: undefined as never },
    { generation, dedupTtlSeconds: 3600 },
  );
  sinks.push(sink);
  return projectionHarness(playlistsProjection as never, sink as ProjectionSink<RedisPlan>, {
    topic: `backbeat.playlist-edit-${generation}`,
  });
}

/** A seeded shuffle (mulberry32), so a failure names its seed. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const DEVICE: Record<string, string> = { ana: 'ana-phone', bob: 'bob-laptop', cid: 'cid-tablet' };
const envs = (edits: readonly PlaylistEdit[]) =>
  edits.map((e, i) =>
    envelope('playlist-edit', playlistEvent(e, DEVICE[e.user_id] ?? 'x'), { offset: i }),
  );

/** ana creates, grants bob and cid; then the three edit at once from their devices. */
const setup = [created(), grant(2, 'ana', 'bob'), grant(3, 'ana', 'cid'), add(4, 'ana', 'A', null)];
const concurrent: PlaylistEdit[] = [
  // ana's phone: B after A, then moves A after B
  add(10, 'ana', 'B', 4, 10_000),
  move(11, 'ana', 4, 10, 11_000),
  // bob's laptop (offline a while, older clock): C after A, D at the head, removes B
  add(20, 'bob', 'C', 4, 9_000),
  add(21, 'bob', 'D', null, 9_500),
  remove(22, 'bob', 10, 12_000),
  // cid's tablet: E after A at the same time as ana's B (tie broken by event id), moves C first
  add(30, 'cid', 'E', 4, 10_000),
  move(31, 'cid', 20, null, 13_000),
  edit(32, 'cid', 'RENAME', { name: 'cid was here' }, 13_500),
];

describe('playlists through the real Redis sink', () => {
  it('concurrent edits of three devices in shuffled orders and batch cuts converge, equal to the in-memory interpreter', async () => {
    const reference = memoryHarness(playlistsProjection as never);
    await reference.apply(envs([...setup, ...concurrent]));
    const expected = memoryDump(reference.state);
    const seeds = [1, 2, 3, 4, 5];
    for (const [k, seed] of seeds.entries()) {
      const generation = BASE + k;
      const h = harness(generation);
      assert.equal((await h.apply(envs(setup))).result, 'applied');
      const order = shuffle(concurrent, seed);
      const outcomes: string[] = [];
      for (let i = 0; i < order.length; i += 1 + (seed % 3)) {
        const batch = order.slice(i, i + 1 + (seed % 3));
        const r = await h.apply(envs(batch));
        assert.equal(r.result, 'applied');
        outcomes.push(...r.outcomes.map((o) => (o.kind === 'dlq' ? o.reason : o.kind)));
      }
      // cid renames: refused in every order (only the owner may), the rest taken.
      assert.deepEqual(
        outcomes.filter((o) => o !== 'ok'),
        [`cid may not RENAME playlist ${PLAYLIST}: only its owner may`],
        `seed ${seed}`,
      );
      assert.deepEqual(await redisDump(redis, h.name, generation), expected, `seed ${seed}`);
    }
    // The order, by hand: the head's followers newest first are C's move (13 000), D (9 500),
    // A (4 000); after A, E and B tie at 10 000 (E's id is greater: first), then C's first
    // place (9 000). B is removed but its position stays, so A, moved after B, shows after E;
    // the places A and C left stay empty.
    const rows = JSON.parse(reference.state.get(K.tracks(PLAYLIST))!) as string[][];
    assert.deepEqual(
      rows.map((r) => r[2]),
      ['C', 'D', 'E', 'A'],
    );
    assert.deepEqual(JSON.parse(reference.state.get(K.summary(PLAYLIST))!).collaborators, [
      'bob',
      'cid',
    ]);
  });

  it('an edit by someone who is no collaborator is dead-lettered with its reason and changes nothing', async () => {
    const generation = BASE + 8;
    const h = harness(generation);
    await h.apply(envs(setup));
    const before = await redisDump(redis, h.name, generation);
    const r = await h.apply(envs([add(40, 'eve', 'X', 4), edit(41, 'bob', 'DELETE', {})]));
    assert.equal(r.result, 'applied');
    assert.deepEqual(
      r.outcomes.map((o) => (o.kind === 'dlq' ? o.reason : o.kind)),
      [
        `eve may not edit playlist ${PLAYLIST}: only its owner and collaborators may`,
        `bob may not DELETE playlist ${PLAYLIST}: only its owner may`,
      ],
    );
    assert.deepEqual(await redisDump(redis, h.name, generation), before);
    assert.deepEqual(await redis.smembers(`bb:${h.name}:g${generation}:d:${K.owned('ana')}`), [
      PLAYLIST,
    ]);
  });

  it('a batch applied twice at the same offsets conflicts the second time and writes nothing', async () => {
    const generation = BASE + 9;
    const h = harness(generation);
    const first = await h.apply(envs(setup));
    const before = await redisDump(redis, h.name, generation);
    const again = await h.apply(envs([add(50, 'ana', 'Z', 4)]), { at: first.range });
    assert.equal(again.result, 'conflict');
    assert.deepEqual(await redisDump(redis, h.name, generation), before);
  });
});
