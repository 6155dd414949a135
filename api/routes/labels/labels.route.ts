import { MARKET } from '../../../schemas/catalogue/event-validation.js';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ClickHouseClient } from '@clickhouse/client';
import type { CatalogueReader } from '../../../read-models/catalogue/catalogue.reader.js';
import {
  createRoyaltyStatementsReader,
  STATEMENT_ID_RE,
} from '../../../read-models/royalties/royalty-statements.reader.js';
import { sendProblem } from '../../../common/http/problem.js';
import {
  BadParameter,
  MAX_RANGE_DAYS,
  badParameter,
  day,
  encodeCursor,
  offsetPage,
  one,
  pageLimit,
  pageOf,
  sendList,
  sendPrivate,
  statementNotFound,
} from './label-http.js';
import { rateLimitPerCredential, type RateLimitConfig } from './label-rate.limiter.js';
import { createLabelQueries } from './label.queries.js';
import { statementCsv, statementCsvFileName } from './label-statement.csv.js';
import { DSR_MODELS, statementDsr, type DsrModel } from './label-statement.dsr.js';
import { lineView, statementHeader, statementSummary, totalsOf } from './label-statement.view.js';

export { labelsOpenApi } from './labels.openapi.js';

export interface LabelsRouteConfig {
  rateLimit: RateLimitConfig;
}

export interface LabelsRouteDeps {
  /** ClickHouse as Backbeat's own user (the royalty ledger and statements). */
  clickhouse: ClickHouseClient;
  /** The catalogue read model: the label's tracks. */
  catalogue: Pick<CatalogueReader, 'labelTracks'>;
  /** Clock of the rate limiter (default Date.now). */
  now?: () => number;
}

const DAY_MS = 86_400_000;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

/** The credential's label (set by requireToken for label tokens); never the URL's. */
const labelOf = (res: Response) => res.locals.labelId as string;

function trackParam(req: Request): string | undefined {
  const t = one(req, 'track_id');
  if (t !== undefined && !ID_RE.test(t))
    throw new BadParameter('track_id', 'track_id must be 1-128 characters of A-Za-z0-9_.:@-');
  return t;
}

/** The `after` track id of a catalogue page, as an opaque cursor. */
const trackCursor = (after: string) => Buffer.from(`t1:${after}`).toString('base64url');
function afterOf(req: Request): string | undefined {
  const c = one(req, 'cursor');
  if (c === undefined) return undefined;
  const raw = /^[A-Za-z0-9_-]{1,200}$/.test(c) ? Buffer.from(c, 'base64url').toString('utf8') : '';
  const after = raw.startsWith('t1:') ? raw.slice(3) : '';
  if (!ID_RE.test(after) || trackCursor(after) !== c)
    throw new BadParameter('cursor', 'cursor is not one this API returned');
  return after;
}

/**
 * A record label's royalty reports under /v1/label (behind requireToken(['label']), mounted by
 * the app): streams, statements (JSON, CSV, DDEX DSR), tracks and uploads, always of the
 * credential's label only. Another label's statement, an unknown one and a malformed id all
 * answer the same 404. Each credential is rate limited (a token bucket per token subject).
 */
export function createLabelsRouter(config: LabelsRouteConfig, deps: LabelsRouteDeps): Router {
  const statements = createRoyaltyStatementsReader({ clickhouse: deps.clickhouse });
  const q = createLabelQueries({ clickhouse: deps.clickhouse });
  const router = express.Router();
  router.use('/v1/label', rateLimitPerCredential(config.rateLimit, deps.now));

  router.get('/v1/label/streams', async (req, res) => {
    const from = day(one(req, 'from'), 'from');
    const to = day(one(req, 'to'), 'to');
    if (to < from) throw new BadParameter('to', 'to must not be before from');
    if ((to - from) / DAY_MS + 1 > MAX_RANGE_DAYS)
      throw new BadParameter('to', `the range is at most ${MAX_RANGE_DAYS} days`);
    const market = one(req, 'market');
    if (market !== undefined && !MARKET.test(market))
      throw new BadParameter('market', 'market must be ISO 3166-1 alpha-2 (e.g. SE)');
    const trackId = trackParam(req);
    const page = offsetPage(req);
    const rows = await q.streams(
      labelOf(res),
      {
        from,
        toExclusive: to + DAY_MS,
        ...(trackId !== undefined ? { trackId } : {}),
        ...(market !== undefined ? { market } : {}),
      },
      page,
    );
    sendList(res, {
      label_id: labelOf(res),
      from: one(req, 'from'),
      to: one(req, 'to'),
      ...pageOf(rows, page),
    });
  });

  router.get('/v1/label/statements', async (req, res) => {
    const label = labelOf(res);
    const page = offsetPage(req);
    const { items, more } = await statements.list({ label, ...page });
    const totals = await q.statementTotals(
      label,
      items.map((h) => h.statement_id),
    );
    sendList(res, {
      label_id: label,
      items: items.map((h) => ({
        ...statementSummary(h),
        totals: totals.get(h.statement_id) ?? {
          streams: 0,
          lines: 0,
          streamshare_minor: '0',
          user_centric_minor: '0',
        },
      })),
      next_cursor: more ? encodeCursor(page.offset + page.limit) : null,
    });
  });

  /** The statement as this label may see it, or undefined (any reason: one 404). */
  async function labelStatement(req: Request, res: Response) {
    const id = typeof req.params.id === 'string' ? req.params.id : '';
    if (!STATEMENT_ID_RE.test(id)) return undefined;
    return statements.get(id, { label: labelOf(res) });
  }

  router.get('/v1/label/statements/:id', async (req, res) => {
    const found = await labelStatement(req, res);
    if (!found) return statementNotFound(res);
    const label = labelOf(res);
    const kind = req.accepts(['application/json', 'text/csv']);
    if (kind === 'text/csv')
      return sendPrivate(
        req,
        res,
        statementCsv(found.header, found.lines),
        'text/csv; charset=utf-8; header=present',
        {
          'Content-Disposition': `attachment; filename="${statementCsvFileName(found.header.statement_id, label)}"`,
        },
      );
    if (kind === false)
      return sendProblem(res, {
        status: 406,
        code: 'not-acceptable',
        title: 'Not acceptable',
        detail: 'this statement is available as application/json or text/csv',
      });
    sendPrivate(
      req,
      res,
      JSON.stringify({
        ...statementHeader(found.header),
        label_id: label,
        totals: totalsOf(found.lines),
        lines: found.lines.map(lineView),
      }),
      'application/json',
    );
  });

  router.get('/v1/label/statements/:id/dsr', async (req, res) => {
    const model = (one(req, 'model') ?? 'streamshare') as DsrModel;
    if (!DSR_MODELS.includes(model))
      throw new BadParameter('model', `model must be one of ${DSR_MODELS.join(', ')}`);
    const found = await labelStatement(req, res);
    if (!found) return statementNotFound(res);
    const label = labelOf(res);
    const [uploads, labelName] = await Promise.all([
      q.latestUploads(found.lines.map((l) => l.track_id)),
      q.labelName(label),
    ]);
    const file = statementDsr({ ...found, labelId: label, labelName, uploads, model });
    sendPrivate(req, res, file.content, 'text/tab-separated-values; charset=utf-8', {
      'Content-Disposition': `attachment; filename="${file.fileName}"`,
    });
  });

  router.get('/v1/label/tracks', async (req, res) => {
    const limit = pageLimit(req);
    const after = afterOf(req);
    const page = await deps.catalogue.labelTracks(labelOf(res), {
      limit,
      ...(after !== undefined ? { after } : {}),
    });
    sendList(res, {
      label_id: labelOf(res),
      items: page.items.map((t) => ({
        track_id: t.track_id,
        isrc: t.isrc,
        title: t.title,
        artists: t.artists.map((a) => a.name),
        release_id: t.release_id,
        duration_ms: t.duration_ms,
        markets: t.markets,
        updated_at: new Date(t.updated_at).toISOString(),
      })),
      next_cursor: page.next === null ? null : trackCursor(page.next),
    });
  });

  router.get('/v1/label/uploads', async (req, res) => {
    const trackId = trackParam(req);
    const page = offsetPage(req);
    const rows = await q.uploads(labelOf(res), trackId, page);
    if (trackId !== undefined && page.offset === 0 && rows.length === 0)
      return sendProblem(res, {
        status: 404,
        code: 'track-not-found',
        title: 'No such track',
        detail: 'no upload of this track for this credential',
      });
    sendList(res, { label_id: labelOf(res), ...pageOf(rows, page) });
  });

  router.use('/v1/label', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof BadParameter) return badParameter(res, err);
    next(err);
  });
  return router;
}
