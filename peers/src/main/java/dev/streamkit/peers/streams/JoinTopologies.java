package dev.streamkit.peers.streams;

import static dev.streamkit.peers.streams.Catalogue.STRING;
import static dev.streamkit.peers.streams.Catalogue.add;
import static dev.streamkit.peers.streams.Catalogue.store;
import static dev.streamkit.peers.streams.Catalogue.strings;
import static dev.streamkit.peers.streams.Catalogue.toStrings;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;

/**
 * Joins: table-table (inner, left, outer), foreign-key table-table (inner, left), stream-table
 * and stream-global.
 */
final class JoinTopologies {
  private JoinTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "table_join_inner", () -> tableJoin("inner"));
    add(into, "table_join_left", () -> tableJoin("left"));
    add(into, "table_join_outer", () -> tableJoin("outer"));
    add(into, "stream_table_join", JoinTopologies::streamTable);
    add(into, "stream_global_join", JoinTopologies::streamGlobal);
    add(into, "fk_join_inner", () -> foreignKeyJoin(false));
    add(into, "fk_join_left", () -> foreignKeyJoin(true));
    add(into, "fk_join_stale", JoinTopologies::foreignKeyJoinStale);
    add(into, "fk_join_self", JoinTopologies::foreignKeyJoinSelf);
    add(into, "fk_join_unmaterialized", JoinTopologies::foreignKeyJoinUnmaterialized);
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  /** Tables `left` and `right` joined on their keys, values as "l+r" ("-" for a missing side). */
  static Topology tableJoin(String kind) {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> left = b.table("left", strings(), store("left-store", STRING));
    KTable<String, String> right = b.table("right", strings(), store("right-store", STRING));
    KTable<String, String> joined =
        switch (kind) {
          case "inner" -> left.join(right, (l, r) -> l + "+" + r);
          case "left" -> left.leftJoin(right, (l, r) -> l + "+" + orDash(r));
          case "outer" -> left.outerJoin(right, (l, r) -> orDash(l) + "+" + orDash(r));
          default -> throw new IllegalArgumentException(kind);
        };
    joined.toStream().to("out", toStrings());
    return b.build();
  }

  /** Events joined with the drivers table: inner to `inner`, left to `left`. */
  static Topology streamTable() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> drivers = b.table("drivers", strings(), store("drivers", STRING));
    KStream<String, String> events = b.stream("events", strings());
    events.join(drivers, (e, d) -> e + "/" + d).to("inner", toStrings());
    events.leftJoin(drivers, (e, d) -> orDash(e) + "/" + orDash(d)).to("left", toStrings());
    return b.build();
  }

  /** The product of "product:qty", or null for a null value. */
  static String product(String order) {
    if (order == null) {
      return null;
    }
    int colon = order.indexOf(':');
    return colon < 0 ? order : order.substring(0, colon);
  }

  /** Orders joined with the global products table through the order's product id. */
  static Topology streamGlobal() {
    StreamsBuilder b = new StreamsBuilder();
    GlobalKTable<String, String> products =
        b.globalTable("products", strings(), store("products", STRING));
    KStream<String, String> orders = b.stream("orders", strings());
    orders
        .join(products, (id, order) -> product(order), (order, p) -> order + "/" + p)
        .to("inner", toStrings());
    orders
        .leftJoin(
            products, (id, order) -> product(order), (order, p) -> orDash(order) + "/" + orDash(p))
        .to("left", toStrings());
    return b.build();
  }

  /** The customer of an order "customer:item", or null for an order without a colon. */
  static String customer(String order) {
    int colon = order.indexOf(':');
    return colon < 0 ? null : order.substring(0, colon);
  }

  /**
   * Orders joined with the customers table on the order's customer (a foreign key), values as
   * "order/customer" ("-" for no customer row), the result stored in `fk-result`.
   */
  static Topology foreignKeyJoin(boolean left) {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> orders = b.table("orders", strings(), store("orders", STRING));
    KTable<String, String> customers =
        b.table("customers", strings(), store("customers", STRING));
    KTable<String, String> joined =
        left
            ? orders.leftJoin(
                customers,
                JoinTopologies::customer,
                (o, c) -> o + "/" + orDash(c),
                store("fk-result", STRING))
            : orders.join(
                customers, JoinTopologies::customer, (o, c) -> o + "/" + c, store("fk-result", STRING));
    joined.toStream().to("out", toStrings());
    return b.build();
  }

  /**
   * Batches of orders "customer:item,customer:item" per key: the latest order of a batch is the
   * row (each order of a batch updates it in turn), left-joined with the customers table on its
   * customer. Responses to the earlier orders of a batch answer a value the row no longer has.
   */
  static Topology foreignKeyJoinStale() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> latest =
        b.stream("order-batches", strings())
            .flatMapValues(batch -> java.util.Arrays.asList(batch.split(",")))
            .groupByKey(Grouped.with(STRING, STRING))
            .reduce((previous, order) -> order, store("latest-orders", STRING));
    KTable<String, String> customers =
        b.table("customers", strings(), store("customers", STRING));
    latest
        .leftJoin(
            customers,
            JoinTopologies::customer,
            (o, c) -> o + "/" + orDash(c),
            store("fk-result", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /**
   * Employees "manager:title" left-joined with the same table on their manager: a change of
   * one row is a left update and a right update at once.
   */
  static Topology foreignKeyJoinSelf() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> employees =
        b.table("employees", strings(), store("employees", STRING));
    employees
        .leftJoin(
            employees,
            JoinTopologies::customer,
            (e, m) -> e + " < " + orDash(m),
            store("fk-result", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /** fk_join_left over tables read without a store of their own: the join gives them one. */
  static Topology foreignKeyJoinUnmaterialized() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> orders = b.table("orders", strings());
    KTable<String, String> customers = b.table("customers", strings());
    orders
        .leftJoin(
            customers,
            JoinTopologies::customer,
            (o, c) -> o + "/" + orDash(c),
            store("fk-result", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }
}
