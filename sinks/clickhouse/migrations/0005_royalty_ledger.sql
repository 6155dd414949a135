-- The royalty ledger's facts, written by the royalty-ledger processor
-- (processors/royalty-ledger): every qualified stream, every valid track upload (its split of
-- rights holders), every revenue report (a pool). One row per kind and event_id, with the Kafka
-- coordinates it was read from. Partitioned by kind only, so ReplacingMergeTree keys a row by
-- (kind, event_id) across all time and FINAL collapses any redelivery exactly: nothing here
-- depends on background merges.
CREATE TABLE IF NOT EXISTS royalty_facts
(
    kind              LowCardinality(String) COMMENT 'stream, upload or pool',
    event_id          UUID COMMENT 'The source event id; the idempotency key',
    event_time        DateTime64(3, 'UTC') COMMENT 'When it happened (the source event time)',
    period            String COMMENT 'YYYY-MM: of the event time (stream), of the report (pool); empty for uploads',
    track_id          String COMMENT 'Track (stream, upload)',
    playback_id       String COMMENT 'Playback instance (stream)',
    user_id           String COMMENT 'Listener (stream)',
    market            LowCardinality(String) COMMENT 'Listener market (stream) or report market (pool)',
    product           LowCardinality(String) COMMENT 'FREE or PREMIUM (stream)',
    ms_played         Int64 COMMENT 'Milliseconds listened (stream)',
    isrc              String COMMENT 'ISRC, upper-case (upload)',
    label_id          String COMMENT 'Label that delivered the track (upload)',
    label_name        String COMMENT 'Label name (upload)',
    title             String COMMENT 'Track title (upload)',
    release_id        String COMMENT 'Release id, empty if none (upload)',
    duration_ms       Int64 COMMENT 'Track duration (upload)',
    artists           Array(String) COMMENT 'Credited artist names, main first (upload)',
    holders           Array(Tuple(rights_holder_id String, name String, role String, share_bps UInt32)) COMMENT 'Rights holders and shares in basis points, summing to 10000 (upload)',
    report_id         String COMMENT 'Finance report id (pool)',
    currency          LowCardinality(String) COMMENT 'ISO 4217 (pool)',
    minor_unit        UInt8 COMMENT 'Decimal places of the minor unit (pool)',
    pool_minor        Int64 COMMENT 'Royalty pool in minor units (pool)',
    premium_listeners Int64 COMMENT 'Paying listeners in the market and period (pool)',
    topic             LowCardinality(String) COMMENT 'Kafka topic it was read from',
    partition         UInt32 COMMENT 'Kafka partition',
    offset            UInt64 COMMENT 'Kafka offset',
    inserted_at       DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When the ledger wrote the row'
)
ENGINE = ReplacingMergeTree(offset)
PARTITION BY kind
ORDER BY (kind, event_id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Royalty ledger facts: streams, uploads, pools (read with FINAL or through the royalty_* views)';

-- Qualified streams, once per event_id.
CREATE VIEW IF NOT EXISTS royalty_streams AS
SELECT event_id, event_time, period, track_id, playback_id, user_id, market, product, ms_played,
       topic, partition, offset
FROM royalty_facts FINAL
WHERE kind = 'stream';

-- Every valid upload of a track, with its split (the catalogue version a stream uses is the
-- upload's event_id).
CREATE VIEW IF NOT EXISTS royalty_uploads AS
SELECT event_id AS upload_id, event_time, track_id, isrc, label_id, label_name, title, release_id,
       duration_ms, artists, holders, topic, partition, offset
FROM royalty_facts FINAL
WHERE kind = 'upload';

-- Every revenue report, and which one is in force for its market and period: the latest by
-- event time, ties broken by the greater report_id. Superseded reports stay visible.
CREATE VIEW IF NOT EXISTS royalty_pools AS
SELECT event_id, event_time, report_id, market, period, currency, minor_unit, pool_minor,
       premium_listeners,
       row_number() OVER (PARTITION BY market, period ORDER BY event_time DESC, report_id DESC) = 1 AS in_force
FROM royalty_facts FINAL
WHERE kind = 'pool';

-- Each stream with the split it uses: the track's latest upload with event_time at or before
-- the stream's (equal event times: the greater upload id), or, for a stream older than every
-- upload of its track, the track's earliest upload. A track with no upload yet gives an empty
-- split_version and no holders (paid from suspense once an upload is known).
CREATE VIEW IF NOT EXISTS royalty_stream_splits AS
WITH
    at_time AS (
        SELECT track_id, event_time AS split_time, argMax(upload_id, toString(upload_id)) AS upload_id
        FROM royalty_uploads
        GROUP BY track_id, event_time
    ),
    first_upload AS (
        SELECT track_id, argMin(upload_id, (event_time, toString(upload_id))) AS upload_id
        FROM royalty_uploads
        GROUP BY track_id
    ),
    resolved AS (
        SELECT s.event_id AS event_id, s.event_time AS event_time, s.period AS period,
               s.track_id AS track_id, s.playback_id AS playback_id, s.user_id AS user_id,
               s.market AS market, s.product AS product, s.topic AS topic,
               s.partition AS partition, s.offset AS offset,
               if(a.upload_id != toUUID('00000000-0000-0000-0000-000000000000'), a.upload_id, f.upload_id) AS split_upload
        FROM royalty_streams AS s
        ASOF LEFT JOIN at_time AS a ON s.track_id = a.track_id AND s.event_time >= a.split_time
        LEFT JOIN first_upload AS f ON s.track_id = f.track_id
        SETTINGS join_use_nulls = 0
    )
SELECT r.event_id AS event_id, r.event_time AS event_time, r.period AS period, r.track_id AS track_id,
       r.playback_id AS playback_id, r.user_id AS user_id, r.market AS market, r.product AS product,
       r.topic AS topic, r.partition AS partition, r.offset AS offset,
       if(r.split_upload = toUUID('00000000-0000-0000-0000-000000000000'), '', toString(r.split_upload)) AS split_version,
       u.isrc AS isrc, u.label_id AS label_id, u.holders AS holders
FROM resolved AS r
LEFT JOIN royalty_uploads AS u ON r.split_upload = u.upload_id
SETTINGS join_use_nulls = 0;

-- The ledger: one line per qualified stream and rights holder, with the split version it used
-- and the stream's Kafka coordinates. A stream of a track with no upload yet is one line with
-- rights holder 'UNMATCHED' (suspense) and share 10000.
CREATE VIEW IF NOT EXISTS royalty_ledger AS
SELECT event_id, playback_id, track_id, isrc, label_id,
       if(empty(holders), 'UNMATCHED', holder.rights_holder_id) AS rights_holder_id,
       if(empty(holders), toUInt32(10000), holder.share_bps) AS share_bps,
       user_id, market, product, event_time, period, split_version,
       topic, partition, offset
FROM royalty_stream_splits
LEFT ARRAY JOIN holders AS holder;
