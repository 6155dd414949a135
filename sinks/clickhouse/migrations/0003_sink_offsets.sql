-- The last Kafka offset each ClickHouse sink applied, per partition. Rows of a sink's table
-- carry their own offsets too; this table also covers batches that produced no rows (every
-- message dead-lettered), so a sink never re-reads a batch it has finished. Read with max().
CREATE TABLE IF NOT EXISTS sink_offsets
(
    sink       LowCardinality(String) COMMENT 'Sink name (projection and table)',
    topic      LowCardinality(String) COMMENT 'Kafka topic',
    partition  UInt32 COMMENT 'Kafka partition',
    offset     UInt64 COMMENT 'Last applied offset',
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(offset)
ORDER BY (sink, topic, partition)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Applied offsets of ClickHouse sinks (max per partition)';
