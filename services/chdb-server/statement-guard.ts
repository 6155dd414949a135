/**
 * The checks every statement passes, whoever sent it, read off ClickHouse's re-printed form:
 * no INTO OUTFILE or FROM INFILE, no other SQL dialect, no assignment of `readonly` on a
 * read-only session (`readonly = DEFAULT` would lift it in chDB), only reading statements
 * where the request is read-only (GET), and, for the analyst, a first look for functions that
 * reach the host or the network (`analyst-guard.ts` then reads the engine's own tree).
 */
import { EXTERNAL_FUNCTIONS } from '../../common/clickhouse/external-functions.js';
import { assigns, type StatementInfo } from '../../common/clickhouse/clickhouse-sql.js';
import type { QueryRequest } from './chdb-query.types.js';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';

/** Statement kinds that only read (and SET, USE: they change the session, not the data). */
export const READ_KINDS: ReadonlySet<string> = new Set([
  'SELECT',
  'WITH',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXISTS',
  'EXPLAIN',
  'SET',
  'USE',
  'CHECK',
]);

export function guardStatement(
  sess: { readonly readonly: boolean },
  req: Pick<QueryRequest, 'user' | 'readOnlyStatement' | 'restricted'>,
  info: StatementInfo,
): void {
  if (info.intoOutfile)
    throw new ClickHouseServerError(
      ErrorCode.INTO_OUTFILE_NOT_ALLOWED,
      'INTO OUTFILE is not allowed',
    );
  if (info.fromInfile)
    throw new ClickHouseServerError(
      ErrorCode.UNKNOWN_TYPE_OF_QUERY,
      'Query has infile and was send directly to server',
    );
  if (assigns(info, 'dialect'))
    throw new ClickHouseServerError(
      ErrorCode.BAD_ARGUMENTS,
      "The chDB server runs ClickHouse SQL only: 'dialect' cannot be changed",
    );
  // `readonly = DEFAULT` lifts read-only mode in chDB; a read-only session never lets it through.
  if (sess.readonly && assigns(info, 'readonly'))
    throw new ClickHouseServerError(
      ErrorCode.READONLY,
      "Cannot modify 'readonly' setting in readonly mode",
    );
  if (req.readOnlyStatement && !READ_KINDS.has(info.kind))
    throw new ClickHouseServerError(
      ErrorCode.READONLY,
      `${req.user}: Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries`,
    );
  if (req.restricted) {
    // A first cheap look at the re-printed text; checkAnalystStatement reads the engine's tree.
    const fn = [...info.calls].find((c) => EXTERNAL_FUNCTIONS.has(c));
    if (fn)
      throw new ClickHouseServerError(
        ErrorCode.ACCESS_DENIED,
        `${req.user}: Not enough privileges. The read-only user may not use ${fn}(), which reads the server's files or the network`,
      );
  }
}
