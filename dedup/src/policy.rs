//! What happens to a record that has no id.

/// Where a record without an id goes (see [`IdSource`](crate::IdSource)); every such
/// record is counted whichever is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OnMissingId {
    /// Stop with [`Error::MissingId`](crate::Error::MissingId), naming the record.
    #[default]
    Fail,
    /// Pass the record on, unchecked: it is never taken for a duplicate.
    Pass,
    /// Send the record to this dead letter topic, with headers saying why and where
    /// it came from, and go on.
    DeadLetter(String),
}

impl std::str::FromStr for OnMissingId {
    type Err = crate::Error;

    /// `fail`, `pass`, or `dlq:TOPIC`.
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "fail" => Ok(OnMissingId::Fail),
            "pass" => Ok(OnMissingId::Pass),
            _ => match s.strip_prefix("dlq:") {
                Some(topic) if !topic.is_empty() => Ok(OnMissingId::DeadLetter(topic.to_owned())),
                _ => Err(crate::Error::Config {
                    setting: "on-missing-id",
                    reason: format!("`{s}`: expected `fail`, `pass` or `dlq:TOPIC`"),
                }),
            },
        }
    }
}

/// The headers a dead letter carries: why, and where the record was read.
pub mod dead_letter_headers {
    /// Why the record was set aside.
    pub const REASON: &str = "__dedup.errors.reason";
    /// The topic it was read from.
    pub const TOPIC: &str = "__dedup.errors.topic";
    /// The partition it was read from.
    pub const PARTITION: &str = "__dedup.errors.partition";
    /// Its offset there.
    pub const OFFSET: &str = "__dedup.errors.offset";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_policies() {
        assert_eq!("fail".parse::<OnMissingId>().unwrap(), OnMissingId::Fail);
        assert_eq!("pass".parse::<OnMissingId>().unwrap(), OnMissingId::Pass);
        assert_eq!(
            "dlq:bad".parse::<OnMissingId>().unwrap(),
            OnMissingId::DeadLetter("bad".into())
        );
        for bad in ["dlq:", "drop", ""] {
            let err = bad.parse::<OnMissingId>().unwrap_err().to_string();
            assert!(err.contains("on-missing-id"), "{err}");
        }
    }
}
