//! The conformance suite on the embedded backend, plus what only it can show
//! (compaction on demand, injected time).

mod conformance;

use std::time::Duration;

use conformance::{Caps, Harness};
use streamlog::embedded::EmbeddedCluster;
use streamlog::time::ManualClock;
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig, TopicPartition};

struct Embedded {
    inner: EmbeddedCluster,
    cluster: Cluster,
}

impl Embedded {
    fn new() -> Self {
        let inner = EmbeddedCluster::new();
        Self {
            cluster: inner.cluster(),
            inner,
        }
    }
}

impl Harness for Embedded {
    fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    fn caps(&self) -> Caps {
        Caps {
            compaction: true,
            aborted_records_kept: true,
            commit_during_rebalance: true,
            hides_aborted: true,
            fences_zombies: true,
            transactional_offsets: true,
            topic_admin: true,
        }
    }
    fn compact(&self, topic: &str) {
        self.inner.compact(topic).unwrap();
    }
    fn patience(&self) -> Duration {
        Duration::from_secs(5)
    }
}

conformance_tests!(Some(Embedded::new()));

#[test]
fn retention_follows_the_injected_clock() {
    let clock = ManualClock::new(1_000_000);
    let cluster = EmbeddedCluster::builder().clock(clock.clone()).build();
    let log = cluster.cluster();
    let admin = log.admin().unwrap();
    admin
        .create_topic("short", &TopicConfig::new(1).retention_ms(1_000))
        .unwrap();
    let p = log.producer(&ClientConfig::new()).unwrap();
    p.send(ProducerRecord::new("short").value("old")).unwrap();
    clock.advance(2_000);
    p.send(ProducerRecord::new("short").value("new")).unwrap();
    let marks = admin.watermarks(&TopicPartition::new("short", 0)).unwrap();
    assert_eq!((marks.low, marks.high), (1, 2));
    assert_eq!(
        cluster.stored_records("short", 0).unwrap(),
        1,
        "the old record is gone"
    );
    let mut c = log
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    c.assign(&[TopicPartition::new("short", 0)]).unwrap();
    let got = c.poll(Duration::ZERO).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].value.as_deref(), Some(&b"new"[..]));
    assert_eq!(got[0].timestamp, streamlog::Timestamp::CreateTime(1_002_000));
}

#[test]
fn auto_commit_and_transaction_timeout_follow_the_clock() {
    let clock = ManualClock::new(0);
    let cluster = EmbeddedCluster::builder()
        .clock(clock.clone())
        .auto_create_topics(1)
        .build();
    let log = cluster.cluster();
    let p = log.producer(&ClientConfig::new()).unwrap();
    p.send(ProducerRecord::new("auto").value("a")).unwrap();
    let mut c = log
        .consumer(
            &ClientConfig::new()
                .group_id("g")
                .set("auto.offset.reset", "earliest"),
        )
        .unwrap();
    c.subscribe(&["auto"]).unwrap();
    assert_eq!(c.poll(Duration::ZERO).unwrap().len(), 1);
    let tp = TopicPartition::new("auto", 0);
    assert_eq!(c.committed(std::slice::from_ref(&tp)).unwrap(), vec![None]);
    clock.advance(5_000);
    c.poll(Duration::ZERO).unwrap();
    assert_eq!(
        c.committed(std::slice::from_ref(&tp)).unwrap(),
        vec![Some(1)],
        "auto.commit.interval.ms passed"
    );

    let tx = log
        .producer(
            &ClientConfig::new()
                .transactional_id("slow")
                .set("transaction.timeout.ms", "1000"),
        )
        .unwrap();
    tx.init_transactions(Duration::from_secs(1)).unwrap();
    tx.begin_transaction().unwrap();
    tx.send(ProducerRecord::new("auto").value("never")).unwrap();
    clock.advance(1_001);
    assert!(c.poll(Duration::ZERO).unwrap().is_empty());
    let err = tx.commit_transaction(Duration::from_secs(1)).unwrap_err();
    assert!(matches!(err, streamlog::Error::ProducerFenced { .. }), "{err}");
}

#[test]
fn a_poll_timeout_is_real_time_on_a_clock_that_stands_still() {
    let clock = ManualClock::new(0);
    let cluster = EmbeddedCluster::builder()
        .clock(clock.clone())
        .auto_create_topics(1)
        .build()
        .cluster();
    let mut c = cluster
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    c.assign(&[TopicPartition::new("quiet", 0)]).unwrap();
    let started = std::time::Instant::now();
    assert!(c.poll(Duration::from_millis(100)).unwrap().is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(100) && waited < Duration::from_secs(10),
        "waited {waited:?}"
    );
    assert_eq!(
        streamlog::time::Clock::now_millis(&clock),
        0,
        "waiting does not move the clock"
    );
}

#[test]
fn unknown_topic_on_send_without_auto_create() {
    let log = Cluster::embedded();
    let p = log.producer(&ClientConfig::new()).unwrap();
    let err = p.send(ProducerRecord::new("nope").value("v")).unwrap_err();
    assert!(
        matches!(err, streamlog::Error::UnknownTopic { ref topic } if topic == "nope"),
        "{err}"
    );
}

#[test]
fn invalid_topic_names_and_configs_are_refused() {
    let admin = Cluster::embedded().admin().unwrap();
    let err = admin.create_topic("bad name!", &TopicConfig::new(1)).unwrap_err();
    assert!(err.to_string().contains("bad name!"), "{err}");
    let err = admin
        .create_topic("ok", &TopicConfig::new(1).set("retention.mss", "1"))
        .unwrap_err();
    assert!(matches!(err, streamlog::Error::UnknownConfig { ref key } if key == "retention.mss"));
}

#[test]
fn a_silent_member_is_expired_and_its_partitions_move() {
    let clock = ManualClock::new(0);
    let cluster = EmbeddedCluster::builder().clock(clock.clone()).build();
    let log = cluster.cluster();
    log.admin()
        .unwrap()
        .create_topic("t", &TopicConfig::new(2))
        .unwrap();
    let config = ClientConfig::new()
        .group_id("g")
        .set("max.poll.interval.ms", "1000")
        .set("enable.auto.commit", "false");
    let mut a = log.consumer(&config).unwrap();
    let mut b = log.consumer(&config).unwrap();
    a.subscribe(&["t"]).unwrap();
    b.subscribe(&["t"]).unwrap();
    a.poll(Duration::ZERO).unwrap();
    b.poll(Duration::ZERO).unwrap();
    a.poll(Duration::ZERO).unwrap();
    assert_eq!(a.assignment().len() + b.assignment().len(), 2);
    // b stops polling; after max.poll.interval.ms a takes everything.
    clock.advance(1_500);
    a.poll(Duration::ZERO).unwrap();
    assert_eq!(a.assignment().len(), 2);
    let err = b.commit_offsets(&[(TopicPartition::new("t", 1), 0)]).unwrap_err();
    assert!(matches!(err, streamlog::Error::CommitFailed { .. }), "{err}");
}

#[test]
fn connect_picks_the_backend_from_bootstrap_servers() {
    let embedded = Cluster::connect(ClientConfig::new()).unwrap();
    assert_eq!(embedded.backend_name(), "embedded");
    let named = Cluster::connect(ClientConfig::new().bootstrap_servers("embedded:")).unwrap();
    assert_eq!(named.backend_name(), "embedded");
    // The base configuration reaches the clients: an unknown key in it is refused.
    let bad = Cluster::connect(
        ClientConfig::new()
            .bootstrap_servers("embedded:")
            .set("colour", "red"),
    )
    .unwrap();
    let err = bad
        .producer(&ClientConfig::new())
        .expect_err("unknown key refused");
    assert!(
        matches!(err, streamlog::Error::UnknownConfig { ref key } if key == "colour"),
        "{err}"
    );
    #[cfg(not(feature = "kafka"))]
    {
        let err = Cluster::connect(ClientConfig::new().bootstrap_servers("127.0.0.1:9092")).unwrap_err();
        assert!(err.to_string().contains("kafka"), "{err}");
    }
}
