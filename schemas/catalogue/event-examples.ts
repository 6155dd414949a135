import type { EventTypeMap } from '../generated/events.types.js';

/** One valid event of each type, for tests. `now` is the receive time. */
export function validEvents(now = Date.UTC(2026, 10, 24, 12)): {
  [N in keyof EventTypeMap]: EventTypeMap[N];
} {
  const client = {
    user_id: 'user-1',
    device_id: 'device-1',
    market: 'SE',
    product: 'PREMIUM' as const,
    platform: 'ios',
    client_version: '9.1.0',
  };
  const env = (n: number) => ({
    event_id: `0190a0b0-0000-7000-8000-00000000000${n}`,
    event_time: now - 60_000,
    received_time: now,
  });
  return {
    playback: {
      ...env(1),
      ...client,
      phase: 'ENDED',
      playback_id: '0190a0b0-0000-7000-8000-0000000000a1',
      session_id: 's-1',
      track_id: 'track-1',
      position_ms: 31_000,
      ms_played: 31_000,
      end_reason: 'TRACK_DONE',
      context: null,
      offline: false,
    },
    skip: {
      ...env(2),
      ...client,
      playback_id: '0190a0b0-0000-7000-8000-0000000000a2',
      session_id: 's-1',
      track_id: 'track-2',
      position_ms: 4_000,
      direction: 'FORWARD',
    },
    follow: {
      ...env(3),
      ...client,
      action: 'FOLLOW',
      target_type: 'ARTIST',
      target_id: 'artist-1',
    },
    'listener-settings': {
      ...env(6),
      ...client,
      share_activity: true,
      private_session_until: null,
    },
    'playlist-edit': {
      ...env(7),
      ...client,
      playlist_id: '0190a0b0-0000-7000-8000-0000000000b1',
      op: 'ADD_TRACK',
      name: null,
      public: null,
      track_id: 'track-1',
      item_id: null,
      after_position_id: '0190a0b0-0000-7000-8000-0000000000b2',
      collaborator_id: null,
    },
    'track-upload': {
      ...env(4),
      track_id: 'track-1',
      isrc: 'SEABC2600001',
      title: 'Northern Lights',
      artists: [{ artist_id: 'artist-1', name: 'Aurora Lane' }],
      label_id: 'label-1',
      label_name: 'Polar Records',
      release_id: null,
      duration_ms: 215_000,
      markets: ['SE', 'NO'],
      rights_holders: [
        { rights_holder_id: 'label-1', name: 'Polar Records', role: 'label', share_bps: 7_000 },
        { rights_holder_id: 'artist-1', name: 'Aurora Lane', role: 'artist', share_bps: 3_000 },
      ],
      uploaded_by: 'label-1',
    },
    'revenue-report': {
      ...env(5),
      report_id: 'rr-2026-10-SE',
      market: 'SE',
      period: '2026-10',
      currency: 'SEK',
      minor_unit: 2,
      pool_minor: 123_456_789,
      premium_listeners: 1_000,
    },
  };
}
