package dev.backbeat.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;

/**
 * The Kafka Streams peer of benchmark figure 3: a per-track count of qualified streams (an ENDED
 * playback with ms_played >= 30000), the usual Kafka Streams way: decode the Confluent-framed
 * Avro value (magic byte, 4-byte schema id, Avro binary) with the playback schema, filter, re-key
 * by track id (a repartition topic), and count into a RocksDB-backed KTable.
 *
 * <p>Usage: QualifiedStreamCount BOOTSTRAP TOPIC SCHEMA_FILE APPLICATION_ID STATE_DIR EXPECTED
 *
 * <p>Prints one JSON line when it has read EXPECTED input records ({"read":..., "qualified":...,
 * "first_record_ms":..., "last_record_ms":...}); the harness decides "done" from the group's
 * committed offsets, as it does for Backbeat's processors from their sinks' offsets.
 */
public final class QualifiedStreamCount {
  private QualifiedStreamCount() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println(
          "usage: QualifiedStreamCount BOOTSTRAP TOPIC SCHEMA_FILE APPLICATION_ID STATE_DIR EXPECTED");
      System.exit(2);
    }
    String bootstrap = args[0];
    String topic = args[1];
    Schema schema = new Schema.Parser().parse(Files.readString(Path.of(args[2])));
    String applicationId = args[3];
    String stateDir = args[4];
    long expected = Long.parseLong(args[5]);

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

    ThreadLocal<GenericDatumReader<GenericRecord>> readers =
        ThreadLocal.withInitial(() -> new GenericDatumReader<>(schema));
    ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();
    AtomicLong read = new AtomicLong();
    AtomicLong qualified = new AtomicLong();
    AtomicLong first = new AtomicLong();
    AtomicLong last = new AtomicLong();
    CountDownLatch reachedExpected = new CountDownLatch(1);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topic, Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .flatMap(
            (key, value) -> {
              long n = read.incrementAndGet();
              if (n == 1) first.set(System.currentTimeMillis());
              if (n == expected) {
                last.set(System.currentTimeMillis());
                reachedExpected.countDown();
              }
              if (value == null || value.length < 5 || value[0] != 0) return java.util.List.of();
              try {
                BinaryDecoder d =
                    DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, decoders.get());
                decoders.set(d);
                GenericRecord r = readers.get().read(null, d);
                if (!"ENDED".equals(String.valueOf(r.get("phase")))) return java.util.List.of();
                Object ms = r.get("ms_played");
                if (!(ms instanceof Long) || (Long) ms < 30_000L) return java.util.List.of();
                qualified.incrementAndGet();
                return java.util.List.of(KeyValue.pair(String.valueOf(r.get("track_id")), value));
              } catch (Exception e) {
                return java.util.List.of();
              }
            })
        .groupByKey(Grouped.with(Serdes.String(), Serdes.ByteArray()))
        .count(Materialized.as("qualified-streams-per-track"));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  streams.close(Duration.ofSeconds(20));
                  stopped.countDown();
                }));
    streams.setUncaughtExceptionHandler(
        e -> {
          System.err.println("stream thread failed: " + e);
          return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
              .StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
        });
    streams.start();
    reachedExpected.await();
    System.out.println(
        "{\"read\":"
            + read.get()
            + ",\"qualified\":"
            + qualified.get()
            + ",\"first_record_ms\":"
            + first.get()
            + ",\"last_record_ms\":"
            + last.get()
            + "}");
    System.out.flush();
    stopped.await();
  }
}
