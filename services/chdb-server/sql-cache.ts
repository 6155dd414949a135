/**
 * A bounded cache of statements as ClickHouse's parser re-printed them
 * (`formatQuerySingleLine`): the same request text costs the engine one parse, not one per
 * query. Texts over `maxSqlLength` are not kept; when `maxEntries` are held, the cache starts
 * over empty (cheap, and the working set of a service is a few dozen statements).
 */
export interface SqlCacheConfig {
  maxEntries: number;
  maxSqlLength: number;
}

export const DEFAULT_SQL_CACHE: SqlCacheConfig = { maxEntries: 2000, maxSqlLength: 65_536 };

export class SqlCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly config: SqlCacheConfig = DEFAULT_SQL_CACHE) {}

  get size(): number {
    return this.entries.size;
  }

  /** The re-printed form of `sql`, if cached. */
  get(sql: string): string | undefined {
    return this.entries.get(sql);
  }

  /** Keeps `canonical` as the re-printed form of `sql`, unless `sql` is too long to keep. */
  set(sql: string, canonical: string): void {
    if (sql.length > this.config.maxSqlLength) return;
    if (this.entries.size >= this.config.maxEntries) this.entries.clear();
    this.entries.set(sql, canonical);
  }
}
