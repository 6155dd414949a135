/**
 * The label endpoints on the real stack, over a ledger of two labels closed into statements:
 * a statement as JSON, CSV and DDEX DSR (parsed back, consistent), paging, the per-credential
 * rate limit, and the tenancy matrix: every label endpoint with another label's credential
 * answers 404 or only the caller's own data, never another label's; no credential 401.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cell,
  checkDsr,
  parseDsr,
  usageRecords,
} from '../../../processors/royalty-statements/dsr.parser.js';
import { scenarioNow, startTestApi, type TestApi } from '../../../test/helpers/api.helper.js';
import { ARTIST_NAME, seedLabelLedger } from '../../../test/helpers/label-ledger.helper.js';
import { useStack } from '../../../test/helpers/stack.helper.js';

const now = scenarioNow();
let api: TestApi;
let limited: TestApi;

before(async () => {
  const config = await useStack();
  api = await startTestApi({ ...config, api: { ...config.api, labelRateBurst: 100_000 } }, { now });
  await seedLabelLedger(api.admin.client, config.redis.url);
  limited = await startTestApi(
    { ...config, api: { ...config.api, labelRatePerS: 1, labelRateBurst: 2 } },
    { now },
  );
});
after(async () => {
  await api?.close();
  await limited?.close();
});

const label = (id: string) => api.token('label', id);
async function get(path: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(api.base + path, {
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: /json/.test(type) ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}
type Line = {
  label_id: string;
  rights_holder_id: string;
  track_id: string;
  streamshare_minor: string;
};

describe('label statements: JSON, CSV, DSR', () => {
  it("given label-1's token, when its SE statement is read as JSON, then header, policy, lineage and only label-1's lines", async () => {
    const r = await get('/v1/label/statements/2026-11-SE-v1', label('label-1'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'private, no-cache');
    const s = r.body as Record<string, unknown> & {
      lines: Line[];
      lineage: Record<string, unknown>;
    };
    assert.equal(s.statement_id, '2026-11-SE-v1');
    assert.equal(s.label_id, 'label-1');
    assert.equal(s.currency, 'SEK');
    assert.ok(s.policy && typeof s.policy === 'object');
    assert.match(String(s.lineage.content_hash), /^[0-9a-f]{64}$/);
    assert.ok(Number(s.lineage.ledger_lines) > 0);
    assert.deepEqual(
      s.lines.map((l) => [l.label_id, l.rights_holder_id, l.track_id]),
      [
        ['label-1', 'artist-1', 'track-1'],
        ['label-1', 'label-1', 'track-1'],
        ['label-1', 'label-1', 'track-2'],
      ],
    );
    const sum = s.lines.reduce((a, l) => a + BigInt(l.streamshare_minor), 0n);
    assert.equal((s.totals as { streamshare_minor: string }).streamshare_minor, String(sum));
    assert.equal((s.totals as { streams: number }).streams, 3);
    const again = await get('/v1/label/statements/2026-11-SE-v1', label('label-1'), {
      'if-none-match': r.headers.get('etag')!,
    });
    assert.equal(again.status, 304);
  });

  it('given Accept: text/csv, then an RFC 4180 attachment with a header row and one row per line', async () => {
    const r = await get('/v1/label/statements/2026-11-SE-v1', label('label-1'), {
      accept: 'text/csv',
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/csv/);
    assert.equal(
      r.headers.get('content-disposition'),
      'attachment; filename="statement_2026-11-SE-v1_label-1.csv"',
    );
    const rows = r.text.split('\r\n');
    assert.equal(rows.pop(), '', 'CRLF after the last row');
    assert.equal(rows.length, 4);
    assert.match(rows[0]!, /^statement_id,period,market,version,currency,minor_unit,label_id,/);
    assert.ok(rows[1]!.includes('"Aurora Lane, ""AL"""'), rows[1]);
    assert.ok(ARTIST_NAME.includes(','));
    const json = await get('/v1/label/statements/2026-11-SE-v1', label('label-1'));
    const first = (json.body as { lines: Line[] }).lines[0]!;
    assert.ok(rows[1]!.includes(`,${first.streamshare_minor},`));
  });

  it('given the DSR, then it parses back consistent, byte-stable, with a MessageId per statement, label and model', async () => {
    const r = await get('/v1/label/statements/2026-11-SE-v1/dsr', label('label-1'));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/tab-separated-values/);
    assert.match(
      r.headers.get('content-disposition')!,
      /^attachment; filename="DSR_label-1_PADPIDA2026BACKBEAT_Backbeat_2026-11_SE_1of1_\d{8}T\d{6}\.tsv"$/,
    );
    const dsr = parseDsr(r.text);
    assert.deepEqual(checkDsr(dsr, 2), []);
    assert.equal(cell(dsr.head as never, 'MessageId'), 'BB-2026-11-SE-v1-label-1');
    assert.equal(cell(dsr.head as never, 'RecipientName'), 'Polar Records');
    assert.equal(dsr.blocks.length, 2, 'track-1 (a release) and track-2 (its own)');
    const usages = usageRecords(dsr);
    assert.equal(usages.length, 2);
    const json = (await get('/v1/label/statements/2026-11-SE-v1', label('label-1'))).body as {
      totals: { streamshare_minor: string; user_centric_minor: string };
    };
    const net = usages.reduce(
      (a, u) => a + Math.round(Number(cell(u, 'AllocatedRevenue')) * 100),
      0,
    );
    assert.equal(net, Number(json.totals.streamshare_minor));
    assert.equal(
      (await get('/v1/label/statements/2026-11-SE-v1/dsr', label('label-1'))).text,
      r.text,
    );
    const uc = await get(
      '/v1/label/statements/2026-11-SE-v1/dsr?model=user-centric',
      label('label-1'),
    );
    assert.equal(uc.status, 200);
    const ucDsr = parseDsr(uc.text);
    assert.deepEqual(checkDsr(ucDsr, 2), []);
    assert.equal(cell(ucDsr.head as never, 'MessageId'), 'BB-2026-11-SE-v1-label-1-UC');
    const bad = await get('/v1/label/statements/2026-11-SE-v1/dsr?model=other', label('label-1'));
    assert.equal(bad.status, 400);
    assert.equal(bad.body!.parameter, 'model');
  });
});

describe('label lists and paging', () => {
  it('streams by track, day and market, paged with an opaque cursor; bad ranges are 400', async () => {
    const q = '/v1/label/streams?from=2026-11-01&to=2026-11-30';
    const p1 = await get(`${q}&limit=2`, label('label-1'));
    assert.equal(p1.status, 200);
    const b1 = p1.body as {
      items: { track_id: string; day: string; streams: number }[];
      next_cursor: string;
    };
    assert.deepEqual(
      b1.items.map((i) => [i.track_id, i.day, i.streams]),
      [
        ['track-1', '2026-11-05', 1],
        ['track-1', '2026-11-06', 1],
      ],
    );
    assert.ok(b1.next_cursor);
    const p2 = await get(`${q}&limit=2&cursor=${b1.next_cursor}`, label('label-1'));
    const b2 = p2.body as { items: { track_id: string }[]; next_cursor: string | null };
    assert.deepEqual(
      b2.items.map((i) => i.track_id),
      ['track-2'],
    );
    assert.equal(b2.next_cursor, null);
    for (const [bad, parameter] of [
      ['from=2026-11-31&to=2026-12-01', 'from'],
      ['from=2026-11-02&to=2026-11-01', 'to'],
      ['from=2024-01-01&to=2025-01-01', 'to'],
      ['from=2026-11-01', 'to'],
      ['from=2026-11-01&to=2026-11-30&market=se', 'market'],
      ['from=2026-11-01&to=2026-11-30&cursor=garbage', 'cursor'],
      ['from=2026-11-01&to=2026-11-30&limit=101', 'limit'],
    ] as const) {
      const r = await get(`/v1/label/streams?${bad}`, label('label-1'));
      assert.equal(r.status, 400, bad);
      assert.equal(r.body!.parameter, parameter, bad);
    }
    const ok366 = await get('/v1/label/streams?from=2024-01-01&to=2024-12-31', label('label-1'));
    assert.equal(ok366.status, 200);
  });

  it('statements, tracks and uploads of the label, paged', async () => {
    const s = (await get('/v1/label/statements', label('label-1'))).body as {
      items: { statement_id: string; totals: { lines: number } }[];
    };
    assert.deepEqual(
      s.items.map((i) => i.statement_id),
      ['2026-11-SE-v1'],
    );
    assert.equal(s.items[0]!.totals.lines, 3);
    const s2 = (await get('/v1/label/statements?limit=1', label('label-2'))).body as {
      items: { statement_id: string }[];
      next_cursor: string;
    };
    assert.deepEqual(
      s2.items.map((i) => i.statement_id),
      ['2026-11-NO-v1'],
    );
    const s2b = (
      await get(`/v1/label/statements?limit=1&cursor=${s2.next_cursor}`, label('label-2'))
    ).body as { items: { statement_id: string }[]; next_cursor: null };
    assert.deepEqual(
      s2b.items.map((i) => i.statement_id),
      ['2026-11-SE-v1'],
    );
    assert.equal(s2b.next_cursor, null);

    const t = (await get('/v1/label/tracks?limit=1', label('label-1'))).body as {
      items: { track_id: string }[];
      next_cursor: string;
    };
    assert.deepEqual(
      t.items.map((i) => i.track_id),
      ['track-1'],
    );
    const t2 = (await get(`/v1/label/tracks?limit=1&cursor=${t.next_cursor}`, label('label-1')))
      .body as { items: { track_id: string }[] };
    assert.deepEqual(
      t2.items.map((i) => i.track_id),
      ['track-2'],
    );

    const u = (await get('/v1/label/uploads?limit=1', label('label-1'))).body as {
      items: { track_id: string; holders: { share_bps: number }[] }[];
      next_cursor: string;
    };
    assert.equal(u.items.length, 1);
    assert.ok(u.next_cursor);
    const u1 = (await get('/v1/label/uploads?track_id=track-1', label('label-1'))).body as {
      items: { track_id: string; holders: { rights_holder_id: string; share_bps: number }[] }[];
    };
    assert.deepEqual(
      u1.items[0]!.holders.map((h) => [h.rights_holder_id, h.share_bps]),
      [
        ['label-1', 7000],
        ['artist-1', 3000],
      ],
    );
  });
});

describe('tenancy matrix', () => {
  const endpoints = [
    '/v1/label/streams?from=2026-11-01&to=2026-11-30',
    '/v1/label/statements',
    '/v1/label/statements/2026-11-SE-v1',
    '/v1/label/statements/2026-11-SE-v1/dsr',
    '/v1/label/tracks',
    '/v1/label/uploads',
  ];

  it('given no credential, a bad one or another role, then 401 / 401 / 403 on every label endpoint', async () => {
    for (const path of endpoints) {
      assert.equal((await get(path)).status, 401, path);
      assert.equal((await get(path, 'not.a-token')).status, 401, path);
      assert.equal((await get(path, api.token('user', 'user-1'))).status, 403, path);
      assert.equal((await get(path, api.token('operator', 'ops'))).status, 403, path);
    }
  });

  it("given label-1's credential, then label-2's statement (NO), an unknown and a malformed id are the same 404, in JSON, CSV and DSR", async () => {
    const bodies = new Set<string>();
    for (const id of ['2026-11-NO-v1', '2026-11-DK-v1', 'nonsense', '2026-11-SE-v9'])
      for (const suffix of ['', '/dsr'])
        for (const accept of ['application/json', 'text/csv']) {
          const r = await get(`/v1/label/statements/${id}${suffix}`, label('label-1'), { accept });
          assert.equal(r.status, 404, `${id}${suffix} ${accept}`);
          assert.match(r.headers.get('content-type')!, /^application\/problem\+json/);
          bodies.add(r.text);
        }
    assert.equal(bodies.size, 1, [...bodies].join('\n'));
    const own = await get('/v1/label/statements/2026-11-NO-v1', label('label-2'));
    assert.equal(own.status, 200);
  });

  it('given a label with nothing (label-3), then every statement is 404 and every list empty', async () => {
    for (const path of endpoints) {
      const r = await get(path, label('label-3'));
      if (path.includes('/statements/')) assert.equal(r.status, 404, path);
      else {
        assert.equal(r.status, 200, path);
        assert.deepEqual((r.body as { items: unknown[] }).items, [], path);
        assert.equal((r.body as { label_id: string }).label_id, 'label-3');
      }
    }
  });

  it("given each label's credential, then every list and statement holds only its own tracks, never suspense", async () => {
    const own: Record<string, string[]> = {
      'label-1': ['track-1', 'track-2'],
      'label-2': ['track-9'],
    };
    for (const [id, tracks] of Object.entries(own)) {
      const token = label(id);
      const streams = (await get(endpoints[0]!, token)).body as { items: { track_id: string }[] };
      assert.deepEqual([...new Set(streams.items.map((i) => i.track_id))], tracks, id);
      const st = (await get('/v1/label/statements/2026-11-SE-v1', token)).body as { lines: Line[] };
      assert.ok(
        st.lines.every((l) => l.label_id === id && tracks.includes(l.track_id)),
        id,
      );
      const uploads = (await get('/v1/label/uploads', token)).body as {
        items: { track_id: string }[];
      };
      assert.deepEqual(uploads.items.map((i) => i.track_id).sort(), tracks, id);
      const tr = (await get('/v1/label/tracks', token)).body as { items: { track_id: string }[] };
      assert.ok(
        tr.items.every((i) => tracks.includes(i.track_id)),
        id,
      );
      const csv = await get('/v1/label/statements/2026-11-SE-v1', token, { accept: 'text/csv' });
      assert.ok(!csv.text.includes('UNMATCHED') && !csv.text.includes('track-0'), id);
      const dsr = await get('/v1/label/statements/2026-11-SE-v1/dsr', token);
      assert.ok(!dsr.text.includes('track-0'), id);
      for (const other of Object.values(own)
        .flat()
        .filter((t) => !tracks.includes(t))) {
        const u = await get(`/v1/label/uploads?track_id=${other}`, token);
        assert.equal(u.status, 404, `${id} uploads of ${other}`);
        const s = (await get(`${endpoints[0]!}&track_id=${other}`, token)).body as { items: [] };
        assert.deepEqual(s.items, [], `${id} streams of ${other}`);
      }
    }
    const unknown = await get('/v1/label/uploads?track_id=track-0', label('label-1'));
    assert.equal(unknown.status, 404);
  });

  it('the URL cannot choose the label: a label_id query is ignored', async () => {
    const r = await get('/v1/label/statements?label_id=label-2', label('label-1'));
    assert.equal((r.body as { label_id: string }).label_id, 'label-1');
  });
});

describe('rate limit per credential', () => {
  it('given a burst of 2, then the third request of one credential is 429 with Retry-After, another credential still passes', async () => {
    const call = (token: string) =>
      fetch(`${limited.base}/v1/label/statements`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const a = limited.token('label', 'label-1');
    assert.equal((await call(a)).status, 200);
    assert.equal((await call(a)).status, 200);
    const r = await call(a);
    assert.equal(r.status, 429);
    assert.match(r.headers.get('content-type')!, /^application\/problem\+json/);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(((await r.json()) as { code: string }).code, 'rate-limited');
    assert.equal((await call(limited.token('label', 'label-2'))).status, 200);
  });
});
