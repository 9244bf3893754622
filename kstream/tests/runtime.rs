//! The runtime on the embedded log: start-up checks, global tables, interactive
//! queries while the topology runs.

use std::time::{Duration, Instant};

use kstream::{
    Consumed, Error, KafkaStreams, Materialized, Produced, StreamsBuilder, StreamsConfig, StringSerde,
};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};

fn strings() -> Consumed<String, String> {
    Consumed::with(StringSerde, StringSerde)
}

fn config(app: &str) -> StreamsConfig {
    let dir = std::env::temp_dir().join(format!("kstream-runtime-test-{}", std::process::id()));
    StreamsConfig::new(app)
        .commit_interval(Duration::from_millis(50))
        .state_dir(dir)
}

#[test]
fn start_up_checks_name_topics_and_partition_counts() {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    admin.create_topic("positions", &TopicConfig::new(2)).unwrap();
    admin.create_topic("drivers", &TopicConfig::new(3)).unwrap();
    let topology = || {
        let b = StreamsBuilder::new();
        let t = b.table("drivers", strings(), Materialized::with(StringSerde, StringSerde));
        b.stream("positions", strings())
            .join(&t, |p, d| format!("{p}{d}"))
            .to("out", Produced::with(StringSerde, StringSerde));
        b.build().unwrap()
    };
    let err = KafkaStreams::new(topology(), cluster.clone(), config("copart"))
        .err()
        .unwrap();
    match &err {
        Error::CoPartitioning { topics, counts } => {
            assert!(topics.contains(&"positions".to_string()) && topics.contains(&"drivers".to_string()));
            assert_eq!(
                counts
                    .iter()
                    .copied()
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
                2
            );
        }
        other => panic!("expected a co-partitioning error, got {other}"),
    }
    assert!(err.to_string().contains("partition counts"), "{err}");

    let b = StreamsBuilder::new();
    b.stream("nowhere", strings())
        .to("out", Produced::with(StringSerde, StringSerde));
    let err = KafkaStreams::new(b.build().unwrap(), cluster, config("missing"))
        .err()
        .unwrap();
    assert!(err.to_string().contains("nowhere"), "{err}");
}

#[test]
fn global_tables_and_interactive_queries_while_running() {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    admin.create_topic("routes", &TopicConfig::new(2)).unwrap();
    admin.create_topic("trips", &TopicConfig::new(3)).unwrap();
    admin.create_topic("named-trips", &TopicConfig::new(3)).unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for (k, v) in [("r1", "Chicago"), ("r2", "Denver"), ("r3", "Omaha")] {
        producer
            .send(ProducerRecord::new("routes").key(k).value(v))
            .unwrap();
    }
    producer.flush(Duration::from_secs(5)).unwrap();

    let b = StreamsBuilder::new();
    let routes = b.global_table("routes", strings(), Some("routes"));
    let routes_store = routes.store_handle();
    let last_route = Materialized::with(StringSerde, StringSerde).named("last-route");
    let last_route_store = last_route.handle();
    let trips = b.stream("trips", strings());
    trips
        .join_global(&routes, |_, route| Some(route.clone()), |_, name| name.clone())
        .to("named-trips", Produced::with(StringSerde, StringSerde));
    trips
        .group_by_key(kstream::Grouped::with(StringSerde, StringSerde))
        .reduce(|_, latest| latest, last_route);
    let mut app = KafkaStreams::new(b.build().unwrap(), cluster.clone(), config("global")).unwrap();
    app.start().unwrap();
    for i in 0..30 {
        let route = format!("r{}", 1 + i % 3);
        producer
            .send(
                ProducerRecord::new("trips")
                    .key(format!("truck-{}", i % 5))
                    .value(route),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(5)).unwrap();
    app.wait_until_caught_up(Duration::from_secs(30)).unwrap();

    let last = app.store(&last_route_store).unwrap();
    assert_eq!(last.get(&"truck-4".into()).unwrap(), Some("r3".into()));
    assert_eq!(last.all().unwrap().len(), 5);
    let routes = app.store(&routes_store).unwrap();
    assert_eq!(routes.get(&"r2".into()).unwrap(), Some("Denver".into()));
    // The bytes of every local instance, by name, in key order.
    let raw = app.raw_store("last-route").unwrap();
    assert_eq!(raw.len(), 5);
    assert!(raw.windows(2).all(|w| w[0].0 < w[1].0), "{raw:?}");
    assert_eq!(
        raw.iter()
            .find(|(k, _)| k.as_ref() == b"truck-4")
            .map(|(_, v)| v.as_ref()),
        Some(&b"r3"[..])
    );
    assert!(matches!(app.raw_store("nope"), Err(Error::NoSuchStore(name)) if name == "nope"));
    // A handle of a store of another topology, even one with the same name and types.
    let other = StreamsBuilder::new();
    let elsewhere = other.add_state_store(Materialized::with(StringSerde, StringSerde).named("last-route"));
    assert!(matches!(
        app.store(&elsewhere),
        Err(Error::NoSuchStore(name)) if name == "last-route"
    ));

    let mut reader = cluster
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    let parts: Vec<_> = (0..3)
        .map(|p| streamlog::TopicPartition::new("named-trips", p))
        .collect();
    reader.assign(&parts).unwrap();
    let mut names = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while names.len() < 30 && Instant::now() < deadline {
        for r in reader.poll(Duration::from_millis(100)).unwrap() {
            names.push(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
        }
    }
    names.sort();
    names.dedup();
    assert_eq!(names, vec!["Chicago", "Denver", "Omaha"]);
    assert!(app.close(Duration::from_secs(30)));
    assert_eq!(app.state(), kstream::StreamsState::NotRunning);
}

/// A table partition that takes several polls to fetch (five records a poll here):
/// stream records later in event time wait for all of it, not only for what the polls
/// so far brought, so every one finds its row. The stream asks for the table's keys in
/// reverse, so the first stream records need the table's last rows.
#[test]
fn a_table_fetched_over_several_polls_is_applied_before_later_stream_records() {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    for topic in ["tiers", "purchases", "purchases-with-tier"] {
        admin.create_topic(topic, &TopicConfig::new(1)).unwrap();
    }
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let n = 40;
    for i in 0..n {
        producer
            .send(
                ProducerRecord::new("tiers")
                    .key(format!("c{i}"))
                    .value(format!("tier{i}"))
                    .timestamp(1_000),
            )
            .unwrap();
    }
    for i in 0..n {
        producer
            .send(
                ProducerRecord::new("purchases")
                    .key(format!("c{}", n - 1 - i))
                    .value(format!("p{i}"))
                    .timestamp(2_000 + i),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(5)).unwrap();

    let b = StreamsBuilder::new();
    let tiers = b.table("tiers", strings(), Materialized::with(StringSerde, StringSerde));
    b.stream("purchases", strings())
        .left_join(&tiers, |p: String, t: Option<&String>| {
            format!("{p}:{}", t.map_or("none", String::as_str))
        })
        .to("purchases-with-tier", Produced::with(StringSerde, StringSerde));
    let config = config("fetched-over-polls").set("max.poll.records", "5");
    let mut app = KafkaStreams::new(b.build().unwrap(), cluster.clone(), config).unwrap();
    app.start().unwrap();
    app.wait_until_caught_up(Duration::from_secs(30)).unwrap();
    assert!(app.close(Duration::from_secs(30)));
    assert_eq!(app.state(), kstream::StreamsState::NotRunning);

    let mut reader = cluster
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    reader
        .assign(&[streamlog::TopicPartition::new("purchases-with-tier", 0)])
        .unwrap();
    let mut joined = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while joined.len() < n as usize && Instant::now() < deadline {
        for r in reader.poll(Duration::from_millis(100)).unwrap() {
            joined.push(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
        }
    }
    let expected: Vec<String> = (0..n).map(|i| format!("p{i}:tier{}", n - 1 - i)).collect();
    assert_eq!(joined, expected);
}
