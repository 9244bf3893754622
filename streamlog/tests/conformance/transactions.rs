//! Transactions: visibility, transactional offsets, fencing, misuse.

use std::time::Duration;

use streamlog::{ClientConfig, Error, IsolationLevel, ProducerRecord, TopicConfig, TopicPartition};

use super::*;

const T: Duration = Duration::from_secs(30);

fn batch(topic: &str, label: &str, n: usize) -> Vec<ProducerRecord> {
    (0..n)
        .map(|i| ProducerRecord::new(topic).key("k").value(format!("{label}{i}")))
        .collect()
}

pub fn read_committed_hides_aborted_and_open(h: &dyn Harness) {
    if !h.caps().hides_aborted {
        return; // See `Caps::hides_aborted`; asserted on the backends that hide them.
    }
    let t = topic(h, "txn", TopicConfig::new(1));
    let p = producer(h, ClientConfig::new().transactional_id(unique("txn")));
    p.init_transactions(T).unwrap();
    p.begin_transaction().unwrap();
    send_all(p.as_ref(), batch(&t, "committed", 3));
    p.commit_transaction(T).unwrap();
    p.begin_transaction().unwrap();
    send_all(p.as_ref(), batch(&t, "aborted", 3));
    p.abort_transaction(T).unwrap();
    p.begin_transaction().unwrap();
    send_all(p.as_ref(), batch(&t, "later", 2));
    p.commit_transaction(T).unwrap();
    // An open transaction at the end holds read_committed readers back.
    p.begin_transaction().unwrap();
    send_all(p.as_ref(), batch(&t, "open", 2));

    let tp = TopicPartition::new(&t, 0);
    let mut committed = consumer(
        h,
        ClientConfig::new().isolation_level(IsolationLevel::ReadCommitted),
    );
    committed.assign(std::slice::from_ref(&tp)).unwrap();
    let got: Vec<String> = poll_n(h, committed.as_mut(), 5)
        .iter()
        .map(|r| text(&r.value))
        .collect();
    assert_eq!(
        got,
        ["committed0", "committed1", "committed2", "later0", "later1"]
    );
    assert_no_more(committed.as_mut(), Duration::from_millis(300));

    if h.caps().aborted_records_kept {
        let mut dirty = consumer(
            h,
            ClientConfig::new().isolation_level(IsolationLevel::ReadUncommitted),
        );
        dirty.assign(std::slice::from_ref(&tp)).unwrap();
        let got: Vec<String> = poll_n(h, dirty.as_mut(), 10)
            .iter()
            .map(|r| text(&r.value))
            .collect();
        assert_eq!(&got[3..6], ["aborted0", "aborted1", "aborted2"]);
        assert_eq!(&got[8..], ["open0", "open1"]);
    }

    p.commit_transaction(T).unwrap();
    let got: Vec<String> = poll_n(h, committed.as_mut(), 2)
        .iter()
        .map(|r| text(&r.value))
        .collect();
    assert_eq!(got, ["open0", "open1"]);
}

pub fn offsets_commit_with_the_transaction(h: &dyn Harness) {
    if !h.caps().transactional_offsets {
        return; // See `Caps::transactional_offsets`; asserted on the other backends.
    }
    let input = topic(h, "txn-in", TopicConfig::new(1));
    let output = topic(h, "txn-out", TopicConfig::new(1));
    let seed = producer(h, ClientConfig::new());
    send_all(seed.as_ref(), batch(&input, "in", 4));

    let group = unique("txn-group");
    let mut c = consumer(h, ClientConfig::new().group_id(&group));
    c.subscribe(&[&input]).unwrap();
    let records = poll_n(h, c.as_mut(), 4);
    let p = producer(h, ClientConfig::new().transactional_id(unique("txn-ctp")));
    p.init_transactions(T).unwrap();
    let metadata = c.group_metadata().expect("group metadata");
    assert_eq!(metadata.group_id(), group);
    let tp = TopicPartition::new(&input, 0);

    // Aborted: neither output nor offsets.
    p.begin_transaction().unwrap();
    send_all(
        p.as_ref(),
        vec![ProducerRecord::new(output.as_str()).value("first try")],
    );
    p.send_offsets_to_transaction(&[(tp.clone(), 2)], &metadata, T)
        .unwrap();
    p.abort_transaction(T).unwrap();
    assert_eq!(c.committed(std::slice::from_ref(&tp)).unwrap(), vec![None]);

    // Committed: both.
    p.begin_transaction().unwrap();
    let out: Vec<_> = records
        .iter()
        .map(|r| ProducerRecord::new(output.as_str()).value(format!("out-{}", text(&r.value))))
        .collect();
    send_all(p.as_ref(), out);
    p.send_offsets_to_transaction(&[(tp.clone(), 4)], &metadata, T)
        .unwrap();
    p.commit_transaction(T).unwrap();
    assert_eq!(c.committed(std::slice::from_ref(&tp)).unwrap(), vec![Some(4)]);

    let mut reader = consumer(h, ClientConfig::new());
    reader.assign(&[TopicPartition::new(&output, 0)]).unwrap();
    // Without aborted-record hiding the aborted "first try" is read too, before the rest.
    let expected = if h.caps().hides_aborted { 4 } else { 5 };
    let got: Vec<String> = poll_n(h, reader.as_mut(), expected)
        .iter()
        .map(|r| text(&r.value))
        .collect();
    assert_eq!(got[expected - 4..], ["out-in0", "out-in1", "out-in2", "out-in3"]);
}

pub fn newer_producer_fences_the_older(h: &dyn Harness) {
    if !h.caps().fences_zombies {
        return; // See `Caps::fences_zombies`; asserted on the backends that fence.
    }
    let t = topic(h, "fence", TopicConfig::new(1));
    let id = unique("fence");
    let old = producer(h, ClientConfig::new().transactional_id(&id));
    old.init_transactions(T).unwrap();
    old.begin_transaction().unwrap();
    send_all(old.as_ref(), batch(&t, "zombie", 1));

    let new = producer(h, ClientConfig::new().transactional_id(&id));
    new.init_transactions(T).unwrap();
    let err = old.commit_transaction(T).unwrap_err();
    assert!(
        matches!(err, Error::ProducerFenced { .. }),
        "expected fenced, got {err}"
    );
    assert!(!err.is_retriable(), "{err}");

    new.begin_transaction().unwrap();
    send_all(new.as_ref(), batch(&t, "fresh", 1));
    new.commit_transaction(T).unwrap();
    let mut c = consumer(h, ClientConfig::new());
    c.assign(&[TopicPartition::new(&t, 0)]).unwrap();
    let got: Vec<String> = poll_n(h, c.as_mut(), 1).iter().map(|r| text(&r.value)).collect();
    assert_eq!(got, ["fresh0"], "the zombie's transaction was aborted");
}

pub fn transaction_calls_out_of_order_fail(h: &dyn Harness) {
    let plain = producer(h, ClientConfig::new());
    let err = plain.init_transactions(T).unwrap_err();
    assert!(matches!(err, Error::Transaction { .. }), "{err}");
    assert!(!err.is_retriable(), "{err}");
    let p = producer(h, ClientConfig::new().transactional_id(unique("order")));
    let err = p.begin_transaction().unwrap_err();
    assert!(
        matches!(err, Error::Transaction { .. }),
        "begin before init: {err}"
    );
    assert!(!err.is_retriable(), "{err}");
    p.init_transactions(T).unwrap();
    let err = p.commit_transaction(T).unwrap_err();
    assert!(
        matches!(err, Error::Transaction { .. }),
        "commit without begin: {err}"
    );
    assert!(!err.is_retriable(), "{err}");
}

pub fn committed_transactions_become_visible(h: &dyn Harness) {
    let t = topic(h, "txn-visible", TopicConfig::new(2));
    let p = producer(h, ClientConfig::new().transactional_id(unique("visible")));
    p.init_transactions(T).unwrap();
    p.begin_transaction().unwrap();
    send_all(
        p.as_ref(),
        (0..6)
            .map(|i| {
                ProducerRecord::new(t.as_str())
                    .partition(i % 2)
                    .value(i.to_string())
            })
            .collect(),
    );
    p.commit_transaction(T).unwrap();
    let mut c = consumer(
        h,
        ClientConfig::new().isolation_level(IsolationLevel::ReadCommitted),
    );
    c.assign(&[TopicPartition::new(&t, 0), TopicPartition::new(&t, 1)])
        .unwrap();
    let mut got: Vec<String> = poll_n(h, c.as_mut(), 6).iter().map(|r| text(&r.value)).collect();
    got.sort();
    assert_eq!(got, ["0", "1", "2", "3", "4", "5"]);
    assert_no_more(c.as_mut(), Duration::from_millis(300));
}
