/**
 * Settings save and restore: each query gets its own settings and leaves the session as it
 * found it, so nothing a request sets reaches the next one. Outside an HTTP session "as found"
 * is the session's baseline (the settings it was opened with); in an HTTP session, where SET
 * persists, it is the values the settings had before the query. A session whose settings could
 * not be put back is marked broken (its pool replaces it).
 */
import { quoteString } from '../../common/clickhouse/clickhouse-sql.js';
import type { Logger } from '../../common/logging/logger.js';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';

/** Setting values to put back: name -> value, or undefined for the default. */
export type SettingsSnapshot = Map<string, string | undefined>;

/** What saving and restoring settings needs of a session. */
export interface SettingsSession {
  /** An HTTP session: SET persists, so "as found" is read back from the engine. */
  readonly persistent: boolean;
  readonly readonly: boolean;
  /** Settings the session changed at open (name -> value). */
  readonly baseline: ReadonlyMap<string, string>;
  broken: boolean;
  query(sql: string): Promise<unknown>;
  rows<T>(sql: string): Promise<T[]>;
}

/**
 * Applies a request's settings to the session in one SET (all of them or, on any error, none)
 * and returns what puts the session back; undefined when there are none.
 */
export async function applyRequestSettings(
  sess: SettingsSession,
  settings: [string, string][],
): Promise<SettingsSnapshot | undefined> {
  const names = [...new Set(settings.map(([k]) => k))];
  if (!names.length) return undefined;
  for (const n of names)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n))
      throw new ClickHouseServerError(ErrorCode.UNKNOWN_SETTING, `Unknown setting '${n}'`);
  const values = await snapshotSettings(sess, names);
  await sess.query(`SET ${settings.map(([k, v]) => `${k} = ${quoteString(v)}`).join(', ')}`);
  return values;
}

/** What to put back after the query: the session's current values of `names`. */
export async function snapshotSettings(
  sess: SettingsSession,
  names: string[],
): Promise<SettingsSnapshot> {
  if (!sess.persistent) return new Map(names.map((n) => [n, sess.baseline.get(n)]));
  const rows = await sess.rows<{ name: string; value: string; changed: number }>(
    `SELECT name, value, changed FROM system.settings WHERE name IN (${names.map(quoteString).join(', ')})`,
  );
  const current = new Map(rows.map((r) => [r.name, r.changed ? r.value : undefined]));
  return new Map(names.map((n) => [n, current.get(n)]));
}

/** Puts `values` back in one SET; on failure the session is marked broken. */
export async function restoreSettings(
  sess: SettingsSession,
  values: SettingsSnapshot,
  log: Logger,
): Promise<void> {
  if (!values.size) return;
  const sets = [...values].map(
    ([k, v]) => `${k} = ${v === undefined ? 'DEFAULT' : quoteString(v)}`,
  );
  try {
    await sess.query(`SET ${sets.join(', ')}`);
  } catch (err) {
    sess.broken = true;
    log.error({ err, settings: [...values.keys()] }, 'could not reset settings');
  }
}

/** After a SET outside an HTTP session: every setting back to the session's baseline. */
export async function restoreBaseline(
  sess: SettingsSession,
  assigned: Set<string>,
  log: Logger,
): Promise<void> {
  // First the settings the statement names, without reading anything back ...
  const named = [...assigned].filter((n) => /^[a-z_][a-z0-9_]*$/i.test(n) && n !== 'profile');
  if (named.length)
    await restoreSettings(sess, new Map(named.map((n) => [n, sess.baseline.get(n)])), log);
  // ... then whatever else changed (a settings profile changes many at once).
  try {
    const changed = await sess.rows<{ name: string; value: string }>(
      'SELECT name, value FROM system.settings WHERE changed',
    );
    const now = new Map(changed.map((r) => [r.name, r.value]));
    const values: SettingsSnapshot = new Map();
    for (const [k, v] of now) if (sess.baseline.get(k) !== v) values.set(k, sess.baseline.get(k));
    for (const [k, v] of sess.baseline) if (!now.has(k)) values.set(k, v);
    await restoreSettings(sess, values, log);
    if (sess.readonly) {
      const [ro] = await sess.rows<{ r: string }>("SELECT getSetting('readonly') AS r");
      if (String(ro?.r) !== '2') sess.broken = true;
    }
  } catch (err) {
    sess.broken = true;
    log.error({ err }, 'could not restore session settings');
  }
}
