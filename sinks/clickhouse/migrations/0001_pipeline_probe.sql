-- The main job's end-to-end probe: one row per probe event read back from Kafka, keyed by its
-- Kafka coordinates so that a redelivered probe replaces itself instead of adding a row.
-- Analysts can ignore this table; it proves the Kafka -> ClickHouse path on start-up.
CREATE TABLE IF NOT EXISTS pipeline_probe
(
    probe_id    String COMMENT 'UUID of the probe event',
    topic       LowCardinality(String) COMMENT 'Kafka topic it was read from',
    partition   UInt32 COMMENT 'Kafka partition',
    offset      UInt64 COMMENT 'Kafka offset',
    sent_at     DateTime64(3, 'UTC') COMMENT 'when the main job produced it',
    applied_at  DateTime64(3, 'UTC') COMMENT 'when it was written here'
)
ENGINE = ReplacingMergeTree
ORDER BY (topic, partition, offset)
COMMENT 'End-to-end probe written by the main job at start-up';
