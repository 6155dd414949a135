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
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { createOpsRouter } from '../../common/http/ops.router.js';
import type { Logger } from '../../common/logging/logger.js';
import { createAuthenticator, type ChdbUser } from './chdb-auth.js';
import { ChdbEngine } from './chdb-engine.js';
import { createChdbMetrics, kindLabel } from './chdb-metrics.js';
import type { AnalystLimits } from './chdb-query.types.js';
import { ClickHouseServerError, ErrorCode, contentTypeFor } from './clickhouse-protocol.js';
import { compressBody, readBody } from './http-body.js';
import { buildQueryRequest, isReadMethod } from './query-request.js';

export type { ChdbUser } from './chdb-auth.js';

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
const INTERNAL_CODES = new Set<number>([ErrorCode.UNKNOWN_EXCEPTION, 49, 236]);

export async function createChdbServer(
  config: ChdbServerConfig,
  deps: ChdbServerDeps,
): Promise<ChdbServer> {
  const { log, registry } = deps;
  const maxBody = config.maxBodyBytes ?? 1 << 30;
  const engine = await ChdbEngine.open({
    path: config.path,
    sessions: config.sessions,
    log,
    ...(config.analystLimits ? { analystLimits: config.analystLimits } : {}),
  });
  const host = os.hostname();
  const metrics = createChdbMetrics(registry, engine);
  const authenticate = createAuthenticator(config.users, {
    onFailure: () => metrics.authFailures.inc(),
  });

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
    const status = e.httpStatus;
    if (!res.headersSent) {
      res
        .status(status)
        .set({
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Exception-Code': String(e.errorCode),
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
      // A bare GET / is ClickHouse's health check: no credentials needed.
      if (isReadMethod(req.method) && !params.has('query')) {
        res.type('text/plain').send('Ok.\n');
        return;
      }
      const header = (name: string) => req.get(name);
      const user = authenticate(header, params);
      userName = user.name;
      const body = isReadMethod(req.method)
        ? Buffer.alloc(0)
        : await readBody(req, req.get('content-encoding'), maxBody);
      const request = buildQueryRequest({
        method: req.method,
        params,
        header,
        user,
        body,
        signal: gone.signal,
      });

      const result = await engine.execute(request);
      kind = result.kind;
      if (result.kind === 'INSERT')
        metrics.rowsWritten.inc(Number(result.summary.written_rows ?? 0));
      const out = await compressBody(req.get('accept-encoding'), params, result.body);
      res.status(200).set({
        'Content-Type': contentTypeFor(result.format),
        'X-ClickHouse-Format': result.format,
        'X-ClickHouse-Summary': JSON.stringify(result.summary),
        ...(out.encoding ? { 'Content-Encoding': out.encoding, Vary: 'Accept-Encoding' } : {}),
      });
      if (params.get('add_http_cors_header') === '1') res.set('Access-Control-Allow-Origin', '*');
      res.end(req.method === 'HEAD' ? undefined : out.body);
      metrics.queries.inc({ user: user.name, kind: kindLabel(kind), outcome: 'ok' });
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
      metrics.queries.inc({ user: userName ?? '-', kind: kindLabel(kind), outcome: 'error' });
      const e = err as Partial<ClickHouseServerError>;
      const fields = {
        queryId,
        user: userName,
        status,
        // ClickHouse's numeric code; another error's own code, if it has one.
        code: e.errorCode ?? e.code,
        err: e.message?.slice(0, 500),
      };
      // The engine's answers to bad queries are the client's business; the server's own are not.
      if (e.errorCode !== undefined && INTERNAL_CODES.has(e.errorCode))
        log.error(fields, 'query failed');
      else log.info(fields, 'query failed');
    } finally {
      metrics.duration.observe(
        { kind: kindLabel(kind) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
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
            if (!engine.ready)
              throw new BackbeatError('CHDB_ENGINE_CLOSED', 'the chDB engine is closed');
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
