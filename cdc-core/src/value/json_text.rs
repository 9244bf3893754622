//! JSON text as the database wrote it.

use std::fmt;

/// A JSON document kept as text, exactly as the source wrote it (its spacing, key order
/// and number spelling), so writing it back gives the same text: PostgreSQL's `jsonb`
/// prints `{"a": 1}`, its `json` keeps what was inserted, MySQL has its own spacing.
/// The text is valid JSON; [`parse`](Self::parse) gives the tree.
///
/// ```
/// use cdc_core::JsonText;
/// let doc = JsonText::new(r#"{"b": 1.50, "a": [1, 2]}"#)?;
/// assert_eq!(doc.as_str(), r#"{"b": 1.50, "a": [1, 2]}"#);
/// assert_eq!(doc.parse()?["a"][1], 2);
/// // From a tree: compact text.
/// assert_eq!(JsonText::from(serde_json::json!({"n": 7})).as_str(), r#"{"n":7}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JsonText(Box<str>);

impl JsonText {
    /// The text, checked to be one JSON value (surrounding whitespace allowed and kept).
    pub fn new(text: impl Into<String>) -> serde_json::Result<Self> {
        let text = text.into();
        serde_json::from_str::<serde::de::IgnoredAny>(&text)?;
        Ok(JsonText(text.into_boxed_str()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The document as a JSON tree. Fails only where the text holds a number `serde_json`
    /// cannot represent (such as `1e400`).
    pub fn parse(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_str(&self.0)
    }
}

impl From<&serde_json::Value> for JsonText {
    /// The tree as compact text.
    fn from(json: &serde_json::Value) -> Self {
        JsonText(json.to_string().into_boxed_str())
    }
}

impl From<serde_json::Value> for JsonText {
    /// The tree as compact text.
    fn from(json: serde_json::Value) -> Self {
        JsonText::from(&json)
    }
}

impl fmt::Display for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonText({})", &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_and_checked() {
        let spaced = JsonText::new(" {\"a\": 1.50} ").unwrap();
        assert_eq!(spaced.as_str(), " {\"a\": 1.50} ");
        assert_eq!(spaced.parse().unwrap(), serde_json::json!({"a": 1.5}));
        assert!(JsonText::new("{\"a\": ").is_err());
        assert!(JsonText::new("1 2").is_err());
        assert!(JsonText::new("__debezium_unavailable_value").is_err());
        // Valid JSON that serde_json cannot hold as a tree still is JSON text.
        let huge = JsonText::new("1e400").unwrap();
        assert!(huge.parse().is_err());
    }
}
