import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../common/logging/logger.js';
import { ErrorCode } from './clickhouse-protocol.js';
import {
  applyRequestSettings,
  restoreBaseline,
  restoreSettings,
  type SettingsSession,
} from './settings-snapshot.js';

const log = createLogger({ level: 'silent' }, 'settings-snapshot-test');

/**
 * A session that keeps its changed settings in a map: `SET a = 'x', b = DEFAULT` applies, the
 * server's reads of system.settings answer from it. `failSet` makes every SET fail.
 */
function fakeSession(opts: {
  persistent?: boolean;
  readonly?: boolean;
  baseline?: Record<string, string>;
  changed?: Record<string, string>;
  failSet?: boolean;
}) {
  const changed = new Map(Object.entries(opts.changed ?? opts.baseline ?? {}));
  const sets: string[] = [];
  const sess: SettingsSession = {
    persistent: opts.persistent ?? false,
    readonly: opts.readonly ?? false,
    baseline: new Map(Object.entries(opts.baseline ?? {})),
    broken: false,
    query: async (sql) => {
      const m = /^SET (.*)$/s.exec(sql);
      assert.ok(m, `unexpected query ${sql}`);
      sets.push(m[1]!);
      if (opts.failSet)
        throw new Error('Code: 115. DB::Exception: Unknown setting. (UNKNOWN_SETTING)');
      for (const a of m[1]!.split(', ')) {
        const [k = '', v = ''] = a.split(' = ');
        if (v === 'DEFAULT') changed.delete(k);
        else changed.set(k, v.replace(/^'|'$/g, ''));
      }
    },
    rows: async <T>(sql: string) => {
      if (sql.startsWith("SELECT getSetting('readonly')"))
        return [{ r: changed.get('readonly') ?? '0' }] as T[];
      if (sql.startsWith('SELECT name, value FROM system.settings WHERE changed'))
        return [...changed].map(([name, value]) => ({ name, value })) as T[];
      const m = /WHERE name IN \((.*)\)$/.exec(sql);
      assert.ok(m, `unexpected query ${sql}`);
      const names = m[1]!.split(', ').map((n) => n.slice(1, -1));
      return names.map((name) => ({
        name,
        value: changed.get(name) ?? '0',
        changed: changed.has(name) ? 1 : 0,
      })) as T[];
    },
  };
  return { sess, sets, changed };
}

describe('applyRequestSettings', () => {
  it('given no settings, then nothing is set and nothing needs restoring', async () => {
    const { sess, sets } = fakeSession({});
    assert.equal(await applyRequestSettings(sess, []), undefined);
    assert.deepEqual(sets, []);
  });

  it("given settings outside an HTTP session, then one SET, and the snapshot is the session's baseline", async () => {
    const { sess, sets } = fakeSession({ baseline: { max_threads: '2' } });
    const snap = await applyRequestSettings(sess, [
      ['max_threads', '8'],
      ['limit', '5'],
    ]);
    assert.deepEqual(sets, ["max_threads = '8', limit = '5'"]);
    assert.deepEqual(
      snap,
      new Map([
        ['max_threads', '2'],
        ['limit', undefined],
      ]),
    );
  });

  it('given an HTTP session, then the snapshot is what the settings are now (SET persists there)', async () => {
    const { sess } = fakeSession({ persistent: true, changed: { limit: '7' } });
    const snap = await applyRequestSettings(sess, [
      ['limit', '5'],
      ['max_threads', '8'],
    ]);
    assert.deepEqual(
      snap,
      new Map([
        ['limit', '7'],
        ['max_threads', undefined],
      ]),
    );
  });

  it('given a setting name that is not an identifier, then UNKNOWN_SETTING and nothing is set', async () => {
    const { sess, sets } = fakeSession({});
    await assert.rejects(applyRequestSettings(sess, [['max_threads = 1, readonly', '0']]), {
      errorCode: ErrorCode.UNKNOWN_SETTING,
    });
    assert.deepEqual(sets, []);
  });
});

describe('restoreSettings', () => {
  it('given a snapshot, then values go back and unset ones to DEFAULT, in one SET', async () => {
    const { sess, sets, changed } = fakeSession({ changed: { limit: '5', max_threads: '8' } });
    await restoreSettings(
      sess,
      new Map([
        ['limit', undefined],
        ['max_threads', '2'],
      ]),
      log,
    );
    assert.deepEqual(sets, ["limit = DEFAULT, max_threads = '2'"]);
    assert.deepEqual(changed, new Map([['max_threads', '2']]));
    assert.equal(sess.broken, false);
  });

  it('given the SET fails, then the session is marked broken (its pool replaces it)', async () => {
    const { sess } = fakeSession({ failSet: true });
    await restoreSettings(sess, new Map([['limit', undefined]]), log);
    assert.equal(sess.broken, true);
  });
});

describe('restoreBaseline', () => {
  it('given a SET of named settings and a profile, then every setting goes back to the baseline', async () => {
    const { sess, changed } = fakeSession({
      baseline: { output_format_json_quote_64bit_integers: '1' },
      // After `SET profile = 'x', limit = 3`: the profile changed max_threads and dropped a baseline one.
      changed: { limit: '3', max_threads: '1' },
    });
    await restoreBaseline(sess, new Set(['profile', 'limit']), log);
    assert.deepEqual(changed, new Map([['output_format_json_quote_64bit_integers', '1']]));
    assert.equal(sess.broken, false);
  });

  it('given a read-only session left without readonly = 2, then it is marked broken', async () => {
    const { sess } = fakeSession({
      readonly: true,
      baseline: { readonly: '2' },
      changed: { readonly: '2' },
    });
    sess.rows = async <T>(sql: string) =>
      (sql.startsWith("SELECT getSetting('readonly')") ? [{ r: '0' }] : []) as T[];
    await restoreBaseline(sess, new Set(['readonly']), log);
    assert.equal(sess.broken, true);
  });

  it('given a read-only session back at readonly = 2, then it stays healthy', async () => {
    const { sess } = fakeSession({ readonly: true, baseline: { readonly: '2' } });
    await restoreBaseline(sess, new Set(['max_threads']), log);
    assert.equal(sess.broken, false);
  });
});
