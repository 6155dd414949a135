/**
 * The royalty ledger on the real chDB server: facts planned by the pure projection and written
 * by the real ClickHouse rows sink (dedup tokens, offsets with the rows), read back through the
 * ledger views. Arrival order does not matter: plays before their track's upload are paid by it
 * once it lands; a re-delivered upload with new splits applies from its event time on; a
 * redelivered or duplicated play counts once; a corrected revenue report supersedes the first.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import type { EventTypeMap } from '../../schemas/generated/events.types.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import {
  openLedgerDatabase,
  type LedgerDatabase,
  type LedgerEvent,
} from '../../test/helpers/royalty-ledger.helper.js';

const fx = validEvents(Date.UTC(2026, 10, 20, 12));
const T = (day: number, hour = 12) => Date.UTC(2026, 10, day, hour);

const play = (trackId: string, at: number, over: Partial<EventTypeMap['playback']> = {}) => ({
  ...fx.playback,
  event_id: uuidv7(at),
  playback_id: uuidv7(at),
  track_id: trackId,
  event_time: at,
  received_time: at,
  phase: 'ENDED' as const,
  ms_played: 45_000,
  ...over,
});

const upload = (
  trackId: string,
  at: number,
  holders: [string, number][],
  eventId = uuidv7(at),
): EventTypeMap['track-upload'] => ({
  ...fx['track-upload'],
  event_id: eventId,
  event_time: at,
  received_time: at,
  track_id: trackId,
  label_id: 'label-1',
  rights_holders: holders.map(([id, bps]) => ({
    rights_holder_id: id,
    name: id,
    role: 'label',
    share_bps: bps,
  })),
});

describe('royalty ledger on ClickHouse', () => {
  let db: LedgerDatabase;
  const deliver = (events: LedgerEvent[]) => db.deliver(events);
  const query = <T>(sql: string) => db.query<T>(sql);
  before(async () => {
    db = await openLedgerDatabase(await useStack(), 'royalty');
  });
  after(async () => db?.drop());

  it('given plays before their upload, a split change, an older play, a tie and a duplicate, then each ledger line uses the rule and counts once', async () => {
    const early = play('t-1', T(2)); // older than every upload: uses the earliest
    const before1 = play('t-1', T(5)); // arrives before any upload is known
    const after2 = play('t-1', T(15));
    const unknown = play('t-9', T(6)); // a track with no upload at all
    const short = play('t-1', T(7), { ms_played: 29_999 }); // not a qualified stream
    const outcomes = await deliver([
      { type: 'playback', event: early },
      { type: 'playback', event: before1 },
      { type: 'playback', event: after2 },
      { type: 'playback', event: unknown },
      { type: 'playback', event: short },
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['ok', 'ok', 'ok', 'ok', 'drop'],
    );
    // Uploads land later: v1 from day 3 (70/30), v2 from day 10 (50/50); two uploads at day 10
    // with the same event time: the greater upload id wins.
    const v1 = upload('t-1', T(3), [
      ['rh-a', 7000],
      ['rh-b', 3000],
    ]);
    const tieLow = upload('t-1', T(10), [['rh-x', 10_000]], '00000000-0000-7000-8000-000000000001');
    const tieHigh = upload(
      't-1',
      T(10),
      [
        ['rh-a', 5000],
        ['rh-b', 5000],
      ],
      '00000000-0000-7000-8000-000000000002',
    );
    await deliver([
      { type: 'track-upload', event: tieHigh },
      { type: 'track-upload', event: v1 },
      { type: 'track-upload', event: tieLow },
    ]);
    // The same play again, as a redelivery under new offsets and as a client's duplicate.
    await deliver([{ type: 'playback', event: after2 }]);

    const lines = await query<{
      event_id: string;
      rights_holder_id: string;
      share_bps: number;
      split_version: string;
    }>(
      `SELECT toString(event_id) AS event_id, rights_holder_id, share_bps, split_version
       FROM royalty_ledger ORDER BY event_time, rights_holder_id`,
    );
    const of = (e: { event_id: string }) =>
      lines
        .filter((l) => l.event_id === e.event_id)
        .map((l) => [l.rights_holder_id, Number(l.share_bps), l.split_version]);
    assert.deepEqual(of(early), [
      ['rh-a', 7000, v1.event_id],
      ['rh-b', 3000, v1.event_id],
    ]);
    assert.deepEqual(of(before1), [
      ['rh-a', 7000, v1.event_id],
      ['rh-b', 3000, v1.event_id],
    ]);
    assert.deepEqual(of(after2), [
      ['rh-a', 5000, tieHigh.event_id],
      ['rh-b', 5000, tieHigh.event_id],
    ]);
    assert.deepEqual(of(unknown), [['UNMATCHED', 10_000, '']]);
    assert.equal(lines.length, 7, 'one line per stream and holder; the duplicate counts once');
  });

  it('given a corrected revenue report, then both stay visible and the later one is in force', async () => {
    const report = (id: string, at: number, pool: number) => ({
      ...fx['revenue-report'],
      event_id: uuidv7(at),
      event_time: at,
      received_time: at,
      report_id: id,
      market: 'SE',
      period: '2026-11',
      pool_minor: pool,
    });
    await deliver([
      { type: 'revenue-report', event: report('rr-2', T(30, 13), 2000) },
      { type: 'revenue-report', event: report('rr-1', T(30, 12), 1000) },
    ]);
    const pools = await query<{ report_id: string; pool_minor: string; in_force: number }>(
      `SELECT report_id, pool_minor, in_force FROM royalty_pools
       WHERE market = 'SE' AND period = '2026-11' ORDER BY report_id`,
    );
    assert.deepEqual(
      pools.map((p) => [p.report_id, Number(p.pool_minor), Boolean(p.in_force)]),
      [
        ['rr-1', 1000, false],
        ['rr-2', 2000, true],
      ],
    );
  });

  it('given an invalid report or upload, then it is dead-lettered with its reason and writes nothing', async () => {
    const outcomes = await deliver([
      {
        type: 'revenue-report',
        event: { ...fx['revenue-report'], event_id: randomUUID(), period: '2026-13' },
      },
      {
        type: 'track-upload',
        event: upload('t-2', T(4), [['rh-a', 9000]]),
      },
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'dlq' ? o.reason : o.kind)),
      ['period "2026-13" is not YYYY-MM', 'rights_holders share_bps sum to 9000, not 10000'],
    );
    const [n] = await query<{ n: string }>(
      `SELECT count() AS n FROM royalty_uploads WHERE track_id = 't-2'`,
    );
    assert.equal(Number(n!.n), 0);
  });
});
