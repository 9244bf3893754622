//! Typed store handles (what they open, and what they refuse), the bytes-level read of
//! any store by name, and store errors that keep their source.

use std::collections::BTreeMap;

use bytes::Bytes;
use kstream::{
    Consumed, Error, Grouped, I64Serde, JsonSerde, Materialized, OptionSerde, Processor, ProcessorContext,
    ProcessorError, StoreError, StoreHandle, StreamsBuilder, StringSerde, Topology, TopologyTestDriver,
};

fn strings() -> Consumed<String, String> {
    Consumed::with(StringSerde, StringSerde)
}

/// Words counted per word into a store named `counts`, and the handle of that store.
fn word_counts() -> (Topology, StoreHandle<String, i64>) {
    let counts = Materialized::with(StringSerde, I64Serde).named("counts");
    let handle = counts.handle();
    let b = StreamsBuilder::new();
    b.stream("words", strings())
        .group_by(|_, w| Some(w.clone()), Grouped::with(StringSerde, StringSerde))
        .count(counts);
    (b.build().unwrap(), handle)
}

fn pipe_words(d: &TopologyTestDriver, words: &[&str]) {
    let input = d.input_topic("words", StringSerde, StringSerde);
    for w in words {
        input.pipe_input("line".into(), (*w).into()).unwrap();
    }
}

#[test]
fn a_handle_learns_its_name_when_its_store_is_added() {
    let named = Materialized::<String, i64>::with(StringSerde, I64Serde).named("counts");
    let unnamed = Materialized::<String, i64>::with(StringSerde, I64Serde);
    let (named_store, unnamed_store) = (named.handle(), unnamed.handle());
    assert_eq!(named_store.name(), None);
    assert_eq!(unnamed_store.name(), None);

    let b = StreamsBuilder::new();
    let grouped = b
        .stream("n", Consumed::with(StringSerde, I64Serde))
        .group_by_key(Grouped::with(StringSerde, I64Serde));
    grouped.count(named);
    grouped.reduce(|a, b| a + b, unnamed);
    let topology = b.build().unwrap();
    assert_eq!(named_store.name(), Some("counts"));
    let chosen = unnamed_store.name().unwrap().to_owned();
    assert!(chosen.starts_with("KSTREAM-REDUCE-"), "{chosen}");
    let described = topology.describe().to_string();
    assert!(
        described.contains("counts") && described.contains(&chosen),
        "{described}"
    );

    let d = TopologyTestDriver::new(topology).unwrap();
    let input = d.input_topic("n", StringSerde, I64Serde);
    for (k, v) in [("a", 2), ("a", 3), ("b", 1)] {
        input.pipe_input(k.into(), v).unwrap();
    }
    assert_eq!(
        d.store(&named_store).unwrap().all().unwrap(),
        vec![("a".into(), 2), ("b".into(), 1)]
    );
    assert_eq!(
        d.store(&unnamed_store).unwrap().all().unwrap(),
        vec![("a".into(), 5), ("b".into(), 1)]
    );
}

#[test]
fn a_handle_of_another_topology_is_an_unknown_store_naming_it() {
    let (first, _) = word_counts();
    let (_, of_the_second) = word_counts();
    let d = TopologyTestDriver::new(first).unwrap();
    match d.store(&of_the_second) {
        Err(Error::NoSuchStore(name)) => assert_eq!(name, "counts"),
        other => panic!("expected NoSuchStore, got {other:?}"),
    }
    // A handle whose store was never added to any topology.
    let never_added = Materialized::<String, i64>::with(StringSerde, I64Serde).handle();
    let err = d.store(&never_added).unwrap_err();
    assert!(matches!(err, Error::NoSuchStore(_)), "{err:?}");
    assert!(err.to_string().contains("never added"), "{err}");
}

#[test]
fn a_table_has_a_store_handle_only_when_materialized() {
    let b = StreamsBuilder::new();
    let table = b.table(
        "drivers",
        strings(),
        Materialized::with(StringSerde, StringSerde).named("drivers"),
    );
    let long_names = table.filter(|_, name| name.len() > 5);
    assert!(long_names.store_handle().is_none());
    let stored = long_names.materialize(Materialized::with(StringSerde, StringSerde).named("long-names"));
    let (all, long) = (table.store_handle().unwrap(), stored.store_handle().unwrap());
    assert_eq!((all.name(), long.name()), (Some("drivers"), Some("long-names")));

    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("drivers", StringSerde, StringSerde);
    input.pipe_input("1".into(), "Walter".into()).unwrap();
    input.pipe_input("2".into(), "Ann".into()).unwrap();
    assert_eq!(d.store(&all).unwrap().all().unwrap().len(), 2);
    assert_eq!(
        d.store(&long).unwrap().all().unwrap(),
        vec![("1".into(), "Walter".into())]
    );
}

#[test]
fn a_global_table_has_a_store_handle() {
    let b = StreamsBuilder::new();
    let routes = b.global_table("routes", strings(), Some("routes"));
    b.stream("trips", strings())
        .join_global(&routes, |_, r| Some(r.clone()), |t, r| format!("{t}@{r}"))
        .to("out", kstream::Produced::with(StringSerde, StringSerde));
    let handle = routes.store_handle();
    assert_eq!(handle.name(), Some("routes"));
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    d.input_topic("routes", StringSerde, StringSerde)
        .pipe_input("r1".into(), "Chicago".into())
        .unwrap();
    assert_eq!(
        d.store(&handle).unwrap().get(&"r1".into()).unwrap(),
        Some("Chicago".into())
    );
}

#[test]
fn raw_store_reads_any_store_as_bytes_in_key_order() {
    let (topology, _) = word_counts();
    let d = TopologyTestDriver::new(topology).unwrap();
    pipe_words(&d, &["kafka", "rust", "kafka", "avro"]);
    let raw = d.raw_store("counts").unwrap();
    let long = |n: i64| Bytes::copy_from_slice(&n.to_be_bytes());
    assert_eq!(
        raw,
        vec![
            (Bytes::from("avro"), long(1)),
            (Bytes::from("kafka"), long(2)),
            (Bytes::from("rust"), long(1)),
        ]
    );
    match d.raw_store("nope") {
        Err(Error::NoSuchStore(name)) => assert_eq!(name, "nope"),
        other => panic!("expected NoSuchStore, got {other:?}"),
    }
}

/// A processor that only holds its store.
struct Holds;

impl Processor<String, String, String, String> for Holds {
    fn process(
        &mut self,
        _: &mut ProcessorContext<'_, String, String>,
        _: String,
        _: String,
    ) -> Result<(), ProcessorError> {
        Ok(())
    }
}

/// A topology with one store for the processor API, to reach it through the driver.
fn one_store<K: 'static, V: 'static>(m: Materialized<K, V>) -> (TopologyTestDriver, StoreHandle<K, V>) {
    let b = StreamsBuilder::new();
    let handle = b.add_state_store(m);
    b.stream("in", strings())
        .process::<String, String, _>(|| Holds, &[&handle]);
    (TopologyTestDriver::new(b.build().unwrap()).unwrap(), handle)
}

/// `err` and its sources, one after the other.
fn causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text += &format!(": {cause}");
        source = cause.source();
    }
    text
}

/// The store error inside `err`, after checking that it names `store`.
fn store_error<'e>(err: &'e Error, store: &str) -> &'e StoreError {
    match err {
        Error::Store { store: s, source } => {
            assert_eq!(s, store);
            source
        }
        other => panic!("expected a store error, got {other:?}"),
    }
}

#[test]
fn a_value_the_serde_cannot_write_is_a_store_error_with_the_serde_error_as_source() {
    // JSON maps need string keys: serde_json refuses this one.
    type Pairs = BTreeMap<(i32, i32), i32>;
    let (d, handle) = one_store(Materialized::with(StringSerde, JsonSerde::<Pairs>::new()).named("pairs"));
    let store = d.store(&handle).unwrap();
    let err = store.put(&"k".into(), &Pairs::from([((1, 2), 3)])).unwrap_err();
    match store_error(&err, "pairs") {
        StoreError::Serialize { part, .. } => assert_eq!(*part, "value"),
        other => panic!("expected a serialize error, got {other:?}"),
    }
    let chain = causes(&err);
    assert!(chain.contains("key must be a string"), "{chain}");
    assert_eq!(store.get(&"k".into()).unwrap(), None, "nothing was written");
}

#[test]
fn a_stored_value_the_serde_cannot_read_is_a_store_error() {
    // serde_json writes NaN as `null`, which it does not read back as a number.
    let (d, handle) = one_store(Materialized::with(StringSerde, JsonSerde::<f64>::new()).named("ratios"));
    let store = d.store(&handle).unwrap();
    store.put(&"k".into(), &f64::NAN).unwrap();
    let err = store.get(&"k".into()).unwrap_err();
    match store_error(&err, "ratios") {
        StoreError::Deserialize { part, .. } => assert_eq!(*part, "value"),
        other => panic!("expected a deserialize error, got {other:?}"),
    }
    assert!(err.to_string().contains("ratios"), "{err}");
    let chain = causes(&err);
    assert!(chain.contains("invalid type: null"), "{chain}");
}

#[test]
fn a_null_store_key_is_a_store_error() {
    let (d, handle) =
        one_store(Materialized::with(OptionSerde(StringSerde), StringSerde).named("optional-keys"));
    let store = d.store(&handle).unwrap();
    let err = store.put(&None, &"v".into()).unwrap_err();
    assert!(
        matches!(store_error(&err, "optional-keys"), StoreError::NullKey),
        "{err:?}"
    );
    store.put(&Some("k".into()), &"v".into()).unwrap();
    assert_eq!(store.all().unwrap(), vec![(Some("k".into()), "v".into())]);
}

#[cfg(feature = "rocksdb")]
#[test]
fn a_rocksdb_store_that_cannot_be_created_names_the_store_and_keeps_the_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let err = kstream::store::RocksDbBackend::open("counts", &file.join("rocksdb")).unwrap_err();
    match store_error(&err, "counts") {
        StoreError::Io {
            operation,
            path,
            source,
        } => {
            assert_eq!(*operation, "create");
            assert_eq!(path, &file.join("rocksdb"));
            assert!(causes(&err).ends_with(&source.to_string()), "{err}");
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[cfg(feature = "rocksdb")]
#[test]
fn a_rocksdb_store_loaded_in_bulk_ingests_a_table_file_and_keeps_every_write() {
    use kstream::store::{KeyValueBackend, RocksDbBackend};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restored");
    let has_table_file = || {
        std::fs::read_dir(&path)
            .unwrap()
            .any(|entry| entry.unwrap().path().extension().is_some_and(|e| e == "sst"))
    };
    let value = vec![7u8; 1024];
    let mut restored = RocksDbBackend::open("restored", &path).unwrap();
    restored.bulk_loading(true).unwrap();
    // 1 MiB, written twice more with a key in 8 deleted the last time: 3 MiB
    // gathered, not yet written.
    let keys: Vec<[u8; 4]> = (0..1024u32).map(u32::to_be_bytes).collect();
    for round in 0..3 {
        let writes: Vec<(&[u8], Option<&[u8]>)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (&k[..], (round < 2 || i % 8 != 0).then_some(&value[..])))
            .collect();
        restored.write_all(&writes).unwrap();
    }
    assert!(!has_table_file(), "a bulk load's writes are gathered first");
    restored.bulk_loading(false).unwrap();
    assert!(has_table_file(), "a bulk load ends with a table file ingested");
    for i in [0u32, 1, 511, 1023] {
        let expected = (i % 8 != 0).then_some(&value[..]);
        assert_eq!(
            restored.get(&i.to_be_bytes()).unwrap().as_deref(),
            expected,
            "key {i}"
        );
    }
    let all = restored
        .range(std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .unwrap();
    assert_eq!(all.len(), 1024 * 7 / 8);
}
