import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { uuidv7Time } from '../../common/ids/uuidv7.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { validateEvent } from '../../schemas/catalogue/event-validation.js';
import type {
  FollowEvent,
  PlaybackEvent,
  SkipEvent,
  TrackUploadEvent,
} from '../../schemas/generated/events.types.js';
import { createBackbeatClient } from '../sdk/backbeat-client.js';
import type { DeliveryResult, OutgoingEvent, Transport } from '../sdk/sdk.types.js';
import {
  type GroundTruthManifest,
  createManifestBuilder,
  stableJson,
} from './ground-truth.manifest.js';
import { createPrng } from './prng.js';
import { UsageError, checkNotInFuture, parseArgs } from './simulator.args.js';
import {
  DAY_MS,
  DEFAULT_PARAMS,
  type AnySimEvent,
  type SimulationParams,
} from './simulator.types.js';
import { createTrafficGenerator } from './traffic.generator.js';
import { createTrafficSender } from './traffic.sender.js';

const START = Date.UTC(2026, 10, 1);
const SMALL: SimulationParams = {
  ...DEFAULT_PARAMS,
  seed: 7,
  users: 120,
  tracks: 300,
  artists: 60,
  labels: 6,
  days: 3,
  startMs: START,
  sessions: 450,
};

function run(params: SimulationParams) {
  const gen = createTrafficGenerator(params);
  const builder = createManifestBuilder(gen.world);
  const events: AnySimEvent[] = [];
  for (const e of gen.events()) {
    events.push(e);
    builder.add(e);
  }
  return { gen, events, manifest: builder.build() };
}

const streamHash = (events: AnySimEvent[]) => {
  const h = createHash('sha256');
  for (const e of events) h.update(`${JSON.stringify(e)}\n`);
  return h.digest('hex');
};
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const playbacks = (events: AnySimEvent[]) =>
  events.filter((e) => e.type === 'playback').map((e) => e.event as PlaybackEvent);
const ended = (events: AnySimEvent[]) => playbacks(events).filter((p) => p.phase === 'ENDED');
const inc = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1);

const base = run(SMALL);

describe('traffic simulator: determinism', () => {
  it('given the same seed and parameters, when generated twice, then the stream and the manifest are byte-identical', () => {
    const again = run(SMALL);
    assert.equal(again.events.length, base.events.length);
    assert.equal(streamHash(again.events), streamHash(base.events));
    assert.equal(stableJson(again.manifest, 1), stableJson(base.manifest, 1));
    // events() can be iterated again on the same generator with the same result
    assert.equal(streamHash([...base.gen.events()]), streamHash(base.events));
  });

  it('given another seed, when generated, then the stream, the ids and the manifest differ', () => {
    const other = run({ ...SMALL, seed: 8 });
    assert.notEqual(streamHash(other.events), streamHash(base.events));
    assert.notEqual(stableJson(other.manifest), stableJson(base.manifest));
    const ids = new Set(base.manifest.event_ids);
    assert.equal(other.manifest.event_ids.filter((id) => ids.has(id)).length, 0);
  });

  it('given a seeded PRNG, when drawn, then it repeats for the seed and stays in range', () => {
    const a = createPrng(1);
    const b = createPrng(1);
    const xs = Array.from({ length: 1000 }, () => a.next());
    assert.deepEqual(
      xs,
      Array.from({ length: 1000 }, () => b.next()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notDeepEqual(
      xs.slice(0, 10),
      Array.from({ length: 10 }, () => createPrng(2).next()),
    );
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  });
});

describe('traffic simulator: contract', () => {
  const catalogue = loadEventCatalogue();

  it('given every generated event, when validated like the ingest does, then it is accepted', () => {
    for (const e of base.events) {
      const v = validateEvent(catalogue[e.type], e.event, e.event.received_time);
      assert.ok(v.ok, `${e.type} #${e.seq}: ${JSON.stringify(!v.ok && v.errors)}`);
    }
    assert.deepEqual(Object.keys(base.manifest.counts.by_type).sort(), [
      'follow',
      'playback',
      'revenue-report',
      'skip',
      'track-upload',
    ]);
  });

  it('given the stream, then event ids are unique UUIDv7 carrying the event time and sends are in order', () => {
    assert.equal(new Set(base.events.map((e) => e.event.event_id)).size, base.events.length);
    base.events.forEach((e, i) => {
      assert.equal(e.seq, i);
      assert.equal(uuidv7Time(e.event.event_id), e.event.event_time);
      assert.equal(e.event.received_time, e.sent_at);
      assert.ok(e.sent_at >= e.event.event_time);
      if (i) assert.ok(e.sent_at >= (base.events[i - 1] as AnySimEvent).sent_at);
    });
  });

  it('given the uploads, then rights-holder shares sum to exactly 10000 bps with the label always paid', () => {
    const uploads = base.events
      .filter((e) => e.type === 'track-upload')
      .map((e) => e.event as TrackUploadEvent);
    assert.equal(uploads.length, SMALL.tracks);
    const roles = new Set<string>();
    for (const u of uploads) {
      assert.equal(
        u.rights_holders.reduce((s, r) => s + r.share_bps, 0),
        10_000,
        u.track_id,
      );
      assert.ok(
        u.rights_holders.some((r) => r.role === 'label' && r.rights_holder_id === u.label_id),
      );
      assert.ok(u.duration_ms >= 90_000 && u.duration_ms <= 420_000);
      u.rights_holders.forEach((r) => roles.add(r.role));
    }
    assert.deepEqual([...roles].sort(), ['artist', 'label', 'publisher']);
    assert.equal(new Set(uploads.map((u) => u.isrc)).size, uploads.length);
  });

  it('given each track, then its upload is sent before any playback or skip of it', () => {
    const uploadedAt = new Map<string, number>();
    for (const e of base.events) {
      if (e.type === 'track-upload') uploadedAt.set(e.event.track_id, e.seq);
      if (e.type === 'playback' || e.type === 'skip') {
        const at = uploadedAt.get(e.event.track_id);
        assert.ok(at !== undefined && at < e.seq, `${e.event.track_id} played before its upload`);
      }
    }
    assert.ok(
      base.events.some((e) => e.type === 'track-upload' && e.delivery === 'online'),
      'new releases',
    );
  });

  it('given each playback, then STARTED comes first, ENDED last with the end reason, and skips end in SKIP_*', () => {
    const byId = new Map<string, PlaybackEvent[]>();
    for (const p of playbacks(base.events))
      byId.set(p.playback_id, [...(byId.get(p.playback_id) ?? []), p]);
    const skips = new Map(
      base.events
        .filter((e) => e.type === 'skip')
        .map((e) => [(e.event as SkipEvent).playback_id, e.event as SkipEvent]),
    );
    for (const [id, steps] of byId) {
      assert.equal(steps[0]?.phase, 'STARTED', id);
      assert.equal(steps.at(-1)?.phase, 'ENDED', id);
      assert.equal(steps.filter((s) => s.phase === 'ENDED').length, 1);
      assert.ok(steps.filter((s) => s.phase === 'PROGRESS').length <= SMALL.maxHeartbeats);
      const end = steps.at(-1) as PlaybackEvent;
      const skip = skips.get(id);
      assert.equal(
        Boolean(skip),
        end.end_reason === 'SKIP_FORWARD' || end.end_reason === 'SKIP_BACKWARD',
        id,
      );
      if (skip) assert.equal(skip.position_ms, end.ms_played);
    }
    assert.equal(skips.size, base.manifest.counts.by_type.skip);
  });

  it('given follows, then nobody follows themselves and every unfollow undoes an earlier follow', () => {
    const state = new Set<string>();
    for (const e of base.events) {
      if (e.type !== 'follow') continue;
      const f = e.event as FollowEvent;
      assert.notEqual(f.target_id, f.user_id);
      const key = `${f.user_id}|${f.target_type}|${f.target_id}`;
      if (f.action === 'UNFOLLOW') assert.ok(state.delete(key), `unfollow without follow: ${key}`);
      else state.add(key);
    }
    const kinds = new Set(
      base.events
        .filter((e) => e.type === 'follow')
        .map((e) => `${(e.event as FollowEvent).action}:${(e.event as FollowEvent).target_type}`),
    );
    assert.deepEqual([...kinds].sort(), [
      'FOLLOW:ARTIST',
      'FOLLOW:USER',
      'UNFOLLOW:ARTIST',
      'UNFOLLOW:USER',
    ]);
  });
});

describe('traffic simulator: planted structure', () => {
  it('given Zipf popularity (s=1.1), then the top 10% of tracks get well over a uniform share of plays', () => {
    const plays: Record<string, number> = {};
    for (const p of playbacks(base.events)) if (p.phase === 'STARTED') inc(plays, p.track_id);
    const total = Object.values(plays).reduce((s, n) => s + n, 0);
    const ranks = base.manifest.popularity_ranks;
    const top = Object.keys(ranks).filter((t) => (ranks[t] as number) <= SMALL.tracks / 10);
    const share = top.reduce((s, t) => s + (plays[t] ?? 0), 0) / total;
    assert.ok(share > 0.4, `top 10% share ${share.toFixed(3)} (uniform would be 0.1)`);
  });

  for (const affinity of [0.8, 0.5]) {
    it(`given affinity ${affinity}, then users draw about that share of their plays from their own cluster`, () => {
      const r = affinity === SMALL.affinity ? base : run({ ...SMALL, affinity });
      const clusterOf = new Map<string, number>();
      r.manifest.clusters.tracks.forEach((ts, k) => ts.forEach((t) => clusterOf.set(t, k)));
      const starts = playbacks(r.events).filter((p) => p.phase === 'STARTED');
      const own = starts.filter(
        (p) => clusterOf.get(p.track_id) === r.manifest.clusters.users[p.user_id],
      );
      const share = own.length / starts.length;
      assert.ok(Math.abs(share - affinity) < 0.03, `in-cluster share ${share.toFixed(3)}`);
      assert.equal(r.manifest.clusters.tracks.flat().length, SMALL.tracks);
      assert.equal(Object.keys(r.manifest.clusters.users).length, SMALL.users);
    });
  }

  it('given partial listens, then the 30 s line is hit below, exactly at 30000 and above', () => {
    const ms = ended(base.events).map((p) => p.ms_played);
    assert.ok(ms.filter((m) => m >= 25_000 && m < 30_000).length >= 10);
    assert.ok(ms.filter((m) => m === 30_000).length >= 5);
    assert.ok(ms.filter((m) => m > 30_000 && m <= 35_000).length >= 10);
    assert.equal(base.manifest.threshold.exactly_30000, ms.filter((m) => m === 30_000).length);
  });

  it('given late and offline playbacks, then they are sent after events with later event times', () => {
    const late = base.events.filter((e) => e.delivery === 'late');
    const offline = base.events.filter((e) => e.delivery === 'offline');
    assert.ok(
      late.length > 20 && offline.length > 20,
      `late ${late.length}, offline ${offline.length}`,
    );
    for (const e of offline) {
      if (e.type === 'playback') assert.equal(e.event.offline, true);
      assert.ok(day(e.event.event_time) < day(e.sent_at), 'offline events are sent on a later day');
    }
    for (const e of late) assert.ok(e.sent_at - e.event.event_time >= 2 * 3_600_000);
    // out of send order: some earlier-sent event has a later event time
    let maxSeen = 0;
    let overtaken = 0;
    for (const e of base.events) {
      if (e.type === 'playback' && e.event.event_time < maxSeen - 3_600_000) overtaken++;
      if (e.type === 'playback') maxSeen = Math.max(maxSeen, e.event.event_time);
    }
    assert.ok(overtaken > 20, `${overtaken} playback events arrive after later ones`);
    assert.ok(
      late.some((e) => day(e.event.event_time) !== day(e.sent_at)),
      'some late events cross midnight',
    );
  });
});

describe('traffic simulator: ground-truth manifest', () => {
  const m: GroundTruthManifest = base.manifest;

  it('given the events, when qualified streams are recounted, then they equal the manifest', () => {
    const byTrack: Record<string, number> = {};
    const byTrackDay: Record<string, Record<string, number>> = {};
    const byTrackMarket: Record<string, Record<string, number>> = {};
    const byArtist: Record<string, number> = {};
    const mainArtist = new Map(
      base.events
        .filter((e) => e.type === 'track-upload')
        .map((e) => [
          (e.event as TrackUploadEvent).track_id,
          (e.event as TrackUploadEvent).artists[0]?.artist_id as string,
        ]),
    );
    for (const p of ended(base.events)) {
      if (p.ms_played < 30_000) continue;
      inc(byTrack, p.track_id);
      inc((byTrackDay[p.track_id] ??= {}), day(p.event_time));
      inc((byTrackMarket[p.track_id] ??= {}), p.market);
      inc(byArtist, mainArtist.get(p.track_id) as string);
    }
    assert.deepEqual(m.qualified_streams.by_track, byTrack);
    assert.deepEqual(m.qualified_streams.by_track_day, byTrackDay);
    assert.deepEqual(m.qualified_streams.by_track_market, byTrackMarket);
    assert.deepEqual(m.qualified_streams.by_artist, byArtist);
    assert.equal(
      m.qualified_streams.total,
      Object.values(byTrack).reduce((s, n) => s + n, 0),
    );
    assert.ok(m.qualified_streams.total > 100);
  });

  it('given the events, then skips, listening totals, follow sets, ids and counts match the manifest', () => {
    const skips: Record<string, number> = {};
    for (const e of base.events) if (e.type === 'skip') inc(skips, e.event.track_id);
    assert.deepEqual(m.skips_by_track, skips);
    let ms = 0;
    let qualified = 0;
    for (const p of ended(base.events)) {
      ms += p.ms_played;
      if (p.ms_played >= 30_000) qualified++;
    }
    const users = Object.values(m.users);
    assert.equal(
      users.reduce((s, u) => s + u.ms_played, 0),
      ms,
    );
    assert.equal(
      users.reduce((s, u) => s + u.qualified_streams, 0),
      qualified,
    );
    const follows = new Map<string, Set<string>>();
    for (const e of base.events) {
      if (e.type !== 'follow') continue;
      const set = follows.get(e.event.user_id) ?? new Set();
      follows.set(e.event.user_id, set);
      if (e.event.action === 'FOLLOW') set.add(e.event.target_id);
      else set.delete(e.event.target_id);
    }
    for (const [user, set] of follows) {
      const f = m.follows[user];
      assert.deepEqual([...(f?.artists ?? []), ...(f?.users ?? [])].sort(), [...set].sort(), user);
    }
    assert.deepEqual(m.event_ids, base.events.map((e) => e.event.event_id).sort());
    assert.equal(m.counts.total, base.events.length);
    assert.equal(base.gen.world.totalEvents, base.events.length);
  });

  it('given a period across a month end, then one revenue pool per market with listeners and month', () => {
    const r = run({ ...SMALL, startMs: Date.UTC(2026, 9, 30), days: 3, sessions: 50 });
    const markets = new Set(r.gen.world.users.map((u) => u.market));
    assert.equal(r.manifest.revenue_pools.length, markets.size * 2);
    for (const p of r.manifest.revenue_pools) {
      assert.ok(['2026-10', '2026-11'].includes(p.period));
      assert.ok(Number.isInteger(p.pool_minor) && p.pool_minor > 0);
      assert.equal(p.minor_unit, p.currency === 'JPY' ? 0 : 2);
      const premium = r.gen.world.users.filter(
        (u) => u.market === p.market && u.product === 'PREMIUM',
      );
      assert.equal(p.premium_listeners, premium.length);
    }
  });

  it('given --events N, then generation stops at the first session that reaches N events', () => {
    const r = run({ ...SMALL, targetEvents: 5_000 });
    assert.ok(r.events.length >= 5_000 && r.events.length < 5_400, `${r.events.length}`);
  });
});

describe('traffic simulator: flags', () => {
  const problems = (argv: string[]) => {
    try {
      parseArgs(argv);
    } catch (err) {
      assert.ok(err instanceof UsageError);
      return err.problems;
    }
    return assert.fail('expected a usage error');
  };

  it('given no flags, then the defaults apply', () => {
    const o = parseArgs([]);
    assert.equal(o.params.seed, 42);
    assert.equal(o.params.startMs, START);
    assert.equal(o.params.sessions, (DEFAULT_PARAMS.users * DEFAULT_PARAMS.days) / 2);
    assert.equal(o.transport, 'kafka');
    assert.equal(o.rate, 0);
    assert.equal(o.dryRun, false);
  });

  it('given bad flags, then each problem names its flag', () => {
    assert.match(problems(['--users', 'abc'])[0] as string, /^--users must be a number/);
    assert.match(problems(['--days=0'])[0] as string, /^--days must be between 1 and 366/);
    assert.match(problems(['--bogus'])[0] as string, /unknown flag --bogus/);
    assert.match(problems(['--rate', '-1'])[0] as string, /^--rate must be between 0/);
    assert.match(problems(['--start', '2026-02-30'])[0] as string, /^--start must be a date/);
    assert.match(problems(['--transport', 'http'])[0] as string, /--gateway-url is required/);
    assert.match(
      problems(['--api-key', 'k'])[0] as string,
      /--api-key is only used with --transport http/,
    );
    assert.match(problems(['--seed', '1', '--seed', '2'])[0] as string, /--seed is given twice/);
    assert.equal(problems(['--users', 'x', '--tracks', 'y']).length, 2);
  });

  it('given a period that ends over a day from now, then sending is refused naming --start', () => {
    const { params } = parseArgs(['--start', '2026-11-20', '--days', '7']);
    assert.throws(() => checkNotInFuture(params, START + 10 * DAY_MS), /--start 2026-11-20/);
    assert.doesNotThrow(() => checkNotInFuture(params, START + 30 * DAY_MS));
  });
});

describe('traffic simulator: sending through the SDK', () => {
  it('given an in-memory transport, when the stream is sent, then it arrives with the generated ids, in order per device', async () => {
    const received: OutgoingEvent[] = [];
    let sends = 0;
    const transport: Transport = {
      async send(batch) {
        sends++;
        if (sends === 3) throw Object.assign(new Error('broker away'), { retriable: true });
        await new Promise((r) => setTimeout(r, 1));
        received.push(...batch);
        return batch.map((e): DeliveryResult => ({
          status: 'accepted',
          event_id: e.event.event_id,
        }));
      },
      close: async () => undefined,
    };
    const small = run({ ...SMALL, sessions: 120 });
    const sender = createTrafficSender(
      { seed: 1, rate: 0, maxPending: 2_000, maxCombined: 700 },
      { transport, createClient: createBackbeatClient },
    );
    const stats = await sender.send(small.gen.events());
    assert.equal(stats.accepted, small.events.length);
    assert.equal(stats.rejected + stats.dropped + stats.unpinned, 0);
    assert.ok(stats.retries >= 1, 'the failed send was retried');
    assert.deepEqual(received.map((e) => e.event.event_id).sort(), small.manifest.event_ids);
    const sentAt = new Map(small.events.map((e) => [e.event.event_id, e]));
    for (const e of received)
      assert.equal(e.event.received_time, sentAt.get(e.event.event_id)?.sent_at);
    // per device, arrival order is the stream's order; uploads arrive before plays of the track
    const lastSeq = new Map<string, number>();
    const uploaded = new Set<string>();
    for (const e of received) {
      const sim = sentAt.get(e.event.event_id) as AnySimEvent;
      if (sim.type === 'track-upload') uploaded.add(sim.event.track_id);
      if (sim.type === 'playback') assert.ok(uploaded.has(sim.event.track_id));
      if (!('device_id' in sim.event)) continue;
      const prev = lastSeq.get(sim.event.device_id) ?? -1;
      assert.ok(sim.seq > prev, `device ${sim.event.device_id} out of order`);
      lastSeq.set(sim.event.device_id, sim.seq);
    }
  });

  it('given --rate, when sent, then emission is paced at that fixed rate', async () => {
    const transport: Transport = {
      send: async (batch) => batch.map((e) => ({ status: 'accepted', event_id: e.event.event_id })),
      close: async () => undefined,
    };
    const tiny = run({ ...SMALL, tracks: 100, users: 20, sessions: 5 });
    const rate = 2_000;
    const t0 = performance.now();
    const stats = await createTrafficSender({ seed: 1, rate }, { transport }).send(
      tiny.gen.events(),
    );
    const elapsed = performance.now() - t0;
    const expected = ((tiny.events.length - 1) / rate) * 1000;
    assert.equal(stats.accepted, tiny.events.length);
    assert.ok(
      elapsed >= expected - 10,
      `${elapsed.toFixed(0)} ms for ${tiny.events.length} events`,
    );
    assert.ok(elapsed < expected * 2 + 500, `${elapsed.toFixed(0)} ms is far slower than the rate`);
  });
});
