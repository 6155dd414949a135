import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Backbeat API tokens: stateless, HMAC-SHA256 signed with API_TOKEN_SECRET.
 *
 *   <base64url(JSON {sub, role, label_id?, exp})>.<base64url(HMAC-SHA256(secret, first part))>
 *
 * `exp` is in seconds since the epoch. A label token carries its label in `label_id`: label
 * endpoints take the label from the token, never from the URL.
 */
export const TOKEN_ROLES = ['user', 'analyst', 'label', 'operator'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export interface TokenClaims {
  /** User id (user), analyst name (analyst), label id (label) or operator name (operator). */
  sub: string;
  role: TokenRole;
  /** The label whose reports a label token may read (label tokens only). */
  label_id?: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export type TokenFailure = 'malformed' | 'bad-signature' | 'expired';
export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; reason: TokenFailure };

const SUBJECT = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** Whether a user id, analyst name or label id can be a token subject. */
export const isValidSubject = (s: string) => SUBJECT.test(s);

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const sign = (payload: string, secret: string) =>
  createHmac('sha256', secret).update(payload).digest();

export function signToken(claims: TokenClaims, secret: string): string {
  const problem = claimsProblem(claims);
  if (problem) throw new TypeError(`invalid token claims: ${problem}`);
  const body: TokenClaims = { sub: claims.sub, role: claims.role, exp: claims.exp };
  if (claims.label_id !== undefined) body.label_id = claims.label_id;
  const payload = b64url(JSON.stringify(body));
  return `${payload}.${b64url(sign(payload, secret))}`;
}

/** Mints a token for `role` and `sub` that expires `ttlSeconds` from `now` (ms). */
export function mintToken(
  opts: { role: TokenRole; sub: string; ttlSeconds: number },
  secret: string,
  now = Date.now(),
): string {
  return signToken(
    {
      sub: opts.sub,
      role: opts.role,
      ...(opts.role === 'label' ? { label_id: opts.sub } : {}),
      exp: Math.floor(now / 1000) + opts.ttlSeconds,
    },
    secret,
  );
}

/**
 * Checks the signature (in constant time) before looking at the claims, then the claims'
 * shape, then expiry. Anything that is not exactly a token Backbeat signed is refused.
 */
export function verifyToken(token: string, secret: string, now = Date.now()): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 2 || !B64URL.test(parts[0]!) || !B64URL.test(parts[1]!))
    return { ok: false, reason: 'malformed' };
  const [payload, sig] = parts as [string, string];
  const expected = sign(payload, secret);
  const given = Buffer.from(sig, 'base64url');
  // Only the canonical encoding of the 32-byte MAC is accepted (no alternative spellings).
  if (
    given.length !== expected.length ||
    given.toString('base64url') !== sig ||
    !timingSafeEqual(given, expected)
  )
    return { ok: false, reason: 'bad-signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claimsProblem(claims)) return { ok: false, reason: 'malformed' };
  const c = claims as TokenClaims;
  if (c.exp * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: c };
}

function claimsProblem(c: unknown): string | undefined {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'not an object';
  const o = c as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['sub', 'role', 'label_id', 'exp'].includes(k));
  if (extra.length) return `unknown claim ${extra.join(', ')}`;
  if (typeof o.sub !== 'string' || !isValidSubject(o.sub)) return 'sub';
  if (!(TOKEN_ROLES as readonly unknown[]).includes(o.role)) return 'role';
  if (typeof o.exp !== 'number' || !Number.isSafeInteger(o.exp) || o.exp <= 0) return 'exp';
  if (o.role === 'label') {
    if (typeof o.label_id !== 'string' || !isValidSubject(o.label_id)) return 'label_id';
  } else if (o.label_id !== undefined) return 'label_id on a non-label token';
  return undefined;
}
