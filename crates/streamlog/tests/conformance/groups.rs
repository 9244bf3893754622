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
}

impl RebalanceListener for CommitOnRevoke {
    fn on_partitions_assigned(&mut self, _c: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} assigned {}", self.name, partitions.len()));
    }

    fn on_partitions_revoked(&mut self, c: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        c.commit_positions(partitions)
            .expect("commit in the revoke callback");
        self.log
            .lock()
            .unwrap()
            .push(format!("{} revoked {}", self.name, partitions.len()));
    }
}

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
    let events = Arc::new(Mutex::new(Vec::new()));
    let config = ClientConfig::new().group_id(&group).max_poll_records(25);
    let mut a = consumer(h, config.clone());
    a.subscribe_with_listener(
        &[&t],
        Box::new(CommitOnRevoke {
            log: events.clone(),
            name: "a",
        }),
    )
    .unwrap();
    let mut seen: Vec<u32> = Vec::new();
    let record = |seen: &mut Vec<u32>, records: Vec<streamlog::Record>| {
        seen.extend(records.iter().map(|r| text(&r.value).parse::<u32>().unwrap()));
    };
    // a alone reads part of the topic.
    let deadline = Instant::now() + h.patience();
    while seen.len() < 100 && Instant::now() < deadline {
        record(&mut seen, a.poll(Duration::from_millis(200)).unwrap());
    }
    assert!(seen.len() >= 100, "a read {} records", seen.len());
    // b joins in the middle; both poll until everything is read.
    let mut b = consumer(h, config);
    b.subscribe_with_listener(
        &[&t],
        Box::new(CommitOnRevoke {
            log: events.clone(),
            name: "b",
        }),
    )
    .unwrap();
    let deadline = Instant::now() + h.patience();
    while seen.len() < total && Instant::now() < deadline {
        record(&mut seen, a.poll(Duration::from_millis(100)).unwrap());
        record(&mut seen, b.poll(Duration::from_millis(100)).unwrap());
    }
    let distinct: BTreeSet<u32> = seen.iter().copied().collect();
    assert_eq!(distinct.len(), total, "no record lost");
    assert_eq!(seen.len(), total, "no record read twice");
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
