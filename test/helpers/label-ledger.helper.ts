import assert from 'node:assert/strict';
import type { ClickHouseClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import {
  ROYALTY_FACTS_TABLE,
  royaltyLedgerProjection,
  royaltyPartitionOf,
} from '../../processors/royalty-ledger/royalty-ledger.projection.js';
import {
  closeStatements,
  type CloseResult,
} from '../../processors/royalty-statements/statement-close.service.js';
import type { AnyEnvelope } from '../../processors/runtime/processor.types.js';
import type { EventTypeMap } from '../../schemas/generated/events.types.js';
import { createClickHouseRowsSink } from '../../sinks/clickhouse/clickhouse-rows.sink.js';
import { envelope } from './envelope.helper.js';
import {
  ledgerPlay,
  ledgerReport,
  ledgerUpload,
  type LedgerEvent,
} from './royalty-ledger.helper.js';

/**
 * A royalty ledger with two labels written into an existing (migrated) database, e.g. the one
 * startTestApi made, and statements closed from it. November 2026:
 *   label-1: track-1 (release 0123456789012; holders label-1 70 %, artist-1 30 %, whose name
 *            needs CSV quoting) and track-2 (no release; label-1 100 %);
 *   label-2: track-9 (label-2 100 %);
 *   track-0: no upload (suspense, UNMATCHED).
 * SE has a report (pool 100.00 SEK); NO has a report and only label-2's streams.
 */
export const T = (day: number, hour = 12) => Date.UTC(2026, 10, day, hour);
export const ARTIST_NAME = 'Aurora Lane, "AL"';

export const play = (user: string, track: string, at: number, market = 'SE'): LedgerEvent =>
  ledgerPlay(user, track, at, { market });

const upload = (
  track: string,
  label: string,
  labelName: string,
  holders: [string, string, number][],
  more: Partial<EventTypeMap['track-upload']> = {},
): LedgerEvent =>
  ledgerUpload(
    track,
    holders.map(([id, name, bps]) => [id, bps, name] as [string, number, string]),
    {
      at: T(1),
      label,
      label_name: labelName,
      isrc: `SEABC26${track.replace(/\D/g, '').padStart(5, '0')}`,
      ...more,
    },
  );

const report = (id: string, market: string, pool: number, premium: number): LedgerEvent =>
  ledgerReport(id, T(30, 23), pool, { market, premium_listeners: premium });

export const LEDGER_EVENTS: LedgerEvent[] = [
  upload(
    'track-1',
    'label-1',
    'Polar Records',
    [
      ['label-1', 'Polar Records', 7000],
      ['artist-1', ARTIST_NAME, 3000],
    ],
    { release_id: '0123456789012', title: 'Northern Lights', duration_ms: 215_000 },
  ),
  upload('track-2', 'label-1', 'Polar Records', [['label-1', 'Polar Records', 10_000]], {
    release_id: null,
    title: 'Midnight Sun',
    duration_ms: 180_500,
  }),
  upload('track-9', 'label-2', 'Fjord Music', [['label-2', 'Fjord Music', 10_000]], {
    title: 'Other Label Song',
  }),
  play('u1', 'track-1', T(5)),
  play('u1', 'track-1', T(6)),
  play('u2', 'track-2', T(7)),
  play('u3', 'track-9', T(8)),
  play('u4', 'track-0', T(9)),
  play('u5', 'track-9', T(10), 'NO'),
  report('rr-se', 'SE', 10_000, 5),
  report('rr-no', 'NO', 5_000, 2),
];

/** Plans `events` with the royalty-ledger projection and writes them through the rows sink. */
export function ledgerWriter(clickhouse: ClickHouseClient, topic = 'label-api-test') {
  let next = 0;
  const sink = createClickHouseRowsSink(
    { name: 'royalty-ledger', table: ROYALTY_FACTS_TABLE, partitionOf: royaltyPartitionOf },
    { clickhouse },
  );
  return async (events: readonly LedgerEvent[]) => {
    const from = next;
    const batch: AnyEnvelope[] = events.map((e) =>
      envelope(e.type, e.event as never, { topic, partition: 0, offset: next++ }),
    );
    const { plan } = royaltyLedgerProjection.plan(batch);
    assert.equal(await sink.apply(plan, [{ topic, partition: 0, from, to: next - 1 }]), 'applied');
  };
}

/** Closes November 2026 (every market) on this database. */
export async function closeNovember(
  clickhouse: ClickHouseClient,
  redisUrl: string,
): Promise<CloseResult[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const logger = createLogger({ level: 'silent' as never }, 'test');
  try {
    // The close lock is per market and period on the shared Redis: another test file closing
    // November at the same time makes this one wait, not fail.
    for (let attempt = 0; ; attempt++) {
      try {
        return await closeStatements(
          { period: '2026-11', closedBy: 'test' },
          { clickhouse, redis, logger },
        );
      } catch (err) {
        if (!(err instanceof BackbeatError && err.code === 'ROYALTY_CLOSE_BUSY') || attempt > 50)
          throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    redis.disconnect();
  }
}

/** The ledger above, written and closed: statements 2026-11-NO-v1 and 2026-11-SE-v1. */
export async function seedLabelLedger(clickhouse: ClickHouseClient, redisUrl: string) {
  const deliver = ledgerWriter(clickhouse);
  await deliver(LEDGER_EVENTS);
  const results = await closeNovember(clickhouse, redisUrl);
  assert.deepEqual(
    results.map((r) => [r.market, r.status]),
    [
      ['NO', 'issued'],
      ['SE', 'issued'],
    ],
  );
  return { deliver, results };
}
