import type { RightsHolderShare, TrackUploadEvent } from '../../schemas/generated/events.types.js';
import { type Prng, zipfWeight } from './prng.js';
import {
  DAY_MS,
  HOUR_MS,
  MARKETS,
  type Artist,
  type Label,
  type SimulationParams,
  type Track,
} from './simulator.types.js';

export interface Catalogue {
  labels: Label[];
  artists: Artist[];
  tracks: Track[];
  publishers: { id: string; name: string }[];
  /** Track indexes of each taste cluster. */
  clusterTracks: number[][];
  /** Rights holders of each track (by index), shares in basis points summing to 10000. */
  rights: RightsHolderShare[][];
  /** Release id of each track (null for singles). */
  releases: (string | null)[];
  artistById: Map<string, Artist>;
  labelById: Map<string, Label>;
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'ven',
  'tor',
  'sa',
  'lu',
  'neo',
  'bri',
  'dal',
  'fen',
  'gry',
  'hol',
  'ix',
  'jun',
  'kor',
  'mel',
  'nor',
  'ost',
  'pa',
  'quin',
  'ru',
  'syl',
  'tam',
  'ul',
  'vo',
  'wy',
];
const WORDS = [
  'Midnight',
  'Echo',
  'Golden',
  'River',
  'Neon',
  'Static',
  'Velvet',
  'Paper',
  'Summer',
  'Ghost',
  'Silver',
  'Fever',
  'Ocean',
  'Glass',
  'Wild',
  'Quiet',
  'Electric',
  'Hollow',
  'Northern',
  'Lights',
];
const PUBLISHERS = ['Harbour Songs', 'Northline Publishing', 'Cobalt Music', 'Meridian Works'];
const PUBLISHER_COUNT = PUBLISHERS.length;

export function syllableName(rng: Prng, parts: number): string {
  let s = '';
  for (let i = 0; i < parts; i++) s += rng.pick(SYLLABLES);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** ISRC: country (2 letters), registrant (3), year (2 digits), designation (5 digits). */
function isrcOf(label: Label, n: number): string {
  const year = (26 - Math.floor(n / 100_000) + 1000) % 100;
  return `${label.country}${label.registrant}${pad(year, 2)}${pad(n % 100_000, 5)}`;
}

/** Splits 10000 bps: the label keeps the largest part, the artist and a publisher share the rest. */
function splitShares(rng: Prng, holders: number): number[] {
  if (holders === 1) return [10_000];
  const label = rng.int(50, 80) * 100; // 5000..8000 bps
  if (holders === 2) return [label, 10_000 - label];
  const rest = 10_000 - label;
  const second = rng.int(1, Math.floor(rest / 100) - 1) * 100 - rng.int(0, 99);
  return [label, second, rest - second];
}

/**
 * Labels, artists (each signed to a label), tracks (ISRC, 90 s to 7 min, markets, rights
 * holders), Zipf popularity ranks and the planted taste clusters. Most tracks are back
 * catalogue uploaded before the period; about 10% are new releases uploaded during it.
 */
export function generateCatalogue(
  params: Pick<
    SimulationParams,
    'labels' | 'artists' | 'tracks' | 'clusters' | 'days' | 'startMs' | 'zipf'
  >,
  deps: { rng: Prng },
): Catalogue {
  const { rng } = deps;
  const labels: Label[] = Array.from({ length: params.labels }, (_, i) => ({
    label_id: `lbl-${pad(i + 1, 4)}`,
    name: `${syllableName(rng, 2)} Records`,
    registrant: i.toString(36).toUpperCase().padStart(3, '0'),
    country: rng.weighted(
      MARKETS.map((m) => m.code),
      MARKETS.map((m) => m.weight),
    ),
  }));
  const artists: Artist[] = Array.from({ length: params.artists }, (_, i) => ({
    artist_id: `art-${pad(i + 1, 5)}`,
    name: `${syllableName(rng, rng.int(1, 3))}${rng.chance(0.3) ? ` ${rng.pick(WORDS)}` : ''}`,
    label_id: rng.pick(labels).label_id,
  }));
  const publishers = PUBLISHERS.map((name, i) => ({ id: `pub-${pad(i + 1, 3)}`, name }));
  const labelById = new Map(labels.map((l) => [l.label_id, l]));
  const perLabel = new Map<string, number>();
  const ranks = rng.shuffle(Array.from({ length: params.tracks }, (_, i) => i + 1));
  const clusterOrder = rng.shuffle(Array.from({ length: params.tracks }, (_, i) => i));
  const clusterOf = new Array<number>(params.tracks);
  clusterOrder.forEach((t, i) => (clusterOf[t] = i % params.clusters));
  const allMarkets = MARKETS.map((m) => m.code);

  const tracks: Track[] = [];
  const rights: RightsHolderShare[][] = [];
  const releases: (string | null)[] = [];
  for (let i = 0; i < params.tracks; i++) {
    const main = rng.pick(artists);
    const label = labelById.get(main.label_id) as Label;
    const n = perLabel.get(label.label_id) ?? 0;
    perLabel.set(label.label_id, n + 1);
    const featured = artists.length > 1 && rng.chance(0.15) ? rng.pick(artists) : undefined;
    const artistIds = [main.artist_id];
    if (featured && featured.artist_id !== main.artist_id) artistIds.push(featured.artist_id);
    // Durations: mostly 2:30-4:30, with a tail to 90 s and 7 min.
    const duration = rng.chance(0.8) ? rng.int(150_000, 270_000) : rng.int(90_000, 420_000);
    const markets = rng.chance(0.8)
      ? allMarkets.slice()
      : allMarkets.filter((m) => m === label.country || rng.chance(0.5));
    const newRelease = params.days > 1 && rng.chance(0.1);
    const releasedAt = newRelease
      ? params.startMs + rng.int(1, params.days - 1) * DAY_MS // midnight UTC of a later day
      : params.startMs - rng.int(1, 365) * DAY_MS - rng.int(0, 23) * HOUR_MS;
    tracks.push({
      index: i,
      track_id: `trk-${pad(i + 1, 6)}`,
      title: `${rng.pick(WORDS)} ${rng.pick(WORDS)}${rng.chance(0.2) ? ` (${syllableName(rng, 2)} Remix)` : ''}`,
      isrc: isrcOf(label, n),
      artist_ids: artistIds,
      label_id: label.label_id,
      duration_ms: duration,
      markets,
      popularity_rank: ranks[i] as number,
      cluster: clusterOf[i] as number,
      released_at: releasedAt,
    });
    const holders: Omit<RightsHolderShare, 'share_bps'>[] = [
      { rights_holder_id: label.label_id, name: label.name, role: 'label' },
    ];
    if (rng.chance(0.4))
      holders.push({ rights_holder_id: main.artist_id, name: main.name, role: 'artist' });
    if (rng.chance(0.5)) {
      const p = publishers[rng.int(0, PUBLISHER_COUNT - 1)] as { id: string; name: string };
      holders.push({ rights_holder_id: p.id, name: p.name, role: 'publisher' });
    }
    const shares = splitShares(rng, holders.length);
    rights.push(holders.map((h, k) => ({ ...h, share_bps: shares[k] as number })));
    releases.push(rng.chance(0.8) ? `rel-${main.artist_id.slice(4)}-${rng.int(1, 4)}` : null);
  }
  const clusterTracks: number[][] = Array.from({ length: params.clusters }, () => []);
  for (const t of tracks) clusterTracks[t.cluster]?.push(t.index);
  const artistById = new Map(artists.map((a) => [a.artist_id, a]));
  return {
    labels,
    artists,
    tracks,
    publishers,
    clusterTracks,
    rights,
    releases,
    artistById,
    labelById,
  };
}

/** Zipf weight of every track, by index. */
export function popularityWeights(catalogue: Catalogue, s: number): number[] {
  return catalogue.tracks.map((t) => zipfWeight(t.popularity_rank, s));
}

/** The track-upload record of one track (event_id, times filled by the caller). */
export function uploadRecord(
  catalogue: Catalogue,
  track: Track,
  envelope: Pick<TrackUploadEvent, 'event_id' | 'event_time' | 'received_time'>,
): TrackUploadEvent {
  const label = catalogue.labelById.get(track.label_id) as Label;
  return {
    ...envelope,
    track_id: track.track_id,
    isrc: track.isrc,
    title: track.title,
    artists: track.artist_ids.map((id) => ({
      artist_id: id,
      name: (catalogue.artistById.get(id) as Artist).name,
    })),
    label_id: label.label_id,
    label_name: label.name,
    release_id: catalogue.releases[track.index] ?? null,
    duration_ms: track.duration_ms,
    markets: track.markets,
    rights_holders: catalogue.rights[track.index] as RightsHolderShare[],
    uploaded_by: `acct-${label.label_id}`,
  };
}
