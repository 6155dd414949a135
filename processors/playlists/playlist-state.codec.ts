/**
 * A playlist's state as one string (what the projection stores per playlist), and back. The
 * text is canonical: every set and map is written in UTF-16 code-unit order of its keys, so two
 * equal states encode to the same string, whatever order their edits arrived in. `decodeState`
 * checks every field (types, integers, no key twice, version) and answers a reason otherwise.
 */
import { z } from 'zod';
import { compareCodeUnits, type PlaylistState } from './playlist.model.js';

/** The encoding's version; a stored state of another version is refused by decodeState. */
export const STATE_VERSION = 1;

const time = z.int().min(0);
const stamp = z.strictObject({ time, id: z.string().min(1) });
const text = z.string().min(1);
const encoded = z.strictObject({
  v: z.literal(STATE_VERSION),
  playlist_id: text,
  owner: text,
  created: stamp,
  name: z.strictObject({ value: z.string(), time, id: text }),
  public: z.strictObject({ value: z.boolean(), time, id: text }),
  /** [user, member, time, event id] */
  collaborators: z.array(z.tuple([text, z.boolean(), time, text])),
  deleted: stamp.nullable(),
  /** [position id, after (null: head), time, item id] */
  positions: z.array(z.tuple([text, text.nullable(), time, text])),
  /** [item id, track id, added by, added at] */
  items: z.array(z.tuple([text, text, text, time])),
  removed: z.array(text),
  applied: z.array(text),
});
type Encoded = z.infer<typeof encoded>;

const byKey = <T extends readonly unknown[]>(a: T, b: T) =>
  compareCodeUnits(a[0] as string, b[0] as string);

export function encodeState(s: PlaylistState): string {
  const out: Encoded = {
    v: STATE_VERSION,
    playlist_id: s.playlist_id,
    owner: s.owner,
    created: { time: s.created.time, id: s.created.id },
    name: { value: s.name.value, time: s.name.time, id: s.name.id },
    public: { value: s.public.value, time: s.public.time, id: s.public.id },
    collaborators: [...s.collaborators]
      .map(([u, c]): [string, boolean, number, string] => [u, c.value, c.time, c.id])
      .sort(byKey),
    deleted: s.deleted && { time: s.deleted.time, id: s.deleted.id },
    positions: [...s.positions]
      .map(([id, p]): [string, string | null, number, string] => [id, p.after, p.time, p.item])
      .sort(byKey),
    items: [...s.items]
      .map(([id, i]): [string, string, string, number] => [id, i.track_id, i.added_by, i.added_at])
      .sort(byKey),
    removed: [...s.removed].sort(compareCodeUnits),
    applied: [...s.applied].sort(compareCodeUnits),
  };
  return JSON.stringify(out);
}

export function decodeState(text: string): { state: PlaylistState } | { reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { reason: `stored playlist state is not JSON: ${(err as Error).message}` };
  }
  const parsed = encoded.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return { reason: `stored playlist state at /${i.path.join('/')}: ${i.message}` };
  }
  const e = parsed.data;
  const twice = (name: string, keys: readonly string[]) =>
    new Set(keys).size === keys.length
      ? undefined
      : `stored playlist state: a key twice in ${name}`;
  const dup =
    twice(
      'collaborators',
      e.collaborators.map((c) => c[0]),
    ) ??
    twice(
      'positions',
      e.positions.map((p) => p[0]),
    ) ??
    twice(
      'items',
      e.items.map((i) => i[0]),
    ) ??
    twice('removed', e.removed) ??
    twice('applied', e.applied);
  if (dup) return { reason: dup };
  return {
    state: {
      playlist_id: e.playlist_id,
      owner: e.owner,
      created: e.created,
      name: e.name,
      public: e.public,
      collaborators: new Map(
        e.collaborators.map(([u, value, t, id]) => [u, { value, time: t, id }]),
      ),
      deleted: e.deleted,
      positions: new Map(e.positions.map(([id, after, t, item]) => [id, { after, time: t, item }])),
      items: new Map(
        e.items.map(([id, track_id, added_by, added_at]) => [id, { track_id, added_by, added_at }]),
      ),
      removed: new Set(e.removed),
      applied: new Set(e.applied),
    },
  };
}
