import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteIdentifier, quoteString } from '../../common/clickhouse/clickhouse-sql.js';
import { InternalError } from '../../common/errors/backbeat.error.js';

export const ANALYST_USER_SQL = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../sinks/clickhouse/server-only/0001_analyst_user.sql',
);

export interface AnalystUserSettings {
  analystUser: string;
  analystPassword: string;
  database: string;
  maxRows: number;
  maxSeconds: number;
  /** SQL_MAX_MEMORY_BYTES (default 1 GiB). */
  maxMemoryBytes?: number;
  /** SQL_MAX_RESULT_BYTES (default 100 MiB). */
  maxResultBytes?: number;
}

/**
 * The statements of server-only/0001_analyst_user.sql with its placeholders filled in:
 * identifiers quoted, the password as a string literal, limits as integers.
 */
export function renderAnalystUserSql(
  s: AnalystUserSettings,
  sql = readFileSync(ANALYST_USER_SQL, 'utf8'),
): string[] {
  const int = (n: number, name: string) => {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new TypeError(`${name} must be a positive integer`);
    return String(n);
  };
  const values: Record<string, string> = {
    analyst_user: quoteIdentifier(s.analystUser),
    analyst_password: quoteString(s.analystPassword),
    database: quoteIdentifier(s.database),
    max_rows: int(s.maxRows, 'maxRows'),
    max_seconds: int(s.maxSeconds, 'maxSeconds'),
    max_memory_bytes: int(s.maxMemoryBytes ?? 1 << 30, 'maxMemoryBytes'),
    max_result_bytes: int(s.maxResultBytes ?? 100 * (1 << 20), 'maxResultBytes'),
  };
  // Split the template, then fill in: a value can never end or start a statement.
  return sql
    .replace(/^\s*--.*$/gm, '')
    .split(/;\s*$/m)
    .map((st) => st.trim())
    .filter(Boolean)
    .map((st) =>
      st.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
        const v = values[name];
        if (v === undefined)
          throw new InternalError(
            `unknown placeholder {{${name}}} in ${path.basename(ANALYST_USER_SQL)}`,
          );
        return v;
      }),
    );
}

/** Creates or updates the analyst user and its profile on a ClickHouse server. */
export async function applyAnalystUser(
  client: ClickHouseClient,
  s: AnalystUserSettings,
): Promise<number> {
  const statements = renderAnalystUserSql(s);
  for (const query of statements) await client.command({ query });
  return statements.length;
}
