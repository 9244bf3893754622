//! Windowed aggregations, suppression and stream-stream joins on the test driver, with
//! exact outputs for out-of-order and late records (worked out by hand from Kafka
//! Streams' rules; the differential suite checks the same against Kafka Streams
//! itself).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kstream::prelude::*;
use kstream::{
    BufferConfig, EmitStrategy, JoinWindows, SessionWindows, SlidingWindows, StreamJoined, Suppressed,
    TimeWindows, Windowed,
};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn no_cache() -> StreamsConfig {
    StreamsConfig::new("windows").set("statestore.cache.max.bytes", "0")
}

/// Windowed keys as `key@start/end`.
fn shown(k: Windowed<String>) -> String {
    format!("{}@{}/{}", k.key, k.window.start, k.window.end)
}

/// Pipes `(key, timestamp)` records into "in" and reads "out" with timestamps.
fn run(builder: StreamsBuilder, records: &[(&str, i64)]) -> Vec<(String, Option<i64>, i64)> {
    let driver = TopologyTestDriver::with_config(builder.build().unwrap(), &no_cache()).unwrap();
    let input = driver.input_topic("in", StringSerde, StringSerde);
    for (key, ts) in records {
        input.pipe_input_at(key.to_string(), "v".into(), *ts).unwrap();
    }
    driver
        .output_topic("out", StringSerde, OptionSerde(I64Serde))
        .read_records_to_list()
        .unwrap()
        .into_iter()
        .map(|r| (r.key.unwrap(), r.value.flatten(), r.timestamp.unwrap()))
        .collect()
}

fn counted(stream: KStream<'_, Windowed<String>, Option<i64>>) {
    stream
        .map(|k, v| (Some(shown(k)), v))
        .to("out", Produced::with(StringSerde, OptionSerde(I64Serde)));
}

fn grouped(b: &StreamsBuilder) -> KGroupedStream<'_, String, String> {
    b.stream("in", Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
}

fn counts() -> Materialized<String, i64> {
    Materialized::with(StringSerde, I64Serde).named("counts")
}

fn row(k: &str, v: Option<i64>, ts: i64) -> (String, Option<i64>, i64) {
    (k.to_owned(), v, ts)
}

#[test]
fn tumbling_windows_take_out_of_order_records_within_the_grace_and_drop_later_ones() {
    let b = StreamsBuilder::new();
    let late = Arc::new(AtomicUsize::new(0));
    let seen = late.clone();
    counted(
        grouped(&b)
            .windowed_by(TimeWindows::of_size_and_grace(secs(10), secs(5)).unwrap())
            .on_late_record(move |r| {
                assert_eq!((r.timestamp, r.stream_time), (2_000, 16_000));
                seen.fetch_add(1, Ordering::SeqCst);
            })
            .count(counts())
            .to_stream(),
    );
    let out = run(
        b,
        &[
            ("a", 1_000),
            ("a", 4_000),
            ("b", 9_000),
            ("a", 12_000),
            ("a", 3_000),
            ("a", 16_000),
            ("a", 2_000),
        ],
    );
    assert_eq!(
        out,
        vec![
            row("a@0/10000", Some(1), 1_000),
            row("a@0/10000", Some(2), 4_000),
            row("b@0/10000", Some(1), 9_000),
            row("a@10000/20000", Some(1), 12_000),
            // Stream time 12 s less 5 s of grace: the first window is still open.
            row("a@0/10000", Some(3), 4_000),
            row("a@10000/20000", Some(2), 16_000),
        ]
    );
    assert_eq!(late.load(Ordering::SeqCst), 1);
}

#[test]
fn hopping_windows_update_every_window_a_record_falls_in() {
    let b = StreamsBuilder::new();
    let w = TimeWindows::of_size_with_no_grace(secs(10))
        .unwrap()
        .advance_by(secs(5))
        .unwrap();
    counted(grouped(&b).windowed_by(w).count(counts()).to_stream());
    let out = run(b, &[("a", 7_000), ("a", 12_000), ("a", 4_000)]);
    assert_eq!(
        out,
        vec![
            row("a@0/10000", Some(1), 7_000),
            row("a@5000/15000", Some(1), 7_000),
            row("a@5000/15000", Some(2), 12_000),
            row("a@10000/20000", Some(1), 12_000),
        ]
    );
}

#[test]
fn sessions_merge_and_the_merged_ones_are_deleted() {
    let b = StreamsBuilder::new();
    let w = SessionWindows::of_inactivity_gap_with_no_grace(secs(5)).unwrap();
    counted(grouped(&b).windowed_by_session(w).count(counts()).to_stream());
    let out = run(
        b,
        &[
            ("a", 1_000),
            ("a", 4_000),
            ("a", 20_000),
            ("a", 12_000),
            ("a", 16_000),
        ],
    );
    assert_eq!(
        out,
        vec![
            row("a@1000/1000", Some(1), 1_000),
            row("a@1000/1000", None, 1_000),
            row("a@1000/4000", Some(2), 4_000),
            row("a@20000/20000", Some(1), 20_000),
            // 12 s: its session would end before 20 s - 5 s: late.
            row("a@20000/20000", None, 20_000),
            row("a@16000/20000", Some(2), 20_000),
        ]
    );
}

#[test]
fn sliding_windows_follow_kafkas_algorithm_for_an_out_of_order_record() {
    let b = StreamsBuilder::new();
    let w = SlidingWindows::of_time_difference_and_grace(secs(5), secs(100)).unwrap();
    counted(grouped(&b).windowed_by_sliding(w).count(counts()).to_stream());
    let out = run(b, &[("a", 10_000), ("a", 12_000), ("a", 20_000), ("a", 11_000)]);
    assert_eq!(
        out,
        vec![
            row("a@5000/10000", Some(1), 10_000),
            row("a@10001/15001", Some(1), 12_000),
            row("a@7000/12000", Some(2), 12_000),
            row("a@15000/20000", Some(1), 20_000),
            row("a@10001/15001", Some(2), 12_000),
            row("a@7000/12000", Some(3), 12_000),
            row("a@6000/11000", Some(2), 11_000),
            row("a@11001/16001", Some(1), 12_000),
        ]
    );
}

#[test]
fn emitting_on_window_close_gives_each_window_once_in_order_of_closing() {
    let b = StreamsBuilder::new();
    counted(
        grouped(&b)
            .windowed_by(TimeWindows::of_size_with_no_grace(secs(10)).unwrap())
            .emit_strategy(EmitStrategy::on_window_close())
            .count(counts())
            .to_stream(),
    );
    let out = run(
        b,
        &[
            ("a", 1_000),
            ("a", 2_000),
            ("b", 5_000),
            ("a", 11_000),
            ("a", 25_000),
        ],
    );
    assert_eq!(
        out,
        vec![
            row("a@0/10000", Some(2), 2_000),
            row("b@0/10000", Some(1), 5_000),
            row("a@10000/20000", Some(1), 11_000),
        ]
    );
}

#[test]
fn suppression_until_the_window_closes_emits_final_counts_only() {
    let b = StreamsBuilder::new();
    counted(
        grouped(&b)
            .windowed_by(TimeWindows::of_size_and_grace(secs(10), secs(2)).unwrap())
            .count(counts())
            .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
            .to_stream(),
    );
    let out = run(
        b,
        &[
            ("a", 1_000),
            ("a", 5_000),
            ("b", 8_000),
            ("a", 11_000),
            ("a", 12_000),
        ],
    );
    assert_eq!(
        out,
        vec![row("a@0/10000", Some(2), 5_000), row("b@0/10000", Some(1), 8_000)]
    );
}

#[test]
fn a_full_buffer_that_must_not_emit_early_stops_with_an_error_naming_it() {
    let b = StreamsBuilder::new();
    counted(
        grouped(&b)
            .windowed_by(TimeWindows::of_size_with_no_grace(secs(10)).unwrap())
            .count(counts())
            .suppress(
                Suppressed::until_window_closes(BufferConfig::max_records(1).shut_down_when_full())
                    .named("final")
                    .unwrap(),
            )
            .to_stream(),
    );
    let driver = TopologyTestDriver::with_config(b.build().unwrap(), &no_cache()).unwrap();
    let input = driver.input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at("a".into(), "v".into(), 1_000).unwrap();
    let err = input.pipe_input_at("b".into(), "v".into(), 2_000).unwrap_err();
    let text = format!(
        "{err}: {}",
        std::error::Error::source(&err)
            .map(|s| s.to_string())
            .unwrap_or_default()
    );
    assert!(
        text.contains("final buffer exceeded its max capacity. Currently [2/1] records"),
        "{text}"
    );
}

#[test]
fn a_time_limit_holds_each_key_from_its_first_update_and_emits_the_latest() {
    let b = StreamsBuilder::new();
    b.stream("in", Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(counts())
        .suppress(Suppressed::until_time_limit(
            secs(5),
            BufferConfig::max_records(100),
        ))
        .to_stream()
        .to("out", Produced::with(StringSerde, OptionSerde(I64Serde)));
    let out = run(
        b,
        &[
            ("a", 1_000),
            ("a", 3_000),
            ("b", 4_000),
            ("c", 6_000),
            ("c", 9_500),
        ],
    );
    // At 6 s, `a` (first buffered at 1 s) is due: its latest count goes, stamped 3 s.
    // At 9.5 s, `b` (4 s) is due.
    assert_eq!(out, vec![row("a", Some(2), 3_000), row("b", Some(1), 4_000)]);
}

#[test]
fn a_left_join_emits_an_unmatched_record_only_once_its_window_has_closed() {
    let b = StreamsBuilder::new();
    let left = b.stream("left", Consumed::with(StringSerde, StringSerde));
    let right = b.stream("right", Consumed::with(StringSerde, StringSerde));
    left.left_join_windowed(
        &right,
        |l: &String, r: Option<&String>| format!("{l}+{}", r.map_or("null", |r| r.as_str())),
        JoinWindows::of_time_difference_with_no_grace(secs(5)).unwrap(),
        StreamJoined::with(StringSerde, StringSerde, StringSerde),
    )
    .to("out", Produced::with(StringSerde, StringSerde));
    let driver = TopologyTestDriver::with_config(b.build().unwrap(), &no_cache()).unwrap();
    let (l, r) = (
        driver.input_topic("left", StringSerde, StringSerde),
        driver.input_topic("right", StringSerde, StringSerde),
    );
    l.pipe_input_at("a".into(), "L1".into(), 1_000).unwrap();
    r.pipe_input_at("a".into(), "R1".into(), 3_000).unwrap();
    l.pipe_input_at("b".into(), "L2".into(), 2_000).unwrap();
    r.pipe_input_at("c".into(), "R2".into(), 4_000).unwrap();
    let out = driver.output_topic("out", StringSerde, StringSerde);
    assert_eq!(
        out.read_key_values().unwrap(),
        vec![("a".to_string(), "L1+R1".to_string())]
    );
    l.pipe_input_at("a".into(), "L3".into(), 20_000).unwrap();
    let rest: Vec<_> = out
        .read_records_to_list()
        .unwrap()
        .into_iter()
        .map(|r| (r.key.unwrap(), r.value.unwrap(), r.timestamp.unwrap()))
        .collect();
    assert_eq!(rest, vec![("b".to_string(), "L2+null".to_string(), 2_000)]);
}

#[test]
fn an_inner_join_pairs_every_record_within_the_window_both_ways() {
    let b = StreamsBuilder::new();
    let left = b.stream("left", Consumed::with(StringSerde, StringSerde));
    let right = b.stream("right", Consumed::with(StringSerde, StringSerde));
    left.join_windowed(
        &right,
        |l: &String, r: &String| format!("{l}+{r}"),
        JoinWindows::of_time_difference_and_grace(secs(5), secs(1)).unwrap(),
        StreamJoined::with(StringSerde, StringSerde, StringSerde),
    )
    .to("out", Produced::with(StringSerde, StringSerde));
    let driver = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let (l, r) = (
        driver.input_topic("left", StringSerde, StringSerde),
        driver.input_topic("right", StringSerde, StringSerde),
    );
    l.pipe_input_at("a".into(), "L1".into(), 1_000).unwrap();
    l.pipe_input_at("a".into(), "L2".into(), 2_000).unwrap();
    r.pipe_input_at("a".into(), "R1".into(), 6_500).unwrap();
    r.pipe_input_at("a".into(), "R0".into(), 0).unwrap();
    let out: Vec<_> = driver
        .output_topic("out", StringSerde, StringSerde)
        .read_records_to_list()
        .unwrap()
        .into_iter()
        .map(|r| (r.value.unwrap(), r.timestamp.unwrap()))
        .collect();
    assert_eq!(
        out,
        vec![
            // R1 at 6.5 s meets L2 (2 s) only: L1 is 5.5 s away.
            ("L2+R1".to_string(), 6_500),
            ("L1+R0".to_string(), 1_000),
            ("L2+R0".to_string(), 2_000),
        ]
    );
}

#[test]
fn the_window_store_holds_the_counts_by_window() {
    let b = StreamsBuilder::new();
    let m = counts();
    let handle = m.handle();
    grouped(&b)
        .windowed_by(TimeWindows::of_size_with_no_grace(secs(10)).unwrap())
        .count(m);
    let driver = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = driver.input_topic("in", StringSerde, StringSerde);
    for ts in [1_000, 2_000, 15_000] {
        input.pipe_input_at("a".into(), "v".into(), ts).unwrap();
    }
    let store = driver.window_store(&handle).unwrap();
    let a = "a".to_string();
    assert_eq!(store.fetch(&a, 0).unwrap().map(|v| v.value), Some(2));
    let all: Vec<_> = store
        .fetch_range(&a, 0, 20_000)
        .unwrap()
        .into_iter()
        .map(|(s, v)| (s, v.value))
        .collect();
    assert_eq!(all, vec![(0, 2), (10_000, 1)]);
    assert!(driver.store(&handle).is_ok());
}

#[test]
fn a_retention_shorter_than_size_and_grace_is_refused_at_build() {
    let b = StreamsBuilder::new();
    grouped(&b)
        .windowed_by(TimeWindows::of_size_and_grace(secs(10), secs(5)).unwrap())
        .count(counts().with_retention(secs(12)));
    let err = b.build().unwrap_err();
    assert!(
        err.to_string()
            .contains("no smaller than its window size plus the grace period"),
        "{err}"
    );
}
