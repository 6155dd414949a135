import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../common/config/app.config.js';
import type { Outcome } from '../../common/outcome/outcome.js';
import {
  ROYALTY_FACTS_TABLE,
  royaltyLedgerProjection,
  royaltyPartitionOf,
} from '../../processors/royalty-ledger/royalty-ledger.projection.js';
import type { AnyEnvelope } from '../../processors/runtime/processor.types.js';
import type { EventTypeMap, EventTypeName } from '../../schemas/generated/events.types.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { createClickHouseRowsSink } from '../../sinks/clickhouse/clickhouse-rows.sink.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { envelope } from './envelope.helper.js';

export type LedgerEvent = {
  [N in EventTypeName]: { type: N; event: EventTypeMap[N] };
}[EventTypeName];

/**
 * A migrated ClickHouse database of the test's own on the stack's chDB server, and `deliver`,
 * which plans events with the royalty-ledger projection and writes them through the real rows
 * sink as one batch. Delivering an event again writes it under new offsets (a redelivery or a
 * client's duplicate), so only its event_id can collapse it. `drop()` removes the database.
 */
export async function openLedgerDatabase(config: AppConfig, name: string) {
  const database = `bb_${name}_${randomUUID().slice(0, 8)}`;
  const ch: ClickHouseHandle = await openClickHouse({ url: config.clickhouse.url, database });
  await migrate(ch.client);
  const topic = `${name}-test`;
  let next = 0;
  const sink = createClickHouseRowsSink(
    { name: 'royalty-ledger', table: ROYALTY_FACTS_TABLE, partitionOf: royaltyPartitionOf },
    { clickhouse: ch.client },
  );
  async function deliver(events: readonly LedgerEvent[]): Promise<Outcome[]> {
    const from = next;
    const batch: AnyEnvelope[] = events.map((e) =>
      envelope(e.type, e.event as never, { topic, partition: 0, offset: next++ }),
    );
    const { plan, outcomes } = royaltyLedgerProjection.plan(batch);
    const to = next - 1;
    assert.equal(await sink.apply(plan, [{ topic, partition: 0, from, to }]), 'applied');
    return outcomes;
  }
  const query = async <T>(sql: string, params: Record<string, unknown> = {}) =>
    (await (
      await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })
    ).json()) as T[];
  return {
    ch,
    database,
    deliver,
    query,
    async drop() {
      await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await ch.close();
    },
  };
}

export type LedgerDatabase = Awaited<ReturnType<typeof openLedgerDatabase>>;

const fx = validEvents(Date.UTC(2026, 10, 20, 12));

/** A time in November 2026 (UTC), the month these builders' events fall in by default. */
export const NOV = (day: number, hour = 12) => Date.UTC(2026, 10, day, hour);

/** A qualified stream (ENDED, 60 s, PREMIUM, SE unless overridden) of `track` by `user` at `at`. */
export function ledgerPlay(
  user: string,
  track: string,
  at: number,
  over: Partial<EventTypeMap['playback']> = {},
): LedgerEvent {
  return {
    type: 'playback',
    event: {
      ...fx.playback,
      event_id: uuidv7(at),
      playback_id: uuidv7(at),
      user_id: user,
      track_id: track,
      market: 'SE',
      product: 'PREMIUM',
      event_time: at,
      received_time: at,
      phase: 'ENDED',
      ms_played: 60_000,
      ...over,
    },
  };
}

/** An upload of `track` with `holders` as [rights holder id, share_bps, name?]. */
export function ledgerUpload(
  track: string,
  holders: readonly [string, number, string?][],
  opts: { at?: number; label?: string; eventId?: string } & Partial<
    EventTypeMap['track-upload']
  > = {},
): LedgerEvent & { type: 'track-upload' } {
  const { at = NOV(1), label = 'label-1', eventId, ...more } = opts;
  return {
    type: 'track-upload',
    event: {
      ...fx['track-upload'],
      event_id: eventId ?? uuidv7(at),
      event_time: at,
      received_time: at,
      track_id: track,
      label_id: label,
      rights_holders: holders.map(([id, bps, name]) => ({
        rights_holder_id: id,
        name: name ?? id,
        role: id.startsWith('label') ? 'label' : 'artist',
        share_bps: bps,
      })),
      ...more,
    },
  };
}

/** A revenue report (SE, 2026-11, SEK, 2 decimals, 3 premium listeners unless overridden). */
export function ledgerReport(
  reportId: string,
  at: number,
  poolMinor: number,
  over: Partial<EventTypeMap['revenue-report']> = {},
): LedgerEvent {
  return {
    type: 'revenue-report',
    event: {
      ...fx['revenue-report'],
      event_id: uuidv7(at),
      event_time: at,
      received_time: at,
      report_id: reportId,
      market: 'SE',
      period: '2026-11',
      currency: 'SEK',
      minor_unit: 2,
      pool_minor: poolMinor,
      premium_listeners: 3,
      ...over,
    },
  };
}
