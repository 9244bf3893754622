//! Ordering, partitioning, headers, seek, batches, offsets, compaction.

use std::collections::BTreeMap;
use std::time::Duration;

use streamlog::partitioner::partition_for_key;
use streamlog::{ClientConfig, Headers, Offset, ProducerRecord, TopicConfig, TopicPartition};

use super::*;

pub fn per_partition_ordering(h: &dyn Harness) {
    let t = topic(h, "ordering", TopicConfig::new(3));
    let p = producer(h, ClientConfig::new());
    let records = (0..300)
        .map(|i| {
            ProducerRecord::new(t.as_str())
                .key(format!("k{}", i % 10))
                .value(format!("{}:{i}", i % 10))
        })
        .collect();
    send_all(p.as_ref(), records);
    let mut c = consumer(h, ClientConfig::new().group_id(unique("ordering")));
    c.subscribe(&[&t]).unwrap();
    let got = poll_n(h, c.as_mut(), 300);
    // Within a partition offsets only grow; per key the sequence is the send order.
    for (partition, values) in by_partition(&got) {
        assert!(
            values.windows(2).all(|w| w[0].0 < w[1].0),
            "offsets out of order in {partition}"
        );
    }
    let mut per_key: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for r in &got {
        let v = text(&r.value);
        let (k, i) = v.split_once(':').unwrap();
        per_key.entry(k.into()).or_default().push(i.parse().unwrap());
    }
    assert_eq!(per_key.len(), 10);
    for (k, seq) in per_key {
        let expected: Vec<u32> = (0..30).map(|j| j * 10 + k.parse::<u32>().unwrap()).collect();
        assert_eq!(seq, expected, "key {k}");
    }
}

pub fn keys_land_on_murmur2_partitions(h: &dyn Harness) {
    let t = topic(h, "partitioner", TopicConfig::new(7));
    let p = producer(h, ClientConfig::new());
    let keys: Vec<String> = (0..70).map(|i| format!("customer-{i}")).collect();
    send_all(
        p.as_ref(),
        keys.iter()
            .map(|k| ProducerRecord::new(t.as_str()).key(k.clone()).value("v"))
            .collect(),
    );
    let mut c = consumer(h, ClientConfig::new().group_id(unique("partitioner")));
    c.subscribe(&[&t]).unwrap();
    let got = poll_n(h, c.as_mut(), keys.len());
    let used: std::collections::BTreeSet<i32> = got.iter().map(|r| r.partition).collect();
    assert!(used.len() > 1, "70 keys over 7 partitions use more than one");
    for r in got {
        let key = r.key.as_ref().unwrap();
        assert_eq!(r.partition, partition_for_key(key, 7), "key {}", text(&r.key));
    }
}

pub fn headers_round_trip(h: &dyn Harness) {
    let t = topic(h, "headers", TopicConfig::new(1));
    let p = producer(h, ClientConfig::new());
    let mut record = ProducerRecord::new(t.as_str())
        .key("k")
        .value("v")
        .timestamp(1_522_846_456_703)
        .header("trace", "abc")
        .header("trace", "def");
    record.headers.push("empty", None);
    send_all(p.as_ref(), vec![record]);
    let mut c = consumer(h, ClientConfig::new());
    c.assign(&[TopicPartition::new(&t, 0)]).unwrap();
    let got = poll_n(h, c.as_mut(), 1);
    let headers: Headers = Headers::new().with("trace", "abc").with("trace", "def");
    let mut expected = headers;
    expected.push("empty", None);
    assert_eq!(got[0].headers, expected);
    assert_eq!(
        got[0].headers.last("trace").unwrap().value.as_deref(),
        Some(&b"def"[..])
    );
    assert_eq!(
        got[0].timestamp,
        streamlog::Timestamp::CreateTime(1_522_846_456_703)
    );
}

/// `poll_each` lends the records `poll` returns (keys, values, headers, timestamps),
/// and moves the position as `poll` does.
pub fn poll_each_lends_what_poll_returns(h: &dyn Harness) {
    let t = topic(h, "lent", TopicConfig::new(2));
    let p = producer(h, ClientConfig::new());
    let n = 60;
    let records = (0..n)
        .map(|i: u32| {
            let mut r = ProducerRecord::new(t.as_str())
                .key(format!("k{i}"))
                .value(format!("v{i}"))
                .timestamp(1_600_000_000_000 + i64::from(i))
                .header("trace", format!("t{i}"));
            if i.is_multiple_of(3) {
                r.headers.push("empty", None);
            }
            if i.is_multiple_of(5) {
                r.value = None;
            }
            r
        })
        .collect();
    send_all(p.as_ref(), records);
    let parts: Vec<_> = (0..2).map(|p| TopicPartition::new(&t, p)).collect();
    let earliest = || ClientConfig::new().set("auto.offset.reset", "earliest");
    let mut owned = consumer(h, earliest());
    owned.assign(&parts).unwrap();
    let mut expected = poll_n(h, owned.as_mut(), n as usize);
    let mut lent = consumer(h, earliest());
    lent.assign(&parts).unwrap();
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + h.patience();
    while got.len() < n as usize && std::time::Instant::now() < deadline {
        lent.poll_each(Duration::from_millis(200), &mut |r| got.push(r.to_record()))
            .unwrap();
    }
    let order = |r: &streamlog::Record| (r.partition, r.offset);
    expected.sort_by_key(order);
    got.sort_by_key(order);
    assert_eq!(got, expected);
    for tp in &parts {
        assert_eq!(lent.position(tp), owned.position(tp), "{tp}");
    }
    let seen = lent.poll_each(Duration::from_millis(300), &mut |r| panic!("nothing more: {r:?}"));
    assert_eq!(seen.unwrap(), 0);
}

pub fn seek_moves_the_position(h: &dyn Harness) {
    let t = topic(h, "seek", TopicConfig::new(1));
    let p = producer(h, ClientConfig::new());
    send_all(
        p.as_ref(),
        (0..10)
            .map(|i| ProducerRecord::new(t.as_str()).value(i.to_string()))
            .collect(),
    );
    let tp = TopicPartition::new(&t, 0);
    let mut c = consumer(h, ClientConfig::new());
    c.assign(std::slice::from_ref(&tp)).unwrap();
    let all = poll_n(h, c.as_mut(), 10);
    assert_eq!(all[0].offset, 0);
    c.seek(&tp, Offset::At(5)).unwrap();
    let again = poll_n(h, c.as_mut(), 5);
    assert_eq!(
        again.iter().map(|r| r.offset).collect::<Vec<_>>(),
        vec![5, 6, 7, 8, 9]
    );
    assert_eq!(c.position(&tp), Some(10));
    c.seek(&tp, Offset::Beginning).unwrap();
    assert_eq!(poll_n(h, c.as_mut(), 10)[0].offset, 0);
    c.seek(&tp, Offset::End).unwrap();
    assert_no_more(c.as_mut(), Duration::from_millis(500));
}

/// Every partition of a manual assignment sought to its beginning right after `assign`
/// (the consumer would otherwise start at the end): none keeps its pending start.
pub fn seek_every_assigned_partition_to_the_beginning(h: &dyn Harness) {
    let t = topic(h, "seek-all", TopicConfig::new(4));
    let p = producer(h, ClientConfig::new().set("batch.num.messages", "1"));
    let n = 200;
    send_all(
        p.as_ref(),
        (0..n)
            .map(|i: u32| {
                ProducerRecord::new(t.as_str())
                    .key(format!("k{i}"))
                    .value(i.to_string())
            })
            .collect(),
    );
    let parts: Vec<_> = (0..4).map(|p| TopicPartition::new(&t, p)).collect();
    let mut c = consumer(h, ClientConfig::new().set("auto.offset.reset", "latest"));
    c.assign(&parts).unwrap();
    for tp in &parts {
        c.seek(tp, Offset::Beginning).unwrap();
    }
    let got = poll_n(h, c.as_mut(), n as usize);
    let partitions = by_partition(&got);
    assert_eq!(partitions.len(), 4, "records from every partition");
    for (partition, values) in &partitions {
        let offsets: Vec<i64> = values.iter().map(|(o, _)| *o).collect();
        let expected: Vec<i64> = (0..offsets.len() as i64).collect();
        assert_eq!(offsets, expected, "partition {partition} read from its start");
    }
    assert_no_more(c.as_mut(), Duration::from_millis(300));
}

pub fn large_batches_arrive_whole(h: &dyn Harness) {
    let t = topic(h, "large", TopicConfig::new(4));
    let p = producer(h, ClientConfig::new());
    let n = 20_000;
    let value = vec![b'x'; 100];
    send_all(
        p.as_ref(),
        (0..n)
            .map(|i: u32| {
                ProducerRecord::new(t.as_str())
                    .key(i.to_be_bytes().to_vec())
                    .value(value.clone())
            })
            .collect(),
    );
    let mut c = consumer(h, ClientConfig::new().group_id(unique("large")));
    c.subscribe(&[&t]).unwrap();
    let got = poll_n(h, c.as_mut(), n as usize);
    let mut keys: Vec<u32> = got
        .iter()
        .map(|r| u32::from_be_bytes(r.key.as_ref().unwrap()[..4].try_into().unwrap()))
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, (0..n).collect::<Vec<_>>(), "every record exactly once");
    assert!(got.iter().all(|r| r.value.as_deref() == Some(&value[..])));
}

pub fn watermarks_and_lag(h: &dyn Harness) {
    let t = topic(h, "watermarks", TopicConfig::new(2));
    let p = producer(h, ClientConfig::new());
    send_all(
        p.as_ref(),
        (0..6)
            .map(|i| ProducerRecord::new(t.as_str()).partition(i % 2).value("v"))
            .collect(),
    );
    let admin = h.cluster().admin().unwrap();
    assert_eq!(admin.partition_count(&t).unwrap(), 2);
    assert_eq!(admin.end_offsets(&t).unwrap(), vec![3, 3]);
    assert_eq!(admin.beginning_offsets(&t).unwrap(), vec![0, 0]);
    let group = unique("lag");
    let mut c = consumer(h, ClientConfig::new().group_id(&group));
    c.commit_offsets(&[(TopicPartition::new(&t, 0), 1)]).unwrap();
    let lag = admin.lag(&group, &t).unwrap();
    assert_eq!(lag[0].committed, Some(1));
    assert_eq!(lag[0].lag, 2);
    assert_eq!(lag[1].committed, None);
    assert_eq!(lag[1].lag, 3);
    assert!(admin.list_topics().unwrap().contains(&t));
}

pub fn compaction_keeps_latest_per_key(h: &dyn Harness) {
    if !h.caps().compaction {
        return; // Asserted on the backends that compact (see the backend's test file).
    }
    let config = TopicConfig::new(1).compacted().set("delete.retention.ms", "0");
    let t = topic(h, "compacted", h.compacted_topic(config));
    let p = producer(h, ClientConfig::new());
    let mut records: Vec<ProducerRecord> = (0..30)
        .map(|i| {
            ProducerRecord::new(t.as_str())
                .key(format!("k{}", i % 3))
                .value(i.to_string())
        })
        .collect();
    records.push(ProducerRecord::new(t.as_str()).key("k1")); // tombstone
    send_all(p.as_ref(), records);
    let roll_then_send = |key: &'static str, value: &'static str| {
        std::thread::sleep(h.segment_roll());
        send_all(
            p.as_ref(),
            vec![ProducerRecord::new(t.as_str()).key(key).value(value)],
        );
        h.compact(&t);
    };
    let live = |kept: &[(String, i64, String)]| -> Vec<(String, i64, String)> {
        kept.iter().filter(|r| r.2 != "<null>").cloned().collect()
    };
    let row = |k: &str, o: i64| (k.to_owned(), o, o.to_string());
    // The next record rolls the segment (on a broker), which makes the records above
    // cleanable: each key keeps its latest record. A tombstone may stay for one more
    // cleaning (Kafka keeps it until `delete.retention.ms` after the cleaning that
    // first sees it).
    roll_then_send("k3", "31");
    let first = wait_for_partition(h, &t, |kept| {
        live(kept) == [row("k0", 27), row("k2", 29), row("k3", 31)]
            && kept.iter().all(|r| r.2 != "<null>" || r.0 == "k1")
    });
    assert_eq!(
        live(&first),
        [row("k0", 27), row("k2", 29), row("k3", 31)],
        "not compacted within {:?}: {first:?}",
        h.patience()
    );
    // The cleaning after that drops the tombstone.
    roll_then_send("k4", "32");
    let second = wait_for_partition(h, &t, |kept| {
        kept == [row("k0", 27), row("k2", 29), row("k3", 31), row("k4", 32)]
    });
    assert_eq!(
        second,
        [row("k0", 27), row("k2", 29), row("k3", 31), row("k4", 32)],
        "tombstone not removed within {:?}",
        h.patience()
    );
    let admin = h.cluster().admin().unwrap();
    assert_eq!(
        admin.end_offsets(&t).unwrap(),
        vec![33],
        "compaction keeps offsets"
    );
    // Keyless records are refused on compacted topics.
    let err = p
        .send(ProducerRecord::new(t.as_str()).value("no key"))
        .and_then(|d| d.wait(Duration::from_secs(10)))
        .unwrap_err();
    assert!(matches!(err, streamlog::Error::InvalidRecord { .. }), "{err}");
}

/// Reads partition 0 of `topic` whole until `done` holds for its records (key,
/// offset, value) or patience runs out; returns the last read.
fn wait_for_partition(
    h: &dyn Harness,
    topic: &str,
    done: impl Fn(&[(String, i64, String)]) -> bool,
) -> Vec<(String, i64, String)> {
    let deadline = std::time::Instant::now() + h.patience();
    loop {
        let kept = read_whole_partition(h, topic);
        if done(&kept) || std::time::Instant::now() > deadline {
            return kept;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Key, offset and value of every record in partition 0 of `topic`, read from its
/// beginning to its end offset.
fn read_whole_partition(h: &dyn Harness, topic: &str) -> Vec<(String, i64, String)> {
    let end = h.cluster().admin().unwrap().end_offsets(topic).unwrap()[0];
    let mut c = consumer(h, ClientConfig::new());
    c.assign(&[TopicPartition::new(topic, 0)]).unwrap();
    let deadline = std::time::Instant::now() + h.patience();
    let mut out = Vec::new();
    while out.last().is_none_or(|(_, o, _)| o + 1 < end) && std::time::Instant::now() < deadline {
        for r in c.poll(Duration::from_millis(200)).expect("poll") {
            out.push((text(&r.key), r.offset, text(&r.value)));
        }
    }
    out
}

pub fn enqueue_then_flush_delivers_everything(h: &dyn Harness) {
    let t = topic(h, "enqueue", TopicConfig::new(2));
    let p = producer(h, ClientConfig::new());
    for i in 0..500 {
        p.enqueue(
            ProducerRecord::new(t.as_str())
                .key(format!("k{i}"))
                .value(i.to_string()),
        )
        .unwrap();
    }
    p.flush(Duration::from_secs(30)).expect("no delivery failed");
    let mut c = consumer(h, ClientConfig::new());
    c.assign(&[TopicPartition::new(&t, 0), TopicPartition::new(&t, 1)])
        .unwrap();
    let mut values: Vec<u32> = poll_n(h, c.as_mut(), 500)
        .iter()
        .map(|r| text(&r.value).parse().unwrap())
        .collect();
    values.sort_unstable();
    assert_eq!(values, (0..500).collect::<Vec<_>>());
}
