-- The analyst `tracks` view is the catalogue: it lists what the catalogue processor accepted,
-- by the same rule (processors/catalogue/catalogue.projection.ts, `invalid`), so an upload the
-- catalogue refused (rights-holder shares not summing to 10,000 bps, no artists, ...) is in
-- the raw archive (`events`) but not here. The latest accepted upload of a track wins, by
-- event time and then Kafka order (uploads are keyed by track_id, so one partition), as in
-- the catalogue. "Non-empty" is JavaScript's trim(): some character that is not whitespace.
CREATE OR REPLACE VIEW tracks AS
SELECT
    track_id,
    argMax(JSONExtractString(payload, 'isrc'), (event_time, offset)) AS isrc,
    argMax(JSONExtractString(payload, 'title'), (event_time, offset)) AS title,
    argMax(JSONExtractString(payload, 'label_id'), (event_time, offset)) AS label_id,
    argMax(JSONExtractString(payload, 'label_name'), (event_time, offset)) AS label_name,
    argMax(JSONExtractInt(payload, 'duration_ms'), (event_time, offset)) AS duration_ms,
    argMax(JSONExtract(payload, 'markets', 'Array(String)'), (event_time, offset)) AS markets,
    argMax(JSONExtract(payload, 'artists', 'Array(Tuple(artist_id String, name String))'), (event_time, offset)) AS artists,
    argMax(JSONExtract(payload, 'rights_holders', 'Array(Tuple(rights_holder_id String, name String, role String, share_bps Int32))'), (event_time, offset)) AS rights_holders,
    max(event_time) AS updated_at
FROM events FINAL
WHERE event_type = 'track-upload'
    AND match(JSONExtractString(payload, 'event_id'), '[^\\t\\n\\x{0B}\\f\\r\\pZ\\x{FEFF}]')
    AND match(JSONExtractString(payload, 'track_id'), '[^\\t\\n\\x{0B}\\f\\r\\pZ\\x{FEFF}]')
    AND JSONExtractInt(payload, 'event_time') >= 0
    AND match(JSONExtractString(payload, 'isrc'), '[^\\t\\n\\x{0B}\\f\\r\\pZ\\x{FEFF}]')
    AND match(JSONExtractString(payload, 'label_id'), '[^\\t\\n\\x{0B}\\f\\r\\pZ\\x{FEFF}]')
    AND length(JSONExtractArrayRaw(payload, 'artists')) > 0
    AND arrayAll(a -> match(JSONExtractString(a, 'artist_id'), '[^\\t\\n\\x{0B}\\f\\r\\pZ\\x{FEFF}]'), JSONExtractArrayRaw(payload, 'artists'))
    AND JSONExtractInt(payload, 'duration_ms') >= 0
    AND length(JSONExtractArrayRaw(payload, 'rights_holders')) > 0
    AND arrayAll(r -> match(JSONExtractString(r, 'rights_holder_id'), '[^\\t\\n\\x{0B}\\f\\r\\pZ\\x{FEFF}]') AND JSONExtractInt(r, 'share_bps') >= 0, JSONExtractArrayRaw(payload, 'rights_holders'))
    AND arraySum(r -> JSONExtractInt(r, 'share_bps'), JSONExtractArrayRaw(payload, 'rights_holders')) = 10000
GROUP BY track_id;
