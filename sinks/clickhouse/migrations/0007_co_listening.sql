-- The co-listening matrix (processors/co-listening): per month of event time, how many
-- listener-sessions paired two tracks, how many sessions played each track, and how many
-- sessions there were. The processor inserts one row per pair, first play of a track in a
-- session, and session opened, each with a deterministic id (the completing play's event_id,
-- plus the other track for a pair), into Null tables. Materialized views fold them into
-- AggregatingMergeTree tables as uniqExact states of those ids. A redelivered or re-planned
-- batch inserts the same ids again, and a set union of the same ids changes nothing, so the
-- counts are effectively once with no FINAL and no dependence on background merges. Read
-- through the views (uniqExactMerge).
CREATE TABLE IF NOT EXISTS co_listening_pair_events
(
    month    String COMMENT 'YYYY-MM (UTC) of the play that completed the pair',
    track_a  String COMMENT 'The smaller track id (UTF-16 code unit order)',
    track_b  String COMMENT 'The greater track id',
    pair_id  String COMMENT 'Dedup id: <event_id>|<other track>, URI-encoded'
)
ENGINE = Null
COMMENT 'Insert-only: rows go to co_listening_pairs through co_listening_pairs_mv';

CREATE TABLE IF NOT EXISTS co_listening_pairs
(
    month    LowCardinality(String),
    track_a  String,
    track_b  String,
    sessions AggregateFunction(uniqExact, String) COMMENT 'Distinct pair ids: listener-sessions that paired a and b',
    updated_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')) COMMENT 'Last insert that touched the pair'
)
ENGINE = AggregatingMergeTree
ORDER BY (month, track_a, track_b)
COMMENT 'Co-listening counts per month and pair (read through the co_listening view)';

CREATE MATERIALIZED VIEW IF NOT EXISTS co_listening_pairs_mv TO co_listening_pairs AS
SELECT month, track_a, track_b, uniqExactState(pair_id) AS sessions, max(now64(3)) AS updated_at
FROM co_listening_pair_events
GROUP BY month, track_a, track_b;

CREATE TABLE IF NOT EXISTS co_listening_track_events
(
    month    String COMMENT 'YYYY-MM (UTC) of the play',
    track_id String,
    event_id String COMMENT 'The play that was the track''s first in its session'
)
ENGINE = Null
COMMENT 'Insert-only: rows go to co_listening_tracks through co_listening_tracks_mv';

CREATE TABLE IF NOT EXISTS co_listening_tracks
(
    month    LowCardinality(String),
    track_id String,
    sessions AggregateFunction(uniqExact, String) COMMENT 'Listener-sessions that played the track',
    updated_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (month, track_id)
COMMENT 'Sessions per month and track (the row sums of the LLR table)';

CREATE MATERIALIZED VIEW IF NOT EXISTS co_listening_tracks_mv TO co_listening_tracks AS
SELECT month, track_id, uniqExactState(event_id) AS sessions, max(now64(3)) AS updated_at
FROM co_listening_track_events
GROUP BY month, track_id;

CREATE TABLE IF NOT EXISTS co_listening_session_events
(
    month    String COMMENT 'YYYY-MM (UTC) of the play that opened the session',
    event_id String COMMENT 'The play that opened the session'
)
ENGINE = Null
COMMENT 'Insert-only: rows go to co_listening_sessions through co_listening_sessions_mv';

CREATE TABLE IF NOT EXISTS co_listening_sessions
(
    month    LowCardinality(String),
    sessions AggregateFunction(uniqExact, String) COMMENT 'Listener-sessions opened in the month'
)
ENGINE = AggregatingMergeTree
ORDER BY month
COMMENT 'Listener-sessions per month (the LLR universe)';

CREATE MATERIALIZED VIEW IF NOT EXISTS co_listening_sessions_mv TO co_listening_sessions AS
SELECT month, uniqExactState(event_id) AS sessions
FROM co_listening_session_events
GROUP BY month;

-- For analysts: the matrix per month and pair, sessions per track, sessions per month.
CREATE VIEW IF NOT EXISTS co_listening AS
SELECT month, track_a, track_b, uniqExactMerge(sessions) AS sessions, max(updated_at) AS updated_at
FROM co_listening_pairs
GROUP BY month, track_a, track_b;

CREATE VIEW IF NOT EXISTS co_listening_track_sessions AS
SELECT month, track_id, uniqExactMerge(sessions) AS sessions, max(updated_at) AS updated_at
FROM co_listening_tracks
GROUP BY month, track_id;

CREATE VIEW IF NOT EXISTS co_listening_month_sessions AS
SELECT month, uniqExactMerge(sessions) AS sessions
FROM co_listening_sessions
GROUP BY month;
