import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackbeatClient } from './backbeat-client.js';
import { createHttpTransport, eventsEndpoint, parseRetryAfter } from './http.transport.js';
import { TransportError } from './sdk.errors.js';
import { CONTEXT, createFakeClock, playbackInput, settle } from '../../test/helpers/sdk.helper.js';
import type { OutgoingEvent } from './sdk.types.js';

const URL_BASE = 'https://ingest.example.test/';

function batchOf(n: number): OutgoingEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'follow',
    event: {
      ...CONTEXT,
      event_id: `0190f0f0-0000-7000-8000-00000000000${i}`,
      event_time: Date.UTC(2025, 0, 1),
      action: 'FOLLOW',
      target_type: 'ARTIST',
      target_id: `artist-${i}`,
    },
  }));
}

interface Seen {
  url: string;
  init: RequestInit;
}

/** A fetch that records the request and answers with the given status, headers and body. */
function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const seen: Seen[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

const transportWith = (f: typeof globalThis.fetch, timeoutMs?: number) =>
  createHttpTransport({
    url: URL_BASE,
    apiKey: 'secret-key-123',
    fetch: f,
    ...(timeoutMs ? { timeoutMs } : {}),
  });

async function rejectsWith(p: Promise<unknown>, check: (e: TransportError) => void) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TransportError, `a TransportError, got ${String(e)}`);
    check(e);
    return true;
  });
}

describe('HTTP transport: the request', () => {
  it('POSTs {"events":[{type, event}]} as JSON to <url>/v1/events with the bearer key', async () => {
    const batch = batchOf(2);
    const f = fakeFetch(200, {
      accepted: 2,
      duplicates: 0,
      rejected: 0,
      results: batch.map((e, index) => ({ index, event_id: e.event.event_id, status: 'accepted' })),
    });
    await transportWith(f.fetch).send(batch);
    const [{ url, init }] = f.seen as [Seen];
    assert.equal(url, 'https://ingest.example.test/v1/events');
    assert.equal(init.method, 'POST');
    const headers = init.headers as Record<string, string>;
    assert.equal(headers.authorization, 'Bearer secret-key-123');
    assert.equal(headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(init.body as string), {
      events: batch.map((e) => ({ type: e.type, event: e.event })),
    });
    assert.ok(init.signal instanceof AbortSignal, 'cancellable (timeout)');
  });
});

describe('HTTP transport: answers', () => {
  it('200: every event accepted', async () => {
    const batch = batchOf(2);
    const f = fakeFetch(200, {
      accepted: 2,
      duplicates: 0,
      rejected: 0,
      results: batch.map((e, index) => ({ index, event_id: e.event.event_id, status: 'accepted' })),
    });
    assert.deepEqual(
      await transportWith(f.fetch).send(batch),
      batch.map((e) => ({ status: 'accepted', event_id: e.event.event_id })),
    );
  });

  it('207: accepted, duplicate and rejected per event, matched by index whatever the order of results', async () => {
    const batch = batchOf(3);
    const f = fakeFetch(207, {
      accepted: 1,
      duplicates: 1,
      rejected: 1,
      results: [
        {
          index: 2,
          event_id: batch[2]!.event.event_id,
          status: 'rejected',
          errors: [{ path: '/event/target_id', reason: 'must not be empty' }],
        },
        { index: 0, event_id: batch[0]!.event.event_id, status: 'accepted' },
        { index: 1, event_id: batch[1]!.event.event_id, status: 'duplicate' },
      ],
    });
    assert.deepEqual(await transportWith(f.fetch).send(batch), [
      { status: 'accepted', event_id: batch[0]!.event.event_id },
      { status: 'duplicate', event_id: batch[1]!.event.event_id },
      {
        status: 'rejected',
        event_id: batch[2]!.event.event_id,
        errors: [{ path: '/target_id', reason: 'must not be empty' }],
      },
    ]);
  });

  it('400 with results: every event rejected with its own paths, as pointers into the event (as the Kafka transport reports them)', async () => {
    const batch = batchOf(2);
    const f = fakeFetch(400, {
      accepted: 0,
      duplicates: 0,
      rejected: 2,
      results: batch.map((e, index) => ({
        index,
        status: 'rejected',
        errors: [{ path: `/event/x${index}`, reason: 'bad' }],
      })),
    });
    const results = await transportWith(f.fetch).send(batch);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? r.errors[0]!.path : r.status)),
      ['/x0', '/x1'],
    );
    assert.deepEqual(
      results.map((r) => r.event_id),
      batch.map((e) => e.event.event_id),
    );
  });

  it('400 without results (a malformed batch): every event rejected with the problem title and detail', async () => {
    const f = fakeFetch(
      400,
      {
        type: 'https://backbeat.dev/problems/invalid-batch',
        title: 'The body must be {"events": [...]}',
        status: 400,
        code: 'invalid-batch',
        detail: 'an array',
      },
      { 'content-type': 'application/problem+json' },
    );
    const results = await transportWith(f.fetch).send(batchOf(2));
    assert.equal(results.length, 2);
    for (const r of results)
      assert.deepEqual(r.status === 'rejected' && r.errors, [
        { path: '', reason: 'HTTP 400: The body must be {"events": [...]}: an array' },
      ]);
  });

  for (const [status, expected] of [
    [401, /^HTTP 401: unauthorized: the API key was refused: Missing or unknown API key$/],
    [
      413,
      /^HTTP 413: batch too large for the gateway \(lower maxBatchSize\): A batch holds at most 500 events$/,
    ],
    [
      415,
      /^HTTP 415: unsupported media type: the gateway expects application\/json: Content-Type must be application\/json$/,
    ],
    [404, /^HTTP 404: No such endpoint$/],
  ] as const) {
    it(`${status}: not retriable, every event rejected with that reason${status === 413 ? ' (413 to a single event)' : ''}`, async () => {
      const title = {
        401: 'Missing or unknown API key',
        413: 'A batch holds at most 500 events',
        415: 'Content-Type must be application/json',
        404: 'No such endpoint',
      }[status];
      const f = fakeFetch(status, { title, status, code: 'x' });
      const batch = batchOf(status === 413 ? 1 : 3);
      const results = await transportWith(f.fetch).send(batch);
      assert.deepEqual(
        results.map((r) => [r.status, r.event_id]),
        batch.map((e) => ['rejected', e.event.event_id]),
      );
      for (const r of results)
        assert.match(r.status === 'rejected' ? r.errors[0]!.reason : '', expected);
    });
  }

  it('413 to a batch of several events: throws SDK_BATCH_TOO_LARGE, not retriable (the client splits it)', async () => {
    const f = fakeFetch(413, { title: 'A batch holds at most 500 events', status: 413 });
    await rejectsWith(transportWith(f.fetch).send(batchOf(3)), (e) => {
      assert.equal(e.code, 'SDK_BATCH_TOO_LARGE');
      assert.equal(e.retriable, false);
      assert.equal(e.status, 413);
    });
  });

  it('429 with Retry-After seconds: throws retriable with retryAfterMs', async () => {
    const f = fakeFetch(
      429,
      { title: 'Too many events for this API key', detail: 'retry after 7 s' },
      { 'retry-after': '7' },
    );
    await rejectsWith(transportWith(f.fetch).send(batchOf(1)), (e) => {
      assert.equal(e.retriable, true);
      assert.equal(e.retryAfterMs, 7000);
      assert.equal(e.status, 429);
      assert.match(e.message, /429: Too many events for this API key: retry after 7 s/);
    });
  });

  it('503 with an HTTP-date Retry-After: retriable, the delay until that date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const f = fakeFetch(503, { title: 'Kafka did not confirm the batch' }, { 'retry-after': at });
    await rejectsWith(transportWith(f.fetch).send(batchOf(1)), (e) => {
      assert.equal(e.retriable, true);
      assert.ok(e.retryAfterMs! > 25_000 && e.retryAfterMs! <= 30_000, `${e.retryAfterMs}`);
    });
    assert.equal(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 27, 0)),
      60_000,
    );
    assert.equal(parseRetryAfter('soon', 0), undefined);
    assert.equal(parseRetryAfter(null, 0), undefined);
  });

  for (const status of [500, 502, 504, 408]) {
    it(`${status} without Retry-After: retriable, no server delay`, async () => {
      const f = fakeFetch(status, 'upstream trouble');
      await rejectsWith(transportWith(f.fetch).send(batchOf(1)), (e) => {
        assert.equal(e.retriable, true);
        assert.equal(e.retryAfterMs, undefined);
        assert.equal(e.code, 'SDK_HTTP');
        assert.match(e.message, new RegExp(`${status}: upstream trouble`));
      });
    });
  }

  it('a network error: retriable SDK_NETWORK', async () => {
    const fetch = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof globalThis.fetch;
    await rejectsWith(transportWith(fetch).send(batchOf(1)), (e) => {
      assert.equal(e.code, 'SDK_NETWORK');
      assert.equal(e.retriable, true);
      assert.match(e.message, /fetch failed/);
    });
  });

  it('no answer within timeoutMs: the request is aborted, retriable SDK_TIMEOUT', async () => {
    let aborted = false;
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        init.signal!.addEventListener('abort', () => {
          aborted = true;
          reject(new DOMException('aborted', 'AbortError'));
        });
      })) as unknown as typeof globalThis.fetch;
    const t0 = Date.now();
    await rejectsWith(transportWith(fetch, 30).send(batchOf(1)), (e) => {
      assert.equal(e.code, 'SDK_TIMEOUT');
      assert.equal(e.retriable, true);
    });
    assert.ok(aborted);
    assert.ok(Date.now() - t0 < 1000);
  });

  it('a 2xx body that does not answer every event: retriable SDK_BAD_RESPONSE (the batch is resent)', async () => {
    const batch = batchOf(2);
    for (const body of [
      '<html>proxy</html>',
      { results: [{ index: 0, status: 'accepted' }] },
      {
        results: [
          { index: 5, status: 'accepted' },
          { index: 1, status: 'accepted' },
        ],
      },
    ]) {
      const f = fakeFetch(200, body);
      await rejectsWith(transportWith(f.fetch).send(batch), (e) => {
        assert.equal(e.code, 'SDK_BAD_RESPONSE');
        assert.equal(e.retriable, true);
      });
    }
  });

  it('after close: send throws, not retriable', async () => {
    const t = transportWith(fakeFetch(200, {}).fetch);
    await t.close();
    await rejectsWith(t.send(batchOf(1)), (e) => assert.equal(e.retriable, false));
  });
});

describe('HTTP transport with the client', () => {
  it('the client waits the Retry-After of a 429, then its batch is accepted', async () => {
    const clock = createFakeClock();
    const answers: { status: number; body: unknown; headers?: Record<string, string> }[] = [
      { status: 429, body: { title: 'Too many events' }, headers: { 'retry-after': '2' } },
    ];
    const calls: number[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      calls.push(clock.now());
      const a = answers.shift();
      if (a)
        return new Response(JSON.stringify(a.body), { status: a.status, headers: a.headers ?? {} });
      const events = JSON.parse(init.body as string).events as { event: { event_id: string } }[];
      return Response.json({
        accepted: events.length,
        duplicates: 0,
        rejected: 0,
        results: events.map((e, index) => ({
          index,
          event_id: e.event.event_id,
          status: 'accepted',
        })),
      });
    }) as unknown as typeof globalThis.fetch;
    const client = createBackbeatClient(
      { context: CONTEXT, lingerMs: 0, now: clock.now },
      { transport: transportWith(fetch), timers: clock.timers, random: () => 0 },
    );
    client.playback(playbackInput());
    await clock.advance(1999);
    assert.equal(calls.length, 1);
    await clock.advance(1);
    await settle();
    assert.deepEqual(
      calls.map((t) => t - calls[0]!),
      [0, 2000],
    );
    assert.equal(client.stats().accepted, 1);
  });
});

describe('HTTP transport: addresses, limits, keepalive, ids', () => {
  it('given the base URL or the events endpoint, then both POST to <base>/v1/events', async () => {
    for (const url of [
      'https://ingest.example.test',
      'https://ingest.example.test/',
      'https://ingest.example.test/v1/events',
      'https://ingest.example.test/v1/events/',
    ]) {
      const f = fakeFetch(200, { results: [{ index: 0, status: 'accepted' }] });
      await createHttpTransport({ url, apiKey: 'k-12345678', fetch: f.fetch }).send(batchOf(1));
      assert.equal(f.seen[0]!.url, 'https://ingest.example.test/v1/events', url);
    }
    assert.equal(
      eventsEndpoint('http://127.0.0.1:8090/ingest/'),
      'http://127.0.0.1:8090/ingest/v1/events',
    );
  });

  it('given a malformed URL or a scheme other than http(s), then construction throws SDK_CONFIG_INVALID', () => {
    for (const [url, why] of [
      ['ingest.example.test', /not a valid absolute URL/],
      ['http//oops', /not a valid absolute URL/],
      ['ftp://ingest.example.test', /scheme ftp, not http or https/],
      ['javascript:alert(1)', /scheme javascript/],
      ['https://user:pw@ingest.example.test', /credentials/],
      ['https://ingest.example.test/?key=1', /query/],
    ] as const)
      assert.throws(
        () => createHttpTransport({ url, apiKey: 'k-12345678' }),
        (e: unknown) =>
          e instanceof TransportError && e.code === 'SDK_CONFIG_INVALID' && why.test(e.message),
        url,
      );
  });

  it("states the gateway's limits (500 events, 1 MiB by default, or as configured)", () => {
    assert.deepEqual(createHttpTransport({ url: URL_BASE, apiKey: 'k-12345678' }).limits, {
      maxBatchSize: 500,
      maxBatchBytes: 1_048_576,
    });
    assert.deepEqual(
      createHttpTransport({ url: URL_BASE, apiKey: 'k', maxEvents: 20, maxBodyBytes: 65_536 })
        .limits,
      { maxBatchSize: 20, maxBatchBytes: 65_536 },
    );
  });

  it('given keepalive, then fetch gets keepalive: true (a page unload does not cancel it); otherwise not', async () => {
    const f = fakeFetch(200, { results: [{ index: 0, status: 'accepted' }] });
    const t = transportWith(f.fetch);
    await t.send(batchOf(1), { keepalive: true });
    await t.send(batchOf(1));
    assert.equal(f.seen[0]!.init.keepalive, true);
    assert.equal(f.seen[1]!.init.keepalive, undefined);
  });

  it('given an event id in upper case, then it is sent in lower case', async () => {
    const f = fakeFetch(200, { results: [{ index: 0, status: 'accepted' }] });
    const [e] = batchOf(1);
    e!.event.event_id = e!.event.event_id.toUpperCase().replace('0190F0F0', '0190ABCD');
    await transportWith(f.fetch).send([e!]);
    const sent = JSON.parse(String(f.seen[0]!.init.body)) as {
      events: { event: { event_id: string } }[];
    };
    assert.equal(sent.events[0]!.event.event_id, e!.event.event_id.toLowerCase());
  });
});
