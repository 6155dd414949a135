import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import { chTime, rawArchiveProjection } from './raw-archive.projection.js';

const ev = validEvents(Date.UTC(2026, 10, 24, 12));
const at = (type: keyof typeof ev, offset: number) =>
  envelope(type, ev[type], { schemaId: 7, partition: 2, offset });

describe('raw archive projection', () => {
  it('given a batch of every type, when planned, then one row per event with coordinates and the JSON payload', () => {
    const batch = (['playback', 'skip', 'follow', 'track-upload', 'revenue-report'] as const).map(
      (t, i) => at(t, 10 + i),
    );
    const { plan, outcomes } = rawArchiveProjection.plan(batch);
    assert.deepEqual(
      outcomes,
      batch.map(() => ({ kind: 'ok' })),
    );
    assert.equal(plan.rows.length, 5);
    const [play, skip, follow, upload, revenue] = plan.rows;
    assert.deepEqual(
      {
        t: play!.event_type,
        id: play!.event_id,
        ms: play!.ms_played,
        phase: play!.phase,
        reason: play!.end_reason,
        market: play!.market,
        off: play!.offset,
        p: play!.partition,
        s: play!.schema_id,
      },
      {
        t: 'playback',
        id: ev.playback.event_id,
        ms: 31_000,
        phase: 'ENDED',
        reason: 'TRACK_DONE',
        market: 'SE',
        off: 10,
        p: 2,
        s: 7,
      },
    );
    assert.equal(skip!.skip_direction, 'FORWARD');
    assert.deepEqual(
      [follow!.follow_action, follow!.target_type, follow!.target_id],
      ['FOLLOW', 'ARTIST', 'artist-1'],
    );
    assert.equal(upload!.track_id, 'track-1');
    assert.equal(upload!.user_id, '');
    assert.equal(revenue!.market, 'SE');
    assert.deepEqual(JSON.parse(revenue!.payload as string), ev['revenue-report']);
    assert.equal(play!.event_time, '2026-11-24 11:59:00.000');
  });

  it('formats times as ClickHouse DateTime64(3) in UTC', () => {
    assert.equal(chTime(0), '1970-01-01 00:00:00.000');
    assert.equal(chTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), '2026-01-02 03:04:05.006');
  });
});
