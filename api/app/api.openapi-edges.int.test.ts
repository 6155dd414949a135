/**
 * The document against the code at its edges: for every parameter of every GET operation, the
 * boundary values of its own schema (min, max, one past each, lengths, patterns, formats,
 * enums) are sent with every other parameter valid. Whatever the document allows must not be
 * refused with 400, whatever it refuses must be a 4xx, and nothing is a 5xx. Opaque cursors
 * are documented as "only one this API returned", so only refused spellings are sent for them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { useStack } from '../../test/helpers/stack.helper.js';
import { scenarioNow, startTestApi, type TestApi } from '../../test/helpers/api.helper.js';

interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Record<string, unknown>;
}
interface Doc {
  paths: Record<string, Record<string, { parameters?: Param[] }>>;
}

const now = scenarioNow();
const today = new Date(now).toISOString().slice(0, 10);
let api: TestApi;
let doc: Doc;
const ajv = new Ajv2020({ strict: false });
addFormats.default(ajv);

before(async () => {
  api = await startTestApi(await useStack(), { now });
  doc = (await (await fetch(`${api.base}/openapi.json`)).json()) as Doc;
});
after(async () => api?.close());

/** A value of each path parameter that names something in the test scenario. */
const KNOWN: Record<string, string> = {
  trackId: 'track-1',
  artistId: 'artist-1',
  labelId: 'label-1',
  isrc: 'SEABC2600001',
  day: today,
  market: 'SE',
};
/** Parameters bound by a documented cross-rule (from <= to): varied together, as one day. */
const PARTNER: Record<string, string> = { from: 'to', to: 'from' };
const REQUIRED_QUERY: Record<string, string> = { type: 'artist' };

/** Boundary candidates drawn from a parameter's schema (valid and invalid alike). */
function candidates(schema: Record<string, unknown>): string[] {
  const out = new Set<string>(['', 'x', '-1', '0', '1.5', 'null', '%E2%80%8B']);
  const alts = (schema.oneOf as Record<string, unknown>[] | undefined) ?? [schema];
  for (const s of alts) {
    if (s.const !== undefined) out.add(String(s.const));
    for (const e of (s.enum as unknown[] | undefined) ?? []) {
      out.add(String(e));
      out.add(`${String(e)}x`);
    }
    if (s.type === 'integer') {
      const min = (s.minimum as number | undefined) ?? 0;
      const max = (s.maximum as number | undefined) ?? 1000;
      for (const n of [min - 1, min, min + 1, max - 1, max, max + 1]) out.add(String(n));
      out.add(`0${min}`);
    }
    if (s.format === 'date') {
      for (const d of [
        '0100-01-01',
        '0099-12-31',
        '9999-12-31',
        '2024-02-29',
        '2026-02-29',
        '2026-02-30',
        '2026-13-01',
        '2026-00-10',
        '2026-04-31',
        '2026-1-01',
        '20260101',
        today,
      ])
        out.add(d);
    }
    if (typeof s.pattern === 'string' && s.pattern === '^[A-Z]{2}$')
      for (const m of ['SE', 'se', 'S', 'SEE', 'ÅÄ']) out.add(m);
    if (typeof s.pattern === 'string' && s.pattern.includes('{3}[0-9]{7}'))
      for (const i of ['SEABC2600001', 'seabc2600001', 'SEABC260000', 'SE-ABC2600001']) out.add(i);
    if (typeof s.maxLength === 'number') {
      out.add('a'.repeat(s.maxLength));
      out.add('a'.repeat(s.maxLength + 1));
    }
  }
  return [...out];
}

async function send(
  template: string,
  params: Param[],
  vary: Param,
  value: string,
  paired: boolean,
) {
  let path = template;
  const query = new URLSearchParams();
  for (const p of params) {
    const partner = PARTNER[vary.name] === p.name && paired;
    const v =
      p === vary || partner ? value : p.in === 'path' ? KNOWN[p.name] : REQUIRED_QUERY[p.name];
    if (v === undefined || p.in === 'header') continue;
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(v));
    else if (p === vary || partner || p.required) query.set(p.name, v);
  }
  const qs = query.toString();
  const headers: Record<string, string> = template.startsWith('/v1/me')
    ? { authorization: `Bearer ${api.token('user', 'user-1')}` }
    : {};
  const res = await fetch(`${api.base}${path}${qs ? `?${qs}` : ''}`, { headers });
  await res.arrayBuffer();
  return res.status;
}

describe('OpenAPI document against the code, at the edges of its own constraints', () => {
  it('every boundary value: allowed by the document => not 400; refused => 4xx; never 5xx', async () => {
    const mismatches: string[] = [];
    let sent = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      const op = item.get;
      if (!op?.parameters || template === '/v1/sql') continue;
      const params = op.parameters;
      for (const p of params) {
        if (p.in === 'header') continue;
        const validate = ajv.compile(p.schema);
        const opaqueCursor = p.name === 'cursor';
        for (const value of candidates(p.schema)) {
          const allowed = validate(
            p.schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value,
          );
          if (opaqueCursor && allowed && value !== '') continue; // an empty one is never a cursor
          if (p.in === 'path' && value === '') continue; // not a request for this template
          // An allowed day is sent as both ends of a range, so only the value itself is tested.
          const status = await send(template, params, p, value, allowed);
          sent++;
          const where = `${template} ${p.name}=${JSON.stringify(value)}: ${status}`;
          if (status >= 500) mismatches.push(`5xx ${where}`);
          else if (allowed && status === 400)
            mismatches.push(`document allows, code refuses ${where}`);
          else if (!allowed && status < 400)
            mismatches.push(`document refuses, code accepts ${where}`);
        }
      }
    }
    assert.ok(sent > 100, `only ${sent} requests`);
    assert.deepEqual(mismatches, []);
  });

  it('the cross-parameter rules the document describes: from after to, and more than 366 days, are 400', async () => {
    const streams = (q: string) => fetch(`${api.base}/v1/tracks/track-1/streams?${q}`);
    assert.equal((await streams('from=2026-03-02&to=2026-03-01')).status, 400);
    assert.equal((await streams('from=2026-03-01&to=2026-03-01')).status, 200);
    assert.equal((await streams('from=2024-01-01&to=2024-12-31')).status, 200, '366 days');
    assert.equal((await streams('from=2024-01-01&to=2025-01-01')).status, 400, '367 days');
  });
});
