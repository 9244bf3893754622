//! `connect standalone`: a Kafka Connect worker with its REST API, on the embedded log
//! or a Kafka cluster, starting the connectors of the files it is given.
//!
//! ```text
//! connect standalone --bootstrap-servers embedded --rest 127.0.0.1:8083 \
//!     [worker.properties] [CONNECTOR.json|CONNECTOR.properties ...]
//! ```

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use connect_sdk::config::Properties;
use connect_sdk::worker::{Plugins, Worker, WorkerConfig};
use streamlog::{ClientConfig, Cluster};

#[derive(Parser, Debug)]
#[command(name = "connect", version, about = "A Kafka Connect worker and its REST API")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// One worker: connectors from the files given and from its config topic.
    Standalone {
        /// `embedded` (an in-memory log, kept nothing across restarts) or the Kafka
        /// cluster's `HOST:PORT` list; overrides `bootstrap.servers` of the worker file.
        #[arg(long)]
        bootstrap_servers: Option<String>,
        /// Where the REST API listens.
        #[arg(long, default_value = "127.0.0.1:8083")]
        rest: String,
        /// A worker properties file, then connector configs: Kafka Connect's JSON
        /// (`{"name": .., "config": {..}}` or a flat object) or `.properties` files.
        files: Vec<PathBuf>,
    },
}

/// What went wrong, for the one line the binary prints.
type Failure = Box<dyn std::error::Error>;

fn read_properties(path: &Path) -> Result<Properties, Failure> {
    let config = ClientConfig::from_properties_file(path)?;
    Ok(config.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
}

/// A connector's name and config from a file.
fn read_connector(path: &Path) -> Result<(String, Properties), Failure> {
    let config = if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let object = json.get("config").unwrap_or(&json);
        let mut config: Properties = object
            .as_object()
            .ok_or_else(|| format!("{}: a connector config is a JSON object", path.display()))?
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
        if let Some(name) = json.get("name").and_then(|n| n.as_str()) {
            config.insert("name".into(), name.to_owned());
        }
        config
    } else {
        read_properties(path)?
    };
    let name = config
        .get("name")
        .cloned()
        .ok_or_else(|| format!("{}: the connector config has no name", path.display()))?;
    Ok((name, config))
}

fn run(args: Args) -> Result<(), Failure> {
    let Command::Standalone {
        bootstrap_servers,
        rest,
        files,
    } = args.command;
    let (mut worker_properties, connector_files) = match files.split_first() {
        Some((first, rest)) if first.extension().is_none_or(|e| e != "json") && looks_like_worker(first)? => {
            (read_properties(first)?, rest.to_vec())
        }
        _ => (Properties::new(), files),
    };
    if let Some(servers) = bootstrap_servers {
        worker_properties.insert("bootstrap.servers".into(), servers);
    }
    let servers = worker_properties
        .get("bootstrap.servers")
        .cloned()
        .unwrap_or_else(|| "embedded".to_owned());
    let cluster = if servers == "embedded" || servers.starts_with("embedded:") {
        worker_properties.remove("bootstrap.servers");
        Cluster::embedded()
    } else {
        Cluster::kafka(ClientConfig::new().bootstrap_servers(servers.clone()))?
    };
    worker_properties
        .entry("listeners".into())
        .or_insert_with(|| format!("http://{rest}"));
    let config = WorkerConfig::from_properties(&worker_properties)?;
    let worker = Worker::start(config, cluster, Plugins::builtin())?;
    for file in &connector_files {
        let (name, config) = read_connector(file)?;
        match worker.put_connector_config(&name, config) {
            Ok((_, true)) => tracing::info!("created connector {name} from {}", file.display()),
            Ok((_, false)) => tracing::info!("updated connector {name} from {}", file.display()),
            Err(e) => return Err(format!("{}: {e}", file.display()).into()),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&rest).await?;
        eprintln!(
            "connect: worker on {servers}, REST API on http://{}",
            listener.local_addr()?
        );
        connect_sdk::rest::serve(listener, worker.clone(), stop_signal()).await
    });
    eprintln!("connect: stopping");
    worker.shutdown();
    served?;
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
async fn stop_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Whether `path` is a worker properties file rather than a connector's: it has no
/// `connector.class`.
fn looks_like_worker(path: &Path) -> Result<bool, Failure> {
    Ok(!read_properties(path)?.contains_key("connector.class"))
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("connect: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
