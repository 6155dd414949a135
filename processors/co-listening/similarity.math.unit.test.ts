import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Candidate } from './similarity.math.js';
import { associationLlr, contingencyTable, cosine, llr, topNeighbours } from './similarity.math.js';

const RUNS = { seed: 20261202, numRuns: 300 };
const close = (actual: number, expected: number, tol: number) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);

/** Pearson's G statistic, 2 Σ k ln(k·N / (row·col)): the textbook form of the same LLR. */
function gTest(k11: number, k12: number, k21: number, k22: number): number {
  const n = k11 + k12 + k21 + k22;
  const cells: [number, number, number][] = [
    [k11, k11 + k12, k11 + k21],
    [k12, k11 + k12, k12 + k22],
    [k21, k21 + k22, k11 + k21],
    [k22, k21 + k22, k12 + k22],
  ];
  return 2 * cells.reduce((s, [k, r, c]) => (k ? s + k * Math.log((k * n) / (r * c)) : s), 0);
}

describe('llr: hand-computed values', () => {
  it('given (1,0,0,1), then 4 ln 2 = 2.772588722239781', () => {
    // H(rows) = H(1,1) = 2ln2 - 0 = 2ln2; H(cols) = 2ln2; H(cells) = H(1,0,0,1) = 2ln2.
    // 2 × (2ln2 + 2ln2 - 2ln2) = 4 ln 2.
    close(llr(1, 0, 0, 1), 2.772588722239781, 1e-15);
    close(llr(1, 0, 0, 1), 4 * Math.LN2, 1e-15);
  });

  it('given (10,0,0,10), then 40 ln 2 = 27.72588722239781', () => {
    // H(rows) = 20ln20 - 2×10ln10 = 20ln2; H(cols) = 20ln2; H(cells) = 20ln20 - 20ln10 = 20ln2.
    // 2 × (20ln2 + 20ln2 - 20ln2) = 40 ln 2.
    close(llr(10, 0, 0, 10), 27.72588722239781, 1e-12);
  });

  it('given (1,1,1,1), independent, then 0', () => {
    // H(rows) = H(2,2) = 4ln4 - 2×2ln2 = 4ln2; H(cols) = 4ln2; H(cells) = 4ln4 = 8ln2.
    // 2 × (4ln2 + 4ln2 - 8ln2) = 0.
    assert.equal(llr(1, 1, 1, 1), 0);
    assert.equal(llr(0, 0, 0, 0), 0);
  });

  it('given (2,1,1,2), then 32 ln 2 - 12 ln 6 = 0.67959614718...', () => {
    // H(rows) = H(3,3) = 6ln6 - 2×3ln3 = 6ln2; H(cols) = 6ln2;
    // H(cells) = 6ln6 - (2ln2 + 0 + 0 + 2ln2) = 6ln6 - 4ln2.
    // 2 × (6ln2 + 6ln2 - 6ln6 + 4ln2) = 32ln2 - 12ln6 = 22.18071 - 21.50111 = 0.67960.
    close(llr(2, 1, 1, 2), 32 * Math.LN2 - 12 * Math.log(6), 1e-12);
    close(llr(2, 1, 1, 2), 0.679596147181588, 1e-12);
  });

  it('given c = 3 of sessions 5 and 4 among 20, then the table (3,2,1,14) and its LLR 5.938079...', () => {
    // k11 = 3, k12 = 5 - 3 = 2, k21 = 4 - 3 = 1, k22 = 20 - 5 - 4 + 3 = 14.
    // 2 × (20ln20 - 5ln5 - 15ln15 - 4ln4 - 16ln16 + 3ln3 + 2ln2 + 14ln14)
    //   = 2 × (59.91465 - 8.04719 - 40.62075 - 5.54518 - 44.36142 + 3.29584 + 1.38629 + 36.94680)
    //   = 2 × 2.96904 = 5.93808.
    const t = contingencyTable(3, 5, 4, 20);
    assert.deepEqual(t, { k11: 3, k12: 2, k21: 1, k22: 14 });
    close(llr(3, 2, 1, 14), 5.93807946759587, 1e-12);
  });

  it("given the tables of Dunning's 1993 paper, then its values to 2 decimals", () => {
    close(llr(110, 2442, 111, 29114), 270.72, 0.005);
    close(llr(29, 13, 123, 31612), 263.9, 0.005);
    close(llr(9, 12, 429, 31327), 48.94, 0.005);
  });

  it('given a cell that is not a non-negative integer, then a programming error', () => {
    assert.throws(() => llr(-1, 0, 0, 1), /k11 -1/);
    assert.throws(() => llr(1, 0.5, 0, 1), /k12 0.5/);
    assert.throws(() => llr(1, 0, Number.NaN, 1), /k21 NaN/);
  });

  it('for any table: >= 0, the G-test value, the same transposed or with rows swapped', () => {
    const count = fc.oneof(fc.nat(20), fc.nat(1_000_000));
    fc.assert(
      fc.property(count, count, count, count, (a, b, c, d) => {
        const v = llr(a, b, c, d);
        assert.ok(v >= 0);
        close(v, gTest(a, b, c, d), 1e-7 * Math.max(1, v));
        close(llr(a, c, b, d), v, 1e-7 * Math.max(1, v));
        close(llr(c, d, a, b), v, 1e-7 * Math.max(1, v));
      }),
      RUNS,
    );
  });
});

describe('contingencyTable: counts that cannot be are a reason, never NaN', () => {
  it('given co-listens above the sessions of a track, then a reason naming the negative cell', () => {
    const t = contingencyTable(6, 5, 9, 20);
    assert.ok('reason' in t);
    assert.match(t.reason, /cell k12 is -1/);
  });

  it('given sessions of a and b that do not fit in the total, then k22 is the negative cell', () => {
    const t = contingencyTable(1, 10, 12, 20);
    assert.match((t as { reason: string }).reason, /cell k22 is -1/);
  });

  it('given a count that is not a non-negative integer, then a reason', () => {
    assert.match((contingencyTable(1.5, 2, 2, 4) as { reason: string }).reason, /coListens 1.5/);
    assert.match(
      (contingencyTable(1, 2, 2, NaN) as { reason: string }).reason,
      /totalSessions NaN/,
    );
    assert.match((contingencyTable(1, -2, 2, 4) as { reason: string }).reason, /sessionsA -2/);
  });

  it('given a and b never together though both in half the sessions, then LLR is high but the association scores 0', () => {
    const t = contingencyTable(0, 10, 10, 20) as Exclude<
      ReturnType<typeof contingencyTable>,
      { reason: string }
    >;
    close(llr(t.k11, t.k12, t.k21, t.k22), 40 * Math.LN2, 1e-12); // (0,10,10,0): a perfect avoidance
    assert.equal(associationLlr(t), 0);
    assert.equal(associationLlr({ k11: 10, k12: 0, k21: 0, k22: 10 }), llr(10, 0, 0, 10));
  });
});

describe('cosine', () => {
  it('given 2 co-listens of tracks in 4 and 9 sessions, then 2 / sqrt(36) = 1/3', () => {
    assert.equal(cosine(2, 4, 9), 1 / 3);
    assert.equal(cosine(4, 4, 4), 1);
    assert.equal(cosine(0, 0, 5), 0);
  });

  it('given co-listens above a track’s sessions or a negative count, then a programming error', () => {
    assert.throws(() => cosine(5, 4, 9), /5 co-listens of 4 and 9/);
    assert.throws(() => cosine(-1, 4, 9), /c -1/);
  });
});

describe('topNeighbours', () => {
  const track = { track: 'seed', sessions: 16 };
  const c = (t: string, coListens: number, sessions: number): Candidate => ({
    track: t,
    coListens,
    sessions,
  });

  it('given cosine ties, then score, then co-listens, then track id, whatever the input order', () => {
    // cosine: x 2/sqrt(16×4) = 0.25, y 4/sqrt(16×16) = 0.25, a and b 1/sqrt(16×1) = 0.25 too,
    // top 3/sqrt(16×4) = 0.375.
    const cands = [c('x', 2, 4), c('b', 1, 1), c('y', 4, 16), c('top', 3, 4), c('a', 1, 1)];
    const expected = [
      { track: 'top', score: 0.375, coListens: 3 },
      { track: 'y', score: 0.25, coListens: 4 },
      { track: 'x', score: 0.25, coListens: 2 },
      { track: 'a', score: 0.25, coListens: 1 },
      { track: 'b', score: 0.25, coListens: 1 },
    ];
    assert.deepEqual(topNeighbours(track, cands, 10, { kind: 'cosine' }).neighbours, expected);
    assert.deepEqual(
      topNeighbours(track, [...cands].reverse(), 3, { kind: 'cosine' }).neighbours,
      expected.slice(0, 3),
    );
  });

  it('given LLR, then each neighbour carries its LLR and co-listens; avoidance and no co-listens are no neighbours', () => {
    const metric = { kind: 'llr', totalSessions: 20 } as const;
    const seed = { track: 'seed', sessions: 5 };
    const r = topNeighbours(seed, [c('never', 0, 4), c('good', 3, 4), c('rare', 1, 15)], 5, metric);
    // good: the table (3,2,1,14) above. rare: (1,4,14,1), 1·1 < 4·14, less than chance.
    assert.deepEqual(r.neighbours, [{ track: 'good', score: llr(3, 2, 1, 14), coListens: 3 }]);
    assert.deepEqual(r.invalid, []);
  });

  it('given the track itself, a track listed twice and impossible counts, then they are answered as invalid', () => {
    const metric = { kind: 'llr', totalSessions: 20 } as const;
    const r = topNeighbours(
      { track: 'seed', sessions: 5 },
      [c('seed', 5, 5), c('twice', 1, 2), c('twice', 1, 3), c('over', 6, 9), c('ok', 2, 2)],
      5,
      metric,
    );
    assert.deepEqual(
      r.neighbours.map((n) => n.track),
      ['ok'],
    );
    assert.deepEqual(
      r.invalid.map((i) => i.track),
      ['over', 'seed', 'twice', 'twice'],
    );
    assert.match(r.invalid[0]!.reason, /k12 is -1/);
    const cos = topNeighbours({ track: 's', sessions: 3 }, [c('over', 4, 9), c('neg', -1, 2)], 5, {
      kind: 'cosine',
    });
    assert.deepEqual(
      cos.invalid.map((i) => i.track),
      ['neg', 'over'],
    );
  });

  it('for any candidates, the neighbours are the same set and order whatever the input order', () => {
    const cand = fc.record({
      track: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'B'),
      coListens: fc.nat(5),
      extra: fc.nat(5),
    });
    fc.assert(
      fc.property(fc.uniqueArray(cand, { selector: (x) => x.track }), fc.nat(8), (cs, k) => {
        const list = cs.map((x) => c(x.track, x.coListens, x.coListens + x.extra));
        const seed = { track: 'seed', sessions: 10 };
        for (const metric of [{ kind: 'cosine' }, { kind: 'llr', totalSessions: 30 }] as const) {
          const a = topNeighbours(seed, list, k, metric);
          const b = topNeighbours(seed, [...list].reverse(), k, metric);
          assert.deepEqual(a, b);
          assert.ok(a.neighbours.length <= k);
          for (let i = 1; i < a.neighbours.length; i++) {
            const [p, q] = [a.neighbours[i - 1]!, a.neighbours[i]!];
            assert.ok(
              p.score > q.score ||
                (p.score === q.score &&
                  (p.coListens > q.coListens ||
                    (p.coListens === q.coListens && p.track < q.track))),
            );
          }
        }
      }),
      RUNS,
    );
  });
});
