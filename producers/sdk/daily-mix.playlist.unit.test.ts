import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackbeatClient } from './backbeat-client.js';
import { validateEvent } from '../../schemas/catalogue/event-validation.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { CONTEXT, createFakeClock, createFakeTransport } from '../../test/helpers/sdk.helper.js';

function setup() {
  const clock = createFakeClock();
  const fake = createFakeTransport(clock);
  const client = createBackbeatClient(
    { context: CONTEXT, now: clock.now, lingerMs: 0 },
    { transport: fake.transport, timers: clock.timers },
  );
  return { fake, client };
}

describe('saveDailyMix', () => {
  it('given a mix of three tracks, then a CREATE and three ADD_TRACKs, each right after the one before, in the mix order', async () => {
    const { fake, client } = setup();
    const mix = [{ track_id: 'track-3' }, { track_id: 'track-1' }, { track_id: 'track-2' }];
    const saved = client.saveDailyMix(mix, { name: 'Daily mix 2026-12-02', public: false });
    await client.flush();
    const sent = fake.calls.flatMap((c) => c.batch).map((o) => o.event as Record<string, unknown>);
    assert.equal(sent.length, 4);
    const [create, ...adds] = sent;
    assert.deepEqual(
      [create!.op, create!.event_id, create!.playlist_id, create!.name, create!.public],
      ['CREATE', saved.playlist_id, saved.playlist_id, 'Daily mix 2026-12-02', false],
    );
    assert.deepEqual(
      adds.map((a) => [a.op, a.playlist_id, a.track_id, a.after_position_id, a.event_id]),
      [
        ['ADD_TRACK', saved.playlist_id, 'track-3', null, saved.item_ids[0]],
        ['ADD_TRACK', saved.playlist_id, 'track-1', saved.item_ids[0], saved.item_ids[1]],
        ['ADD_TRACK', saved.playlist_id, 'track-2', saved.item_ids[1], saved.item_ids[2]],
      ],
    );
    for (const a of adds) assert.equal(a.user_id, CONTEXT.user_id);
    // Every event is one the gateway accepts.
    const spec = loadEventCatalogue()['playlist-edit'];
    for (const e of sent) {
      const v = validateEvent(spec, { ...e, received_time: e.event_time }, e.event_time as number);
      assert.ok(v.ok, JSON.stringify(v));
    }
  });

  it('given an empty mix, then only the CREATE', async () => {
    const { fake, client } = setup();
    const saved = client.saveDailyMix([], { name: 'Empty', public: true });
    await client.flush();
    assert.deepEqual(saved.item_ids, []);
    assert.equal(fake.calls.flatMap((c) => c.batch).length, 1);
  });
});
