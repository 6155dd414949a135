import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChdbUser } from './chdb-auth.js';
import { ErrorCode } from './clickhouse-protocol.js';
import { buildQueryRequest, type HttpQuery } from './query-request.js';

const writer: ChdbUser = { name: 'backbeat', password: '', access: 'write' };
const analyst: ChdbUser = { name: 'analyst', password: '', access: 'read' };

function http(query: string, over: Partial<HttpQuery> = {}): HttpQuery {
  return {
    method: 'POST',
    params: new URLSearchParams(query),
    header: () => undefined,
    user: writer,
    body: Buffer.alloc(0),
    ...over,
  };
}

describe('buildQueryRequest', () => {
  it('given URL parameters, then param_* bind, protocol and HTTP-only ones are dropped, the rest are settings', () => {
    const r = buildQueryRequest(
      http(
        'query=SELECT+1&param_x=7&database=db&default_format=JSON&max_threads=2&enable_http_compression=1&http_zlib_compression_level=3&dialect=clickhouse&readonly=0&query_id=q',
      ),
    );
    assert.equal(r.queryParam, 'SELECT 1');
    assert.deepEqual(r.params, { x: '7' });
    assert.deepEqual(r.settings, [['max_threads', '2']]);
    assert.equal(r.database, 'db');
    assert.equal(r.defaultFormat, 'JSON');
    assert.equal(r.access, 'write');
    assert.equal(r.readOnlyStatement, false);
  });

  it('given a GET or readonly=1, then it runs read-only; in a session only its statement is held to reading', () => {
    const get = buildQueryRequest(http('query=SELECT+1', { method: 'GET' }));
    assert.equal(get.access, 'read');
    assert.equal(get.readOnlyStatement, true);
    const inSession = buildQueryRequest(
      http('readonly=1&session_id=s&session_timeout=5&session_check=1'),
    );
    assert.equal(inSession.access, 'write');
    assert.equal(inSession.readOnlyStatement, true);
    assert.equal(inSession.sessionId, 's');
    assert.equal(inSession.sessionTimeoutS, 5);
    assert.equal(inSession.sessionCheck, true);
  });

  it('given the analyst, then restricted on read sessions, and readonly=0 is refused', () => {
    const r = buildQueryRequest(http('', { user: analyst }));
    assert.equal(r.restricted, true);
    assert.equal(r.access, 'read');
    assert.throws(() => buildQueryRequest(http('readonly=0', { user: analyst })), {
      errorCode: ErrorCode.READONLY,
    });
  });

  it('given native compression, a role or another dialect, then refused', () => {
    assert.throws(() => buildQueryRequest(http('compress=1')), {
      errorCode: ErrorCode.NOT_IMPLEMENTED,
    });
    assert.throws(() => buildQueryRequest(http('decompress=1')), {
      errorCode: ErrorCode.NOT_IMPLEMENTED,
    });
    assert.throws(() => buildQueryRequest(http('role=admin')), {
      errorCode: ErrorCode.UNKNOWN_ROLE,
    });
    assert.throws(() => buildQueryRequest(http('dialect=prql')), {
      errorCode: ErrorCode.BAD_ARGUMENTS,
    });
  });

  it('given a multipart body, then its query and param_* parts are used and the body is empty', () => {
    const body = Buffer.from(
      '--B\r\nContent-Disposition: form-data; name="query"\r\n\r\nSELECT {x:UInt8}\r\n--B\r\nContent-Disposition: form-data; name="param_x"\r\n\r\n3\r\n--B--\r\n',
    );
    const r = buildQueryRequest(
      http('query=ignored', {
        body,
        header: (n) => (n === 'content-type' ? 'multipart/form-data; boundary=B' : undefined),
      }),
    );
    assert.equal(r.queryParam, 'SELECT {x:UInt8}');
    assert.deepEqual(r.params, { x: '3' });
    assert.equal(r.body.length, 0);
  });

  it('given database and format headers, then they are used when the URL names none', () => {
    const headers: Record<string, string> = {
      'x-clickhouse-database': 'hdb',
      'x-clickhouse-format': 'CSV',
    };
    const r = buildQueryRequest(http('', { header: (n) => headers[n] }));
    assert.equal(r.database, 'hdb');
    assert.equal(r.defaultFormat, 'CSV');
  });
});
