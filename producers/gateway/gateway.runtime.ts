import type { Registry } from 'prom-client';
import type { GatewayConfig, KafkaConfig } from '../../common/config/app.config.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';
import { listen } from '../../common/http/http-server.js';
import type { ReadinessCheck } from '../../common/http/ops.router.js';
import { createRdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import type { Logger } from '../../common/logging/logger.js';
import type { EventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import type { AvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createGatewayApp } from './gateway.app.js';
import { createKafkaHealth } from './kafka-health.js';

export interface GatewayRuntimeConfig {
  gateway: GatewayConfig;
  kafka: KafkaConfig;
  host: string;
  /** API_TOKEN_SECRET: accept listener tokens beside the app keys (client-side ingestion). */
  listenerTokenSecret?: string;
}

/** How much longer than librdkafka's own message timeout the gateway's safety-net timer waits. */
export const SAFETY_NET_MS = 2000;

/**
 * Starts the gateway: a node-rdkafka producer (acks=all, idempotent) whose own delivery timeout
 * (message.timeout.ms = GATEWAY_PRODUCE_TIMEOUT_MS) bounds every batch, a watch on Kafka's
 * reachability (readiness, and 503 before anything is produced while Kafka is down), and the
 * HTTP app. Used by the gateway's own process and by the main job.
 */
export async function startGatewayServer(
  config: GatewayRuntimeConfig,
  deps: {
    logger: Logger;
    registry: Registry;
    codec: AvroCodec;
    catalogue: EventCatalogue;
    readiness?: ReadinessCheck[];
  },
) {
  const producer = await createRdkafkaProducer({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-gateway`,
    compression: config.kafka.compression,
    extra: {
      // A topic property: createRdkafkaProducer puts it where node-rdkafka honours it.
      'message.timeout.ms': config.gateway.produceTimeoutMs,
      'linger.ms': 2,
      'batch.num.messages': 10_000,
      'queue.buffering.max.messages': Math.max(100_000, config.gateway.maxInFlight * 2),
      // After a broker restart, reconnect within a second rather than librdkafka's 10 s backoff.
      'reconnect.backoff.ms': 100,
      'reconnect.backoff.max.ms': 1000,
    },
  });
  const health = createKafkaHealth({ probe: producer.probe, now: Date.now });
  let wasUp = true;
  const unsubscribe = producer.onError((err) => {
    // ERR__ALL_BROKERS_DOWN (-187): librdkafka has no broker connection left.
    if (err.code === -187) health.allBrokersDown(`all brokers are down: ${err.message}`);
  });
  health.start();
  const watch = setInterval(() => {
    const s = health.state();
    if (s.up !== wasUp) {
      wasUp = s.up;
      if (s.up) deps.logger.info('kafka reachable again; the gateway takes batches');
      else deps.logger.warn({ reason: s.reason }, 'kafka unreachable; the gateway refuses batches');
    }
  }, 500);
  watch.unref();

  // Every message counts until its delivery report, also after its batch was answered.
  let inFlight = 0;
  const safetyNet = config.gateway.produceTimeoutMs + SAFETY_NET_MS;
  const send = (r: { topic: string; key: string; value: Buffer }) => {
    inFlight++;
    health.sent();
    const delivery = producer.send(r);
    delivery.then(
      () => health.reported(true),
      () => health.reported(false),
    );
    void delivery.finally(() => void inFlight--).catch(() => undefined);
    return new Promise<number>((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new BackbeatError(
              'KAFKA_TIMEOUT',
              `no delivery report within ${safetyNet} ms (librdkafka's timeout is ${config.gateway.produceTimeoutMs} ms)`,
              { retriable: true },
            ),
          ),
        safetyNet,
      );
      delivery.then(
        (o) => (clearTimeout(t), resolve(o)),
        (e) => (clearTimeout(t), reject(e)),
      );
    });
  };
  const kafkaCheck: ReadinessCheck = {
    name: 'kafka',
    check: async () => {
      const s = health.state();
      if (!s.up)
        throw new BackbeatError('KAFKA_UNREACHABLE', s.reason ?? 'kafka unreachable', {
          retriable: true,
        });
    },
  };
  const app = createGatewayApp(config.gateway, {
    catalogue: deps.catalogue,
    codec: deps.codec,
    send,
    now: Date.now,
    logger: deps.logger,
    registry: deps.registry,
    readiness: [kafkaCheck, ...(deps.readiness ?? [])],
    kafka: { inFlight: () => inFlight, health: health.state },
    ...(config.listenerTokenSecret
      ? { listenerTokens: { secret: config.listenerTokenSecret } }
      : {}),
  });
  const server = await listen(app, config.gateway.port, config.host);
  deps.logger.info({ port: server.port }, 'gateway listening');
  return {
    port: server.port,
    url: `http://${config.host}:${server.port}`,
    /** Events handed to Kafka without a delivery report yet. */
    inFlight: () => inFlight,
    kafkaHealth: health.state,
    async close() {
      await server.close();
      health.stop();
      clearInterval(watch);
      unsubscribe();
      await producer.close();
    },
  };
}
