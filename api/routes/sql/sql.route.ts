import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import express, { type Request, type Response, type Router } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { sendProblem } from '../../../common/http/problem.js';
import type { Logger } from '../../../common/logging/logger.js';
import { checkAnalystSql } from './sql.guard.js';
import {
  AnalystSqlError,
  SQL_FORMATS,
  isSqlFormat,
  runAnalystQuery,
  type SqlFormat,
  type SqlLimits,
} from './sql.executor.js';

export { sqlOpenApi } from './sql.openapi.js';

export interface SqlRouteConfig extends SqlLimits {
  /** Largest request body in bytes (default 256 KiB, ClickHouse's default max_query_size). */
  maxBodyBytes?: number;
}

export interface SqlRouteDeps {
  /** A client logged in as the read-only analyst user, in the Backbeat database. */
  clickhouse: ClickHouseClient;
  logger: Logger;
  registry: Registry;
}

const FORMATS = Object.keys(SQL_FORMATS).join(', ');

/**
 * POST /v1/sql: one read statement from an analyst (the token is checked before this router),
 * run as the read-only analyst user with row and time limits, streamed back in the requested
 * format. Body: {"query", "format"} as JSON, or the statement as text/plain with ?format=.
 */
export function createSqlRouter(config: SqlRouteConfig, deps: SqlRouteDeps): Router {
  const limit = config.maxBodyBytes ?? 256 * 1024;
  const m = metrics(deps.registry);
  const router = express.Router();

  router.post(
    '/v1/sql',
    (req, res, next) => {
      if (req.is(['application/json', 'text/plain'])) return next();
      sendProblem(res, {
        status: 415,
        code: 'unsupported-media-type',
        title: 'Send the query as application/json or text/plain',
        detail: `got ${req.headers['content-type'] ?? 'no Content-Type'}`,
      });
    },
    express.json({ limit }),
    express.text({ limit, type: 'text/plain' }),
    async (req: Request, res: Response) => {
      const parsed = parseBody(req);
      if ('problem' in parsed) {
        m.queries.inc({ outcome: 'bad_request' });
        return sendProblem(res, { status: 400, ...parsed.problem });
      }
      const checked = checkAnalystSql(parsed.query);
      const analyst = res.locals.analyst as string | undefined;
      const started = process.hrtime.bigint();
      const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
      // One structured line per analyst query, with its text (never the token or a password).
      const audit = (outcome: string, extra: Record<string, unknown> = {}) =>
        deps.logger.info(
          { analyst, query: parsed.query.slice(0, 16_384), ms: ms(), outcome, ...extra },
          'analyst query',
        );
      if (!checked.ok) {
        audit('refused', { code: checked.code });
        m.queries.inc({ outcome: 'refused' });
        return sendProblem(res, {
          status: 400,
          code: checked.code,
          title: checked.title,
          detail: checked.detail,
        });
      }
      const abort = new AbortController();
      // The analyst went away: stop the query in ClickHouse too.
      res.once('close', () => res.writableFinished || abort.abort());
      const queryId = randomUUID();
      try {
        const result = await runAnalystQuery(deps.clickhouse, {
          query: checked.query,
          format: parsed.format,
          limits: config,
          signal: abort.signal,
          queryId,
        });
        res.status(200).set({
          'Content-Type': SQL_FORMATS[parsed.format],
          'Cache-Control': 'private, no-store',
          'X-Query-Id': result.queryId,
        });
        await pipeline(result.stream, res);
        m.queries.inc({ outcome: 'ok' });
        audit('ok', { queryId, kind: checked.kind, ...result.summary });
      } catch (err) {
        if (err instanceof AnalystSqlError) {
          m.queries.inc({ outcome: err.code });
          audit(abort.signal.aborted ? 'abandoned' : 'failed', {
            queryId,
            code: err.code,
            clickhouse: err.clickhouse,
          });
          return sendProblem(
            res,
            {
              status: err.status,
              code: err.code,
              title: err.title,
              detail: err.message,
              ...(err.clickhouse
                ? { clickhouse_code: err.clickhouse.code, clickhouse_type: err.clickhouse.type }
                : {}),
            },
            err.status === 503 ? { 'Retry-After': '1' } : {},
          );
        }
        m.queries.inc({ outcome: 'stream_failed' });
        audit(abort.signal.aborted ? 'abandoned' : 'stream_failed', { queryId, err });
        // Headers are gone once the body started; all that is left is to cut the response.
        if (!res.headersSent) throw err;
        res.destroy(err as Error);
      } finally {
        m.seconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
  );
  return router;
}

type Parsed =
  | { query: string; format: SqlFormat }
  | { problem: { code: string; title: string; detail: string } };

function parseBody(req: Request): Parsed {
  const qFormat = req.query.format;
  if (qFormat !== undefined && !isSqlFormat(qFormat))
    return bad('invalid-format', `format must be one of ${FORMATS}`, `?format=${String(qFormat)}`);
  if (typeof req.body === 'string') {
    return { query: req.body, format: (qFormat as SqlFormat | undefined) ?? 'JSON' };
  }
  const b = req.body as unknown;
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    return bad(
      'invalid-body',
      'The body must be {"query": "...", "format": "..."}',
      'not a JSON object',
    );
  const o = b as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'query' && k !== 'format');
  if (extra.length)
    return bad(
      'invalid-body',
      'The body must be {"query": "...", "format": "..."}',
      `unknown field ${extra.join(', ')}`,
    );
  if (typeof o.query !== 'string')
    return bad('invalid-body', 'The body needs a "query" string', 'query: must be a string');
  if (o.format !== undefined && !isSqlFormat(o.format))
    return bad(
      'invalid-format',
      `format must be one of ${FORMATS}`,
      `format: ${JSON.stringify(o.format)}`,
    );
  if (o.format !== undefined && qFormat !== undefined && o.format !== qFormat)
    return bad(
      'invalid-format',
      'The body and ?format= name different formats',
      `${String(o.format)} vs ${qFormat}`,
    );
  return {
    query: o.query,
    format: (o.format as SqlFormat | undefined) ?? (qFormat as SqlFormat | undefined) ?? 'JSON',
  };
}

const bad = (code: string, title: string, detail: string): Parsed => ({
  problem: { code, title, detail },
});

function metrics(registry: Registry) {
  const existing = registry.getSingleMetric('backbeat_api_sql_queries_total');
  if (existing) {
    return {
      queries: existing as Counter<'outcome'>,
      seconds: registry.getSingleMetric('backbeat_api_sql_query_seconds') as Histogram,
    };
  }
  return {
    queries: new Counter({
      name: 'backbeat_api_sql_queries_total',
      help: 'Analyst SQL queries by outcome (ok, refused, sql-timeout, sql-too-many-rows, ...)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    seconds: new Histogram({
      name: 'backbeat_api_sql_query_seconds',
      help: 'Time from the checked statement to the end of the streamed result',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
