import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeWindow, encodeWindow, sessionRules } from './co-listening.session.js';
import { listen, MIN, play, T0 } from '../../test/helpers/co-listening.helper.js';

describe('co-listening window: its string form in Redis', () => {
  it('given a window, when encoded and decoded, then it is the same window', () => {
    const { window } = listen([play('t1', 0), play('t2', 1), play('x|"y"', 2), play('t1', 3)]);
    assert.deepEqual(decodeWindow(encodeWindow(window!)), window);
  });

  it('given a session at the caps (200 tracks of 10 characters), then the window stays under 7 KB', () => {
    const tracks = Array.from({ length: 200 }, (_, i) => `trk-${String(i).padStart(6, '0')}`);
    const { window, steps } = listen(
      tracks.map((t, i) => play(t, i / 100)),
      sessionRules({ maxPairsPerSession: 1_000_000 }),
    );
    assert.equal(steps.filter((s) => s.sessionOpened).length, 1);
    assert.equal(window!.pairCount, 1_225 + 150 * 50); // 0+1+...+49, then 50 for each later track
    assert.ok(encodeWindow(window!).length < 7_000, `${encodeWindow(window!).length} chars`);
  });

  it('given corrupt stored windows, then each decodes to a reason', () => {
    const { window } = listen([play('t1', 0), play('t2', 1), play('t3', 2)]);
    const good = JSON.parse(encodeWindow(window!)) as unknown[];
    const edit = (i: number, v: unknown) => JSON.stringify(good.map((x, j) => (j === i ? v : x)));
    const cases: [string, RegExp][] = [
      ['{"not":"json"', /not JSON/],
      ['{}', /not an array of 7/],
      [edit(0, 2), /version 2/],
      [edit(1, 7), /session id/],
      [edit(2, -1), /not ms timestamps/],
      [edit(2, T0 + 10 * MIN), /after last time/],
      [edit(2, Date.UTC(2026, 9, 31)), /two UTC months/],
      [edit(4, []), /tracks is not a non-empty array/],
      [edit(4, ['t1', 't1', 't3']), /listed twice/],
      [edit(4, ['t1', '', 't3']), /not a non-empty string/],
      [edit(5, [0, 3]), /not in 0\.\.2/],
      [edit(5, [1, 1]), /recent track is listed twice/],
      [edit(6, 'AAAA'), /3 bytes, 1 expected/],
      [edit(6, 'Bw=='), /not base64url/],
      [edit(6, '-w'), /past the end/], // 0xfb: bits 3..7 set, 3 bits used for 3 tracks
      [edit(6, 'B_'), /not canonical/], // decodes to the byte 7 too, with stray bits
    ];
    for (const [text, why] of cases) {
      const d = decodeWindow(text);
      assert.ok('reason' in d, `${text} decoded`);
      assert.match(d.reason, why, text);
    }
    assert.equal(good[6], 'Bw'); // 3 tracks, 3 pairs: bits 0, 1, 2 of one byte = 7
    assert.deepEqual(decodeWindow(edit(6, 'Bw')), window);
  });
});
