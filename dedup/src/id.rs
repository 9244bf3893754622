//! Where a record's id is: its key, a header, a field of its JSON value, or what a
//! closure says.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::error::{Error, Result};

/// What the deduplicator reads of a record: borrowed parts of it, whatever log it came
/// from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Message<'a> {
    /// The key.
    pub key: Option<&'a [u8]>,
    /// The value.
    pub value: Option<&'a [u8]>,
    /// The headers, in order.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The event time, milliseconds since the epoch.
    pub timestamp: i64,
}

/// A closure that finds a record's id.
pub type IdFn = Arc<dyn Fn(&Message<'_>) -> Option<Vec<u8>> + Send + Sync>;

/// Where a record's id is.
#[derive(Clone)]
pub enum IdSource {
    /// The record's key.
    Key,
    /// The value of the last header of this name.
    Header(String),
    /// A field of the JSON value, by path: a string's text, or any other value's JSON
    /// text (numbers as written); `null` or no field is a missing id.
    JsonField(Vec<String>),
    /// What a closure returns; `None` is a missing id.
    Custom(IdFn),
}

impl fmt::Debug for IdSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdSource::Key => f.write_str("Key"),
            IdSource::Header(name) => f.debug_tuple("Header").field(name).finish(),
            IdSource::JsonField(path) => f.debug_tuple("JsonField").field(&path.join(".")).finish(),
            IdSource::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl IdSource {
    /// A field of the JSON value by its dotted path (`event.id`).
    pub fn json_field(path: &str) -> Self {
        IdSource::JsonField(path.split('.').map(str::to_owned).collect())
    }

    /// Whether finding the id may read the headers (a header, or a closure).
    pub fn reads_headers(&self) -> bool {
        matches!(self, IdSource::Header(_) | IdSource::Custom(_))
    }

    /// The id of `message`, or [`Error::MissingId`] saying where it was looked for.
    pub fn id<'m>(&self, message: &Message<'m>) -> Result<Cow<'m, [u8]>> {
        let missing = |reason: String| Error::MissingId { reason };
        match self {
            IdSource::Key => message
                .key
                .map(Cow::Borrowed)
                .ok_or_else(|| missing("no key".into())),
            IdSource::Header(name) => message
                .headers
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Cow::Borrowed(*v))
                .ok_or_else(|| missing(format!("no header `{name}`"))),
            IdSource::JsonField(path) => {
                let value = message.value.ok_or_else(|| missing("no value".into()))?;
                json_field(value, path).map_err(|why| missing(format!("field `{}`: {why}", path.join("."))))
            }
            IdSource::Custom(f) => f(message)
                .map(Cow::Owned)
                .ok_or_else(|| missing("the id function found none".into())),
        }
    }
}

/// The field at `path` of the JSON object in `value`.
fn json_field<'m>(value: &'m [u8], path: &[String]) -> std::result::Result<Cow<'m, [u8]>, String> {
    let text = std::str::from_utf8(value).map_err(|_| "the value is not UTF-8".to_owned())?;
    let mut raw: &str = text;
    for name in path {
        let object: HashMap<Cow<'_, str>, &RawValue> =
            serde_json::from_str(raw).map_err(|_| "not inside a JSON object".to_owned())?;
        raw = object
            .get(name.as_str())
            .ok_or_else(|| "absent".to_owned())?
            .get();
    }
    match raw.as_bytes().first() {
        Some(b'n') => Err("null".into()),
        Some(b'"') => {
            let s: Cow<'_, str> = serde_json::from_str(raw).map_err(|e| e.to_string())?;
            Ok(match s {
                Cow::Borrowed(_) => Cow::Borrowed(&raw.as_bytes()[1..raw.len() - 1]),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            })
        }
        _ => Ok(Cow::Borrowed(raw.as_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(value: &str) -> Message<'_> {
        Message {
            value: Some(value.as_bytes()),
            ..Message::default()
        }
    }

    #[test]
    fn json_fields_by_path() {
        let source = IdSource::json_field("event.id");
        let m = message(r#"{"event":{"id":"a-1","n":2},"x":null}"#);
        assert_eq!(&*source.id(&m).unwrap(), b"a-1");
        let m = message(r#"{"event":{"id":42}}"#);
        assert_eq!(&*source.id(&m).unwrap(), b"42");
        let m = message(r#"{"event":{"id":"a\"b"}}"#);
        assert_eq!(&*source.id(&m).unwrap(), b"a\"b");
        for bad in [
            r#"{"event":{"id":null}}"#,
            r#"{"event":{}}"#,
            r#"{"event":3}"#,
            "not json",
        ] {
            let err = source.id(&message(bad)).unwrap_err().to_string();
            assert!(err.contains("event.id"), "{err}");
        }
    }

    #[test]
    fn keys_headers_and_closures() {
        let headers = [("id", &b"h1"[..]), ("id", &b"h2"[..])];
        let m = Message {
            key: Some(b"k"),
            headers: &headers,
            ..Message::default()
        };
        assert_eq!(&*IdSource::Key.id(&m).unwrap(), b"k");
        assert_eq!(&*IdSource::Header("id".into()).id(&m).unwrap(), b"h2");
        assert!(IdSource::Header("other".into()).id(&m).is_err());
        let custom = IdSource::Custom(Arc::new(|m: &Message<'_>| m.key.map(|k| [k, b"!"].concat())));
        assert_eq!(&*custom.id(&m).unwrap(), b"k!");
        assert!(IdSource::Key.id(&Message::default()).is_err());
    }
}
