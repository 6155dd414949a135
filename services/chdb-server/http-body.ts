/**
 * Request and response bodies of ClickHouse's HTTP interface: a request body decompressed by
 * its Content-Encoding (gzip, deflate, br, zstd where Node has it) up to a size limit,
 * multipart/form-data query parameters, and a result compressed when the client asked for it
 * (`enable_http_compression=1` and Accept-Encoding).
 */
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotli = promisify(zlib.brotliCompress);

/** Reads `req` whole, decoded by `contentEncoding`; over `maxBytes` (decoded) it is refused. */
export async function readBody(
  req: Readable,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  let source: Readable = req;
  if (encoding && encoding !== 'identity') {
    const z = zlib as unknown as Record<string, (() => NodeJS.ReadWriteStream) | undefined>;
    const make =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? zlib.createGunzip
        : encoding === 'deflate'
          ? zlib.createInflate
          : encoding === 'br'
            ? zlib.createBrotliDecompress
            : encoding === 'zstd'
              ? z.createZstdDecompress
              : undefined;
    if (!make) {
      throw new ClickHouseServerError(
        ErrorCode.UNKNOWN_COMPRESSION_METHOD,
        `Unknown HTTP compression method ${encoding}: the chDB server reads gzip, deflate and br`,
      );
    }
    const decoder = make() as unknown as Readable & NodeJS.WritableStream;
    req.on('error', (err) => decoder.destroy(err));
    source = req.pipe(decoder);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        req.destroy();
        throw new ClickHouseServerError(
          ErrorCode.QUERY_IS_TOO_LARGE,
          `Request body is larger than ${maxBytes} bytes`,
        );
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof ClickHouseServerError) throw err;
    throw new ClickHouseServerError(
      encoding ? ErrorCode.CANNOT_DECOMPRESS : ErrorCode.UNKNOWN_EXCEPTION,
      `Cannot read the request body${encoding ? ` (${encoding})` : ''}: ${(err as Error).message}`,
    );
  }
  return Buffer.concat(chunks);
}

/**
 * The parts of a multipart/form-data body (name -> text), or undefined when the body is not
 * multipart. Only `query` and `param_*` parts are accepted; external data (files, other
 * names) is refused.
 */
export function parseMultipart(
  contentType: string | undefined,
  body: Buffer,
): Map<string, string> | undefined {
  const m = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (!m) return undefined;
  const delimiter = Buffer.from(`--${m[1]}`);
  const parts = new Map<string, string>();
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      if (
        name === undefined ||
        /filename=/i.test(headers) ||
        !(name === 'query' || name.startsWith('param_'))
      ) {
        throw new ClickHouseServerError(
          ErrorCode.NOT_IMPLEMENTED,
          `external data (multipart part ${JSON.stringify(name ?? '')}) is not supported by the chDB server`,
        );
      }
      parts.set(name, content.toString('utf8'));
    }
    at = next;
  }
  return parts;
}

/**
 * The result body, compressed with the first encoding of `acceptEncoding` the server has when
 * `enable_http_compression` is on (level `http_zlib_compression_level`, default 3).
 */
export async function compressBody(
  acceptEncoding: string | undefined,
  params: URLSearchParams,
  body: Buffer,
): Promise<{ body: Buffer; encoding?: string }> {
  const on = params.get('enable_http_compression');
  if (on !== '1' && on !== 'true') return { body };
  const accepted = (acceptEncoding ?? '')
    .split(',')
    .map((e) => e.split(';')[0]!.trim().toLowerCase());
  const level = Number(params.get('http_zlib_compression_level') ?? 3);
  const zlevel = Number.isInteger(level) && level >= 1 && level <= 9 ? level : 3;
  for (const e of accepted) {
    if (e === 'gzip' || e === 'x-gzip')
      return { body: await gzip(body, { level: zlevel }), encoding: 'gzip' };
    if (e === 'deflate')
      return { body: await deflate(body, { level: zlevel }), encoding: 'deflate' };
    if (e === 'br') return { body: await brotli(body), encoding: 'br' };
  }
  return { body };
}
