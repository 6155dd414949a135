import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLww } from '../../sinks/redis/redis-ops.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import type { MemoryRedis } from '../../sinks/redis/redis-ops.memory.js';
import {
  DOC_FIELD,
  catalogueKeys as K,
  type CatalogueTrack,
} from '../../read-models/catalogue/catalogue.keys.js';
import { envelope } from '../../test/helpers/envelope.helper.js';
import { NOW, upload } from '../../test/helpers/play-counts.helper.js';
import { projectionSpec } from '../../test/helpers/projection-spec.helper.js';
import { catalogueProjection } from './catalogue.projection.js';

const fx = validEvents(NOW)['track-upload'];

/** A fresh in-memory catalogue: given prior batches, when a batch, then its state. */
const catalogue = () => projectionSpec(catalogueProjection);

/** The track document in `state`, with its last-writer timestamp. */
function docIn(state: MemoryRedis, trackId: string) {
  const raw = readLww(state.hget(K.track(trackId), DOC_FIELD));
  return raw && { ts: raw.ts, track: JSON.parse(raw.value) as CatalogueTrack };
}

describe('catalogue projection: an upload', () => {
  it('given an upload, then the track document and every index hold it', () => {
    const { state: mem, when } = catalogue();
    const { outcomes } = when(upload());
    const doc = (id: string) => docIn(mem, id);
    assert.deepEqual(outcomes, [{ kind: 'ok' }]);
    assert.deepEqual(doc('track-1'), {
      ts: fx.event_time,
      track: {
        track_id: 'track-1',
        isrc: 'SEABC2600001',
        title: 'Northern Lights',
        artists: [{ artist_id: 'artist-1', name: 'Aurora Lane' }],
        label_id: 'label-1',
        label_name: 'Polar Records',
        release_id: null,
        duration_ms: 215_000,
        markets: ['SE', 'NO'],
        rights_holders: fx.rights_holders,
        updated_at: fx.event_time,
      },
    });
    assert.deepEqual(mem.smembers(K.artistTracks('artist-1')), ['track-1']);
    assert.deepEqual(mem.zrevrange(K.labelTracks('label-1'), 0, -1, true), ['track-1', '0']);
    assert.deepEqual(mem.smembers(K.rightsHolderTracks('label-1')), ['track-1']);
    assert.deepEqual(mem.smembers(K.rightsHolderTracks('artist-1')), ['track-1']);
    assert.deepEqual(mem.smembers(K.isrc('seabc2600001')), ['track-1'], 'ISRC keys are upper-case');
  });

  it('given two tracks of one artist and label, then both indexes list both', () => {
    const { state: mem, when } = catalogue();
    when(upload(), upload({ track_id: 'track-2', isrc: 'SEABC2600002' }));
    assert.deepEqual(mem.smembers(K.artistTracks('artist-1')), ['track-1', 'track-2']);
    assert.deepEqual(mem.zrevrange(K.labelTracks('label-1'), 0, -1), ['track-2', 'track-1']);
  });
});

describe('catalogue projection: re-uploads (last writer by event time wins)', () => {
  it('given a newer re-upload, then its metadata replaces the old', () => {
    const spec = catalogue().given([upload()]);
    spec.when(upload({ title: 'Remastered', event_time: NOW }));
    assert.equal(docIn(spec.state, 'track-1')!.track.title, 'Remastered');
    assert.equal(docIn(spec.state, 'track-1')!.track.updated_at, NOW);
  });

  it('given an older re-upload delivered after a newer one, then the newer metadata stays', () => {
    const spec = catalogue().given([upload({ title: 'Newest', event_time: NOW })]);
    spec.when(upload({ title: 'Stale', event_time: NOW - 3_600_000 }));
    assert.deepEqual(
      spec.outcomes.map((o) => o.kind),
      ['ok', 'ok'],
    );
    assert.equal(docIn(spec.state, 'track-1')!.track.title, 'Newest');
    assert.equal(docIn(spec.state, 'track-1')!.ts, NOW);
  });

  it('given a re-upload moving the track to another artist, then both sets hold it (the reader filters by the document)', () => {
    const { state: mem, when } = catalogue().given([upload()]);
    when(upload({ event_time: NOW, artists: [{ artist_id: 'artist-2', name: 'B' }] }));
    assert.deepEqual(mem.smembers(K.artistTracks('artist-2')), ['track-1']);
    assert.deepEqual(mem.smembers(K.artistTracks('artist-1')), ['track-1']);
    assert.deepEqual(docIn(mem, 'track-1')!.track.artists, [{ artist_id: 'artist-2', name: 'B' }]);
  });

  it('given the same upload twice, then it applies once', () => {
    const e = upload();
    const { state: mem, when } = catalogue();
    const { outcomes } = when(e, e);
    assert.deepEqual(outcomes, [{ kind: 'ok' }, { kind: 'ok' }]);
    assert.deepEqual(mem.smembers(K.artistTracks('artist-1')), ['track-1']);
  });
});

describe('catalogue projection: uploads it cannot apply', () => {
  it('given shares that do not sum to 10000 bps, then it is dead-lettered with the sum and nothing is written', () => {
    const rights_holders = fx.rights_holders.map((r, i) => ({
      ...r,
      share_bps: i ? 2_999 : 7_000,
    }));
    const { state: mem, when } = catalogue();
    const { outcomes } = when(upload({ rights_holders }));
    assert.deepEqual(outcomes, [
      { kind: 'dlq', reason: 'rights_holders share_bps sum to 9999, not 10000' },
    ]);
    assert.deepEqual(mem.keys(), []);
  });

  it('given other malformed uploads, then each is dead-lettered with its reason and valid ones apply', () => {
    const playback = envelope('playback', validEvents(NOW).playback, {
      topic: 'playback',
      offset: 1,
    });
    const { state: mem, when } = catalogue();
    const { outcomes } = when(
      upload({ track_id: '' }),
      upload({ artists: [] }),
      upload({ artists: [{ artist_id: '', name: 'x' }] }),
      upload({ rights_holders: [] }),
      upload({
        rights_holders: [{ rights_holder_id: 'r', name: 'r', role: 'label', share_bps: 10_000.5 }],
      }),
      upload({ duration_ms: -1 }),
      playback,
      upload({ track_id: 'fine' }),
    );
    assert.deepEqual(outcomes, [
      { kind: 'dlq', reason: 'track_id is empty' },
      { kind: 'dlq', reason: 'artists is empty' },
      { kind: 'dlq', reason: 'artists[0].artist_id is empty' },
      { kind: 'dlq', reason: 'rights_holders is empty' },
      {
        kind: 'dlq',
        reason: 'rights_holders[0] needs a rights_holder_id and an integer share_bps >= 0',
      },
      { kind: 'dlq', reason: 'duration_ms -1 is not a non-negative integer' },
      { kind: 'dlq', reason: 'catalogue does not read playback events' },
      { kind: 'ok' },
    ]);
    assert.equal(docIn(mem, 'fine')!.track.track_id, 'fine');
  });
});
