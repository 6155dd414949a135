import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';
import { compressBody, parseMultipart, readBody } from './http-body.js';

const codeOf = (err: unknown) => (err instanceof ClickHouseServerError ? err.errorCode : undefined);

describe('readBody', () => {
  it('given a gzip, deflate or br body, then it is read decoded', async () => {
    const text = Buffer.from('INSERT INTO t FORMAT CSV\n1,2\n');
    for (const [encoding, packed] of [
      ['gzip', zlib.gzipSync(text)],
      ['deflate', zlib.deflateSync(text)],
      ['br', zlib.brotliCompressSync(text)],
      [undefined, text],
      ['identity', text],
    ] as const)
      assert.deepEqual(await readBody(Readable.from([packed]), encoding, 1 << 20), text, encoding);
  });

  it('given a body larger than the limit once decoded, then QUERY_IS_TOO_LARGE', async () => {
    const big = zlib.gzipSync(Buffer.alloc(10_000));
    await assert.rejects(readBody(Readable.from([big]), 'gzip', 1000), (err) => {
      assert.equal(codeOf(err), ErrorCode.QUERY_IS_TOO_LARGE);
      return true;
    });
  });

  it('given an unknown encoding or a corrupt body, then UNKNOWN_COMPRESSION_METHOD or CANNOT_DECOMPRESS', async () => {
    await assert.rejects(readBody(Readable.from([Buffer.from('x')]), 'lzma', 100), (err) => {
      assert.equal(codeOf(err), ErrorCode.UNKNOWN_COMPRESSION_METHOD);
      return true;
    });
    await assert.rejects(readBody(Readable.from([Buffer.from('not gzip')]), 'gzip', 100), (err) => {
      assert.equal(codeOf(err), ErrorCode.CANNOT_DECOMPRESS);
      return true;
    });
  });
});

describe('parseMultipart', () => {
  const form = (parts: [string, string][], extra = '') =>
    Buffer.from(
      parts
        .map(([h, v]) => `--B\r\nContent-Disposition: form-data; ${h}\r\n\r\n${v}\r\n`)
        .join('') +
        extra +
        '--B--\r\n',
    );

  it('given a body that is not multipart, then undefined', () => {
    assert.equal(parseMultipart('text/plain', Buffer.from('SELECT 1')), undefined);
    assert.equal(parseMultipart(undefined, Buffer.from('SELECT 1')), undefined);
  });

  it('given query and param_* parts, then each by name', () => {
    const parts = parseMultipart(
      'multipart/form-data; boundary=B',
      form([
        ['name="query"', 'SELECT {x:UInt8}'],
        ['name="param_x"', '7'],
      ]),
    );
    assert.deepEqual(
      parts,
      new Map([
        ['query', 'SELECT {x:UInt8}'],
        ['param_x', '7'],
      ]),
    );
  });

  it('given external data (a file or another name), then NOT_IMPLEMENTED', () => {
    for (const h of ['name="t"; filename="t.csv"', 'name="structure"'])
      assert.throws(
        () => parseMultipart('multipart/form-data; boundary="B"', form([[h, '1']])),
        (err) => codeOf(err) === ErrorCode.NOT_IMPLEMENTED,
      );
  });
});

describe('compressBody', () => {
  const body = Buffer.from('a\tb\n'.repeat(100));

  it('given enable_http_compression is off, then the body is sent as is', async () => {
    assert.deepEqual(await compressBody('gzip', new URLSearchParams(), body), { body });
  });

  it('given it is on, then the first accepted encoding the server has is used', async () => {
    const on = new URLSearchParams('enable_http_compression=1');
    const gz = await compressBody('zstd, gzip;q=0.9, br', on, body);
    assert.equal(gz.encoding, 'gzip');
    assert.deepEqual(zlib.gunzipSync(gz.body), body);
    const br = await compressBody('br', on, body);
    assert.deepEqual(zlib.brotliDecompressSync(br.body), body);
    assert.deepEqual(await compressBody('zstd', on, body), { body });
  });
});
