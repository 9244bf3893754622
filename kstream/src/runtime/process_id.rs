//! The process id of an application instance: a random id kept in its state directory
//! (`<state.dir>/<application.id>/kafka-streams-process-metadata`), so that a restarted
//! instance has the id it had. Under `exactly_once_v2` it names the stream threads'
//! transactional producers (`<application.id>-<process id>-<thread>`): the restarted
//! instance's producers fence those of the instance that died and abort its open
//! transactions at once, instead of `transaction.timeout.ms` later.
//!
//! The file is one JSON object, version `1`: `{"version":1,"processId":"…"}`.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file's name in the application's directory.
const FILE: &str = "kafka-streams-process-metadata";
/// The version this module writes.
const VERSION: u64 = 1;

fn error(path: &Path, problem: impl Into<String>, source: Option<std::io::Error>) -> Error {
    Error::ProcessMetadata {
        path: path.to_owned(),
        problem: problem.into(),
        source,
    }
}

/// The process id kept in `app_dir`, made and written there when there is none.
pub(crate) fn load_or_create(app_dir: &Path) -> Result<String> {
    let path: PathBuf = app_dir.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let id = random_id();
            write(app_dir, &id)?;
            Ok(id)
        }
        Err(e) => Err(error(&path, "cannot read it", Some(e))),
    }
}

/// Writes `id` as the process id kept in `app_dir` (a simulation gives its instances
/// ids of its own, so that a seed replays the same way).
pub(crate) fn write(app_dir: &Path, id: &str) -> Result<()> {
    let path: PathBuf = app_dir.join(FILE);
    std::fs::create_dir_all(app_dir).map_err(|e| error(app_dir, "cannot create the directory", Some(e)))?;
    let text = serde_json::json!({ "version": VERSION, "processId": id }).to_string();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| error(&path, "cannot write it", Some(e)))
}

fn parse(path: &Path, text: &str) -> Result<String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| error(path, format!("not JSON: {e}"), None))?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(VERSION) => {}
        other => return Err(error(path, format!("unknown version {other:?}"), None)),
    }
    value
        .get("processId")
        .and_then(serde_json::Value::as_str)
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned)
        .ok_or_else(|| error(path, "no valid `processId`", None))
}

/// A random id in the UUID layout (from the standard library's randomly keyed hasher,
/// the process id and the time).
fn random_id() -> String {
    let mut words = [0u64; 2];
    for (i, word) in words.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        h.write_u32(std::process::id());
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        *word = h.finish();
    }
    let hex = format!("{:016x}{:016x}", words[0], words[1]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        let first = load_or_create(&app).unwrap();
        assert_eq!(first.len(), 36, "{first}");
        assert_eq!(load_or_create(&app).unwrap(), first);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(load_or_create(other.path()).unwrap(), first);
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        for text in [
            "{",
            r#"{"version":9,"processId":"a"}"#,
            r#"{"version":1}"#,
            r#"{"version":1,"processId":"a b"}"#,
        ] {
            std::fs::write(dir.path().join(FILE), text).unwrap();
            let err = load_or_create(dir.path()).unwrap_err();
            assert!(err.to_string().contains(FILE), "{text}: {err}");
        }
    }
}
