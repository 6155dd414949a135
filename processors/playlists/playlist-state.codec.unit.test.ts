import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeState, encodeState } from './playlist-state.codec.js';
import { materialize } from './playlist-order.model.js';
import {
  add,
  created,
  edit,
  fold,
  grant,
  move,
  remove,
  uid,
} from '../../test/helpers/playlist.helper.js';

const rich = () =>
  fold([
    created(),
    grant(2, 'ana', 'bob'),
    add(3, 'bob', 't-a', null),
    add(4, 'ana', 't-b', 3),
    move(5, 'ana', 4, null),
    remove(6, 'ana', 3),
    remove(7, 'ana', 99), // an item not arrived: a tombstone waiting
    edit(8, 'ana', 'RENAME', { name: 'Night drive' }),
  ]);

describe('playlist state codec', () => {
  it('given a state, when encoded and decoded, then it comes back equal, and reads the same', () => {
    const s = rich();
    const back = decodeState(encodeState(s));
    assert.ok('state' in back, 'reason' in back ? back.reason : '');
    assert.deepEqual(back.state, s);
    assert.deepEqual(materialize(back.state), materialize(s));
    assert.equal(encodeState(back.state), encodeState(s));
  });

  it('given the same edits in another order, then the text is the same (canonical key order)', () => {
    const edits = [add(3, 'ana', 't-a', null), add(4, 'ana', 't-b', null), grant(5, 'ana', 'zed')];
    const a = fold([created(), ...edits]);
    const b = fold([created(), ...[...edits].reverse()]);
    assert.equal(encodeState(a), encodeState(b));
    assert.deepEqual(JSON.parse(encodeState(a)).positions, [
      [uid(3), null, 3000, uid(3)],
      [uid(4), null, 4000, uid(4)],
    ]);
  });

  it('given text that is no stored state, then each is refused with where and why', () => {
    const good = JSON.parse(encodeState(rich()));
    const cases: [unknown, RegExp][] = [
      ['{nope', /not JSON/],
      [{ ...good, v: 2 }, /at \/v: /],
      [{ ...good, owner: 7 }, /at \/owner: /],
      [{ ...good, positions: [[uid(3), null, 1.5, uid(3)]] }, /at \/positions\/0\/2: /],
      [{ ...good, extra: true }, /Unrecognized key/],
      [{ ...good, removed: [uid(3), uid(3)] }, /a key twice in removed/],
      [{ ...good, items: [...good.items, good.items[0]] }, /a key twice in items/],
    ];
    for (const [input, want] of cases) {
      const r = decodeState(typeof input === 'string' ? input : JSON.stringify(input));
      assert.ok('reason' in r, JSON.stringify(input).slice(0, 80));
      assert.match(r.reason, want);
    }
  });
});
