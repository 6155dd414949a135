import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueRequests, encodeRequest, ResponseReader } from './paced-load.js';

describe('paced load schedule', () => {
  it('given a rate, when time passes, then requests fall due evenly, the first at once', () => {
    assert.equal(dueRequests(0, 1000, 10_000), 1);
    assert.equal(dueRequests(0.999, 1000, 10_000), 1);
    assert.equal(dueRequests(1, 1000, 10_000), 2);
    assert.equal(dueRequests(500, 100, 10_000), 51);
    assert.equal(dueRequests(1000, 5000, 100_000), 5001);
  });

  it('given the total is reached, when more time passes, then no more fall due', () => {
    assert.equal(dueRequests(60_000, 5000, 100_000), 100_000);
  });

  it('given a clock before the start, when asked, then none are due', () => {
    assert.equal(dueRequests(-3, 5000, 100), 0);
  });
});

describe('paced load response reader', () => {
  const read = (chunks: string[]) => {
    const r = new ResponseReader();
    const seen: number[] = [];
    for (const c of chunks) r.feed(Buffer.from(c, 'latin1'), (s) => seen.push(s));
    return seen;
  };

  it('given a Content-Length response split anywhere, when fed, then it completes once', () => {
    const whole = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: "x"\r\n\r\nhello';
    for (let cut = 1; cut < whole.length; cut++)
      assert.deepEqual(read([whole.slice(0, cut), whole.slice(cut)]), [200], `cut at ${cut}`);
  });

  it('given two responses in one chunk, when fed, then both complete in order', () => {
    assert.deepEqual(
      read([
        'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n',
      ]),
      [200, 404],
    );
  });

  it('given a chunked body, when fed in pieces, then it completes at the last chunk', () => {
    const whole =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 1\r\n\r\n!';
    assert.deepEqual(read([whole]), [200, 201]);
    assert.deepEqual(read([whole.slice(0, 50), whole.slice(50, 61), whole.slice(61)]), [200, 201]);
  });

  it('given a 304 with a Content-Length, when fed, then no body is expected', () => {
    assert.deepEqual(
      read([
        'HTTP/1.1 304 Not Modified\r\nContent-Length: 120\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n',
      ]),
      [304, 200],
    );
  });

  it('given a response with no length, when fed, then it is refused', () => {
    assert.throws(() => read(['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody']), /neither/);
  });
});

describe('paced load request encoding', () => {
  it('given a POST with headers and a body, when encoded, then the bytes are a full request', () => {
    const bytes = encodeRequest(new URL('http://127.0.0.1:8080'), {
      method: 'POST',
      path: '/v1/events',
      headers: { authorization: 'Bearer k' },
      body: '{"a":1}',
    });
    assert.equal(
      bytes.toString('latin1'),
      'POST /v1/events HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nauthorization: Bearer k\r\ncontent-length: 7\r\n\r\n{"a":1}',
    );
  });
});
