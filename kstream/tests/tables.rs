//! Tables: a grouped table's changes through its repartition topic (one record for a row
//! updated within its group), what bad bytes there give, and when a table source without
//! a store of its own gets one. The differential suite compares the outputs with Kafka
//! Streams; these tests look at what it cannot see.

use bytes::Bytes;
use kstream::Error;
use kstream::prelude::*;
use kstream::serdes::SerdeErrorKind;

const REPARTITION: &str = "test-driver-by-region-repartition";

fn strings() -> Consumed<String, String> {
    Consumed::with(StringSerde, StringSerde)
}

/// Accounts ("region:amount") counted per region, to `out`.
fn accounts_per_region() -> TopologyTestDriver {
    let b = StreamsBuilder::new();
    b.table(
        "accounts",
        strings(),
        Materialized::with(StringSerde, StringSerde),
    )
    .group_by(
        |id: &String, v: &String| (v.split_once(':').map(|(r, _)| r.to_owned()), id.clone()),
        Grouped::with(StringSerde, StringSerde)
            .named("by-region")
            .unwrap(),
    )
    .count(Materialized::with(StringSerde, I64Serde).named("counts"))
    .to_stream()
    .to("out", Produced::with(StringSerde, OptionSerde(I64Serde)));
    TopologyTestDriver::new(b.build().unwrap()).unwrap()
}

/// The (key, value) bytes written to the repartition topic since the last call.
fn repartitioned(d: &TopologyTestDriver) -> Vec<(String, Vec<u8>)> {
    d.read_raw(REPARTITION)
        .into_iter()
        .map(|r| {
            let key = String::from_utf8(r.key.unwrap().to_vec()).unwrap();
            (key, r.value.unwrap().to_vec())
        })
        .collect()
}

fn counts(d: &TopologyTestDriver) -> Vec<(String, Option<i64>)> {
    d.output_topic("out", StringSerde, OptionSerde(I64Serde))
        .read_key_values()
        .unwrap()
}

fn owned(records: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    records
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.to_vec()))
        .collect()
}

#[test]
fn a_row_updated_within_its_group_crosses_the_repartition_topic_once() {
    let d = accounts_per_region();
    let accounts = d.input_topic("accounts", StringSerde, StringSerde);
    accounts.pipe_input("1".into(), "eu:5".into()).unwrap();
    assert_eq!(repartitioned(&d), owned(&[("eu", b"\x001")]));
    // Within its region: one record with the new and the old row.
    accounts.pipe_input("1".into(), "eu:6".into()).unwrap();
    assert_eq!(repartitioned(&d), owned(&[("eu", b"\x02\x00\x00\x00\x0111")]));
    // To another region: out of the old one, then into the new one.
    accounts.pipe_input("1".into(), "us:6".into()).unwrap();
    assert_eq!(repartitioned(&d), owned(&[("eu", b"\x011"), ("us", b"\x001")]));
    accounts.pipe_tombstone("1".into(), 0).unwrap();
    assert_eq!(repartitioned(&d), owned(&[("us", b"\x011")]));
    let c = |k: &str, n| (k.to_owned(), Some(n));
    assert_eq!(
        counts(&d),
        vec![c("eu", 1), c("eu", 1), c("eu", 0), c("us", 1), c("us", 0)]
    );
}

#[test]
fn records_in_the_layout_of_earlier_releases_still_read() {
    // Earlier releases wrote a subtraction and an addition as two records, tags 1 and 0.
    let d = accounts_per_region();
    let write = |value: &'static [u8]| {
        d.pipe_raw(
            REPARTITION,
            Some(Bytes::from_static(b"eu")),
            Some(Bytes::from_static(value)),
            0,
        )
        .unwrap();
    };
    write(b"\x001");
    write(b"\x002");
    write(b"\x011");
    let c = |n| ("eu".to_owned(), Some(n));
    assert_eq!(counts(&d), vec![c(1), c(2), c(1)]);
}

#[test]
fn bad_bytes_in_a_grouped_table_s_repartition_topic_are_bad_data_naming_the_fault() {
    let d = accounts_per_region();
    let cases: [(&'static [u8], &str); 3] = [
        (
            b"\x09x",
            "layout tag 9, where 0 (new value), 1 (old value) or 2 (both) was expected",
        ),
        (b"\x02\x00", "a record of both values has 1 bytes after its tag"),
        (
            b"\x02\x00\x00\x00\x05ab",
            "gives its new value 5 bytes, but only 2 follow",
        ),
    ];
    for (value, fault) in cases {
        let err = d
            .pipe_raw(
                REPARTITION,
                Some(Bytes::from_static(b"eu")),
                Some(Bytes::from_static(value)),
                0,
            )
            .unwrap_err();
        let Error::Deserialize {
            topic, part, source, ..
        } = &err
        else {
            panic!("{value:?}: not a deserialization error: {err:?}");
        };
        assert_eq!((topic.as_str(), *part), (REPARTITION, "value"));
        assert_eq!(source.kind(), SerdeErrorKind::BadData);
        assert!(source.to_string().contains(fault), "{value:?}: {source}");
    }
}

#[test]
fn a_source_without_a_store_gets_one_only_when_an_operation_needs_it() {
    let store = "in-STATE-STORE-0000000000";
    let b = StreamsBuilder::new();
    let input = b.table_unmaterialized("in", strings());
    input
        .filter(|_, v| v.starts_with("keep"))
        .map_values(|v| v.to_uppercase())
        .to_stream()
        .to("out", Produced::with(StringSerde, OptionSerde(StringSerde)));
    let described = b.build().unwrap().describe().to_string();
    assert!(!described.contains(store), "{described}");

    let b = StreamsBuilder::new();
    let input = b.table_unmaterialized("in", strings());
    input
        .map_values(|v| v.len().to_string())
        .group_by(
            |k, v| (Some(v.clone()), k.clone()),
            Grouped::with(StringSerde, StringSerde),
        )
        .count(Materialized::with(StringSerde, I64Serde));
    assert!(input.store_handle().is_none());
    let topology = b.build().unwrap();
    let described = topology.describe().to_string();
    assert!(
        described.contains(&format!(
            "Processor: KTABLE-SOURCE-0000000002 (stores: [{store}])"
        )),
        "{described}"
    );
    let d = TopologyTestDriver::new(topology).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    input.pipe_input("a".into(), "xyz".into()).unwrap();
    let stored = d.raw_store(store).unwrap();
    assert_eq!(
        stored,
        vec![(Bytes::from_static(b"a"), Bytes::from_static(b"xyz"))]
    );
}
