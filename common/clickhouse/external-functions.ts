/**
 * What analyst SQL may name, as allow lists: everything else is refused. ClickHouse adds table
 * functions every release (file, filesystem, url, s3, executable, eval, ...), so a deny list of
 * them cannot be kept safe; these lists name what is allowed, and a test
 * (services/chdb-server/chdb-server.int.test.ts, "classifies every table function") fails when the
 * engine lists a table function that is in neither ANALYST_TABLE_FUNCTIONS nor
 * REVIEWED_REFUSED_TABLE_FUNCTIONS, so a new ClickHouse version cannot add one unreviewed.
 *
 * Used twice: the API's SQL guard (a cheap first filter on its own tokens) and the chDB server,
 * which checks the analyst user's statement against ClickHouse's own parse (`EXPLAIN AST`).
 * Names compare lower-cased.
 */
const lower = (names: string[]): ReadonlySet<string> => new Set(names.map((n) => n.toLowerCase()));

/** Table functions an analyst may call: generators over no external data. */
export const ANALYST_TABLE_FUNCTIONS = lower([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'generate_series',
  'generateSeries',
  'values',
  'null',
  'view',
]);

/**
 * Every other table function ClickHouse 26.7 (chDB 3.x) lists, each reviewed and refused: they
 * read the host's files or folders, run programs, reach the network or other servers and
 * databases, read another table's internals or evaluate text as SQL.
 */
export const REVIEWED_REFUSED_TABLE_FUNCTIONS = lower([
  'SQLStandardValues',
  'arrowstream',
  'azureBlobStorage',
  'azureBlobStorageCluster',
  'cluster',
  'clusterAllReplicas',
  'cosn',
  'deltaLake',
  'deltaLakeAzure',
  'deltaLakeAzureCluster',
  'deltaLakeCluster',
  'deltaLakeLocal',
  'deltaLakeS3',
  'deltaLakeS3Cluster',
  'dictionary',
  'eval',
  'executable',
  'file',
  'fileCluster',
  'filesystem',
  'format',
  'fuzzJSON',
  'fuzzQuery',
  'gcs',
  'generateRandom',
  'hdfs',
  'hdfsCluster',
  'hudi',
  'hudiCluster',
  'iceberg',
  'icebergAzure',
  'icebergAzureCluster',
  'icebergCluster',
  'icebergHDFS',
  'icebergHDFSCluster',
  'icebergLocal',
  'icebergLocalCluster',
  'icebergS3',
  'icebergS3Cluster',
  'input',
  'jdbc',
  'loop',
  'merge',
  'mergeTreeAnalyzeIndexes',
  'mergeTreeAnalyzeIndexesUUID',
  'mergeTreeIndex',
  'mergeTreeProjection',
  'mergeTreeTextIndex',
  'mongodb',
  'mysql',
  'odbc',
  'oss',
  'paimon',
  'paimonAzure',
  'paimonAzureCluster',
  'paimonCluster',
  'paimonHDFS',
  'paimonHDFSCluster',
  'paimonLocal',
  'paimonS3',
  'paimonS3Cluster',
  'postgresql',
  'primes',
  'prometheusQuery',
  'prometheusQueryRange',
  'redis',
  'remote',
  'remoteSecure',
  's3',
  's3Cluster',
  'sqlite',
  'timeSeriesData',
  'timeSeriesMetrics',
  'timeSeriesSamples',
  'timeSeriesSelector',
  'timeSeriesTags',
  'url',
  'urlCluster',
  'viewExplain',
  'viewIfPermitted',
  'ytsaurus',
]);

/**
 * Scalar functions refused to analysts although they are no table functions: they read the
 * host's files or the server's configuration. (A scalar call named like any table function
 * that is not allowed, `file(...)` say, is refused as well.)
 */
export const REFUSED_SCALAR_FUNCTIONS = lower([
  'file',
  'getServerSetting',
  'getSetting',
  'getMacro',
  'filesystemAvailable',
  'filesystemCapacity',
  'filesystemUnreserved',
  'dictGet',
  'evalMLMethod',
]);

/**
 * Refused table functions whose name is also a harmless scalar function (`format('{}', 1)`):
 * allowed as a scalar call, refused in FROM.
 */
export const SCALAR_HOMONYMS = lower(['format']);

/** Output formats the analyst path uses (the API's `format` field maps onto these). */
export const ANALYST_FORMATS = lower([
  'JSON',
  'JSONEachRow',
  'CSV',
  'CSVWithNames',
  'TabSeparated',
  'TSV',
  'TabSeparatedWithNames',
  'TSVWithNames',
]);

/**
 * Settings an analyst query may assign in its own SETTINGS clause (or SET): none of them
 * lifts a limit. Every other setting is refused; the limits themselves (rows, bytes, memory,
 * time) are applied by the chDB server after the query's own and may only be lowered through
 * the request's parameters.
 */
export const ANALYST_QUERY_SETTINGS = lower([
  'max_threads',
  'join_use_nulls',
  'aggregate_functions_null_for_empty',
  'date_time_output_format',
  'output_format_json_quote_64bit_integers',
  'output_format_json_quote_decimals',
  'enable_positional_arguments',
  'prefer_column_name_to_alias',
  'joined_subquery_requires_alias',
  'cast_keep_nullable',
  'session_timezone',
]);

/**
 * Statements an analyst may run, by the root node of ClickHouse's own parse (`EXPLAIN AST`):
 * queries, EXPLAIN, DESCRIBE, EXISTS, SHOW TABLES/DATABASES/SETTINGS (all `ShowTables`),
 * SHOW CREATE, SET (of allowed settings) and USE (of an allowed database). Everything else
 * (SHOW PROCESSLIST, SHOW USERS, SHOW GRANTS, any write or DDL) is refused.
 */
export const ANALYST_STATEMENTS: ReadonlySet<string> = new Set([
  'SelectWithUnionQuery',
  'Explain',
  'DescribeQuery',
  'ExistsTableQuery',
  'ShowTables',
  'ShowCreateTableQuery',
  'Set',
  'UseQuery',
]);

/**
 * Tables of the `system` database an analyst may read (schema discovery and generators).
 * Every other system table is refused: `processes` and `query_log` show other analysts'
 * queries, and the rest describe the server rather than Backbeat's data. The other built-in
 * databases (`information_schema`) are refused; tables of every other database are readable.
 */
export const ANALYST_SYSTEM_TABLES = lower([
  'one',
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'tables',
  'columns',
  'databases',
  'functions',
  'table_functions',
  'formats',
  'data_type_families',
  'time_zones',
]);

/** Whether an analyst may call table function `name`. */
export const isAllowedTableFunction = (name: string) =>
  ANALYST_TABLE_FUNCTIONS.has(name.toLowerCase());

/**
 * Kept for callers of the former deny list: every table function that is not allowed, plus
 * the refused scalar functions. Prefer the allow lists above.
 */
export const EXTERNAL_FUNCTIONS: ReadonlySet<string> = new Set(
  [...REVIEWED_REFUSED_TABLE_FUNCTIONS, ...REFUSED_SCALAR_FUNCTIONS].filter(
    (n) => !SCALAR_HOMONYMS.has(n) || REFUSED_SCALAR_FUNCTIONS.has(n),
  ),
);
