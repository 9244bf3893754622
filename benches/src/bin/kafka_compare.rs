//! Kafka backend against a bare rdkafka loop, side by side in one run: the same records
//! produced and consumed through `streamlog` and through rdkafka directly, alternating
//! which goes first in each round.
//!
//! `cargo run --release -p streamkit-benches --features kafka --bin kafka_compare -- \
//!    --bootstrap-servers 127.0.0.1:9092 --records 200000 --rounds 3`
//!
//! With `--command-config FILE` (Kafka client properties: `security.protocol`, `sasl.*`,
//! `ssl.*`) both sides run over a secured listener.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers as _, Message};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer as _, ThreadedProducer};
use rdkafka::{ClientConfig as RdConfig, Offset, TopicPartitionList};
use streamkit_benches::records;
#[path = "../../../examples/src/error_report.rs"]
mod error_report;
use streamlog::{ClientConfig, Cluster, TopicConfig, TopicPartition};

#[derive(Parser)]
struct Args {
    /// The broker.
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS", default_value = "127.0.0.1:9092")]
    bootstrap_servers: String,
    /// Records per run.
    #[arg(long, default_value_t = 200_000)]
    records: usize,
    /// Value size in bytes.
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Rounds; the median is reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Partitions per topic.
    #[arg(long, default_value_t = 4)]
    partitions: i32,
    /// Client properties for both sides (a secured listener's), from a Java
    /// properties file.
    #[arg(long)]
    command_config: Option<std::path::PathBuf>,
}

impl Args {
    /// The `--command-config` properties, empty without one.
    fn properties(&self) -> ClientConfig {
        match &self.command_config {
            Some(path) => ClientConfig::from_properties_file(path).unwrap_or_else(|e| {
                eprintln!("kafka_compare: {}", error_report::report(&e));
                std::process::exit(1)
            }),
            None => ClientConfig::new(),
        }
    }

    /// A bare rdkafka configuration: the broker and the `--command-config` properties.
    fn rd_config(&self) -> RdConfig {
        let mut c = RdConfig::new();
        c.set("bootstrap.servers", &self.bootstrap_servers);
        for (k, v) in self.properties().iter() {
            c.set(k, v);
        }
        c
    }
}

const WAIT: Duration = Duration::from_secs(60);

/// Both consumers get the same fetch wait. With the default 500 ms, fetches against the
/// test broker fall into a slow mode now and then (both clients alike: the broker
/// under-reports high watermarks), which hides the client's own cost.
const FETCH_WAIT_MS: &str = "10";

fn producer_config(args: &Args) -> RdConfig {
    let mut c = args.rd_config();
    c.set("partitioner", "murmur2_random").set("linger.ms", "5");
    c
}

fn bare_produce(args: &Args, topic: &str) -> Duration {
    let producer: ThreadedProducer<DefaultProducerContext> = producer_config(args).create().unwrap();
    let value = vec![b'x'; args.value_size];
    let started = Instant::now();
    for i in 0..args.records as u64 {
        let key = i.to_be_bytes();
        let mut record = BaseRecord::to(topic).key(&key[..]).payload(&value[..]);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err((e, _)) => panic!("bare send: {e}"),
            }
        }
    }
    producer.flush(WAIT).unwrap();
    started.elapsed()
}

/// How our producer reports outcomes: a handle per record, or only at flush.
#[derive(Clone, Copy)]
enum Outcomes {
    Handles,
    AtFlush,
}

fn ours_produce(args: &Args, cluster: &Cluster, topic: &Arc<str>, outcomes: Outcomes) -> Duration {
    let producer = cluster
        .producer(&ClientConfig::new().set("linger.ms", "5"))
        .unwrap();
    let batch = records(topic, args.records, args.value_size);
    let started = Instant::now();
    for record in batch {
        match outcomes {
            Outcomes::Handles => drop(producer.send(record).unwrap()),
            Outcomes::AtFlush => producer.enqueue(record).unwrap(),
        }
    }
    producer.flush(WAIT).unwrap();
    started.elapsed()
}

/// What the bare consumer loop reads of each message.
#[derive(Clone, Copy)]
enum Reads {
    /// The payload's length only: librdkafka's floor.
    Payload,
    /// Every field a record has (topic, partition, offset, timestamp, key, payload,
    /// headers), borrowed, not copied: what an application handling records reads,
    /// and what `streamlog`'s `Record` carries.
    EveryField,
}

fn bare_consume(args: &Args, topic: &str, reads: Reads) -> Duration {
    let consumer: BaseConsumer = args
        .rd_config()
        .set("group.id", format!("bare-{topic}"))
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", FETCH_WAIT_MS)
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..args.partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning).unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let began = Instant::now();
    let mut started = None;
    let (mut seen, mut bytes) = (0, 0usize);
    while seen < args.records {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                started.get_or_insert_with(Instant::now);
                seen += 1;
                bytes += m.payload().map_or(0, <[u8]>::len);
                if let Reads::EveryField = reads {
                    let header_bytes: usize = m.headers().map_or(0, |hs| {
                        hs.iter()
                            .map(|h| h.key.len() + h.value.map_or(0, <[u8]>::len))
                            .sum()
                    });
                    let stamp = m.timestamp().to_millis().unwrap_or(0) as usize;
                    bytes += std::hint::black_box(
                        m.topic().len()
                            + m.partition() as usize
                            + m.offset() as usize
                            + stamp
                            + m.key().map_or(0, <[u8]>::len)
                            + header_bytes,
                    ) & 1;
                }
            }
            Some(Err(e)) => panic!("bare poll: {e}"),
            None => assert!(began.elapsed() < WAIT, "bare consumer stalled at {seen}"),
        }
    }
    assert!(bytes > 0);
    started.map_or(Duration::ZERO, |s| s.elapsed())
}

/// How our consumer hands out records.
#[derive(Clone, Copy)]
enum Hands {
    /// `poll`: owned `Record`s.
    Owned,
    /// `poll_each`: records lent from librdkafka's buffer, read as the bare loop
    /// with the same [`Reads`] reads its messages.
    Lent(Reads),
}

fn ours_consume(args: &Args, cluster: &Cluster, topic: &str, hands: Hands) -> Duration {
    let mut consumer = cluster
        .consumer(
            &ClientConfig::new()
                .set("enable.auto.commit", "false")
                .set("fetch.wait.max.ms", FETCH_WAIT_MS)
                .set("auto.offset.reset", "earliest")
                .max_poll_records(1_000),
        )
        .unwrap();
    let partitions: Vec<_> = (0..args.partitions)
        .map(|p| TopicPartition::new(topic, p))
        .collect();
    consumer.assign(&partitions).unwrap();
    // Timed from the first record, like the bare loop: startup (metadata, offset
    // lookups) is not the consume path.
    let began = Instant::now();
    let mut started = None;
    let (mut seen, mut bytes) = (0, 0usize);
    while seen < args.records {
        let n = match hands {
            Hands::Owned => {
                let batch = consumer.poll(Duration::from_millis(100)).unwrap();
                bytes += batch
                    .iter()
                    .map(|r| r.value.as_ref().map_or(0, |v| v.len()))
                    .sum::<usize>();
                batch.len()
            }
            Hands::Lent(reads) => consumer
                .poll_each(Duration::from_millis(100), &mut |r| {
                    bytes += r.value.map_or(0, <[u8]>::len);
                    if let Reads::Payload = reads {
                        return;
                    }
                    let header_bytes: usize = r
                        .headers
                        .iter()
                        .map(|(k, v)| k.len() + v.map_or(0, <[u8]>::len))
                        .sum();
                    let stamp = r.timestamp.millis().unwrap_or(0) as usize;
                    bytes += std::hint::black_box(
                        r.topic.len()
                            + r.partition as usize
                            + r.offset as usize
                            + stamp
                            + r.key.map_or(0, <[u8]>::len)
                            + header_bytes,
                    ) & 1;
                })
                .unwrap(),
        };
        if n > 0 {
            started.get_or_insert_with(Instant::now);
        }
        seen += n;
        assert!(began.elapsed() < WAIT, "our consumer stalled at {seen}");
    }
    assert!(bytes > 0);
    started.map_or(Duration::ZERO, |s| s.elapsed())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn rate(records: usize, d: Duration) -> f64 {
    records as f64 / d.as_secs_f64()
}

fn main() {
    let args = Args::parse();
    let cluster = match Cluster::kafka(args.properties().bootstrap_servers(&args.bootstrap_servers)) {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("kafka_compare: {}", error_report::report(&e));
            std::process::exit(1);
        }
    };
    let admin = cluster.admin().unwrap();
    let mut times: [Vec<Duration>; 8] = Default::default();
    const HANDLES: usize = 0;
    const ENQUEUE: usize = 1;
    const BARE_P: usize = 2;
    const OURS_C: usize = 3;
    const BARE_C: usize = 4;
    const BARE_ALL_C: usize = 5;
    const LENT_C: usize = 6;
    const LENT_PAYLOAD_C: usize = 7;
    for round in 0..args.rounds {
        let name = |what: &str| format!("cmp-{what}-{}-{round}", std::process::id());
        let (handles, enqueue, bare): (Arc<str>, Arc<str>, String) =
            (name("handles").into(), name("enqueue").into(), name("bare"));
        for t in [&*handles, &*enqueue, bare.as_str()] {
            admin.create_topic(t, &TopicConfig::new(args.partitions)).unwrap();
        }
        // Each round rotates which producer goes first.
        for turn in 0..3 {
            match (round + turn) % 3 {
                0 => times[HANDLES].push(ours_produce(&args, &cluster, &handles, Outcomes::Handles)),
                1 => times[ENQUEUE].push(ours_produce(&args, &cluster, &enqueue, Outcomes::AtFlush)),
                _ => times[BARE_P].push(bare_produce(&args, &bare)),
            }
        }
        // The consumers read the same records (the bare producer's topic); each round
        // rotates which reads first.
        for turn in 0..5 {
            let lent = |reads| ours_consume(&args, &cluster, &bare, Hands::Lent(reads));
            match (round + turn) % 5 {
                0 => times[OURS_C].push(ours_consume(&args, &cluster, &bare, Hands::Owned)),
                1 => times[LENT_C].push(lent(Reads::EveryField)),
                2 => times[LENT_PAYLOAD_C].push(lent(Reads::Payload)),
                3 => times[BARE_C].push(bare_consume(&args, &bare, Reads::Payload)),
                _ => times[BARE_ALL_C].push(bare_consume(&args, &bare, Reads::EveryField)),
            }
        }
        eprintln!(
            "round {round}: consume streamlog poll {:.0} rec/s, poll_each {:.0} rec/s, bare (every field) {:.0} rec/s, bare (payload) {:.0} rec/s",
            rate(args.records, times[OURS_C][round]),
            rate(args.records, times[LENT_C][round]),
            rate(args.records, times[BARE_ALL_C][round]),
            rate(args.records, times[BARE_C][round]),
        );
    }
    let n = args.records;
    // Each comparison as the ratio of the medians, and as the median of the rounds'
    // own ratios (both sides of a round met the same broker state).
    let paired = |ours: usize, bare: usize| {
        let mut ratios: Vec<f64> = times[ours]
            .iter()
            .zip(&times[bare])
            .map(|(o, b)| b.as_secs_f64() / o.as_secs_f64())
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    };
    let rates = times.clone().map(|t| rate(n, median(t)));
    println!(
        "{} records of {} bytes, {} partitions, median of {} rounds, broker {} ({})",
        n,
        args.value_size,
        args.partitions,
        args.rounds,
        args.bootstrap_servers,
        args.properties().get("security.protocol").unwrap_or("PLAINTEXT")
    );
    let row = |what: &str, ours: usize, bare: usize| {
        println!(
            "{what:<38} streamlog {:>10.0} rec/s   bare rdkafka {:>10.0} rec/s   ratio {:.3}   per-round ratio {:.3}",
            rates[ours],
            rates[bare],
            rates[ours] / rates[bare],
            paired(ours, bare)
        );
    };
    row("produce (enqueue + flush)", ENQUEUE, BARE_P);
    row("produce (send, handles)", HANDLES, BARE_P);
    row("poll_each (lent) vs bare, every field", LENT_C, BARE_ALL_C);
    row("poll_each (lent) vs bare, payload only", LENT_PAYLOAD_C, BARE_C);
    row("poll (owned) vs bare, every field", OURS_C, BARE_ALL_C);
    row("poll (owned) vs bare, payload only", OURS_C, BARE_C);
}
