import { EVENT_TYPE_NAMES } from '../../schemas/generated/events.types.js';
import type { RowsPlan } from '../../sinks/clickhouse/clickhouse-rows.sink.js';
import type { AnyEnvelope, Projection } from '../runtime/processor.types.js';
import { Outcome } from '../../common/outcome/outcome.js';

/** ClickHouse DateTime64(3) text for a ms timestamp, in UTC. */
export const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** One archive row per event: the common fields as columns, the whole event as JSON. */
export function toArchiveRow(e: AnyEnvelope): Record<string, unknown> {
  const ev = e.event as unknown as Record<string, unknown>;
  const s = (k: string) => (typeof ev[k] === 'string' ? (ev[k] as string) : '');
  const n = (k: string) => (typeof ev[k] === 'number' ? (ev[k] as number) : 0);
  return {
    event_type: e.type,
    event_id: ev.event_id,
    event_time: chTime(n('event_time')),
    received_time: chTime(n('received_time')),
    user_id: s('user_id'),
    device_id: s('device_id'),
    market: s('market'),
    product: s('product'),
    platform: s('platform'),
    client_version: s('client_version'),
    track_id: s('track_id'),
    session_id: s('session_id'),
    playback_id: s('playback_id'),
    phase: s('phase'),
    ms_played: n('ms_played'),
    position_ms: n('position_ms'),
    end_reason: s('end_reason'),
    offline: ev.offline === true,
    skip_direction: e.type === 'skip' ? s('direction') : '',
    follow_action: s('action'),
    target_type: s('target_type'),
    target_id: s('target_id'),
    payload: JSON.stringify(ev),
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    schema_id: e.schemaId,
  };
}

/**
 * The partition of an archive row in `events` (PARTITION BY toYYYYMM(event_time)): the sink
 * splits a batch's inserts by it, so one insert never spans more partitions than the engine takes.
 */
export const archivePartitionOf = (row: Record<string, unknown>): string =>
  String(row.event_time).slice(0, 7);

/** The raw event archive: every event, as it was decoded, into ClickHouse `events`. */
export const rawArchiveProjection: Projection<RowsPlan> = {
  name: 'raw-archive',
  types: EVENT_TYPE_NAMES,
  plan(batch) {
    const outcomes: Outcome[] = batch.map(() => Outcome.ok());
    return { plan: { rows: batch.map(toArchiveRow) }, outcomes };
  },
};
