//! Model-based tests: random inputs through the topology compared with a naive
//! reference written as plain loops over the same inputs.

use std::collections::BTreeMap;

use kstream::{
    Consumed, Grouped, I64Serde, Materialized, OptionSerde, Produced, StoreHandle, StreamsBuilder,
    StringSerde, TopologyTestDriver,
};
use proptest::prelude::*;

fn key() -> impl Strategy<Value = String> {
    (0..6u8).prop_map(|k| format!("k{k}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn filter_map_and_aggregations_match_the_reference(input in proptest::collection::vec((key(), -50i64..50), 0..80)) {
        let b = StreamsBuilder::new();
        let s = b.stream("in", Consumed::with(StringSerde, I64Serde));
        s.filter(|_, v| v % 2 == 0).map_values(|v| v * 3).to("out", Produced::with(StringSerde, I64Serde));
        let g = s.group_by_key(Grouped::with(StringSerde, I64Serde));
        let count_store = g.count(Materialized::with(StringSerde, I64Serde).named("count")).store_handle().unwrap();
        let sum_store = g.aggregate(|| 0i64, |_, v, acc| acc + v, Materialized::with(StringSerde, I64Serde).named("sum"))
            .store_handle().unwrap();
        let min_store = g.reduce(|a, b| a.min(b), Materialized::with(StringSerde, I64Serde).named("min"))
            .store_handle().unwrap();
        let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
        let topic = d.input_topic("in", StringSerde, I64Serde);
        for (k, v) in &input {
            topic.pipe_input(k.clone(), *v).unwrap();
        }

        let expected_out: Vec<(String, i64)> =
            input.iter().filter(|(_, v)| v % 2 == 0).map(|(k, v)| (k.clone(), v * 3)).collect();
        let mut count = BTreeMap::new();
        let mut sum = BTreeMap::new();
        let mut min = BTreeMap::new();
        for (k, v) in &input {
            *count.entry(k.clone()).or_insert(0i64) += 1;
            *sum.entry(k.clone()).or_insert(0i64) += v;
            let m = min.entry(k.clone()).or_insert(*v);
            *m = (*m).min(*v);
        }
        prop_assert_eq!(d.output_topic("out", StringSerde, I64Serde).read_key_values().unwrap(), expected_out);
        let store = |handle: &StoreHandle<String, i64>| -> BTreeMap<String, i64> {
            d.store(handle).unwrap().all().unwrap().into_iter().collect()
        };
        prop_assert_eq!(store(&count_store), count);
        prop_assert_eq!(store(&sum_store), sum);
        prop_assert_eq!(store(&min_store), min);
    }

    #[test]
    fn stream_table_left_join_matches_the_reference(
        steps in proptest::collection::vec((any::<bool>(), key(), proptest::option::of(0i64..100)), 0..80)
    ) {
        // Each step either updates the table (None: tombstone) or sends a stream record.
        let b = StreamsBuilder::new();
        let table = b.table("t", Consumed::with(StringSerde, I64Serde), Materialized::with(StringSerde, I64Serde));
        b.stream("s", Consumed::with(StringSerde, I64Serde))
            .left_join(&table, |v, t| v * 1000 + t.copied().unwrap_or(-1))
            .to("joined", Produced::with(StringSerde, I64Serde));
        let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
        let t = d.input_topic("t", StringSerde, I64Serde);
        let s = d.input_topic("s", StringSerde, I64Serde);
        let mut reference: BTreeMap<String, i64> = BTreeMap::new();
        let mut expected = Vec::new();
        for (is_table, k, v) in &steps {
            if *is_table {
                match v {
                    Some(v) => { t.pipe_input(k.clone(), *v).unwrap(); reference.insert(k.clone(), *v); }
                    None => { t.pipe_tombstone(k.clone(), 0).unwrap(); reference.remove(k); }
                }
            } else {
                let v = v.unwrap_or(7);
                s.pipe_input(k.clone(), v).unwrap();
                expected.push((k.clone(), v * 1000 + reference.get(k).copied().unwrap_or(-1)));
            }
        }
        prop_assert_eq!(d.output_topic("joined", StringSerde, I64Serde).read_key_values().unwrap(), expected);
    }

    #[test]
    fn regrouped_table_aggregate_matches_recomputing_from_the_table(
        updates in proptest::collection::vec((key(), proptest::option::of(0i64..30)), 0..60)
    ) {
        // A table of k -> n, regrouped by n % 3: per group the count of rows and the sum of n.
        let b = StreamsBuilder::new();
        let table = b.table("t", Consumed::with(StringSerde, I64Serde), Materialized::with(StringSerde, I64Serde));
        let grouped = table.group_by(|_, n| (Some((n % 3).to_string()), *n), Grouped::with(StringSerde, I64Serde));
        let rows_store = grouped.count(Materialized::with(StringSerde, I64Serde).named("rows")).store_handle().unwrap();
        let total_table = grouped
            .reduce(|a, b| a + b, |a, b| a - b, Materialized::with(StringSerde, I64Serde).named("total"));
        let total_store = total_table.store_handle().unwrap();
        total_table
            .to_stream()
            .to("totals", Produced::with(StringSerde, OptionSerde(I64Serde)));
        let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
        let t = d.input_topic("t", StringSerde, I64Serde);
        let mut reference: BTreeMap<String, i64> = BTreeMap::new();
        for (k, v) in &updates {
            match v {
                Some(v) => { t.pipe_input(k.clone(), *v).unwrap(); reference.insert(k.clone(), *v); }
                None => { t.pipe_tombstone(k.clone(), 0).unwrap(); reference.remove(k); }
            }
        }
        let mut rows: BTreeMap<String, i64> = BTreeMap::new();
        let mut total: BTreeMap<String, i64> = BTreeMap::new();
        for n in reference.values() {
            *rows.entry((n % 3).to_string()).or_default() += 1;
            *total.entry((n % 3).to_string()).or_default() += n;
        }
        // Groups that emptied keep a count of 0 (as in Kafka Streams); drop them to compare.
        let got_rows: BTreeMap<String, i64> = d.store(&rows_store).unwrap().all().unwrap()
            .into_iter().filter(|(_, c)| *c != 0).collect();
        prop_assert_eq!(got_rows, rows.clone());
        let got_total: BTreeMap<String, i64> = d.store(&total_store).unwrap().all().unwrap()
            .into_iter().filter(|(g, _)| rows.contains_key(g)).collect();
        prop_assert_eq!(got_total, total);
    }
}
