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
