/**
 * The SDK as a client app gets it: built (tsc -p producers/sdk/tsconfig.build.json), packed
 * with `npm pack`, installed from the tarball into an empty folder with `npm install --offline`
 * (the package has no runtime dependency), and used from a plain `node` script that sends an
 * event to the real gateway, which is then read back from Kafka.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../common/config/app.config.js';
import { createLogger } from '../../common/logging/logger.js';
import {
  type EventCatalogue,
  loadEventCatalogue,
} from '../../schemas/catalogue/event-catalogue.js';
import { type AvroCodec, createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { tempDir } from '../../test/helpers/temp-dir.helper.js';
import { startGatewayServer } from '../gateway/gateway.runtime.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { eventTopicEnds, readEventTopicsSince } from '../../test/helpers/sdk-kafka.helper.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const API_KEY = `sdk-package-key-${randomUUID().slice(0, 8)}`;

let config: AppConfig;
let catalogue: EventCatalogue;
let codec: AvroCodec;
let gateway: Awaited<ReturnType<typeof startGatewayServer>>;
let staging: string;
let tarball: string;

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith('.js') ? [p] : [];
  });
}

before(async () => {
  config = await useStack();
  catalogue = loadEventCatalogue();
  codec = createAvroCodec(catalogue, {
    registry: createRegistryClient(config.registry),
  });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
  gateway = await startGatewayServer(
    {
      gateway: { ...config.gateway, port: 0, apiKeys: new Map([[API_KEY, 'sdk-package']]) },
      kafka: config.kafka,
      host: config.stack.host,
    },
    {
      logger: createLogger({ level: 'silent' }, 'gateway-test'),
      registry: new Registry(),
      codec,
      catalogue,
    },
  );
  // Build into a staging copy of the package folder, so the checkout gets no dist/.
  staging = tempDir('sdk-pkg-');
  for (const f of ['package.json', 'README.md'])
    copyFileSync(path.join(here, f), path.join(staging, f));
  await run(
    path.join(root, 'node_modules/.bin/tsc'),
    ['-p', path.join(here, 'tsconfig.build.json'), '--outDir', path.join(staging, 'dist')],
    { cwd: root },
  );
  const packs = tempDir('sdk-tgz-');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packs], {
    cwd: staging,
  });
  tarball = path.join(packs, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
});

after(async () => {
  await gateway?.close();
});

describe('@backbeat/sdk as a package', () => {
  it('the built files import nothing outside the package, and the browser entry imports no package at all', () => {
    const dist = path.join(staging, 'dist');
    for (const file of jsFiles(dist)) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), spec);
        assert.ok(
          target.startsWith(dist + path.sep),
          `${path.relative(dist, file)} imports ${spec}`,
        );
      }
    }
    const pkg = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: object;
    };
    assert.equal(pkg.name, '@backbeat/sdk');
    assert.equal(
      pkg.dependencies,
      undefined,
      'no runtime dependency (kafkajs is an optional peer)',
    );
  });

  it('installed from the tarball into an empty folder, a plain node script sends an event that reaches Kafka', async () => {
    const app = tempDir('sdk-app-');
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'client-app', version: '1.0.0', private: true, type: 'module' }),
    );
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app });
    writeFileSync(
      path.join(app, 'send.mjs'),
      `import { createBackbeatClient, createHttpTransport } from '@backbeat/sdk';
const client = createBackbeatClient(
  {
    context: { user_id: 'pkg-user', device_id: 'd', market: 'SE', product: 'FREE', platform: 'node', client_version: '1.0.0' },
    onRejected: (e, r) => console.error(JSON.stringify(r)),
  },
  { transport: createHttpTransport({ url: process.env.GATEWAY_URL + '/v1/events', apiKey: process.env.API_KEY }) },
);
const id = client.playback({ phase: 'STARTED', playback_id: crypto.randomUUID(), session_id: 's', track_id: 't-pkg', position_ms: 0, ms_played: 0 });
await client.close();
console.log(JSON.stringify({ id, stats: client.stats() }));
`,
    );
    const since = await eventTopicEnds(config.kafka.brokers, catalogue);
    const { stdout, stderr } = await run('node', ['send.mjs'], {
      cwd: app,
      env: { PATH: process.env.PATH, GATEWAY_URL: gateway.url, API_KEY },
    });
    assert.equal(stderr, '');
    const out = JSON.parse(stdout) as { id: string; stats: { accepted: number } };
    assert.equal(out.stats.accepted, 1);
    const { consumed } = await readEventTopicsSince(config.kafka.brokers, catalogue, codec, since);
    assert.ok(
      consumed.some((c) => c.value.event_id === out.id),
      `${out.id} is in Kafka`,
    );
  });
});
