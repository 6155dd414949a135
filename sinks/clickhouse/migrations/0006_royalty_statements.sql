-- Closed royalty statements (processors/royalty-statements, `npm run royalties -- close`): one
-- per market, period and version, computed from the ledger in both models side by side. A
-- statement's lines are written first and its header last: a statement exists once its header
-- does, and readers join lines to headers. Versions only grow; an issued version never changes.
CREATE TABLE IF NOT EXISTS royalty_statements
(
    statement_id      String COMMENT '<period>-<market>-v<version>, e.g. 2026-11-SE-v1',
    period            String COMMENT 'YYYY-MM',
    market            LowCardinality(String) COMMENT 'ISO 3166-1 alpha-2',
    version           UInt32 COMMENT '1, then 2, ... when late plays or a corrected report change it',
    supersedes        String COMMENT 'statement_id of the version it replaces, empty for version 1',
    report_id         String COMMENT 'The revenue report in force',
    currency          LowCardinality(String) COMMENT 'ISO 4217',
    minor_unit        UInt8 COMMENT 'Decimal places of the minor unit',
    pool_minor        Int64 COMMENT 'The pool; each model''s lines sum to it exactly',
    premium_listeners Int64 COMMENT 'From the report',
    policy_version    UInt32 COMMENT 'Version of the royalty policy applied',
    policy            String COMMENT 'The policy as JSON, with the rules an auditor asks about',
    ledger_lines      UInt64 COMMENT 'Ledger lines (stream x holder) of the market and period it covers',
    counted_streams   UInt64 COMMENT 'Qualified streams counted',
    watermark         String COMMENT 'JSON: the ledger sink''s offsets per topic partition when it closed',
    content_hash      String COMMENT 'sha256 of pool, policy and lines; closing the same inputs gives the same hash',
    totals            String COMMENT 'JSON: totals per model, listeners, excluded streams',
    closed_at         DateTime64(3, 'UTC') COMMENT 'When it was closed',
    closed_by         String COMMENT 'Who closed it (operator token subject or the CLI user)'
)
ENGINE = ReplacingMergeTree
ORDER BY (period, market, version)
COMMENT 'Royalty statement headers (one per market, period, version)';

CREATE TABLE IF NOT EXISTS royalty_statement_lines
(
    statement_id             String,
    period                   String,
    market                   LowCardinality(String),
    version                  UInt32,
    label_id                 String COMMENT 'Label of the track; empty for suspense lines',
    rights_holder_id         String COMMENT 'Rights holder; UNMATCHED (track without upload) or UNALLOCATED (no counted streams) for suspense',
    rights_holder_name       String,
    track_id                 String,
    isrc                     String,
    streams                  UInt64 COMMENT 'Qualified streams of the track counted for this holder',
    weighted_streams_bps     UInt64 COMMENT 'Sum of streams x share_bps',
    streamshare_minor        Int64 COMMENT 'Amount under streamshare (pro rata), minor units',
    user_centric_minor       Int64 COMMENT 'Amount under the user-centric model, minor units',
    delta_streamshare_minor  Int64 COMMENT 'Change against the previous version (the whole amount in version 1)',
    delta_user_centric_minor Int64 COMMENT 'Change against the previous version (the whole amount in version 1)'
)
ENGINE = ReplacingMergeTree
ORDER BY (statement_id, label_id, rights_holder_id, track_id)
COMMENT 'Royalty statement lines per rights holder and track';
