import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { spawnTs } from '../../test/helpers/platform.helper.js';
import { useMigratedStack } from '../../test/helpers/stack.helper.js';

const freePort = async () => {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
};

function start(env: NodeJS.ProcessEnv) {
  const child = spawnTs('api/app/api.main.ts', [], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => out.includes('Backbeat API on') && resolve());
    void exited.then(() => reject(new Error(`api exited before listening:\n${out}`)));
  });
  listening.catch(() => undefined); // awaited only by the tests that expect it to listen

  return { child, exited, listening, output: () => out };
}

describe('api.main: the API as its own process', () => {
  it('given the stack, when started, then it serves until SIGTERM and exits 0', async () => {
    await useMigratedStack();
    const port = await freePort();
    const api = start({ API_PORT: String(port) });
    await api.listening;
    const base = `http://127.0.0.1:${port}`;
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200, await ready.clone().text());
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    assert.ok('/v1/sql' in doc.paths && '/v1/me' in doc.paths);
    assert.equal((await fetch(`${base}/v1/me`)).status, 401);
    const t0 = Date.now();
    api.child.kill('SIGTERM');
    const [code] = await api.exited;
    assert.equal(code, 0, api.output());
    assert.ok(Date.now() - t0 < 10_000);
  });

  it('given an invalid setting, when started, then exit 2 naming it', async () => {
    const api = start({ API_TOKEN_SECRET: 'short' });
    const [code] = await api.exited;
    assert.equal(code, 2);
    assert.match(api.output(), /API_TOKEN_SECRET must be at least 16 characters/);
  });
});
