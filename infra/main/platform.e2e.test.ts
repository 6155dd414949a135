import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { repoRoot, type AppConfig } from '../../common/config/app.config.js';
import { eventually } from '../../test/helpers/kafka.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { createStack } from '../stack/stack.js';

const root = repoRoot();
const main = path.join(root, 'infra/main/platform.main.ts');
const tsx = path.join(root, 'node_modules/.bin/tsx');
let config: AppConfig;
before(async () => {
  config = await useStack();
});

describe('the main job', () => {
  it('runs the platform under simulator traffic, prints its addresses, and with --once exits when every projection caught up', () => {
    // Distinctive secrets, so that finding one in the output is no coincidence.
    const apiKey = `key-${randomBytes(12).toString('hex')}`;
    const tokenSecret = randomBytes(32).toString('hex');
    const r = spawnSync(tsx, [main, '--once', '--events', '3000', '--rate', '0', '--seed', '11'], {
      cwd: root,
      env: { ...process.env, GATEWAY_API_KEYS: `dev:${apiKey}`, API_TOKEN_SECRET: tokenSecret },
      encoding: 'utf8',
      timeout: 600_000,
    });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Backbeat is up\./);
    assert.match(r.stdout, /kafka\s+running pid \d+\s+127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /redis\s+running pid \d+\s+127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /clickhouse\s+running pid \d+\s+127\.0\.0\.1:\d+\s+\(chDB: .*\/chdb\)/);
    assert.match(r.stdout, /registry\s+running pid \d+\s+127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /gateway\s+in this process\s+http:\/\/127\.0\.0\.1:\d+\/v1\/events/);
    assert.match(r.stdout, /api\s+in this process\s+http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /sql\s+in this process\s+POST http:\/\/127\.0\.0\.1:\d+\/v1\/sql/);
    assert.match(r.stdout, /main job\s+running pid \d+\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);
    assert.match(r.stdout, /npm run sql -- /);
    // No secret in what it prints: it says where the key is configured instead.
    assert.match(r.stdout, /API key: from GATEWAY_API_KEYS/);
    for (const secret of [apiKey, tokenSecret])
      assert.ok(!(r.stdout + r.stderr).includes(secret), 'a secret was printed');
    const accepted = Number(/traffic: (\d+) events accepted by the gateway/.exec(r.stdout)?.[1]);
    assert.ok(accepted >= 3000, r.stdout);
    assert.match(
      r.stdout,
      /projections caught up: user-state \d+\/\d+, play-counts \d+\/\d+, catalogue \d+\/\d+, raw-archive \d+\/\d+, royalty-ledger \d+\/\d+/,
    );
    // It ends with the royalty close and a label's token with curls for its statement and DSR.
    const closed = /royalties: (\d+) statements? closed \((\d+) issued/.exec(r.stdout);
    assert.ok(closed && Number(closed[1]) >= 1, r.stdout);
    const token = /LABEL_TOKEN=(\S+)/.exec(r.stdout)?.[1];
    assert.ok(token, r.stdout);
    assert.match(
      r.stdout,
      /curl -s -H "Authorization: Bearer \$LABEL_TOKEN" http:\/\/127\.0\.0\.1:\d+\/v1\/label\/statements\/\d{4}-\d{2}-[A-Z]{2}-v\d+\/dsr -o statement\.tsv$/m,
    );
    // Then the discovery curls: a track's similar list and a listener's daily mix.
    assert.match(r.stdout, /curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/tracks\/\S+\/similar/);
    assert.match(r.stdout, /USER_TOKEN=\S+/);
    assert.match(
      r.stdout,
      /curl -s -H "Authorization: Bearer \$USER_TOKEN" http:\/\/127\.0\.0\.1:\d+\/v1\/me\/daily-mix/,
    );
    // The stack was already up, so the main job leaves it running.
    assert.ok(
      createStack(config)
        .status()
        .services.every((s) => s.running),
    );
  });

  it('serves the API, the gateway and /healthz, /readyz, /metrics while traffic flows, and stops cleanly on SIGINT (Ctrl-C)', async () => {
    const child = spawn(tsx, [main, '--events', '2000', '--rate', '1000', '--seed', '12'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      await eventually(
        () => out.includes('Press Ctrl-C to stop.'),
        180_000,
        'the main job to be up',
      );
      const base = `http://127.0.0.1:${config.ops.metricsPort}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const ready = await fetch(`${base}/readyz`);
      const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
      assert.equal(ready.status, 200, JSON.stringify(body));
      assert.ok(
        ['redis', 'clickhouse'].every((n) => body.checks.some((c) => c.name === n && c.ok)),
        JSON.stringify(body),
      );
      await eventually(
        () => out.includes('Traffic sent; projections caught up'),
        180_000,
        'traffic to be applied',
      ).catch((err) => {
        throw new Error(`${(err as Error).message}\n${out.slice(-4000)}`);
      });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^process_resident_memory_bytes\{service="backbeat-main"\} \d+/m);
      assert.match(
        metrics,
        /^backbeat_gateway_events_total\{type="playback",outcome="accepted",service="backbeat-main"\} \d+/m,
      );
      assert.match(
        metrics,
        /^backbeat_processor_events_total\{processor="play-counts",outcome="ok",service="backbeat-main"\} \d+/m,
      );
      const api = `http://127.0.0.1:${config.api.port}`;
      assert.equal((await fetch(`${api}/openapi.json`)).status, 200);
      const chart = await fetch(`${api}/v1/charts/${new Date().toISOString().slice(0, 10)}`);
      assert.equal(chart.status, 200);
      // The printed label token fetches that label's statement and its DSR file, as printed.
      await eventually(() => /-o statement\.tsv$/m.test(out), 120_000, 'the royalty printout');
      const token = /LABEL_TOKEN=(\S+)/.exec(out)![1]!;
      const url = / (http:\/\/\S+\/v1\/label\/statements\/\S+)\/dsr -o statement\.tsv$/m.exec(
        out,
      )![1]!;
      const auth = { authorization: `Bearer ${token}` };
      const statement = await fetch(url, { headers: auth });
      assert.equal(statement.status, 200);
      const json = (await statement.json()) as { lines: unknown[] };
      assert.ok(json.lines.length > 0, JSON.stringify(json).slice(0, 500));
      const dsr = await fetch(`${url}/dsr`, { headers: auth });
      assert.equal(dsr.status, 200);
      assert.match(await dsr.text(), /^HEAD\tdsrf\/[\s\S]*\nFOOT\t\d+/);
      assert.equal((await fetch(url)).status, 401, 'no credential: 401');
      // Every log line on stdout that looks like JSON is one structured record.
      for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
        const rec = JSON.parse(line);
        assert.equal(rec.service, 'backbeat-main');
        assert.ok(rec.level && rec.time && rec.msg);
      }
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, out);
  });

  it('rejects an unknown flag and a bad setting with a message naming it', () => {
    const flag = spawnSync(tsx, [main, '--nope'], { cwd: root, encoding: 'utf8' });
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /unknown flag --nope/);
    const bad = spawnSync(tsx, [main, '--once'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, REDIS_PORT: 'many' },
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Invalid configuration:\n {2}- REDIS_PORT must be a TCP port number/);
  });
});
