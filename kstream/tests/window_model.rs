//! Model-based tests of the windowed aggregations: random keys and out-of-order
//! timestamps through the topology, compared with a naive reference written as plain
//! loops over Kafka Streams' rules, on in-memory and RocksDB window stores.

use std::collections::BTreeMap;
use std::time::Duration;

use kstream::prelude::*;
use kstream::{SessionWindows, SlidingWindows, TimeWindows, Windowed};
use proptest::prelude::*;

fn records() -> impl Strategy<Value = Vec<(u8, i64)>> {
    proptest::collection::vec((0..3u8, 0..60_000i64), 0..60)
}

fn kinds() -> Vec<StoreKind> {
    #[cfg(feature = "rocksdb")]
    return vec![StoreKind::InMemory, StoreKind::RocksDb];
    #[cfg(not(feature = "rocksdb"))]
    vec![StoreKind::InMemory]
}

fn config(kind: StoreKind) -> StreamsConfig {
    StreamsConfig::new("window-model")
        .set("statestore.cache.max.bytes", "0")
        .default_store(kind)
}

/// Runs `records` through a topology whose windowed counts `build` adds, and returns
/// what it emitted: `(key, start, end, count, timestamp)`.
fn run(
    kind: StoreKind,
    records: &[(u8, i64)],
    build: impl FnOnce(KGroupedStream<'_, String, String>) -> KTable<'_, Windowed<String>, i64>,
) -> Vec<(String, i64, i64, Option<i64>, i64)> {
    let b = StreamsBuilder::new();
    let grouped = b
        .stream("in", Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde));
    build(grouped)
        .to_stream()
        .map(|k: Windowed<String>, v| (Some(format!("{}|{}|{}", k.key, k.window.start, k.window.end)), v))
        .to("out", Produced::with(StringSerde, OptionSerde(I64Serde)));
    let driver = TopologyTestDriver::with_config(b.build().unwrap(), &config(kind)).unwrap();
    let input = driver.input_topic("in", StringSerde, StringSerde);
    for (k, ts) in records {
        input.pipe_input_at(format!("k{k}"), "v".into(), *ts).unwrap();
    }
    driver
        .output_topic("out", StringSerde, OptionSerde(I64Serde))
        .read_records_to_list()
        .unwrap()
        .into_iter()
        .map(|r| {
            let key = r.key.unwrap();
            let parts: Vec<&str> = key.split('|').collect();
            (
                parts[0].to_owned(),
                parts[1].parse().unwrap(),
                parts[2].parse().unwrap(),
                r.value.flatten(),
                r.timestamp.unwrap(),
            )
        })
        .collect()
}

/// Kafka's time windows: each record counts in every window it falls in whose end is
/// after the stream time less the grace; each update is emitted, stamped with the
/// newest record of the window.
fn time_reference(
    records: &[(u8, i64)],
    size: i64,
    advance: i64,
    grace: i64,
) -> Vec<(String, i64, i64, Option<i64>, i64)> {
    let mut counts: BTreeMap<(String, i64), (i64, i64)> = BTreeMap::new();
    let mut observed = i64::MIN;
    let mut out = Vec::new();
    for (k, ts) in records {
        let key = format!("k{k}");
        observed = observed.max(*ts);
        let close = observed - grace;
        let mut start = (ts - size + advance).max(0) / advance * advance;
        while start <= *ts {
            let end = start + size;
            if end > close {
                let entry = counts.entry((key.clone(), start)).or_insert((0, *ts));
                entry.0 += 1;
                entry.1 = entry.1.max(*ts);
                out.push((key.clone(), start, end, Some(entry.0), entry.1));
            }
            start += advance;
        }
    }
    out
}

/// Kafka's sessions: a record joins (and merges) the sessions of its key within the
/// gap; one whose session would end before the stream time less the grace and the
/// gap is late; merged sessions are deleted, stamped with their end.
fn session_reference(
    records: &[(u8, i64)],
    gap: i64,
    grace: i64,
) -> Vec<(String, i64, i64, Option<i64>, i64)> {
    let mut sessions: BTreeMap<String, Vec<(i64, i64, i64)>> = BTreeMap::new();
    let mut observed = i64::MIN;
    let mut out = Vec::new();
    for (k, ts) in records {
        let key = format!("k{k}");
        observed = observed.max(*ts);
        let close = observed - grace - gap;
        let list = sessions.entry(key.clone()).or_default();
        let mut overlapping: Vec<(i64, i64, i64)> = list
            .iter()
            .copied()
            .filter(|(s, e, _)| *e >= ts - gap && *s <= ts + gap)
            .collect();
        // Kafka finds them by end, then start.
        overlapping.sort_by_key(|(s, e, _)| (*e, *s));
        let start = overlapping.iter().map(|o| o.0).fold(*ts, i64::min);
        let end = overlapping.iter().map(|o| o.1).fold(*ts, i64::max);
        if end < close {
            continue;
        }
        let count = overlapping.iter().map(|o| o.2).sum::<i64>() + 1;
        if (start, end) != (*ts, *ts) {
            for (s, e, _) in &overlapping {
                out.push((key.clone(), *s, *e, None, *e));
            }
        }
        list.retain(|o| !overlapping.contains(o));
        list.push((start, end, count));
        out.push((key, start, end, Some(count), end));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn time_windows_match_the_reference(
        input in records(),
        hopping in any::<bool>(),
        grace in prop_oneof![Just(0i64), Just(3_000), Just(20_000)],
    ) {
        let (size, advance) = (10_000, if hopping { 5_000 } else { 10_000 });
        let expected = time_reference(&input, size, advance, grace);
        for kind in kinds() {
            let got = run(kind, &input, |g| {
                let w = TimeWindows::of_size_and_grace(Duration::from_millis(size as u64), Duration::from_millis(grace as u64))
                    .unwrap()
                    .advance_by(Duration::from_millis(advance as u64))
                    .unwrap();
                g.windowed_by(w).count(Materialized::with(StringSerde, I64Serde).named("counts"))
            });
            prop_assert_eq!(&got, &expected, "{:?}", kind);
        }
    }

    #[test]
    fn sessions_match_the_reference(
        input in records(),
        gap in prop_oneof![Just(1_000i64), Just(5_000)],
        grace in prop_oneof![Just(0i64), Just(10_000)],
    ) {
        let expected = session_reference(&input, gap, grace);
        for kind in kinds() {
            let got = run(kind, &input, |g| {
                let w = SessionWindows::of_inactivity_gap_and_grace(
                    Duration::from_millis(gap as u64),
                    Duration::from_millis(grace as u64),
                )
                .unwrap();
                g.windowed_by_session(w).count(Materialized::with(StringSerde, I64Serde).named("counts"))
            });
            prop_assert_eq!(&got, &expected, "{:?}", kind);
        }
    }

    /// Sliding windows (with a grace longer than the input, so nothing is late): every
    /// window the store holds counts exactly the records of its key in it, and every
    /// record's own window (ending at it, or `[0, d]` for the first `d`) is there.
    #[test]
    fn sliding_windows_hold_exactly_their_records(input in records(), d in prop_oneof![Just(1_000i64), Just(5_000)]) {
        for kind in kinds() {
            let b = StreamsBuilder::new();
            let m = Materialized::with(StringSerde, I64Serde).named("counts");
            let handle = m.handle();
            b.stream("in", Consumed::with(StringSerde, StringSerde))
                .group_by_key(Grouped::with(StringSerde, StringSerde))
                .windowed_by_sliding(
                    SlidingWindows::of_time_difference_and_grace(Duration::from_millis(d as u64), Duration::from_secs(100))
                        .unwrap(),
                )
                .count(m);
            let driver = TopologyTestDriver::with_config(b.build().unwrap(), &config(kind)).unwrap();
            let topic = driver.input_topic("in", StringSerde, StringSerde);
            for (k, ts) in &input {
                topic.pipe_input_at(format!("k{k}"), "v".into(), *ts).unwrap();
            }
            let store = driver.window_store(&handle).unwrap();
            let windows = store.all().unwrap();
            for (k, v) in &windows {
                let n = input
                    .iter()
                    .filter(|(key, ts)| format!("k{key}") == k.key && (k.window.start..=k.window.end).contains(ts))
                    .count() as i64;
                prop_assert_eq!(v.value, n, "{:?} window {:?} of {}", kind, k.window, k.key);
            }
            for (key, ts) in &input {
                let start = (ts - d).max(0);
                let key = format!("k{key}");
                prop_assert!(
                    windows.iter().any(|(k, _)| k.key == key && k.window.start == start),
                    "{:?}: no window ending at {} for {}", kind, ts, key
                );
            }
        }
    }
}
