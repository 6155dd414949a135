import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validEvents } from './event-examples.js';
import { EVENT_TYPE_NAMES, loadEventCatalogue } from './event-catalogue.js';
import { STRING_CAPS, validateEvent } from './event-validation.js';

const catalogue = loadEventCatalogue();
const now = Date.UTC(2026, 10, 24, 12);
const good = validEvents(now);

function errorsOf(name: keyof typeof good, patch: Record<string, unknown>, drop: string[] = []) {
  const e: Record<string, unknown> = { ...good[name], ...patch };
  for (const d of drop) delete e[d];
  const v = validateEvent(catalogue[name], e, now);
  assert.equal(v.ok, false, `expected ${name} with ${JSON.stringify(patch)} to be rejected`);
  return (v as { errors: { path: string; reason: string }[] }).errors;
}

describe('event validation', () => {
  it('given one valid event of each type, then each passes', () => {
    for (const name of EVENT_TYPE_NAMES)
      assert.deepEqual(
        validateEvent(catalogue[name], good[name], now),
        { ok: true, event: good[name] },
        name,
      );
  });

  it('given fields with defaults left out, then the event passes (the schema fills them)', () => {
    const { context: _c, offline: _o, ...rest } = good.playback;
    assert.equal(validateEvent(catalogue.playback, rest, now).ok, true);
  });

  it('given wrong types and missing fields, then each is reported at its path', () => {
    assert.deepEqual(errorsOf('playback', { ms_played: 'lots', market: 3 }, ['user_id']), [
      { path: '/user_id', reason: 'missing required field (string)' },
      { path: '/market', reason: 'expected string, got number 3' },
      { path: '/ms_played', reason: 'expected an integer (long), got string "lots"' },
    ]);
    assert.deepEqual(errorsOf('playback', { phase: 'PAUSED' }), [
      { path: '/phase', reason: 'expected one of STARTED, PROGRESS, ENDED, got string "PAUSED"' },
    ]);
    assert.deepEqual(errorsOf('playback', { ms_played: 1.5 }), [
      { path: '/ms_played', reason: 'expected an integer (long), got number 1.5' },
    ]);
  });

  it('given nested errors, then the JSON Pointer reaches into arrays', () => {
    const rh = [...good['track-upload'].rights_holders];
    rh[1] = { ...rh[1]!, share_bps: '3000' as unknown as number };
    assert.deepEqual(errorsOf('track-upload', { rights_holders: rh }), [
      {
        path: '/rights_holders/1/share_bps',
        reason: 'expected an integer (int), got string "3000"',
      },
    ]);
  });

  it('given an unknown field, then it is refused by name', () => {
    assert.deepEqual(errorsOf('follow', { folow: true }), [
      { path: '/folow', reason: 'unknown field' },
    ]);
  });

  it('given a non-object, then it is refused', () => {
    for (const bad of [null, 3, 'x', [good.skip]])
      assert.equal(validateEvent(catalogue.skip, bad, now).ok, false);
  });

  it("given values the schema allows but Backbeat's rules do not, then each rule names the field", () => {
    assert.deepEqual(errorsOf('playback', { event_id: 'not-a-uuid' }), [
      { path: '/event_id', reason: 'must be a UUID (the SDK sends UUIDv7)' },
    ]);
    assert.deepEqual(errorsOf('playback', { market: 'se' }), [
      { path: '/market', reason: 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. SE' },
    ]);
    assert.deepEqual(errorsOf('playback', { ms_played: -1 }), [
      { path: '/ms_played', reason: 'must be >= 0' },
    ]);
    assert.deepEqual(errorsOf('playback', { end_reason: null }), [
      { path: '/end_reason', reason: 'an ENDED playback needs an end reason' },
    ]);
    assert.deepEqual(errorsOf('playback', { phase: 'STARTED' }), [
      { path: '/end_reason', reason: 'only an ENDED playback has an end reason' },
    ]);
    assert.deepEqual(errorsOf('playback', { event_time: now + 2 * 86_400_000 }), [
      { path: '/event_time', reason: 'is more than 24 h in the future' },
    ]);
    assert.deepEqual(errorsOf('follow', { target_type: 'USER', target_id: 'user-1' }), [
      { path: '/target_id', reason: 'a user cannot follow themselves' },
    ]);
    assert.deepEqual(errorsOf('revenue-report', { period: '2026-13', currency: 'kr' }), [
      { path: '/period', reason: 'must be a month, YYYY-MM' },
      { path: '/currency', reason: 'must be an ISO 4217 code, e.g. EUR' },
    ]);
    assert.deepEqual(errorsOf('track-upload', { isrc: 'bad' }), [
      { path: '/isrc', reason: 'must be an ISRC: 2 letters, 3 alphanumerics, 7 digits' },
    ]);
  });

  it('given playlist edits, then each op needs its own fields, carries no other, and each rule names its field', () => {
    const pl = good['playlist-edit'];
    const create = {
      ...pl,
      op: 'CREATE',
      playlist_id: pl.event_id,
      name: 'Road trip',
      public: true,
    };
    const none = { track_id: null, after_position_id: null };
    assert.equal(validateEvent(catalogue['playlist-edit'], { ...create, ...none }, now).ok, true);
    assert.deepEqual(errorsOf('playlist-edit', { ...create, ...none, name: null, public: null }), [
      { path: '/name', reason: 'CREATE needs name' },
      { path: '/public', reason: 'CREATE needs public' },
    ]);
    assert.deepEqual(
      errorsOf('playlist-edit', { ...create, ...none, playlist_id: pl.playlist_id }),
      [{ path: '/playlist_id', reason: "a CREATE's playlist_id must be its own event_id" }],
    );
    assert.deepEqual(errorsOf('playlist-edit', { name: 'x', item_id: pl.event_id }), [
      { path: '/name', reason: 'only CREATE and RENAME carry name (null for ADD_TRACK)' },
      {
        path: '/item_id',
        reason: 'only REMOVE_TRACK and MOVE_TRACK carry item_id (null for ADD_TRACK)',
      },
    ]);
    assert.deepEqual(errorsOf('playlist-edit', { op: 'MOVE_TRACK', track_id: null }), [
      { path: '/item_id', reason: 'MOVE_TRACK needs item_id' },
    ]);
    assert.deepEqual(
      errorsOf('playlist-edit', {
        op: 'RENAME',
        name: '  ',
        track_id: null,
        after_position_id: null,
      }),
      [{ path: '/name', reason: 'must not be blank' }],
    );
    assert.deepEqual(errorsOf('playlist-edit', { track_id: '', after_position_id: pl.event_id }), [
      { path: '/track_id', reason: 'must not be empty' },
      {
        path: '/after_position_id',
        reason: 'a position cannot come after itself (its own event_id)',
      },
    ]);
    assert.deepEqual(errorsOf('playlist-edit', { playlist_id: 'p-1', after_position_id: 'x' }), [
      { path: '/playlist_id', reason: 'must be a UUID' },
      { path: '/after_position_id', reason: 'must be a UUID (or null: at the head)' },
    ]);
    const collab = { track_id: null, after_position_id: null, op: 'ADD_COLLABORATOR' };
    assert.deepEqual(errorsOf('playlist-edit', { ...collab, collaborator_id: 'user-1' }), [
      {
        path: '/collaborator_id',
        reason: 'the author cannot add themselves (only the owner adds collaborators)',
      },
    ]);
    assert.deepEqual(errorsOf('playlist-edit', { ...collab, collaborator_id: '' }), [
      { path: '/collaborator_id', reason: 'must not be empty' },
    ]);
    // A mistyped op is reported once, by the schema; the per-op rules that read it stay quiet.
    assert.deepEqual(errorsOf('playlist-edit', { op: 'SHUFFLE' }), [
      {
        path: '/op',
        reason:
          'expected one of CREATE, RENAME, SET_VISIBILITY, ADD_TRACK, REMOVE_TRACK, MOVE_TRACK, ADD_COLLABORATOR, REMOVE_COLLABORATOR, DELETE, got string "SHUFFLE"',
      },
    ]);
    const { name: _n, public: _p, item_id: _i, collaborator_id: _c, ...defaults } = pl;
    assert.equal(
      validateEvent(catalogue['playlist-edit'], defaults, now).ok,
      true,
      'nulls by default',
    );
  });

  it('given rights-holder shares that do not sum to 10000 bps, then the upload is refused', () => {
    const rh = good['track-upload'].rights_holders.map((r, i) => ({
      ...r,
      share_bps: i === 0 ? 6_999 : r.share_bps,
    }));
    assert.deepEqual(errorsOf('track-upload', { rights_holders: rh }), [
      { path: '/rights_holders', reason: 'shares must sum to 10000 bps, got 9999' },
    ]);
  });

  it('given schema errors and rule errors in one event, then all are reported at once, not in rounds', () => {
    assert.deepEqual(
      errorsOf('playback', { ms_played: 'lots', market: 'se', phase: 'ENDED', end_reason: null }),
      [
        { path: '/ms_played', reason: 'expected an integer (long), got string "lots"' },
        { path: '/market', reason: 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. SE' },
        { path: '/end_reason', reason: 'an ENDED playback needs an end reason' },
      ],
    );
    // A mistyped field is reported once, by the schema, and the rules that read it never throw.
    assert.deepEqual(errorsOf('track-upload', { markets: 'SE', rights_holders: 7, isrc: 'x' }), [
      { path: '/markets', reason: 'expected array, got string "SE"' },
      { path: '/rights_holders', reason: 'expected array, got number 7' },
      { path: '/isrc', reason: 'must be an ISRC: 2 letters, 3 alphanumerics, 7 digits' },
    ]);
  });

  it('given a string or array over its cap in any field, nested ones too, then each is refused with its length', () => {
    assert.deepEqual(errorsOf('playback', { track_id: 't'.repeat(900_000) }), [
      { path: '/track_id', reason: 'must be at most 128 characters, got 900000' },
    ]);
    assert.deepEqual(
      errorsOf('skip', { client_version: 'v'.repeat(65), session_id: 's'.repeat(129) }),
      [
        { path: '/client_version', reason: 'must be at most 64 characters, got 65' },
        { path: '/session_id', reason: 'must be at most 128 characters, got 129' },
      ],
    );
    const upload = good['track-upload'];
    assert.deepEqual(
      errorsOf('track-upload', {
        title: 'x'.repeat(513),
        artists: [{ artist_id: 'a-1', name: 'n'.repeat(257) }],
        markets: Array.from({ length: 301 }, () => 'SE'),
      }),
      [
        { path: '/title', reason: 'must be at most 512 characters, got 513' },
        { path: '/artists/0/name', reason: 'must be at most 256 characters, got 257' },
        { path: '/markets', reason: 'must have at most 300 items, got 301' },
      ],
    );
    // At the caps, everything passes.
    const atCap = { ...upload, title: 'x'.repeat(512), track_id: 't'.repeat(128) };
    assert.equal(validateEvent(catalogue['track-upload'], atCap, now).ok, true);
    for (const [f, cap] of Object.entries(STRING_CAPS)) assert.ok(cap > 0 && cap <= 512, f);
  });

  it('the catalogue keys user events by user, uploads by track, revenue by market and month, playlist edits by playlist', () => {
    assert.equal(catalogue.playback.key(good.playback), 'user-1');
    assert.equal(catalogue.skip.topic, 'backbeat.skip');
    assert.equal(catalogue.playback.subject, 'backbeat.playback-value');
    assert.equal(catalogue['track-upload'].key(good['track-upload']), 'track-1');
    assert.equal(catalogue['revenue-report'].key(good['revenue-report']), 'SE:2026-10');
    assert.equal(
      catalogue['playlist-edit'].key(good['playlist-edit']),
      good['playlist-edit'].playlist_id,
    );
    assert.equal(catalogue['playlist-edit'].scope, 'playlist');
  });
});
