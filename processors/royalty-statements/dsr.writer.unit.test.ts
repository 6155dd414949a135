import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InternalError } from '../../common/errors/backbeat.error.js';
import { RT, formatMinor, parseMinor } from './dsr.records.js';
import { cell, cellValues, checkDsr, isType, parseDsr, usageRecords } from './dsr.parser.js';
import { isoDuration, writeDsr, type DsrInput } from './dsr.writer.js';

const GOLDEN =
  'DSR_PADPIDA2026LABEL1A_PADPIDA2026BACKBEAT_BackbeatPremium_2026-11_SE_1of1_20261202T031500.tsv';

/** The golden file's input: two releases, a non-royalty-bearing line, values that need escaping. */
const FIXTURE: DsrInput = {
  messageId: 'BB-2026-11-SE-label1-v1',
  createdAt: Date.UTC(2026, 11, 2, 3, 15, 0, 250),
  sender: { partyId: 'PADPIDA2026BACKBEAT', name: 'Backbeat Streaming AB' },
  recipient: { partyId: 'PADPIDA2026LABEL1A', name: 'Northern Lights Records' },
  period: '2026-11',
  territory: 'SE',
  serviceDescription: 'Backbeat Premium',
  commercialModel: 'SubscriptionModel',
  useType: 'OnDemandStream',
  currency: 'SEK',
  subscribers: 1234,
  netRevenueMinor: 12345n,
  minorUnit: 2,
  releases: [
    {
      releaseId: '0602445123456',
      title: 'Aurora | Live\\Deluxe',
      resources: [
        {
          resourceRef: 'trk-1',
          isrc: 'SEXYZ2600001',
          title: 'Midnight\tSun',
          artists: ['Aurora Skies', 'DJ Pipe|Line'],
          durationMs: 224_500,
          streams: 700,
          amountMinor: 10000n,
          royaltyBearing: true,
        },
      ],
    },
    {
      releaseId: null,
      resources: [
        {
          isrc: 'SEXYZ2600002',
          title: 'Polar Night',
          artists: ['Nadia Vale'],
          durationMs: 3_600_000 + 5_000,
          streams: 300,
          amountMinor: 2345,
          royaltyBearing: true,
        },
        {
          resourceRef: 'trk-3',
          isrc: 'SEXYZ2600003',
          title: 'Interlude',
          artists: [],
          durationMs: 29_000,
          streams: 12,
          amountMinor: 0,
          royaltyBearing: false,
        },
      ],
    },
  ],
};

const golden = () => readFileSync(new URL(`./testdata/${GOLDEN}`, import.meta.url), 'utf8');
const sumAmounts = (i: DsrInput) =>
  i.releases.flatMap((r) => r.resources).reduce((a, r) => a + BigInt(r.amountMinor), 0n);

describe('DSR writer: the golden file', () => {
  it('given the fixed input, when written, then the file equals the committed golden file byte for byte', () => {
    const out = writeDsr(FIXTURE);
    assert.equal(out.fileName, GOLDEN);
    assert.equal(out.content, golden());
  });

  it('given the same input twice, then the output is identical', () => {
    assert.deepEqual(writeDsr(structuredClone(FIXTURE)), writeDsr(FIXTURE));
  });
});

describe('DSR writer: parsed back with the reader', () => {
  const out = writeDsr(FIXTURE);
  const dsr = parseDsr(out.content);

  it('then the file is consistent and FOOT counts equal the actual lines, summaries and blocks', () => {
    assert.deepEqual(checkDsr(dsr, FIXTURE.minorUnit), []);
    assert.equal(dsr.lineCount, out.content.split('\n').length - 1);
    assert.deepEqual(dsr.foot.raw, ['FOOT', '11', '11', '1', '2', '2']);
    assert.equal(dsr.summaries.length, 1);
    assert.deepEqual(
      dsr.blocks.map((b) => b.records.map((r) => r.type)),
      [
        [RT.release, RT.resource, RT.usage],
        [RT.release, RT.resource, RT.resource, RT.usage, RT.usage],
      ],
    );
  });

  it('then every SalesTransactionId is unique and the SU02 amounts sum to SY03 NetRevenue and the input', () => {
    const su = usageRecords(dsr);
    const ids = su.map((r) => cell(r, 'SalesTransactionId'));
    assert.equal(new Set(ids).size, ids.length);
    const sum = su.reduce((a, r) => a + parseMinor(cell(r, 'AllocatedRevenue'), 2)!, 0n);
    const sy = dsr.summaries[0]!;
    assert.ok(isType(sy, RT.summary));
    assert.equal(parseMinor(cell(sy, 'NetRevenue'), 2), sum);
    assert.equal(sum, 12345n);
    assert.equal(cell(sy, 'NetRevenue'), '123.45');
  });

  it('then "|" and "\\" round-trip, multiple artists come back as values, and a tab became a space', () => {
    const [b1] = dsr.blocks;
    const re = b1!.records[0]!;
    const as = b1!.records[1]!;
    assert.ok(isType(re, RT.release) && isType(as, RT.resource));
    assert.equal(cell(re, 'Title'), 'Aurora | Live\\Deluxe');
    assert.equal(cell(re, 'ICPN'), '0602445123456');
    assert.deepEqual(cellValues(as, 'DisplayArtistName'), ['Aurora Skies', 'DJ Pipe|Line']);
    assert.equal(cell(as, 'Title'), 'Midnight Sun');
    assert.equal(cell(as, 'Duration'), 'PT3M44.5S');
  });

  it('then HEAD carries the period, the UTC creation time and the cleaned service name', () => {
    const h = dsr.head;
    assert.ok(isType(h, RT.head));
    assert.equal(cell(h, 'UsageStartDate'), '2026-11-01');
    assert.equal(cell(h, 'UsageEndDate'), '2026-11-30');
    assert.equal(cell(h, 'MessageCreatedDateTime'), '2026-12-02T03:15:00Z');
    assert.equal(cell(h, 'ServiceDescription'), 'BackbeatPremium');
  });
});

describe('DSR writer: cells and refusals', () => {
  it('given minor units, then decimals are exact at any size and scale', () => {
    assert.equal(formatMinor(12345n, 2), '123.45');
    assert.equal(formatMinor(12345n, 0), '12345');
    assert.equal(formatMinor(5n, 3), '0.005');
    assert.equal(formatMinor(-5n, 2), '-0.05');
    assert.equal(formatMinor(2n ** 70n, 2), '11805916207174113034.24');
    assert.equal(parseMinor('11805916207174113034.24', 2), 2n ** 70n);
    assert.equal(parseMinor('1.234', 2), null);
  });

  it('given durations, then ISO 8601 PT forms', () => {
    assert.deepEqual([0, 5_000, 60_000, 3_605_000, 1_001].map(isoDuration), [
      'PT0S',
      'PT5S',
      'PT1M',
      'PT1H5S',
      'PT1.001S',
    ]);
  });

  it('given a leap February, then UsageEndDate is the 29th', () => {
    const dsr = parseDsr(writeDsr({ ...FIXTURE, period: '2028-02' }).content);
    assert.ok(isType(dsr.head, RT.head));
    assert.equal(cell(dsr.head, 'UsageEndDate'), '2028-02-29');
  });

  it('given a total that is not the sum of the lines, or a bad period, territory or messageId, then InternalError', () => {
    for (const bad of [
      { netRevenueMinor: 12346n },
      { period: '2026-13' },
      { territory: 'SWE' },
      { messageId: 'a|b' },
      { releases: [{ releaseId: null, resources: [] }], netRevenueMinor: 0 },
      {
        releases: [
          {
            ...FIXTURE.releases[0]!,
            resources: [{ ...FIXTURE.releases[0]!.resources[0]!, amountMinor: 2 ** 53 }],
          },
        ],
      },
    ] satisfies Partial<DsrInput>[])
      assert.throws(() => writeDsr({ ...FIXTURE, ...bad }), InternalError);
  });
});

describe('DSR writer: properties over random inputs', () => {
  const text = fc.string({
    unit: fc.constantFrom('a', 'Z', ' ', '|', '\\', '\t', '\n', 'é', '#', '9'),
    maxLength: 8,
  });
  const resource = fc.record({
    resourceRef: fc.option(text, { nil: undefined }),
    isrc: fc.stringMatching(/^[A-Z]{2}[A-Z0-9]{3}\d{7}$/),
    title: text,
    artists: fc.array(text, { maxLength: 3 }),
    durationMs: fc.nat({ max: 10_000_000 }),
    streams: fc.nat({ max: 1_000_000 }),
    amountMinor: fc.oneof(fc.nat({ max: 10_000_000 }), fc.bigInt({ min: 0n, max: 2n ** 80n })),
    royaltyBearing: fc.boolean(),
  });
  const release = fc.record({
    releaseId: fc.option(fc.stringMatching(/^\d{12,14}$/), { nil: null }),
    title: fc.option(text, { nil: undefined }),
    resources: fc.array(resource, { minLength: 1, maxLength: 4 }),
  });
  const input = fc
    .record({
      releases: fc.array(release, { maxLength: 5 }),
      minorUnit: fc.constantFrom(0, 2, 3),
      commercialModel: fc.constantFrom(
        'SubscriptionModel' as const,
        'AdvertisementSupportedModel' as const,
      ),
      createdAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    })
    .map((r): DsrInput => ({ ...FIXTURE, ...r, netRevenueMinor: 0n }))
    .map((i) => ({ ...i, netRevenueMinor: sumAmounts(i) }));

  it('given any input, then FOOT counts hold, ids are unique, amounts add up and titles round-trip', () => {
    fc.assert(
      fc.property(input, (i) => {
        const out = writeDsr(i);
        const dsr = parseDsr(out.content);
        assert.deepEqual(checkDsr(dsr, i.minorUnit), []);
        assert.equal(dsr.blocks.length, i.releases.length);
        const su = usageRecords(dsr);
        const sum = su.reduce(
          (a, r) => a + parseMinor(cell(r, 'AllocatedRevenue'), i.minorUnit)!,
          0n,
        );
        assert.equal(sum, sumAmounts(i));
        assert.equal(new Set(su.map((r) => cell(r, 'SalesTransactionId'))).size, su.length);
        const titles = dsr.blocks.flatMap((b) => b.records.filter((r) => isType(r, RT.resource)));
        const want = i.releases.flatMap((r) =>
          r.resources.map((x) => x.title.replace(/[\t\r\n]/g, ' ')),
        );
        assert.deepEqual(
          titles.map((r) => cell(r as typeof r & { type: typeof RT.resource }, 'Title')),
          want,
        );
        assert.deepEqual(writeDsr(i), out);
      }),
      { seed: 20261202, numRuns: 150 },
    );
  });
});
