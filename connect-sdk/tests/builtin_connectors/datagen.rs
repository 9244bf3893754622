//! `DatagenConnector`: the same records for a seed, resumes, pace and config errors.

use std::time::{Duration, Instant};

use connect_sdk::config::Properties;
use connect_sdk::connector::{Connector, OffsetReader, SourceConnector};
use connect_sdk::connectors::{DatagenConnector, Quickstart};
use connect_sdk::data::Value;
use connect_sdk::record::SourceRecord;
use connect_sdk::transforms::TransformChain;
use connect_sdk::{Error, Result};

use super::{Pairs, Stored, key_of, map, props};

// ---- Datagen ----

fn datagen_config(extra: &[(&str, &str)]) -> Properties {
    let mut config = props(&[
        ("kafka.topic", "gen"),
        ("quickstart", "trucking_positions"),
        ("max.interval", "0"),
    ]);
    config.extend(props(extra));
    config
}

/// The task configs of a started datagen connector.
fn datagen_tasks(config: &Properties, max_tasks: usize) -> Result<Vec<Properties>> {
    let mut connector = DatagenConnector::new();
    connector.start(config)?;
    connector.task_configs(max_tasks)
}

/// `count` records of a task started from `offsets`, polled as fast as they come.
fn generate(task_config: &Properties, offsets: &dyn OffsetReader, count: usize) -> Result<Vec<SourceRecord>> {
    let mut task = DatagenConnector::new().create_task();
    task.start(task_config, offsets)?;
    let mut records = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while records.len() < count && Instant::now() < deadline {
        records.extend(task.poll()?);
    }
    task.stop()?;
    records.truncate(count);
    assert_eq!(records.len(), count, "generated in time");
    Ok(records)
}

#[test]
fn datagen_makes_the_same_records_for_the_same_seed() -> Result<()> {
    for quickstart in Quickstart::ALL {
        let config = datagen_config(&[("random.seed", "42"), ("quickstart", quickstart.name())]);
        let task = &datagen_tasks(&config, 1)?[0];
        let first = generate(task, &Stored::default(), 300)?;
        let again = generate(task, &Stored::default(), 300)?;
        assert_eq!(first, again, "{}", quickstart.name());

        let other = datagen_config(&[("random.seed", "43"), ("quickstart", quickstart.name())]);
        let other = generate(&datagen_tasks(&other, 1)?[0], &Stored::default(), 300)?;
        assert_ne!(first, other, "{}", quickstart.name());

        let schema = quickstart.value_schema()?;
        for (n, r) in first.iter().enumerate() {
            assert_eq!(r.record.topic, "gen");
            assert_eq!(r.record.value_schema.as_ref(), Some(&schema));
            r.record.value.validate(&schema)?;
            let row = r.record.value.as_struct().expect("a struct");
            assert_eq!(&r.record.key, row.get(quickstart.key_field())?);
            assert_eq!(
                r.record.key_schema.as_ref(),
                Some(schema.field(quickstart.key_field()).expect("key").schema())
            );
            assert_eq!(
                r.source_offset.map_get("iteration"),
                Some(&Value::Int64(n as i64 + 1))
            );
            assert_eq!(r.source_offset.map_get("seed"), Some(&Value::Int64(42)));
            assert_eq!(
                r.source_partition,
                map(vec![
                    ("task", Value::Int64(0)),
                    ("quickstart", Value::String(quickstart.name().into()))
                ])
            );
            let header = r.record.header("current.iteration").expect("a header");
            assert_eq!(header.value, Value::Int64(n as i64));
        }
    }
    Ok(())
}

#[test]
fn datagen_resumes_where_its_offset_says_with_the_same_records() -> Result<()> {
    for seed in [Some("7"), None] {
        let mut extra = vec![("quickstart", "hotel_pageviews")];
        extra.extend(seed.map(|s| ("random.seed", s)));
        let task = &datagen_tasks(&datagen_config(&extra), 1)?[0];
        let uninterrupted = generate(task, &Stored::default(), 40)?;
        let before = &uninterrupted[..13];
        // Without a seed the first run's, kept in the offsets, goes on.
        let after = generate(task, &Stored::committed(before), 27)?;
        assert_eq!(after, uninterrupted[13..], "seed {seed:?}");
    }
    Ok(())
}

#[test]
fn datagen_stops_after_its_iterations() -> Result<()> {
    let task = &datagen_tasks(&datagen_config(&[("iterations", "5"), ("random.seed", "1")]), 1)?[0];
    let mut generator = DatagenConnector::new().create_task();
    generator.start(task, &Stored::default())?;
    let mut count = 0;
    for _ in 0..5 {
        count += generator.poll()?.len();
    }
    assert_eq!(count, 5);
    // Resumed after 3 of them, two are left.
    let three = generate(task, &Stored::default(), 3)?;
    let mut resumed = DatagenConnector::new().create_task();
    resumed.start(task, &Stored::committed(&three))?;
    let mut rest = Vec::new();
    for _ in 0..3 {
        rest.extend(resumed.poll()?);
    }
    assert_eq!(rest.len(), 2);
    Ok(())
}

#[test]
fn datagen_keeps_to_records_per_second_without_spinning() -> Result<()> {
    let config = datagen_config(&[("records.per.second", "40"), ("max.interval", "5000")]);
    let mut task = DatagenConnector::new().create_task();
    task.start(&datagen_tasks(&config, 1)?[0], &Stored::default())?;
    let started = Instant::now();
    let (mut records, mut polls) = (0usize, 0usize);
    while started.elapsed() < Duration::from_millis(1500) {
        records += task.poll()?.len();
        polls += 1;
    }
    let expected = 40.0 * started.elapsed().as_secs_f64();
    assert!(
        records as f64 <= expected + 3.0,
        "{records} records, {expected} expected"
    );
    assert!(
        records as f64 >= expected * 0.5,
        "{records} records, {expected} expected"
    );
    assert!(
        polls <= 3 * records + 30,
        "{polls} polls for {records} records: it must sleep"
    );
    Ok(())
}

#[test]
fn datagen_max_interval_paces_records() -> Result<()> {
    // A random wait below 200 ms: about 10 a second, far from the hundreds unpaced.
    let config = datagen_config(&[("max.interval", "200")]);
    let mut task = DatagenConnector::new().create_task();
    task.start(&datagen_tasks(&config, 1)?[0], &Stored::default())?;
    let started = Instant::now();
    let mut records = 0;
    while started.elapsed() < Duration::from_secs(1) {
        records += task.poll()?.len();
    }
    assert!((2..=40).contains(&records), "{records} records in a second");
    Ok(())
}

#[test]
fn datagen_splits_streams_over_tasks_and_tables_into_one() -> Result<()> {
    let tasks = datagen_tasks(&datagen_config(&[("random.seed", "3")]), 3)?;
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[2].get("task.id").map(String::as_str), Some("2"));
    let a = generate(&tasks[0], &Stored::default(), 20)?;
    let b = generate(&tasks[1], &Stored::default(), 20)?;
    assert_ne!(
        a.iter().map(|r| &r.record.value).collect::<Vec<_>>(),
        b.iter().map(|r| &r.record.value).collect::<Vec<_>>()
    );
    assert_eq!(b[0].source_partition.map_get("task"), Some(&Value::Int64(1)));

    let drivers = datagen_tasks(
        &datagen_config(&[("quickstart", "TRUCKING_DRIVERS"), ("random.seed", "3")]),
        3,
    )?;
    assert_eq!(drivers.len(), 1, "a table has one writer");
    let rows = generate(&drivers[0], &Stored::default(), 200)?;
    let ids: Vec<&Value> = rows.iter().map(|r| &r.record.key).collect();
    assert_eq!(ids[0], &Value::Int64(1));
    assert_eq!(ids[99], &Value::Int64(100));
    assert_eq!(ids[100], &Value::Int64(1));
    // A driver keeps their name from turn to turn.
    let name = |r: &SourceRecord| {
        r.record
            .value
            .as_struct()
            .and_then(|s| s.get("lastName").ok().cloned())
    };
    assert_eq!(name(&rows[5]), name(&rows[105]));
    Ok(())
}

#[test]
fn datagen_loyalty_card_numbers_are_masked_by_mask_field() -> Result<()> {
    let task = &datagen_tasks(
        &datagen_config(&[("quickstart", "hotel_loyalty"), ("random.seed", "3")]),
        1,
    )?[0];
    let records = generate(task, &Stored::default(), 5)?;
    let mut chain = TransformChain::from_properties(&props(&[
        ("transforms", "mask"),
        (
            "transforms.mask.type",
            "org.apache.kafka.connect.transforms.MaskField$Value",
        ),
        ("transforms.mask.fields", "cc"),
    ]))?;
    for r in records {
        let row = r.record.value.as_struct().expect("a struct");
        let cc = row.get("cc")?.as_str().expect("a card number").to_owned();
        let groups: Vec<&str> = cc.split('-').collect();
        assert_eq!(groups.len(), 4, "{cc}");
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit())),
            "{cc}"
        );
        let masked = chain.apply(r.record)?.expect("kept");
        assert_eq!(
            masked.value.as_struct().expect("a struct").get("cc")?,
            &Value::String(String::new())
        );
    }
    Ok(())
}

#[test]
fn datagen_key_field_can_be_chosen() -> Result<()> {
    let config = datagen_config(&[("schema.keyfield", "eventType"), ("random.seed", "1")]);
    let records = generate(&datagen_tasks(&config, 1)?[0], &Stored::default(), 3)?;
    assert!(matches!(records[0].record.key, Value::String(_)));
    Ok(())
}

#[test]
fn datagen_config_errors_name_the_key() {
    let cases: &[(Pairs, &str)] = &[
        (&[("kafka.topic", "")], "kafka.topic"),
        (&[("quickstart", "users")], "quickstart"),
        (&[("schema.keyfield", "nope")], "schema.keyfield"),
        (&[("schema.string", "{\"type\":\"record\"}")], "schema.string"),
        (&[("records.per.second", "-1")], "records.per.second"),
        (&[("records.per.second", "NaN")], "records.per.second"),
        (&[("iterations", "lots")], "iterations"),
        (&[("random.seed", "x")], "random.seed"),
    ];
    for (extra, key) in cases {
        let config = datagen_config(extra);
        let err = DatagenConnector::new()
            .start(&config)
            .expect_err("an invalid config");
        assert_eq!(key_of(&err), *key, "{err}");
    }
    let mut missing = datagen_config(&[]);
    missing.remove("kafka.topic");
    let err = DatagenConnector::new().start(&missing).expect_err("no topic");
    assert!(matches!(err, Error::MissingConfig { ref key } if key == "kafka.topic"));
    let err = DatagenConnector::new()
        .start(&datagen_config(&[("quickstart", "users")]))
        .expect_err("not ours");
    assert!(err.to_string().ends_with(
        "quickstart must be one out of trucking_positions,trucking_drivers,hotel_pageviews,hotel_loyalty"
    ));
    let def = DatagenConnector::config_def();
    assert_eq!(
        def.key("max.interval").and_then(|k| k.default.as_deref()),
        Some("500")
    );
    assert_eq!(
        def.key("iterations").and_then(|k| k.default.as_deref()),
        Some("-1")
    );
    assert!(def.key("random.seed").is_some_and(|k| k.default_null));
}
