import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  WATERMARK_OVERLAP_MS,
  changedTracks,
  parseMeta,
  planRefresh,
  windowFrom,
  type RefreshSettings,
} from './neighbours-refresh.plan.js';

const NOW = Date.UTC(2026, 11, 2, 15);
const settings: RefreshSettings = { topK: 20, months: 12, metric: 'llr', fullEveryMs: 3_600_000 };
const meta = {
  watermark: NOW - 10_000,
  lastFullAt: NOW - 60_000,
  metric: 'llr',
  topK: 20,
  windowFrom: '2026-01',
};

describe('windowFrom', () => {
  it('given now in December and 12 months, then January of the same year; 1 month is this month; across a year', () => {
    assert.equal(windowFrom(NOW, 12), '2026-01');
    assert.equal(windowFrom(NOW, 1), '2026-12');
    assert.equal(windowFrom(Date.UTC(2026, 1, 28), 3), '2025-12');
  });
});

describe('planRefresh', () => {
  it('given a recent full refresh and the same settings, then incremental from the watermark minus the overlap', () => {
    assert.deepEqual(planRefresh(meta, settings, NOW), {
      mode: 'incremental',
      fromMonth: '2026-01',
      since: NOW - 10_000 - WATERMARK_OVERLAP_MS,
    });
  });

  it('given each reason for a full refresh, then full, naming it', () => {
    const full = (m: object, s: RefreshSettings = settings, opts = {}) => {
      const p = planRefresh(m, s, NOW, opts);
      assert.equal(p.mode, 'full');
      return p.mode === 'full' ? p.reason : '';
    };
    assert.equal(full({}), 'no watermark');
    assert.equal(full(meta, settings, { full: true }), 'asked for');
    assert.equal(
      full({ ...meta, lastFullAt: NOW - 3_600_000 }),
      'last full refresh 3600000 ms ago',
    );
    assert.equal(full(meta, { ...settings, metric: 'cosine' }), 'metric changed to cosine');
    assert.equal(full(meta, { ...settings, topK: 10 }), 'K changed to 10');
    assert.equal(full({ ...meta, windowFrom: '2025-12' }), 'window now starts at 2026-01');
  });
});

describe('changedTracks', () => {
  it('given a changed pair and a changed track row, then both ends of the pair and the track, once each, sorted', () => {
    assert.deepEqual(
      changedTracks([
        { trackA: 'b', trackB: 'c', updatedAt: 5 },
        { track: 'a', updatedAt: 9 },
        { trackA: 'a', trackB: 'd', updatedAt: 7 },
      ]),
      ['a', 'b', 'c', 'd'],
    );
  });

  it('given nothing changed, then no track', () => {
    assert.deepEqual(changedTracks([]), []);
  });

  it('property: exactly the ends of the changed pairs and the changed tracks are recomputed, each once', () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const row = fc.oneof(
      fc.record({ trackA: id, trackB: id, updatedAt: fc.nat(1000) }),
      fc.record({ track: id, updatedAt: fc.nat(1000) }),
    );
    fc.assert(
      fc.property(fc.array(row), (rows) => {
        const ends = new Set(
          rows.flatMap((x) => ('track' in x ? [x.track] : [x.trackA, x.trackB])),
        );
        assert.deepEqual(changedTracks(rows), [...ends].sort());
      }),
    );
  });
});

describe('parseMeta', () => {
  it('given the hash a refresh wrote, then its fields; unparsable ones are absent', () => {
    assert.deepEqual(
      parseMeta({
        watermark: '123',
        last_full_at: '100',
        metric: 'llr',
        k: '20',
        window_from: '2026-01',
      }),
      { watermark: 123, lastFullAt: 100, metric: 'llr', topK: 20, windowFrom: '2026-01' },
    );
    assert.deepEqual(parseMeta({ watermark: 'x', k: '-1' }), {});
  });
});
