/**
 * The registry's write credential as both sides see it: the client sends it as HTTP Basic, the
 * registry server (services/schema-registry) parses and checks it.
 */

export interface RegistryCredentials {
  user: string;
  password: string;
}

/** `Authorization` header value for a credential. */
export const basicHeader = (c: RegistryCredentials) =>
  `Basic ${Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64')}`;

/** The user and password of an `Authorization: Basic ...` header, or undefined. */
export function parseBasic(header: string | undefined): RegistryCredentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = text.indexOf(':');
  return at < 0 ? undefined : { user: text.slice(0, at), password: text.slice(at + 1) };
}
