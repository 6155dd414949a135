/**
 * The analyst `tracks` view (migration 0004) against the catalogue projection: the same
 * uploads archived in ClickHouse `events` and planned by the catalogue give the same tracks,
 * so an upload the catalogue refused is not listed to analysts either.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { migrate } from '../../sinks/clickhouse/migrate.js';
import type { TrackUploadEvent } from '../../schemas/generated/events.types.js';
import { openClickHouse, type ClickHouseHandle } from '../../sinks/clickhouse/clickhouse.client.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { NOW, upload } from '../../test/helpers/play-counts.helper.js';
import { toArchiveRow } from '../raw-archive/raw-archive.projection.js';
import type { AnyEnvelope } from '../runtime/processor.types.js';
import { catalogueProjection, toCatalogueTrack } from './catalogue.projection.js';

const holder = (share_bps: number, id = 'label-1') => ({
  rights_holder_id: id,
  name: 'L',
  role: 'label',
  share_bps,
});
const up = (over: Partial<TrackUploadEvent>) => upload({ event_id: uuidv7(NOW), ...over });

describe('analyst tracks view against the catalogue', () => {
  let ch: ClickHouseHandle;
  let database: string;
  before(async () => {
    const config = await useStack();
    database = `bb_tracks_${randomUUID().slice(0, 8)}`;
    ch = await openClickHouse({ url: config.clickhouse.url, database });
    await migrate(ch.client);
  });
  after(async () => {
    await ch?.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch?.close();
  });

  it('given accepted and refused uploads, then the view lists exactly what the catalogue accepted, latest accepted upload first', async () => {
    const uploads: AnyEnvelope[] = [
      up({ track_id: 'ok', title: 'Accepted' }),
      up({ track_id: 'shares-9000', rights_holders: [holder(9_000)] }),
      up({ track_id: 'shares-10001', rights_holders: [holder(5_000), holder(5_001, 'b')] }),
      up({ track_id: 'negative', rights_holders: [holder(10_500), holder(-500, 'b')] }),
      up({ track_id: 'no-holders', rights_holders: [] }),
      up({ track_id: 'blank-holder', rights_holders: [holder(10_000, ' ')] }),
      up({ track_id: 'no-artists', artists: [] }),
      up({ track_id: 'blank-artist', artists: [{ artist_id: '\u00a0\u3000', name: 'x' }] }),
      up({ track_id: 'blank-label', label_id: '\ufeff' }),
      up({ track_id: 'blank-isrc', isrc: '  ' }),
      up({ track_id: ' \t' }),
      // A valid upload, then a newer refused re-upload: the valid one stays.
      up({ track_id: 'kept', title: 'v1', event_time: NOW - 10 }),
      up({ track_id: 'kept', title: 'v2 refused', event_time: NOW, rights_holders: [] }),
      // Two accepted re-uploads: the newer wins.
      up({ track_id: 'newer', title: 'old', event_time: NOW - 10 }),
      up({ track_id: 'newer', title: 'new', event_time: NOW }),
    ];
    await ch.client.insert({
      table: 'events',
      values: uploads.map(toArchiveRow),
      format: 'JSONEachRow',
    });
    const planned = catalogueProjection.plan(uploads);
    const accepted = new Map<string, ReturnType<typeof toCatalogueTrack>>();
    planned.outcomes.forEach((o, i) => {
      const e = uploads[i]!.event as TrackUploadEvent;
      const cur = accepted.get(e.track_id);
      if (o.kind === 'ok' && (!cur || cur.updated_at <= e.event_time))
        accepted.set(e.track_id, toCatalogueTrack(e));
    });
    assert.ok(planned.outcomes.some((o) => o.kind === 'dlq'));

    const rs = await ch.client.query({
      query: 'SELECT track_id, title, rights_holders FROM tracks ORDER BY track_id',
      format: 'JSONEachRow',
    });
    const view = await rs.json<{ track_id: string; title: string }>();
    assert.deepEqual(
      view.map((t) => [t.track_id, t.title]),
      [...accepted.values()]
        .map((t) => [t.track_id, t.title])
        .sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    assert.deepEqual(
      view.map((t) => t.track_id),
      ['kept', 'newer', 'ok'],
    );
    assert.deepEqual(
      view.map((t) => t.title),
      ['v1', 'new', 'Accepted'],
    );
  });
});
