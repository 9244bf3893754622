package dev.streamkit.peers.streams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.streams.Topology;

/**
 * Runs every scenario of the differential suite through Kafka Streams and writes what Kafka
 * outputs as golden files: through its TopologyTestDriver ({@link ScenarioRunner}), or, for a
 * scenario of {@code "runner": "broker"}, as a real KafkaStreams application on the broker named
 * by {@code KAFKA_BOOTSTRAP_SERVERS} ({@link BrokerRunner}).
 *
 * <p>Usage: {@code GenerateGoldens <scenarios dir> <golden dir> [scenario name ...]}. Each
 * {@code <scenarios dir>/<name>.json} becomes {@code <golden dir>/<name>.json}. Exits with 1
 * naming the scenario when one cannot be run (an unknown topology, a malformed file, an error
 * inside Kafka Streams, a broker scenario without a broker).
 */
public final class GenerateGoldens {
  private GenerateGoldens() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: GenerateGoldens <scenarios dir> <golden dir> [scenario ...]");
      System.exit(2);
    }
    Path scenarios = Path.of(args[0]);
    Path golden = Path.of(args[1]);
    List<String> only = List.of(args).subList(2, args.length);
    Files.createDirectories(golden);
    Map<String, Supplier<Topology>> catalogue = Catalogue.all();

    List<Path> files;
    try (Stream<Path> list = Files.list(scenarios)) {
      files =
          list.filter(p -> p.getFileName().toString().endsWith(".json"))
              .sorted(Comparator.comparing(p -> p.getFileName().toString()))
              .toList();
    }
    Path stateDir = Files.createTempDirectory("streamkit-goldens-");
    long start = System.nanoTime();
    int written = 0;
    List<String> failed = new ArrayList<>();
    BrokerRunner broker = null;
    try {
      for (Path file : files) {
        String name = file.getFileName().toString().replaceFirst("\\.json$", "");
        if (!only.isEmpty() && !only.contains(name)) {
          continue;
        }
        try {
          Scenario scenario = Scenario.read(file);
          ScenarioRunner.Outcome outcome;
          if (scenario.runner() == Scenario.Runner.BROKER) {
            if (broker == null) {
              broker = BrokerRunner.fromEnvironment(name);
            }
            outcome =
                broker.run(scenario, ScenarioRunner.topology(scenario, catalogue), stateDir);
          } else {
            outcome = ScenarioRunner.run(scenario, catalogue, stateDir);
          }
          Files.writeString(
              golden.resolve(name + ".json"),
              GoldenWriter.write(scenario, outcome),
              StandardCharsets.UTF_8);
          written++;
        } catch (RuntimeException | IOException e) {
          System.err.println("scenario `" + name + "` failed: " + e);
          for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            System.err.println("  caused by: " + c);
          }
          failed.add(name);
        }
      }
    } finally {
      if (broker != null) {
        broker.close();
      }
      deleteTree(stateDir);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println(
        "Kafka Streams goldens: " + written + " scenarios written to " + golden + " in " + millis
            + " ms");
    if (!failed.isEmpty()) {
      System.err.println("failed: " + String.join(", ", failed));
      System.exit(1);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      all.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
