/**
 * The playlist routes through the whole API app over the real stack (the scenario's edits
 * applied through the real Redis sink: playlist.helper.ts SCENARIO_PLAYLISTS): who may read
 * what (public to anyone, private to members, 404 for everyone else and for deleted or unknown
 * playlists), 401 for a bad token, the converged order and its pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { useStack } from '../../../test/helpers/stack.helper.js';
import { scenarioNow, startTestApi, type TestApi } from '../../../test/helpers/api.helper.js';
import { SCENARIO_PLAYLISTS as PL, uid } from '../../../test/helpers/playlist.helper.js';

let api: TestApi;
before(async () => {
  api = await startTestApi(await useStack(), { now: scenarioNow() });
});
after(async () => {
  await api?.close();
});

async function get(path: string, user?: string | null, headers: Record<string, string> = {}) {
  const auth: Record<string, string> =
    user === undefined ? {} : { authorization: `Bearer ${user ?? 'not.a-token'}` };
  const res = await fetch(api.base + path, { headers: { ...auth, ...headers } });
  const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  return { status: res.status, body, headers: res.headers };
}
const as = (user: string) => api.token('user', user);

describe('playlist routes', () => {
  it("GET /v1/me/playlists: the listener's own and collaborative playlists, newest id first, paged; deleted ones gone; 401 without a token", async () => {
    const u2 = await get('/v1/me/playlists', as('user-2'));
    assert.equal(u2.status, 200);
    assert.equal(u2.headers.get('cache-control'), 'private, no-store');
    const items = u2.body!.items as { playlist_id: string; role: string; name: string }[];
    assert.deepEqual(
      items.map((p) => [p.playlist_id, p.role, p.name]),
      [
        [PL.gym, 'owner', 'Gym'],
        [PL.roadTrip, 'collaborator', 'Road trip'],
      ],
    );
    assert.deepEqual([u2.body!.total, u2.body!.next_offset], [2, null]);
    const p1 = await get('/v1/me/playlists?limit=1', as('user-2'));
    assert.deepEqual(
      [
        (p1.body!.items as { playlist_id: string }[]).map((p) => p.playlist_id),
        p1.body!.next_offset,
      ],
      [[PL.gym], 1],
    );
    const p2 = await get('/v1/me/playlists?limit=1&offset=1', as('user-2'));
    assert.deepEqual(
      [
        (p2.body!.items as { playlist_id: string }[]).map((p) => p.playlist_id),
        p2.body!.next_offset,
      ],
      [[PL.roadTrip], null],
    );
    const u1 = await get('/v1/me/playlists', as('user-1'));
    assert.deepEqual(
      (u1.body!.items as { playlist_id: string }[]).map((p) => p.playlist_id),
      [PL.roadTrip],
      'the deleted "Old" is not listed',
    );
    assert.deepEqual((await get('/v1/me/playlists', as('user-3'))).body!.items, []);
    assert.equal((await get('/v1/me/playlists')).status, 401);
    assert.equal((await get('/v1/me/playlists?offset=x', as('user-1'))).status, 400);
  });

  it('GET /v1/playlists/{id}: a private one for its owner and collaborator, 404 (never 403) for anyone else, deleted and unknown ones', async () => {
    const own = await get(`/v1/playlists/${PL.roadTrip}`, as('user-1'));
    assert.equal(own.status, 200);
    assert.deepEqual(
      { ...own.body, created_at: undefined, updated_at: undefined },
      {
        playlist_id: PL.roadTrip,
        name: 'Road trip',
        owner: 'user-1',
        public: false,
        collaborators: ['user-2'],
        track_count: 3,
        created_at: undefined,
        updated_at: undefined,
      },
    );
    assert.ok(
      Date.parse(own.body!.updated_at as string) > Date.parse(own.body!.created_at as string),
    );
    assert.equal(own.headers.get('cache-control'), 'private, no-store');
    assert.equal((await get(`/v1/playlists/${PL.roadTrip}`, as('user-2'))).status, 200);
    for (const who of [undefined, as('user-3')]) {
      const r = await get(`/v1/playlists/${PL.roadTrip}`, who);
      assert.equal(r.status, 404);
      assert.equal(r.body!.code, 'playlist-not-found');
    }
    assert.equal((await get(`/v1/playlists/${PL.old}`, as('user-1'))).status, 404);
    assert.equal((await get(`/v1/playlists/${uid(999_999)}`, as('user-1'))).status, 404);
    assert.equal((await get(`/v1/playlists/${PL.roadTrip}`, null)).status, 401);
    assert.equal(
      (await get(`/v1/playlists/${PL.roadTrip}`, api.token('analyst', 'a'))).status,
      403,
    );
  });

  it('GET /v1/playlists/{id}: a public one for anyone, without a token too, cacheable (ETag, 304)', async () => {
    const anon = await get(`/v1/playlists/${PL.gym}`);
    assert.equal(anon.status, 200);
    assert.equal(anon.body!.track_count, 1);
    assert.match(anon.headers.get('cache-control') ?? '', /^public, max-age=/);
    const etag = anon.headers.get('etag')!;
    assert.equal(
      (await get(`/v1/playlists/${PL.gym}`, undefined, { 'if-none-match': etag })).status,
      304,
    );
    assert.equal((await get(`/v1/playlists/${PL.gym}`, as('user-3'))).status, 200);
  });

  it('GET /v1/playlists/{id}/tracks: the converged order, paged by offset, each entry with the ids an edit names', async () => {
    const all = await get(`/v1/playlists/${PL.roadTrip}/tracks`, as('user-2'));
    assert.equal(all.status, 200);
    const rows = all.body!.items as {
      item_id: string;
      position_id: string;
      track_id: string;
      added_by: string;
    }[];
    assert.deepEqual(
      rows.map((r) => [r.track_id, r.item_id, r.position_id, r.added_by]),
      [
        ['track-1', uid(103), uid(103), 'user-1'],
        ['track-2', uid(104), uid(104), 'user-1'],
        ['track-1', uid(105), uid(105), 'user-2'],
      ],
    );
    const first = await get(`/v1/playlists/${PL.roadTrip}/tracks?limit=2`, as('user-1'));
    assert.deepEqual(
      [first.body!.total, first.body!.next_offset, (first.body!.items as unknown[]).length],
      [3, 2, 2],
    );
    const rest = await get(`/v1/playlists/${PL.roadTrip}/tracks?limit=2&offset=2`, as('user-1'));
    assert.deepEqual(
      [(rest.body!.items as { item_id: string }[]).map((r) => r.item_id), rest.body!.next_offset],
      [[uid(105)], null],
    );
    const past = await get(`/v1/playlists/${PL.roadTrip}/tracks?offset=50`, as('user-1'));
    assert.deepEqual([past.body!.items, past.body!.next_offset], [[], null]);
    assert.equal((await get(`/v1/playlists/${PL.roadTrip}/tracks`)).status, 404);
    assert.equal((await get(`/v1/playlists/${PL.roadTrip}/tracks`, as('user-3'))).status, 404);
    assert.equal((await get(`/v1/playlists/${PL.old}/tracks`, as('user-1'))).status, 404);
    assert.equal((await get(`/v1/playlists/${PL.gym}/tracks?limit=101`)).status, 400);
    assert.equal((await get(`/v1/playlists/${PL.gym}/tracks`)).status, 200);
  });
});
