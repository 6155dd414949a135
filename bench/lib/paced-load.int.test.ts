import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runPacedLoad } from './paced-load.js';

// The paced driver against a real loopback server: every request answered and timed, chunked and
// fixed-length bodies both read, and a refused port reported as errors instead of hanging.
describe('paced load driver', () => {
  let server: Server;
  let url: string;
  let seen = 0;
  before(async () => {
    server = createServer((req, res) => {
      seen++;
      if (req.url === '/chunked') {
        res.write('part one,');
        res.end('part two');
      } else res.end(JSON.stringify({ ok: true, path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('given a steady rate, when the server keeps up, then every request is answered on time', async () => {
    seen = 0;
    let n = 0;
    const r = await runPacedLoad({
      url,
      rate: 400,
      duration: 1,
      connections: 4,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: n++ % 2 ? '/chunked' : `/plain/${n}` }),
        },
      ],
    });
    assert.equal(r.requests, 400);
    assert.equal(r.ok, 400);
    assert.equal(seen, 400);
    assert.equal(r.errors + r.non2xx + r.timeouts, 0);
    assert.ok(r.p50_ms > 0 && r.p50_ms <= r.p99_ms && r.p99_ms <= r.max_ms, JSON.stringify(r));
    assert.ok(r.service_p99_ms <= r.max_ms + 1e-9);
  });

  it('given no server on the port, when loaded, then it ends with every request failed', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const t0 = Date.now();
    const r = await runPacedLoad({
      url: closed,
      rate: 100,
      duration: 1,
      connections: 2,
      drainSeconds: 2,
      requests: [{ method: 'GET', path: '/' }],
    });
    assert.equal(r.ok, 0);
    assert.equal(r.requests, 100);
    assert.equal(r.errors + r.timeouts, 100, JSON.stringify(r));
    assert.ok(Date.now() - t0 < 10_000);
  });
});
