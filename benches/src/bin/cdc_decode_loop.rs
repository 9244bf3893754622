//! Runs one case of the `cdc_decode` bench a fixed number of times, for counting its
//! instructions (`valgrind --tool=callgrind`), which, unlike time, do not move with the
//! machine's load. `benches/scripts/ab_instructions.sh` runs it at two commits.
//!
//! `cdc_decode_loop --list` prints the cases; `cdc_decode_loop CASE N` runs CASE N times
//! (`N` = 0 measures the setup alone). A case is found by its name without the size
//! suffix (`debezium_avro` for `debezium_avro_331B`), which differs between commits when
//! an encoding changes.

#[path = "../cdc_cases.rs"]
mod cdc_cases;

use std::process::ExitCode;

/// A case's name without its `_<bytes>B` suffix.
fn kind(name: &str) -> &str {
    match name.rsplit_once('_') {
        Some((kind, size))
            if size.len() > 1
                && size.ends_with('B')
                && size[..size.len() - 1].bytes().all(|b| b.is_ascii_digit()) =>
        {
            kind
        }
        _ => name,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases = cdc_cases::cases();
    match args.as_slice() {
        [list] if list == "--list" => {
            for case in &cases {
                println!("{}", case.name);
            }
            ExitCode::SUCCESS
        }
        [name, n] => {
            let Ok(n) = n.parse::<u64>() else {
                eprintln!("N must be a count, not {n:?}");
                return ExitCode::FAILURE;
            };
            let Some(case) = cases.iter().find(|c| kind(&c.name) == kind(name)) else {
                eprintln!("no case {name:?}; --list prints them");
                return ExitCode::FAILURE;
            };
            for _ in 0..n {
                (case.run)();
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: cdc_decode_loop --list | cdc_decode_loop CASE N");
            ExitCode::FAILURE
        }
    }
}
