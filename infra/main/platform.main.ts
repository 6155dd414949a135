/**
 * The main job's composition root (`npm start`): validates config, starts the whole platform
 * on the embedded defaults (Kafka, Redis, the chDB server, the registry, every processor, the
 * gateway and the read API), sends simulator traffic through the gateway, prints where
 * everything runs and a few commands to try, and serves until Ctrl-C (or `--once`: until the
 * traffic is sent and every projection has caught up).
 */
import { loadConfig } from '../../common/config/app.config.js';
import { BackbeatError, ConfigError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import { createMetricsRegistry } from '../../common/metrics/metrics.js';
import { installShutdown } from '../../context/process-shutdown.js';
import { runRoleMain, serveOps } from '../../context/role-main.js';
import { formatReport } from '../stack/stack.js';
import { startPlatform, type TrafficOptions } from './platform.js';

const USAGE = `usage: npm start -- [--once] [--keep-stack] [--events N] [--rate N] [--seed N] [--no-traffic]
  --once         exit once the traffic is sent and every projection has caught up
  --keep-stack   leave Kafka, Redis, the chDB server and the registry running on exit
  --events N     simulator events to send through the gateway (default 20000)
  --rate N       events per second (default 2000; 0 = as fast as possible)
  --seed N       simulator seed (default 42)
  --no-traffic   start the platform without simulator traffic`;

interface Flags extends TrafficOptions {
  once: boolean;
  keepStack: boolean;
  traffic: boolean;
}

export function parseFlags(argv: string[]): Flags {
  const f: Flags = {
    once: false,
    keepStack: false,
    traffic: true,
    events: 20_000,
    rate: 2000,
    seed: 42,
  };
  const num = (flag: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min || n > max)
      throw new ConfigError([
        `${flag} needs an integer from ${min} to ${max} (got ${v ?? 'nothing'})\n${USAGE}`,
      ]);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--once') f.once = true;
    else if (a === '--keep-stack') f.keepStack = true;
    else if (a === '--no-traffic') f.traffic = false;
    else if (a === '--events') f.events = num(a, argv[++i], 1, 100_000_000);
    else if (a === '--rate') f.rate = num(a, argv[++i], 0, 1_000_000);
    else if (a === '--seed') f.seed = num(a, argv[++i], 0, 2 ** 32 - 1);
    else throw new ConfigError([`unknown flag ${a}\n${USAGE}`]);
  }
  return f;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const config = loadConfig();
  const logger = createLogger(config.log, 'backbeat-main');
  const registry = createMetricsRegistry('backbeat-main');
  let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;
  // Bounded: the processors get PROCESSOR_STOP_GRACE_MS for the batch in hand, the rest (closing
  // clients, stopping the stack) a few seconds more; then the process exits whatever is left.
  // A second SIGINT/SIGTERM exits at once.
  const shutdown = installShutdown({
    logger,
    deadlineMs: config.processors.stopGraceMs + 8000,
    stop: async () => platform?.stop({ keepStack: flags.keepStack }),
  });

  try {
    platform = await startPlatform(config, { logger, registry });
    const p = platform;
    const ops = await serveOps(p.ctx, config.ops.metricsPort);
    const metrics = ops.url;
    const a = p.addresses;
    const today = new Date().toISOString().slice(0, 10);
    console.log(
      [
        '',
        'Backbeat is up.',
        formatReport(p.stack.status()),
        `  ${'gateway'.padEnd(11)} ${'in this process'.padEnd(18)} ${a.gateway}/v1/events  (API key: from GATEWAY_API_KEYS)`,
        `  ${'api'.padEnd(11)} ${'in this process'.padEnd(18)} ${a.api}  (${a.openapi})`,
        `  ${'sql'.padEnd(11)} ${'in this process'.padEnd(18)} POST ${a.sql}  (analyst token; or npm run sql)`,
        `  ${'processors'.padEnd(11)} ${'in this process'.padEnd(18)} ${config.processors.enabled.join(', ')}`,
        `  ${'main job'.padEnd(11)} ${`running pid ${process.pid}`.padEnd(18)} ${metrics}/metrics  ${metrics}/healthz  ${metrics}/readyz`,
        '',
        flags.traffic
          ? `Traffic: the simulator sends ${flags.events} events (seed ${flags.seed}) at ${flags.rate || 'full'} events/s through the gateway.`
          : 'No simulator traffic (--no-traffic).',
        '',
        'Try:',
        `  curl -s ${a.api}/v1/charts/${today} | head -c 600`,
        `  npm run sql -- "SELECT track_id, sum(streams) AS s FROM track_daily_streams GROUP BY track_id ORDER BY s DESC LIMIT 10"`,
        `  TOKEN=$(npm run -s token -- --user usr-000001) && curl -s -H "Authorization: Bearer $TOKEN" ${a.api}/v1/me`,
        `  curl -s ${metrics}/metrics | grep backbeat_processor_events_total`,
        flags.once ? '' : 'Press Ctrl-C to stop.',
      ].join('\n'),
    );

    const traffic = flags.traffic ? p.startTraffic(flags) : Promise.resolve(undefined);
    const done = traffic.then(async (summary) => {
      if (summary) logger.info({ summary }, 'simulator traffic sent');
      const deadline = Date.now() + 15 * 60_000;
      for (;;) {
        const prog = await p.progress();
        if (Object.values(prog).every((x) => x.done >= x.total)) return { summary, prog };
        if (Date.now() > deadline)
          throw new BackbeatError(
            'CATCH_UP_TIMEOUT',
            `projections did not catch up: ${JSON.stringify(prog)}`,
          );
        await new Promise((r) => setTimeout(r, 500));
      }
    });
    /** Closes the statements and prints a label's token with curls for its statement and DSR. */
    const royalties = async () => {
      const { results, example } = await p.closeRoyalties();
      const issued = results.filter((r) => r.status === 'issued').length;
      const lines = [
        `royalties: ${results.length} statement${results.length === 1 ? '' : 's'} closed (${issued} issued, ${results.length - issued} unchanged or without a report)`,
      ];
      if (example) {
        const url = `${a.api}/v1/label/statements/${example.statement_id}`;
        lines.push(
          '',
          `A label's statement and its DDEX DSR file (token of ${example.label_id}, valid 1 h):`,
          `  LABEL_TOKEN=${example.token}`,
          `  curl -s -H "Authorization: Bearer $LABEL_TOKEN" ${url} | head -c 800`,
          `  curl -s -H "Authorization: Bearer $LABEL_TOKEN" ${url}/dsr -o statement.tsv`,
        );
      }
      console.log(lines.join('\n'));
      const d = await p.discoveryExample();
      if (d)
        console.log(
          [
            '',
            `Similar tracks, and a listener's daily mix (token of ${d.user_id}, valid 1 h):`,
            `  curl -s ${a.api}/v1/tracks/${encodeURIComponent(d.track_id)}/similar | head -c 800`,
            `  USER_TOKEN=${d.token}`,
            `  curl -s -H "Authorization: Bearer $USER_TOKEN" ${a.api}/v1/me/daily-mix | head -c 800`,
          ].join('\n'),
        );
    };
    if (flags.once) {
      const { summary, prog } = await done;
      const s = summary as { accepted?: number; events_per_s?: number } | undefined;
      console.log(
        `traffic: ${s?.accepted ?? 0} events accepted by the gateway${s?.events_per_s ? ` at ${s.events_per_s} events/s` : ''}`,
      );
      console.log(
        `projections caught up: ${Object.entries(prog)
          .map(([k, v]) => `${k} ${v.done}/${v.total}`)
          .join(', ')}`,
      );
      await royalties();
      await shutdown(0);
    } else {
      done
        .then(async ({ prog }) => {
          console.log(
            `Traffic sent; projections caught up (${Object.entries(prog)
              .map(([k, v]) => `${k} ${v.done}`)
              .join(', ')}).`,
          );
          await royalties();
        })
        .catch((err) => logger.error({ err }, 'traffic or the royalty close failed'));
    }
  } catch (err) {
    logger.error({ err }, 'main job failed');
    console.error(`backbeat: ${(err as Error).message}`);
    await shutdown(1);
  }
}

runRoleMain('backbeat', main);
