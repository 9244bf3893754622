//! Bad input: typed errors that name what was wrong, and that are not retriable (trying
//! again cannot fix them).

use streamlog::{ClientConfig, Error, ProducerRecord, TopicConfig, TopicPartition};

use super::*;

pub fn unknown_topic_is_an_error(h: &dyn Harness) {
    let name = unique("missing");
    let admin = h.cluster().admin().unwrap();
    let err = admin.partition_count(&name).unwrap_err();
    assert!(
        matches!(err, Error::UnknownTopic { ref topic } if *topic == name),
        "{err}"
    );
    assert!(!err.is_retriable(), "{err}");
    if !h.caps().topic_admin {
        return;
    }
    let err = admin.delete_topic(&name).unwrap_err();
    assert!(matches!(err, Error::UnknownTopic { .. }), "{err}");
    assert!(!err.is_retriable(), "{err}");
    let t = topic(h, "exists", TopicConfig::new(1));
    let err = admin.create_topic(&t, &TopicConfig::new(1)).unwrap_err();
    assert!(matches!(err, Error::TopicAlreadyExists { .. }), "{err}");
    assert!(!err.is_retriable(), "{err}");
    admin.delete_topic(&t).unwrap();
    let deadline = std::time::Instant::now() + h.patience();
    while admin.list_topics().unwrap().contains(&t) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        !admin.list_topics().unwrap().contains(&t),
        "deleted topic still listed"
    );
}

pub fn unknown_config_key_is_named(h: &dyn Harness) {
    let err = h
        .cluster()
        .consumer(&ClientConfig::new().set("group.idd", "g"))
        .expect_err("unknown key refused");
    assert!(
        matches!(err, Error::UnknownConfig { ref key } if key == "group.idd"),
        "{err}"
    );
    assert!(!err.is_retriable(), "{err}");
    let err = h
        .cluster()
        .consumer(&ClientConfig::new().set("auto.offset.reset", "sometimes"))
        .expect_err("bad value refused");
    assert!(err.to_string().contains("auto.offset.reset"), "{err}");
    assert!(!err.is_retriable(), "{err}");
}

pub fn record_too_large_is_refused(h: &dyn Harness) {
    let t = topic(h, "too-large", TopicConfig::new(1));
    let p = producer(h, ClientConfig::new().set("message.max.bytes", "10000"));
    let err = p
        .send(ProducerRecord::new(t.as_str()).value(vec![0u8; 20_000]))
        .and_then(|d| d.wait(std::time::Duration::from_secs(10)))
        .unwrap_err();
    assert!(
        matches!(err, Error::RecordTooLarge { ref topic, .. } if *topic == t),
        "{err}"
    );
    assert!(!err.is_retriable(), "{err}");
}

pub fn seek_on_unassigned_partition_fails(h: &dyn Harness) {
    let t = topic(h, "unassigned", TopicConfig::new(2));
    let mut c = consumer(h, ClientConfig::new());
    c.assign(&[TopicPartition::new(&t, 0)]).unwrap();
    let err = c
        .seek(&TopicPartition::new(&t, 1), streamlog::Offset::Beginning)
        .unwrap_err();
    assert!(matches!(err, Error::NotAssigned { partition: 1, .. }), "{err}");
    assert!(!err.is_retriable(), "{err}");
}
