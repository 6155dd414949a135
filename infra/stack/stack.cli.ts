import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../common/config/app.config.js';
import { ConfigError } from '../../common/errors/backbeat.error.js';
import { createStack, formatReport } from './stack.js';

const USAGE = `usage: npm run stack -- <up|down|status|logs> [service] [--follow]
  up       start Kafka and Redis (idempotent: running services are left alone)
  down     stop them and wait until their ports are closed
  status   what runs where, with pids, addresses and log files
  logs     print a service's log (kafka | redis); --follow keeps reading`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const config = loadConfig();
  const stack = createStack(config);
  const log = (l: string) => console.log(l);
  switch (cmd) {
    case 'up':
      console.log(formatReport(await stack.up(log)));
      return 0;
    case 'down':
      await stack.down(log);
      return 0;
    case 'status': {
      const r = stack.status();
      console.log(formatReport(r));
      return r.services.every((s) => s.running) ? 0 : 3;
    }
    case 'logs': {
      const names = stack.services.map((s) => s.name);
      const unknownFlag = rest.find((a) => a.startsWith('-') && a !== '--follow' && a !== '-f');
      if (unknownFlag) throw new ConfigError([`logs: unknown flag ${unknownFlag}`]);
      const wanted = rest.filter((a) => !a.startsWith('-'));
      for (const w of wanted)
        if (!names.includes(w))
          throw new ConfigError([`logs: unknown service '${w}' (one of ${names.join(', ')})`]);
      const files = (wanted.length ? wanted : names)
        .map((n) => stack.logFile(n))
        .filter(existsSync);
      if (!files.length) {
        console.log('no logs yet');
        return 0;
      }
      const follow = rest.includes('--follow') || rest.includes('-f');
      const child = spawn(
        'tail',
        [follow ? '-F' : '-n', ...(follow ? ['-n', '50'] : ['200']), ...files],
        { stdio: 'inherit' },
      );
      return await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
    }
    default:
      console.error(USAGE);
      return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : `stack: ${(err as Error).message}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
