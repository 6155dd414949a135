import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import type { Logger } from '../../common/logging/logger.js';
import { startApi } from '../../api/app/api.wiring.js';
import { createAppContext } from '../../context/app-context.js';
import { projectionProgress } from '../../processors/host/projection-progress.js';
import {
  PROJECTION_NAMES,
  type ProjectionName,
} from '../../processors/host/projection-registry.js';
import { startProcessors } from '../../processors/host/processors.wiring.js';
import { startGateway } from '../../producers/gateway/gateway.wiring.js';
import {
  closeStatements,
  type CloseResult,
} from '../../processors/royalty-statements/statement-close.service.js';
import { mintToken } from '../../common/auth/api-token.js';
import { refreshNeighbours } from '../../processors/co-listening/neighbours-refresh.service.js';
import { recsKeys } from '../../read-models/co-listening/co-listening.keys.js';
import { createStack, type Stack } from '../stack/stack.js';

export interface TrafficOptions {
  events: number;
  rate: number;
  seed: number;
}

/**
 * The whole platform in one process on the embedded defaults: the local stack (Kafka, Redis,
 * the chDB server, the registry), ClickHouse migrations, every processor, the ingest gateway
 * and the read API; optionally simulator traffic through the gateway.
 */
export async function startPlatform(
  config: AppConfig,
  deps: { logger: Logger; registry: Registry; onStackLine?: (l: string) => void },
) {
  const { logger, registry } = deps;
  const stack = createStack(config);
  const before = new Set(
    stack
      .status()
      .services.filter((s) => s.running && s.managed)
      .map((s) => s.name),
  );
  await stack.up(deps.onStackLine ?? ((l) => logger.info(l)));

  // One context for every role: one Redis option set, one dead-letter producer, one codec.
  const ctx = createAppContext(config, {
    service: 'backbeat-main',
    logger,
    registry,
    migrate: true,
  });
  const clickhouse = await ctx.clickhouse();
  const { redis, stalls } = await startProcessors(ctx);
  ctx.readiness.push({
    name: 'clickhouse',
    check: async () => void (await clickhouse.client.query({ query: 'SELECT 1' })),
  });
  const gateway = await startGateway(ctx);
  const api = await startApi(ctx);
  const apiUrl = api.url;
  ctx.startup.started = true;

  let simulator: ChildProcess | undefined;

  /** Simulator traffic through the gateway (the SDK's HTTP transport); resolves with its summary. */
  function startTraffic(t: TrafficOptions): Promise<Record<string, unknown>> {
    const apiKey = [...config.gateway.apiKeys.keys()][0]!;
    // Seven days ending with today; in the first hour of a UTC day, ending with yesterday: the
    // simulator stamps revenue reports an hour after the period, and refuses more than 24 h ahead.
    const start = new Date(Date.now() - 6 * 86_400_000 - 3_600_000).toISOString().slice(0, 10);
    const root = config.stack.root;
    simulator = spawn(
      path.join(root, 'node_modules/.bin/tsx'),
      [
        path.join(root, 'producers/simulator/simulator.cli.ts'),
        '--transport',
        'http',
        '--gateway-url',
        gateway.url,
        '--api-key',
        apiKey,
        '--events',
        String(t.events),
        '--rate',
        String(t.rate),
        '--seed',
        String(t.seed),
        '--start',
        start,
        '--days',
        '7',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    );
    let out = '';
    simulator.stdout!.on('data', (d) => (out += d));
    return new Promise((resolve, reject) =>
      simulator!.on('exit', (code) => {
        simulator = undefined;
        const at = out.lastIndexOf('\n{'); // the summary: the last top-level JSON object
        const last = at >= 0 ? out.slice(at + 1) : out.trim();
        try {
          const summary = JSON.parse(last) as Record<string, unknown>;
          if (code === 0) resolve(summary);
          else reject(new BackbeatError('SIMULATOR_FAILED', `simulator exited ${code}: ${last}`));
        } catch {
          reject(
            new BackbeatError('SIMULATOR_FAILED', `simulator exited ${code} without a summary`),
          );
        }
      }),
    );
  }

  const progress = () =>
    projectionProgress(
      config.kafka,
      { redis, clickhouse: clickhouse.client },
      PROJECTION_NAMES as readonly ProjectionName[],
    );

  /**
   * Closes the royalty statements of every period with a revenue report (all markets), then
   * names the label with the largest streamshare total in the newest statement, for the
   * printout's example: its statement and DSR through the label endpoints.
   */
  async function closeRoyalties(): Promise<{
    results: CloseResult[];
    example?: { label_id: string; statement_id: string; token: string };
  }> {
    const ch = clickhouse.client;
    const rows = async <T>(query: string) =>
      (await (await ch.query({ query, format: 'JSONEachRow' })).json()) as T[];
    const periods = await rows<{ period: string }>(
      'SELECT DISTINCT period FROM royalty_pools ORDER BY period',
    );
    const results: CloseResult[] = [];
    for (const { period } of periods)
      results.push(
        ...(await closeStatements(
          { period, closedBy: 'main-job' },
          { clickhouse: ch, redis, logger },
        )),
      );
    const [best] = await rows<{ label_id: string; statement_id: string }>(
      `SELECT label_id, statement_id FROM royalty_statement_lines FINAL
       WHERE label_id != '' GROUP BY label_id, statement_id, period
       ORDER BY period DESC, sum(streamshare_minor) DESC, label_id LIMIT 1`,
    );
    if (!best) return { results };
    const token = mintToken(
      { role: 'label', sub: best.label_id, ttlSeconds: 3600 },
      config.api.tokenSecret,
    );
    return { results, example: { ...best, token } };
  }

  /**
   * A full neighbour refresh (the processors' periodic one may not have run since the traffic
   * ended), then an example for the printout: the most streamed track that has neighbours, and
   * the listener with the most qualified streams, with a token for the daily mix.
   */
  async function discoveryExample(): Promise<
    { track_id: string; user_id: string; token: string } | undefined
  > {
    await refreshNeighbours(
      { ...config.recs, full: true },
      { clickhouse: clickhouse.client, redis, logger },
    );
    const rows = async <T>(query: string) =>
      (await (await clickhouse.client.query({ query, format: 'JSONEachRow' })).json()) as T[];
    const tracks = await rows<{ track_id: string }>(
      `SELECT track_id FROM co_listening_track_sessions GROUP BY track_id
       ORDER BY sum(sessions) DESC, track_id LIMIT 50`,
    );
    const lists = tracks.length
      ? await redis.mget(...tracks.map((t) => recsKeys.similar(t.track_id)))
      : [];
    const track = tracks.find((_, i) => lists[i] !== null);
    const [user] = await rows<{ user_id: string }>(
      `SELECT user_id FROM royalty_streams GROUP BY user_id ORDER BY count() DESC, user_id LIMIT 1`,
    );
    if (!track || !user) return undefined;
    const token = mintToken(
      { role: 'user', sub: user.user_id, ttlSeconds: 3600 },
      config.api.tokenSecret,
    );
    return { track_id: track.track_id, user_id: user.user_id, token };
  }

  async function stop(opts: { keepStack: boolean }): Promise<void> {
    simulator?.kill('SIGTERM');
    await ctx.close();
    if (!opts.keepStack && stack.services.some((s) => !before.has(s.name)))
      await (createStack(config) as Stack).down((l) => logger.info(l));
  }

  return {
    ctx,
    stack,
    redis,
    clickhouse,
    stalls,
    addresses: {
      api: apiUrl,
      gateway: gateway.url,
      sql: `${apiUrl}/v1/sql`,
      openapi: `${apiUrl}/openapi.json`,
      registry: config.registry.url,
      clickhouse: clickhouse.location,
    },
    startTraffic,
    progress,
    closeRoyalties,
    discoveryExample,
    stop,
  };
}

export type Platform = Awaited<ReturnType<typeof startPlatform>>;
