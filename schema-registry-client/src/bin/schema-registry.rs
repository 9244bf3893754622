//! `schema-registry`: the in-memory registry served with the Confluent REST API.
//!
//! ```text
//! schema-registry --listen 127.0.0.1:8081 [--data-dir DIR]
//!     [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]] [--users FILE]
//! ```
//!
//! With `--tls-cert` and `--tls-key` it serves HTTPS; with `--tls-client-ca` every client
//! must present a certificate that CA signed; with `--users` every request needs HTTP
//! basic authentication by a user of that file (`name: password[,role...]` per line,
//! the format of Confluent's `PropertyFileLoginModule`).

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use schema_registry_client::server::{ServerSecurity, Users};
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
    /// Serve HTTPS with this certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// Require basic authentication by a user of this file.
    #[arg(long)]
    users: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let registry = match &args.data_dir {
        Some(dir) => MemoryRegistry::open(dir)?,
        None => MemoryRegistry::new(),
    };
    let mut security = ServerSecurity::default();
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        security = security.with_tls(cert, key, args.tls_client_ca.as_deref())?;
    }
    if let Some(users) = &args.users {
        security = security.with_users(Users::from_file(users)?);
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let scheme = if args.tls_cert.is_some() { "https" } else { "http" };
    println!(
        "schema registry listening on {scheme}://{}",
        listener.local_addr()?
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    server::serve_secured(listener, Arc::new(registry), security, shutdown).await?;
    Ok(())
}
