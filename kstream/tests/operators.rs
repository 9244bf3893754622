//! The DSL's further operators beyond what the differential suite shows: a topic name
//! extractor's bad names and partition counts, fixed-key processors and repartitioning,
//! materializing a derived table, cogroup's build checks, and `describe()`'s layout.

use std::time::{Duration, Instant};

use kstream::description::NodeDescription;
use kstream::prelude::*;
use kstream::processor::{FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord};
use kstream::{Error, Processor};

fn strings() -> Consumed<String, String> {
    Consumed::with(StringSerde, StringSerde)
}

fn out() -> Produced<String, String> {
    Produced::with(StringSerde, StringSerde)
}

#[test]
fn a_picked_topic_kafka_would_refuse_stops_the_task_naming_sink_and_topic() {
    let b = StreamsBuilder::new();
    b.stream("in", strings())
        .to_dynamic(|_, v, _| format!("out {v}"), out().named("route").unwrap());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let err = d
        .input_topic("in", StringSerde, StringSerde)
        .pipe_input("k".into(), "x".into())
        .unwrap_err();
    match &err {
        Error::ExtractedTopic { sink, topic, reason } => {
            assert_eq!((sink.as_str(), topic.as_str()), ("route", "out x"));
            assert!(reason.contains("only contain"), "{reason}");
        }
        other => panic!("expected ExtractedTopic, got {other:?}"),
    }
    assert!(err.to_string().contains("`out x`"), "{err}");
}

#[test]
fn a_picked_topic_is_partitioned_with_its_partition_count_from_the_log() {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    admin.create_topic("orders", &TopicConfig::new(1)).unwrap();
    admin.create_topic("orders-eu", &TopicConfig::new(4)).unwrap();
    let b = StreamsBuilder::new();
    b.stream("orders", strings()).to_dynamic(
        |_, v: &String, _| format!("orders-{}", v.split(':').next().unwrap_or("other")),
        // The last partition, which only a partitioner told the count of 4 picks.
        out().partitioner(|_, _, count| count - 1),
    );
    let dir = std::env::temp_dir().join(format!("kstream-operators-test-{}", std::process::id()));
    let config = StreamsConfig::new("dynamic")
        .commit_interval(Duration::from_millis(50))
        .state_dir(dir);
    let mut app = KafkaStreams::new(b.build().unwrap(), cluster.clone(), config).unwrap();
    app.start().unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    producer
        .send(ProducerRecord::new("orders").key("o1").value("eu:3 pens"))
        .unwrap();
    producer.flush(Duration::from_secs(5)).unwrap();

    let mut reader = cluster
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    let parts: Vec<_> = (0..4).map(|p| TopicPartition::new("orders-eu", p)).collect();
    reader.assign(&parts).unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.is_empty() && Instant::now() < deadline {
        for r in reader.poll(Duration::from_millis(100)).unwrap() {
            seen.push((r.partition, String::from_utf8(r.value.unwrap().to_vec()).unwrap()));
        }
    }
    assert_eq!(seen, vec![(3, "eu:3 pens".to_string())]);
    assert!(app.close(Duration::from_secs(30)));
}

/// Appends the record's topic to its value.
struct Tag;

impl FixedKeyProcessor<String, String, String> for Tag {
    fn process(
        &mut self,
        ctx: &mut FixedKeyProcessorContext<'_, String, String>,
        record: FixedKeyRecord<String, String>,
    ) -> Result<(), ProcessorError> {
        let topic = ctx.topic().to_owned();
        ctx.forward(record.map_value(|v| format!("{v}@{topic}")))?;
        Ok(())
    }
}

/// Forwards each record as it came (but may change keys, as far as the DSL knows).
struct Same;

impl Processor<String, String, String, String> for Same {
    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        key: String,
        value: String,
    ) -> Result<(), ProcessorError> {
        ctx.forward(key, value)?;
        Ok(())
    }
}

/// The names of the internal topics a topology writes.
fn internal_sinks(topology: &Topology) -> Vec<String> {
    let description = topology.describe();
    description
        .subtopologies()
        .iter()
        .flat_map(|s| s.nodes())
        .filter_map(|n| match n.kind() {
            NodeDescription::Sink { topic: Some(t) } if t.ends_with("-repartition") => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_fixed_key_processor_keeps_the_key_so_a_grouping_after_it_reads_no_repartition_topic() {
    let counts = || Materialized::with(StringSerde, I64Serde).named("counts");
    let b = StreamsBuilder::new();
    b.stream("in", strings())
        .process_values_with(|| Tag, &[], Named::as_("tag").unwrap())
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(counts());
    let kept = b.build().unwrap();
    assert_eq!(internal_sinks(&kept), Vec::<String>::new());
    assert!(
        kept.describe()
            .to_string()
            .contains("Processor: tag (stores: [])")
    );

    let b = StreamsBuilder::new();
    b.stream("in", strings())
        .process_with(|| Same, &[], Named::as_("same").unwrap())
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(counts());
    assert_eq!(internal_sinks(&b.build().unwrap()), vec!["counts-repartition"]);

    let b = StreamsBuilder::new();
    b.stream("in", strings())
        .process_values(|| Tag, &[])
        .to("out", out());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    d.input_topic("in", StringSerde, StringSerde)
        .pipe_input("k".into(), "v".into())
        .unwrap();
    let tagged = d
        .output_topic("out", StringSerde, StringSerde)
        .read_key_values()
        .unwrap();
    assert_eq!(tagged, vec![("k".to_string(), "v@in".to_string())]);
}

#[test]
fn materializing_a_derived_table_keeps_it_in_the_store_of_its_own_processor() {
    let b = StreamsBuilder::new();
    let source = b.table(
        "in",
        strings(),
        Materialized::with(StringSerde, StringSerde).named("all"),
    );
    let kept = source
        .filter(|_, v| v.starts_with("keep"))
        .materialize(Materialized::with(StringSerde, StringSerde).named("kept"));
    let handle = kept.store_handle().expect("materialized");
    // A table with a store already is copied into the new store by a processor of its own.
    source.materialize(Materialized::with(StringSerde, StringSerde).named("copy"));
    kept.to_stream()
        .to("out", Produced::with(StringSerde, OptionSerde(StringSerde)));
    let topology = b.build().unwrap();
    let described = topology.describe().to_string();
    assert!(
        described.contains("Processor: KTABLE-FILTER-0000000002 (stores: [kept])"),
        "{described}"
    );
    assert!(
        described.contains("Processor: KTABLE-MATERIALIZE-0000000003 (stores: [copy])"),
        "{described}"
    );
    let d = TopologyTestDriver::new(topology).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    input.pipe_input("a".into(), "keep 1".into()).unwrap();
    input.pipe_input("b".into(), "drop 2".into()).unwrap();
    input.pipe_input("a".into(), "drop 3".into()).unwrap();
    input.pipe_input("c".into(), "keep 4".into()).unwrap();
    let kept = d.store(&handle).unwrap();
    assert_eq!(kept.get(&"a".to_string()).unwrap(), None);
    assert_eq!(kept.get(&"c".to_string()).unwrap(), Some("keep 4".to_string()));
}

#[test]
fn a_cogroup_of_streams_of_two_builders_fails_the_build() {
    let (one, two) = (StreamsBuilder::new(), StreamsBuilder::new());
    let mine = one
        .stream("a", strings())
        .group_by_key(Grouped::with(StringSerde, StringSerde));
    let theirs = two
        .stream("b", strings())
        .group_by_key(Grouped::with(StringSerde, StringSerde));
    mine.cogroup(|_, v: String, agg: String| agg + &v)
        .cogroup(&theirs, |_, v: String, agg: String| agg + &v)
        .aggregate(String::new, Materialized::with(StringSerde, StringSerde));
    two.stream("c", strings()).to("d", out());
    match one.build() {
        Err(Error::Topology(problem)) => assert!(problem.contains("cogroup"), "{problem}"),
        other => panic!("built: {other:?}"),
    }
}

#[test]
fn describe_numbers_a_global_store_with_the_subtopologies_in_kafkas_layout() {
    let b = StreamsBuilder::new();
    let products = b.global_table("products", strings(), Some("products"));
    b.stream("orders", strings())
        .join_global(
            &products,
            |_, v: &String| Some(v.clone()),
            |o, p: &String| format!("{o}/{p}"),
        )
        .to("out", out());
    let description = b.build().unwrap().describe();
    assert_eq!(description.global_stores().len(), 1);
    let global = &description.global_stores()[0];
    assert_eq!(
        (global.id(), global.source().name(), global.processor().name()),
        (0, "KSTREAM-SOURCE-0000000000", "KTABLE-SOURCE-0000000001")
    );
    assert_eq!(description.subtopologies()[0].id(), 1);
    let expected = "Topologies:
   Sub-topology: 0 for global store (will not generate tasks)
    Source: KSTREAM-SOURCE-0000000000 (topics: [products])
      --> KTABLE-SOURCE-0000000001
    Processor: KTABLE-SOURCE-0000000001 (stores: [products])
      --> none
      <-- KSTREAM-SOURCE-0000000000
  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000002 (topics: [orders])
      --> KSTREAM-LEFTJOIN-0000000003
    Processor: KSTREAM-LEFTJOIN-0000000003 (stores: [])
      --> KSTREAM-SINK-0000000004
      <-- KSTREAM-SOURCE-0000000002
    Sink: KSTREAM-SINK-0000000004 (topic: out)
      <-- KSTREAM-LEFTJOIN-0000000003

";
    assert_eq!(description.to_string(), expected);
}
