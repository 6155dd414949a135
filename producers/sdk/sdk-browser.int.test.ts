/**
 * The SDK in a real browser (headless Chromium driven by puppeteer-core) against the real
 * gateway on a real Kafka: a page on an allowed origin sends an event across origins (CORS
 * preflight, Authorization header) and the event is in Kafka; a page on another origin is
 * refused by the browser; a keepalive flush outlives the page.
 *
 * The page loads the SDK as one ESM bundle that esbuild builds from the sources here.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { Registry } from 'prom-client';
import puppeteer, { type Browser } from 'puppeteer-core';
import type { AppConfig } from '../../common/config/app.config.js';
import { createLogger } from '../../common/logging/logger.js';
import {
  type EventCatalogue,
  loadEventCatalogue,
} from '../../schemas/catalogue/event-catalogue.js';
import { type AvroCodec, createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { useStack } from '../../test/helpers/stack.helper.js';
import { startGatewayServer } from '../gateway/gateway.runtime.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import type * as Sdk from './index.js';
import { eventTopicEnds, readEventTopicsSince } from '../../test/helpers/sdk-kafka.helper.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const run = randomUUID().slice(0, 8);
const API_KEY = `sdk-browser-key-${run}`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let config: AppConfig;
let catalogue: EventCatalogue;
let codec: AvroCodec;
let gateway: Awaited<ReturnType<typeof startGatewayServer>>;
let browser: Browser;
let allowed: { server: Server; origin: string };
let other: { server: Server; origin: string };

/** A static page server on its own loopback port (its own origin). */
async function pageServer(bundle: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return void res.end(bundle);
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      '<!doctype html><title>player</title><script type="module">' +
        "import * as sdk from '/sdk.js'; window.sdk = sdk; window.sdkReady = true;</script>",
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

before(async () => {
  config = await useStack();
  catalogue = loadEventCatalogue();
  codec = createAvroCodec(catalogue, {
    registry: createRegistryClient(config.registry),
  });
  await codec.init();
  await ensureEventTopics(config.kafka, catalogue);
  const bundled = await build({
    entryPoints: [path.join(here, 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  const bundle = bundled.outputFiles[0]!.text;
  allowed = await pageServer(bundle);
  other = await pageServer(bundle);
  gateway = await startGatewayServer(
    {
      gateway: {
        ...config.gateway,
        port: 0,
        apiKeys: new Map([[API_KEY, 'sdk-browser']]),
        corsOrigins: [allowed.origin],
      },
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
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  await browser?.close();
  await gateway?.close();
  for (const s of [allowed, other]) await new Promise((r) => s?.server.close(r));
});

interface PageRun {
  ids: string[];
  stats: { accepted: number; dropped: number; rejected: number; outage: boolean };
  refused: string[];
  rawFetch: string;
}

/** Opens the page of `origin`, sends `n` playbacks with the SDK, and reports what happened. */
async function sendFrom(origin: string, n: number, waitMs: number): Promise<PageRun> {
  const page = await browser.newPage();
  try {
    // tsx compiles this file with esbuild's keepNames: functions passed to the page call __name.
    await page.evaluateOnNewDocument('globalThis.__name = (f) => f');
    await page.goto(`${origin}/`);
    await page.waitForFunction('window.sdkReady === true');
    return (await page.evaluate(
      async (gatewayUrl: string, apiKey: string, user: string, count: number, wait: number) => {
        const { createBackbeatClient, createHttpTransport } = (
          globalThis as unknown as { sdk: typeof Sdk }
        ).sdk;
        const refused: string[] = [];
        const client = createBackbeatClient(
          {
            context: {
              user_id: user,
              device_id: 'browser-1',
              market: 'SE',
              product: 'FREE',
              platform: 'web',
              client_version: '1.0.0',
            },
            lingerMs: 5,
            retry: { initialMs: 50, maxMs: 200 },
            onRejected: (_e: unknown, r: { status: string; reason?: string }) =>
              refused.push(`${r.status}: ${r.reason ?? ''}`),
          },
          { transport: createHttpTransport({ url: `${gatewayUrl}/v1/events`, apiKey }) },
        );
        const ids: string[] = [];
        for (let i = 0; i < count; i++)
          ids.push(
            client.playback({
              phase: 'STARTED',
              playback_id: crypto.randomUUID(),
              session_id: 's-browser',
              track_id: `t-browser-${i}`,
              position_ms: 0,
              ms_played: 0,
            }),
          );
        await Promise.race([client.flush(), new Promise((r) => setTimeout(r, wait))]);
        let rawFetch = 'ok';
        try {
          await fetch(`${gatewayUrl}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
            body: '{"events":[]}',
          });
        } catch (err) {
          rawFetch = String(err);
        }
        return { ids, stats: client.stats(), refused, rawFetch };
      },
      gateway.url,
      API_KEY,
      `browser-user-${run}`,
      n,
      waitMs,
    )) as PageRun;
  } finally {
    await page.close();
  }
}

describe('the SDK in a browser page on another origin', () => {
  it('the preflight: 204 with the CORS headers for an allowed origin, none for another; Vary: Origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${gateway.url}/v1/events`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const ok = await preflight(allowed.origin);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), allowed.origin);
    assert.equal(ok.headers.get('access-control-allow-methods'), 'POST');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/);
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /content-type/);
    assert.equal(ok.headers.get('access-control-max-age'), '600');
    assert.match(ok.headers.get('vary') ?? '', /Origin/);
    assert.equal(ok.headers.get('access-control-allow-credentials'), null);
    const no = await preflight(other.origin);
    assert.equal(no.status, 204);
    assert.equal(no.headers.get('access-control-allow-origin'), null);
    assert.equal(no.headers.get('access-control-allow-methods'), null);
    assert.match(no.headers.get('vary') ?? '', /Origin/);
    // A POST answer (here a 401) to an allowed origin carries the header, so the page can read it.
    const denied = await fetch(`${gateway.url}/v1/events`, {
      method: 'POST',
      headers: { origin: allowed.origin, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), allowed.origin);
  });

  it('from an allowed origin: the events are accepted and are in Kafka', async () => {
    const since = await eventTopicEnds(config.kafka.brokers, catalogue);
    const r = await sendFrom(allowed.origin, 3, 15_000);
    assert.deepEqual(r.refused, []);
    assert.equal(r.stats.accepted, 3);
    assert.equal(r.rawFetch, 'ok');
    const { consumed } = await readEventTopicsSince(config.kafka.brokers, catalogue, codec, since);
    const inKafka = consumed
      .filter((c) => c.topic === 'backbeat.playback')
      .map((c) => c.value.event_id);
    for (const id of r.ids) assert.ok(inKafka.includes(id), `${id} is in Kafka`);
  });

  it('from an origin not on the list: the browser refuses the request, nothing is accepted', async () => {
    const r = await sendFrom(other.origin, 1, 1500);
    assert.equal(r.stats.accepted, 0);
    assert.match(r.rawFetch, /TypeError: Failed to fetch/);
    assert.equal(r.stats.outage, true, 'to the SDK a CORS refusal looks like the network');
  });

  it('flush({ keepalive: true }) right before the page goes away: the event still arrives', async () => {
    const since = await eventTopicEnds(config.kafka.brokers, catalogue);
    const page = await browser.newPage();
    await page.goto(`${allowed.origin}/`);
    await page.waitForFunction('window.sdkReady === true');
    const id = (await page.evaluate(
      (gatewayUrl: string, apiKey: string, user: string) => {
        const { createBackbeatClient, createHttpTransport } = (
          globalThis as unknown as { sdk: typeof Sdk }
        ).sdk;
        const client = createBackbeatClient(
          {
            context: {
              user_id: user,
              device_id: 'browser-2',
              market: 'SE',
              product: 'FREE',
              platform: 'web',
              client_version: '1.0.0',
            },
            lingerMs: 60_000,
          },
          { transport: createHttpTransport({ url: gatewayUrl, apiKey }) },
        );
        const eventId = client.playback({
          phase: 'STARTED',
          playback_id: crypto.randomUUID(),
          session_id: 's-unload',
          track_id: 't-unload',
          position_ms: 0,
          ms_played: 0,
        });
        void client.flush({ keepalive: true });
        return eventId;
      },
      gateway.url,
      API_KEY,
      `browser-user-${run}`,
    )) as string;
    await page.goto('about:blank'); // the page that sent it is gone
    await page.close();
    let found = false;
    for (let i = 0; i < 50 && !found; i++) {
      const { consumed } = await readEventTopicsSince(
        config.kafka.brokers,
        catalogue,
        codec,
        since,
      );
      found = consumed.some((c) => c.value.event_id === id);
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(found, `${id} reached Kafka after the page went away`);
  });
});
