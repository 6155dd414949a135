import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, StackConfig } from '../../common/config/app.config.js';
import type { ServiceSpec } from '../../common/process/process-supervisor.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

/**
 * Apache Kafka 4 in KRaft combined mode (one broker + controller), run from the jars that
 * `fetch-jars.sh` resolves with Maven, with the machine's Java 17+.
 */
export function kafkaService(config: { kafka: KafkaConfig; stack: StackConfig }): ServiceSpec {
  const { kafka, stack } = config;
  const dir = path.join(stack.dataDir, 'kafka');
  const logDirs = path.join(dir, 'logs');
  const props = path.join(dir, 'server.properties');
  const libs = path.join(stack.cacheDir, 'kafka', 'libs');
  const classpath = `${libs}/*`;
  const host = stack.host;
  const env = { BACKBEAT_CACHE_DIR: stack.cacheDir };

  const properties = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${kafka.controllerPort}`,
    `listeners=PLAINTEXT://${host}:${kafka.port},CONTROLLER://${host}:${kafka.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${kafka.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDirs}`,
    `num.partitions=${kafka.defaultPartitions}`,
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=5',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=-1',
    'log.segment.bytes=268435456',
  ].join('\n');

  return {
    name: 'kafka',
    host,
    ports: [kafka.port, kafka.controllerPort],
    command: 'java',
    args: [
      `-Xms${kafka.heapMb}m`,
      `-Xmx${kafka.heapMb}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(stack.root, 'infra/kafka/log4j2.properties')}`,
      `-Dbackbeat.data=${dir}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      props,
    ],
    marker: `-Dbackbeat.data=${dir}`,
    readyTimeoutMs: kafka.startTimeoutMs,
    prepare: async () => {
      execFileSync('bash', [path.join(stack.root, 'infra/kafka/fetch-jars.sh')], {
        stdio: 'inherit',
        env: { ...process.env, ...env },
      });
      mkdirSync(logDirs, { recursive: true });
      writeFileSync(props, `${properties}\n`);
      if (!existsSync(path.join(logDirs, 'meta.properties'))) {
        // KRaft storage must be formatted once with a cluster id (base64url of 16 random bytes).
        const clusterId = randomBytes(16).toString('base64url');
        execFileSync(
          'java',
          [
            '-Xmx256m',
            `-Dlog4j2.configurationFile=${path.join(stack.root, 'infra/kafka/log4j2-tools.properties')}`,
            '-cp',
            classpath,
            'kafka.tools.StorageTool',
            'format',
            ...storageFormatArgs(clusterId, props),
          ],
          { stdio: ['ignore', 'ignore', 'inherit'] },
        );
      }
    },
    ready: () => kafkaReady(`${host}:${kafka.port}`),
  };
}

/**
 * The cluster id and config arguments of `kafka-storage format`, each as `--name=value`: a
 * base64url id starts with '-' one time in 64, and as a separate argument the tool's parser
 * took it for an option and refused to start ("argument --cluster-id/-t: expected one argument").
 */
export function storageFormatArgs(clusterId: string, propsFile: string): string[] {
  return [`--cluster-id=${clusterId}`, `--config=${propsFile}`];
}

/** Resolves when the broker answers a metadata request with a live controller. */
export async function kafkaReady(broker: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'backbeat-readiness',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null)
      throw new BackbeatError('KAFKA_NOT_READY', 'no controller yet', { retriable: true });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
