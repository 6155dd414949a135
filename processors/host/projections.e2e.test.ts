/**
 * The projection core against the real stack, copied from Kafka's own exactness tests: seed a
 * workload of 200k+ unique events (late and offline ones included), add duplicated and
 * undecodable messages, run two processor instances in one group over 6 partitions, SIGKILL
 * one mid-run (the survivor must own its partitions within 10 s: the failover time is printed),
 * stop Redis for 10 s mid-run, then require every projection to equal the
 * simulator's ground truth exactly and the bad messages to sit in the dead-letter topic with
 * their reasons. Finally rebuild every projection and require equal dumps.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { createSupervisor } from '../../common/process/process-supervisor.js';
import { redisService } from '../../infra/redis/redis.service.js';
import type { GroundTruthManifest } from '../../producers/simulator/ground-truth.manifest.js';
import { currentGeneration, redisNamespace } from '../../sinks/redis/redis-generation.js';
import { eventually } from '../../test/helpers/kafka.helper.js';
import { partitionAssignments, takenOverAt } from '../../test/helpers/processor-log.helper.js';
import {
  dumpRedisNamespace,
  projectionProgress,
  runSimulator,
  spawnProcessors,
  spawnTs,
  startPrivateStack,
  type PrivateStack,
} from '../../test/helpers/platform.helper.js';
import { createCatalogueReader } from '../../read-models/catalogue/catalogue.reader.js';
import { createPlayCountsReader } from '../../read-models/play-counts/play-counts.reader.js';
import { createUserStateReader } from '../../read-models/user-state/user-state.reader.js';
import { PROJECTION_NAMES } from './projection-registry.js';
import { createLogger } from '../../common/logging/logger.js';
import { createRoyaltyStatementsReader } from '../../read-models/royalties/royalty-statements.reader.js';
import { DEFAULT_POLICY } from '../royalty-statements/royalty-policy.js';
import { closeStatements } from '../royalty-statements/statement-close.service.js';
import { computeStatement } from '../royalty-statements/statement.compute.js';
import { DLQ_TOPIC } from '../../schemas/catalogue/event-topics.js';
import { createTrafficGenerator } from '../../producers/simulator/traffic.generator.js';
import { evolveSession, type SessionWindow } from '../co-listening/co-listening.session.js';
import { refreshNeighbours } from '../co-listening/neighbours-refresh.service.js';
import { recsKeys, type SimilarList } from '../../read-models/co-listening/co-listening.keys.js';

const EVENTS = Number(process.env.BACKBEAT_EXACTNESS_EVENTS ?? 200_000);
const DUPLICATES = 1000;
const GARBAGE = 25;

let s: PrivateStack;
let manifest: GroundTruthManifest;
const procs: ReturnType<typeof spawnProcessors>[] = [];
let allCaughtUp = false;
const quietLogger = createLogger({ level: 'warn' }, 'e2e');

before(async () => {
  s = await startPrivateStack(30_000, {
    KAFKA_DEFAULT_PARTITIONS: '6',
    PROCESSOR_MAX_BATCH: '2000',
  });
});
after(async () => {
  await Promise.all(
    procs
      .filter((p) => p.exitCode === null && p.signalCode === null)
      .map((p) => new Promise((done) => p.once('exit', done).kill('SIGKILL'))),
  );
  await s?.down();
});

const progress = () =>
  projectionProgress(s.config, { redis: s.redis, clickhouse: s.clickhouse }, PROJECTION_NAMES);
const overall = async () =>
  Object.values(await progress()).reduce(
    (a, p) => ({ done: a.done + p.done, total: a.total + p.total }),
    { done: 0, total: 0 },
  );

describe(
  `projections are exact under faults (${EVENTS} events, 2 instances, kill -9, Redis outage)`,
  { timeout: 900_000 },
  () => {
    it('seeds the workload: simulator events, duplicates and undecodable messages', async () => {
      const manifestPath = path.join(s.dataDir, 'manifest.json');
      const summary = await runSimulator(s.env, [
        '--seed',
        '2026',
        '--events',
        String(EVENTS),
        '--users',
        '2000',
        '--tracks',
        '3000',
        '--artists',
        '400',
        '--labels',
        '20',
        '--days',
        '14',
        '--manifest',
        manifestPath,
      ]);
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      assert.equal(summary.accepted, manifest.counts.total);
      assert.ok(manifest.counts.total >= EVENTS);
      assert.ok(
        (manifest.counts.by_delivery.late ?? 0) > 0 &&
          (manifest.counts.by_delivery.offline ?? 0) > 0,
        JSON.stringify(manifest.counts.by_delivery),
      );

      // Re-send some messages byte for byte (a client retry after a lost ack), and garbage.
      const kafka = new Kafka({
        clientId: 'test-faults',
        brokers: s.config.kafka.brokers,
        logLevel: logLevel.NOTHING,
      });
      const consumer = kafka.consumer({ groupId: 'test-dup-reader' });
      await consumer.connect();
      await consumer.subscribe({
        topics: ['backbeat.playback', 'backbeat.follow', 'backbeat.skip'],
        fromBeginning: true,
      });
      const copies: { topic: string; key: Buffer | null; value: Buffer | null }[] = [];
      await consumer.run({
        eachMessage: async ({ topic, message }) =>
          void (
            copies.length < DUPLICATES &&
            copies.push({ topic, key: message.key, value: message.value })
          ),
      });
      await eventually(() => copies.length >= DUPLICATES, 60_000, 'messages to duplicate');
      await consumer.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      for (const c of copies)
        await producer.send({ topic: c.topic, messages: [{ key: c.key, value: c.value }] });
      const garbage = Array.from({ length: GARBAGE }, (_, i) => ({
        key: `user-garbage-${i}`,
        value:
          i % 3 === 0
            ? Buffer.from('not avro at all')
            : i % 3 === 1
              ? Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2, 3])
              : Buffer.from([0, 0, 0, 0, 1, 0xff, 0xff, 0xff]),
      }));
      await producer.send({ topic: 'backbeat.playback', messages: garbage });
      await producer.disconnect();
    });

    it('two instances share the group; one is SIGKILLed mid-run and Redis is down for 10 s', async (t) => {
      t.after(() => {
        if (procs[0]?.exitCode !== null || !allCaughtUp)
          console.error(
            `instance a:\n${procs[0]?.output().slice(-4000)}\ninstance b:\n${procs[1]?.output().slice(-2000)}`,
          );
      });
      // Info logs: the failover is timed from their "partitions assigned" lines.
      const infoEnv = { ...s.env, LOG_LEVEL: 'info' };
      procs.push(spawnProcessors(infoEnv, 'a', 30_465), spawnProcessors(infoEnv, 'b', 30_466));
      await eventually(
        async () => (await overall()).done > (await overall()).total * 0.3,
        300_000,
        '30% applied',
      );
      const killed = procs[1]!;
      await eventually(
        () => partitionAssignments(killed.output()).some((a) => a.assigned.length > 0),
        60_000,
        'instance b to own partitions',
      );
      const gone = new Promise((done) => killed.once('exit', (_code, signal) => done(signal)));
      const killedAt = Date.now();
      killed.kill('SIGKILL');
      assert.equal(await gone, 'SIGKILL', 'instance b died of SIGKILL, mid-batch');
      let failoverMs = NaN;
      await eventually(
        () => {
          const at = takenOverAt(killed.output(), procs[0]!.output(), killedAt);
          if (at !== undefined) failoverMs = at - killedAt;
          return at !== undefined;
        },
        60_000,
        'the survivor owning every partition of the killed instance',
      );
      console.log(
        `failover: instance a owned every partition of SIGKILLed b ${failoverMs} ms after the kill`,
      );
      assert.ok(failoverMs < 10_000, `failover took ${failoverMs} ms (want < 10 s)`);
      await eventually(
        async () => (await overall()).done > (await overall()).total * 0.6,
        300_000,
        '60% applied',
      );
      const supervisor = createSupervisor({ dataDir: s.config.stack.dataDir });
      const redisSpec = redisService(s.config);
      await supervisor.stop(redisSpec);
      await sleep(10_000);
      await supervisor.start(redisSpec);
      await eventually(
        async () => {
          const p = await overall();
          allCaughtUp = p.done >= p.total;
          return allCaughtUp;
        },
        600_000,
        'every projection caught up',
      );
      assert.equal(procs[0]!.exitCode, null, `instance a died: ${procs[0]!.output().slice(-3000)}`);
    });

    it('play counts equal the manifest: per track in total, per day of event time and per market; skips too', async () => {
      const reader = createPlayCountsReader({ redis: s.redis });
      const tracks = Object.keys(manifest.popularity_ranks);
      const totals = await reader.totals(tracks);
      for (const t of tracks) {
        assert.equal(
          totals.get(t)?.streams ?? 0,
          manifest.qualified_streams.by_track[t] ?? 0,
          `streams of ${t}`,
        );
        assert.equal(totals.get(t)?.skips ?? 0, manifest.skips_by_track[t] ?? 0, `skips of ${t}`);
      }
      for (const [t, days] of Object.entries(manifest.qualified_streams.by_track_day).slice(
        0,
        300,
      )) {
        const ds = Object.keys(days).sort();
        const series = await reader.trackDaily(t, { from: ds[0]!, to: ds[ds.length - 1]! });
        for (const d of series) assert.equal(d.streams, days[d.day] ?? 0, `${t} on ${d.day}`);
      }
      for (const [t, markets] of Object.entries(manifest.qualified_streams.by_track_market).slice(
        0,
        300,
      )) {
        const got = Object.fromEntries(
          (await reader.trackMarkets(t))
            .filter((m) => m.streams > 0)
            .map((m) => [m.market, m.streams]),
        );
        assert.deepEqual(got, markets, `markets of ${t}`);
      }
    });

    it('user state equals the manifest: listening totals and follow sets', async () => {
      const reader = createUserStateReader({ redis: s.redis });
      for (const [user, want] of Object.entries(manifest.users)) {
        const got = await reader.totals(user);
        assert.equal(got.qualified_streams, want.qualified_streams, `qualified streams of ${user}`);
        assert.equal(got.ms_played, want.ms_played, `ms played of ${user}`);
      }
      for (const [user, want] of Object.entries(manifest.follows)) {
        const artists = await reader.following(user, 'artist', { limit: 100 });
        const users = await reader.following(user, 'user', { limit: 100 });
        assert.deepEqual(
          artists.items.map((f) => f.id).sort(),
          want.artists,
          `artists ${user} follows`,
        );
        assert.deepEqual(users.items.map((f) => f.id).sort(), want.users, `users ${user} follows`);
      }
    });

    it('the catalogue has every track, and the raw archive every event once', async () => {
      const catalogue = createCatalogueReader({ redis: s.redis });
      const tracks = Object.keys(manifest.popularity_ranks);
      const found = await catalogue.tracks(tracks);
      assert.equal([...found.values()].filter(Boolean).length, tracks.length);

      const ch = s.clickhouse.client;
      const rs = await ch.query({
        query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM events FINAL',
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ n: string; u: string }>();
      assert.equal(Number(row!.n), manifest.counts.total);
      assert.equal(Number(row!.u), manifest.counts.total);
      const q = await ch.query({
        query: 'SELECT track_id, countIf(qualified) AS s FROM plays GROUP BY track_id HAVING s > 0',
        format: 'JSONEachRow',
      });
      const fromCh = Object.fromEntries(
        (await q.json<{ track_id: string; s: string }>()).map((r) => [r.track_id, Number(r.s)]),
      );
      assert.deepEqual(fromCh, manifest.qualified_streams.by_track);
    });

    it('the royalty ledger has every qualified stream once, paid by label as the manifest says, and every pool', async () => {
      const ch = s.clickhouse.client;
      const rows = async <T>(query: string) =>
        (await (await ch.query({ query, format: 'JSONEachRow' })).json()) as T[];
      const byTrack = Object.fromEntries(
        (
          await rows<{ track_id: string; n: string }>(
            'SELECT track_id, count() AS n FROM royalty_streams GROUP BY track_id',
          )
        ).map((r) => [r.track_id, Number(r.n)]),
      );
      assert.deepEqual(byTrack, manifest.qualified_streams.by_track);
      // Every track has an upload by now, so no stream is in suspense, and each stream is paid
      // to its track's label once (holders of one stream share one label).
      const byLabel = Object.fromEntries(
        (
          await rows<{ label_id: string; n: string }>(
            'SELECT label_id, uniqExact(event_id) AS n FROM royalty_ledger GROUP BY label_id',
          )
        ).map((r) => [r.label_id, Number(r.n)]),
      );
      assert.deepEqual(byLabel, manifest.qualified_streams.by_label);
      const [bps] = await rows<{ bad: string }>(
        'SELECT countIf(s != 10000) AS bad FROM (SELECT event_id, sum(share_bps) AS s FROM royalty_ledger GROUP BY event_id)',
      );
      assert.equal(Number(bps!.bad), 0, "every stream's lines carry 10000 bps");
      const pools = await rows<{ report_id: string; pool_minor: string }>(
        'SELECT report_id, pool_minor FROM royalty_pools WHERE in_force ORDER BY report_id',
      );
      assert.deepEqual(
        pools.map((p) => [p.report_id, Number(p.pool_minor)]),
        manifest.revenue_pools
          .map((p) => [p.report_id, p.pool_minor] as [string, number])
          .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      );
    });

    it('every statement closed from the ledger equals the one computed from the manifest, per line and in both models, and sums to its pool', async () => {
      const clickhouse = s.clickhouse.client;
      const logger = createLogger({ level: 'silent' as never }, 'e2e');
      const periods = [...new Set(manifest.revenue_pools.map((p) => p.period))].sort();
      const reader = createRoyaltyStatementsReader({ clickhouse });
      let checked = 0;
      for (const period of periods) {
        const results = await closeStatements(
          { period, closedBy: 'e2e' },
          { clickhouse, redis: s.redis, logger },
        );
        for (const r of results) {
          assert.equal(r.status, 'issued', JSON.stringify(r));
          if (r.status !== 'issued') continue;
          const pool = manifest.revenue_pools
            .filter((p) => p.market === r.market && p.period === period)
            .sort((a, b) => (a.report_id < b.report_id ? 1 : -1))[0]!;
          const uploadOf = new Map(
            Object.values(manifest.royalty.uploads)
              .flat()
              .map((u) => [u.upload_id, u]),
          );
          const expected = computeStatement({
            pool,
            policy: DEFAULT_POLICY,
            streams: (manifest.royalty.streams[`${r.market}|${period}`] ?? []).map((row) => {
              const u = uploadOf.get(row.split_version);
              return {
                ...row,
                product: row.product as 'FREE' | 'PREMIUM',
                isrc: u?.isrc ?? '',
                label_id: u?.label_id ?? '',
                holders: u?.holders ?? [],
              };
            }),
          });
          const got = (await reader.lines(r.statement_id)).map((l) => [
            l.label_id,
            l.rights_holder_id,
            l.track_id,
            Number(l.streams),
            l.streamshare_minor,
            l.user_centric_minor,
          ]);
          assert.deepEqual(
            got,
            expected.lines.map((l) => [
              l.label_id,
              l.rights_holder_id,
              l.track_id,
              l.streams,
              l.streamshare_minor.toString(),
              l.user_centric_minor.toString(),
            ]),
            `${r.statement_id} equals the manifest's statement`,
          );
          const sum = (i: 4 | 5) => got.reduce((a, l) => a + BigInt(l[i] as string), 0n);
          assert.equal(
            sum(4),
            BigInt(pool.pool_minor),
            `${r.statement_id} streamshare sums to the pool`,
          );
          assert.equal(
            sum(5),
            BigInt(pool.pool_minor),
            `${r.statement_id} user-centric sums to the pool`,
          );
          checked++;
        }
      }
      assert.ok(checked >= 2, `statements checked: ${checked}`);
    });

    it('co-listening counts equal the simulator stream folded by the session rule, per device', async () => {
      const expected = expectedCoListening(manifest);
      const rows = async <T>(query: string) =>
        (await (await s.clickhouse.client.query({ query, format: 'JSONEachRow' })).json()) as T[];
      const [sessions] = await rows<{ n: string }>(
        'SELECT toString(sum(sessions)) AS n FROM co_listening_month_sessions',
      );
      assert.equal(Number(sessions!.n), expected.sessions, 'listener-sessions');
      const tracks = await rows<{ track_id: string; n: string }>(
        'SELECT track_id, toString(sum(sessions)) AS n FROM co_listening_track_sessions GROUP BY track_id',
      );
      assert.deepEqual(
        Object.fromEntries(tracks.map((r) => [r.track_id, Number(r.n)])),
        expected.trackSessions,
        'sessions per track',
      );
      const pairs = await rows<{ k: string; n: string }>(
        "SELECT concat(track_a, '|', track_b) AS k, toString(sum(sessions)) AS n FROM co_listening GROUP BY k",
      );
      const got = Object.fromEntries(pairs.map((r) => [r.k, Number(r.n)]));
      assert.equal(pairs.length, Object.keys(expected.pairs).length, 'distinct pairs');
      assert.deepEqual(got, expected.pairs, 'sessions per pair');
      console.log(
        `co-listening: ${expected.sessions} sessions, ${pairs.length} pairs, ${Object.values(expected.pairs).reduce((a, n) => a + n, 0)} pair counts, all equal`,
      );
    });

    it("the neighbour lists recover the planted taste clusters: most of a track's top neighbours are from its own cluster", async () => {
      const result = await refreshNeighbours(
        { ...s.config.recs, full: true },
        { clickhouse: s.clickhouse.client, redis: s.redis, logger: quietLogger },
      );
      assert.ok(result.written > 0, JSON.stringify(result));
      const clusterOf = new Map<string, number>();
      manifest.clusters.tracks.forEach((ts, c) => ts.forEach((t) => clusterOf.set(t, c)));
      const tracks = [...clusterOf.keys()];
      const lists = await s.redis.mget(...tracks.map((t) => recsKeys.similar(t)));
      let listed = 0;
      let own = 0;
      let neighbours = 0;
      tracks.forEach((t, i) => {
        if (!lists[i]) return;
        const top = (JSON.parse(lists[i]!) as SimilarList).neighbours.slice(0, 10);
        if (!top.length) return;
        listed++;
        neighbours += top.length;
        own += top.filter((n) => clusterOf.get(n.track_id) === clusterOf.get(t)).length;
      });
      const share = own / neighbours;
      const chance = 1 / manifest.clusters.count;
      console.log(
        `clusters: ${listed} of ${tracks.length} tracks have neighbours; ${(share * 100).toFixed(1)}% of their top-10 neighbours are from their own cluster (chance ${(chance * 100).toFixed(1)}%, ${manifest.clusters.count} clusters, affinity ${manifest.clusters.affinity})`,
      );
      assert.ok(listed >= tracks.length * 0.5, `only ${listed} tracks have neighbours`);
      assert.ok(share >= 0.6, `only ${(share * 100).toFixed(1)}% of neighbours in-cluster`);
    });

    it('the undecodable messages are in the dead-letter topic with their reasons, and nothing else is', async () => {
      const kafka = new Kafka({
        clientId: 'test-dlq',
        brokers: s.config.kafka.brokers,
        logLevel: logLevel.NOTHING,
      });
      const consumer = kafka.consumer({ groupId: `test-dlq-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic: DLQ_TOPIC, fromBeginning: true });
      const letters: Record<string, string>[] = [];
      await consumer.run({
        eachMessage: async ({ message }) =>
          void letters.push(
            Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
            ),
          ),
      });
      // user-state, play-counts, raw-archive, royalty-ledger and co-listening read the playback
      // topic: each dead-letters each message once.
      await eventually(() => letters.length >= GARBAGE * 5, 30_000, 'dead letters');
      await sleep(2000);
      await consumer.disconnect();
      const keyOf = (l: Record<string, string>) =>
        `${l['x-dlq-processor']}:${l['x-dlq-source-partition']}:${l['x-dlq-source-offset']}`;
      const unique = new Map(letters.map((l) => [keyOf(l), l]));
      assert.equal(unique.size, GARBAGE * 5, 'one dead letter per processor and bad message');
      assert.deepEqual([...new Set([...unique.values()].map((l) => l['x-dlq-processor']))].sort(), [
        'co-listening',
        'play-counts',
        'raw-archive',
        'royalty-ledger',
        'user-state',
      ]);
      for (const l of unique.values()) {
        assert.equal(l['x-dlq-source-topic'], 'backbeat.playback');
        assert.match(l['x-dlq-reason']!, /magic byte|schema|cannot decode/);
      }
    });

    it('a rebuild of every projection equals the live state, and readers follow the swap', async () => {
      const before: Record<string, unknown> = {};
      for (const name of ['user-state', 'play-counts', 'catalogue', 'co-listening'] as const)
        before[name] = await dumpRedisNamespace(
          s.redis,
          redisNamespace(name, await currentGeneration(s.redis, name)).data,
        );
      const chDump = async () => {
        const rs = await s.clickhouse.client.query({
          query:
            'SELECT * EXCEPT (inserted_at, topic, partition, offset) FROM events FINAL ORDER BY event_id',
          format: 'JSONEachRow',
        });
        return rs.text();
      };
      const chBefore = await chDump();
      const ledgerDump = async () => {
        const rs = await s.clickhouse.client.query({
          query:
            'SELECT * EXCEPT (inserted_at, topic, partition, offset) FROM royalty_facts FINAL ORDER BY kind, event_id',
          format: 'JSONEachRow',
        });
        return rs.text();
      };
      const ledgerBefore = await ledgerDump();
      const coBefore = await coListeningDump();
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawnTs('processors/rebuild/rebuild.cli.ts', ['all', '--quiet'], {
          env: s.env,
        });
        let o = '';
        child.stdout.on('data', (d) => (o += d));
        child.stderr.on('data', (d) => (o += d));
        child.on('exit', (code) =>
          code === 0 ? resolve(o) : reject(new Error(`rebuild exited ${code}: ${o.slice(-3000)}`)),
        );
      });
      assert.equal(out.match(/"rebuilt"/g)?.length, PROJECTION_NAMES.length, out);
      for (const name of ['user-state', 'play-counts', 'catalogue', 'co-listening'] as const) {
        assert.equal(await currentGeneration(s.redis, name), 2, `${name} swapped to generation 2`);
        assert.deepEqual(
          await dumpRedisNamespace(s.redis, redisNamespace(name, 2).data),
          before[name],
          `${name} rebuilt equals live`,
        );
      }
      assert.equal(await chDump(), chBefore, 'raw archive rebuilt equals live');
      assert.equal(await ledgerDump(), ledgerBefore, 'royalty ledger rebuilt equals live');
      assert.equal(
        await coListeningDump(),
        coBefore,
        'co-listening counts after the rebuild equal live',
      );
      // The live instance moved to the new generation and keeps applying new events.
      await eventually(
        async () => (await overall()).done >= (await overall()).total,
        60_000,
        'caught up after the swap',
      );
    });
  },
);

/** The co-listening tables' contents, for the rebuild comparison. */
async function coListeningDump(): Promise<string> {
  const rs = await s.clickhouse.client.query({
    query:
      'SELECT month, track_a, track_b, sessions FROM co_listening ORDER BY month, track_a, track_b',
    format: 'JSONEachRow',
  });
  return rs.text();
}

/**
 * What the co-listening tables must hold: the simulator's stream regenerated from the
 * manifest's parameters (the same events it sent), folded per listener and device in stream
 * order (the SDK keeps each device's events in order) with the production session rule.
 */
function expectedCoListening(m: GroundTruthManifest) {
  const windows = new Map<string, SessionWindow | undefined>();
  const pairs: Record<string, number> = {};
  const trackSessions: Record<string, number> = {};
  let sessions = 0;
  for (const e of createTrafficGenerator(m.params).events()) {
    if (e.type !== 'playback') continue;
    const key = `${e.event.user_id}\u0000${e.event.device_id}`;
    const step = evolveSession(windows.get(key), e.event);
    if ('reason' in step || !step.qualified) continue;
    windows.set(key, step.window);
    for (const p of step.pairs) pairs[`${p.a}|${p.b}`] = (pairs[`${p.a}|${p.b}`] ?? 0) + 1;
    for (const t of step.tracksSeen) trackSessions[t] = (trackSessions[t] ?? 0) + 1;
    if (step.sessionOpened) sessions++;
  }
  return { pairs, trackSessions, sessions };
}
