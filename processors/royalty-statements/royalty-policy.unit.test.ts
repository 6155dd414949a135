import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackbeatError, InternalError } from '../../common/errors/backbeat.error.js';
import { canonicalHash, canonicalJson } from './canonical-json.js';
import {
  canonicalPolicyJson,
  DEFAULT_POLICY,
  parsePolicy,
  PolicyError,
  policyHash,
  RULES,
} from './royalty-policy.js';

const plain = (): Record<string, unknown> => JSON.parse(JSON.stringify(DEFAULT_POLICY));

function problemsOf(input: unknown): readonly string[] {
  try {
    parsePolicy(input);
  } catch (err) {
    assert.ok(err instanceof PolicyError && err instanceof BackbeatError);
    assert.equal(err.code, 'POLICY_INVALID');
    assert.equal(err.retriable, false);
    return err.problems;
  }
  assert.fail('expected a PolicyError');
}

describe('royalty policy: the default', () => {
  it('given DEFAULT_POLICY, then version 2, 30 s, no threshold, both products, zero lines listed', () => {
    assert.equal(DEFAULT_POLICY.version, 2);
    assert.equal(DEFAULT_POLICY.qualifying_ms, 30_000);
    assert.equal(DEFAULT_POLICY.min_track_streams_12m, null);
    assert.deepEqual(DEFAULT_POLICY.products, ['FREE', 'PREMIUM']);
    assert.equal(DEFAULT_POLICY.list_zero_lines, true);
    assert.ok(Object.isFrozen(DEFAULT_POLICY) && Object.isFrozen(DEFAULT_POLICY.products));
  });

  it("given the auditor's questions of issue 11, then each has a rule sentence", () => {
    const asked = [
      'split_used', // which upload's split, streams older than every upload
      'upload_tie', // two uploads with equal event times
      'report_in_force', // two reports with equal event times
      'unmatched_tracks', // tracks with no valid upload in the denominator
      'products', // free streams in each model
      'pool_without_streams',
      'streams_without_report',
      'user_centric_divisor',
      'silent_listeners',
      'zero_lines',
      'threshold', // per market or across, and whether below-threshold tracks leave the denominator
    ];
    for (const k of asked) assert.ok(DEFAULT_POLICY.rules[k]?.endsWith('.'), k);
    assert.match(RULES.threshold, /across all markets/);
    assert.match(RULES.threshold, /leave the denominator/);
    assert.match(RULES.upload_tie, /greater upload event_id/);
    assert.match(RULES.report_in_force, /greater report_id/);
    assert.match(RULES.rounding, /larger remainder, then the larger weight, then the key/);
  });

  it('given the default as parsed JSON, then parsePolicy returns an equal, frozen policy', () => {
    const p = parsePolicy(plain());
    assert.deepEqual(p, DEFAULT_POLICY);
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.rules));
  });

  it('given a threshold of 1000 and PREMIUM only, then it parses', () => {
    const p = parsePolicy({
      ...plain(),
      version: 2,
      min_track_streams_12m: 1000,
      products: ['PREMIUM'],
    });
    assert.equal(p.min_track_streams_12m, 1000);
    assert.deepEqual(p.products, ['PREMIUM']);
  });
});

describe('royalty policy: every field is validated and named', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['version 0', { version: 0 }, /^version: expected an integer >= 1, got 0$/],
    ['version 1.5', { version: 1.5 }, /^version: /],
    ['version "1"', { version: '1' }, /^version: .*got "1"/],
    ['qualifying_ms -1', { qualifying_ms: -1 }, /^qualifying_ms: expected an integer >= 0/],
    [
      'threshold 0',
      { min_track_streams_12m: 0 },
      /^min_track_streams_12m: expected an integer >= 1/,
    ],
    ['threshold "1000"', { min_track_streams_12m: '1000' }, /^min_track_streams_12m: /],
    ['products []', { products: [] }, /^products: expected a non-empty array/],
    ['products "FREE"', { products: 'FREE' }, /^products: /],
    ['products [free]', { products: ['free'] }, /^products\[0\]: expected one of FREE, PREMIUM/],
    ['products duplicated', { products: ['FREE', 'FREE'] }, /^products\[1\]: duplicate "FREE"/],
    ['list_zero_lines "yes"', { list_zero_lines: 'yes' }, /^list_zero_lines: expected a boolean/],
    ['rules []', { rules: [] }, /^rules: expected an object/],
    [
      'a rule missing',
      { rules: { ...RULES, threshold: undefined } },
      /^rules\.threshold: required$/,
    ],
    [
      'a rule empty',
      { rules: { ...RULES, zero_lines: ' ' } },
      /^rules\.zero_lines: expected a non-empty/,
    ],
    ['an unknown field', { model: 'x' }, /^model: unknown field$/],
  ];
  for (const [name, patch, problem] of cases) {
    it(`given ${name}, then PolicyError names it`, () => {
      const input = JSON.parse(JSON.stringify({ ...plain(), ...patch }));
      const problems = problemsOf(input);
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0]!, problem);
    });
  }

  it('given a missing field, then it is named as required', () => {
    const { qualifying_ms: _, ...rest } = plain();
    assert.deepEqual(problemsOf(rest), ['qualifying_ms: required']);
  });

  it('given several problems, then all are reported at once, in the message too', () => {
    const problems = problemsOf({ ...plain(), version: -1, list_zero_lines: null });
    assert.equal(problems.length, 2);
    assert.throws(
      () => parsePolicy({ ...plain(), version: -1, list_zero_lines: null }),
      /Invalid royalty policy:\n {2}- version: .*\n {2}- list_zero_lines: /,
    );
  });

  it('given something other than an object, then PolicyError', () => {
    for (const v of [null, 1, 'policy', []])
      assert.deepEqual(problemsOf(v), ['policy: expected an object']);
  });
});

describe('royalty policy: canonical form', () => {
  it('given the same policy with keys and products in another order, then the same JSON and hash', () => {
    const a = parsePolicy(plain());
    const shuffled = Object.fromEntries(Object.entries(plain()).reverse());
    const b = parsePolicy({ ...shuffled, products: ['PREMIUM', 'FREE'] });
    assert.equal(canonicalPolicyJson(b), canonicalPolicyJson(a));
    assert.equal(policyHash(b), policyHash(a));
    assert.match(policyHash(a), /^[0-9a-f]{64}$/);
    const json = canonicalPolicyJson(a);
    assert.ok(json.startsWith('{"list_zero_lines":true,"min_track_streams_12m":null,"products"'));
    assert.deepEqual(JSON.parse(json), { ...plain() });
  });

  it('given a changed setting or rule, then a different hash', () => {
    const base = policyHash(DEFAULT_POLICY);
    assert.notEqual(policyHash({ ...DEFAULT_POLICY, min_track_streams_12m: 1000 }), base);
    assert.notEqual(
      policyHash({ ...DEFAULT_POLICY, rules: { ...RULES, zero_lines: 'No.' } }),
      base,
    );
  });
});

describe('canonical JSON', () => {
  it('given nested objects, then keys sort by code unit at every depth, arrays keep order', () => {
    assert.equal(
      canonicalJson({ b: [{ z: 1, a: 2 }, 3], a: { y: 'x', B: true, ä: null } }),
      '{"a":{"B":true,"y":"x","ä":null},"b":[{"a":2,"z":1},3]}',
    );
  });

  it('given bigints, -0 and undefined entries, then exact digits, 0, and the entry left out', () => {
    assert.equal(
      canonicalJson({ n: 10n ** 30n, z: -0, u: undefined }),
      '{"n":1000000000000000000000000000000,"z":0}',
    );
    assert.equal(canonicalHash({ a: 1, b: 2 }), canonicalHash({ b: 2, a: 1 }));
  });

  it('given a value JSON cannot hold exactly, then InternalError', () => {
    for (const v of [NaN, Infinity, new Map(), new Date(0), () => 1, Symbol('s')]) {
      assert.throws(() => canonicalJson({ v }), InternalError);
    }
  });
});
