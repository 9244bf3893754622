package dev.streamkit.peers.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * Runs a scenario of {@code "runner": "broker"} in a real KafkaStreams application on a broker.
 * Kafka's TopologyTestDriver commits after every record, so its record caches never hold more
 * than one record's updates; here the application commits once, when it closes. A run:
 *
 * <ol>
 *   <li>deletes and recreates the scenario's topics (its inputs and outputs, one partition each),
 *       waiting while a deletion is still pending;
 *   <li>produces every step's record, with its key, value and timestamp, before the application
 *       starts;
 *   <li>starts KafkaStreams under a fresh application id with the scenario's config, one stream
 *       thread, a state directory of its own and {@code commit.interval.ms} 60000 unless the
 *       scenario sets it;
 *   <li>waits until the application has processed every record of its source topics (the inputs
 *       and its internal topics) and nothing moved for a second, then closes it: the final commit
 *       flushes the caches;
 *   <li>starts it again (same application id and state) while that final commit left records in
 *       an internal topic that nobody processed (a cache upstream of a repartition topic
 *       flushes into it), until no such record is left;
 *   <li>reads each output topic from its beginning to its end.
 * </ol>
 *
 * <p>Every output record is tagged with the last step: the application saw all steps at once.
 * The broker's address comes from {@value #BOOTSTRAP_ENV}.
 */
final class BrokerRunner implements AutoCloseable {
  /** The environment variable holding the broker's address (exported by scripts/lib/kafka.sh). */
  static final String BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS";

  private static final long PROCESSING_TIMEOUT_MS = 60_000;
  private static final long QUIET_MS = 1_000;
  private static final long TOPIC_TIMEOUT_MS = 60_000;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);
  private static final int MAX_ROUNDS = 5;
  private static final String CHANGELOG_SUFFIX = "-changelog";

  private final String bootstrap;
  private final Admin admin;

  private BrokerRunner(String bootstrap) {
    this.bootstrap = bootstrap;
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    this.admin = Admin.create(props);
  }

  /**
   * A runner on the broker named by {@value #BOOTSTRAP_ENV}; when the variable is not set, an
   * error naming the scenario that needs a broker and the variable.
   */
  static BrokerRunner fromEnvironment(String scenario) {
    String bootstrap = System.getenv(BOOTSTRAP_ENV);
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalStateException(
          "scenario `" + scenario + "` runs on a broker (\"runner\": \"broker\"), but "
              + BOOTSTRAP_ENV + " is not set: start a broker (scripts/services > /tmp/s.env;"
              + " source /tmp/s.env) or run scripts/test, which starts one");
    }
    return new BrokerRunner(bootstrap);
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(10));
  }

  ScenarioRunner.Outcome run(Scenario scenario, Supplier<Topology> topology, Path stateDir) {
    String where = "scenario `" + scenario.name() + "`";
    Set<String> inputs = new LinkedHashSet<>();
    for (Scenario.Step step : scenario.steps()) {
      inputs.add(step.topic());
    }
    Set<String> topics = new LinkedHashSet<>(inputs);
    for (Scenario.Output o : scenario.outputs()) {
      topics.add(o.topic());
    }
    recreate(topics);
    produce(scenario);

    String appId =
        "differential-" + scenario.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
    Properties props = new Properties();
    props.putAll(scenario.config());
    props.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "60000");
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(appId).toString());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    try {
      for (int round = 1; ; round++) {
        Map<String, Long> committed = committed(appId);
        runUntilQuiet(topology.get(), props, appId, inputs, committed, where + " round " + round);
        Map<String, Long> behind = behind(sources(appId, inputs), committed(appId));
        if (behind.isEmpty()) {
          break;
        }
        if (round == MAX_ROUNDS) {
          throw new IllegalStateException(
              where + ": records left unprocessed after " + round + " runs: " + behind);
        }
      }
      List<String> describe = TopologyLines.of(topology.get().describe());
      return new ScenarioRunner.Outcome(describe, readOutputs(scenario), Map.of());
    } finally {
      forget(appId);
    }
  }

  /** Deletes the topics that exist, then creates them all with one partition. */
  private void recreate(Set<String> topics) {
    Set<String> existing = get(admin.listTopics().names(), "listing the topics");
    List<String> stale = topics.stream().filter(existing::contains).toList();
    if (!stale.isEmpty()) {
      get(admin.deleteTopics(stale).all(), "deleting topics " + stale);
    }
    Set<String> missing = new LinkedHashSet<>(topics);
    long deadline = System.currentTimeMillis() + TOPIC_TIMEOUT_MS;
    while (!missing.isEmpty()) {
      CreateTopicsResult created =
          admin.createTopics(
              missing.stream()
                  .map(
                      t ->
                          new NewTopic(t, Optional.of(1), Optional.empty())
                              // Scenario timestamps are from 1970: keep the records.
                              .configs(Map.of("retention.ms", "-1")))
                  .toList());
      for (Map.Entry<String, KafkaFuture<Void>> e : created.values().entrySet()) {
        try {
          e.getValue().get();
          missing.remove(e.getKey());
        } catch (ExecutionException ex) {
          // The broker is still deleting the topic: try again.
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("creating topic `" + e.getKey() + "`", ex.getCause());
          }
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while creating topics", ex);
        }
      }
      if (!missing.isEmpty()) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException(
              "topics " + missing + " still exist " + TOPIC_TIMEOUT_MS
                  + " ms after their deletion");
        }
        sleep(200);
      }
    }
  }

  /** Writes every step's record to partition 0 of its topic, in order. */
  private void produce(Scenario scenario) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      int i = 0;
      for (Scenario.Step step : scenario.steps()) {
        get(
            producer.send(
                new ProducerRecord<>(
                    step.topic(), 0, step.timestamp(), step.key(), step.value())),
            "producing step " + i++ + " to `" + step.topic() + "`");
      }
    }
  }

  /**
   * Starts KafkaStreams, waits until it has processed every record of its source topics past
   * {@code committed} and stayed quiet for {@value #QUIET_MS} ms, and closes it.
   */
  private void runUntilQuiet(
      Topology topology,
      Properties props,
      String appId,
      Set<String> inputs,
      Map<String, Long> committed,
      String where) {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    KafkaStreams streams = new KafkaStreams(topology, props);
    streams.setUncaughtExceptionHandler(
        e -> {
          failure.compareAndSet(null, e);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    boolean closed = false;
    try {
      streams.start();
      long deadline = System.currentTimeMillis() + PROCESSING_TIMEOUT_MS;
      Progress quiet = null;
      long quietSince = 0;
      while (true) {
        if (failure.get() != null) {
          break;
        }
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR) {
          throw new IllegalStateException(where + ": KafkaStreams went to " + state);
        }
        Progress now;
        try {
          now = progress(streams, sources(appId, inputs), committed);
        } catch (IllegalStateException e) {
          // An internal topic the application has just created, not yet known everywhere.
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw e;
          }
          now = null;
        }
        long time = System.currentTimeMillis();
        if (now == null || !now.done()) {
          quiet = null;
        } else if (!now.equals(quiet)) {
          quiet = now;
          quietSince = time;
        } else if (time - quietSince >= QUIET_MS) {
          break;
        }
        if (time > deadline) {
          throw new IllegalStateException(
              where + ": not every record was processed within " + PROCESSING_TIMEOUT_MS
                  + " ms (state " + state + "): " + now);
        }
        sleep(100);
      }
    } finally {
      // Leaving the group lets the next run's member in at once, not after the session
      // timeout.
      closed =
          streams.close(
              CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
                  .withTimeout(CLOSE_TIMEOUT));
    }
    if (failure.get() != null) {
      throw new IllegalStateException(where + ": KafkaStreams failed", failure.get());
    }
    if (!closed) {
      throw new IllegalStateException(
          where + ": KafkaStreams did not close within " + CLOSE_TIMEOUT.toSeconds() + " s");
    }
  }

  /**
   * How far the application is: per source topic, the records neither committed before this run
   * nor consumed in it; and how many records its stream thread fetched and processed.
   */
  record Progress(Map<String, Long> behind, long fetched, long processed) {
    boolean done() {
      return processed == fetched && behind.values().stream().allMatch(n -> n <= 0);
    }
  }

  private Progress progress(
      KafkaStreams streams, Map<String, Long> ends, Map<String, Long> committed) {
    Map<String, Long> consumedByTopic = new HashMap<>();
    long fetched = 0;
    long processed = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
      MetricName name = e.getKey();
      long value = count(e.getValue());
      if (name.group().equals("consumer-fetch-manager-metrics")
          && name.name().equals("records-consumed-total")) {
        String topic = name.tags().get("topic");
        if (topic != null) {
          consumedByTopic.merge(topic, value, Long::sum);
        } else if (isStreamThreadConsumer(name.tags().get("client-id"))) {
          fetched += value;
        }
      } else if (name.group().equals("stream-thread-metrics")
          && name.name().equals("process-total")) {
        processed += value;
      }
    }
    Map<String, Long> behind = new TreeMap<>();
    for (Map.Entry<String, Long> e : ends.entrySet()) {
      String topic = e.getKey();
      // The consumer's metrics name a topic with its dots as underscores.
      long consumed = consumedByTopic.getOrDefault(topic.replace('.', '_'), 0L);
      behind.put(topic, e.getValue() - committed.getOrDefault(topic, 0L) - consumed);
    }
    return new Progress(behind, fetched, processed);
  }

  /** The main consumer of a stream thread (not its restore consumer, nor a global one). */
  private static boolean isStreamThreadConsumer(String clientId) {
    return clientId != null
        && clientId.contains("-StreamThread-")
        && clientId.endsWith("-consumer")
        && !clientId.endsWith("-restore-consumer");
  }

  private static long count(Metric metric) {
    return metric.metricValue() instanceof Number n ? n.longValue() : 0;
  }

  /**
   * The end offset (records written, summed over partitions) of every topic the application
   * reads: the inputs and its internal topics other than changelogs (which only restoration
   * reads).
   */
  private Map<String, Long> sources(String appId, Set<String> inputs) {
    Set<String> topics = new LinkedHashSet<>(inputs);
    for (String t : get(admin.listTopics().names(), "listing the topics")) {
      if (t.startsWith(appId + "-") && !t.endsWith(CHANGELOG_SUFFIX)) {
        topics.add(t);
      }
    }
    Map<String, TopicDescription> described =
        get(admin.describeTopics(topics).allTopicNames(), "describing topics " + topics);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicDescription d : described.values()) {
      d.partitions()
          .forEach(
              p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
    }
    Map<String, Long> ends = new TreeMap<>();
    get(admin.listOffsets(latest).all(), "reading end offsets")
        .forEach((tp, info) -> ends.merge(tp.topic(), info.offset(), Long::sum));
    return ends;
  }

  /** The application's committed offsets, summed per topic. */
  private Map<String, Long> committed(String appId) {
    Map<TopicPartition, OffsetAndMetadata> offsets;
    try {
      offsets =
          get(
              admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata(),
              "reading the committed offsets of `" + appId + "`");
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return Map.of(); // before the first run
      }
      throw e;
    }
    Map<String, Long> committed = new HashMap<>();
    offsets.forEach(
        (tp, om) -> {
          if (om != null) {
            committed.merge(tp.topic(), om.offset(), Long::sum);
          }
        });
    return committed;
  }

  /** The source topics with records past the committed offsets, and how many. */
  private static Map<String, Long> behind(Map<String, Long> ends, Map<String, Long> committed) {
    Map<String, Long> behind = new TreeMap<>();
    ends.forEach(
        (topic, end) -> {
          long left = end - committed.getOrDefault(topic, 0L);
          if (left > 0) {
            behind.put(topic, left);
          }
        });
    return behind;
  }

  /** Every record of the outputs, topic by topic in the scenario's order, from the beginning. */
  private List<ScenarioRunner.Output> readOutputs(Scenario scenario) {
    int lastStep = scenario.steps().size() - 1;
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<ScenarioRunner.Output> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      for (Scenario.Output o : scenario.outputs()) {
        TopicPartition tp = new TopicPartition(o.topic(), 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp)).get(tp);
        long deadline = System.currentTimeMillis() + PROCESSING_TIMEOUT_MS;
        while (consumer.position(tp) < end) {
          if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException(
                "reading `" + o.topic() + "`: at offset " + consumer.position(tp) + " of " + end
                    + " after " + PROCESSING_TIMEOUT_MS + " ms");
          }
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            if (r.offset() >= end) {
              continue;
            }
            records.add(
                new ScenarioRunner.Output(
                    lastStep,
                    o.topic(),
                    ScenarioRunner.decode(o.key(), r.key(), o.topic()),
                    ScenarioRunner.decode(o.value(), r.value(), o.topic()),
                    r.timestamp()));
          }
        }
      }
    }
    return records;
  }

  /** Deletes what the application left on the broker: its internal topics and its group. */
  private void forget(String appId) {
    try {
      List<String> internal =
          get(admin.listTopics().names(), "listing the topics").stream()
              .filter(t -> t.startsWith(appId + "-"))
              .toList();
      if (!internal.isEmpty()) {
        get(admin.deleteTopics(internal).all(), "deleting topics " + internal);
      }
      get(admin.deleteConsumerGroups(List.of(appId)).all(), "deleting group " + appId);
    } catch (RuntimeException e) {
      // Leftovers of an application id no later run uses: harmless.
    }
  }

  private static <T> T get(Future<T> future, String what) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + ": interrupted", e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
