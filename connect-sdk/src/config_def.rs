//! Connector configuration declared as Kafka's `ConfigDef` declares it: each key with a
//! type, a default (or none: required), a validator, an importance and a doc; parsed and
//! validated with Kafka's rules and messages.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::config::Properties;
use crate::error::{Error, Result};

/// The type of a config value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// `true` or `false`.
    Boolean,
    /// Any text.
    String,
    /// A 32-bit integer.
    Int,
    /// A 64-bit integer.
    Long,
    /// A double.
    Double,
    /// A comma-separated list.
    List,
    /// A Java class name.
    Class,
    /// A secret: never shown.
    Password,
}

impl ConfigType {
    /// Its name in Kafka (`INT`, `LIST` ...).
    pub fn name(self) -> &'static str {
        match self {
            ConfigType::Boolean => "BOOLEAN",
            ConfigType::String => "STRING",
            ConfigType::Int => "INT",
            ConfigType::Long => "LONG",
            ConfigType::Double => "DOUBLE",
            ConfigType::List => "LIST",
            ConfigType::Class => "CLASS",
            ConfigType::Password => "PASSWORD",
        }
    }
}

/// How much a key matters to a user (shown in docs and by the REST API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importance {
    /// `HIGH`
    High,
    /// `MEDIUM`
    Medium,
    /// `LOW`
    Low,
}

/// A parsed config value.
#[derive(Clone, PartialEq)]
pub enum ConfigValue {
    /// A boolean.
    Boolean(bool),
    /// A string or a class name.
    String(String),
    /// An int.
    Int(i32),
    /// A long.
    Long(i64),
    /// A double.
    Double(f64),
    /// A list.
    List(Vec<String>),
    /// A secret, shown as `[hidden]`.
    Password(String),
    /// No value (a key whose default is null).
    Null,
}

impl fmt::Debug for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Password(_) => f.write_str("[hidden]"),
            ConfigValue::Boolean(v) => write!(f, "{v}"),
            ConfigValue::String(v) => write!(f, "{v:?}"),
            ConfigValue::Int(v) => write!(f, "{v}"),
            ConfigValue::Long(v) => write!(f, "{v}"),
            ConfigValue::Double(v) => write!(f, "{v}"),
            ConfigValue::List(v) => write!(f, "{v:?}"),
            ConfigValue::Null => f.write_str("null"),
        }
    }
}

/// Shown as Kafka shows values in messages: lists as `[a, b]`, secrets as `[hidden]`.
impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Boolean(v) => write!(f, "{v}"),
            ConfigValue::String(v) => f.write_str(v),
            ConfigValue::Int(v) => write!(f, "{v}"),
            ConfigValue::Long(v) => write!(f, "{v}"),
            ConfigValue::Double(v) => {
                let mut s = String::new();
                crate::convert::json::text::double(&mut s, *v);
                f.write_str(&s)
            }
            ConfigValue::List(v) => write!(f, "[{}]", v.join(", ")),
            ConfigValue::Password(_) => f.write_str("[hidden]"),
            ConfigValue::Null => f.write_str("null"),
        }
    }
}

/// A validator of the caller's: `Err(message)` when the value is refused.
pub type CustomCheck = dyn Fn(&ConfigValue) -> std::result::Result<(), String> + Send + Sync;

/// Checks a parsed value (Kafka's `ConfigDef.Validator`).
#[derive(Clone)]
pub enum Validator {
    /// A number within bounds (Kafka's `Range.between`, `atLeast`).
    Range {
        /// The least allowed.
        min: Option<f64>,
        /// The most allowed.
        max: Option<f64>,
    },
    /// One of these strings, exactly (Kafka's `ValidString`).
    OneOf(Vec<String>),
    /// One of these strings, in any case (Kafka's `CaseInsensitiveValidString`).
    OneOfIgnoringCase(Vec<String>),
    /// A string that is not empty (Kafka's `NonEmptyString`).
    NonEmptyString,
    /// A list that is not empty (Kafka Connect's `NonEmptyListValidator`: "Empty list").
    NonEmptyList,
    /// A list that is not empty (Kafka's `ValidList.anyNonDuplicateValues`: "must not be
    /// empty", the words the transforms use).
    NonEmptyValues,
    /// A check of the caller's: the message when the value is refused.
    Custom(Arc<CustomCheck>),
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validator::Range { min, max } => write!(f, "Range({min:?}, {max:?})"),
            Validator::OneOf(v) => write!(f, "OneOf({v:?})"),
            Validator::OneOfIgnoringCase(v) => write!(f, "OneOfIgnoringCase({v:?})"),
            Validator::NonEmptyString => f.write_str("NonEmptyString"),
            Validator::NonEmptyList => f.write_str("NonEmptyList"),
            Validator::NonEmptyValues => f.write_str("NonEmptyValues"),
            Validator::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// Kafka's words for a string not among `choices` (`ValidString`).
pub(crate) fn one_of_message(choices: &[impl AsRef<str>]) -> String {
    let choices: Vec<&str> = choices.iter().map(AsRef::as_ref).collect();
    format!("String must be one of: {}", choices.join(", "))
}

/// Kafka's words for a string not among `choices` in any case
/// (`CaseInsensitiveValidString`, which shows them upper-cased).
pub(crate) fn one_of_ignoring_case_message(choices: &[impl AsRef<str>]) -> String {
    let choices: Vec<String> = choices.iter().map(|c| c.as_ref().to_uppercase()).collect();
    format!("String must be one of (case insensitive): {}", choices.join(", "))
}

/// Kafka's number text in validator messages: integral bounds without a fraction.
fn bound_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let mut s = String::new();
        crate::convert::json::text::double(&mut s, v);
        s
    }
}

impl Validator {
    /// `Err(message)` when `value` is refused.
    fn check(&self, key: &str, value: &ConfigValue) -> std::result::Result<(), String> {
        let number = match value {
            ConfigValue::Int(v) => Some(f64::from(*v)),
            ConfigValue::Long(v) => Some(*v as f64),
            ConfigValue::Double(v) => Some(*v),
            _ => None,
        };
        match self {
            Validator::Range { min, max } => {
                let Some(n) = number else {
                    return Ok(());
                };
                if let Some(min) = min
                    && n < *min
                {
                    return Err(format!("Value must be at least {}", bound_text(*min)));
                }
                if let Some(max) = max
                    && n > *max
                {
                    return Err(format!("Value must be no more than {}", bound_text(*max)));
                }
                Ok(())
            }
            Validator::OneOf(choices) => match value {
                ConfigValue::String(s) if choices.contains(s) => Ok(()),
                _ => Err(one_of_message(choices)),
            },
            Validator::OneOfIgnoringCase(choices) => match value {
                ConfigValue::String(s) if choices.iter().any(|c| c.eq_ignore_ascii_case(s)) => Ok(()),
                _ => Err(one_of_ignoring_case_message(choices)),
            },
            Validator::NonEmptyString => match value {
                ConfigValue::String(s) if !s.is_empty() => Ok(()),
                _ => Err("String must be non-empty".to_owned()),
            },
            Validator::NonEmptyList => match value {
                ConfigValue::List(l) if l.is_empty() => Err("Empty list".to_owned()),
                _ => Ok(()),
            },
            Validator::NonEmptyValues => match value {
                ConfigValue::List(l) if l.is_empty() => Err(format!(
                    "Configuration '{key}' must not be empty. Valid values include: any non-empty value"
                )),
                _ => Ok(()),
            },
            Validator::Custom(check) => check(value),
        }
    }

    /// Whether its message is whole (not "Invalid value V for configuration K: ...").
    fn whole_message(&self) -> bool {
        matches!(self, Validator::NonEmptyValues)
    }
}

/// One declared key.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    /// Its name.
    pub name: String,
    /// Its type.
    pub kind: ConfigType,
    /// Its default as written in a config (`None`: the key is required).
    pub default: Option<String>,
    /// Whether the default is null (set, but no value).
    pub default_null: bool,
    /// Its validator.
    pub validator: Option<Validator>,
    /// How much it matters.
    pub importance: Importance,
    /// What it does.
    pub doc: String,
}

impl ConfigKey {
    /// A required key without validator.
    fn new(name: &str, kind: ConfigType, importance: Importance, doc: &str) -> Self {
        ConfigKey {
            name: name.to_owned(),
            kind,
            default: None,
            default_null: false,
            validator: None,
            importance,
            doc: doc.to_owned(),
        }
    }
}

/// The keys a connector or transform takes (Kafka's `ConfigDef`).
///
/// ```
/// use connect_sdk::config::Properties;
/// use connect_sdk::config_def::{ConfigDef, ConfigType, ConfigValue, Importance, Validator};
///
/// let def = ConfigDef::new()
///     .define("topic", ConfigType::String, None, Some(Validator::NonEmptyString), Importance::High, "Where to write.")
///     .define("batch.size", ConfigType::Int, Some("100"), Some(Validator::Range { min: Some(1.0), max: None }), Importance::Low, "Rows a poll.");
/// let parsed = def.parse(&Properties::from([("topic".into(), "t".into())]))?;
/// assert_eq!(parsed["batch.size"], ConfigValue::Int(100));
/// let err = def.parse(&Properties::from([("topic".into(), "t".into()), ("batch.size".into(), "0".into())])).unwrap_err();
/// assert_eq!(err.to_string(), "Invalid value 0 for configuration batch.size: Value must be at least 1");
/// # Ok::<(), connect_sdk::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: Vec<ConfigKey>,
}

/// What validating one key found: its value (if it parsed) and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValidation {
    /// The key.
    pub name: String,
    /// The parsed value, when it parsed.
    pub value: Option<ConfigValue>,
    /// The errors, empty when valid.
    pub errors: Vec<String>,
}

impl ConfigDef {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a key; `default` `None` makes it required.
    pub fn define(
        mut self,
        name: &str,
        kind: ConfigType,
        default: Option<&str>,
        validator: Option<Validator>,
        importance: Importance,
        doc: &str,
    ) -> Self {
        self.keys.push(ConfigKey {
            default: default.map(str::to_owned),
            validator,
            ..ConfigKey::new(name, kind, importance, doc)
        });
        self
    }

    /// Declares a key whose default is null (optional, with no value when unset).
    pub fn define_optional(
        mut self,
        name: &str,
        kind: ConfigType,
        importance: Importance,
        doc: &str,
    ) -> Self {
        self.keys.push(ConfigKey {
            default_null: true,
            ..ConfigKey::new(name, kind, importance, doc)
        });
        self
    }

    /// The declared keys, in order.
    pub fn keys(&self) -> &[ConfigKey] {
        &self.keys
    }

    /// The key `name`.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// `text` as a value of `kind` (Kafka's `ConfigDef.parseType`).
    pub fn parse_value(name: &str, kind: ConfigType, text: &str) -> Result<ConfigValue> {
        let trimmed = text.trim();
        let invalid = |reason: String| Error::config(name, trimmed, reason);
        Ok(match kind {
            ConfigType::Boolean => {
                if trimmed.eq_ignore_ascii_case("true") {
                    ConfigValue::Boolean(true)
                } else if trimmed.eq_ignore_ascii_case("false") {
                    ConfigValue::Boolean(false)
                } else {
                    return Err(invalid("Expected value to be either true or false".into()));
                }
            }
            ConfigType::String => ConfigValue::String(trimmed.to_owned()),
            ConfigType::Password => ConfigValue::Password(text.to_owned()),
            ConfigType::Class => ConfigValue::String(trimmed.to_owned()),
            ConfigType::Int => ConfigValue::Int(
                trimmed
                    .parse()
                    .map_err(|_| invalid("Not a number of type INT".into()))?,
            ),
            ConfigType::Long => ConfigValue::Long(
                trimmed
                    .parse()
                    .map_err(|_| invalid("Not a number of type LONG".into()))?,
            ),
            ConfigType::Double => ConfigValue::Double(
                trimmed
                    .parse()
                    .map_err(|_| invalid("Not a number of type DOUBLE".into()))?,
            ),
            ConfigType::List => ConfigValue::List(if trimmed.is_empty() {
                Vec::new()
            } else {
                trimmed.split(',').map(|s| s.trim().to_owned()).collect()
            }),
        })
    }

    fn parse_key(key: &ConfigKey, properties: &Properties) -> Result<ConfigValue> {
        let text = match (properties.get(&key.name), &key.default) {
            (Some(text), _) => text.as_str(),
            (None, Some(default)) => default.as_str(),
            (None, None) if key.default_null => return Ok(ConfigValue::Null),
            (None, None) => {
                return Err(Error::MissingConfig {
                    key: key.name.clone(),
                });
            }
        };
        let value = Self::parse_value(&key.name, key.kind, text)?;
        if let Some(validator) = &key.validator
            && let Err(reason) = validator.check(&key.name, &value)
        {
            return Err(if validator.whole_message() {
                Error::config_message(&key.name, reason)
            } else {
                Error::config(&key.name, &value, reason)
            });
        }
        Ok(value)
    }

    /// Every declared key's value, parsed and validated; the first key at fault is an
    /// error naming it (Kafka's `AbstractConfig`). Keys not declared are ignored.
    pub fn parse(&self, properties: &Properties) -> Result<BTreeMap<String, ConfigValue>> {
        self.keys
            .iter()
            .map(|key| Ok((key.name.clone(), Self::parse_key(key, properties)?)))
            .collect()
    }

    /// What is wrong with every key, all at once (Kafka's `ConfigDef.validate`, behind
    /// the REST API's `config/validate`).
    pub fn validate(&self, properties: &Properties) -> Vec<KeyValidation> {
        self.keys
            .iter()
            .map(|key| match Self::parse_key(key, properties) {
                Ok(value) => KeyValidation {
                    name: key.name.clone(),
                    value: Some(value),
                    errors: Vec::new(),
                },
                Err(e) => KeyValidation {
                    name: key.name.clone(),
                    value: None,
                    errors: vec![e.to_string()],
                },
            })
            .collect()
    }
}
