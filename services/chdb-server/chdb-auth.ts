/**
 * The chDB server's users and how a request names one, as ClickHouse's HTTP interface reads
 * credentials: `X-ClickHouse-User`/`-Key` headers, HTTP basic auth, or `user`/`password` URL
 * parameters (one way only; none is the `default` user with an empty password). Passwords are
 * compared as SHA-256 digests in constant time, and an unknown user costs what a wrong password
 * costs. Refusals are 516 AUTHENTICATION_FAILED (HTTP 403), as ClickHouse answers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Access } from './chdb-query.types.js';
import { ClickHouseServerError, ErrorCode } from './clickhouse-protocol.js';

export interface ChdbUser {
  name: string;
  password: string;
  /** 'read' users run every query on read-only sessions (`readonly = 2`). */
  access: Access;
}

export interface AuthenticatorDeps {
  /** Called on every refused request (wrong or missing credentials). */
  onFailure?: () => void;
}

/** Reads the user a request names off its headers (`header(name)`) and URL parameters. */
export type Authenticator = (
  header: (name: string) => string | undefined,
  params: URLSearchParams,
) => ChdbUser;

function sha(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function createAuthenticator(
  users: readonly ChdbUser[],
  deps: AuthenticatorDeps = {},
): Authenticator {
  const known = users.map((u) => ({ user: u, digest: sha(u.password) }));
  return (header, params) => {
    const headerUser = header('x-clickhouse-user');
    const headerKey = header('x-clickhouse-key');
    const basic = /^Basic\s+(.+)$/i.exec(header('authorization') ?? '');
    const paramUser = params.get('user');
    const paramPassword = params.get('password');
    const ways = [
      headerUser !== undefined || headerKey !== undefined,
      !!basic,
      paramUser !== null || paramPassword !== null,
    ].filter(Boolean).length;
    if (ways > 1) {
      throw new ClickHouseServerError(
        ErrorCode.AUTHENTICATION_FAILED,
        'Invalid authentication: it is not allowed to use Authorization HTTP header, X-ClickHouse-User/Key headers and authentication via parameters simultaneously',
      );
    }
    let name = 'default';
    let password = '';
    if (headerUser !== undefined || headerKey !== undefined) {
      name = headerUser ?? 'default';
      password = headerKey ?? '';
    } else if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      name = colon < 0 ? decoded : decoded.slice(0, colon);
      password = colon < 0 ? '' : decoded.slice(colon + 1);
    } else if (paramUser !== null || paramPassword !== null) {
      name = paramUser ?? 'default';
      password = paramPassword ?? '';
    }
    const digest = sha(password);
    const entry = known.find((k) => k.user.name === name);
    // Compare a digest either way, so an unknown user costs what a wrong password costs.
    const ok = timingSafeEqual(digest, entry?.digest ?? sha(`\u0000${password}`)) && !!entry;
    if (!ok || !entry) {
      deps.onFailure?.();
      throw new ClickHouseServerError(
        ErrorCode.AUTHENTICATION_FAILED,
        `${name}: Authentication failed: password is incorrect, or there is no user with such name`,
      );
    }
    return entry.user;
  };
}
