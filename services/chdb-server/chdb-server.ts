/**
 * A ClickHouse HTTP-interface server backed by chDB. It owns the chDB data folder (chDB lets
 * one process open it) and speaks the part of ClickHouse's HTTP protocol that
 * `@clickhouse/client` uses, so every other process reaches ClickHouse with an ordinary URL,
 * exactly as it would a ClickHouse server.
 *
 * - `GET /ping`, `GET /` -> `Ok.\n`; `/metrics`, `/healthz`, `/readyz` for operations.
 * - `POST /` (and `GET /?query=`, read-only): the statement is the `query` parameter, a line
 *   break and the body (an INSERT's data follows its `FORMAT` name); `param_*` bind server-side;
 *   `database`, `default_format`, `query_id`, `session_id` as in ClickHouse; every other
 *   parameter is a setting of this query only; multipart/form-data query parameters.
 * - Answers carry `X-ClickHouse-Query-Id`, `-Summary`, `-Format`; gzip/deflate/br both ways;
 *   errors as ClickHouse writes them, with `X-ClickHouse-Exception-Code` and its HTTP status.
 * - Two users: a read-write one, and a read-only analyst whose queries run on `readonly = 2`
 *   sessions. Wrong credentials answer 516 AUTHENTICATION_FAILED (HTTP 403), as ClickHouse does.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import express, { type Express, type Request, type Response } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createOpsRouter } from '../../common/http/ops.router.js';
import type { Logger } from '../../common/logging/logger.js';
import { ChdbEngine, type Access, type AnalystLimits, type QueryRequest } from './chdb-engine.js';
import {
  ClickHouseServerError,
  ErrorCode,
  NON_SETTING_PARAMS,
  contentTypeFor,
  httpStatusFor,
  isHttpOnlySetting,
} from './clickhouse-protocol.js';

export interface ChdbUser {
  name: string;
  password: string;
  /** 'read' users run every query on read-only sessions (`readonly = 2`). */
  access: Access;
}

export interface ChdbServerConfig {
  host: string;
  port: number;
  /** The chDB data folder this server owns. */
  path: string;
  /** chDB sessions per pool (read-write, read-only). */
  sessions: number;
  users: ChdbUser[];
  /** Largest request body after decompression (default 1 GiB). */
  maxBodyBytes?: number;
  /** Limits of the 'read' users, enforced by the server whatever the query says. */
  analystLimits?: AnalystLimits;
}

export interface ChdbServerDeps {
  log: Logger;
  registry: Registry;
}

export interface ChdbServer {
  app: Express;
  engine: ChdbEngine;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<{ port: number }>;
  /** Stops taking connections, lets running queries finish, closes the chDB sessions. */
  close(): Promise<void>;
}

/** UNKNOWN_EXCEPTION, LOGICAL_ERROR, ABORTED: the server's or the engine's fault, not the query's. */
const INTERNAL_CODES = new Set([ErrorCode.UNKNOWN_EXCEPTION, 49, 236]);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotli = promisify(zlib.brotliCompress);

function sha(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function kindLabel(kind: string): string {
  if (kind === 'SELECT' || kind === 'WITH') return 'select';
  if (kind === 'INSERT') return 'insert';
  if (['CREATE', 'DROP', 'ALTER', 'RENAME', 'TRUNCATE', 'ATTACH', 'DETACH'].includes(kind))
    return 'ddl';
  return kind ? 'other' : 'unknown';
}

export async function createChdbServer(
  config: ChdbServerConfig,
  deps: ChdbServerDeps,
): Promise<ChdbServer> {
  const { log, registry } = deps;
  const maxBody = config.maxBodyBytes ?? 1 << 30;
  const users = config.users.map((u) => ({ ...u, digest: sha(u.password) }));
  const engine = await ChdbEngine.open({
    path: config.path,
    sessions: config.sessions,
    log,
    ...(config.analystLimits ? { analystLimits: config.analystLimits } : {}),
  });
  const host = os.hostname();

  const queries = new Counter({
    name: 'backbeat_chdb_queries_total',
    help: 'Queries answered by the chDB server, by user, statement kind and outcome',
    labelNames: ['user', 'kind', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'backbeat_chdb_query_duration_seconds',
    help: 'Time from request to answer, by statement kind',
    labelNames: ['kind'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const rowsWritten = new Counter({
    name: 'backbeat_chdb_written_rows_total',
    help: 'Rows written by INSERTs through the chDB server',
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'backbeat_chdb_auth_failures_total',
    help: 'Requests refused for missing or wrong credentials',
    registers: [registry],
  });
  new Gauge({
    name: 'backbeat_chdb_queued_queries',
    help: 'Queries running or waiting on the chDB sessions, by pool',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      const s = engine.stats();
      this.set({ pool: 'read_write' }, s.writeQueue);
      this.set({ pool: 'read_only' }, s.readQueue);
    },
  });
  new Gauge({
    name: 'backbeat_chdb_http_sessions',
    help: 'Open HTTP sessions (session_id)',
    registers: [registry],
    collect() {
      this.set(engine.stats().httpSessions);
    },
  });

  function authenticate(req: Request, params: URLSearchParams): (typeof users)[number] {
    const headerUser = req.get('x-clickhouse-user');
    const headerKey = req.get('x-clickhouse-key');
    const basic = /^Basic\s+(.+)$/i.exec(req.get('authorization') ?? '');
    const paramUser = params.get('user');
    const paramPassword = params.get('password');
    const ways = [
      headerUser !== undefined || headerKey !== undefined,
      !!basic,
      paramUser !== null || paramPassword !== null,
    ].filter(Boolean).length;
    if (ways > 1) {
      throw new ClickHouseServerError(
        ErrorCode.AUTHENTICATION_FAILED,
        'Invalid authentication: it is not allowed to use Authorization HTTP header, X-ClickHouse-User/Key headers and authentication via parameters simultaneously',
      );
    }
    let name = 'default';
    let password = '';
    if (headerUser !== undefined || headerKey !== undefined) {
      name = headerUser ?? 'default';
      password = headerKey ?? '';
    } else if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      name = colon < 0 ? decoded : decoded.slice(0, colon);
      password = colon < 0 ? '' : decoded.slice(colon + 1);
    } else if (paramUser !== null || paramPassword !== null) {
      name = paramUser ?? 'default';
      password = paramPassword ?? '';
    }
    const digest = sha(password);
    const user = users.find((u) => u.name === name);
    // Compare a digest either way, so an unknown user costs what a wrong password costs.
    const ok = timingSafeEqual(digest, user?.digest ?? sha(`\u0000${password}`)) && !!user;
    if (!ok || !user) {
      authFailures.inc();
      throw new ClickHouseServerError(
        ErrorCode.AUTHENTICATION_FAILED,
        `${name}: Authentication failed: password is incorrect, or there is no user with such name`,
      );
    }
    return user;
  }

  async function readBody(req: Request): Promise<Buffer> {
    const encoding = (req.get('content-encoding') ?? '').trim().toLowerCase();
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
        if (size > maxBody) {
          req.destroy();
          throw new ClickHouseServerError(
            ErrorCode.QUERY_IS_TOO_LARGE,
            `Request body is larger than ${maxBody} bytes`,
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

  function multipart(req: Request, body: Buffer): Map<string, string> | undefined {
    const type = req.get('content-type') ?? '';
    const m = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(type);
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

  async function compress(
    req: Request,
    params: URLSearchParams,
    body: Buffer,
  ): Promise<{ body: Buffer; encoding?: string }> {
    const on = params.get('enable_http_compression');
    if (on !== '1' && on !== 'true') return { body };
    const accepted = (req.get('accept-encoding') ?? '')
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

  function sendError(res: Response, err: unknown, queryId: string, userName?: string): number {
    const e =
      err instanceof ClickHouseServerError
        ? err
        : new ClickHouseServerError(
            ErrorCode.UNKNOWN_EXCEPTION,
            (err as Error)?.message ?? String(err),
          );
    let text = e.text;
    // chDB runs every session as its `default` user; name the user who asked instead.
    if (userName) text = text.replace(/DB::Exception: default: /g, `DB::Exception: ${userName}: `);
    if (!/\(version [^)]*(\([^)]*\))?\)\s*$/.test(text))
      text += ` (version ${engine.version} (chDB))`;
    const status = httpStatusFor(e.code);
    if (!res.headersSent) {
      res
        .status(status)
        .set({
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Exception-Code': String(e.code),
          'X-ClickHouse-Query-Id': queryId,
        })
        .end(`${text}\n`);
    }
    return status;
  }

  async function handleQuery(req: Request, res: Response): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.originalUrl, 'http://chdb.local');
    const params = url.searchParams;
    const queryId = params.get('query_id') || randomUUID();
    res.set({
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Server-Display-Name': host,
      'X-ClickHouse-Timezone': engine.timezone,
    });
    let userName: string | undefined;
    let kind = '';
    // The client went away: a query still queued for a session is dropped unrun.
    const gone = new AbortController();
    res.once('close', () => res.writableFinished || gone.abort());
    try {
      const isGet = req.method === 'GET' || req.method === 'HEAD';
      // A bare GET / is ClickHouse's health check: no credentials needed.
      if (isGet && !params.has('query')) {
        res.type('text/plain').send('Ok.\n');
        return;
      }
      const user = authenticate(req, params);
      userName = user.name;
      const raw = isGet ? Buffer.alloc(0) : await readBody(req);
      const parts = multipart(req, raw);
      const body = parts ? Buffer.alloc(0) : raw;
      const queryParam = parts?.get('query') ?? params.get('query') ?? undefined;
      for (const p of ['compress', 'decompress'])
        if (params.get(p) === '1')
          throw new ClickHouseServerError(
            ErrorCode.NOT_IMPLEMENTED,
            `${p}=1 (ClickHouse's native block compression) is not supported by the chDB server; use HTTP compression`,
          );
      const role = params.get('role');
      if (role !== null)
        throw new ClickHouseServerError(
          ErrorCode.UNKNOWN_ROLE,
          `There is no role \`${role}\` in user directories`,
        );

      const settings: [string, string][] = [];
      const queryParams: Record<string, string> = {};
      for (const [k, v] of params) {
        if (k.startsWith('param_')) queryParams[k.slice(6)] = v;
        else if (NON_SETTING_PARAMS.has(k) || isHttpOnlySetting(k) || k === 'readonly') continue;
        else if (k === 'dialect' && v === 'clickhouse') continue;
        else if (k === 'dialect')
          throw new ClickHouseServerError(
            ErrorCode.BAD_ARGUMENTS,
            "The chDB server runs ClickHouse SQL only: 'dialect' cannot be changed",
          );
        else settings.push([k, v]);
      }
      for (const [k, v] of parts ?? []) if (k.startsWith('param_')) queryParams[k.slice(6)] = v;

      const sessionId = params.get('session_id') ?? undefined;
      const readonlyParam = params.get('readonly');
      const wantsReadOnly = isGet || (readonlyParam !== null && readonlyParam !== '0');
      let access: Access = user.access;
      if (access === 'read' && readonlyParam === '0')
        throw new ClickHouseServerError(
          ErrorCode.READONLY,
          "Cannot modify 'readonly' setting in readonly mode",
        );
      // Without a session, a read-only request runs on a read-only session; in a writable HTTP
      // session it may only run statements that read.
      if (wantsReadOnly && sessionId === undefined) access = 'read';
      const timeout = params.get('session_timeout');
      const request: QueryRequest = {
        user: user.name,
        access,
        restricted: user.access === 'read',
        readOnlyStatement: wantsReadOnly,
        ...(sessionId !== undefined ? { sessionId } : {}),
        ...(timeout !== null ? { sessionTimeoutS: Number(timeout) } : {}),
        sessionCheck: params.get('session_check') === '1',
        ...(queryParam !== undefined ? { queryParam } : {}),
        body,
        settings,
        params: queryParams,
        signal: gone.signal,
      };
      const database = params.get('database') ?? req.get('x-clickhouse-database');
      if (database) request.database = database;
      const defaultFormat = params.get('default_format') ?? req.get('x-clickhouse-format');
      if (defaultFormat) request.defaultFormat = defaultFormat;

      const result = await engine.execute(request);
      kind = result.kind;
      if (result.kind === 'INSERT') rowsWritten.inc(Number(result.summary.written_rows ?? 0));
      const out = await compress(req, params, result.body);
      res.status(200).set({
        'Content-Type': contentTypeFor(result.format),
        'X-ClickHouse-Format': result.format,
        'X-ClickHouse-Summary': JSON.stringify(result.summary),
        ...(out.encoding ? { 'Content-Encoding': out.encoding, Vary: 'Accept-Encoding' } : {}),
      });
      if (params.get('add_http_cors_header') === '1') res.set('Access-Control-Allow-Origin', '*');
      res.end(req.method === 'HEAD' ? undefined : out.body);
      queries.inc({ user: user.name, kind: kindLabel(kind), outcome: 'ok' });
      log.debug(
        {
          queryId,
          user: user.name,
          kind,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          summary: result.summary,
        },
        'query',
      );
    } catch (err) {
      const status = sendError(res, err, queryId, userName);
      queries.inc({ user: userName ?? '-', kind: kindLabel(kind), outcome: 'error' });
      const e = err as ClickHouseServerError;
      const fields = {
        queryId,
        user: userName,
        status,
        code: e.code,
        err: e.message?.slice(0, 500),
      };
      // The engine's answers to bad queries are the client's business; the server's own are not.
      if (INTERNAL_CODES.has(e.code)) log.error(fields, 'query failed');
      else log.info(fields, 'query failed');
    } finally {
      duration.observe({ kind: kindLabel(kind) }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(
    createOpsRouter({
      registry,
      readiness: [
        {
          name: 'chdb',
          check: async () => {
            if (!engine.ready) throw new Error('the chDB engine is closed');
          },
        },
      ],
    }),
  );
  const ok = (_req: Request, res: Response) => void res.type('text/plain').send('Ok.\n');
  app.get('/ping', ok);
  app.get('/replicas_status', ok);
  app.all('/', (req, res) => void handleQuery(req, res));
  app.use((req, res) => {
    res
      .status(404)
      .type('text/plain')
      .send(
        `There is no handle ${req.path}\n\nUse / or /ping for health checks.\nSend queries with POST / or GET /?query=...\n`,
      );
  });

  const server = http.createServer({ maxHeaderSize: 1 << 20 }, app);
  // Longer than the client's idle-socket TTL (2.5 s by default), as ClickHouse's 10 s is.
  server.keepAliveTimeout = 10_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 0;

  return {
    app,
    engine,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const addr = server.address();
          resolve({ port: typeof addr === 'object' && addr ? addr.port : config.port });
        });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await engine.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
