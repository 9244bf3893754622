//! The DSL's shapes: null keys from key mappers, the `…_with_key` and `…_with` forms,
//! `split` as a builder, the option types, and what `build` refuses.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kstream::Error;
use kstream::prelude::*;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

type Kv = (String, String);

fn kv(k: &str, v: &str) -> Kv {
    (k.to_owned(), v.to_owned())
}

fn strings() -> Consumed<String, String> {
    Consumed::with(StringSerde, StringSerde)
}

fn out() -> Produced<String, String> {
    Produced::with(StringSerde, StringSerde)
}

fn read(d: &TopologyTestDriver, topic: &str) -> Vec<Kv> {
    d.output_topic(topic, StringSerde, StringSerde)
        .read_key_values()
        .unwrap()
}

fn pipe(d: &TopologyTestDriver, topic: &str, records: &[(&str, &str)]) {
    let input = d.input_topic(topic, StringSerde, StringSerde);
    for (k, v) in records {
        input.pipe_input((*k).into(), (*v).into()).unwrap();
    }
}

/// Counts `kstream_skipped_records_total{reason="null_key"}`.
#[derive(Default)]
struct NullKeyDrops(Arc<AtomicU64>);

impl Recorder for NullKeyDrops {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let null_key = key.name() == "kstream_skipped_records_total"
            && key
                .labels()
                .any(|l| l.key() == "reason" && l.value() == "null_key");
        if null_key {
            Counter::from_arc(self.0.clone())
        } else {
            Counter::noop()
        }
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

#[test]
fn a_none_key_from_a_key_mapper_drops_the_record_and_counts_it() {
    let b = StreamsBuilder::new();
    let s = b.stream("in", strings());
    // An empty value has no first letter: no key.
    let first = |v: &String| v.chars().next().map(String::from);
    s.select_key(move |_, v| first(v)).to("selected", out());
    s.map(move |_, v| (first(&v), v.to_uppercase()))
        .to("mapped", out());
    s.flat_map(|k, v| {
        v.split(',')
            .map(|w| (w.chars().next().map(String::from), k.clone()))
            .collect::<Vec<_>>()
    })
    .to("flat", out());
    let per_letter = Materialized::with(StringSerde, I64Serde).named("per-letter");
    let per_letter_store = per_letter.handle();
    s.group_by(move |_, v| first(v), Grouped::with(StringSerde, StringSerde))
        .count(per_letter);
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let drops = NullKeyDrops::default();
    metrics::with_local_recorder(&drops, || {
        pipe(&d, "in", &[("1", "apple"), ("2", ""), ("3", "avocado,,b")]);
    });
    // "" loses its record in select_key, map, flat_map and group_by; "avocado,,b" its
    // empty word in flat_map.
    assert_eq!(drops.0.load(Ordering::Relaxed), 5);
    assert_eq!(
        read(&d, "selected"),
        vec![kv("a", "apple"), kv("a", "avocado,,b")]
    );
    assert_eq!(read(&d, "mapped"), vec![kv("a", "APPLE"), kv("a", "AVOCADO,,B")]);
    assert_eq!(read(&d, "flat"), vec![kv("a", "1"), kv("a", "3"), kv("b", "3")]);
    let counts = d.store(&per_letter_store).unwrap();
    assert_eq!(counts.get(&"a".into()).unwrap(), Some(2));
    assert_eq!(counts.get(&String::new()).unwrap(), None);
}

#[test]
fn a_table_row_regrouped_to_a_none_key_leaves_its_group() {
    let b = StreamsBuilder::new();
    let per_region = Materialized::with(StringSerde, I64Serde).named("per-region");
    let per_region_store = per_region.handle();
    b.table(
        "accounts",
        strings(),
        Materialized::with(StringSerde, StringSerde),
    )
    // "region:amount"; an account without a region belongs to no group.
    .group_by(
        |id, v| {
            (
                v.split_once(':')
                    .map(|(r, _)| r.to_owned())
                    .filter(|r| !r.is_empty()),
                id.clone(),
            )
        },
        Grouped::with(StringSerde, StringSerde),
    )
    .count(per_region);
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    pipe(&d, "accounts", &[("a1", "eu:1"), ("a2", "eu:2"), ("a1", ":3")]);
    let counts = d.store(&per_region_store).unwrap();
    assert_eq!(counts.get(&"eu".into()).unwrap(), Some(1));
}

#[test]
fn with_key_forms_see_the_key_and_values_are_moved_in() {
    let b = StreamsBuilder::new();
    let table = b.table("t", strings(), Materialized::with(StringSerde, StringSerde));
    let s = b.stream("in", strings());
    s.map_values_with_key(|k, v| format!("{k}={v}"))
        .to("mapped", out());
    s.flat_map_values_with_key(|k, v| [format!("{k}1{v}"), format!("{k}2{v}")])
        .to("flat", out());
    s.join_with_key(&table, |k, v, t| format!("{k}:{v}+{t}"))
        .to("inner", out());
    s.left_join_with_key(&table, |k, v, t| {
        format!("{k}:{v}+{}", t.map_or("-", String::as_str))
    })
    .to("left", out());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    pipe(&d, "t", &[("k", "T")]);
    pipe(&d, "in", &[("k", "x"), ("j", "y")]);
    assert_eq!(read(&d, "mapped"), vec![kv("k", "k=x"), kv("j", "j=y")]);
    assert_eq!(
        read(&d, "flat"),
        vec![kv("k", "k1x"), kv("k", "k2x"), kv("j", "j1y"), kv("j", "j2y")]
    );
    assert_eq!(read(&d, "inner"), vec![kv("k", "k:x+T")]);
    assert_eq!(read(&d, "left"), vec![kv("k", "k:x+T"), kv("j", "j:y+-")]);
}

#[test]
fn a_global_join_key_mapper_returning_none_is_no_match() {
    let b = StreamsBuilder::new();
    let routes = b.global_table("routes", strings(), Some("routes"));
    let trips = b.stream("trips", strings());
    // A value "-" names no route.
    let route = |_: &String, v: &String| (v != "-").then(|| v.clone());
    trips
        .join_global(&routes, route, |v, name| format!("{v}={name}"))
        .to("inner", out());
    trips
        .left_join_global_with_key(&routes, route, |k, v, name| {
            format!("{k}:{v}={}", name.map_or("?", String::as_str))
        })
        .to("left", out());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    pipe(&d, "routes", &[("r1", "Chicago"), ("-", "nowhere")]);
    pipe(&d, "trips", &[("t1", "r1"), ("t2", "-")]);
    assert_eq!(read(&d, "inner"), vec![kv("t1", "r1=Chicago")]);
    assert_eq!(
        read(&d, "left"),
        vec![kv("t1", "t1:r1=Chicago"), kv("t2", "t2:-=?")]
    );
}

#[test]
fn split_returns_named_branches_and_no_default_branch_drops_the_rest() {
    let b = StreamsBuilder::new();
    let branches = b
        .stream("in", strings())
        .split_with(Named::as_("level-").unwrap())
        .branch_with(|_, v| v.starts_with('e'), Branched::as_("error").unwrap())
        .branch(|_, v| v.starts_with('w'))
        .no_default_branch();
    let names: Vec<&str> = branches.keys().map(String::as_str).collect();
    assert_eq!(names, ["level-2", "level-error"]);
    branches["level-error"].to("errors", out());
    branches["level-2"].to("warnings", out());
    let topology = b.build().unwrap();
    let described = topology.describe().to_string();
    assert!(
        described.contains("Processor: level- (stores: [])"),
        "{described}"
    );
    assert!(described.contains("--> level-2, level-error"), "{described}");
    let d = TopologyTestDriver::new(topology).unwrap();
    pipe(
        &d,
        "in",
        &[
            ("1", "error: disk"),
            ("2", "info: up"),
            ("3", "warn: slow"),
            ("4", "ewww"),
        ],
    );
    assert_eq!(read(&d, "errors"), vec![kv("1", "error: disk"), kv("4", "ewww")]);
    assert_eq!(read(&d, "warnings"), vec![kv("3", "warn: slow")]);
}

#[test]
fn names_given_with_options_name_the_processors_and_topics() {
    let b = StreamsBuilder::new();
    b.stream("in", strings().named("read-in").unwrap())
        .filter_with(|_, v| !v.is_empty(), Named::as_("non-empty").unwrap())
        .map_values_with(|v| v.to_uppercase(), Named::as_("upper").unwrap())
        .select_key_with(|_, v| Some(v.clone()), Named::as_("by-value").unwrap())
        .repartition(
            Repartitioned::with(StringSerde, StringSerde)
                .named("rekeyed")
                .unwrap()
                .partitions(3)
                .unwrap(),
        )
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count_with(
            Materialized::with(StringSerde, I64Serde).named("counts"),
            Named::as_("count").unwrap(),
        )
        .to_stream_with(Named::as_("changes").unwrap())
        .to(
            "out",
            Produced::with(StringSerde, OptionSerde(I64Serde))
                .named("write-out")
                .unwrap(),
        );
    let described = b.build().unwrap().describe().to_string();
    for line in [
        "Source: read-in (topics: [in])",
        "Processor: non-empty (stores: [])",
        "Processor: upper (stores: [])",
        "Processor: by-value (stores: [])",
        "(topic: rekeyed-repartition)",
        "(topics: [rekeyed-repartition])",
        "Processor: count (stores: [counts])",
        "Processor: changes (stores: [])",
        "Sink: write-out (topic: out)",
    ] {
        assert!(described.contains(line), "no `{line}` in\n{described}");
    }
}

#[test]
fn a_repartition_topic_gets_the_partition_count_asked_for() {
    let cluster = Cluster::embedded();
    cluster
        .admin()
        .unwrap()
        .create_topic("in", &TopicConfig::new(2))
        .unwrap();
    let b = StreamsBuilder::new();
    b.stream("in", strings())
        .repartition(
            Repartitioned::with(StringSerde, StringSerde)
                .named("wide")
                .unwrap()
                .partitions(5)
                .unwrap(),
        )
        .to("out", out());
    let app = KafkaStreams::new(b.build().unwrap(), cluster.clone(), StreamsConfig::new("parts")).unwrap();
    assert_eq!(
        cluster
            .admin()
            .unwrap()
            .partition_count("parts-wide-repartition")
            .unwrap(),
        5
    );
    assert!(app.close(Duration::from_secs(10)), "closed in time");
}

#[test]
fn option_values_kafka_would_refuse_are_errors_naming_them() {
    for bad in [
        Named::as_("a b").map(drop),
        Branched::as_("").map(drop),
        Grouped::with(StringSerde, StringSerde).named("x/y").map(drop),
        Joined::<String, String>::as_("é").map(drop),
        Repartitioned::with(StringSerde, StringSerde)
            .partitions(0)
            .map(drop),
    ] {
        assert!(matches!(bad, Err(Error::InvalidOption { .. })), "{bad:?}");
    }
    let err = Repartitioned::with(StringSerde, StringSerde)
        .partitions(0)
        .unwrap_err();
    assert!(err.to_string().contains("partition count `0`"), "{err}");
}

#[test]
fn a_join_after_a_key_change_repartitions_with_the_joined_serdes() {
    let b = StreamsBuilder::new();
    let drivers = b.table("drivers", strings(), Materialized::with(StringSerde, StringSerde));
    b.stream("events", strings())
        // "driver,event": the driver becomes the key.
        .map(|_, v| match v.split_once(',') {
            Some((driver, event)) => (Some(driver.to_owned()), event.to_owned()),
            None => (None, v),
        })
        .join_with(
            &drivers,
            |e, d| format!("{e} by {d}"),
            Joined::with(StringSerde, StringSerde).named("by-driver").unwrap(),
        )
        .to("out", out());
    let topology = b.build().unwrap();
    let described = topology.describe().to_string();
    assert!(
        described.contains("(topic: by-driver-repartition)"),
        "{described}"
    );
    assert!(
        described.contains("Processor: by-driver (stores: ["),
        "{described}"
    );
    let d = TopologyTestDriver::new(topology).unwrap();
    pipe(&d, "drivers", &[("31", "Walter")]);
    pipe(
        &d,
        "events",
        &[("e1", "31,overspeed"), ("e2", "32,lane"), ("e3", "no driver")],
    );
    assert_eq!(read(&d, "out"), vec![kv("31", "overspeed by Walter")]);
}

#[test]
fn build_refuses_what_kafka_would_refuse_and_says_what() {
    let build_error = |b: StreamsBuilder| match b.build() {
        Err(Error::Topology(problem)) => problem,
        other => panic!("built: {other:?}"),
    };

    let b = StreamsBuilder::new();
    let t = b.table("t", strings(), Materialized::with(StringSerde, StringSerde));
    b.stream("in", strings())
        .select_key(|_, v| Some(v.clone()))
        .left_join(&t, |v, _| v)
        .to("out", out());
    let problem = build_error(b);
    assert!(problem.contains("Joined::with"), "{problem}");

    let b = StreamsBuilder::new();
    let s = b.stream("in", strings());
    s.filter_with(|_, _| true, Named::as_("twice").unwrap())
        .to("a", out());
    s.peek_with(|_, _| (), Named::as_("twice").unwrap())
        .to("b", out());
    let problem = build_error(b);
    assert!(problem.contains("`twice` is used twice"), "{problem}");

    let b = StreamsBuilder::new();
    let branches = b
        .stream("in", strings())
        .split()
        .branch_with(|_, _| true, Branched::as_("x").unwrap())
        .branch_with(|_, _| false, Branched::as_("x").unwrap())
        .no_default_branch();
    assert_eq!(branches.len(), 1);
    let problem = build_error(b);
    assert!(problem.contains("used twice"), "{problem}");

    let b = StreamsBuilder::new();
    b.stream("in", strings()).to("a", out());
    b.table("in", strings(), Materialized::with(StringSerde, StringSerde));
    let problem = build_error(b);
    assert!(problem.contains("topic `in` is read by two sources"), "{problem}");

    let b = StreamsBuilder::new();
    let s = b.stream("in", strings());
    s.repartition(Repartitioned::with(StringSerde, StringSerde).named("r").unwrap())
        .to("a", out());
    s.repartition(Repartitioned::with(StringSerde, StringSerde).named("r").unwrap())
        .to("b", out());
    let problem = build_error(b);
    // Both repartitions name their nodes after the topic, as in Kafka Streams.
    assert!(
        problem.contains("`r-repartition-filter` is used twice"),
        "{problem}"
    );

    let (one, two) = (StreamsBuilder::new(), StreamsBuilder::new());
    let table = two.table("t", strings(), Materialized::with(StringSerde, StringSerde));
    one.stream("in", strings())
        .join(&table, |v, _| v)
        .to("out", out());
    two.stream("other", strings()).to("sink", out());
    let problem = build_error(one);
    assert!(problem.contains("different StreamsBuilders"), "{problem}");
    assert!(two.build().is_ok());
}

#[test]
fn handles_print_their_operator_names() {
    let b = StreamsBuilder::new();
    let s = b
        .stream("in", strings())
        .filter_with(|_, _| true, Named::as_("keep").unwrap());
    assert_eq!(
        format!("{s:?}"),
        r#"KStream { processor: "keep", key_changed: false }"#
    );
    let t = s.group_by_key(Grouped::with(StringSerde, StringSerde));
    assert_eq!(format!("{t:?}"), r#"KGroupedStream { processor: "keep" }"#);
    let counts = t.count(Materialized::with(StringSerde, I64Serde).named("n"));
    assert!(
        format!("{counts:?}").contains(r#"store: Some("n")"#),
        "{counts:?}"
    );
    let split = s.split_with(Named::as_("s-").unwrap()).branch(|_, _| true);
    assert_eq!(
        format!("{split:?}"),
        r#"BranchedKStream { name: "s-", branches: ["s-1"] }"#
    );
    let produced = out();
    assert!(format!("{produced:?}").contains("StringSerde"), "{produced:?}");
    assert!(format!("{b:?}").contains("keep"), "{b:?}");
}
