import type { AppConfig } from '../../common/config/app.config.js';
import { createRdkafkaProducer } from '../../common/kafka/rdkafka-producer.js';
import { loadEventCatalogue } from '../../schemas/catalogue/event-catalogue.js';
import { createAvroCodec } from '../../schemas/codec/confluent-avro.codec.js';
import { createRegistryClient } from '../../schemas/registry/registry.client.js';
import { createTopic, uniqueTopic } from './kafka.helper.js';

/**
 * A playback topic of the test's own (one partition), a catalogue that routes playbacks to it,
 * the stack's codec, and a producer: what a processor test needs to feed one projection as a
 * third-party producer would. Close the producer when done.
 */
export async function openPlaybackTopic(config: AppConfig, name: string) {
  const topic = uniqueTopic(name);
  await createTopic(config, topic, 1);
  const base = loadEventCatalogue();
  const catalogue = { ...base, playback: { ...base.playback, topic } };
  const codec = createAvroCodec(base, { registry: createRegistryClient(config.registry) });
  await codec.init();
  const producer = await createRdkafkaProducer({
    brokers: config.kafka.brokers,
    clientId: `${name}-test`,
  });
  return { topic, catalogue, codec, producer };
}
