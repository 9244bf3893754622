//! `org.apache.kafka.connect.transforms.RegexRouter`: topics renamed by a regular
//! expression.

use regex::Regex;

use super::Transform;
use crate::config::ConfigReader;
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

/// Renames a topic the whole of which `regex` matches to `replacement`, where `$1`
/// is the first group (Java's syntax); other topics pass unchanged.
#[derive(Debug, Clone)]
pub struct RegexRouter {
    regex: Regex,
    replacement: String,
}

impl RegexRouter {
    /// Configured by `regex` and `replacement`.
    pub fn configure(config: &ConfigReader<'_>) -> Result<Self> {
        let pattern = config.required_string("regex")?;
        let regex = Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| Error::config("regex", pattern, format!("Invalid regex: {e}")))?;
        let replacement = java_replacement(config.required_string("replacement")?);
        Ok(RegexRouter { regex, replacement })
    }
}

/// A Java replacement (`$1`, `\$`) in the regex crate's syntax (`${1}`, `$$`).
fn java_replacement(java: &str) -> String {
    let mut out = String::new();
    let mut chars = java.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => {}
            },
            '$' => {
                let mut group = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    group.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{group}}}"));
            }
            c => out.push(c),
        }
    }
    out
}

impl Transform for RegexRouter {
    fn apply(&mut self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        if self.regex.is_match(&record.topic) {
            record.topic = self
                .regex
                .replace(&record.topic, self.replacement.as_str())
                .into_owned();
        }
        Ok(Some(record))
    }
}
