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

export interface GatewayRuntimeConfig {
  gateway: GatewayConfig;
  kafka: KafkaConfig;
  host: string;
}

/**
 * Starts the gateway: a node-rdkafka producer (acks=all, idempotent, bounded delivery time)
 * and the HTTP app. Used by the gateway's own process and by the main job.
 */
export async function startGateway(
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
      'message.timeout.ms': config.gateway.produceTimeoutMs,
      'linger.ms': 2,
      'batch.num.messages': 10_000,
      'queue.buffering.max.messages': Math.max(100_000, config.gateway.maxInFlight * 2),
    },
  });
  const timeout = config.gateway.produceTimeoutMs + 1000;
  const send = (r: { topic: string; key: string; value: Buffer }) =>
    new Promise<number>((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new BackbeatError('KAFKA_TIMEOUT', `Kafka did not confirm within ${timeout} ms`, {
              retriable: true,
            }),
          ),
        timeout,
      );
      producer.send(r).then(
        (o) => (clearTimeout(t), resolve(o)),
        (e) => (clearTimeout(t), reject(e)),
      );
    });
  const app = createGatewayApp(config.gateway, {
    catalogue: deps.catalogue,
    codec: deps.codec,
    send,
    now: Date.now,
    logger: deps.logger,
    registry: deps.registry,
    readiness: deps.readiness ?? [],
  });
  const server = await listen(app, config.gateway.port, config.host);
  deps.logger.info({ port: server.port }, 'gateway listening');
  return {
    port: server.port,
    url: `http://${config.host}:${server.port}`,
    async close() {
      await server.close();
      await producer.close();
    },
  };
}
