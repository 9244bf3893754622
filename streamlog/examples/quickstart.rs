//! Produce and consume on the embedded backend: no broker, no setup.
//!
//! `cargo run -p streamlog --example quickstart`
//!
//! Writes truck positions in the CSV shape of the trucking pipeline to a three-partition
//! topic (keyed by truck, so each truck's positions stay in order), reads them back with
//! a consumer group of two members in two threads, commits, and prints the group's lag.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use streamlog::{ClientConfig, Cluster, ProducerRecord, Result, TopicConfig};

const RECORDS: u64 = 100_000;

fn main() -> Result<()> {
    let cluster = Cluster::embedded();
    cluster
        .admin()?
        .create_topic("truck_position", &TopicConfig::new(3))?;

    let producer = cluster.producer(&ClientConfig::new())?;
    let topic: Arc<str> = Arc::from("truck_position");
    let events = ["Normal", "Normal", "Normal", "Overspeed", "Lane Departure"];
    for i in 0..RECORDS {
        let truck = 100 + i % 12;
        let line = format!(
            "{},{truck},{},{},{},{:.2},{:.2},{}",
            1_522_846_456_703 + i * 250,
            truck - 70,
            1_927_624_662 + (truck % 4),
            events[(i % 5) as usize],
            37.0 + (i % 100) as f64 / 100.0,
            -94.0 - (i % 70) as f64 / 100.0,
            i.wrapping_mul(0x9E37_79B9_7F4A_7C15) as i64,
        );
        producer.send(
            ProducerRecord::new(topic.clone())
                .key(truck.to_string())
                .value(line),
        )?;
    }
    producer.flush(Duration::from_secs(5))?;
    println!("produced {RECORDS} truck positions to `truck_position` (3 partitions)");

    // Two members of one group share the partitions.
    let per_truck: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let members: Vec<_> = (0..2)
        .map(|member| {
            let cluster = cluster.clone();
            let per_truck = per_truck.clone();
            std::thread::spawn(move || -> Result<u64> {
                let mut consumer = cluster.consumer(
                    &ClientConfig::new()
                        .group_id("dashboard")
                        .enable_auto_commit(false)
                        .set("auto.offset.reset", "earliest"),
                )?;
                consumer.subscribe(&["truck_position"])?;
                let mut read = 0;
                let mut idle = 0;
                while idle < 10 {
                    let batch = consumer.poll(Duration::from_millis(50))?;
                    if batch.is_empty() {
                        idle += 1;
                        continue;
                    }
                    idle = 0;
                    read += batch.len() as u64;
                    let mut counts = per_truck.lock().expect("no panics while counting");
                    for record in &batch {
                        let truck = String::from_utf8_lossy(record.key.as_deref().unwrap_or_default());
                        *counts.entry(truck.into_owned()).or_default() += 1;
                    }
                    drop(counts);
                    consumer.commit()?;
                }
                println!(
                    "member {member}: read {read} records from partitions {:?}",
                    consumer
                        .assignment()
                        .iter()
                        .map(|tp| tp.partition)
                        .collect::<Vec<_>>()
                );
                consumer.close()?;
                Ok(read)
            })
        })
        .collect();
    let mut total = 0;
    for member in members {
        total += member.join().expect("member thread")?;
    }

    println!("read {total} records in all; per truck:");
    for (truck, n) in per_truck.lock().expect("no panics while counting").iter() {
        println!("  truck {truck}: {n}");
    }
    for lag in cluster.admin()?.lag("dashboard", "truck_position")? {
        println!(
            "  {}: committed {:?}, end {}, lag {}",
            lag.partition, lag.committed, lag.end, lag.lag
        );
    }
    Ok(())
}
