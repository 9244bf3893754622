//! [`Named`]: the name of an operator, checked the way Kafka Streams checks it.

use crate::error::{Error, Result};

/// The longest name Kafka accepts for a topic, and so for anything a topic is named after.
const MAX_NAME_LENGTH: usize = 249;

/// The name of an operator (Kafka Streams' `Named`): its processor's name in
/// [`Topology::describe`](crate::Topology::describe), and the base of the names of the
/// internal topics and stores it makes. Given to an operation through its `…_with` form:
///
/// ```
/// use kstream::prelude::*;
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("words", Consumed::with(StringSerde, StringSerde))
///     .filter_with(|_, word| !word.is_empty(), Named::as_("non-empty")?)
///     .to("kept", Produced::with(StringSerde, StringSerde));
/// assert!(builder.build()?.describe().to_string().contains("Processor: non-empty"));
/// # Ok::<(), kstream::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Named(String);

impl Named {
    /// The name `name`: one to 249 ASCII letters, digits, `.`, `_` or `-` (Kafka's
    /// rule, since internal topics are named after it); anything else is
    /// [`Error::InvalidOption`].
    pub fn as_(name: impl Into<String>) -> Result<Self> {
        checked("Named", name.into()).map(Named)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A name another option checked already (a `Grouped` name naming a processor).
    pub(crate) fn checked_already(name: String) -> Self {
        Named(name)
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is wrong with `name` as the name of a topic (or of anything a topic is named
/// after), by Kafka's rule; `None` when Kafka accepts it.
pub(crate) fn topic_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("a name cannot be empty")
    } else if name.len() > MAX_NAME_LENGTH {
        Some("a name cannot be longer than 249 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        Some("a name may only contain ASCII letters, digits, '.', '_' and '-'")
    } else {
        None
    }
}

/// `name` if Kafka accepts it as the name given by `option`.
pub(crate) fn checked(option: &'static str, name: String) -> Result<String> {
    match topic_name_problem(&name) {
        None => Ok(name),
        Some(reason) => Err(Error::InvalidOption {
            option,
            value: name,
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_legal_names_are_accepted_and_others_name_what_is_wrong() {
        assert_eq!(Named::as_("by-value_1.x").unwrap().as_str(), "by-value_1.x");
        for (bad, reason) in [
            ("", "empty"),
            ("a b", "only contain"),
            ("é", "only contain"),
            (&"x".repeat(250), "longer than 249"),
        ] {
            match Named::as_(bad) {
                Err(Error::InvalidOption {
                    option,
                    value,
                    reason: why,
                }) => {
                    assert_eq!((option, value.as_str()), ("Named", bad));
                    assert!(why.contains(reason), "{why}");
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        assert!(Named::as_("x".repeat(249)).is_ok());
    }
}
