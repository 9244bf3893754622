//! How a store lays its values out in its backend, and the version marker of a
//! persistent store's directory.
//!
//! A *plain* store keeps each value's bytes as the serde wrote them. A *timestamped*
//! store (every store of the DSL, as Kafka Streams' `TimestampedKeyValueStore`) puts the
//! timestamp of the record that last wrote the key in front: 8 bytes, big-endian, then
//! the value's bytes, the layout of Kafka Streams' timestamped RocksDB stores. The
//! changelog of either holds the plain value, with the timestamp as the changelog
//! record's timestamp, so a changelog restores into either layout.
//!
//! A persistent store's directory holds a marker file, [`MARKER_FILE`]:
//!
//! ```text
//! kstream-store-format 2
//! values timestamped
//! ```
//!
//! A directory without one was written by a release before the marker (format 1): its
//! values are plain. Opening a store whose data has the other layout rewrites every
//! value (a value gaining a timestamp gets [`NO_TIMESTAMP`], as in Kafka Streams'
//! upgrade to timestamped stores); a marker of a newer format is refused with
//! [`StoreError::Format`] rather than read wrongly.

use std::ops::Bound;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::backend::KeyValueBackend;
use super::error::StoreError;
use crate::error::{Error, Result};

/// The timestamp of a value whose record time is unknown (Kafka's `NO_TIMESTAMP`).
pub const NO_TIMESTAMP: i64 = -1;

/// The name of the marker file in a persistent store's directory.
pub(crate) const MARKER_FILE: &str = "KSTREAM-STORE-FORMAT";

/// The format this release writes.
const FORMAT: u32 = 2;

/// The first line of a marker, before the format number.
const MAGIC: &str = "kstream-store-format";

/// How a store's values are laid out in its backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueLayout {
    /// The value's bytes.
    Plain,
    /// The record timestamp (8 bytes, big-endian), then the value's bytes.
    Timestamped,
    /// A versioned store's entries (see `store::versioned`): each key holds one entry
    /// per version, keyed by the key and the version's timestamp; values as written.
    Versioned,
}

impl ValueLayout {
    fn as_str(self) -> &'static str {
        match self {
            ValueLayout::Plain => "plain",
            ValueLayout::Timestamped => "timestamped",
            ValueLayout::Versioned => "versioned",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "plain" => Some(ValueLayout::Plain),
            "timestamped" => Some(ValueLayout::Timestamped),
            "versioned" => Some(ValueLayout::Versioned),
            _ => None,
        }
    }

    /// The backend bytes of `value` written at `timestamp`.
    pub(crate) fn encode(self, value: &[u8], timestamp: i64) -> Bytes {
        match self {
            ValueLayout::Plain | ValueLayout::Versioned => Bytes::copy_from_slice(value),
            ValueLayout::Timestamped => {
                let mut out = Vec::with_capacity(value.len() + 8);
                put_timestamped(&mut out, value, timestamp);
                Bytes::from(out)
            }
        }
    }

    /// The value and timestamp of backend bytes; `None` when they are too short to
    /// hold a timestamp.
    pub(crate) fn decode(self, stored: Bytes) -> Option<(Bytes, i64)> {
        match self {
            ValueLayout::Plain | ValueLayout::Versioned => Some((stored, NO_TIMESTAMP)),
            ValueLayout::Timestamped => {
                let prefix: [u8; 8] = stored.get(..8)?.try_into().ok()?;
                Some((stored.slice(8..), i64::from_be_bytes(prefix)))
            }
        }
    }
}

/// Brings the data of the persistent store `store` in `backend`, whose directory is
/// `dir`, to `layout`, and writes the marker. Returns how many values were rewritten.
pub(crate) fn prepare(
    store: &str,
    backend: &mut dyn KeyValueBackend,
    dir: &Path,
    layout: ValueLayout,
) -> Result<usize> {
    let marker = dir.join(MARKER_FILE);
    let found = read_marker(store, &marker)?;
    let rewritten = match found {
        Some(existing) if existing == layout => 0,
        Some(existing) => convert(store, backend, existing, layout)?,
        // No marker: new (nothing to convert) or written before the marker (plain).
        None => convert(store, backend, ValueLayout::Plain, layout)?,
    };
    if found != Some(layout) {
        backend.flush()?;
        write_marker(store, &marker, layout)?;
    }
    Ok(rewritten)
}

/// Rewrites every value of `backend` from layout `from` to layout `to`.
fn convert(
    store: &str,
    backend: &mut dyn KeyValueBackend,
    from: ValueLayout,
    to: ValueLayout,
) -> Result<usize> {
    if from == to {
        return Ok(0);
    }
    let entries = backend.range(Bound::Unbounded, Bound::Unbounded)?;
    if from == ValueLayout::Versioned || to == ValueLayout::Versioned {
        // A versioned store's entries and a key-value store's are different things:
        // nothing converts one into the other.
        if entries.is_empty() {
            return Ok(0);
        }
        return Err(Error::Store {
            store: store.to_owned(),
            source: StoreError::Format {
                path: None,
                problem: format!(
                    "its data is a {} store's, and it is declared as a {} store now: delete the store's directory to restore it from its changelog",
                    from.as_str(),
                    to.as_str()
                ),
            },
        });
    }
    let mut rewritten = Vec::with_capacity(entries.len());
    for (key, stored) in entries {
        let (value, timestamp) = from.decode(stored).ok_or_else(|| corrupt(store, &key))?;
        rewritten.push((key, to.encode(&value, timestamp)));
    }
    let writes: Vec<(&[u8], Option<&[u8]>)> = rewritten.iter().map(|(k, v)| (&k[..], Some(&v[..]))).collect();
    backend.write_all(&writes)?;
    Ok(rewritten.len())
}

/// The error of a stored value of `key` too short for its layout.
pub(crate) fn corrupt(store: &str, key: &[u8]) -> Error {
    Error::Store {
        store: store.to_owned(),
        source: StoreError::Format {
            path: None,
            problem: format!(
                "the value of key {} is shorter than its 8-byte timestamp",
                String::from_utf8_lossy(key)
            ),
        },
    }
}

fn read_marker(store: &str, marker: &Path) -> Result<Option<ValueLayout>> {
    let text = match std::fs::read_to_string(marker) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_error(store, "read", marker, source)),
    };
    let bad = |problem: String| Error::Store {
        store: store.to_owned(),
        source: StoreError::Format {
            path: Some(marker.to_owned()),
            problem,
        },
    };
    let mut lines = text.lines();
    let version = lines
        .next()
        .and_then(|l| l.strip_prefix(MAGIC))
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or_else(|| bad(format!("the first line is not `{MAGIC} <number>`")))?;
    if version > FORMAT {
        return Err(bad(format!(
            "written by a newer release (format {version}); this release reads formats up to {FORMAT}"
        )));
    }
    let layout = lines
        .next()
        .and_then(|l| l.strip_prefix("values "))
        .and_then(|l| ValueLayout::parse(l.trim()))
        .ok_or_else(|| bad("the second line is not `values plain` or `values timestamped`".into()))?;
    Ok(Some(layout))
}

fn write_marker(store: &str, marker: &Path, layout: ValueLayout) -> Result<()> {
    let text = format!("{MAGIC} {FORMAT}\nvalues {}\n", layout.as_str());
    let tmp: PathBuf = marker.with_extension("tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, marker))
        .map_err(|source| io_error(store, "write", marker, source))
}

fn io_error(store: &str, operation: &'static str, path: &Path, source: std::io::Error) -> Error {
    Error::Store {
        store: store.to_owned(),
        source: StoreError::Io {
            operation,
            path: path.to_owned(),
            source,
        },
    }
}

/// Appends the backend bytes of `value` written at `timestamp` in a timestamped store:
/// the timestamp (8 bytes, big-endian), then the value.
pub(crate) fn put_timestamped(out: &mut Vec<u8>, value: &[u8], timestamp: i64) {
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::InMemoryBackend;

    #[test]
    fn timestamped_values_round_trip_and_short_ones_are_refused() {
        let stored = ValueLayout::Timestamped.encode(b"abc", 1_000);
        assert_eq!(&stored[..8], &1_000i64.to_be_bytes());
        assert_eq!(
            ValueLayout::Timestamped.decode(stored),
            Some((Bytes::from_static(b"abc"), 1_000))
        );
        assert_eq!(
            ValueLayout::Timestamped.decode(Bytes::from_static(b"short")),
            None
        );
        assert_eq!(
            ValueLayout::Plain.decode(Bytes::from_static(b"v")),
            Some((Bytes::from_static(b"v"), NO_TIMESTAMP))
        );
    }

    #[test]
    fn an_unmarked_directory_is_plain_and_is_converted_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut backend = InMemoryBackend::default();
        backend.put(b"a", b"1").unwrap();
        let n = prepare("s", &mut backend, dir.path(), ValueLayout::Timestamped).unwrap();
        assert_eq!(n, 1);
        let stored = backend.get(b"a").unwrap().unwrap();
        assert_eq!(
            ValueLayout::Timestamped.decode(stored),
            Some((Bytes::from_static(b"1"), NO_TIMESTAMP))
        );
        // Marked now: opening again converts nothing.
        assert_eq!(
            prepare("s", &mut backend, dir.path(), ValueLayout::Timestamped).unwrap(),
            0
        );
        // A plain store over timestamped data drops the timestamps.
        assert_eq!(
            prepare("s", &mut backend, dir.path(), ValueLayout::Plain).unwrap(),
            1
        );
        assert_eq!(backend.get(b"a").unwrap(), Some(Bytes::from_static(b"1")));
    }

    #[test]
    fn a_marker_of_a_newer_format_or_garbage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut backend = InMemoryBackend::default();
        std::fs::write(
            dir.path().join(MARKER_FILE),
            "kstream-store-format 9\nvalues plain\n",
        )
        .unwrap();
        let err = prepare("s", &mut backend, dir.path(), ValueLayout::Plain).unwrap_err();
        assert!(err.to_string().contains("`s`"), "{err}");
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.contains("newer release (format 9)"), "{source}");
        std::fs::write(dir.path().join(MARKER_FILE), "hello\n").unwrap();
        let err = prepare("s", &mut backend, dir.path(), ValueLayout::Plain).unwrap_err();
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.contains("first line"), "{source}");
    }
}
