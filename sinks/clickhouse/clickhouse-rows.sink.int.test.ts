/**
 * The ClickHouse rows sink against the stack's chDB server: offsets stored with the rows, a
 * batch applied once however often it is delivered, and the per-instance offset memory that
 * spares each batch a scan of the table never hiding another writer's progress after an
 * assignment.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { migrate } from './migrate.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { openClickHouse, type ClickHouseHandle } from './clickhouse.client.js';
import { createClickHouseRowsSink } from './clickhouse-rows.sink.js';

const TOPIC = 'backbeat.playback';
const rowsOf = (partition: number, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    topic: TOPIC,
    partition,
    offset: from + i,
    v: `p${partition}-${from + i}`,
  }));
const range = (partition: number, from: number, to: number) => ({
  topic: TOPIC,
  partition,
  from,
  to,
});

describe('ClickHouse rows sink', () => {
  let ch: ClickHouseHandle;
  let database: string;
  before(async () => {
    const config = await useStack();
    database = `bb_rows_${randomUUID().slice(0, 8)}`;
    ch = await openClickHouse({ url: config.clickhouse.url, database });
    await migrate(ch.client);
    await ch.client.command({
      query: `CREATE TABLE probe_rows (topic String, partition UInt32, offset UInt64, v String)
              ENGINE = MergeTree ORDER BY (topic, partition, offset)
              SETTINGS non_replicated_deduplication_window = 1000`,
    });
  });
  after(async () => {
    await ch?.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch?.close();
  });
  const count = async () => {
    const rs = await ch.client.query({
      query: 'SELECT count() AS n, uniqExact(partition, offset) AS u FROM probe_rows',
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<{ n: string; u: string }>();
    return { n: Number(r!.n), u: Number(r!.u) };
  };
  const sink = (deps: { guard?: () => Promise<void> } = {}) =>
    createClickHouseRowsSink(
      { name: 'probe', table: 'probe_rows' },
      { clickhouse: ch.client, ...deps },
    );

  it('given consecutive batches, then each applies and the stored offset follows', async () => {
    const s = sink();
    assert.deepEqual([...(await s.readOffsets([range(0, 0, 0)]))], []);
    assert.equal(await s.apply({ rows: rowsOf(0, 0, 9) }, [range(0, 0, 9)]), 'applied');
    assert.equal(await s.apply({ rows: rowsOf(0, 10, 19) }, [range(0, 10, 19)]), 'applied');
    assert.deepEqual([...(await s.readOffsets([range(0, 0, 0)]))], [[`${TOPIC}:0`, 19]]);
    assert.deepEqual(await count(), { n: 20, u: 20 });
  });

  it('given a batch delivered again, then conflict and nothing written twice', async () => {
    const s = sink();
    await s.readOffsets([range(0, 0, 0)]); // as on assignment
    assert.equal(await s.apply({ rows: rowsOf(0, 10, 19) }, [range(0, 10, 19)]), 'conflict');
    assert.equal(await s.apply({ rows: rowsOf(0, 20, 24) }, [range(0, 20, 24)]), 'applied');
    assert.deepEqual(await count(), { n: 25, u: 25 });
  });

  it('given another instance took the partition over and wrote, then an assignment re-reads its progress', async () => {
    const a = sink();
    const b = sink();
    await a.readOffsets([range(1, 0, 0)]);
    assert.equal(await a.apply({ rows: rowsOf(1, 0, 4) }, [range(1, 0, 4)]), 'applied');
    // The partition moves to b, which positions from the stored offsets and writes on.
    assert.deepEqual([...(await b.readOffsets([range(1, 0, 0)]))], [[`${TOPIC}:1`, 4]]);
    assert.equal(await b.apply({ rows: rowsOf(1, 5, 9) }, [range(1, 5, 9)]), 'applied');
    // It comes back to a: the assignment positions it from the stored offsets again.
    assert.deepEqual([...(await a.readOffsets([range(1, 0, 0)]))], [[`${TOPIC}:1`, 9]]);
    assert.equal(await a.apply({ rows: rowsOf(1, 5, 9) }, [range(1, 5, 9)]), 'conflict');
    assert.equal(await a.apply({ rows: rowsOf(1, 10, 12) }, [range(1, 10, 12)]), 'applied');
    assert.deepEqual(await count(), { n: 38, u: 38 });
  });

  it('given a batch with no rows (all dead letters), then its offsets are still stored', async () => {
    const s = sink();
    await s.readOffsets([range(2, 0, 0)]);
    assert.equal(await s.apply({ rows: [] }, [range(2, 0, 2)]), 'applied');
    assert.deepEqual([...(await sink().readOffsets([range(2, 0, 0)]))], [[`${TOPIC}:2`, 2]]);
    assert.equal(await s.apply({ rows: rowsOf(2, 3, 3) }, [range(2, 3, 3)]), 'applied');
  });

  it('given the guard refusing (a swap), then the error is retriable and the offsets are read again after', async () => {
    let locked = true;
    const s = sink({
      guard: async () => {
        if (locked) throw Object.assign(new Error('swap in progress'), { retriable: true });
      },
    });
    await s.readOffsets([range(3, 0, 0)]);
    await assert.rejects(s.apply({ rows: rowsOf(3, 0, 4) }, [range(3, 0, 4)]), {
      message: 'swap in progress',
      retriable: true,
    });
    locked = false;
    // Meanwhile another writer (the rebuild's swap) moved the stored offset on.
    await sink().apply({ rows: rowsOf(3, 0, 4) }, [range(3, 0, 4)]);
    assert.equal(await s.apply({ rows: rowsOf(3, 0, 4) }, [range(3, 0, 4)]), 'conflict');
    assert.equal(await s.apply({ rows: rowsOf(3, 5, 6) }, [range(3, 5, 6)]), 'applied');
  });
  it('given a kill between the inserts of a split batch, then the batch is read again and lands once, nothing lost', async () => {
    // Rows of partition 4 in 6 groups of "months", at most 2 per insert: 3 inserts.
    const rows = rowsOf(4, 0, 11).map((r) => ({ ...r, v: `m${r.offset % 6}` }));
    let inserts = 0;
    const dying = {
      ...ch.client,
      insert: async (args: Parameters<typeof ch.client.insert>[0]) => {
        if (args.table === 'probe_rows' && ++inserts === 2)
          throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        return ch.client.insert(args);
      },
      query: ch.client.query.bind(ch.client),
    } as typeof ch.client;
    const split = {
      name: 'probe',
      table: 'probe_rows',
      partitionOf: (r: Record<string, unknown>) => String(r.v),
      maxPartitionsPerInsert: 2,
    };
    const first = createClickHouseRowsSink(split, { clickhouse: dying });
    await first.readOffsets([range(4, 0, 0)]);
    await assert.rejects(first.apply({ rows }, [range(4, 0, 11)]), { retriable: true });
    const partly = await count();
    // The process dies here. Its successor positions from the stored offsets: nothing applied.
    const next = createClickHouseRowsSink(split, { clickhouse: ch.client });
    assert.deepEqual([...(await next.readOffsets([range(4, 0, 0)]))], []);
    assert.equal(await next.apply({ rows }, [range(4, 0, 11)]), 'applied');
    const after = await count();
    assert.equal(after.n - partly.n + 4, 12, 'the first insert was not written twice');
    assert.equal(after.n, after.u);
    assert.deepEqual([...(await next.readOffsets([range(4, 0, 0)]))], [[`${TOPIC}:4`, 11]]);
  });
});
