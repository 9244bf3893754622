//! The test driver's records: `TestRecord`s with null keys or values, timestamps and
//! headers piped in and read out, as Kafka Streams' `TestInputTopic`,
//! `TestOutputTopic` and `TestRecord` have them; and when the driver commits
//! (`DriverCommit`).

use std::time::Duration;

use bytes::Bytes;
use kstream::prelude::*;
use kstream::serdes::{SerdeError, SerdeResult};
use kstream::{DriverCommit, Error, Headers, StreamsConfig, TEST_APPLICATION_ID, changelog_topic};

type Text = Option<String>;

fn s(v: &str) -> String {
    v.to_owned()
}

/// `in` to `out` unchanged, keys and values nullable.
fn pass_through() -> TopologyTestDriver {
    let b = StreamsBuilder::new();
    b.stream(
        "in",
        Consumed::with(OptionSerde(StringSerde), OptionSerde(StringSerde)),
    )
    .to(
        "out",
        Produced::with(OptionSerde(StringSerde), OptionSerde(StringSerde)),
    );
    TopologyTestDriver::new(b.build().unwrap()).unwrap()
}

#[test]
fn records_come_out_with_their_timestamps_and_headers() {
    let b = StreamsBuilder::new();
    b.stream("in", Consumed::with(StringSerde, StringSerde))
        .map_values(|v: String| v.len() as i64)
        .to("out", Produced::with(StringSerde, I64Serde));
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    let output = d.output_topic("out", StringSerde, I64Serde);

    let headers = Headers::new().with("trace", "t-1").with("trace", "t-2");
    input
        .pipe_record(
            TestRecord::new(s("a"), s("four"))
                .at(1_000)
                .with_headers(headers.clone()),
        )
        .unwrap();
    input.pipe_input_at(s("b"), s("xy"), 2_000).unwrap();
    assert_eq!(output.queue_size(), 2);
    assert!(!output.is_empty());

    let first = output.read_record().unwrap().expect("a first record");
    assert_eq!(first, TestRecord::new(s("a"), 4).at(1_000).with_headers(headers));
    assert_eq!(
        first.headers.last("trace").and_then(|h| h.value.clone()),
        Some(Bytes::from("t-2"))
    );
    assert_eq!(
        output.read_records_to_list().unwrap(),
        vec![TestRecord::new(s("b"), 2).at(2_000)]
    );
    assert!(output.is_empty());
    assert_eq!(output.read_record().unwrap(), None, "every record was read");
}

/// Adds a header naming itself to each record.
struct Stamp;

impl Processor<String, String, String, String> for Stamp {
    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        key: String,
        value: String,
    ) -> Result<(), ProcessorError> {
        ctx.headers_mut().push("seen-by", Some(Bytes::from("stamp")));
        ctx.forward(key, value)?;
        Ok(())
    }
}

#[test]
fn headers_a_processor_adds_reach_the_output_record() {
    let b = StreamsBuilder::new();
    b.stream("in", Consumed::with(StringSerde, StringSerde))
        .process(|| Stamp, &[])
        .to("out", Produced::with(StringSerde, StringSerde));
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    d.input_topic("in", StringSerde, StringSerde)
        .pipe_record(
            TestRecord::new(s("k"), s("v"))
                .at(5)
                .with_header("origin", "test"),
        )
        .unwrap();
    let out = d
        .output_topic("out", StringSerde, StringSerde)
        .read_record()
        .unwrap()
        .expect("a record");
    let headers: Vec<(&str, Option<&[u8]>)> = out
        .headers
        .iter()
        .map(|h| (h.key.as_str(), h.value.as_deref()))
        .collect();
    assert_eq!(
        headers,
        [("origin", Some(&b"test"[..])), ("seen-by", Some(&b"stamp"[..]))]
    );
    assert_eq!(out.timestamp, Some(5));
}

#[test]
fn null_keys_and_values_go_in_and_come_out_as_none_whatever_the_serdes() {
    let d = pass_through();
    // The input serdes cannot write a null String: `None` is written as no bytes instead.
    let input = d.input_topic("in", StringSerde, StringSerde);
    input
        .pipe_record_list([
            TestRecord::without_key(s("no key")).at(1),
            TestRecord::tombstone(s("gone")).at(2),
            TestRecord::nullable(None, None).at(3),
        ])
        .unwrap();
    // Nor can the output serdes read null: a null key or value is `None` without them.
    let output = d.output_topic("out", StringSerde, StringSerde);
    assert_eq!(
        output.read_records_to_list().unwrap(),
        vec![
            TestRecord::without_key(s("no key")).at(1),
            TestRecord::tombstone(s("gone")).at(2),
            TestRecord::nullable(None, None).at(3),
        ]
    );
    let raw: Vec<(Option<Bytes>, Option<Bytes>)> = {
        input.pipe_record(TestRecord::without_key(s("x")).at(4)).unwrap();
        d.read_raw("out").into_iter().map(|r| (r.key, r.value)).collect()
    };
    assert_eq!(raw, vec![(None, Some(Bytes::from("x")))], "null is no bytes");
}

#[test]
fn a_record_without_a_timestamp_takes_the_topics_time() {
    let d = pass_through();
    let mut input = d.input_topic("in", OptionSerde(StringSerde), OptionSerde(StringSerde));
    input
        .pipe_record(TestRecord::new(None, Some(s("at zero"))))
        .unwrap();
    input.set_time(1_000);
    input.pipe_record(TestRecord::new(Some(s("k")), None)).unwrap();
    input.advance_time(Duration::from_millis(500));
    input.pipe_input(Some(s("k")), Some(s("v"))).unwrap();
    input
        .pipe_record(TestRecord::new(Some(s("k")), Some(s("own"))).at(7))
        .unwrap();
    let times: Vec<Option<i64>> = d
        .output_topic("out", OptionSerde(StringSerde), OptionSerde(StringSerde))
        .read_records_to_list()
        .unwrap()
        .into_iter()
        .map(|r| r.timestamp)
        .collect();
    assert_eq!(times, vec![Some(0), Some(1_000), Some(1_500), Some(7)]);
}

#[test]
fn a_table_tombstone_is_read_as_a_none_value() {
    let b = StreamsBuilder::new();
    b.table(
        "in",
        Consumed::with(StringSerde, StringSerde),
        Materialized::with(StringSerde, StringSerde),
    )
    .to_stream()
    .to("out", Produced::with(StringSerde, OptionSerde(StringSerde)));
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at(s("a"), s("1"), 10).unwrap();
    input.pipe_record(TestRecord::tombstone(s("a")).at(11)).unwrap();
    // Read with the value serde of the table's values, not of `Option`s.
    let out = d.output_topic("out", StringSerde, StringSerde);
    assert_eq!(
        out.read_records_to_list().unwrap(),
        vec![
            TestRecord::new(s("a"), s("1")).at(10),
            TestRecord::tombstone(s("a")).at(11)
        ]
    );
}

/// Reads strings, but refuses any starting with "bad", and writes any.
struct Picky;

impl Serde<String> for Picky {
    fn serialize(&self, _: &str, value: &String) -> SerdeResult<Option<Bytes>> {
        if value.starts_with("bad") {
            return Err(SerdeError::bad_data(format!("refusing to write `{value}`")));
        }
        Ok(Some(Bytes::copy_from_slice(value.as_bytes())))
    }
    fn deserialize(&self, _: &str, data: Option<&[u8]>) -> SerdeResult<String> {
        let text = String::from_utf8_lossy(data.unwrap_or_default()).into_owned();
        if text.starts_with("bad") {
            return Err(SerdeError::bad_data(format!("refusing to read `{text}`")));
        }
        Ok(text)
    }
}

#[test]
fn a_record_the_serdes_refuse_is_an_error_naming_the_topic_part_and_offset() {
    let d = pass_through();
    let input = d.input_topic("in", StringSerde, Picky);
    let error = input
        .pipe_record(TestRecord::new(s("k"), s("bad in")))
        .unwrap_err();
    assert!(
        matches!(&error, Error::Serialize { topic, .. } if topic == "in"),
        "{error:?}"
    );
    assert!(error.to_string().contains("in"), "{error}");

    let bytes = d.input_topic("in", StringSerde, StringSerde);
    for v in ["fine", "bad out", "after"] {
        bytes.pipe_input(s("k"), s(v)).unwrap();
    }
    let output = d.output_topic("out", StringSerde, Picky);
    assert_eq!(
        output.read_record().unwrap(),
        Some(TestRecord::new(s("k"), s("fine")).at(0))
    );
    let error = output.read_record().unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Deserialize { topic, offset: 1, part: "value", .. } if topic == "out"
        ),
        "{error:?}"
    );
    // The refused record was taken off the topic, as Kafka's driver does.
    assert_eq!(
        output.read_records_to_list().unwrap(),
        vec![TestRecord::new(s("k"), s("after")).at(0)]
    );
}

#[test]
fn pairs_are_read_as_before_and_offsets_continue_across_reads() {
    let d = pass_through();
    let input = d.input_topic("in", StringSerde, StringSerde);
    input.pipe_input(s("a"), s("1")).unwrap();
    let output = d.output_topic("out", StringSerde, Picky);
    assert_eq!(output.read_key_values().unwrap(), vec![(s("a"), s("1"))]);
    input.pipe_input(s("b"), s("bad")).unwrap();
    let error = output.read_key_values().unwrap_err();
    assert!(
        matches!(&error, Error::Deserialize { offset: 1, .. }),
        "the second record of the topic: {error:?}"
    );
    // In pairs a null value is read by the serde: a string serde refuses it, an option
    // serde reads `None`.
    input.pipe_record(TestRecord::tombstone(s("c"))).unwrap();
    let strings = d.output_topic("out", StringSerde, StringSerde);
    let error = strings.read_key_values().unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Deserialize {
                offset: 2,
                part: "value",
                ..
            }
        ),
        "{error:?}"
    );
    input.pipe_record(TestRecord::tombstone(s("c"))).unwrap();
    let text: Vec<(Text, Text)> = d
        .output_topic("out", OptionSerde(StringSerde), OptionSerde(StringSerde))
        .read_key_values()
        .unwrap();
    assert_eq!(text, vec![(Some(s("c")), None)]);
}

/// Counts per key of `in` (one sub-topology) and per value through repartition topic
/// `by-value` (a second one), each count in its own logged store.
fn counting(config: &StreamsConfig, commit: DriverCommit) -> TopologyTestDriver {
    let b = StreamsBuilder::new();
    let lines = b.stream("in", Consumed::with(StringSerde, StringSerde));
    lines
        .clone()
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(Materialized::with(StringSerde, I64Serde).named("by-key"))
        .to_stream()
        .to("keys-out", Produced::with(StringSerde, OptionSerde(I64Serde)));
    lines
        .group_by(
            |_, v: &String| Some(v.clone()),
            Grouped::with(StringSerde, StringSerde).named("by-value").unwrap(),
        )
        .count(Materialized::with(StringSerde, I64Serde).named("by-value"))
        .to_stream()
        .to("values-out", Produced::with(StringSerde, OptionSerde(I64Serde)));
    TopologyTestDriver::with_commit(b.build().unwrap(), config, commit).unwrap()
}

/// The keys and values (counts) written to store `store`'s changelog and not read yet.
fn logged(d: &TopologyTestDriver, store: &str) -> Vec<(String, i64)> {
    d.read_raw(&changelog_topic(TEST_APPLICATION_ID, store))
        .into_iter()
        .map(|r| {
            let key = String::from_utf8(r.key.unwrap().to_vec()).unwrap();
            let count = i64::from_be_bytes(r.value.unwrap().as_ref().try_into().unwrap());
            (key, count)
        })
        .collect()
}

#[test]
fn by_default_the_driver_commits_after_every_record() {
    let d = counting(&StreamsConfig::new("app"), DriverCommit::default());
    let input = d.input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at(s("a"), s("x"), 1).unwrap();
    input.pipe_input_at(s("a"), s("x"), 2).unwrap();
    assert_eq!(logged(&d, "by-key"), vec![(s("a"), 1), (s("a"), 2)]);
    assert_eq!(logged(&d, "by-value"), vec![(s("x"), 1), (s("x"), 2)]);
    d.commit().unwrap();
    assert!(logged(&d, "by-key").is_empty(), "nothing left to commit");
}

#[test]
fn a_manual_driver_commits_every_store_when_told_and_never_on_its_own() {
    // Without record caching, so that every update is forwarded before the commit.
    let d = counting(
        &StreamsConfig::new("app").cache_max_bytes(0),
        DriverCommit::Manual,
    );
    let input = d.input_topic("in", StringSerde, StringSerde);
    let keys = d.output_topic("keys-out", StringSerde, OptionSerde(I64Serde));
    let values = d.output_topic("values-out", StringSerde, OptionSerde(I64Serde));
    input.pipe_input_at(s("a"), s("x"), 1).unwrap();
    input.pipe_input_at(s("b"), s("x"), 2).unwrap();
    input.pipe_input_at(s("a"), s("y"), 3).unwrap();
    d.advance_wall_clock(Duration::from_secs(60)).unwrap();
    assert!(logged(&d, "by-key").is_empty() && logged(&d, "by-value").is_empty());
    // Processing does not wait for the commit, through the repartition topic too.
    assert_eq!(
        keys.read_key_values().unwrap(),
        vec![(s("a"), Some(1)), (s("b"), Some(1)), (s("a"), Some(2))]
    );
    assert_eq!(
        values.read_key_values().unwrap(),
        vec![(s("x"), Some(1)), (s("x"), Some(2)), (s("y"), Some(1))]
    );
    // The stores hold their latest values already.
    let by_key: Vec<(Bytes, Bytes)> = d.raw_store("by-key").unwrap();
    assert_eq!(by_key.len(), 2);

    d.commit().unwrap();
    let mut by_key = logged(&d, "by-key");
    by_key.sort();
    assert_eq!(by_key, vec![(s("a"), 2), (s("b"), 1)], "one record per key");
    let mut by_value = logged(&d, "by-value");
    by_value.sort();
    assert_eq!(by_value, vec![(s("x"), 2), (s("y"), 1)]);
    d.commit().unwrap();
    assert!(logged(&d, "by-key").is_empty(), "nothing left to commit");
}

#[test]
fn a_manual_driver_commits_when_a_store_caches_more_than_its_maximum_of_keys() {
    let config = StreamsConfig::new("app").cache_max_records(2);
    let d = counting(&config, DriverCommit::Manual);
    let input = d.input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at(s("a"), s("x"), 1).unwrap();
    input.pipe_input_at(s("b"), s("x"), 2).unwrap();
    input.pipe_input_at(s("a"), s("x"), 3).unwrap();
    assert!(logged(&d, "by-key").is_empty(), "two keys are not more than two");
    input.pipe_input_at(s("c"), s("x"), 4).unwrap();
    let mut by_key = logged(&d, "by-key");
    by_key.sort();
    assert_eq!(by_key, vec![(s("a"), 2), (s("b"), 1), (s("c"), 1)]);
    // A commit is of every store: the other one's single key too.
    assert_eq!(logged(&d, "by-value"), vec![(s("x"), 4)]);
}

#[test]
fn a_driver_with_a_bad_config_is_an_error_naming_the_key() {
    let b = StreamsBuilder::new();
    b.stream("in", Consumed::with(StringSerde, StringSerde))
        .to("out", Produced::with(StringSerde, StringSerde));
    let config = StreamsConfig::new("app").set("statestore.cache.max.records", "many");
    let error =
        TopologyTestDriver::with_commit(b.build().unwrap(), &config, DriverCommit::Manual).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidConfig { key, .. } if key == "statestore.cache.max.records"),
        "{error:?}"
    );
}
