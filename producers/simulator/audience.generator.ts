import type { FollowEvent, ListenerContext } from '../../schemas/generated/events.types.js';
import type { Catalogue } from './catalogue.generator.js';
import type { Prng } from './prng.js';
import {
  DAY_MS,
  MARKETS,
  type Device,
  type SimEvent,
  type SimulationParams,
  type User,
} from './simulator.types.js';

const PLATFORMS = ['ios', 'android', 'web', 'desktop'] as const;
const PLATFORM_WEIGHTS = [35, 40, 10, 15];
export const MOBILE = new Set<string>(['ios', 'android']);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Listeners: a market (weighted), FREE or PREMIUM, one to three devices, a taste cluster and a
 * listening activity (a few heavy listeners, many light ones).
 */
export function generateUsers(
  params: Pick<SimulationParams, 'users' | 'clusters'>,
  deps: { rng: Prng },
): User[] {
  const { rng } = deps;
  const codes = MARKETS.map((m) => m.code);
  const weights = MARKETS.map((m) => m.weight);
  return Array.from({ length: params.users }, (_, i) => {
    const deviceCount = 1 + (rng.chance(0.5) ? 1 : 0) + (rng.chance(0.15) ? 1 : 0);
    const devices: Device[] = Array.from({ length: deviceCount }, (_, k) => {
      const platform = rng.weighted(PLATFORMS, PLATFORM_WEIGHTS);
      return {
        device_id: `dev-${pad(i + 1, 6)}-${k + 1}`,
        platform,
        client_version: `8.${rng.int(7, 9)}.${rng.int(0, 40)}`,
      };
    });
    return {
      index: i,
      user_id: `usr-${pad(i + 1, 6)}`,
      market: rng.weighted(codes, weights),
      product: rng.chance(0.45) ? ('PREMIUM' as const) : ('FREE' as const),
      devices,
      cluster: rng.int(0, params.clusters - 1),
      activity: 0.25 + 3 * rng.next() ** 3,
    };
  });
}

/** The fields every user-scoped event carries, for one user on one device. */
export function clientFields(user: User, device: Device): ListenerContext {
  return {
    user_id: user.user_id,
    device_id: device.device_id,
    market: user.market,
    product: user.product,
    platform: device.platform,
    client_version: device.client_version,
  };
}

type Target = { type: 'ARTIST' | 'USER'; id: string };

/**
 * Follows and unfollows of artists (mostly from the user's own taste cluster) and of other
 * users (never oneself). Each user acts from their first device so their order holds; an
 * unfollow always comes after the follow it undoes, and a target may be followed again.
 */
export function generateFollows(
  params: Pick<SimulationParams, 'days' | 'startMs'>,
  deps: { rng: Prng; users: User[]; catalogue: Catalogue },
): Omit<SimEvent<'follow'>, 'seq'>[] {
  const { rng, users, catalogue } = deps;
  const usersByCluster = new Map<number, User[]>();
  for (const u of users) {
    const peers = usersByCluster.get(u.cluster);
    if (peers) peers.push(u);
    else usersByCluster.set(u.cluster, [u]);
  }
  const periodMs = params.days * DAY_MS;
  const out: Omit<SimEvent<'follow'>, 'seq'>[] = [];

  const drawTarget = (user: User): Target | undefined => {
    if (users.length < 2 || rng.chance(0.7)) {
      const inCluster = catalogue.clusterTracks[user.cluster] ?? [];
      const track = inCluster.length && rng.chance(0.8) ? rng.pick(inCluster) : undefined;
      const artistId =
        track === undefined
          ? rng.pick(catalogue.artists).artist_id
          : (catalogue.tracks[track]?.artist_ids[0] as string);
      return { type: 'ARTIST', id: artistId };
    }
    const peers = usersByCluster.get(user.cluster) ?? [];
    const other = peers.length > 1 && rng.chance(0.6) ? rng.pick(peers) : rng.pick(users);
    return other.user_id === user.user_id ? undefined : { type: 'USER', id: other.user_id };
  };

  for (const user of users) {
    let actions = 0;
    while (actions < 12 && rng.chance(0.6)) actions++;
    const times = Array.from({ length: actions }, () => params.startMs + rng.int(0, periodMs - 1))
      .sort((a, b) => a - b)
      .map((t, i) => t + i); // distinct, increasing
    const following = new Map<string, Target>();
    const device = user.devices[0] as Device;
    for (const t of times) {
      let action: 'FOLLOW' | 'UNFOLLOW' = 'FOLLOW';
      let target: Target | undefined;
      if (following.size && rng.chance(0.25)) {
        action = 'UNFOLLOW';
        target = rng.pick([...following.values()]);
        following.delete(`${target.type}:${target.id}`);
      } else {
        for (let tries = 0; tries < 5 && !target; tries++) {
          const c = drawTarget(user);
          if (c && !following.has(`${c.type}:${c.id}`)) target = c;
        }
        if (!target) continue;
        following.set(`${target.type}:${target.id}`, target);
      }
      const sentAt = t + rng.int(30, 600);
      const event: FollowEvent = {
        event_id: '', // assigned in stream order
        event_time: t,
        received_time: sentAt,
        ...clientFields(user, device),
        action,
        target_type: target.type,
        target_id: target.id,
      };
      out.push({ type: 'follow', event, sent_at: sentAt, delivery: 'online' });
    }
  }
  return out;
}
