//! Memory per id of the deduplicator's stores, measured as the process's resident
//! memory (`/proc/self/statm`) grown by filling a window with N ids (one a millisecond,
//! 24 segments), and the high-water mark (`VmHWM`) grown on the way; next to the store's
//! own count of its tables' capacity, and to the naive `HashMap<String, Instant>`
//! deduplicator. Each is measured in a fresh process (this binary runs itself), so one
//! does not reuse the pages another freed.
//!
//! `cargo run --release -p streamkit-benches --bin dedup_memory -- 10000000`

use std::time::{Duration, Instant};

#[path = "../dedup_load.rs"]
mod dedup_load;

/// Resident bytes now, and at the most so far.
fn resident() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Measures what `fill` builds, kept alive while measured; `counted` is the store's
/// own count of its bytes.
fn measure<T>(what: &str, n: u64, fill: impl FnOnce() -> T, counted: impl Fn(&T) -> Option<usize>) {
    let (before, _) = resident();
    let kept = fill();
    let (after, peak) = resident();
    let per_id = |bytes: u64| bytes as f64 / n as f64;
    let counted = counted(&kept).map_or("-".to_owned(), |b| format!("{:.1}", per_id(b as u64)));
    println!(
        "{what:<32} resident {:>6.1} bytes/id   peak {:>6.1} bytes/id   counted {counted} bytes/id",
        per_id(after.saturating_sub(before)),
        per_id(peak.saturating_sub(before)),
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    match args.next().as_deref() {
        Some("compact") => measure(
            "dedup compact",
            n,
            || dedup_load::filled(dedup::Storage::Compact, n),
            |d| Some(d.bytes()),
        ),
        Some("exact") => measure(
            "dedup exact",
            n,
            || dedup_load::filled(dedup::Storage::Exact, n),
            |d| Some(d.bytes()),
        ),
        Some("naive") => measure(
            "naive HashMap<String, Instant>",
            n,
            || {
                let start = Instant::now();
                let mut naive = dedup_load::NaiveDedup::new(Duration::from_millis(n));
                for i in 0..n {
                    naive.check(&dedup_load::naive_id(i), start + Duration::from_millis(i));
                }
                naive
            },
            |_| None,
        ),
        _ => {
            println!("{n} ids of 16 bytes in the window");
            let me = std::env::current_exe().expect("this binary");
            for store in ["compact", "exact", "naive"] {
                let status = std::process::Command::new(&me)
                    .args([n.to_string(), store.to_owned()])
                    .status()
                    .expect("runs itself");
                assert!(status.success(), "{store} failed");
            }
        }
    }
}
