/**
 * npm run rebuild -- <projection|all>
 * Rebuilds projections from their topics under a fresh consumer group and swaps each in
 * without downtime for readers (see rebuild.service.ts). Shows a progress bar per projection.
 */
import cliProgress from 'cli-progress';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createLogger } from '../../common/logging/logger.js';
import { createAppContext } from '../../context/app-context.js';
import { PROJECTION_NAMES, type ProjectionName } from '../host/projection-registry.js';
import { startRebuild } from './rebuild.wiring.js';

const USAGE = `usage: npm run rebuild -- <${PROJECTION_NAMES.join('|')}|all> [--quiet]`;

function parseArgs(argv: string[]): { names: ProjectionName[]; quiet: boolean } {
  const quiet = argv.includes('--quiet');
  const rest = argv.filter((a) => a !== '--quiet');
  const bad = rest.filter((a) => a.startsWith('-'));
  if (bad.length) throw new ConfigError([`unknown flag ${bad.join(', ')}\n${USAGE}`]);
  if (rest.length !== 1) throw new ConfigError([`name one projection or all\n${USAGE}`]);
  const target = rest[0]!;
  if (target === 'all') return { names: [...PROJECTION_NAMES], quiet };
  if (!(PROJECTION_NAMES as readonly string[]).includes(target))
    throw new ConfigError([`unknown projection ${target}\n${USAGE}`]);
  return { names: [target as ProjectionName], quiet };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const logger = createLogger(
    { level: config.log.level === 'info' ? 'warn' : config.log.level },
    'backbeat-rebuild',
  );
  const ctx = createAppContext(config, { service: 'backbeat-rebuild', logger });
  const role = await startRebuild(ctx);
  const bars = new cliProgress.MultiBar(
    {
      format: ' {projection} |{bar}| {value}/{total} events | {eta_formatted} left',
      hideCursor: true,
      noTTYOutput: !args.quiet,
      notTTYSchedule: 2000,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  try {
    for (const name of args.names) {
      const bar = args.quiet ? undefined : bars.create(1, 0, { projection: name.padEnd(11) });
      const r = await role.rebuild(name, {
        onProgress: (p) => (bar?.setTotal(Math.max(1, p.total)), bar?.update(p.done)),
      });
      bar?.update(r.events);
      console.log(
        JSON.stringify({
          rebuilt: r.projection,
          events: r.events,
          seconds: r.seconds,
          events_per_s: Math.round(r.events / Math.max(0.001, r.seconds)),
          generation: { from: r.from, to: r.to },
        }),
      );
    }
  } finally {
    bars.stop();
    await ctx.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : `rebuild: ${(err as Error).message}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
