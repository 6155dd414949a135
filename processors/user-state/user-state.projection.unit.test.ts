import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { MemoryRedis } from '../../sinks/redis/redis-ops.memory.js';
import type { AnyEnvelope } from '../runtime/processor.types.js';
import { decodeCursor, InvalidPageError } from '../../read-models/user-state/user-state.cursor.js';
import { userStateKeys as k } from '../../read-models/user-state/user-state.keys.js';
import { userStateProjection } from './user-state.projection.js';
import {
  createUserStateReaderOver,
  type UserStateReader,
} from '../../read-models/user-state/user-state.reader.js';
import { memoryUserStateStore } from '../../read-models/user-state/user-state.store.js';
import { pid, userStateEvents } from '../../test/helpers/user-state.helper.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import {
  outcomeReasons,
  projectionSpec,
  type ProjectionSpec,
} from '../../test/helpers/projection-spec.helper.js';

const T0 = Date.UTC(2026, 10, 24, 12);
let spec: ProjectionSpec;
let mem: MemoryRedis;
let reader: UserStateReader;
let ev: ReturnType<typeof userStateEvents>;

beforeEach(() => {
  spec = projectionSpec(userStateProjection);
  mem = spec.state;
  const store = memoryUserStateStore(mem);
  reader = createUserStateReaderOver(async () => store);
  ev = userStateEvents();
});

/** When: a batch goes through plan() and the in-memory interpreter; its outcomes. */
const when = (...batch: AnyEnvelope[]) => spec.when(...batch).outcomes;

/** An ENDED playback of `track` by user-1, `ms` listened, at `t`. */
const ended = (n: number, t: number, ms: number, over: object = {}) =>
  ev.playback({
    phase: 'ENDED',
    playback_id: pid(n),
    track_id: `track-${n}`,
    event_time: t,
    ms_played: ms,
    position_ms: ms,
    ...over,
  });

describe('user-state: now playing and resume position', () => {
  it('given a playback stopped on the phone, when the laptop asks, then it resumes there and plays on', async () => {
    const play = { playback_id: pid(1), track_id: 'track-9', device_id: 'phone' };
    when(
      ev.playback({ ...play, phase: 'STARTED', event_time: T0, position_ms: 0, ms_played: 0 }),
      ev.playback({
        ...play,
        phase: 'PROGRESS',
        event_time: T0 + 30_000,
        position_ms: 30_000,
        ms_played: 30_000,
      }),
    );
    assert.equal((await reader.nowPlaying('user-1')).playing?.device_id, 'phone');

    when(
      ev.playback({
        ...play,
        phase: 'ENDED',
        end_reason: 'USER_STOPPED',
        event_time: T0 + 45_000,
        position_ms: 45_000,
        ms_played: 45_000,
      }),
    );
    assert.deepEqual(await reader.nowPlaying('user-1'), {
      playing: null,
      resume: {
        device_id: 'phone',
        track_id: 'track-9',
        playback_id: pid(1),
        position_ms: 45_000,
        event_time: T0 + 45_000,
      },
    });

    when(
      ev.playback({
        playback_id: pid(2),
        track_id: 'track-9',
        device_id: 'laptop',
        phase: 'STARTED',
        event_time: T0 + 60_000,
        position_ms: 45_000,
        ms_played: 0,
      }),
    );
    const now = await reader.nowPlaying('user-1');
    assert.equal(now.playing?.device_id, 'laptop');
    assert.equal(now.playing?.position_ms, 45_000);
    const devices = await reader.devices('user-1');
    assert.deepEqual(
      devices.map((d) => [d.device_id, d.phase, d.playing]),
      [
        ['laptop', 'STARTED', true],
        ['phone', 'ENDED', false],
      ],
    );
  });

  it('given an ENDED, when an older PROGRESS of it arrives late, then ENDED still wins', async () => {
    const play = { playback_id: pid(3), track_id: 'track-3', device_id: 'phone' };
    when(
      ev.playback({
        ...play,
        phase: 'ENDED',
        event_time: T0 + 100_000,
        position_ms: 100_000,
        ms_played: 100_000,
      }),
    );
    when(
      ev.playback({
        ...play,
        phase: 'PROGRESS',
        event_time: T0 + 50_000,
        position_ms: 50_000,
        ms_played: 50_000,
      }),
    );
    const [device] = await reader.devices('user-1');
    assert.equal(device?.phase, 'ENDED');
    assert.equal(device?.position_ms, 100_000);
    assert.equal((await reader.nowPlaying('user-1')).playing, null);
  });

  it('stores the documented JSON per device as "<event_time>|<json>"', () => {
    when(
      ev.playback({
        device_id: 'd1',
        phase: 'STARTED',
        event_time: T0,
        position_ms: 0,
        ms_played: 0,
      }),
    );
    const raw = mem.hget(k.devices('user-1'), 'd1')!;
    assert.ok(raw.startsWith(`${T0}|`));
    assert.deepEqual(Object.keys(JSON.parse(raw.slice(raw.indexOf('|') + 1))).sort(), [
      'event_time',
      'ms_played',
      'phase',
      'playback_id',
      'position_ms',
      'session_id',
      'track_id',
    ]);
  });
});

describe('user-state: recently played', () => {
  it('given 55 plays in shuffled order, then the 50 newest remain, newest first', async () => {
    const plays = Array.from({ length: 55 }, (_, i) => ended(i, T0 + i * 1000, 60_000));
    const shuffled = plays.map((p, i) => [p, (i * 37) % 55] as const).sort((a, b) => a[1] - b[1]);
    when(...shuffled.map(([p]) => p));
    const page = await reader.recent('user-1', { limit: 100 });
    assert.equal(page.items.length, 50);
    assert.equal(page.next_cursor, null);
    assert.deepEqual(page.items[0], {
      track_id: 'track-54',
      playback_id: pid(54),
      played_at: T0 + 54_000,
    });
    assert.equal(page.items[49]?.track_id, 'track-5');
    assert.ok(page.items.every((p, i) => i === 0 || page.items[i - 1]!.played_at > p.played_at));
  });

  it('given a full list, when a late play arrives, then it is placed by its time or falls off', async () => {
    when(...Array.from({ length: 50 }, (_, i) => ended(i, T0 + i * 1000, 60_000)));
    when(ended(100, T0 + 20_500, 60_000), ended(101, T0 - 1, 60_000));
    const items = (await reader.recent('user-1', { limit: 100 })).items;
    assert.equal(items.length, 50);
    assert.equal(
      items.findIndex((p) => p.track_id === 'track-100'),
      29,
      'between track-20 and track-21',
    );
    assert.equal(
      items.find((p) => p.track_id === 'track-101'),
      undefined,
      'older than all 50',
    );
    assert.equal(items.at(-1)?.track_id, 'track-1', 'track-0 was the oldest and fell off');
  });

  it('given two plays of one track, then both count; plays with 0 ms or not ENDED do not', async () => {
    when(
      ended(1, T0, 40_000, { track_id: 'same' }),
      ended(2, T0 + 1, 40_000, { track_id: 'same' }),
      ended(3, T0 + 2, 0),
      ev.playback({ phase: 'STARTED', playback_id: pid(4), event_time: T0 + 3 }),
    );
    const items = (await reader.recent('user-1')).items;
    assert.deepEqual(
      items.map((p) => p.playback_id),
      [pid(2), pid(1)],
    );
  });

  it('given ties on event time, then pages of 2 return every play exactly once', async () => {
    when(...Array.from({ length: 7 }, (_, i) => ended(i, T0 + (i < 5 ? 0 : i), 60_000)));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await reader.recent('user-1', { limit: 2, cursor });
      seen.push(...page.items.map((p) => p.playback_id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 7);
    assert.equal(new Set(seen).size, 7);
  });

  it('given a forged cursor or a bad limit, then the reader refuses with the parameter', async () => {
    await assert.rejects(
      reader.recent('user-1', { cursor: 'bm9wZQ' }),
      (e: InvalidPageError) => e.parameter === 'cursor',
    );
    await assert.rejects(
      reader.recent('user-1', { limit: 101 }),
      (e: InvalidPageError) => e.parameter === 'limit',
    );
    assert.throws(() => decodeCursor('!!'), InvalidPageError);
  });
});

describe('user-state: listening totals', () => {
  it('given ENDED plays around the 30 s line and skips, then totals count them', async () => {
    when(
      ended(1, T0, 29_999),
      ended(2, T0 + 1, 30_000),
      ended(3, T0 + 2, 0),
      ev.playback({
        phase: 'PROGRESS',
        playback_id: pid(4),
        ms_played: 90_000,
        event_time: T0 + 3,
      }),
      ev.skip(),
      ev.skip(),
    );
    assert.deepEqual(await reader.totals('user-1'), {
      ms_played: 59_999,
      qualified_streams: 1,
      skips: 2,
    });
    assert.deepEqual(await reader.totals('nobody'), {
      ms_played: 0,
      qualified_streams: 0,
      skips: 0,
    });
  });

  it('given the same event twice (same event_id), in one batch and in a later one, then it counts once', async () => {
    const once = ended(1, T0, 45_000);
    when(once, once);
    when(once);
    assert.deepEqual(await reader.totals('user-1'), {
      ms_played: 45_000,
      qualified_streams: 1,
      skips: 0,
    });
    assert.equal((await reader.recent('user-1')).items.length, 1);
  });
});

describe('user-state: following and followers', () => {
  it('given follow, unfollow and refollow of an artist, then both sides follow the last action', async () => {
    const f = { target_type: 'ARTIST' as const, target_id: 'artist-7' };
    when(ev.follow({ ...f, action: 'FOLLOW', event_time: T0 }));
    assert.deepEqual(await reader.following('user-1', 'artist'), {
      count: 1,
      items: [{ id: 'artist-7', followed_at: T0 }],
      next_cursor: null,
    });
    assert.equal((await reader.followers('artist', 'artist-7')).count, 1);

    when(ev.follow({ ...f, action: 'UNFOLLOW', event_time: T0 + 1 }));
    assert.equal((await reader.following('user-1', 'artist')).count, 0);
    assert.deepEqual((await reader.followers('artist', 'artist-7')).items, []);
    assert.deepEqual(mem.keys(), [], 'empty sets leave no keys');

    when(ev.follow({ ...f, action: 'FOLLOW', event_time: T0 + 2 }));
    assert.deepEqual((await reader.followers('artist', 'artist-7')).items, [
      { id: 'user-1', followed_at: T0 + 2 },
    ]);
  });

  it('given users following users, then following and followers are per kind and paged newest first', async () => {
    when(
      ev.follow({ target_type: 'USER', target_id: 'user-2', event_time: T0 }),
      ev.follow({ target_type: 'USER', target_id: 'user-3', event_time: T0 + 1 }),
      ev.follow({ target_type: 'ARTIST', target_id: 'user-2', event_time: T0 + 2 }),
      ev.follow({
        user_id: 'user-3',
        target_type: 'USER',
        target_id: 'user-2',
        event_time: T0 + 3,
      }),
    );
    const first = await reader.following('user-1', 'user', { limit: 1 });
    assert.deepEqual(first.items, [{ id: 'user-3', followed_at: T0 + 1 }]);
    assert.equal(first.count, 2);
    const second = await reader.following('user-1', 'user', {
      limit: 1,
      cursor: first.next_cursor,
    });
    assert.deepEqual(second.items, [{ id: 'user-2', followed_at: T0 }]);
    assert.equal(second.next_cursor, null);
    assert.deepEqual(
      (await reader.followers('user', 'user-2')).items.map((i) => i.id),
      ['user-3', 'user-1'],
    );
    assert.deepEqual(
      (await reader.followers('artist', 'user-2')).items.map((i) => i.id),
      ['user-1'],
    );
  });
});

describe('user-state: friend activity (derived at read time)', () => {
  it('given followed users playing who share their activity, then each friend shows their latest device state, newest first', async () => {
    when(
      ...['u2', 'u3', 'u4', 'u5'].map((u) =>
        ev.settings({ user_id: u, share_activity: true, event_time: T0 - 1 }),
      ),
      ev.follow({ target_type: 'USER', target_id: 'u2', event_time: T0 }),
      ev.follow({ target_type: 'USER', target_id: 'u3', event_time: T0 }),
      ev.follow({ target_type: 'USER', target_id: 'u4', event_time: T0 }),
      ev.follow({ target_type: 'ARTIST', target_id: 'u5', event_time: T0 }),
      ev.playback({
        user_id: 'u2',
        device_id: 'tv',
        phase: 'STARTED',
        track_id: 'a',
        event_time: T0 + 5,
      }),
      ev.playback({
        user_id: 'u2',
        device_id: 'car',
        phase: 'ENDED',
        track_id: 'b',
        event_time: T0 + 2,
      }),
      ev.playback({
        user_id: 'u3',
        device_id: 'web',
        phase: 'ENDED',
        track_id: 'c',
        event_time: T0 + 7,
      }),
      ev.playback({
        user_id: 'u5',
        device_id: 'web',
        phase: 'STARTED',
        track_id: 'd',
        event_time: T0 + 9,
      }),
    );
    const page = await reader.friendActivity('user-1');
    assert.deepEqual(
      page.items.map((f) => [f.user_id, f.device_id, f.track_id, f.playing, f.event_time]),
      [
        ['u3', 'web', 'c', false, T0 + 7],
        ['u2', 'tv', 'a', true, T0 + 5],
      ],
      'u4 never played; u5 is followed as an artist, not a user',
    );
    assert.equal(page.next_cursor, null);

    const p1 = await reader.friendActivity('user-1', { limit: 1 });
    const p2 = await reader.friendActivity('user-1', { limit: 1, cursor: p1.next_cursor });
    assert.deepEqual(
      [p1.items[0]?.user_id, p2.items[0]?.user_id, p2.next_cursor],
      ['u3', 'u2', null],
    );

    when(
      ev.follow({ action: 'UNFOLLOW', target_type: 'USER', target_id: 'u3', event_time: T0 + 10 }),
    );
    assert.deepEqual(
      (await reader.friendActivity('user-1')).items.map((f) => f.user_id),
      ['u2'],
    );
  });
});

describe("user-state: who may see a listener's activity", () => {
  let clock = T0;
  beforeEach(() => {
    clock = T0 + 1_000;
    reader = createUserStateReaderOver(async () => memoryUserStateStore(mem), {
      now: () => clock,
    });
  });
  const follows = () => ev.follow({ target_type: 'USER', target_id: 'u2', event_time: T0 });
  const plays = (track: string, t: number) =>
    ev.playback({
      user_id: 'u2',
      device_id: 'tv',
      phase: 'STARTED',
      track_id: track,
      event_time: t,
    });
  const friendTracks = async () =>
    (await reader.friendActivity('user-1')).items.map((f) => f.track_id);

  it('given a friend who never sent settings, when a follower asks, then nothing is shown (opt-in)', async () => {
    when(follows(), plays('a', T0 + 10));
    assert.deepEqual(await friendTracks(), []);
    assert.deepEqual(await reader.settings('u2'), {
      share_activity: false,
      private_session_until: null,
      private_session: false,
      updated_at: null,
    });
  });

  it('given a friend who opted in and later out, then the activity shows and then hides again', async () => {
    when(follows(), plays('a', T0 + 10), ev.settings({ user_id: 'u2', event_time: T0 + 20 }));
    assert.deepEqual(await friendTracks(), ['a']);
    when(ev.settings({ user_id: 'u2', share_activity: false, event_time: T0 + 30 }));
    assert.deepEqual(await friendTracks(), []);
  });

  it('given settings that arrive out of order, then the latest by event time wins', async () => {
    when(
      follows(),
      plays('a', T0 + 10),
      ev.settings({ user_id: 'u2', share_activity: true, event_time: T0 + 50 }),
      ev.settings({ user_id: 'u2', share_activity: false, event_time: T0 + 40 }),
    );
    assert.deepEqual(await friendTracks(), ['a']);
    assert.equal((await reader.settings('u2')).updated_at, T0 + 50);
  });

  it('given a private session, then nothing shows while it is on, its plays never show, and they still count for the listener', async () => {
    const start = T0 + 100;
    const until = T0 + 10_000;
    when(
      follows(),
      ev.settings({ user_id: 'u2', event_time: T0 + 1 }),
      plays('before', T0 + 50),
      ev.settings({ user_id: 'u2', event_time: start, private_session_until: until }),
    );
    clock = start + 10;
    assert.deepEqual(await friendTracks(), [], 'nothing at all while the session is on');
    assert.equal((await reader.settings('u2')).private_session, true);

    when(
      ev.playback({
        user_id: 'u2',
        device_id: 'tv',
        phase: 'ENDED',
        end_reason: 'TRACK_DONE',
        playback_id: pid(7),
        track_id: 'secret',
        event_time: start + 500,
        ms_played: 31_000,
        position_ms: 31_000,
      }),
    );
    assert.deepEqual(await friendTracks(), []);
    assert.equal((await reader.totals('u2')).qualified_streams, 1, 'the play still counts');
    assert.equal((await reader.nowPlaying('u2')).resume?.track_id, 'secret', 'for the listener');

    clock = until + 1;
    assert.deepEqual(
      await friendTracks(),
      [],
      'after the session its play stays hidden; the older device state on that device was replaced',
    );
    when(plays('after', until + 5));
    assert.deepEqual(await friendTracks(), ['after']);
    assert.equal((await reader.settings('u2')).private_session, false);
  });

  it('given settings it cannot apply, then only they are dead-lettered', () => {
    const outcomes = when(
      ev.settings({ user_id: '' }),
      ev.settings({ private_session_until: T0 - 1, event_time: T0 }),
      ev.settings({ share_activity: 'yes' as never }),
      ev.settings({ event_time: T0, private_session_until: T0 + 1 }),
    );
    assert.deepEqual(outcomeReasons(outcomes), [
      'listener-settings: user_id is missing or empty',
      'listener-settings: private_session_until must be after event_time',
      'listener-settings: share_activity must be a boolean',
      'ok',
    ]);
  });
});

describe('user-state: events it cannot apply', () => {
  it('given a playback without track_id among good events, then only it is dead-lettered', () => {
    const outcomes = when(
      ev.skip(),
      ev.playback({ track_id: '' }),
      ev.follow({ target_type: 'OTHER' as never }),
      ev.playback({ event_time: -5 }),
      envelope('track-upload', {} as never, { topic: 't', offset: 9 }),
      ev.follow({ target_type: 'USER', target_id: 'user-1' }),
      ended(1, T0, 31_000),
    );
    assert.deepEqual(outcomeReasons(outcomes), [
      'ok',
      'playback: track_id is missing or empty',
      'follow: unknown target_type OTHER',
      'playback: event_time must be a non-negative integer',
      'track-upload: event_id is missing or empty',
      'follow: a user cannot follow themselves',
      'ok',
    ]);
    assert.equal(mem.hgetall(k.totals('user-1')).qualified_streams, '1');
  });

  it('plans are pure: the same batch gives the same plan, ops grouped per event id', () => {
    const batch = [ended(1, T0, 31_000), ev.skip(), ev.follow()];
    const a = userStateProjection.plan(batch);
    assert.deepEqual(a, userStateProjection.plan(batch));
    assert.deepEqual(
      a.plan.events.map((e) => [e.id, e.ops.map((o) => o[0])]),
      [
        ['e-000001', ['hsetlww', 'zaddcap', 'hincrby', 'hincrby']],
        ['e-000002', ['hincrby']],
        ['e-000003', ['zadd', 'zadd']],
      ],
    );
  });
});
