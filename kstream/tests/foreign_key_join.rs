//! The foreign-key table join: its topology as Kafka Streams names it, the checks made
//! when it is built, and a run on the embedded log where the two tables have different
//! partition counts, so that subscriptions and responses must cross partitions through
//! the internal topics.

use std::time::{Duration, Instant};

use kstream::{
    Consumed, Error, KTable, KafkaStreams, Materialized, OptionSerde, Produced, StreamsBuilder,
    StreamsConfig, StringSerde, TableJoined,
};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};

fn strings() -> Consumed<String, String> {
    Consumed::with(StringSerde, StringSerde)
}

fn store(name: &str) -> Materialized<String, String> {
    Materialized::with(StringSerde, StringSerde).named(name)
}

/// The customer of an order "customer:item".
fn customer(order: &str) -> Option<String> {
    order.split_once(':').map(|(c, _)| c.to_owned())
}

fn joined(
    orders: &KTable<'_, String, String>,
    customers: &KTable<'_, String, String>,
    result: Materialized<String, String>,
    options: Option<TableJoined<String, String>>,
) {
    let extract = |_: &String, o: &String| customer(o);
    let join = |o: &String, c: &String| format!("{o}/{c}");
    let table = match options {
        Some(options) => orders.join_foreign_key_with(customers, extract, join, result, options),
        None => orders.join_foreign_key(customers, extract, join, result),
    };
    table
        .to_stream()
        .to("out", Produced::with(StringSerde, OptionSerde(StringSerde)));
}

/// The lines are those of Kafka Streams 4.4's `describe()` of the same topology (the
/// order of the nodes aside). Only the result processor differs: kstream always stores
/// the result, under the name Kafka gives the store when it materializes it.
#[test]
fn the_topology_names_processors_topics_and_stores_as_kafka_streams() {
    let describe = |options: Option<TableJoined<String, String>>| {
        let b = StreamsBuilder::new();
        let orders = b.table("orders", strings(), store("orders"));
        let customers = b.table("customers", strings(), store("customers"));
        joined(
            &orders,
            &customers,
            Materialized::with(StringSerde, StringSerde),
            options,
        );
        b.build().unwrap().describe().to_string()
    };
    let generated = describe(None);
    for line in [
        "Processor: KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000005 (stores: [])",
        "Sink: KTABLE-SINK-0000000006 (topic: KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000004-topic)",
        "Source: KTABLE-SOURCE-0000000007 (topics: [KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000004-topic])",
        "Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000009 (stores: [KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000008])",
        "Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000010 (stores: [customers])",
        "Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011 (stores: [KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000008])",
        "Sink: KTABLE-SINK-0000000013 (topic: KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000012-topic)",
        "<-- KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000010, KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011",
        "Source: KTABLE-SOURCE-0000000014 (topics: [KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000012-topic])",
        "Processor: KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000015 (stores: [orders])",
        "Processor: KTABLE-FK-JOIN-OUTPUT-0000000016 (stores: [KTABLE-FK-JOIN-OUTPUT-STATE-STORE-0000000017])",
        "Processor: KTABLE-TOSTREAM-0000000018 (stores: [])",
    ] {
        assert!(generated.contains(line), "no `{line}` in\n{generated}");
    }
    let named = describe(Some(TableJoined::as_("by-customer").unwrap()));
    for line in [
        "Processor: by-customer-subscription-registration-processor (stores: [])",
        "Sink: by-customer-subscription-registration-sink (topic: by-customer-subscription-registration-topic)",
        "Source: by-customer-subscription-registration-source (topics: [by-customer-subscription-registration-topic])",
        "Processor: by-customer-subscription-receive (stores: [by-customer-subscription-store])",
        "Processor: by-customer-subscription-join-foreign (stores: [customers])",
        "Processor: by-customer-foreign-join-subscription (stores: [by-customer-subscription-store])",
        "Sink: by-customer-subscription-response-sink (topic: by-customer-subscription-response-topic)",
        "Source: by-customer-subscription-response-source (topics: [by-customer-subscription-response-topic])",
        "Processor: by-customer-subscription-response-resolver (stores: [orders])",
        "Processor: by-customer-result (stores: [KTABLE-FK-JOIN-OUTPUT-STATE-STORE-0000000017])",
        "Processor: KTABLE-TOSTREAM-0000000018 (stores: [])",
    ] {
        assert!(named.contains(line), "no `{line}` in\n{named}");
    }
    // The response sink takes from both subscription processors. Kafka lists them
    // `subscription-join-foreign, foreign-join-subscription` here: it orders a node's
    // neighbours by a size it accumulates while walking a hash map, and then by name;
    // kstream orders them by the size of what is downstream of them, then by name, which
    // agrees with Kafka for the generated names above but not for these.
    assert!(
        named.contains("<-- by-customer-foreign-join-subscription, by-customer-subscription-join-foreign"),
        "{named}"
    );
}

#[test]
fn both_tables_must_be_materialized_and_the_name_must_be_one_kafka_accepts() {
    let b = StreamsBuilder::new();
    let orders = b
        .table("orders", strings(), store("orders"))
        .map_values(|o| o.to_uppercase());
    let customers = b.table("customers", strings(), store("customers"));
    joined(&orders, &customers, store("result"), None);
    match b.build() {
        Err(Error::Topology(problem)) => {
            assert!(
                problem.contains("join_foreign_key: both tables must be materialized"),
                "{problem}"
            )
        }
        other => panic!("expected a topology error, got {other:?}"),
    }
    assert!(matches!(
        TableJoined::<String, String>::as_("by customer"),
        Err(Error::InvalidOption {
            option: "TableJoined",
            ..
        })
    ));
}

fn config(app: &str) -> StreamsConfig {
    let dir = std::env::temp_dir().join(format!("kstream-fk-join-test-{}", std::process::id()));
    StreamsConfig::new(app)
        .commit_interval(Duration::from_millis(50))
        .state_dir(dir)
}

/// Waits until `read` gives `expected` (or fails after 30 s showing the last read).
fn eventually<T: PartialEq + std::fmt::Debug>(what: &str, expected: T, mut read: impl FnMut() -> T) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = read();
        if got == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: expected {expected:?}, still {got:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn send(
    producer: &dyn streamlog::Producer,
    topic: &str,
    key: &str,
    value: Option<&str>,
    partition: Option<i32>,
) {
    let mut record = ProducerRecord::new(topic).key(key.to_owned());
    if let Some(v) = value {
        record = record.value(v.to_owned());
    }
    if let Some(p) = partition {
        record = record.partition(p);
    }
    producer.send(record).unwrap();
}

/// Orders (3 partitions) joined with customers (2 partitions): every order's
/// subscription crosses to its customer's partition and the answer comes back to the
/// order's, through internal topics co-partitioned with each side. Customers are
/// written to partitions of the application's choosing, given to the join with
/// `TableJoined::other_partitioner`.
#[test]
fn a_join_across_partitions_goes_through_the_internal_topics() {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    admin.create_topic("orders", &TopicConfig::new(3)).unwrap();
    admin.create_topic("customers", &TopicConfig::new(2)).unwrap();
    admin.create_topic("out", &TopicConfig::new(3)).unwrap();
    // Customer `cN` lives in partition N % 2, whatever its key's hash.
    let partition_of = |c: &str| c[1..].parse::<i32>().unwrap() % 2;
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let customers_named = |names: &[(&str, Option<&str>)]| {
        for (c, name) in names {
            send(&*producer, "customers", c, *name, Some(partition_of(c)));
        }
    };
    customers_named(&[
        ("c0", Some("Ann")),
        ("c1", Some("Bob")),
        ("c2", Some("Cy")),
        ("c3", Some("Di")),
    ]);
    for i in 0..12 {
        send(
            &*producer,
            "orders",
            &format!("o{i:02}"),
            Some(&format!("c{}:item{i}", i % 4)),
            None,
        );
    }
    producer.flush(Duration::from_secs(5)).unwrap();

    let b = StreamsBuilder::new();
    let orders = b.table("orders", strings(), store("orders"));
    let customers = b.table("customers", strings(), store("customers"));
    let result = store("orders-with-customers");
    let result_store = result.handle();
    let options = TableJoined::new().other_partitioner(move |c: &String, n| partition_of(c) % n);
    joined(&orders, &customers, result, Some(options));
    let mut app = KafkaStreams::new(b.build().unwrap(), cluster.clone(), config("fk-join")).unwrap();
    for (topic, partitions) in [
        (
            "fk-join-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000004-topic",
            2,
        ),
        ("fk-join-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000012-topic", 3),
        (
            "fk-join-KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000008-changelog",
            2,
        ),
        ("fk-join-orders-with-customers-changelog", 3),
    ] {
        assert_eq!(admin.partition_count(topic).unwrap(), partitions, "{topic}");
    }
    app.start().unwrap();
    let names = ["Ann", "Bob", "Cy", "Di"];
    let expected =
        |name_of: &dyn Fn(usize) -> Option<String>, moved: &[(usize, &str)]| -> Vec<(String, String)> {
            (0..12)
                .filter_map(|i| {
                    let order = moved
                        .iter()
                        .find(|(m, _)| *m == i)
                        .map_or_else(|| format!("c{}:item{i}", i % 4), |(_, o)| (*o).to_owned());
                    let customer: usize = order[1..2].parse().unwrap();
                    Some((format!("o{i:02}"), format!("{order}/{}", name_of(customer)?)))
                })
                .collect()
        };
    let rows = || app.store(&result_store).unwrap().all().unwrap();
    eventually(
        "every order joined",
        expected(&|c| Some(names[c].to_owned()), &[]),
        rows,
    );

    // A customer's update reaches each of its orders, wherever they are.
    customers_named(&[("c1", Some("Bea"))]);
    producer.flush(Duration::from_secs(5)).unwrap();
    let names = ["Ann", "Bea", "Cy", "Di"];
    eventually("c1 renamed", expected(&|c| Some(names[c].to_owned()), &[]), rows);

    // An order moving to another customer leaves the old one's subscribers.
    send(&*producer, "orders", "o01", Some("c2:moved"), None);
    producer.flush(Duration::from_secs(5)).unwrap();
    eventually(
        "o01 moved to c2",
        expected(&|c| Some(names[c].to_owned()), &[(1, "c2:moved")]),
        rows,
    );
    customers_named(&[("c1", Some("Bo")), ("c3", None)]);
    producer.flush(Duration::from_secs(5)).unwrap();
    let names = ["Ann", "Bo", "Cy"];
    eventually(
        "c1 renamed again, c3 deleted",
        expected(&|c| names.get(c).map(|n| (*n).to_owned()), &[(1, "c2:moved")]),
        rows,
    );
    assert!(app.close(Duration::from_secs(30)));
}

/// A record on the registration topic that is not a subscription (here, of a version
/// this release does not write) is a deserialization error naming the topic, through
/// the deserialization handler like any record that does not read.
#[test]
fn a_malformed_subscription_is_a_deserialization_error_naming_its_topic() {
    let b = StreamsBuilder::new();
    let orders = b.table("orders", strings(), store("orders"));
    let customers = b.table("customers", strings(), store("customers"));
    joined(&orders, &customers, store("result"), None);
    let driver = kstream::TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let topic = format!(
        "{}-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000004-topic",
        kstream::TEST_APPLICATION_ID
    );
    let error = driver
        .pipe_raw(
            &topic,
            Some("c1".into()),
            Some(b"\x82\x02o1\x00\x00\x00\x00"[..].into()),
            0,
        )
        .unwrap_err();
    match &error {
        Error::Deserialize {
            topic: t,
            part: "value",
            source,
            ..
        } => {
            assert_eq!(t, &topic);
            assert!(source.to_string().contains("version 2"), "{source}");
        }
        other => panic!("expected a deserialization error, got {other}"),
    }
}

/// A foreign key its serde calls null (`None` under `OptionSerde`) is no foreign key,
/// as one the extractor does not give: the inner join has no row for it, the left join
/// joins it with no right row.
#[test]
fn a_foreign_key_its_serde_calls_null_is_no_foreign_key() {
    let b = StreamsBuilder::new();
    let orders = b.table("orders", strings(), store("orders"));
    let customers = b.table(
        "customers",
        Consumed::with(OptionSerde(StringSerde), StringSerde),
        Materialized::with(OptionSerde(StringSerde), StringSerde).named("customers"),
    );
    // The customer of "c1:tea" is `Some("c1")`, of "tea" `None`: a null key.
    let extract = |_: &String, o: &String| Some(customer(o));
    let out = || Produced::with(StringSerde, OptionSerde(StringSerde));
    orders
        .join_foreign_key(&customers, extract, |o, c| format!("{o}/{c}"), store("inner"))
        .to_stream()
        .to("inner", out());
    orders
        .left_join_foreign_key(
            &customers,
            extract,
            |o, c| format!("{o}/{}", c.map_or("-", String::as_str)),
            store("left"),
        )
        .to_stream()
        .to("left", out());
    let driver = kstream::TopologyTestDriver::new(b.build().unwrap()).unwrap();
    driver
        .input_topic("customers", OptionSerde(StringSerde), StringSerde)
        .pipe_input(Some("c1".into()), "Ann".into())
        .unwrap();
    let orders = driver.input_topic("orders", StringSerde, StringSerde);
    orders.pipe_input("o1".into(), "c1:tea".into()).unwrap();
    orders.pipe_input("o1".into(), "tea".into()).unwrap();
    let read = |topic| {
        driver
            .output_topic(topic, StringSerde, OptionSerde(StringSerde))
            .read_key_values()
            .unwrap()
    };
    let row = |v: Option<&str>| ("o1".to_owned(), v.map(str::to_owned));
    assert_eq!(read("inner"), [row(Some("c1:tea/Ann")), row(None)]);
    assert_eq!(read("left"), [row(Some("c1:tea/Ann")), row(Some("tea/-"))]);
}
