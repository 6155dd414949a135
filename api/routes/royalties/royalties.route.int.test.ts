/**
 * The operator's royalty endpoints on the real stack: closing a period (unchanged on the same
 * inputs, version 2 with deltas after a late play, which the label then sees), 400 naming the
 * body field, 409 with Retry-After while another close holds the lock, and reading any
 * statement whole with its suspense lines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { scenarioNow, startTestApi, type TestApi } from '../../../test/helpers/api.helper.js';
import { T, play, seedLabelLedger } from '../../../test/helpers/label-ledger.helper.js';
import type { LedgerEvent } from '../../../test/helpers/royalty-ledger.helper.js';
import { useStack } from '../../../test/helpers/stack.helper.js';

const now = scenarioNow();
let api: TestApi;
let redis: Redis;
let deliver: (events: readonly LedgerEvent[]) => Promise<void>;

before(async () => {
  const config = await useStack();
  api = await startTestApi(config, { now });
  ({ deliver } = await seedLabelLedger(api.admin.client, config.redis.url));
  redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
});
after(async () => {
  redis?.disconnect();
  await api?.close();
});

const op = () => api.token('operator', 'ops-1');
async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(api.base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
const close = (body: unknown, token = op()) =>
  call('POST', '/v1/operator/royalties/close', token, body);

describe('operator: close and read statements', () => {
  it('given the same inputs, when closed again, then every market is unchanged', async () => {
    const r = await close({ period: '2026-11' });
    assert.equal(r.status, 200);
    assert.deepEqual(
      (r.body.results as { market: string; status: string }[]).map((x) => [x.market, x.status]),
      [
        ['NO', 'unchanged'],
        ['SE', 'unchanged'],
      ],
    );
  });

  it('given a late play, when SE is closed, then version 2 with deltas, closed by the token subject, seen by the label', async () => {
    await deliver([play('u7', 'track-2', T(20))]);
    const r = await close({ period: '2026-11', market: 'SE' });
    assert.equal(r.status, 200);
    const [res] = r.body.results as { status: string; statement_id: string; supersedes: string }[];
    assert.equal(res!.status, 'issued');
    assert.equal(res!.statement_id, '2026-11-SE-v2');
    assert.equal(res!.supersedes, '2026-11-SE-v1');
    const whole = await call('GET', '/v1/operator/royalties/statements/2026-11-SE-v2', op());
    assert.equal(whole.status, 200);
    assert.equal(whole.body.closed_by, 'ops-1');
    const lines = whole.body.lines as {
      label_id: string;
      rights_holder_id: string;
      delta_streamshare_minor: string;
    }[];
    assert.ok(lines.some((l) => l.label_id === '' && l.rights_holder_id === 'UNMATCHED'));
    assert.ok(lines.some((l) => l.delta_streamshare_minor !== '0'));
    const labelList = await fetch(`${api.base}/v1/label/statements`, {
      headers: { authorization: `Bearer ${api.token('label', 'label-1')}` },
    });
    const items = (
      (await labelList.json()) as { items: { statement_id: string; supersedes: string }[] }
    ).items;
    assert.deepEqual(
      items.map((i) => [i.statement_id, i.supersedes]),
      [
        ['2026-11-SE-v2', '2026-11-SE-v1'],
        ['2026-11-SE-v1', ''],
      ],
    );
    const list = await call('GET', '/v1/operator/royalties/statements?limit=2', op());
    assert.equal((list.body.items as unknown[]).length, 2);
    assert.ok(list.body.next_cursor);
  });

  it('given a bad body, then 400 naming the field; another role 403; no token 401', async () => {
    for (const [body, parameter] of [
      [{}, 'period'],
      [{ period: '2026-13' }, 'period'],
      [{ period: '2026-11', market: 'se' }, 'market'],
      [{ period: '2026-11', extra: 1 }, 'extra'],
      [[1], 'body'],
    ] as const) {
      const r = await close(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.parameter, parameter, JSON.stringify(body));
    }
    assert.equal((await close('{not json')).status, 400);
    assert.equal((await close({ period: '2026-11' }, api.token('label', 'label-1'))).status, 403);
    assert.equal((await close({ period: '2026-11' }, api.token('analyst', 'a'))).status, 403);
    assert.equal(
      (await call('POST', '/v1/operator/royalties/close', undefined, { period: '2026-11' })).status,
      401,
    );
    assert.equal(
      (await call('GET', '/v1/operator/royalties/statements', api.token('label', 'label-1')))
        .status,
      403,
    );
  });

  it('given a close of the market running, then 409 with Retry-After', async () => {
    const lock = 'bb:royalties:close:2026-10:DK';
    await redis.set(lock, 'other', 'EX', 30);
    try {
      const r = await close({ period: '2026-10', market: 'DK' });
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'close-busy');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    } finally {
      await redis.del(lock);
    }
  });

  it('given an unknown or malformed id, then 404', async () => {
    for (const id of ['2026-11-DK-v1', 'x'])
      assert.equal(
        (await call('GET', `/v1/operator/royalties/statements/${id}`, op())).status,
        404,
      );
  });
});
