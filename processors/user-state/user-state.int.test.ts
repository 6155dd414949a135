import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { BackbeatError } from '../../common/errors/backbeat.error.js';
import { redisNamespace, swapGeneration } from '../../sinks/redis/redis-generation.js';
import { redisHarness } from '../../test/helpers/redis-harness.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import type { AnyEnvelope } from '../runtime/processor.types.js';
import { userStateKeys as k } from '../../read-models/user-state/user-state.keys.js';
import { userStateProjection } from './user-state.projection.js';
import { createUserStateReader } from '../../read-models/user-state/user-state.reader.js';
import { pid, userStateEvents } from '../../test/helpers/user-state.helper.js';

const T0 = Date.UTC(2026, 10, 24, 12);
let redis: Redis;
const drops: (() => Promise<void>)[] = [];

before(async () => {
  const config = await useStack();
  redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3 });
});
after(async () => {
  for (const drop of drops) await drop();
  await redis.keys('bb:user-state-it-*:current').then((ks) => ks.length && redis.del(...ks));
  await redis.quit();
});

/** A sink under a unique projection name, fed contiguous fake offsets like a partition. */
function projectionUnderTest(generation = 1, name = `user-state-it-${randomUUID()}`) {
  const h = redisHarness(redis, userStateProjection, { generation, name, topic: 't.user' });
  drops.push(() => h.sink.drop!());
  return {
    name,
    reader: createUserStateReader({ redis }, { name }),
    apply: (...batch: AnyEnvelope[]) => h.apply(batch),
    redeliver: async (range: { from: number; to: number }, ...batch: AnyEnvelope[]) =>
      (await h.apply(batch, { at: range })).result,
  };
}

describe('user-state projection on real Redis (sink + reader)', () => {
  it('given playbacks across devices, late and duplicated events, then the reader sees the right state', async () => {
    const ev = userStateEvents(randomUUID());
    const p = projectionUnderTest();
    const play = { playback_id: pid(1), track_id: 'track-1', device_id: 'phone' };
    const endedOnPhone = ev.playback({
      ...play,
      phase: 'ENDED',
      event_time: T0 + 40_000,
      position_ms: 40_000,
      ms_played: 40_000,
    });
    const first = await p.apply(
      ev.playback({ ...play, phase: 'STARTED', event_time: T0, position_ms: 0, ms_played: 0 }),
      endedOnPhone,
      ev.playback({
        ...play,
        phase: 'PROGRESS',
        event_time: T0 + 30_000,
        position_ms: 30_000,
        ms_played: 30_000,
      }),
      ev.playback({
        ...play,
        playback_id: pid(2),
        phase: 'ENDED',
        event_time: T0 + 50_000,
        ms_played: 29_999,
        position_ms: 29_999,
        device_id: 'web',
      }),
    );
    assert.equal(first.result, 'applied');
    assert.deepEqual(await p.reader.nowPlaying('user-1'), {
      playing: null,
      resume: {
        device_id: 'web',
        track_id: 'track-1',
        playback_id: pid(2),
        position_ms: 29_999,
        event_time: T0 + 50_000,
      },
    });
    const phone = (await p.reader.devices('user-1')).find((d) => d.device_id === 'phone');
    assert.equal(phone?.phase, 'ENDED', 'the late PROGRESS did not overwrite the ENDED');

    // the ENDED again, redelivered at a new offset (same event_id), and a start on the laptop
    const second = await p.apply(
      endedOnPhone,
      ev.playback({
        track_id: 'track-1',
        playback_id: pid(3),
        device_id: 'laptop',
        phase: 'STARTED',
        event_time: T0 + 60_000,
        position_ms: 40_000,
        ms_played: 0,
      }),
      ev.skip(),
    );
    assert.equal(second.result, 'applied');
    assert.deepEqual(await p.reader.totals('user-1'), {
      ms_played: 69_999,
      qualified_streams: 1,
      skips: 1,
    });
    assert.equal((await p.reader.nowPlaying('user-1')).playing?.device_id, 'laptop');
    assert.deepEqual(
      (await p.reader.recent('user-1')).items.map((r) => r.playback_id),
      [pid(2), pid(1)],
    );
    const raw = await redis.hget(
      `${redisNamespace(p.name, 1).data}${k.devices('user-1')}`,
      'laptop',
    );
    assert.ok(raw?.startsWith(`${T0 + 60_000}|{`), 'keys live under the sink namespace');

    // the whole first batch redelivered at its old offsets: refused, nothing counted twice
    assert.equal(await p.redeliver(first.range, endedOnPhone), 'conflict');
    assert.equal((await p.reader.totals('user-1')).ms_played, 69_999);
  });

  it('given 60 plays in two batches, then recently played keeps the 50 newest and pages through them', async () => {
    const ev = userStateEvents(randomUUID());
    const p = projectionUnderTest();
    const play = (i: number) =>
      ev.playback({
        phase: 'ENDED',
        playback_id: pid(i),
        track_id: `t${i}`,
        event_time: T0 + i * 1000,
        ms_played: 31_000,
      });
    await p.apply(...Array.from({ length: 30 }, (_, i) => play(59 - i)));
    await p.apply(...Array.from({ length: 30 }, (_, i) => play(i)));
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await p.reader.recent('user-1', { limit: 15, cursor });
      seen.push(...page.items.map((r) => r.played_at));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(
      seen,
      Array.from({ length: 50 }, (_, i) => T0 + (59 - i) * 1000),
    );
    assert.equal((await p.reader.totals('user-1')).qualified_streams, 60);
  });

  it('given follows, unfollows and friends playing, then following, followers and friend activity agree', async () => {
    const ev = userStateEvents(randomUUID());
    const p = projectionUnderTest();
    await p.apply(
      ev.follow({ target_type: 'ARTIST', target_id: 'artist-1', event_time: T0 }),
      ev.follow({
        user_id: 'user-2',
        target_type: 'ARTIST',
        target_id: 'artist-1',
        event_time: T0 + 1,
      }),
      ev.follow({ target_type: 'USER', target_id: 'user-2', event_time: T0 + 2 }),
      ev.follow({ target_type: 'USER', target_id: 'user-3', event_time: T0 + 3 }),
      ev.playback({
        user_id: 'user-2',
        device_id: 'd2',
        phase: 'PROGRESS',
        track_id: 'x',
        event_time: T0 + 10,
      }),
      ev.playback({
        user_id: 'user-3',
        device_id: 'd3',
        phase: 'STARTED',
        track_id: 'y',
        event_time: T0 + 20,
      }),
      ev.settings({ user_id: 'user-2', share_activity: true, event_time: T0 }),
      ev.settings({
        user_id: 'user-3',
        share_activity: true,
        event_time: T0,
        private_session_until: T0 + 5,
      }),
      ev.follow({
        action: 'UNFOLLOW',
        target_type: 'ARTIST',
        target_id: 'artist-1',
        event_time: T0 + 30,
      }),
    );
    assert.deepEqual(await p.reader.followers('artist', 'artist-1'), {
      count: 1,
      items: [{ id: 'user-2', followed_at: T0 + 1 }],
      next_cursor: null,
    });
    assert.equal((await p.reader.following('user-1', 'artist')).count, 0);
    assert.deepEqual(
      (await p.reader.following('user-1', 'user')).items.map((f) => f.id),
      ['user-3', 'user-2'],
    );
    assert.deepEqual(
      (await p.reader.followers('user', 'user-2')).items.map((f) => f.id),
      ['user-1'],
    );
    // Both opted in; user-3's private session [T0, T0 + 5) is over and hid nothing played later.
    const activity = await p.reader.friendActivity('user-1', { limit: 1 });
    assert.deepEqual(
      [activity.items[0]?.user_id, activity.items[0]?.track_id, activity.items[0]?.playing],
      ['user-3', 'y', true],
    );
    const rest = await p.reader.friendActivity('user-1', {
      limit: 1,
      cursor: activity.next_cursor,
    });
    assert.deepEqual([rest.items[0]?.user_id, rest.next_cursor], ['user-2', null]);
  });

  it('given a rebuilt generation, then the reader switches when it is swapped in', async () => {
    const ev = userStateEvents(randomUUID());
    const name = `user-state-it-${randomUUID()}`;
    const g2 = projectionUnderTest(2, name);
    await g2.apply(ev.skip());
    assert.equal((await g2.reader.totals('user-1')).skips, 0, 'generation 1 is current');
    await swapGeneration(redis, name, 2);
    assert.equal((await g2.reader.totals('user-1')).skips, 1);
  });

  it('given Redis unreachable, then reads fail with a retriable error', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const reader = createUserStateReader({ redis: dead });
    await assert.rejects(
      reader.totals('user-1'),
      (e: BackbeatError) => e.code === 'USER_STATE_UNAVAILABLE' && e.retriable,
    );
    dead.disconnect();
  });
});
