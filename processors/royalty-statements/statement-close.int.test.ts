/**
 * Closing royalty statements from the real ledger on the chDB server: both models sum to the
 * pool, closing the same inputs again issues nothing new (same hash), late plays re-issue the
 * statement as version 2 with a delta per line while version 1 stays as it was, a corrected
 * report re-issues too, and a market with streams but no report gets no statement.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../common/logging/logger.js';
import { createRoyaltyStatementsReader } from '../../read-models/royalties/royalty-statements.reader.js';
import {
  NOV,
  ledgerPlay,
  ledgerReport,
  ledgerUpload,
  openLedgerDatabase,
  type LedgerDatabase,
} from '../../test/helpers/royalty-ledger.helper.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { closeStatements } from './statement-close.service.js';

const T = NOV;
const logger = createLogger({ level: 'silent' as never }, 'test');
const play = (user: string, track: string, at: number, market = 'SE') =>
  ledgerPlay(user, track, at, { market });
const upload = (track: string, label: string, holders: [string, number][]) =>
  ledgerUpload(track, holders, { label });
const report = (id: string, at: number, pool: number) => ledgerReport(id, at, pool);

describe('royalty statements closed from the ledger', () => {
  let db: LedgerDatabase;
  let redis: Redis;
  const close = (market?: string) =>
    closeStatements(
      { period: '2026-11', closedBy: 'test', ...(market ? { market } : {}) },
      { clickhouse: db.ch.client, redis, logger },
    );
  const sums = async (statementId: string) => {
    const [r] = await db.query<{ ss: string; uc: string; n: string }>(
      `SELECT sum(streamshare_minor) AS ss, sum(user_centric_minor) AS uc, count() AS n
       FROM royalty_statement_lines FINAL WHERE statement_id = {id:String}`,
      { id: statementId },
    );
    return { ss: Number(r!.ss), uc: Number(r!.uc), n: Number(r!.n) };
  };

  before(async () => {
    const config = await useStack();
    db = await openLedgerDatabase(config, 'statements');
    redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    redis?.disconnect();
    await db?.drop();
  });

  it('given the worked example, then both models sum to the pool with the documented amounts, and a second close issues nothing', async () => {
    await db.deliver([
      upload('T1', 'label-1', [
        ['A', 6000],
        ['B', 4000],
      ]),
      upload('T2', 'label-2', [['C', 10_000]]),
      play('u1', 'T1', T(5)),
      play('u1', 'T1', T(6)),
      play('u1', 'T1', T(7)),
      play('u2', 'T1', T(8)),
      play('u2', 'T2', T(9)),
      play('u9', 'T1', T(9), 'NO'), // a market without a report
      report('rr-1', T(30, 23), 1000),
    ]);
    const results = await close();
    assert.deepEqual(
      results.map((r) => [r.market, r.status]),
      [
        ['NO', 'no-report'],
        ['SE', 'issued'],
      ],
    );
    const issued = results[1] as { statement_id: string; content_hash: string };
    assert.equal(issued.statement_id, '2026-11-SE-v1');
    const reader = createRoyaltyStatementsReader({ clickhouse: db.ch.client });
    const s = await reader.get('2026-11-SE-v1');
    assert.ok(s);
    const amounts = Object.fromEntries(
      s.lines.map((l) => [
        l.rights_holder_id,
        [Number(l.streamshare_minor), Number(l.user_centric_minor)],
      ]),
    );
    assert.deepEqual(amounts, { A: [480, 460], B: [320, 307], C: [200, 233] });
    assert.deepEqual(await sums('2026-11-SE-v1'), { ss: 1000, uc: 1000, n: 3 });
    assert.equal(s.header.ledger_lines, 9, 'five SE streams of T1 make two lines each, T2 one');
    assert.equal(s.header.policy_version, 2);
    assert.ok(Object.keys(s.header.watermark).length >= 1);
    // Label 2 sees only its own line; a label with no line sees no statement.
    assert.deepEqual(
      (await reader.get('2026-11-SE-v1', { label: 'label-2' }))?.lines.map(
        (l) => l.rights_holder_id,
      ),
      ['C'],
    );
    assert.equal(await reader.get('2026-11-SE-v1', { label: 'label-3' }), undefined);

    const again = await close('SE');
    assert.deepEqual(again, [
      {
        market: 'SE',
        status: 'unchanged',
        statement_id: '2026-11-SE-v1',
        version: 1,
        content_hash: issued.content_hash,
      },
    ]);
  });

  it('given late plays into the closed period, then version 2 is issued with deltas and version 1 is unchanged', async () => {
    await db.deliver([play('u3', 'T2', T(20)), play('u3', 'T2', T(21))]);
    const [r] = await close('SE');
    assert.equal(r!.status, 'issued');
    assert.equal((r as { statement_id: string }).statement_id, '2026-11-SE-v2');
    assert.equal((r as { supersedes: string }).supersedes, '2026-11-SE-v1');
    const reader = createRoyaltyStatementsReader({ clickhouse: db.ch.client });
    const v1 = await reader.get('2026-11-SE-v1');
    const v2 = await reader.get('2026-11-SE-v2');
    assert.deepEqual(
      v1!.lines.map((l) => [l.rights_holder_id, l.streamshare_minor]),
      [
        ['A', '480'],
        ['B', '320'],
        ['C', '200'],
      ],
      'version 1 as issued',
    );
    assert.deepEqual(await sums('2026-11-SE-v2'), { ss: 1000, uc: 1000, n: 3 });
    const delta = v2!.lines.reduce((a, l) => a + Number(l.delta_streamshare_minor), 0);
    assert.equal(delta, 0, 'the deltas of a re-issue sum to 0: the pool did not change');
    const c = v2!.lines.find((l) => l.rights_holder_id === 'C')!;
    assert.equal(Number(c.streams), 3);
    assert.equal(Number(c.delta_streamshare_minor), Number(c.streamshare_minor) - 200);
    assert.ok(Number(c.delta_streamshare_minor) > 0);
  });

  it('given a corrected report, then the next close issues a version on the new pool', async () => {
    await db.deliver([report('rr-2', T(30, 23) + 60_000, 2000)]);
    const [r] = await close('SE');
    assert.equal((r as { statement_id: string }).statement_id, '2026-11-SE-v3');
    const reader = createRoyaltyStatementsReader({ clickhouse: db.ch.client });
    const v3 = await reader.get('2026-11-SE-v3');
    assert.equal(v3!.header.report_id, 'rr-2');
    assert.deepEqual(await sums('2026-11-SE-v3'), { ss: 2000, uc: 2000, n: 3 });
  });

  it('given a bad period or market, then the close refuses it, naming it', async () => {
    await assert.rejects(
      closeStatements(
        { period: '2026-13', closedBy: 't' },
        { clickhouse: db.ch.client, redis, logger },
      ),
      /period "2026-13" is not YYYY-MM/,
    );
    await assert.rejects(
      closeStatements(
        { period: '2026-11', market: 'se', closedBy: 't' },
        { clickhouse: db.ch.client, redis, logger },
      ),
      /market "se" is not ISO 3166-1 alpha-2/,
    );
  });
});
