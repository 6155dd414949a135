/**
 * The SQL of a close, run inside ClickHouse so that a month of millions of ledger lines never
 * crosses to Node: the same two models as the pure reference (statement.compute.ts, the spec,
 * which an int test checks this against row for row), in exact integer arithmetic.
 *
 * A close works over five small Memory tables of its own (`work`, dropped when it ends):
 * - `w`: the market and period's qualified streams per user, product, track and split version,
 *   with `counted` (the policy: product, 12-month threshold);
 * - `u`: the uploads those split versions name (isrc, label, holders);
 * - `t`: 12-month streams per streamed track (only when the threshold is on);
 * - `l`: the statement's lines (label, holder, track), numbered `li` in byte order, which is the
 *   allocation's key order, with the name and ISRC of the greatest split version counted;
 * - `s`: per track and split version, its lines `lis` and shares `shs` (a track with no upload:
 *   its UNMATCHED line at 10,000).
 * Byte order of the UTF-8 ids is code point order: the reference sorts the same keys (hex of
 * the UTF-8 bytes) the same way.
 */
import { UNMATCHED, UNMATCHED_NAME } from './statement.types.js';

/** The tables of one close; period and market are validated patterns (YYYY-MM, AA). */
export function workTables(period: string, market: string) {
  const base = `_royalty_close_${period.replace('-', '_')}_${market}`;
  return {
    w: `${base}_w`,
    u: `${base}_u`,
    t: `${base}_t`,
    l: `${base}_l`,
    s: `${base}_s`,
  } as const;
}
export type WorkTables = ReturnType<typeof workTables>;

export const dropWorkSql = (t: WorkTables): string =>
  `DROP TABLE IF EXISTS ${Object.values(t).join(', ')}`;

/** Integer type wide enough for pool × total weight (both below 2^63 and 2^64). */
export function arithmeticType(pool: bigint, totalWeight: bigint): 'Int64' | 'Int128' | 'Int256' {
  const p = pool * (totalWeight > 0n ? totalWeight : 1n);
  return p < 2n ** 63n ? 'Int64' : p < 2n ** 127n ? 'Int128' : 'Int256';
}

/** Statements that build the work tables, in order; params p, m, products, threshold (-1 off). */
export function buildWorkSql(t: WorkTables, threshold: boolean): string[] {
  const counted = threshold
    ? `has({products:Array(String)}, product) AND n12 >= {threshold:UInt64}`
    : `has({products:Array(String)}, product)`;
  return [
    `CREATE TABLE ${t.w} ENGINE = Memory AS
     SELECT user_id, product, track_id, split_version, count() AS streams
     FROM royalty_stream_splits WHERE period = {p:String} AND market = {m:String}
     GROUP BY user_id, product, track_id, split_version`,
    `CREATE TABLE ${t.u} ENGINE = Memory AS
     SELECT toString(upload_id) AS split_version, track_id, isrc, label_id, holders
     FROM royalty_uploads
     WHERE toString(upload_id) IN (SELECT DISTINCT split_version FROM ${t.w} WHERE split_version != '')`,
    ...(threshold
      ? [
          `CREATE TABLE ${t.t} ENGINE = Memory AS
           SELECT track_id, count() AS n FROM royalty_streams
           WHERE period <= {p:String}
             AND period > formatDateTime(addMonths(toDate(concat({p:String}, '-01')), -12), '%Y-%m')
             AND track_id IN (SELECT DISTINCT track_id FROM ${t.w})
           GROUP BY track_id`,
        ]
      : []),
    `CREATE TABLE ${t.l} ENGINE = Memory AS
     SELECT lbl, holder, trk, meta.1 AS name, meta.2 AS isrc,
            toUInt32(row_number() OVER (ORDER BY lbl, holder, trk)) AS li
     FROM (
       SELECT lbl, holder, trk, argMax(tuple(name, isrc), (c, split_version)) AS meta
       FROM (
         SELECT u.label_id AS lbl, h.rights_holder_id AS holder, v.track_id AS trk, h.name AS name,
                u.isrc AS isrc, v.c AS c, v.split_version AS split_version
         FROM (SELECT track_id, split_version, max(${counted}) AS c FROM ${streamsOf(t, threshold)}
               WHERE split_version != '' GROUP BY track_id, split_version) AS v
         JOIN ${t.u} AS u ON u.split_version = v.split_version
         ARRAY JOIN u.holders AS h
         UNION ALL
         SELECT '', '${UNMATCHED}', track_id, '${UNMATCHED_NAME}', '', max(${counted}), ''
         FROM ${streamsOf(t, threshold)} WHERE split_version = '' GROUP BY track_id
       )
       GROUP BY lbl, holder, trk
     )`,
    `CREATE TABLE ${t.s} ENGINE = Memory AS
     SELECT track_id, split_version, groupArray(li) AS lis, groupArray(sh) AS shs
     FROM (
       SELECT v.track_id AS track_id, v.split_version AS split_version, l.li AS li,
              toUInt64(h.share_bps) AS sh
       FROM (SELECT DISTINCT track_id, split_version FROM ${t.w} WHERE split_version != '') AS v
       JOIN ${t.u} AS u ON u.split_version = v.split_version
       ARRAY JOIN u.holders AS h
       JOIN ${t.l} AS l ON l.lbl = u.label_id AND l.holder = h.rights_holder_id AND l.trk = v.track_id
       UNION ALL
       SELECT l.trk, '', l.li, toUInt64(10000) FROM ${t.l} AS l
       WHERE l.lbl = '' AND l.holder = '${UNMATCHED}'
     )
     GROUP BY track_id, split_version`,
  ];
}

/** The streams with their 12-month count joined in (threshold on), as a table expression. */
function streamsOf(t: WorkTables, threshold: boolean): string {
  return threshold
    ? `(SELECT w.*, c.n AS n12 FROM ${t.w} AS w LEFT JOIN ${t.t} AS c ON c.track_id = w.track_id)`
    : t.w;
}

/**
 * The inputs' digests (statement.hash.ts says what each covers): `streams` over `w`, `uploads`
 * over `u`, `counts` over `t` (empty text when the threshold is off). Each is the upper-case
 * hex sha256 of its rows sorted and joined by newlines; the streams' rows are first hashed per
 * user (the user's id, then its rows), so no array holds the whole month.
 */
export function digestSql(t: WorkTables, threshold: boolean): string {
  const row = `concat(product, ',', hex(track_id), ',', split_version, ',', toString(streams))`;
  const holder = `concat(hex(h.rights_holder_id), '.', hex(h.name), '.', toString(h.share_bps))`;
  const upload = `concat(split_version, ',', hex(track_id), ',', hex(isrc), ',', hex(label_id), ',',
    arrayStringConcat(arraySort(arrayMap(h -> ${holder}, holders)), ';'))`;
  return `SELECT
    (SELECT hex(SHA256(arrayStringConcat(arraySort(groupArray(d)), '\\n')))
     FROM (SELECT hex(SHA256(concat(hex(any(user_id)), '\\n',
                   arrayStringConcat(arraySort(groupArray(${row})), '\\n')))) AS d
           FROM ${t.w} GROUP BY user_id)) AS streams,
    (SELECT hex(SHA256(arrayStringConcat(arraySort(groupArray(${upload})), '\\n'))) FROM ${t.u}) AS uploads,
    ${
      threshold
        ? `(SELECT hex(SHA256(arrayStringConcat(arraySort(groupArray(concat(hex(track_id), ',', toString(n)))), '\\n'))) FROM ${t.t})`
        : `''`
    } AS counts`;
}

/**
 * Totals from the streams alone: counted and excluded streams, and listeners (users with a
 * counted stream). The total weight is 10,000 × counted streams (every split sums to 10,000, an
 * unmatched track weighs 10,000): the close checks its lines' weights sum to it.
 */
export function totalsSql(t: WorkTables, threshold: boolean): string {
  const counted = countedExpr(threshold);
  return `SELECT toString(sumIf(w.streams, ${counted})) AS counted,
    toString(sumIf(w.streams, NOT (${counted}))) AS excluded,
    toString(uniqExactIf(w.user_id, ${counted})) AS listeners
    FROM ${streamsOf(t, threshold)} AS w`;
}

function countedExpr(threshold: boolean): string {
  return threshold
    ? `(has({products:Array(String)}, w.product) AND w.n12 >= {threshold:UInt64})`
    : `has({products:Array(String)}, w.product)`;
}

/**
 * Excluded streams per label, track, reason and ISRC (the reason the policy gives), with the
 * ledger lines they make (one per holder; one for a track with no upload).
 */
export function excludedSql(t: WorkTables, threshold: boolean): string {
  const reason = threshold
    ? `if(NOT has({products:Array(String)}, w.product), 'PRODUCT_NOT_COUNTED', 'BELOW_THRESHOLD')`
    : `'PRODUCT_NOT_COUNTED'`;
  return `SELECT ifNull(u.label_id, '') AS label_id, w.track_id AS track_id, ${reason} AS reason,
      ifNull(u.isrc, '') AS isrc, toString(sum(w.streams)) AS streams,
      toString(sum(w.streams * greatest(1, length(ifNull(u.holders, []))))) AS ledger_lines
    FROM ${streamsOf(t, threshold)} AS w
    LEFT JOIN ${t.u} AS u ON u.split_version = w.split_version
    WHERE NOT ${countedExpr(threshold)}
    GROUP BY label_id, track_id, reason, isrc
    SETTINGS join_use_nulls = 1`;
}

/**
 * Both models per line. Params: products (threshold), pool, total (the total weight), each
 * (every listener's equal part, floored), bonus (how many listeners, first by user id, get one
 * minor unit more), silent (the silent listeners' part). `A` is the arithmetic type of the
 * line stage (pool × total weight), `U` of the listener stage (a listener's part × total).
 *
 * - User-centric: per listener, its part by its own lines' weights: floor(part × w ÷ W_u), and
 *   the units left to the largest remainders (ties: the larger weight, then the line's key);
 *   the silent part by every line's weight, the same way; summed per line.
 * - Streamshare: the pool by line weight, the same way.
 *
 * Each listener's lines are merged and allocated in arrays (one row per listener, not one per
 * listener and line: the hash table of the latter is what a month costs most). Lambdas take
 * their arrays as arguments, never from the enclosing row, which ClickHouse would copy per
 * element.
 */
export function allocationSql(t: WorkTables, threshold: boolean, A: string, U: string): string {
  const largestRemainder = (param: string) => `
      intDiv({${param}:${A}} * W, {total:${A}}) AS fl_${param},
      ({${param}:${A}} * W) % {total:${A}} AS rm_${param}`;
  const shifted = (a: string, at: 'Front' | 'Back', zero: string) =>
    at === 'Front'
      ? `arrayPushFront(arrayPopBack(${a}), ${zero})`
      : `arrayPushBack(arrayPopFront(${a}), ${zero})`;
  const runSums = (c: string) =>
    `arrayMap((a, b) -> a - b, ${c}, ${shifted(c, 'Front', 'toUInt64(0)')})`;
  return `SELECT l.lbl AS label_id, l.holder AS rights_holder_id, l.name AS rights_holder_name,
      l.trk AS track_id, l.isrc AS isrc, toString(x.streams) AS streams,
      toString(x.W) AS weighted_streams_bps, toString(x.ss) AS streamshare_minor,
      toString(x.uc) AS user_centric_minor
    FROM (
      SELECT k, W, streams,
        fl_pool + (row_number() OVER (ORDER BY rm_pool DESC, W DESC, k) <= {pool:${A}} - sum(fl_pool) OVER ()) AS ss,
        ucu + fl_silent + (row_number() OVER (ORDER BY rm_silent DESC, W DESC, k) <= {silent:${A}} - sum(fl_silent) OVER ()) AS uc
      FROM (
        SELECT k, to${A}(sum(wv)) AS W, sum(nv) AS streams, to${A}(sum(a)) AS ucu,
          ${largestRemainder('pool')},
          ${largestRemainder('silent')}
        FROM (
          -- A listener's part to its lines: floors, then one unit each to the first \`left\`
          -- in (remainder desc, weight desc, key) order; inv is each line's rank in it.
          SELECT ks, ws, ns, arrayMap((f, r) -> f + to${U}(r <= left), fl, inv) AS amts
          FROM (
            SELECT ks, ws, ns, fl, head - arraySum(fl) AS left,
              arraySort((x, y) -> y, arrayEnumerate(ks),
                arraySort((i, r, w) -> (-r, -to${U}(w), i), arrayEnumerate(ks), rm, ws)) AS inv
            FROM (
              SELECT ks, ws, ns, head, arraySum(ws) AS Wu,
                arrayMap(w -> intDiv(head * w, Wu), ws) AS fl,
                arrayMap(w -> (head * w) % Wu, ws) AS rm
              FROM (
                -- Each listener's lines in key order, equal keys merged (run ends and sums).
                SELECT user_id, arrayFilter((k, e) -> e, sk, ends) AS ks,
                  ${runSums('arrayFilter((c, e) -> e, arrayCumSum(sw), ends)')} AS ws,
                  ${runSums('arrayFilter((c, e) -> e, arrayCumSum(sn), ends)')} AS ns
                FROM (
                  SELECT user_id, sk, sw, sn,
                    arrayMap((a, b) -> a != b, sk, ${shifted('sk', 'Back', 'toUInt32(0)')}) AS ends
                  FROM (
                    SELECT user_id, arraySort(rk) AS sk, arraySort((x, y) -> y, rw, rk) AS sw,
                      arraySort((x, y) -> y, rn, rk) AS sn
                    FROM (
                      SELECT w.user_id AS user_id, groupArray(li) AS rk,
                        groupArray(sh * w.streams) AS rw, groupArray(toUInt64(w.streams)) AS rn
                      FROM ${streamsOf(t, threshold)} AS w
                      JOIN ${t.s} AS s ON s.track_id = w.track_id AND s.split_version = w.split_version
                      ARRAY JOIN s.lis AS li, s.shs AS sh
                      WHERE ${countedExpr(threshold)}
                      GROUP BY user_id
                    )
                  )
                )
              ) AS g
              JOIN (
                SELECT user_id,
                  to${U}({each:${U}}) + to${U}(row_number() OVER (ORDER BY user_id) <= {bonus:UInt64}) AS head
                FROM (SELECT DISTINCT user_id FROM ${streamsOf(t, threshold)} AS w WHERE ${countedExpr(threshold)})
              ) AS h ON h.user_id = g.user_id
            )
          )
        )
        ARRAY JOIN ks AS k, amts AS a, ws AS wv, ns AS nv
        GROUP BY k
      )
    ) AS x
    JOIN ${t.l} AS l ON l.li = x.k`;
}
