package dev.streamkit.peers.bench;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The Kafka Streams side of benches/src/bin/streams_compare: one pipeline, run with
 * KafkaStreams until the harness kills the process (the harness decides when the input
 * is done, from the group's committed offsets, the same way for both sides).
 *
 * <p>Arguments: pipeline (map, join, count, wcount, sjoin, trucking), bootstrap servers,
 * application id, input topics (comma-separated; the stream first, then the table, or for
 * sjoin the second stream), output topics (comma-separated, or "-"), processing guarantee,
 * state dir, commit interval in ms.
 *
 * <p>The pipelines: map (filter + mapValues to a topic), join (stream-table left join),
 * count (count per key, no output topic), wcount (the same count in 60 s tumbling windows
 * with 10 s grace, no output topic), sjoin (stream-stream inner join of the events with
 * their payments, 10 s window with 1 s grace, the event's id and the payment concatenated
 * to a topic), trucking (the trucking example). Every store is RocksDB (the default) with
 * a changelog, as on the kstream side (benches/src/bin/streams_compare/pipelines.rs).
 */
public final class StreamsBench {
  /** The 200-byte JSON record of kstream_bench. */
  public record Event(long id, String user, String kind, double amount, String note) {}

  /** A truck's position report, parsed from its CSV line. */
  public record TruckPosition(
      long ts,
      long truckId,
      long driverId,
      long routeId,
      String eventType,
      double latitude,
      double longitude,
      long correlationId) {

    static List<TruckPosition> parse(String csv) {
      String[] f = csv.split(",", -1);
      if (f.length != 8) {
        return List.of();
      }
      try {
        return List.of(
            new TruckPosition(
                Long.parseLong(f[0]),
                Long.parseLong(f[1]),
                Long.parseLong(f[2]),
                Long.parseLong(f[3]),
                f[4],
                Double.parseDouble(f[5]),
                Double.parseDouble(f[6]),
                Long.parseLong(f[7])));
      } catch (NumberFormatException e) {
        return List.of();
      }
    }
  }

  /** A row of the driver table. */
  public record Driver(long id, String firstName, String lastName, String available) {}

  /** What dangerous_driving_and_driver carries. */
  public record DangerousDrivingAndDriver(
      long driverId,
      String firstName,
      String lastName,
      long truckId,
      long routeId,
      String eventType) {}

  private StreamsBench() {}

  static Topology topology(String pipeline, String[] inputs, String[] outputs) {
    StreamsBuilder b = new StreamsBuilder();
    JsonSerde<Event> events = new JsonSerde<>(Event.class);
    switch (pipeline) {
      case "map" -> b.stream(inputs[0], Consumed.with(Serdes.String(), events))
          .filter((k, e) -> !e.kind().equals("refund"))
          .mapValues(e -> e.amount() * 1.2)
          .to(outputs[0], Produced.with(Serdes.String(), new JsonSerde<>(Double.class)));
      case "join" -> {
        KTable<String, String> table = b.table(
            inputs[1],
            Consumed.with(Serdes.String(), Serdes.String()),
            Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("tiers")
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String()));
        b.stream(inputs[0], Consumed.with(Serdes.String(), events))
            .leftJoin(table, (e, t) -> e.id() + ":" + (t == null ? "none" : t))
            .to(outputs[0], Produced.with(Serdes.String(), Serdes.String()));
      }
      case "count" -> b.stream(inputs[0], Consumed.with(Serdes.String(), events))
          .groupByKey(Grouped.with(Serdes.String(), events))
          .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts")
              .withKeySerde(Serdes.String())
              .withValueSerde(Serdes.Long()));
      case "wcount" -> b.stream(inputs[0], Consumed.with(Serdes.String(), events))
          .groupByKey(Grouped.with(Serdes.String(), events))
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(60), Duration.ofSeconds(10)))
          .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("counts")
              .withKeySerde(Serdes.String())
              .withValueSerde(Serdes.Long()));
      case "sjoin" -> {
        KStream<String, String> payments =
            b.stream(inputs[1], Consumed.with(Serdes.String(), Serdes.String()));
        b.stream(inputs[0], Consumed.with(Serdes.String(), events))
            .join(
                payments,
                (e, p) -> e.id() + ":" + p,
                JoinWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(1)),
                StreamJoined.with(Serdes.String(), events, Serdes.String()))
            .to(outputs[0], Produced.with(Serdes.String(), Serdes.String()));
      }
      case "trucking" -> {
        JsonSerde<TruckPosition> positions = new JsonSerde<>(TruckPosition.class);
        JsonSerde<Driver> drivers = new JsonSerde<>(Driver.class);
        KTable<String, Driver> table = b.table(
            inputs[1],
            Consumed.with(Serdes.String(), drivers),
            Materialized.<String, Driver, KeyValueStore<Bytes, byte[]>>as("drivers")
                .withKeySerde(Serdes.String())
                .withValueSerde(drivers));
        KStream<String, TruckPosition> dangerous = b
            .stream(inputs[0], Consumed.with(Serdes.String(), Serdes.String()))
            .flatMapValues(TruckPosition::parse)
            .filter((k, p) -> !p.eventType().equals("Normal"));
        dangerous.to(outputs[0], Produced.with(Serdes.String(), positions));
        dangerous
            .leftJoin(table, (p, d) -> new DangerousDrivingAndDriver(
                p.driverId(),
                d == null ? null : d.firstName(),
                d == null ? null : d.lastName(),
                p.truckId(),
                p.routeId(),
                p.eventType()))
            .to(outputs[1], Produced.with(
                Serdes.String(), new JsonSerde<>(DangerousDrivingAndDriver.class)));
        dangerous
            .groupByKey(Grouped.with(Serdes.String(), positions))
            .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("dangerous-per-driver")
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.Long()));
      }
      default -> throw new IllegalArgumentException("unknown pipeline " + pipeline);
    }
    return b.build();
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 8) {
      System.err.println("usage: StreamsBench <map|join|count|wcount|sjoin|trucking> <bootstrap servers> "
          + "<application id> <inputs> <outputs|-> <processing guarantee> <state dir> "
          + "<commit interval ms>");
      System.exit(2);
    }
    String[] inputs = args[3].split(",");
    String[] outputs = args[4].equals("-") ? new String[0] : args[4].split(",");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[2]);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[5]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[6]);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, args[7]);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);

    KafkaStreams streams = new KafkaStreams(topology(args[0], inputs, outputs), props);
    streams.setUncaughtExceptionHandler(e -> {
      e.printStackTrace();
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.PENDING_SHUTDOWN) {
        System.err.println("Kafka Streams went from " + before + " to " + now);
        Runtime.getRuntime().halt(1);
      }
    });
    streams.start();
    // Runs until the harness kills the process.
    new CountDownLatch(1).await();
  }
}
