import { writeFileSync } from 'node:fs';
import type { RevenueReportEvent } from '../../schemas/generated/events.types.js';
import {
  type AnySimEvent,
  DAY_MS,
  QUALIFYING_MS,
  type SimulationParams,
} from './simulator.types.js';
import type { TrafficWorld } from './traffic.generator.js';

export const MANIFEST_VERSION = 1;

type Counter = Record<string, number>;
type Nested = Record<string, Counter>;

/** What later projections are scored against. Keys are sorted, so equal worlds give equal bytes. */
export interface GroundTruthManifest {
  version: number;
  seed: number;
  params: SimulationParams;
  period: { start: string; end: string };
  counts: {
    total: number;
    by_type: Counter;
    by_phase: Counter;
    by_delivery: Counter;
    by_end_reason: Counter;
  };
  qualified_streams: {
    rule: string;
    total: number;
    by_track: Counter;
    /** track -> UTC day (YYYY-MM-DD) of the ENDED event's event_time -> streams. */
    by_track_day: Nested;
    by_track_market: Nested;
    /** By main artist (the first credited artist of the track). */
    by_artist: Counter;
    by_label: Counter;
  };
  /** Playbacks whose ms_played is just below, exactly at, or just above the 30 s line. */
  threshold: { below_25_to_30s: number; exactly_30000: number; above_30_to_35s: number };
  skips_by_track: Counter;
  users: Record<string, { ms_played: number; playbacks: number; qualified_streams: number }>;
  /** Final follow sets after every unfollow, per user (sorted ids). */
  follows: Record<string, { artists: string[]; users: string[] }>;
  clusters: {
    count: number;
    affinity: number;
    /** Cluster index -> its track ids. */
    tracks: string[][];
    /** User id -> cluster index. */
    users: Record<string, number>;
  };
  /** Track id -> popularity rank (1 = most popular, Zipf s = params.zipf). */
  popularity_ranks: Counter;
  revenue_pools: Omit<RevenueReportEvent, 'event_time' | 'received_time'>[];
  /**
   * The royalty ledger's inputs, worked out here from the events alone (not from any store):
   * per `<market>|<period>`, qualified streams grouped by user, product, track and the upload
   * whose split they use (the track's latest upload at or before the stream's event time, ties
   * by the greater upload id; a stream older than every upload uses the earliest). The e2e test
   * computes the expected statements from these and compares the closed ones.
   */
  royalty: {
    streams: Record<
      string,
      {
        user_id: string;
        product: string;
        track_id: string;
        split_version: string;
        streams: number;
      }[]
    >;
    uploads: Record<
      string,
      {
        upload_id: string;
        event_time: number;
        isrc: string;
        label_id: string;
        holders: { rights_holder_id: string; name: string; share_bps: number }[];
      }[]
    >;
  };
  /** Every event_id in the stream, sorted. */
  event_ids: string[];
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const inc = (c: Counter, k: string, by = 1) => void (c[k] = (c[k] ?? 0) + by);
const incNested = (n: Nested, a: string, b: string) => inc((n[a] ??= {}), b);

/** Accumulates the ground truth from the event stream as it is produced, in one pass. */
export function createManifestBuilder(world: TrafficWorld) {
  const { params, catalogue, users } = world;
  const mainArtist = new Map(catalogue.tracks.map((t) => [t.track_id, t.artist_ids[0] as string]));
  const labelOf = new Map(catalogue.tracks.map((t) => [t.track_id, t.label_id]));
  const byType: Counter = {};
  const byPhase: Counter = {};
  const byDelivery: Counter = {};
  const byEndReason: Counter = {};
  const q = {
    total: 0,
    by_track: {} as Counter,
    by_track_day: {} as Nested,
    by_track_market: {} as Nested,
    by_artist: {} as Counter,
    by_label: {} as Counter,
  };
  const threshold = { below_25_to_30s: 0, exactly_30000: 0, above_30_to_35s: 0 };
  const skips: Counter = {};
  const listening: GroundTruthManifest['users'] = {};
  for (const u of users)
    listening[u.user_id] = { ms_played: 0, playbacks: 0, qualified_streams: 0 };
  const following = new Map<string, Set<string>>();
  const pools: GroundTruthManifest['revenue_pools'] = [];
  const ids: string[] = [];
  const streams: { user: string; product: string; track: string; market: string; at: number }[] =
    [];
  const uploads: GroundTruthManifest['royalty']['uploads'] = {};

  function add(e: AnySimEvent): void {
    ids.push(e.event.event_id);
    inc(byType, e.type);
    inc(byDelivery, e.delivery);
    switch (e.type) {
      case 'playback': {
        const p = e.event;
        inc(byPhase, p.phase);
        if (p.phase !== 'ENDED') break;
        inc(byEndReason, p.end_reason ?? 'null');
        const u = listening[p.user_id] as GroundTruthManifest['users'][string];
        u.ms_played += p.ms_played;
        u.playbacks++;
        if (p.ms_played >= 25_000 && p.ms_played < 30_000) threshold.below_25_to_30s++;
        if (p.ms_played === 30_000) threshold.exactly_30000++;
        if (p.ms_played > 30_000 && p.ms_played <= 35_000) threshold.above_30_to_35s++;
        if (p.ms_played < QUALIFYING_MS) break;
        u.qualified_streams++;
        q.total++;
        inc(q.by_track, p.track_id);
        incNested(q.by_track_day, p.track_id, day(p.event_time));
        incNested(q.by_track_market, p.track_id, p.market);
        inc(q.by_artist, mainArtist.get(p.track_id) as string);
        inc(q.by_label, labelOf.get(p.track_id) as string);
        streams.push({
          user: p.user_id,
          product: p.product,
          track: p.track_id,
          market: p.market,
          at: p.event_time,
        });
        break;
      }
      case 'skip':
        inc(skips, e.event.track_id);
        break;
      case 'follow': {
        const f = e.event;
        const set = following.get(f.user_id) ?? new Set<string>();
        following.set(f.user_id, set);
        const key = `${f.target_type}:${f.target_id}`;
        if (f.action === 'FOLLOW') set.add(key);
        else set.delete(key);
        break;
      }
      case 'track-upload': {
        const u = e.event;
        (uploads[u.track_id] ??= []).push({
          upload_id: u.event_id,
          event_time: u.event_time,
          isrc: u.isrc.trim().toUpperCase(),
          label_id: u.label_id,
          holders: u.rights_holders.map((r) => ({
            rights_holder_id: r.rights_holder_id,
            name: r.name,
            share_bps: r.share_bps,
          })),
        });
        break;
      }
      case 'revenue-report': {
        const { event_time: _t, received_time: _r, ...pool } = e.event;
        pools.push(pool);
        break;
      }
    }
  }

  function build(): GroundTruthManifest {
    const follows: GroundTruthManifest['follows'] = {};
    for (const [user, set] of following) {
      const keys = [...set].sort();
      follows[user] = {
        artists: keys.filter((k) => k.startsWith('ARTIST:')).map((k) => k.slice(7)),
        users: keys.filter((k) => k.startsWith('USER:')).map((k) => k.slice(5)),
      };
    }
    const clusterUsers: Record<string, number> = {};
    for (const u of users) clusterUsers[u.user_id] = u.cluster;
    const end = params.startMs + params.days * DAY_MS;
    return {
      version: MANIFEST_VERSION,
      seed: params.seed,
      params,
      period: { start: new Date(params.startMs).toISOString(), end: new Date(end).toISOString() },
      counts: {
        total: ids.length,
        by_type: byType,
        by_phase: byPhase,
        by_delivery: byDelivery,
        by_end_reason: byEndReason,
      },
      qualified_streams: { rule: 'playback ENDED with ms_played >= 30000', ...q },
      threshold,
      skips_by_track: skips,
      users: listening,
      follows,
      clusters: {
        count: params.clusters,
        affinity: params.affinity,
        tracks: catalogue.clusterTracks.map((ts) =>
          ts.map((t) => catalogue.tracks[t]?.track_id as string),
        ),
        users: clusterUsers,
      },
      popularity_ranks: Object.fromEntries(
        catalogue.tracks.map((t) => [t.track_id, t.popularity_rank]),
      ),
      revenue_pools: pools,
      royalty: royaltyInputs(streams, uploads),
      event_ids: ids.slice().sort(),
    };
  }

  return { add, build };
}

/** The split a stream uses, by the ledger's rule, and the streams grouped as the ledger groups them. */
function royaltyInputs(
  streams: { user: string; product: string; track: string; market: string; at: number }[],
  uploads: GroundTruthManifest['royalty']['uploads'],
): GroundTruthManifest['royalty'] {
  const splitOf = (track: string, at: number): string => {
    const list = uploads[track];
    if (!list?.length) return '';
    let best: (typeof list)[number] | undefined;
    let first = list[0]!;
    for (const u of list) {
      const later = (a: typeof u, b: typeof u) =>
        a.event_time > b.event_time || (a.event_time === b.event_time && a.upload_id > b.upload_id);
      if (later(first, u)) first = u;
      if (u.event_time <= at && (!best || later(u, best))) best = u;
    }
    return (best ?? first).upload_id;
  };
  const grouped = new Map<
    string,
    Map<string, GroundTruthManifest['royalty']['streams'][string][number]>
  >();
  for (const s of streams) {
    const key = `${s.market}|${new Date(s.at).toISOString().slice(0, 7)}`;
    const split = splitOf(s.track, s.at);
    const rowKey = `${s.user}|${s.product}|${s.track}|${split}`;
    const rows = grouped.get(key) ?? new Map();
    grouped.set(key, rows);
    const row = rows.get(rowKey) ?? {
      user_id: s.user,
      product: s.product,
      track_id: s.track,
      split_version: split,
      streams: 0,
    };
    row.streams++;
    rows.set(rowKey, row);
  }
  const out: GroundTruthManifest['royalty']['streams'] = {};
  for (const [k, rows] of grouped)
    out[k] = [...rows.values()].sort((a, b) =>
      `${a.user_id}|${a.product}|${a.track_id}|${a.split_version}` <
      `${b.user_id}|${b.product}|${b.track_id}|${b.split_version}`
        ? -1
        : 1,
    );
  return { streams: out, uploads };
}

/** JSON with object keys sorted at every level (arrays keep their order): stable bytes. */
export function stableJson(value: unknown, indent = 0): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function writeManifest(path: string, manifest: GroundTruthManifest): void {
  writeFileSync(path, `${stableJson(manifest, 1)}\n`);
}
