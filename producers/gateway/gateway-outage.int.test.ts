import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { uuidv7 } from '../../common/ids/uuidv7.js';
import { createLogger } from '../../common/logging/logger.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { validEvents } from '../../schemas/catalogue/event-examples.js';
import { countIds, markTopics, postBatch } from '../../test/helpers/gateway.helper.js';
import { startPrivateStack, type PrivateStack } from '../../test/helpers/platform.helper.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { SAFETY_NET_MS, startGatewayServer } from './gateway.runtime.js';

/**
 * Issue 9, item 11: the gateway while its broker is killed and restarted, and while it is
 * SIGSTOPped, on a private stack (ports 252xx: the suite's stack is shared). Readiness must
 * follow Kafka, POSTs must be answered within the produce timeout, a 503 must mean "not
 * written", and accepted answers must come back within a few seconds of the broker.
 */
const BASE = 25200;
const KEY = 'outage-key-123456';
const PRODUCE_TIMEOUT_MS = 3000;
const catalogue = loadEventCatalogue();
let stack: PrivateStack;
let gateway: Awaited<ReturnType<typeof startGatewayServer>>;
let codec: ReturnType<typeof createAvroCodec>;

interface Answer {
  at: number;
  status: number;
  ms: number;
  ids: string[];
  code?: string;
  detail?: string;
}

function batch(n = 20) {
  const base = validEvents(Date.now()).skip as unknown as Record<string, unknown>;
  const user = `out-${randomUUID().slice(0, 8)}`;
  const events = Array.from({ length: n }, () => {
    const { received_time: _r, ...e } = {
      ...base,
      event_id: uuidv7(),
      playback_id: uuidv7(),
      user_id: user,
    } as Record<string, unknown>;
    return { type: 'skip', event: e };
  });
  return { body: JSON.stringify({ events }), ids: events.map((e) => e.event.event_id as string) };
}

/** Four clients sending batches back to back until stopped. */
function load() {
  const answers: Answer[] = [];
  let stop = false;
  const clients = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const b = batch();
      const at = Date.now();
      try {
        const r = await postBatch(gateway.url, KEY, b.body);
        answers.push({
          at,
          status: r.status,
          ms: r.ms,
          ids: b.ids,
          code: (r.json as { code?: string })?.code,
          detail: (r.json as { detail?: string })?.detail,
        });
        if (r.status !== 200) await sleep(100);
      } catch {
        answers.push({ at, status: 0, ms: Date.now() - at, ids: b.ids });
      }
      await sleep(20);
    }
  });
  return {
    answers,
    async stop() {
      stop = true;
      await Promise.all(clients);
    },
  };
}

const ready = async () => (await fetch(`${gateway.url}/readyz`)).status;
async function waitFor(cond: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return Date.now();
    await sleep(100);
  }
  throw new Error(`${what} within ${ms} ms`);
}
const kafkaPid = () => {
  const k = stack.stack.status().services.find((s) => s.name === 'kafka');
  assert.ok(k?.pid, 'the private Kafka runs');
  return k.pid;
};

before(async () => {
  stack = await startPrivateStack(BASE);
  codec = createAvroCodec(catalogue, {
    registry: createRegistryClient(stack.config.registry),
  });
  await codec.init();
  await ensureEventTopics(stack.config.kafka, catalogue);
  gateway = await startGatewayServer(
    {
      gateway: {
        ...stack.config.gateway,
        port: 0,
        apiKeys: new Map([[KEY, 'outage']]),
        produceTimeoutMs: PRODUCE_TIMEOUT_MS,
      },
      kafka: stack.config.kafka,
      host: '127.0.0.1',
    },
    {
      logger: createLogger({ level: 'silent' }, 'test-outage'),
      registry: new Registry(),
      codec,
      catalogue,
    },
  );
});
after(async () => {
  try {
    process.kill(kafkaPid(), 'SIGCONT');
  } catch {
    /* not stopped, or gone */
  }
  await gateway?.close().catch(() => undefined);
  await stack?.down();
});

describe('gateway under a broker outage (private Kafka, killed then SIGSTOPped)', () => {
  it('readiness follows Kafka, POSTs get 503 within the bound and nothing answered 503 is written, and accepted answers return within seconds of the broker', async (t) => {
    const mark = await markTopics(stack.config.kafka, catalogue, codec);
    const l = load();
    const bound = PRODUCE_TIMEOUT_MS + SAFETY_NET_MS + 1000;
    await sleep(1500);
    assert.equal(await ready(), 200);

    // 1. SIGKILL, then a restart on the same data folder.
    const killedAt = Date.now();
    process.kill(kafkaPid(), 'SIGKILL');
    const notReadyAt = await waitFor(async () => (await ready()) === 503, 10_000, '/readyz 503');
    await sleep(3000);
    const during = l.answers.filter((a) => a.at > notReadyAt);
    assert.ok(
      during.length > 0 && during.every((a) => a.status === 503),
      JSON.stringify(during.slice(0, 3)),
    );
    await stack.stack.up(); // resolves once Kafka's port is open again
    const brokerBackAt = Date.now();
    const firstOk = await waitFor(
      async () => l.answers.some((a) => a.status === 200 && a.at > brokerBackAt),
      15_000,
      'an accepted batch after the restart',
    );
    await waitFor(async () => (await ready()) === 200, 5000, '/readyz 200 again');
    const killGap = firstOk - brokerBackAt;

    // 2. SIGSTOP: the broker keeps its sockets open and answers nothing.
    await sleep(1000);
    const stoppedAt = Date.now();
    process.kill(kafkaPid(), 'SIGSTOP');
    const stopNotReadyAt = await waitFor(
      async () => (await ready()) === 503,
      10_000,
      '/readyz 503 (SIGSTOP)',
    );
    await sleep(3000);
    process.kill(kafkaPid(), 'SIGCONT');
    const contAt = Date.now();
    const firstOkAfterCont = await waitFor(
      async () => l.answers.some((a) => a.status === 200 && a.at > contAt),
      15_000,
      'an accepted batch after SIGCONT',
    );
    const stopGap = firstOkAfterCont - contAt;
    await sleep(1000);
    await l.stop();

    const answers = l.answers;
    const statuses: Record<string, number> = {};
    for (const a of answers)
      statuses[`${a.status}${a.code ? ` ${a.code}` : ''}`] =
        (statuses[`${a.status}${a.code ? ` ${a.code}` : ''}`] ?? 0) + 1;
    // Every answer is a designed one, and none took longer than the bound.
    for (const a of answers) {
      assert.ok([200, 503, 504].includes(a.status), JSON.stringify(statuses));
      assert.ok(a.ms <= bound, `an answer took ${Math.round(a.ms)} ms (bound ${bound} ms)`);
    }
    const landed = countIds(await mark.read());
    const accepted = answers.filter((a) => a.status === 200).flatMap((a) => a.ids);
    const lost = accepted.filter((id) => landed.get(id) !== 1);
    assert.equal(lost.length, 0, `${lost.length} accepted events are not in Kafka exactly once`);
    const refused = answers.filter((a) => a.status === 503).flatMap((a) => a.ids);
    const written503 = refused.filter((id) => landed.has(id));
    assert.equal(
      written503.length,
      0,
      `${written503.length} events answered 503 are in Kafka: ${JSON.stringify(answers.find((a) => a.status === 503 && a.ids.some((id) => landed.has(id))))}`,
    );
    const unconfirmed = answers.filter((a) => a.status === 504).flatMap((a) => a.ids);
    const written504 = unconfirmed.filter((id) => landed.has(id)).length;
    t.diagnostic(
      `answers: ${JSON.stringify(statuses)}; /readyz 503 ${notReadyAt - killedAt} ms after SIGKILL, ${stopNotReadyAt - stoppedAt} ms after SIGSTOP; first accepted batch ${killGap} ms after the restarted broker listened, ${stopGap} ms after SIGCONT; events answered 504 (in doubt) ${unconfirmed.length}, of them in Kafka ${written504}`,
    );
    assert.ok(killGap <= 5000, `accepted again ${killGap} ms after the broker was back`);
    assert.ok(stopGap <= 5000, `accepted again ${stopGap} ms after SIGCONT`);
  });
});
