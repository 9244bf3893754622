//! The `schema-registry` binary: it listens where told, answers the REST API, and with
//! `--data-dir` keeps schemas across restarts.
#![cfg(feature = "server")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use schema_registry_client::{HttpRegistry, ReadOptions, RegisterOptions, Schema, SchemaRegistry, Version};

struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schema-registry"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("schema registry listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Running { child, url }
}

#[tokio::test]
async fn the_binary_serves_the_api_and_keeps_schemas_in_its_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::avro(r#"{"type":"record","name":"Patient","fields":[{"name":"id","type":"long"}]}"#);
    let id = {
        let running = start(dir.path());
        let client = HttpRegistry::from_urls(&running.url).unwrap();
        client
            .register("patient-events-value", &schema, RegisterOptions::default())
            .await
            .unwrap()
    };
    let running = start(dir.path());
    let client = HttpRegistry::from_urls(&running.url).unwrap();
    let latest = client
        .version("patient-events-value", Version::Latest, ReadOptions::default())
        .await
        .unwrap();
    assert_eq!((latest.id, latest.version), (id, 1));
    assert_eq!(latest.schema, schema);

    let taken = Command::new(env!("CARGO_BIN_EXE_schema-registry"))
        .args(["--listen", running.url.trim_start_matches("http://")])
        .output()
        .unwrap();
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("cannot listen on"));
}
