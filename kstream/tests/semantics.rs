//! The DSL's semantics as scenarios with exact expected outputs, run on the test driver.

use std::time::Duration;

use kstream::{
    Consumed, DeserializationHandler, Error, Grouped, I64Serde, Materialized, OptionSerde, Processor,
    ProcessorContext, ProcessorError, Produced, PunctuationType, StoreHandle, StreamsBuilder, StringSerde,
    TopologyTestDriver,
};

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

#[test]
fn stateless_operations_in_order() {
    let b = StreamsBuilder::new();
    let s = b.stream("in", strings());
    s.filter(|_, v| v != "drop")
        .flat_map_values(|v: String| v.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .map(|k, v| (Some(format!("{k}:{v}")), v.to_uppercase()))
        .to("out", out());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    for (k, v) in [("a", "x y"), ("b", "drop"), ("c", "z")] {
        input.pipe_input(k.into(), v.into()).unwrap();
    }
    let got = d
        .output_topic("out", StringSerde, StringSerde)
        .read_key_values()
        .unwrap();
    assert_eq!(got, vec![kv("a:x", "X"), kv("a:y", "Y"), kv("c:z", "Z")]);
}

#[test]
fn split_sends_each_record_to_the_first_matching_branch_or_the_default() {
    let b = StreamsBuilder::new();
    let branches = b
        .stream("in", strings())
        .split()
        .branch(|_, v| v.starts_with('a'))
        .branch(|_, v| v.starts_with('a') || v.starts_with('b'))
        .default_branch();
    let names: Vec<&str> = branches.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "KSTREAM-BRANCH-00000000010",
            "KSTREAM-BRANCH-00000000011",
            "KSTREAM-BRANCH-00000000012"
        ]
    );
    let branch = |n: usize| branches[&format!("KSTREAM-BRANCH-0000000001{n}")];
    branch(1).to("out0", out());
    branch(2).to("out1", out());
    branch(0).to("out2", out());
    let merged = branch(1).merge(&branch(0));
    merged.to("merged", out());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    for v in ["apple", "banana", "cherry", "avocado"] {
        input.pipe_input("k".into(), v.into()).unwrap();
    }
    let read = |t: &str| {
        d.output_topic(t, StringSerde, StringSerde)
            .read_key_values()
            .unwrap()
    };
    assert_eq!(read("out0"), vec![kv("k", "apple"), kv("k", "avocado")]);
    assert_eq!(read("out1"), vec![kv("k", "banana")]);
    assert_eq!(read("out2"), vec![kv("k", "cherry")]);
    assert_eq!(
        read("merged"),
        vec![kv("k", "apple"), kv("k", "cherry"), kv("k", "avocado")]
    );
}

#[test]
fn stream_table_join_emits_only_on_the_stream_side_and_a_tombstone_deletes() {
    let b = StreamsBuilder::new();
    let table = b.table(
        "drivers",
        strings(),
        Materialized::with(StringSerde, StringSerde).named("drivers"),
    );
    let events = b.stream("events", strings());
    events.join(&table, |e, d| format!("{e}/{d}")).to("inner", out());
    events
        .left_join(&table, |e, d| format!("{e}/{}", d.map_or("-", |d| d.as_str())))
        .to("left", out());
    let drivers_store = table.store_handle().unwrap();
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let drivers = d.input_topic("drivers", StringSerde, StringSerde);
    let events = d.input_topic("events", StringSerde, StringSerde);
    events.pipe_input("1".into(), "e1".into()).unwrap();
    drivers.pipe_input("1".into(), "Walter".into()).unwrap(); // emits nothing
    events.pipe_input("1".into(), "e2".into()).unwrap();
    drivers.pipe_tombstone("1".into(), 0).unwrap();
    events.pipe_input("1".into(), "e3".into()).unwrap();
    let read = |t: &str| {
        d.output_topic(t, StringSerde, StringSerde)
            .read_key_values()
            .unwrap()
    };
    assert_eq!(read("inner"), vec![kv("1", "e2/Walter")]);
    assert_eq!(
        read("left"),
        vec![kv("1", "e1/-"), kv("1", "e2/Walter"), kv("1", "e3/-")]
    );
    let store = d.store(&drivers_store).unwrap();
    assert_eq!(store.get(&"1".into()).unwrap(), None);
}

#[test]
fn table_table_join_updates_from_both_sides() {
    let b = StreamsBuilder::new();
    let left = b.table("l", strings(), Materialized::with(StringSerde, StringSerde));
    let right = b.table("r", strings(), Materialized::with(StringSerde, StringSerde));
    let opt = || Produced::with(StringSerde, OptionSerde(StringSerde));
    left.join(&right, |a, b| format!("{a}+{b}"))
        .to_stream()
        .to("inner", opt());
    left.outer_join(&right, |a, b| {
        format!(
            "{}+{}",
            a.map_or("-", |s| s.as_str()),
            b.map_or("-", |s| s.as_str())
        )
    })
    .to_stream()
    .to("outer", opt());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let l = d.input_topic("l", StringSerde, StringSerde);
    let r = d.input_topic("r", StringSerde, StringSerde);
    l.pipe_input("k".into(), "a1".into()).unwrap();
    r.pipe_input("k".into(), "b1".into()).unwrap();
    l.pipe_input("k".into(), "a2".into()).unwrap();
    r.pipe_tombstone("k".into(), 0).unwrap();
    let read = |t: &str| {
        d.output_topic(t, StringSerde, OptionSerde(StringSerde))
            .read_key_values()
            .unwrap()
    };
    let some = |k: &str, v: &str| (k.to_owned(), Some(v.to_owned()));
    assert_eq!(
        read("inner"),
        vec![some("k", "a1+b1"), some("k", "a2+b1"), ("k".into(), None)]
    );
    assert_eq!(
        read("outer"),
        vec![
            some("k", "a1+-"),
            some("k", "a1+b1"),
            some("k", "a2+b1"),
            some("k", "a2+-")
        ]
    );
}

#[test]
fn group_by_repartitions_and_counts_per_new_key() {
    let b = StreamsBuilder::new();
    let counts = b
        .stream("words", strings())
        .group_by(
            |_, word| Some(word.to_lowercase()),
            Grouped::with(StringSerde, StringSerde).named("by-word").unwrap(),
        )
        .count(Materialized::with(StringSerde, I64Serde).named("counts"));
    counts
        .to_stream()
        .to("counts-out", Produced::with(StringSerde, OptionSerde(I64Serde)));
    let counts_store = counts.store_handle().unwrap();
    let topology = b.build().unwrap();
    let described = topology.describe().to_string();
    assert!(described.contains("Sub-topology: 1"), "{described}");
    assert!(described.contains("by-word-repartition"), "{described}");
    let d = TopologyTestDriver::new(topology).unwrap();
    let input = d.input_topic("words", StringSerde, StringSerde);
    for w in ["Kafka", "rust", "kafka", "KAFKA"] {
        input.pipe_input("line".into(), w.into()).unwrap();
    }
    let got = d
        .output_topic("counts-out", StringSerde, OptionSerde(I64Serde))
        .read_key_values()
        .unwrap();
    let c = |k: &str, n| (k.to_owned(), Some(n));
    assert_eq!(
        got,
        vec![c("kafka", 1), c("rust", 1), c("kafka", 2), c("kafka", 3)]
    );
    // The repartition topic carries the new key.
    let repartitioned = d.read_raw("test-driver-by-word-repartition");
    assert_eq!(repartitioned.len(), 4);
    let store = d.store(&counts_store).unwrap();
    assert_eq!(
        store.all().unwrap(),
        vec![("kafka".into(), 3), ("rust".into(), 1)]
    );
}

#[test]
fn reduce_and_aggregate() {
    let b = StreamsBuilder::new();
    let grouped = b
        .stream("n", Consumed::with(StringSerde, I64Serde))
        .group_by_key(Grouped::with(StringSerde, I64Serde));
    let max = Materialized::with(StringSerde, I64Serde).named("max");
    let max_store = max.handle();
    grouped.reduce(|a, b| a.max(b), max);
    let concat = grouped.aggregate(
        String::new,
        |_, v, agg: String| format!("{agg}{v}"),
        Materialized::with(StringSerde, StringSerde).named("concat"),
    );
    let concat_store = concat.store_handle().unwrap();
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("n", StringSerde, I64Serde);
    for (k, v) in [("a", 3), ("a", 7), ("b", 1), ("a", 5)] {
        input.pipe_input(k.into(), v).unwrap();
    }
    let max = d.store(&max_store).unwrap();
    assert_eq!(max.all().unwrap(), vec![("a".into(), 7), ("b".into(), 1)]);
    let concat = d.store(&concat_store).unwrap();
    assert_eq!(concat.get(&"a".into()).unwrap(), Some("375".into()));
}

struct Dedup {
    seen: StoreHandle<String, String>,
}

impl Processor<String, String, String, String> for Dedup {
    fn init(&mut self, ctx: &mut ProcessorContext<'_, String, String>) -> Result<(), ProcessorError> {
        ctx.schedule(
            std::time::Duration::from_millis(100),
            PunctuationType::WallClockTime,
        );
        Ok(())
    }
    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        key: String,
        value: String,
    ) -> Result<(), ProcessorError> {
        let seen = ctx.store(&self.seen)?;
        if seen.get(&value)?.is_none() {
            seen.put(&value, &key)?;
            ctx.forward(key, value)?;
        }
        Ok(())
    }
    fn punctuate(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        _: PunctuationType,
        now: i64,
    ) -> Result<(), ProcessorError> {
        let seen = ctx.store(&self.seen)?;
        let n = seen.all()?.len();
        Ok(ctx.forward("tick".into(), format!("{now}:{n}"))?)
    }
}

#[test]
fn processor_api_with_a_store_and_wall_clock_punctuation() {
    let b = StreamsBuilder::new();
    let seen = b.add_state_store(Materialized::with(StringSerde, StringSerde).named("seen"));
    let dedup = seen.clone();
    b.stream("in", strings())
        .process(move || Dedup { seen: dedup.clone() }, &[&seen])
        .to("out", out());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    for (k, v) in [("1", "x"), ("2", "x"), ("3", "y")] {
        input.pipe_input(k.into(), v.into()).unwrap();
    }
    d.advance_wall_clock(Duration::from_millis(50)).unwrap();
    d.advance_wall_clock(Duration::from_millis(60)).unwrap();
    let got = d
        .output_topic("out", StringSerde, StringSerde)
        .read_key_values()
        .unwrap();
    assert_eq!(got, vec![kv("1", "x"), kv("3", "y"), kv("tick", "110:2")]);
}

#[test]
fn build_errors_name_the_problem() {
    // A store of another builder.
    let elsewhere =
        StreamsBuilder::new().add_state_store(Materialized::with(StringSerde, StringSerde).named("nope"));
    let b = StreamsBuilder::new();
    let dedup = elsewhere.clone();
    b.stream("in", strings())
        .process(move || Dedup { seen: dedup.clone() }, &[&elsewhere])
        .to("out", out());
    let err = b.build().unwrap_err().to_string();
    assert!(err.contains("store `nope`"), "{err}");

    let b = StreamsBuilder::new();
    let t = b.table("t", strings(), Materialized::with(StringSerde, StringSerde));
    b.stream("in", strings())
        .select_key(|_, v| Some(v.clone()))
        .join(&t, |a, _| a);
    let err = b.build().unwrap_err().to_string();
    assert!(err.contains("repartition"), "{err}");

    let b = StreamsBuilder::new();
    b.add_state_store(Materialized::with(StringSerde, StringSerde).named("x"));
    b.add_state_store(Materialized::with(StringSerde, StringSerde).named("x"));
    assert!(b.build().unwrap_err().to_string().contains("used twice"));
}

#[test]
fn undecodable_records_follow_the_handler() {
    let topology = || {
        let b = StreamsBuilder::new();
        b.stream("in", Consumed::with(StringSerde, I64Serde))
            .map_values(|n| n * 2)
            .to("out", Produced::with(StringSerde, I64Serde));
        b.build().unwrap()
    };
    let bad = Some(bytes::Bytes::from_static(b"xyz"));
    let good = Some(bytes::Bytes::copy_from_slice(&21i64.to_be_bytes()));

    let d = TopologyTestDriver::new(topology()).unwrap();
    let err = d.pipe_raw("in", Some("k".into()), bad.clone(), 0).unwrap_err();
    assert!(
        matches!(&err, Error::Deserialize { topic, offset: 0, part: "value", .. } if topic == "in"),
        "{err}"
    );
    // A key that is not UTF-8 is named as the key.
    let err = d
        .pipe_raw("in", Some(bytes::Bytes::from_static(&[0xff])), good.clone(), 0)
        .unwrap_err();
    assert!(matches!(err, Error::Deserialize { part: "key", .. }), "{err}");

    let d = TopologyTestDriver::with_handler(topology(), DeserializationHandler::LogAndContinue).unwrap();
    d.pipe_raw("in", Some("k".into()), bad.clone(), 0).unwrap();
    d.pipe_raw("in", Some("k".into()), good.clone(), 0).unwrap();
    assert_eq!(
        d.output_topic("out", StringSerde, I64Serde)
            .read_key_values()
            .unwrap(),
        vec![("k".into(), 42)]
    );

    let d = TopologyTestDriver::with_handler(topology(), DeserializationHandler::DeadLetter("dlq".into()))
        .unwrap();
    d.pipe_raw("in", Some("k".into()), bad, 0).unwrap();
    let dead = d.read_raw("dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].value.as_deref(), Some(&b"xyz"[..]));
    let error = dead[0]
        .headers
        .last("__dlq.error")
        .and_then(|h| h.value.clone())
        .unwrap();
    assert!(String::from_utf8_lossy(&error).contains("3 bytes, expected 8"));
}

#[test]
fn global_table_joins_through_a_key_mapper() {
    let b = StreamsBuilder::new();
    let routes = b.global_table("routes", strings(), Some("routes"));
    let trips = b.stream("trips", strings());
    // A trip's value names its route; the key is the truck.
    trips
        .join_global(
            &routes,
            |_, route| Some(route.clone()),
            |route, name| format!("{route}={name}"),
        )
        .to("inner", out());
    trips
        .left_join_global(
            &routes,
            |_, route| Some(route.clone()),
            |route, name| format!("{route}={}", name.map_or("?", |n| n.as_str())),
        )
        .to("left", out());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let routes = d.input_topic("routes", StringSerde, StringSerde);
    let trips = d.input_topic("trips", StringSerde, StringSerde);
    routes.pipe_input("r1".into(), "Chicago".into()).unwrap();
    trips.pipe_input("truck-1".into(), "r1".into()).unwrap();
    trips.pipe_input("truck-2".into(), "r2".into()).unwrap();
    routes.pipe_tombstone("r1".into(), 0).unwrap();
    trips.pipe_input("truck-1".into(), "r1".into()).unwrap();
    let read = |t: &str| {
        d.output_topic(t, StringSerde, StringSerde)
            .read_key_values()
            .unwrap()
    };
    assert_eq!(read("inner"), vec![kv("truck-1", "r1=Chicago")]);
    assert_eq!(
        read("left"),
        vec![
            kv("truck-1", "r1=Chicago"),
            kv("truck-2", "r2=?"),
            kv("truck-1", "r1=?")
        ]
    );
}

#[test]
fn event_time_comes_from_the_timestamp_extractor() {
    // Positions in the seed's CSV shape carry their own time in the first field.
    let b = StreamsBuilder::new();
    b.stream("positions", strings()).to("out", out());
    let config = kstream::StreamsConfig::new("app").timestamp_extractor(kstream::TimestampExtractor::new(
        |record, stream_time| {
            let value = record.value.as_deref().unwrap_or_default();
            let first = String::from_utf8_lossy(value)
                .split(',')
                .next()
                .and_then(|t| t.parse().ok());
            first.unwrap_or(stream_time)
        },
    ));
    let d = TopologyTestDriver::with_config(b.build().unwrap(), &config).unwrap();
    let input = d.input_topic("positions", StringSerde, StringSerde);
    input
        .pipe_input_at("31".into(), "1522846456703,101,31".into(), 5)
        .unwrap();
    input.pipe_input_at("31".into(), "garbage".into(), 6).unwrap();
    let times: Vec<Option<i64>> = d.read_raw("out").iter().map(|r| r.timestamp).collect();
    // The second record has no time of its own: it takes the stream time.
    assert_eq!(times, vec![Some(1_522_846_456_703), Some(1_522_846_456_703)]);
}

/// Writes strings, but refuses any containing "bad".
struct PickySerde;

impl kstream::serdes::Serde<String> for PickySerde {
    fn serialize(&self, _: &str, value: &String) -> kstream::serdes::SerdeResult<Option<bytes::Bytes>> {
        if value.contains("bad") {
            return Err(kstream::serdes::SerdeError::bad_data(format!(
                "refusing `{value}`"
            )));
        }
        Ok(Some(bytes::Bytes::copy_from_slice(value.as_bytes())))
    }
    fn deserialize(&self, _: &str, data: Option<&[u8]>) -> kstream::serdes::SerdeResult<String> {
        Ok(String::from_utf8_lossy(data.unwrap_or_default()).into_owned())
    }
}

#[test]
fn records_that_do_not_serialize_follow_the_production_handler() {
    let topology = || {
        let b = StreamsBuilder::new();
        b.stream("in", strings())
            .to("out", Produced::with(StringSerde, PickySerde));
        b.build().unwrap()
    };
    let config = |key: &str, value: &str| kstream::StreamsConfig::new("t").set(key, value);

    let d = TopologyTestDriver::new(topology()).unwrap();
    let err = d
        .pipe_raw("in", Some("k".into()), Some("a bad one".into()), 0)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Serialize { topic, source } if topic == "out" && source.message().contains("refusing")),
        "{err}"
    );

    let d = TopologyTestDriver::with_config(
        topology(),
        &config("default.production.exception.handler", "continue"),
    )
    .unwrap();
    for v in ["good", "bad", "fine"] {
        d.pipe_raw("in", Some("k".into()), Some(v.into()), 0).unwrap();
    }
    assert_eq!(
        d.output_topic("out", StringSerde, StringSerde)
            .read_key_values()
            .unwrap(),
        vec![kv("k", "good"), kv("k", "fine")]
    );

    let d = TopologyTestDriver::with_config(topology(), &config("errors.deadletterqueue.topic.name", "dlq"))
        .unwrap();
    d.pipe_raw("in", Some("k".into()), Some("ok".into()), 0).unwrap();
    d.pipe_raw("in", Some("k".into()), Some("bad".into()), 7).unwrap();
    assert_eq!(d.read_raw("out").len(), 1);
    let dead = d.read_raw("dlq");
    assert_eq!(dead.len(), 1);
    let header = |name: &str| {
        String::from_utf8_lossy(&dead[0].headers.last(name).and_then(|h| h.value.clone()).unwrap())
            .into_owned()
    };
    assert_eq!(header("__dlq.sink"), "out");
    assert_eq!(header("__dlq.topic"), "in");
    assert_eq!(header("__dlq.offset"), "1");
    assert!(header("__dlq.error").contains("refusing `bad`"));
    assert_eq!((dead[0].key.clone(), dead[0].value.clone()), (None, None));

    let err = TopologyTestDriver::with_config(
        topology(),
        &config("default.production.exception.handler", "shrug"),
    )
    .err()
    .unwrap();
    assert!(
        matches!(&err, Error::InvalidConfig { key, value, .. }
            if key == "default.production.exception.handler" && value == "shrug"),
        "{err}"
    );
}

#[test]
fn a_topic_can_have_its_own_timestamp_extractor() {
    // Positions carry their event time in the value ("<millis>,<rest>"); the other
    // topic uses the record timestamp (the default extractor).
    let from_value = kstream::TimestampExtractor::new(|record, stream_time| {
        record
            .value
            .as_deref()
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.split(',').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or(stream_time)
    });
    let b = StreamsBuilder::new();
    b.stream("positions", strings().with_timestamp_extractor(from_value))
        .to("positions-out", out());
    b.stream("other", strings()).to("other-out", out());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    d.pipe_raw("positions", Some("k".into()), Some("1522846456703,101".into()), 5)
        .unwrap();
    d.pipe_raw("other", Some("k".into()), Some("1522846456703,101".into()), 5)
        .unwrap();
    assert_eq!(d.read_raw("positions-out")[0].timestamp, Some(1_522_846_456_703));
    assert_eq!(d.read_raw("other-out")[0].timestamp, Some(5));
}
