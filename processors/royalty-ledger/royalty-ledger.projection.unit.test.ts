import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import { periodOf, royaltyLedgerProjection } from './royalty-ledger.projection.js';

const fx = validEvents(Date.UTC(2026, 10, 30, 23, 59));

describe('royalty ledger projection', () => {
  it('given an ENDED playback of 30 s or more, then one stream fact with its period and coordinates', () => {
    const e = { ...fx.playback, phase: 'ENDED' as const, ms_played: 30_000 };
    const { plan, outcomes } = royaltyLedgerProjection.plan([
      envelope('playback', e, { topic: 'backbeat.playback', partition: 2, offset: 7 }),
    ]);
    assert.deepEqual(outcomes, [{ kind: 'ok' }]);
    const [row] = plan.rows;
    assert.equal(row!.kind, 'stream');
    assert.equal(row!.period, periodOf(e.event_time));
    assert.equal(row!.period, '2026-11');
    assert.deepEqual([row!.topic, row!.partition, row!.offset], ['backbeat.playback', 2, 7]);
    assert.deepEqual([row!.user_id, row!.market, row!.product], ['user-1', 'SE', 'PREMIUM']);
  });

  it('given plays that do not qualify, then they are dropped, and a bad one dead-lettered', () => {
    const { plan, outcomes } = royaltyLedgerProjection.plan([
      envelope('playback', { ...fx.playback, phase: 'ENDED', ms_played: 29_999 }),
      envelope('playback', { ...fx.playback, phase: 'PROGRESS', ms_played: 90_000 }),
      envelope('playback', { ...fx.playback, phase: 'ENDED', ms_played: -1 }),
      envelope('playback', { ...fx.playback, phase: 'ENDED', ms_played: 40_000, market: 'se' }),
    ]);
    assert.deepEqual(plan.rows, []);
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'ok' ? 'ok' : `${o.kind}: ${o.reason}`)),
      [
        'drop: not a qualified stream',
        'drop: not a qualified stream',
        'dlq: ms_played -1 is not a non-negative number',
        'dlq: market "se" is not an ISO 3166-1 alpha-2 code',
      ],
    );
  });

  it('given an upload, then an upload fact with its split; shares not summing to 10000 are dead-lettered', () => {
    const good = fx['track-upload'];
    const bad = {
      ...good,
      rights_holders: good.rights_holders.map((r) => ({ ...r, share_bps: 1 })),
    };
    const { plan, outcomes } = royaltyLedgerProjection.plan([
      envelope('track-upload', good),
      envelope('track-upload', bad),
    ]);
    assert.equal(outcomes[0]!.kind, 'ok');
    assert.equal(outcomes[1]!.kind, 'dlq');
    assert.equal(plan.rows.length, 1);
    const row = plan.rows[0]!;
    assert.equal(row.kind, 'upload');
    assert.equal(row.isrc, good.isrc.trim().toUpperCase());
    assert.deepEqual(
      (row.holders as { share_bps: number }[]).reduce((a, h) => a + h.share_bps, 0),
      10_000,
    );
  });

  it('given revenue reports, then a pool fact; a malformed one is dead-lettered naming the field', () => {
    const r = fx['revenue-report'];
    const { plan, outcomes } = royaltyLedgerProjection.plan([
      envelope('revenue-report', r),
      envelope('revenue-report', { ...r, pool_minor: -5 }),
      envelope('revenue-report', { ...r, currency: 'kr' }),
    ]);
    assert.equal(plan.rows.length, 1);
    assert.deepEqual(
      [plan.rows[0]!.kind, plan.rows[0]!.period, plan.rows[0]!.pool_minor],
      ['pool', r.period, r.pool_minor],
    );
    assert.deepEqual(
      outcomes.slice(1).map((o) => (o.kind === 'dlq' ? o.reason : o.kind)),
      [
        'pool_minor -5 is not a non-negative integer of minor units',
        'currency "kr" is not ISO 4217',
      ],
    );
  });

  it('given an event type it does not read, then it is dead-lettered', () => {
    const { outcomes } = royaltyLedgerProjection.plan([envelope('skip', fx.skip)]);
    assert.deepEqual(outcomes, [
      { kind: 'dlq', reason: 'royalty-ledger does not read skip events' },
    ]);
  });
});
