//! Consumer groups: rebalances, commits, resume after close, pause.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use streamlog::{
    ClientConfig, OffsetCommitter, ProducerRecord, RebalanceListener, TopicConfig, TopicPartition,
};

use super::*;

/// Commits the positions of revoked partitions, and records what happened.
struct CommitOnRevoke {
    log: Arc<Mutex<Vec<String>>>,
    name: &'static str,
    /// Whether the coordinator must accept the commit (see `Caps::commit_during_rebalance`).
    must_commit: bool,
}

impl RebalanceListener for CommitOnRevoke {
    fn on_partitions_assigned(&mut self, _c: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        let event = format!("{} assigned {}", self.name, partitions.len());
        self.log.lock().unwrap().push(event);
    }

    fn on_partitions_revoked(&mut self, c: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        let committed = c.commit_positions(partitions);
        if self.must_commit {
            committed.expect("commit in the revoke callback");
        }
        let event = format!("{} revoked {}", self.name, partitions.len());
        self.log.lock().unwrap().push(event);
    }
}

/// What the consumers of the rebalance scenario have read.
#[derive(Default)]
struct Reads {
    seen: Vec<u32>,
    /// Records of batches whose commit the coordinator refused (mid-rebalance): the
    /// only records another member may read again.
    uncommitted: usize,
}

impl Reads {
    fn take(&mut self, c: &mut dyn streamlog::Consumer, commit_each_batch: bool, timeout: Duration) {
        let batch = c.poll(timeout).expect("poll");
        self.seen
            .extend(batch.iter().map(|r| text(&r.value).parse::<u32>().unwrap()));
        if commit_each_batch && !batch.is_empty() && c.commit().is_err() {
            self.uncommitted += batch.len();
        }
    }
}

/// Two members share a topic; the second joins in the middle of consumption. Where the
/// coordinator accepts commits during a rebalance, committing in the revoke callback
/// loses and doubles nothing. Where it refuses them (the mock cluster), members commit
/// after each batch instead, and only batches whose commit was refused may be read twice.
pub fn group_rebalance_loses_and_doubles_nothing(h: &dyn Harness) {
    let t = topic(h, "rebalance", TopicConfig::new(4));
    let total = 400;
    let p = producer(h, ClientConfig::new());
    send_all(
        p.as_ref(),
        (0..total)
            .map(|i| {
                ProducerRecord::new(t.as_str())
                    .key(format!("k{i}"))
                    .value(i.to_string())
            })
            .collect(),
    );
    let group = unique("rebalance");
    let must_commit = h.caps().commit_during_rebalance;
    let per_batch = !must_commit;
    let events = Arc::new(Mutex::new(Vec::new()));
    let listener = |name| {
        Box::new(CommitOnRevoke {
            log: events.clone(),
            name,
            must_commit,
        })
    };
    let config = ClientConfig::new().group_id(&group).max_poll_records(25);
    let mut a = consumer(h, config.clone());
    a.subscribe_with_listener(&[&t], listener("a")).unwrap();
    let mut reads = Reads::default();
    // a alone reads part of the topic.
    let deadline = Instant::now() + h.patience();
    while reads.seen.len() < 100 && Instant::now() < deadline {
        reads.take(a.as_mut(), per_batch, Duration::from_millis(200));
    }
    assert!(reads.seen.len() >= 100, "a read {} records", reads.seen.len());
    // b joins in the middle; both poll until everything is read.
    let mut b = consumer(h, config);
    b.subscribe_with_listener(&[&t], listener("b")).unwrap();
    let deadline = Instant::now() + h.patience();
    let distinct = |r: &Reads| r.seen.iter().copied().collect::<BTreeSet<u32>>().len();
    while distinct(&reads) < total && Instant::now() < deadline {
        reads.take(a.as_mut(), per_batch, Duration::from_millis(100));
        reads.take(b.as_mut(), per_batch, Duration::from_millis(100));
    }
    assert_eq!(distinct(&reads), total, "no record lost");
    let doubled = reads.seen.len() - total;
    if must_commit {
        assert_eq!(doubled, 0, "no record read twice");
    } else {
        assert!(
            doubled <= reads.uncommitted,
            "{doubled} read twice, {} uncommitted",
            reads.uncommitted
        );
    }
    let events = events.lock().unwrap().clone();
    assert!(events.contains(&"a revoked 4".to_string()), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("b assigned") && e != "b assigned 0"),
        "{events:?}"
    );
    assert_eq!(a.assignment().len() + b.assignment().len(), 4);
    a.close().unwrap();
    b.close().unwrap();
}

pub fn commit_close_reopen_resume(h: &dyn Harness) {
    let t = topic(h, "resume", TopicConfig::new(1));
    let p = producer(h, ClientConfig::new());
    send_all(
        p.as_ref(),
        (0..100)
            .map(|i| ProducerRecord::new(t.as_str()).value(i.to_string()))
            .collect(),
    );
    let group = unique("resume");
    let config = ClientConfig::new().group_id(&group).max_poll_records(10);
    let mut c = consumer(h, config.clone());
    c.subscribe(&[&t]).unwrap();
    let first = poll_n(h, c.as_mut(), 10);
    assert_eq!(text(&first[0].value), "0");
    c.commit().unwrap();
    let tp = TopicPartition::new(&t, 0);
    assert_eq!(c.committed(std::slice::from_ref(&tp)).unwrap(), vec![Some(10)]);
    c.close().unwrap();
    assert!(matches!(
        c.poll(Duration::ZERO),
        Err(streamlog::Error::Closed { .. })
    ));

    let mut again = consumer(h, config);
    again.subscribe(&[&t]).unwrap();
    let rest = poll_n(h, again.as_mut(), 90);
    assert_eq!(text(&rest[0].value), "10", "resumes at the committed offset");
    assert_eq!(text(&rest[89].value), "99");
}

pub fn pause_and_resume(h: &dyn Harness) {
    let t = topic(h, "pause", TopicConfig::new(2));
    let p = producer(h, ClientConfig::new());
    send_all(
        p.as_ref(),
        (0..20)
            .map(|i| {
                ProducerRecord::new(t.as_str())
                    .partition(i % 2)
                    .value(i.to_string())
            })
            .collect(),
    );
    let (p0, p1) = (TopicPartition::new(&t, 0), TopicPartition::new(&t, 1));
    let mut c = consumer(h, ClientConfig::new());
    c.assign(&[p0.clone(), p1.clone()]).unwrap();
    c.pause(std::slice::from_ref(&p1)).unwrap();
    let got = poll_n(h, c.as_mut(), 10);
    assert!(got.iter().all(|r| r.partition == 0));
    assert_no_more(c.as_mut(), Duration::from_millis(300));
    c.resume(std::slice::from_ref(&p1)).unwrap();
    let got = poll_n(h, c.as_mut(), 10);
    assert!(got.iter().all(|r| r.partition == 1));
}
