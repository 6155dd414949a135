import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import {
  dayRange,
  playCountsKeys as K,
  utcDay,
} from '../../read-models/play-counts/play-counts.keys.js';
import { playCountsProjection } from './play-counts.projection.js';
import { NOW, skip, stream } from '../../test/helpers/play-counts.helper.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import { projectionSpec } from '../../test/helpers/projection-spec.helper.js';

const fx = validEvents(NOW);

/** A fresh in-memory play-counts store: given prior batches, when a batch, then its state. */
const counts = () => projectionSpec(playCountsProjection);

const DAY = utcDay(fx.playback.event_time); // 2026-11-24

describe('play-counts projection: what qualifies', () => {
  it('given ENDED playbacks of 29 999 and 30 000 ms, then only the 30 000 ms one counts', () => {
    const { state: mem, when } = counts();
    const { outcomes } = when(
      stream({ track_id: 'short', ms_played: 29_999 }),
      stream({ track_id: 'exact', ms_played: 30_000 }),
    );
    assert.deepEqual(outcomes, [{ kind: 'ok' }, { kind: 'ok' }]);
    assert.deepEqual(mem.hgetall(K.track('exact')), { streams: '1' });
    assert.deepEqual(mem.hgetall(K.track('short')), {});
    assert.deepEqual(mem.zrevrange(K.chart(DAY, 'global'), 0, -1), ['exact']);
  });

  it('given STARTED and PROGRESS steps past 30 s, then nothing is counted (only ENDED counts)', () => {
    const { state: mem, when } = counts();
    const { outcomes } = when(
      stream({ phase: 'STARTED', ms_played: 0 }),
      stream({ phase: 'PROGRESS', ms_played: 45_000 }),
    );
    assert.deepEqual(outcomes, [{ kind: 'ok' }, { kind: 'ok' }]);
    assert.deepEqual(mem.keys(), []);
  });

  it('given a qualified stream, then total, day, market, day+market and both charts move by 1', () => {
    const { plan } = counts().when(stream({ track_id: 'track-9', market: 'NO' }));
    assert.deepEqual(plan.events[0]!.ops, [
      ['hincrby', 't:track-9', 'streams', 1],
      ['hincrby', 't:track-9:days', DAY, 1],
      ['hincrby', 't:track-9:markets', 'NO', 1],
      ['hincrby', 't:track-9:day-market', `${DAY}|NO`, 1],
      ['zincrby', `chart:${DAY}:global`, 1, 'track-9'],
      ['zincrby', `chart:${DAY}:NO`, 1, 'track-9'],
    ]);
  });
});

describe('play-counts projection: event-time buckets', () => {
  it('given a late event received today for yesterday, then it lands in yesterday', () => {
    const yesterday = NOW - 86_400_000;
    const { state: mem, when } = counts();
    when(
      stream({ track_id: 'late', event_time: yesterday, received_time: NOW }),
      stream({ track_id: 'late', event_time: NOW }),
    );
    assert.deepEqual(mem.hgetall(K.days('late')), { '2026-11-23': '1', '2026-11-24': '1' });
    assert.deepEqual(mem.zrevrange(K.chart('2026-11-23', 'global'), 0, -1, true), ['late', '1']);
    assert.deepEqual(mem.hgetall(K.track('late')), { streams: '2' });
  });

  it('given events either side of UTC midnight, then they split between the two days', () => {
    const midnight = Date.UTC(2026, 0, 1);
    const { state: mem, when } = counts();
    when(
      stream({ track_id: 'ny', event_time: midnight - 1, market: 'SE' }),
      stream({ track_id: 'ny', event_time: midnight, market: 'SE' }),
    );
    assert.deepEqual(mem.hgetall(K.dayMarket('ny')), {
      '2025-12-31|SE': '1',
      '2026-01-01|SE': '1',
    });
  });

  it('given from..to, then dayRange lists every UTC day inclusive (across a leap day)', () => {
    assert.deepEqual(dayRange('2028-02-28', '2028-03-01'), [
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
    ]);
    assert.deepEqual(dayRange('2026-01-02', '2026-01-01'), []);
  });
});

describe('play-counts projection: charts', () => {
  it('given streams in two markets, then the global chart ranks by total and each market by its own', () => {
    const { state: mem, when } = counts();
    when(
      stream({ track_id: 'a', market: 'SE' }),
      stream({ track_id: 'a', market: 'SE' }),
      stream({ track_id: 'a', market: 'SE' }),
      stream({ track_id: 'b', market: 'NO' }),
      stream({ track_id: 'b', market: 'NO' }),
      stream({ track_id: 'b', market: 'SE' }),
      stream({ track_id: 'b', market: 'NO' }),
      stream({ track_id: 'c', market: 'NO' }),
    );
    assert.deepEqual(mem.zrevrange(K.chart(DAY, 'global'), 0, -1, true), [
      'b',
      '4',
      'a',
      '3',
      'c',
      '1',
    ]);
    assert.deepEqual(mem.zrevrange(K.chart(DAY, 'SE'), 0, -1, true), ['a', '3', 'b', '1']);
    assert.deepEqual(mem.zrevrange(K.chart(DAY, 'NO'), 0, -1, true), ['b', '3', 'c', '1']);
    assert.deepEqual(mem.hgetall(K.markets('b')), { NO: '3', SE: '1' });
  });

  it('given skips and short plays, then no chart moves', () => {
    const { state: mem, when } = counts();
    when(skip({ track_id: 'a' }), stream({ track_id: 'a', ms_played: 1 }));
    assert.deepEqual(mem.hgetall(K.track('a')), { skips: '1' });
    assert.deepEqual(
      mem.keys().filter((k) => k.startsWith('chart:')),
      [],
    );
  });
});

describe('play-counts projection: skips', () => {
  it('given skips, then they count in total, per day, per market and per day+market', () => {
    const { state: mem, when } = counts();
    when(
      skip({ track_id: 's', market: 'SE' }),
      skip({ track_id: 's', market: 'NO', event_time: NOW - 86_400_000 }),
      stream({ track_id: 's', market: 'SE' }),
    );
    assert.deepEqual(mem.hgetall(K.track('s')), { skips: '2', streams: '1' });
    assert.deepEqual(mem.hgetall(K.skipDays('s')), { '2026-11-23': '1', '2026-11-24': '1' });
    assert.deepEqual(mem.hgetall(K.skipMarkets('s')), { SE: '1', NO: '1' });
    assert.deepEqual(mem.hgetall(K.skipDayMarket('s')), {
      '2026-11-24|SE': '1',
      '2026-11-23|NO': '1',
    });
  });
});

describe('play-counts projection: duplicates', () => {
  it('given the same event twice in a batch and again in a later batch, then it counts once', () => {
    const e = stream({ track_id: 'dup' });
    const again = { ...e, offset: e.offset + 100 };
    const spec = counts().given([e, e]);
    const mem = spec.state;
    spec.when(again);
    assert.deepEqual(
      spec.outcomes.map((o) => o.kind),
      ['ok', 'ok', 'ok'],
    );
    assert.deepEqual(mem.hgetall(K.track('dup')), { streams: '1' });
    assert.deepEqual(mem.zrevrange(K.chart(DAY, 'SE'), 0, -1, true), ['dup', '1']);
  });
});

describe('play-counts projection: events it cannot apply', () => {
  it('given bad events among good ones, then each bad one is dead-lettered with its reason and the rest count', () => {
    const follow = envelope('follow', fx.follow, { topic: 'follow', offset: 1 });
    const { state: mem, when } = counts();
    const { outcomes } = when(
      stream({ track_id: 'ok-1' }),
      stream({ track_id: '' }),
      stream({ market: 'sweden' }),
      skip({ event_time: -5 }),
      stream({ ms_played: Number.NaN }),
      follow,
      skip({ track_id: 'ok-2' }),
    );
    assert.deepEqual(outcomes, [
      { kind: 'ok' },
      { kind: 'dlq', reason: 'track_id is empty' },
      { kind: 'dlq', reason: 'market "sweden" is not an ISO 3166-1 alpha-2 code' },
      { kind: 'dlq', reason: 'event_time -5 is not a timestamp in ms between 1970 and 9999' },
      { kind: 'dlq', reason: 'ms_played NaN is not a non-negative number' },
      { kind: 'dlq', reason: 'play-counts does not read follow events' },
      { kind: 'ok' },
    ]);
    assert.deepEqual(mem.hgetall(K.track('ok-1')), { streams: '1' });
    assert.deepEqual(mem.hgetall(K.track('ok-2')), { skips: '1' });
  });
});

describe('play-counts projection: purity and keys', () => {
  it('given the same frozen batch twice, then the plans are equal and the input untouched', () => {
    const batch = Object.freeze(
      [stream(), skip(), stream({ ms_played: 10 })].map((e) => Object.freeze(e)),
    );
    const a = playCountsProjection.plan(batch);
    const b = playCountsProjection.plan(batch);
    assert.deepEqual(a, b);
    assert.equal(a.plan.events.length, 2, 'the short play plans no ops');
  });

  it("given a track id with ':' in it, then its keys cannot collide with another track's", () => {
    assert.equal(K.track('a:days'), 't:a%3Adays');
    assert.notEqual(K.track('a:days'), K.days('a'));
  });
});
