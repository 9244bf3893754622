//! `schema-registry`: the in-memory registry served with the Confluent REST API.
//!
//! ```text
//! schema-registry --listen 127.0.0.1:8081 [--data-dir DIR]
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use schema_registry_client::{MemoryRegistry, server};

/// A Confluent-compatible schema registry for development and tests.
#[derive(Debug, Parser)]
#[command(name = "schema-registry", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: String,
    /// Keep schemas in this directory across restarts (memory only when absent).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let registry = match &args.data_dir {
        Some(dir) => MemoryRegistry::open(dir)?,
        None => MemoryRegistry::new(),
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    println!("schema registry listening on http://{}", listener.local_addr()?);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    server::serve(listener, Arc::new(registry), shutdown).await?;
    Ok(())
}
