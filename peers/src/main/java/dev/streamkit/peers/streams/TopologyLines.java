package dev.streamkit.peers.streams;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;

/**
 * A topology's description ({@code Topology.describe()}) in a normal form that kstream's
 * {@code Topology::describe()} can be compared with line by line: the sub-topologies (global
 * stores among them) in id order, each node of a sub-topology on one line, nodes by name, their
 * topics, stores, successors and predecessors sorted by name. Kafka's own {@code toString} orders
 * nodes by the size of the sub-tree under them as it computed it while connecting them, which
 * depends on hash-map iteration; the normal form keeps every fact and drops that order.
 *
 * <pre>
 * Sub-topology: 0
 *   Source: KSTREAM-SOURCE-0000000000 (topics: [in]) --> KSTREAM-FILTER-0000000001
 *   Processor: KSTREAM-FILTER-0000000001 (stores: []) --> KSTREAM-SINK-0000000002 <-- KSTREAM-SOURCE-0000000000
 *   Sink: KSTREAM-SINK-0000000002 (topic: kept) <-- KSTREAM-FILTER-0000000001
 * Sub-topology: 1 for global store
 *   Source: ...
 * </pre>
 *
 * A sink whose topic is chosen per record shows {@code (topic extractor)}.
 */
final class TopologyLines {
  private TopologyLines() {}

  static List<String> of(TopologyDescription description) {
    TreeMap<Integer, List<String>> byId = new TreeMap<>();
    for (TopologyDescription.Subtopology s : description.subtopologies()) {
      List<String> lines = new ArrayList<>();
      lines.add("Sub-topology: " + s.id());
      s.nodes().stream()
          .sorted(Comparator.comparing(TopologyDescription.Node::name))
          .forEach(n -> lines.add("  " + node(n)));
      byId.put(s.id(), lines);
    }
    for (TopologyDescription.GlobalStore g : description.globalStores()) {
      List<String> lines = new ArrayList<>();
      lines.add("Sub-topology: " + g.id() + " for global store");
      lines.add("  " + node(g.source()));
      lines.add("  " + node(g.processor()));
      byId.put(g.id(), lines);
    }
    List<String> all = new ArrayList<>();
    byId.values().forEach(all::addAll);
    return all;
  }

  private static String node(TopologyDescription.Node n) {
    String successors = " --> " + names(n.successors());
    String predecessors = " <-- " + names(n.predecessors());
    if (n instanceof TopologyDescription.Source s) {
      String topics =
          s.topicSet() != null ? new TreeSet<>(s.topicSet()).toString() : s.topicPattern().pattern();
      return "Source: " + s.name() + " (topics: " + topics + ")" + successors;
    }
    if (n instanceof TopologyDescription.Processor p) {
      return "Processor: " + p.name() + " (stores: " + new TreeSet<>(p.stores()) + ")" + successors
          + predecessors;
    }
    if (n instanceof TopologyDescription.Sink k) {
      String topic = k.topic() != null ? "(topic: " + k.topic() + ")" : "(topic extractor)";
      return "Sink: " + k.name() + " " + topic + predecessors;
    }
    throw new IllegalStateException("a node that is neither source, processor nor sink: " + n);
  }

  private static String names(Set<TopologyDescription.Node> nodes) {
    if (nodes.isEmpty()) {
      return "none";
    }
    List<String> names = new ArrayList<>();
    nodes.forEach(n -> names.add(n.name()));
    names.sort(null);
    return String.join(", ", names);
  }
}
