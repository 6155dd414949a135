import { z } from 'zod';

/**
 * One configuration setting: its environment variable, default, description and parser.
 * Sections are plain objects of settings; `parseSection` reads one section from an
 * environment and reports every invalid value by its variable name.
 */
export interface Setting<T> {
  readonly env: string;
  readonly description: string;
  /** Default as written in the README table; `undefined` means "unset" (optional setting). */
  readonly default: string | undefined;
  readonly schema: z.ZodType<T>;
}

export type SectionSpec = Record<string, Setting<unknown>>;
export type SectionValue<S extends SectionSpec> = {
  [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

export function setting<T>(
  env: string,
  def: string | undefined,
  schema: z.ZodType<T>,
  description: string,
): Setting<T> {
  return { env, default: def, schema, description };
}

export const port = () =>
  z.coerce
    .number({ message: 'must be a TCP port number' })
    .int('must be an integer')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535');

export const positiveInt = () =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .positive('must be > 0');

export const nonEmpty = () => z.string().trim().min(1, 'must not be empty');

export const optionalUrl = () =>
  z
    .string()
    .trim()
    .url('must be a URL, e.g. http://host:8123')
    .optional()
    .or(z.literal('').transform(() => undefined));

export const bool = () =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1');

export interface ParseResult<T> {
  value?: T;
  problems: string[];
}

export function parseSection<S extends SectionSpec>(
  spec: S,
  env: NodeJS.ProcessEnv,
): ParseResult<SectionValue<S>> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(spec)) {
    const raw = env[s.env] ?? s.default;
    const res = s.schema.safeParse(raw);
    if (res.success) {
      out[key] = res.data;
    } else {
      const why = res.error.issues.map((i) => i.message).join('; ');
      problems.push(`${s.env} ${why} (got ${raw === undefined ? 'nothing' : JSON.stringify(raw)})`);
    }
  }
  return problems.length ? { problems } : { value: out as SectionValue<S>, problems };
}
