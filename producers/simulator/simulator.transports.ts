import type { AppConfig } from '../../common/config/app.config.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { ensureEventTopics } from '../../schemas/catalogue/event-topics.js';
import { createHttpTransport } from '../sdk/http.transport.js';
import { createKafkaTransport } from '../sdk/kafka.transport.js';
import type { Transport } from '../sdk/sdk.types.js';
import type { SimulatorOptions } from './simulator.args.js';

/**
 * The SDK transport the flags ask for, ready to send. Kafka: the event topics are created when
 * missing, the schemas are registered with the registry (config.registry.url) up front so a
 * registry or broker problem fails fast, before anything is generated into the SDK.
 */
export async function openTransport(opts: SimulatorOptions, config: AppConfig): Promise<Transport> {
  if (opts.transport === 'http') {
    return createHttpTransport({ url: opts.gatewayUrl as string, apiKey: opts.apiKey as string });
  }
  const catalogue = loadEventCatalogue();
  const registry = createRegistryClient(config.registry);
  const codec = createAvroCodec(catalogue, { registry });
  await ensureEventTopics(config.kafka, catalogue);
  await codec.init();
  return createKafkaTransport(
    { brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-simulator` },
    { codec, catalogue },
  );
}
