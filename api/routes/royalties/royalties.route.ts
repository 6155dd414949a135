import type { ClickHouseClient } from '@clickhouse/client';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Redis } from 'ioredis';
import { BackbeatError } from '../../../common/errors/backbeat.error.js';
import { sendProblem } from '../../../common/http/problem.js';
import type { Logger } from '../../../common/logging/logger.js';
import {
  CloseRequestError,
  closeStatements,
} from '../../../processors/royalty-statements/statement-close.service.js';
import { MARKET, PERIOD } from '../../../schemas/catalogue/event-validation.js';
import {
  createRoyaltyStatementsReader,
  STATEMENT_ID_RE,
} from '../../../read-models/royalties/royalty-statements.reader.js';
import {
  BadParameter,
  badParameter,
  encodeCursor,
  offsetPage,
  sendList,
  sendPrivate,
  statementNotFound,
} from '../labels/label-http.js';
import {
  lineView,
  statementHeader,
  statementSummary,
  totalsOf,
} from '../labels/label-statement.view.js';

export { royaltiesOpenApi } from './royalties.openapi.js';

export interface RoyaltiesRouteDeps {
  clickhouse: ClickHouseClient;
  redis: Redis;
  logger: Logger;
  now?: () => number;
}

/** Seconds a client waits before retrying a close that another close of the market holds. */
export const CLOSE_BUSY_RETRY_S = 5;

function closeBody(body: unknown): { period: string; market?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadParameter('body', 'the body must be a JSON object {period, market?}');
  const o = body as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'period' && k !== 'market');
  if (extra.length) throw new BadParameter(extra[0]!, `unknown field ${extra[0]}`);
  if (typeof o.period !== 'string' || !PERIOD.test(o.period))
    throw new BadParameter('period', 'period must be a month YYYY-MM');
  if (o.market !== undefined && (typeof o.market !== 'string' || !MARKET.test(o.market)))
    throw new BadParameter('market', 'market must be ISO 3166-1 alpha-2 (e.g. SE)');
  return { period: o.period, ...(o.market !== undefined ? { market: o.market as string } : {}) };
}

/**
 * The operator's royalty endpoints under /v1/operator/royalties (behind
 * requireToken(['operator']), mounted by the app): closing a period (closedBy = the token's
 * subject), and reading any statement whole, suspense lines included.
 */
export function createRoyaltiesRouter(deps: RoyaltiesRouteDeps): Router {
  const statements = createRoyaltyStatementsReader({ clickhouse: deps.clickhouse });
  const router = express.Router();

  router.post(
    '/v1/operator/royalties/close',
    express.json({ limit: '4kb', type: () => true }),
    async (req, res) => {
      const body = closeBody(req.body);
      const results = await closeStatements(
        { ...body, closedBy: res.locals.operator as string },
        {
          clickhouse: deps.clickhouse,
          redis: deps.redis,
          logger: deps.logger,
          ...(deps.now ? { now: deps.now } : {}),
        },
      );
      deps.logger.info(
        { period: body.period, market: body.market, operator: res.locals.operator, results },
        'royalty statements closed',
      );
      res.set('Cache-Control', 'no-store').json({ period: body.period, results });
    },
  );

  router.get('/v1/operator/royalties/statements', async (req, res) => {
    const page = offsetPage(req);
    const { items, more } = await statements.list(page);
    sendList(res, {
      items: items.map((h) => ({ ...statementSummary(h), pool_minor: h.pool_minor })),
      next_cursor: more ? encodeCursor(page.offset + page.limit) : null,
    });
  });

  router.get('/v1/operator/royalties/statements/:id', async (req, res) => {
    const id = typeof req.params.id === 'string' ? req.params.id : '';
    const found = STATEMENT_ID_RE.test(id) ? await statements.get(id) : undefined;
    if (!found) return statementNotFound(res);
    sendPrivate(
      req,
      res,
      JSON.stringify({
        ...statementHeader(found.header),
        closed_by: found.header.closed_by,
        totals: totalsOf(found.lines),
        statement_totals: found.header.totals,
        lines: found.lines.map(lineView),
      }),
      'application/json',
    );
  });

  router.use(
    '/v1/operator/royalties',
    (err: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (err instanceof BadParameter) return badParameter(res, err);
      if (err instanceof CloseRequestError)
        return sendProblem(res, {
          status: 400,
          code: 'invalid-parameter',
          title: 'Invalid close request',
          detail: err.message,
          parameter: /market/.test(err.message) ? 'market' : 'period',
        });
      if (err instanceof BackbeatError && err.code === 'ROYALTY_CLOSE_BUSY')
        return sendProblem(
          res,
          {
            status: 409,
            code: 'close-busy',
            title: 'A close of this period is running',
            detail: err.message,
          },
          { 'Retry-After': String(CLOSE_BUSY_RETRY_S) },
        );
      next(err);
    },
  );
  return router;
}
