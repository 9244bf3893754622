//! Client (producer, consumer, admin) configuration.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::{parse_bool, parse_value};
use crate::error::{Error, Result};

/// How a consumer starts on a partition without a committed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AutoOffsetReset {
    /// From the first record still in the log.
    Earliest,
    /// From the end: only new records.
    #[default]
    Latest,
    /// Fail with [`Error::OffsetOutOfRange`].
    None,
}

impl AutoOffsetReset {
    /// Kafka's value for it (`earliest`, `latest`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            AutoOffsetReset::Earliest => "earliest",
            AutoOffsetReset::Latest => "latest",
            AutoOffsetReset::None => "none",
        }
    }
}

/// Which records a consumer sees from transactional producers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IsolationLevel {
    /// Every record, including those of open and aborted transactions.
    ReadUncommitted,
    /// Only records of committed transactions (and non-transactional ones).
    #[default]
    ReadCommitted,
}

/// A client configuration: Kafka property names and string values, like
/// `rdkafka::ClientConfig`, with typed setters for the common ones.
///
/// Its `Debug` output shows every key but prints the values of secret ones (passwords,
/// keys, tokens: see [`ClientConfig::is_secret`]) as `[hidden]`, so a configuration can
/// be logged.
///
/// ```
/// use streamlog::ClientConfig;
/// let config = ClientConfig::new()
///     .group_id("billing")
///     .set("auto.offset.reset", "earliest")
///     .set("enable.auto.commit", "false");
/// assert_eq!(config.get("group.id"), Some("billing"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientConfig {
    properties: BTreeMap<String, String>,
}

/// Parts of a property name that mark its value as secret (compared without case).
const SECRET_KEY_PARTS: &[&str] = &[
    "password",
    "secret",
    "token",
    "credential",
    "jaas",
    "sasl.oauthbearer.config",
    "ssl.key",
    "key.pem",
    "user.info",
];

/// What `Debug` prints instead of a secret value.
pub(crate) const HIDDEN: &str = "[hidden]";

/// Keys that `streamlog` reads itself on every backend (the Kafka backend does not pass
/// them to librdkafka, which does not know them).
pub(crate) const STREAMLOG_KEYS: &[&str] = &["max.poll.records", "default.api.timeout.ms", "max.block.ms"];

impl ClientConfig {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a property.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }

    /// Sets a property in place.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.properties.insert(key.into(), value.into());
    }

    /// Whether the value of property `key` is a secret, which `Debug` output and error
    /// messages never show.
    ///
    /// The rule: a key is secret when it contains, in any case, `password`, `secret`,
    /// `token`, `sasl.jaas.config`, `sasl.oauthbearer.config`, `ssl.key` (private keys
    /// and key stores) or `user.info` (Confluent's `basic.auth.user.info`).
    ///
    /// ```
    /// use streamlog::ClientConfig;
    /// assert!(ClientConfig::is_secret("sasl.password"));
    /// assert!(ClientConfig::is_secret("ssl.key.pem"));
    /// assert!(!ClientConfig::is_secret("sasl.username"));
    /// ```
    pub fn is_secret(key: &str) -> bool {
        let key = key.to_ascii_lowercase();
        SECRET_KEY_PARTS.iter().any(|part| key.contains(part)) || key.ends_with(".key")
    }

    /// `value` of property `key` as a log, an error message or `Debug` may show it:
    /// `[hidden]` for a secret key ([`ClientConfig::is_secret`]), and any URL's password
    /// (`https://user:password@host`) hidden in the others. Every crate of the
    /// workspace that prints Kafka properties goes through this.
    ///
    /// ```
    /// use streamlog::ClientConfig;
    /// assert_eq!(ClientConfig::shown("sasl.password", "s3cret"), "[hidden]");
    /// assert_eq!(
    ///     ClientConfig::shown("schema.registry.url", "https://fred:s3cret@registry:8081"),
    ///     "https://fred:[hidden]@registry:8081"
    /// );
    /// assert_eq!(ClientConfig::shown("group.id", "billing"), "billing");
    /// ```
    pub fn shown<'a>(key: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
        if Self::is_secret(key) {
            std::borrow::Cow::Borrowed(HIDDEN)
        } else {
            hide_url_passwords(value)
        }
    }

    /// The properties of a Java properties file (`key=value` or `key: value` a line,
    /// `#` and `!` comments), as Kafka's tools read with `--command-config`: how a
    /// secured cluster's settings (`security.protocol`, `sasl.*`, `ssl.*`) reach a
    /// program without appearing on its command line. A bad line is named by its
    /// number, its text not shown (it may hold a password).
    pub fn from_properties_file(path: &std::path::Path) -> Result<Self> {
        let at = |line: Option<usize>| match line {
            Some(n) => format!("{}:{n}", path.display()),
            None => path.display().to_string(),
        };
        let text = std::fs::read_to_string(path).map_err(|e| Error::InvalidConfig {
            key: at(None),
            value: String::new(),
            reason: format!("cannot read the properties file: {e}"),
        })?;
        let mut config = ClientConfig::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            match line.split_once(['=', ':']) {
                Some((key, value)) if !key.trim().is_empty() => config.insert(key.trim(), value.trim()),
                _ => {
                    return Err(Error::InvalidConfig {
                        key: at(Some(n + 1)),
                        value: HIDDEN.to_owned(),
                        reason: "expected `key=value`".into(),
                    });
                }
            }
        }
        Ok(config)
    }

    /// A property's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(String::as_str)
    }

    /// All properties, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// This configuration with `other`'s properties laid over it.
    pub fn merged(&self, other: &ClientConfig) -> ClientConfig {
        let mut merged = self.clone();
        for (k, v) in other.iter() {
            merged.insert(k, v);
        }
        merged
    }

    /// `bootstrap.servers`.
    pub fn bootstrap_servers(self, servers: impl Into<String>) -> Self {
        self.set("bootstrap.servers", servers)
    }

    /// `group.id`.
    pub fn group_id(self, group: impl Into<String>) -> Self {
        self.set("group.id", group)
    }

    /// `client.id`.
    pub fn client_id(self, id: impl Into<String>) -> Self {
        self.set("client.id", id)
    }

    /// `transactional.id`.
    pub fn transactional_id(self, id: impl Into<String>) -> Self {
        self.set("transactional.id", id)
    }

    /// `auto.offset.reset`.
    pub fn auto_offset_reset(self, reset: AutoOffsetReset) -> Self {
        self.set("auto.offset.reset", reset.as_str())
    }

    /// `isolation.level`.
    pub fn isolation_level(self, level: IsolationLevel) -> Self {
        let value = match level {
            IsolationLevel::ReadCommitted => "read_committed",
            IsolationLevel::ReadUncommitted => "read_uncommitted",
        };
        self.set("isolation.level", value)
    }

    /// `enable.auto.commit`.
    pub fn enable_auto_commit(self, enabled: bool) -> Self {
        self.set("enable.auto.commit", enabled.to_string())
    }

    /// `max.poll.records`: the most records one poll returns.
    pub fn max_poll_records(self, n: usize) -> Self {
        self.set("max.poll.records", n.to_string())
    }

    /// `default.api.timeout.ms`: how long blocking calls wait for a broker.
    pub fn default_api_timeout(self, timeout: Duration) -> Self {
        self.set("default.api.timeout.ms", timeout.as_millis().to_string())
    }

    pub(crate) fn parsed<T: std::str::FromStr>(&self, key: &str, default: T, expected: &str) -> Result<T> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => parse_value(key, v, expected),
        }
    }

    pub(crate) fn flag(&self, key: &str, default: bool) -> Result<bool> {
        self.get(key).map_or(Ok(default), |v| parse_bool(key, v))
    }

    #[cfg(feature = "kafka")]
    pub(crate) fn millis(&self, key: &str, default_ms: u64) -> Result<Duration> {
        self.parsed(key, default_ms, "a number of milliseconds")
            .map(Duration::from_millis)
    }

    pub(crate) fn auto_offset_reset_value(&self) -> Result<AutoOffsetReset> {
        match self.get("auto.offset.reset") {
            None => Ok(AutoOffsetReset::Latest),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "earliest" | "smallest" | "beginning" => Ok(AutoOffsetReset::Earliest),
                "latest" | "largest" | "end" => Ok(AutoOffsetReset::Latest),
                "none" | "error" => Ok(AutoOffsetReset::None),
                _ => Err(Error::InvalidConfig {
                    key: "auto.offset.reset".into(),
                    value: v.into(),
                    reason: "expected `earliest`, `latest` or `none`".into(),
                }),
            },
        }
    }

    pub(crate) fn isolation_level_value(&self) -> Result<IsolationLevel> {
        match self.get("isolation.level") {
            None => Ok(IsolationLevel::ReadCommitted),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "read_committed" => Ok(IsolationLevel::ReadCommitted),
                "read_uncommitted" => Ok(IsolationLevel::ReadUncommitted),
                _ => Err(Error::InvalidConfig {
                    key: "isolation.level".into(),
                    value: v.into(),
                    reason: "expected `read_committed` or `read_uncommitted`".into(),
                }),
            },
        }
    }

    pub(crate) fn max_poll_records_value(&self) -> Result<usize> {
        let n: usize = self.parsed("max.poll.records", 500, "a positive number")?;
        if n == 0 {
            return Err(Error::InvalidConfig {
                key: "max.poll.records".into(),
                value: "0".into(),
                reason: "expected a positive number".into(),
            });
        }
        Ok(n)
    }

    /// Fails on the first key that is not in `known`, does not start with one of
    /// `prefixes`, and is not a `streamlog` key.
    pub(crate) fn check_keys(&self, known: &[&str], prefixes: &[&str]) -> Result<()> {
        match self.properties.keys().map(String::as_str).find(|k| {
            !known.contains(k) && !STREAMLOG_KEYS.contains(k) && !prefixes.iter().any(|p| k.starts_with(p))
        }) {
            Some(key) => Err(Error::UnknownConfig { key: key.to_owned() }),
            None => Ok(()),
        }
    }
}

/// The password of every `scheme://user:password@host` in `text` replaced by `[hidden]`.
fn hide_url_passwords(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends at the first `/`, `?`, `#`, `,` or whitespace.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#' | ',') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority
            .rfind('@')
            .and_then(|at| authority[..at].find(':').map(|colon| (colon, at)))
        {
            Some((colon, at)) => {
                out.push_str(&authority[..=colon]);
                out.push_str(HIDDEN);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// The properties, secret values hidden.
        struct Shown<'a>(&'a ClientConfig);

        impl fmt::Debug for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(k, v)| (k, ClientConfig::shown(k, v))))
                    .finish()
            }
        }

        f.debug_struct("ClientConfig")
            .field("properties", &Shown(self))
            .finish()
    }
}

/// One `key=value` line per property, as a Java properties file has them, with secret
/// values hidden as in `Debug`.
impl fmt::Display for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{k}={}", ClientConfig::shown(k, v))?;
        }
        Ok(())
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for ClientConfig {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            properties: iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let err = ClientConfig::new()
            .set("group.id", "g")
            .set("gruop.id", "g")
            .check_keys(&["group.id"], &["ssl."])
            .unwrap_err();
        assert!(
            matches!(err, Error::UnknownConfig { ref key } if key == "gruop.id"),
            "{err}"
        );
    }

    #[test]
    fn invalid_values_name_key_and_value() {
        let config = ClientConfig::new()
            .set("auto.offset.reset", "sometimes")
            .set("max.poll.records", "lots")
            .set("isolation.level", "dirty");
        let err = config.auto_offset_reset_value().unwrap_err().to_string();
        assert!(
            err.contains("auto.offset.reset") && err.contains("sometimes"),
            "{err}"
        );
        let err = config.max_poll_records_value().unwrap_err().to_string();
        assert!(err.contains("max.poll.records") && err.contains("lots"), "{err}");
        let err = config.isolation_level_value().unwrap_err().to_string();
        assert!(err.contains("isolation.level") && err.contains("dirty"), "{err}");
    }

    #[test]
    fn a_properties_file_is_read_and_a_bad_line_named_not_shown() {
        let dir = std::env::temp_dir().join(format!("streamlog-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("client.properties");
        std::fs::write(
            &good,
            "# secured\nsecurity.protocol=SASL_SSL\n! also a comment\nsasl.password : pw=1\n\n",
        )
        .unwrap();
        let config = ClientConfig::from_properties_file(&good).unwrap();
        assert_eq!(config.get("security.protocol"), Some("SASL_SSL"));
        assert_eq!(config.get("sasl.password"), Some("pw=1"));
        let bad = dir.join("bad.properties");
        std::fs::write(&bad, "a=1\nsecret-line-without-separator\n").unwrap();
        let err = ClientConfig::from_properties_file(&bad).unwrap_err().to_string();
        assert!(
            err.contains("bad.properties:2") && !err.contains("secret-line"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn url_passwords_are_hidden_wherever_they_are() {
        assert_eq!(
            hide_url_passwords("http://a:pw1@h1:8081,https://b:pw2@h2/x?y=1"),
            "http://a:[hidden]@h1:8081,https://b:[hidden]@h2/x?y=1"
        );
        assert_eq!(hide_url_passwords("https://user@host"), "https://user@host");
        assert_eq!(hide_url_passwords("mailto:x@y and a://b"), "mailto:x@y and a://b");
        let config = ClientConfig::new()
            .set("sasl.password", "pw-1")
            .set("schema.registry.url", "https://fred:pw-2@registry");
        let shown = format!("{config}\n{config:?}");
        assert!(!shown.contains("pw-1") && !shown.contains("pw-2"), "{shown}");
        assert!(
            shown.contains("schema.registry.url=https://fred:[hidden]@registry"),
            "{shown}"
        );
    }

    #[test]
    fn debug_hides_secret_values_and_shows_the_rest() {
        let secrets = [
            ("sasl.password", "pw-1"),
            ("ssl.key.password", "pw-2"),
            ("ssl.keystore.password", "pw-3"),
            ("ssl.key.pem", "-----BEGIN PRIVATE KEY-----"),
            ("sasl.jaas.config", "PlainLoginModule required password=pw-4;"),
            ("sasl.oauthbearer.client.secret", "pw-5"),
            ("sasl.oauthbearer.config", "principal=admin pw-6"),
            ("SASL.OAUTHBEARER.TOKEN.ENDPOINT.URL", "https://pw-7"),
            ("basic.auth.user.info", "fred:pw-8"),
        ];
        let config: ClientConfig = secrets
            .iter()
            .copied()
            .chain([("bootstrap.servers", "broker:9092"), ("sasl.username", "fred")])
            .collect();
        let shown = format!("{config:?}");
        for (key, value) in secrets {
            assert!(ClientConfig::is_secret(key), "{key}");
            assert!(!shown.contains(value), "{key}'s value shown: {shown}");
        }
        assert_eq!(shown.matches(HIDDEN).count(), secrets.len(), "{shown}");
        assert!(
            shown.contains("\"bootstrap.servers\": \"broker:9092\""),
            "{shown}"
        );
        assert!(shown.contains("\"sasl.username\": \"fred\""), "{shown}");
        assert!(shown.contains("\"sasl.password\": \"[hidden]\""), "{shown}");

        let cluster = crate::Cluster::embedded().with_base(config);
        assert!(!format!("{cluster:?}").contains("pw-1"), "{cluster:?}");
    }

    #[test]
    fn defaults_follow_kafka() {
        let config = ClientConfig::new();
        assert_eq!(config.auto_offset_reset_value().unwrap(), AutoOffsetReset::Latest);
        assert_eq!(config.max_poll_records_value().unwrap(), 500);
        assert!(config.flag("enable.auto.commit", true).unwrap());
    }
}
