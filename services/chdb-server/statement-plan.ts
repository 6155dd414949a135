/**
 * From a request to one confirmed statement. chDB runs its input as a script of statements, so
 * before anything runs, ClickHouse's own parser (`formatQuerySingleLine`) confirms that the
 * request holds exactly one statement; its re-printed form, free of comments and ambiguity, is
 * what the guards read. An INSERT's data is cut off first and never reaches the parser.
 */
import {
  dataStart,
  describeStatement,
  firstKeyword,
  insertCuts,
  quoteString,
  type StatementInfo,
} from '../../common/clickhouse/clickhouse-sql.js';
import { ClickHouseServerError, ErrorCode, engineError } from './clickhouse-protocol.js';
import type { SqlCache } from './sql-cache.js';

export type Plan =
  | { mode: 'query'; sql: string }
  | {
      mode: 'insert';
      head: string;
      cuts: { prefix: string; format: string; data: () => Buffer }[];
    };

export interface ResolvedStatement {
  /** What runs: the request's statement, or an INSERT's head without its data. */
  sql: string;
  /** ClickHouse's re-printed form of `sql`. */
  canonical: string;
  info: StatementInfo;
  insert?: { prefix: string; data: Buffer; format: string };
}

/** What statement confirmation needs of a session: one of the server's own queries. */
export interface ParsingSession {
  rows<T>(sql: string): Promise<T[]>;
}

/**
 * Splits a request into statement and data the way ClickHouse does: the statement is the
 * `query` parameter, a line break and the body; an INSERT's data starts after `VALUES` or
 * after its format name. Returns candidates, confirmed later by the engine's own parser.
 */
export function planStatement(queryParam: string | undefined, body: Buffer): Plan {
  if (queryParam !== undefined) {
    const cuts = insertCuts(queryParam);
    if (cuts.length) {
      return {
        mode: 'insert',
        head: queryParam,
        cuts: cuts.map((c) => ({
          prefix: queryParam.slice(0, c.end),
          format: c.format,
          data: () => {
            const rest = `${queryParam.slice(c.end)}\n`;
            const at = dataStart(rest, 0);
            return at >= rest.length ? body : Buffer.concat([Buffer.from(rest.slice(at)), body]);
          },
        })),
      };
    }
    return {
      mode: 'query',
      sql: body.length ? `${queryParam}\n${body.toString('utf8')}` : queryParam,
    };
  }
  // The whole statement is in the body; an INSERT head sits at its start (latin1 keeps byte offsets).
  const headBytes = body.subarray(0, 1 << 20);
  const latin = headBytes.toString('latin1');
  if (firstKeyword(latin.slice(0, 4096)) === 'INSERT') {
    const cuts = insertCuts(latin);
    if (cuts.length) {
      return {
        mode: 'insert',
        head: latin,
        cuts: cuts.map((c) => ({
          prefix: body.subarray(0, c.end).toString('utf8'),
          format: c.format,
          data: () => body.subarray(dataStart(body, c.end)),
        })),
      };
    }
  }
  return { mode: 'query', sql: body.toString('utf8') };
}

/** ClickHouse's own parse of `sql`, re-printed on one line: one statement, or an error. */
export async function canonicalStatement(
  sess: ParsingSession,
  sql: string,
  cache: SqlCache,
): Promise<string> {
  const cached = cache.get(sql);
  if (cached !== undefined) return cached;
  if (!sql.trim()) throw new ClickHouseServerError(ErrorCode.SYNTAX_ERROR, 'Empty query');
  let rows: { q: string }[];
  try {
    rows = await sess.rows<{ q: string }>(`SELECT formatQuerySingleLine(${quoteString(sql)}) AS q`);
  } catch (err) {
    const e = engineError(err);
    // Report the parse error of the client's statement, not of the wrapper around it.
    const at = e.text.lastIndexOf(': In scope SELECT formatQuerySingleLine(');
    if (at < 0) throw e;
    const text = e.text.slice(0, at).trimEnd() + e.text.slice(e.text.lastIndexOf(' ('));
    throw new ClickHouseServerError(e.errorCode, text, { type: e.type, text });
  }
  const q = rows[0]?.q ?? '';
  cache.set(sql, q);
  return q;
}

/** Confirms the statement with the engine's parser and picks the INSERT data cut. */
export async function resolveStatement(
  sess: ParsingSession,
  p: Plan,
  cache: SqlCache,
): Promise<ResolvedStatement> {
  if (p.mode === 'insert') {
    let firstError: unknown;
    for (const cut of p.cuts) {
      try {
        const canonical = await canonicalStatement(sess, cut.prefix, cache);
        const info = describeStatement(canonical);
        if (info.kind === 'INSERT' && info.format?.toLowerCase() === cut.format.toLowerCase()) {
          return {
            sql: cut.prefix,
            canonical,
            info,
            insert: { prefix: cut.prefix, data: cut.data(), format: cut.format },
          };
        }
      } catch (err) {
        firstError ??= err;
      }
    }
    throw (
      firstError ??
      new ClickHouseServerError(
        ErrorCode.SYNTAX_ERROR,
        'Syntax error: cannot find where the data of this INSERT begins',
      )
    );
  }
  const canonical = await canonicalStatement(sess, p.sql, cache);
  const info = describeStatement(canonical);
  if (info.kind === 'INSERT' && info.format) {
    // Inline data that the cut search did not find: refuse rather than run it as a script.
    throw new ClickHouseServerError(
      ErrorCode.NOT_IMPLEMENTED,
      'cannot find where the data of this INSERT begins; send the data in the request body after the INSERT ... FORMAT statement',
    );
  }
  return { sql: p.sql, canonical, info };
}
