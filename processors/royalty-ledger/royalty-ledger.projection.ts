import { Outcome } from '../../common/outcome/outcome.js';
import type {
  PlaybackEvent,
  RevenueReportEvent,
  TrackUploadEvent,
} from '../../schemas/generated/events.types.js';
import { CURRENCY, MARKET, PERIOD } from '../../schemas/catalogue/event-validation.js';
import type { RowsPlan } from '../../sinks/clickhouse/clickhouse-rows.sink.js';
import { invalidUpload } from '../catalogue/catalogue.projection.js';
import { qualifiedStream } from '../play-counts/play-counts.projection.js';
import { chTime } from '../raw-archive/raw-archive.projection.js';
import type { AnyEnvelope, Projection } from '../runtime/processor.types.js';

export const ROYALTY_LEDGER = 'royalty-ledger';
export const ROYALTY_FACTS_TABLE = 'royalty_facts';

/** `YYYY-MM` of a ms timestamp, in UTC. */
export const periodOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/** Every column of royalty_facts, empty for the kinds that do not use it. */
const EMPTY = {
  period: '',
  track_id: '',
  playback_id: '',
  user_id: '',
  market: '',
  product: '',
  ms_played: 0,
  isrc: '',
  label_id: '',
  label_name: '',
  title: '',
  release_id: '',
  duration_ms: 0,
  artists: [] as string[],
  holders: [] as { rights_holder_id: string; name: string; role: string; share_bps: number }[],
  report_id: '',
  currency: '',
  minor_unit: 0,
  pool_minor: 0,
  premium_listeners: 0,
};

const coordinates = (env: AnyEnvelope) => ({
  topic: env.topic,
  partition: env.partition,
  offset: env.offset,
});

function streamRow(env: AnyEnvelope, e: PlaybackEvent): Record<string, unknown> {
  return {
    ...EMPTY,
    kind: 'stream',
    event_id: e.event_id,
    event_time: chTime(e.event_time),
    period: periodOf(e.event_time),
    track_id: e.track_id,
    playback_id: e.playback_id,
    user_id: e.user_id,
    market: e.market,
    product: e.product,
    ms_played: e.ms_played,
    ...coordinates(env),
  };
}

function uploadRow(env: AnyEnvelope, e: TrackUploadEvent): Record<string, unknown> {
  return {
    ...EMPTY,
    kind: 'upload',
    event_id: e.event_id,
    event_time: chTime(e.event_time),
    track_id: e.track_id,
    isrc: e.isrc.trim().toUpperCase(),
    label_id: e.label_id,
    label_name: e.label_name,
    title: e.title,
    release_id: e.release_id ?? '',
    duration_ms: e.duration_ms,
    artists: e.artists.map((a) => a.name),
    holders: e.rights_holders.map((r) => ({
      rights_holder_id: r.rights_holder_id,
      name: r.name,
      role: r.role,
      share_bps: r.share_bps,
    })),
    ...coordinates(env),
  };
}

/** Why a revenue report cannot be a pool, or undefined when it can. */
export function invalidReport(e: RevenueReportEvent): string | undefined {
  if (typeof e.report_id !== 'string' || !e.report_id.trim()) return 'report_id is empty';
  if (!MARKET.test(e.market ?? ''))
    return `market ${JSON.stringify(e.market)} is not ISO 3166-1 alpha-2`;
  if (!PERIOD.test(e.period ?? '')) return `period ${JSON.stringify(e.period)} is not YYYY-MM`;
  if (!CURRENCY.test(e.currency ?? ''))
    return `currency ${JSON.stringify(e.currency)} is not ISO 4217`;
  if (!Number.isInteger(e.minor_unit) || e.minor_unit < 0 || e.minor_unit > 4)
    return `minor_unit ${e.minor_unit} is not an integer from 0 to 4`;
  if (!Number.isSafeInteger(e.pool_minor) || e.pool_minor < 0)
    return `pool_minor ${e.pool_minor} is not a non-negative integer of minor units`;
  if (!Number.isSafeInteger(e.premium_listeners) || e.premium_listeners < 0)
    return `premium_listeners ${e.premium_listeners} is not a non-negative integer`;
  if (!Number.isSafeInteger(e.event_time) || e.event_time < 0)
    return `event_time ${e.event_time} is not a timestamp in ms`;
  return undefined;
}

function poolRow(env: AnyEnvelope, e: RevenueReportEvent): Record<string, unknown> {
  return {
    ...EMPTY,
    kind: 'pool',
    event_id: e.event_id,
    event_time: chTime(e.event_time),
    period: e.period,
    market: e.market,
    report_id: e.report_id,
    currency: e.currency,
    minor_unit: e.minor_unit,
    pool_minor: e.pool_minor,
    premium_listeners: e.premium_listeners,
    ...coordinates(env),
  };
}

/** The row one event adds to the ledger's facts, nothing (`drop`), or why it cannot (`dlq`). */
function planOne(env: AnyEnvelope): { row: Record<string, unknown> } | Outcome {
  switch (env.type) {
    case 'playback': {
      const q = qualifiedStream(env.event);
      if (typeof q === 'string') return Outcome.dlq(q);
      return q ? { row: streamRow(env, env.event) } : Outcome.drop('not a qualified stream');
    }
    case 'track-upload': {
      const why = invalidUpload(env.event);
      return why ? Outcome.dlq(why) : { row: uploadRow(env, env.event) };
    }
    case 'revenue-report': {
      const why = invalidReport(env.event);
      return why ? Outcome.dlq(why) : { row: poolRow(env, env.event) };
    }
    default:
      return Outcome.dlq(`${ROYALTY_LEDGER} does not read ${env.type} events`);
  }
}

/**
 * The royalty ledger's facts, into ClickHouse `royalty_facts`: every qualified stream (by the
 * play-counts rule), every valid upload with its split, every revenue report. The ledger itself
 * (one line per stream and rights holder, with the split in force at the stream's event time) is
 * the view `royalty_ledger` over these facts, so arrival order does not matter: a stream that
 * arrives before its track's upload is paid by that upload's split as soon as the upload lands.
 */
export const royaltyLedgerProjection: Projection<RowsPlan> = {
  name: ROYALTY_LEDGER,
  types: ['playback', 'track-upload', 'revenue-report'],
  plan(batch) {
    const rows: Record<string, unknown>[] = [];
    const outcomes = batch.map((env): Outcome => {
      const r = planOne(env);
      if ('row' in r) {
        rows.push(r.row);
        return Outcome.ok();
      }
      return r;
    });
    return { plan: { rows }, outcomes };
  },
};

/** The table partition of a facts row (PARTITION BY kind). */
export const royaltyPartitionOf = (row: Record<string, unknown>) => String(row.kind);
