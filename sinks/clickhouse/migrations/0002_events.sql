-- The raw event archive: every event Backbeat received, one row per event_id, with the Kafka
-- topic, partition and offset it was read from. Common fields are columns (for fast analyst
-- queries); the whole event is kept as JSON in `payload`.
--
-- Exactness: a redelivered or duplicated event has the same sort key (event_type, day,
-- event_id), so ReplacingMergeTree keeps one row per event_id. Queries must read it with
-- FINAL (or through the views below, which do), so no result depends on background merges.
CREATE TABLE IF NOT EXISTS events
(
    event_type     LowCardinality(String) COMMENT 'playback, skip, follow, track-upload, revenue-report',
    event_id       UUID COMMENT 'Globally unique id; the idempotency key',
    event_time     DateTime64(3, 'UTC') COMMENT 'When it happened (client or source clock)',
    received_time  DateTime64(3, 'UTC') COMMENT 'When Backbeat ingest received it',
    user_id        String COMMENT 'Listener (user-scoped events), else empty',
    device_id      String COMMENT 'Device (user-scoped events), else empty',
    market         LowCardinality(String) COMMENT 'ISO 3166-1 alpha-2 market of the listener or report',
    product        LowCardinality(String) COMMENT 'FREE or PREMIUM (user-scoped events)',
    platform       LowCardinality(String) COMMENT 'Client platform',
    client_version LowCardinality(String) COMMENT 'Client version',
    track_id       String COMMENT 'Track (playback, skip, track-upload)',
    session_id     String COMMENT 'Listening session (playback, skip)',
    playback_id    String COMMENT 'Playback instance (playback, skip)',
    phase          LowCardinality(String) COMMENT 'Playback lifecycle step: STARTED, PROGRESS, ENDED',
    ms_played      Int64 COMMENT 'Milliseconds listened (playback); a stream qualifies at 30000',
    position_ms    Int64 COMMENT 'Position in the track (playback, skip)',
    end_reason     LowCardinality(String) COMMENT 'Why a playback ended (ENDED only)',
    offline        Bool COMMENT 'Played offline and sent later',
    skip_direction LowCardinality(String) COMMENT 'FORWARD or BACKWARD (skip)',
    follow_action  LowCardinality(String) COMMENT 'FOLLOW or UNFOLLOW (follow)',
    target_type    LowCardinality(String) COMMENT 'ARTIST or USER (follow)',
    target_id      String COMMENT 'Followed artist or user id (follow)',
    payload        String COMMENT 'The whole event as JSON',
    topic          LowCardinality(String) COMMENT 'Kafka topic it was read from',
    partition      UInt32 COMMENT 'Kafka partition',
    offset         UInt64 COMMENT 'Kafka offset',
    schema_id      UInt32 COMMENT 'Registry id of the writer schema',
    inserted_at    DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When the archive wrote the row'
)
ENGINE = ReplacingMergeTree(offset)
PARTITION BY toYYYYMM(event_time)
ORDER BY (event_type, toDate(event_time), event_id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Every event, one row per event_id (read with FINAL)';

-- Plays: every ENDED playback, with whether it qualified (30 s or more).
CREATE VIEW IF NOT EXISTS plays AS
SELECT
    event_id, event_time, toDate(event_time) AS day, received_time, user_id, device_id, market, product,
    platform, track_id, session_id, playback_id, ms_played, end_reason, offline,
    ms_played >= 30000 AS qualified
FROM events FINAL
WHERE event_type = 'playback' AND phase = 'ENDED';

-- Skips, one row per skip event.
CREATE VIEW IF NOT EXISTS skips AS
SELECT event_id, event_time, toDate(event_time) AS day, user_id, market, track_id, session_id, playback_id, position_ms, skip_direction
FROM events FINAL
WHERE event_type = 'skip';

-- Qualified streams and skips per track, day (of event time) and market.
CREATE VIEW IF NOT EXISTS track_daily_streams AS
SELECT track_id, day, market, sum(streams) AS streams, sum(skips) AS skips
FROM
(
    SELECT track_id, day, market, toUInt64(qualified) AS streams, toUInt64(0) AS skips FROM plays
    UNION ALL
    SELECT track_id, day, market, toUInt64(0) AS streams, toUInt64(1) AS skips FROM skips
)
GROUP BY track_id, day, market;

-- The catalogue: the latest upload of each track.
CREATE VIEW IF NOT EXISTS tracks AS
SELECT
    track_id,
    argMax(JSONExtractString(payload, 'isrc'), event_time) AS isrc,
    argMax(JSONExtractString(payload, 'title'), event_time) AS title,
    argMax(JSONExtractString(payload, 'label_id'), event_time) AS label_id,
    argMax(JSONExtractString(payload, 'label_name'), event_time) AS label_name,
    argMax(JSONExtractInt(payload, 'duration_ms'), event_time) AS duration_ms,
    argMax(JSONExtract(payload, 'markets', 'Array(String)'), event_time) AS markets,
    argMax(JSONExtract(payload, 'artists', 'Array(Tuple(artist_id String, name String))'), event_time) AS artists,
    argMax(JSONExtract(payload, 'rights_holders', 'Array(Tuple(rights_holder_id String, name String, role String, share_bps Int32))'), event_time) AS rights_holders,
    max(event_time) AS updated_at
FROM events FINAL
WHERE event_type = 'track-upload'
GROUP BY track_id;
