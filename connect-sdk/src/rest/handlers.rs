//! One handler per endpoint: parse the request, run the worker's call off the async
//! threads, answer with Kafka Connect's status code and body.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json_, json};

use crate::config::Properties;
use crate::error::Error;
use crate::worker::{ConnectorOffset, TargetState, Worker};

/// An error answered as `{"error_code": .., "message": ..}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::BadRequest(_) | Error::Config { .. } | Error::MissingConfig { .. } => {
                StatusCode::BAD_REQUEST
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error_code": self.status.as_u16(), "message": self.message})),
        )
            .into_response()
    }
}

type Answer = Result<Response, ApiError>;

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the request's thread failed: {e}"),
            )
        })?
        .map_err(ApiError::from)
}

fn json(status: StatusCode, body: Json_) -> Response {
    (status, Json(body)).into_response()
}

fn ok(body: Json_) -> Answer {
    Ok(json(StatusCode::OK, body))
}

/// The query's parameters, repeated ones kept (`expand=status&expand=info`).
fn query_params(query: Option<String>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

fn flag(params: &[(String, String)], name: &str) -> bool {
    params
        .iter()
        .any(|(k, v)| k == name && v.eq_ignore_ascii_case("true"))
}

/// A JSON body, or Kafka Connect's answer to one it cannot read.
fn body_json(body: &Bytes) -> Result<Json_, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Cannot deserialize the request body: {e}"),
        )
    })
}

/// A config object of string values (numbers and booleans taken as written).
fn properties(value: &Json_) -> Result<Properties, ApiError> {
    let object = value
        .as_object()
        .ok_or_else(|| ApiError::bad_request("The connector config must be a JSON object"))?;
    object
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Json_::String(s) => s.clone(),
                Json_::Null => return Err(ApiError::bad_request(format!("The value of {k} is null"))),
                other => other.to_string(),
            };
            Ok((k.clone(), text))
        })
        .collect()
}

pub(super) async fn root(State(worker): State<Worker>) -> Answer {
    let backend = worker.cluster().backend_name();
    ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": "",
        "kafka_cluster_id": backend,
    }))
}

pub(super) async fn health() -> Answer {
    ok(
        json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."}),
    )
}

pub(super) async fn list_connectors(State(worker): State<Worker>, RawQuery(query): RawQuery) -> Answer {
    let params = query_params(query);
    let expands: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "expand")
        .map(|(_, v)| v.clone())
        .collect();
    let body = blocking(move || {
        let names = worker.connectors();
        if expands.is_empty() {
            return Ok(json!(names));
        }
        let mut out = serde_json::Map::new();
        for name in names {
            let mut entry = serde_json::Map::new();
            for expand in &expands {
                match expand.as_str() {
                    "status" => {
                        if let Ok(s) = worker.connector_status(&name) {
                            entry.insert("status".into(), s.to_json());
                        }
                    }
                    "info" => {
                        if let Ok(i) = worker.connector_info(&name) {
                            entry.insert("info".into(), i.to_json());
                        }
                    }
                    _ => {}
                }
            }
            out.insert(name, Json_::Object(entry));
        }
        Ok(Json_::Object(out))
    })
    .await?;
    ok(body)
}

pub(super) async fn create_connector(State(worker): State<Worker>, body: Bytes) -> Answer {
    let request = body_json(&body)?;
    let name = request["name"].as_str().map(str::to_owned);
    let mut config = match request.get("config") {
        Some(c) if !c.is_null() => properties(c)?,
        _ => Properties::new(),
    };
    let name = match (name, config.get("name").cloned()) {
        (Some(n), Some(c)) if n != c => {
            return Err(ApiError::bad_request(format!(
                "Connector name configuration ({c}) doesn't match connector name in the URL ({n})"
            )));
        }
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => String::new(),
    };
    let initial_state = match request.get("initial_state").and_then(|s| s.as_str()) {
        None | Some("RUNNING") => TargetState::Started,
        Some("PAUSED") => TargetState::Paused,
        Some("STOPPED") => TargetState::Stopped,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid initial state {other}: expected RUNNING, PAUSED or STOPPED"
            )));
        }
    };
    config.insert("name".into(), name.clone());
    let info = blocking(move || worker.create_connector_in(&name, config, initial_state)).await?;
    Ok(json(StatusCode::CREATED, info.to_json()))
}

pub(super) async fn get_connector(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    ok(blocking(move || worker.connector_info(&name)).await?.to_json())
}

pub(super) async fn delete_connector(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    blocking(move || worker.delete_connector(&name)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn get_config(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    ok(json!(blocking(move || worker.connector_config(&name)).await?))
}

pub(super) async fn put_config(
    State(worker): State<Worker>,
    Path(name): Path<String>,
    body: Bytes,
) -> Answer {
    let config = properties(&body_json(&body)?)?;
    if let Some(given) = config.get("name")
        && given != &name
    {
        return Err(ApiError::bad_request(format!(
            "Connector name configuration ({given}) doesn't match connector name in the URL ({name})"
        )));
    }
    let (info, created) = blocking(move || worker.put_connector_config(&name, config)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, info.to_json()))
}

pub(super) async fn patch_config(
    State(worker): State<Worker>,
    Path(name): Path<String>,
    body: Bytes,
) -> Answer {
    let request = body_json(&body)?;
    let object = request
        .as_object()
        .ok_or_else(|| ApiError::bad_request("The connector config patch must be a JSON object"))?;
    let mut patch = BTreeMap::new();
    for (key, value) in object {
        let value = match value {
            Json_::Null => None,
            Json_::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        patch.insert(key.clone(), value);
    }
    if let Some(Some(given)) = patch.get("name")
        && given != &name
    {
        return Err(ApiError::bad_request(format!(
            "Connector name configuration ({given}) doesn't match connector name in the URL ({name})"
        )));
    }
    ok(blocking(move || worker.patch_connector_config(&name, patch))
        .await?
        .to_json())
}

pub(super) async fn get_status(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    ok(blocking(move || worker.connector_status(&name)).await?.to_json())
}

pub(super) async fn get_tasks(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    let tasks = blocking(move || worker.tasks(&name)).await?;
    ok(json!(tasks.iter().map(|t| t.to_json()).collect::<Vec<_>>()))
}

pub(super) async fn get_task_status(
    State(worker): State<Worker>,
    Path((name, task)): Path<(String, u32)>,
) -> Answer {
    let status = blocking(move || worker.task_status(&name, task)).await?;
    ok(status.task_json(task))
}

pub(super) async fn restart_task(
    State(worker): State<Worker>,
    Path((name, task)): Path<(String, u32)>,
) -> Answer {
    blocking(move || worker.restart_task(&name, task)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn pause(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    blocking(move || worker.pause(&name)).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

pub(super) async fn resume(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    blocking(move || worker.resume(&name)).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

pub(super) async fn stop(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    blocking(move || worker.stop(&name)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn restart(
    State(worker): State<Worker>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = query_params(query);
    let include_tasks = flag(&params, "includeTasks");
    let only_failed = flag(&params, "onlyFailed");
    let status = blocking(move || worker.restart(&name, include_tasks, only_failed)).await?;
    if !include_tasks && !only_failed {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(json(StatusCode::ACCEPTED, status.to_json()))
}

pub(super) async fn get_topics(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    let key = name.clone();
    let topics = blocking(move || worker.active_topics(&name)).await?;
    ok(json!({ key: {"topics": topics} }))
}

pub(super) async fn reset_topics(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    blocking(move || worker.reset_active_topics(&name)).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

pub(super) async fn get_offsets(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    let offsets = blocking(move || worker.offsets(&name)).await?;
    ok(
        json!({"offsets": offsets.iter().map(|o| json!({"partition": o.partition, "offset": o.offset})).collect::<Vec<_>>()}),
    )
}

pub(super) async fn patch_offsets(
    State(worker): State<Worker>,
    Path(name): Path<String>,
    body: Bytes,
) -> Answer {
    let request = body_json(&body)?;
    let offsets = request["offsets"]
        .as_array()
        .ok_or_else(|| ApiError::bad_request("Offsets must be specified"))?
        .iter()
        .map(|o| ConnectorOffset {
            partition: o["partition"].clone(),
            offset: o["offset"].clone(),
        })
        .collect::<Vec<_>>();
    blocking(move || worker.alter_offsets(&name, &offsets)).await?;
    ok(json!({"message": "The offsets for this connector have been altered successfully"}))
}

pub(super) async fn delete_offsets(State(worker): State<Worker>, Path(name): Path<String>) -> Answer {
    blocking(move || worker.reset_offsets(&name)).await?;
    ok(json!({"message": "The offsets for this connector have been reset successfully"}))
}

pub(super) async fn list_plugins(State(worker): State<Worker>) -> Answer {
    let plugins: Vec<Json_> = worker
        .plugins()
        .iter()
        .map(|p| json!({"class": p.class(), "type": p.kind().as_str(), "version": p.version()}))
        .collect();
    ok(json!(plugins))
}

pub(super) async fn plugin_config(State(worker): State<Worker>, Path(plugin): Path<String>) -> Answer {
    let infos = worker
        .plugins()
        .find(&plugin)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, format!("Unknown plugin {plugin}.")))?
        .config_keys();
    ok(json!(infos))
}

pub(super) async fn validate(
    State(worker): State<Worker>,
    Path(plugin): Path<String>,
    body: Bytes,
) -> Answer {
    let config = properties(&body_json(&body)?)?;
    let infos = blocking(move || worker.validate(&plugin, &config)).await?;
    ok(infos.to_json())
}

pub(super) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found")
}

pub(super) async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "HTTP 405 Method Not Allowed")
}
