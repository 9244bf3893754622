//! Kafka backend against a bare rdkafka loop, side by side in one run: the same records
//! produced and consumed through `streamlog` and through rdkafka directly, alternating
//! which goes first in each round.
//!
//! `cargo run --release -p streamkit-benches --features kafka --bin kafka_compare -- \
//!    --bootstrap-servers 127.0.0.1:9092 --records 200000 --rounds 3`

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer as _, ThreadedProducer};
use rdkafka::{ClientConfig as RdConfig, Offset, TopicPartitionList};
use streamkit_benches::records;
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
}

const WAIT: Duration = Duration::from_secs(60);

fn producer_config(servers: &str) -> RdConfig {
    let mut c = RdConfig::new();
    c.set("bootstrap.servers", servers)
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "5");
    c
}

fn bare_produce(args: &Args, topic: &str) -> Duration {
    let producer: ThreadedProducer<DefaultProducerContext> =
        producer_config(&args.bootstrap_servers).create().unwrap();
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

fn ours_produce(args: &Args, cluster: &Cluster, topic: &Arc<str>) -> Duration {
    let producer = cluster
        .producer(&ClientConfig::new().set("linger.ms", "5"))
        .unwrap();
    let batch = records(topic, args.records, args.value_size);
    let started = Instant::now();
    for record in batch {
        producer.send(record).unwrap();
    }
    producer.flush(WAIT).unwrap();
    started.elapsed()
}

fn bare_consume(args: &Args, topic: &str) -> Duration {
    let consumer: BaseConsumer = RdConfig::new()
        .set("bootstrap.servers", &args.bootstrap_servers)
        .set("group.id", format!("bare-{topic}"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..args.partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning).unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let started = Instant::now();
    let (mut seen, mut bytes) = (0, 0usize);
    while seen < args.records {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                seen += 1;
                bytes += m.payload().map_or(0, <[u8]>::len);
            }
            Some(Err(e)) => panic!("bare poll: {e}"),
            None => assert!(started.elapsed() < WAIT, "bare consumer stalled at {seen}"),
        }
    }
    assert!(bytes > 0);
    started.elapsed()
}

fn ours_consume(args: &Args, cluster: &Cluster, topic: &str) -> Duration {
    let mut consumer = cluster
        .consumer(
            &ClientConfig::new()
                .group_id(format!("ours-{topic}"))
                .set("enable.auto.commit", "false")
                .set("auto.offset.reset", "earliest")
                .max_poll_records(1_000),
        )
        .unwrap();
    let partitions: Vec<_> = (0..args.partitions)
        .map(|p| TopicPartition::new(topic, p))
        .collect();
    consumer.assign(&partitions).unwrap();
    let started = Instant::now();
    let (mut seen, mut bytes) = (0, 0usize);
    while seen < args.records {
        let batch = consumer.poll(Duration::from_millis(100)).unwrap();
        seen += batch.len();
        bytes += batch
            .iter()
            .map(|r| r.value.as_ref().map_or(0, |v| v.len()))
            .sum::<usize>();
        assert!(started.elapsed() < WAIT, "our consumer stalled at {seen}");
    }
    assert!(bytes > 0);
    started.elapsed()
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
    let cluster = Cluster::kafka(ClientConfig::new().bootstrap_servers(&args.bootstrap_servers))
        .expect("broker reachable");
    let admin = cluster.admin().unwrap();
    let (mut ours_p, mut bare_p, mut ours_c, mut bare_c) = (vec![], vec![], vec![], vec![]);
    for round in 0..args.rounds {
        let ours_topic: Arc<str> = Arc::from(format!("cmp-ours-{}-{round}", std::process::id()));
        let bare_topic = format!("cmp-bare-{}-{round}", std::process::id());
        for t in [&*ours_topic, bare_topic.as_str()] {
            admin.create_topic(t, &TopicConfig::new(args.partitions)).unwrap();
        }
        let ours_first = round % 2 == 0;
        let mut run = |ours: bool| {
            if ours {
                ours_p.push(ours_produce(&args, &cluster, &ours_topic));
                ours_c.push(ours_consume(&args, &cluster, &ours_topic));
            } else {
                bare_p.push(bare_produce(&args, &bare_topic));
                bare_c.push(bare_consume(&args, &bare_topic));
            }
        };
        run(ours_first);
        run(!ours_first);
        eprintln!("round {round} done");
    }
    let n = args.records;
    let row = |what: &str, ours: Vec<Duration>, bare: Vec<Duration>| {
        let (o, b) = (rate(n, median(ours)), rate(n, median(bare)));
        println!(
            "{what:<8} streamlog {o:>12.0} rec/s   bare rdkafka {b:>12.0} rec/s   ratio {:.3}",
            o / b
        );
    };
    println!(
        "{} records of {} bytes, {} partitions, median of {} rounds, broker {}",
        n, args.value_size, args.partitions, args.rounds, args.bootstrap_servers
    );
    row("produce", ours_p, bare_p);
    row("consume", ours_c, bare_c);
}
