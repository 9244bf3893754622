//! Serdes: how keys and values become bytes at topics and stores, and back.
//!
//! The built-ins write what Kafka's own serdes write, so a topology interoperates with
//! Java applications: [`StringSerde`] (UTF-8), [`I64Serde`] and [`I32Serde`] (big-endian,
//! like `LongSerializer` / `IntegerSerializer`), [`F64Serde`], [`BytesSerde`],
//! [`UnitSerde`] (`Void`: always null), [`JsonSerde`] for any serde type, and
//! [`OptionSerde`] for values that may be null; with feature `avro`, [`AvroSerde`]
//! (the Confluent wire format through `schema-registry-client`).

use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;

#[cfg(feature = "avro")]
mod avro;
mod error;
pub(crate) mod retry;

#[cfg(feature = "avro")]
pub use avro::AvroSerde;
pub use error::{BoxError, SerdeError, SerdeErrorKind};

/// The result of a serde: the value or bytes, or why not as a [`SerdeError`].
pub type SerdeResult<T> = std::result::Result<T, SerdeError>;

/// Turns `T` into bytes and back. `None` bytes are Kafka's null (no key, a tombstone).
///
/// A serde that refuses says why with a [`SerdeError`] of a kind: bad data (the
/// record goes to the deserialization or production handler) or an unavailable
/// dependency (the task retries the same record, then fails after `task.timeout.ms`).
pub trait Serde<T>: Send + Sync + 'static {
    /// The bytes of `value`, or `None` for null.
    fn serialize(&self, topic: &str, value: &T) -> SerdeResult<Option<Bytes>>;
    /// The value of `data` (`None` is null: most serdes refuse it).
    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<T>;
    /// The bytes of `value`, taking it: a serde whose bytes are the value's own memory
    /// (strings, byte buffers) hands it over without a copy. The same bytes as
    /// [`Serde::serialize`].
    fn serialize_owned(&self, topic: &str, value: T) -> SerdeResult<Option<Bytes>> {
        self.serialize(topic, &value)
    }
    /// Gets what writing values for `topic` needs from the serde's dependencies (an
    /// Avro serde registers or looks up its schema), so that serializing does not
    /// wait on them. A sink calls it before it hands a value to
    /// [`Serde::serialize_owned`], and retries it while it answers
    /// [`SerdeErrorKind::Unavailable`]: an outage then costs no value. The default
    /// needs nothing.
    fn prepare(&self, topic: &str) -> SerdeResult<()> {
        let _ = topic;
        Ok(())
    }
    /// Whether `value` is Kafka's null: what this serde writes as no bytes (no key, a
    /// tombstone). The operations that Kafka Streams makes skip a record with a null
    /// key or value (aggregations, joins, table sources, repartitions) ask it without
    /// serializing. The default: no value is null. [`OptionSerde`] answers `None`,
    /// [`UnitSerde`] every value; a serde of its own that writes some values as null
    /// says which here.
    fn is_null(&self, value: &T) -> bool {
        let _ = value;
        false
    }
}

/// A shared serde.
pub type SerdeRef<T> = Arc<dyn Serde<T>>;

fn present<'a>(data: Option<&'a [u8]>, what: &str) -> SerdeResult<&'a [u8]> {
    data.ok_or_else(|| SerdeError::bad_data(format!("null where {what} was expected")))
}

/// UTF-8 strings.
#[derive(Debug, Clone, Copy, Default)]
pub struct StringSerde;

impl Serde<String> for StringSerde {
    fn serialize(&self, _: &str, value: &String) -> SerdeResult<Option<Bytes>> {
        Ok(Some(Bytes::copy_from_slice(value.as_bytes())))
    }
    fn deserialize(&self, _: &str, data: Option<&[u8]>) -> SerdeResult<String> {
        let data = present(data, "a string")?;
        String::from_utf8(data.to_vec())
            .map_err(|e| SerdeError::bad_data("a string that is not UTF-8").with_source(e))
    }
    fn serialize_owned(&self, _: &str, value: String) -> SerdeResult<Option<Bytes>> {
        Ok(Some(Bytes::from(value)))
    }
}

macro_rules! big_endian_serde {
    ($name:ident, $ty:ty, $what:literal) => {
        #[doc = concat!("`", stringify!($ty), "` as ", $what, " big-endian bytes, as Kafka's Java serde writes it.")]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Serde<$ty> for $name {
            fn serialize(&self, _: &str, value: &$ty) -> SerdeResult<Option<Bytes>> {
                Ok(Some(Bytes::copy_from_slice(&value.to_be_bytes())))
            }
            fn deserialize(&self, _: &str, data: Option<&[u8]>) -> SerdeResult<$ty> {
                let data = present(data, stringify!($ty))?;
                let bytes = data.try_into().map_err(|e| {
                    SerdeError::bad_data(format!(
                        "{} bytes, expected {} for {}",
                        data.len(),
                        std::mem::size_of::<$ty>(),
                        stringify!($ty)
                    ))
                    .with_source(e)
                })?;
                Ok(<$ty>::from_be_bytes(bytes))
            }
        }
    };
}

big_endian_serde!(I64Serde, i64, "8");
big_endian_serde!(I32Serde, i32, "4");
big_endian_serde!(F64Serde, f64, "8");

/// Raw bytes, passed through.
#[derive(Debug, Clone, Copy, Default)]
pub struct BytesSerde;

impl Serde<Bytes> for BytesSerde {
    fn serialize(&self, _: &str, value: &Bytes) -> SerdeResult<Option<Bytes>> {
        Ok(Some(value.clone()))
    }
    fn deserialize(&self, _: &str, data: Option<&[u8]>) -> SerdeResult<Bytes> {
        Ok(Bytes::copy_from_slice(present(data, "bytes")?))
    }
}

/// No data: serializes to null and reads anything as `()` (Kafka's `Void` serde, for
/// records without keys).
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitSerde;

impl Serde<()> for UnitSerde {
    fn serialize(&self, _: &str, _: &()) -> SerdeResult<Option<Bytes>> {
        Ok(None)
    }
    fn deserialize(&self, _: &str, _: Option<&[u8]>) -> SerdeResult<()> {
        Ok(())
    }
    fn is_null(&self, _: &()) -> bool {
        true
    }
}

/// Any serde type as JSON.
pub struct JsonSerde<T>(PhantomData<fn() -> T>);

impl<T> JsonSerde<T> {
    /// The JSON serde of `T`.
    pub fn new() -> Self {
        JsonSerde(PhantomData)
    }
}

impl<T> Default for JsonSerde<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for JsonSerde<T> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<T> std::fmt::Debug for JsonSerde<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JsonSerde<{}>", std::any::type_name::<T>())
    }
}

impl<T: serde::Serialize + serde::de::DeserializeOwned + 'static> Serde<T> for JsonSerde<T> {
    fn serialize(&self, _: &str, value: &T) -> SerdeResult<Option<Bytes>> {
        serde_json::to_vec(value)
            .map(|v| Some(Bytes::from(v)))
            .map_err(|e| {
                SerdeError::bad_data(format!("cannot write a {} as JSON", std::any::type_name::<T>()))
                    .with_source(e)
            })
    }
    fn deserialize(&self, _: &str, data: Option<&[u8]>) -> SerdeResult<T> {
        serde_json::from_slice(present(data, "JSON")?).map_err(|e| {
            SerdeError::bad_data(format!("invalid JSON for a {}", std::any::type_name::<T>())).with_source(e)
        })
    }
}

/// Null as `None`, anything else through the inner serde.
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionSerde<S>(pub S);

impl<T, S: Serde<T>> Serde<Option<T>> for OptionSerde<S> {
    fn serialize(&self, topic: &str, value: &Option<T>) -> SerdeResult<Option<Bytes>> {
        match value {
            None => Ok(None),
            Some(v) => self.0.serialize(topic, v),
        }
    }
    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<Option<T>> {
        data.map(|d| self.0.deserialize(topic, Some(d))).transpose()
    }
    fn serialize_owned(&self, topic: &str, value: Option<T>) -> SerdeResult<Option<Bytes>> {
        value.map_or(Ok(None), |v| self.0.serialize_owned(topic, v))
    }
    fn prepare(&self, topic: &str) -> SerdeResult<()> {
        self.0.prepare(topic)
    }
    fn is_null(&self, value: &Option<T>) -> bool {
        value.as_ref().is_none_or(|v| self.0.is_null(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taking_the_value_gives_the_same_bytes() {
        let text = "caf\u{e9} \u{1f600}".to_owned();
        assert_eq!(
            StringSerde.serialize_owned("t", text.clone()).unwrap(),
            StringSerde.serialize("t", &text).unwrap()
        );
        let opt = OptionSerde(StringSerde);
        assert_eq!(
            opt.serialize_owned("t", Some(text.clone())).unwrap(),
            opt.serialize("t", &Some(text)).unwrap()
        );
        assert_eq!(opt.serialize_owned("t", None).unwrap(), None);
        assert_eq!(
            I64Serde.serialize_owned("t", 7).unwrap(),
            I64Serde.serialize("t", &7).unwrap()
        );
    }

    #[test]
    fn integers_are_big_endian_like_kafkas_serdes() {
        assert_eq!(
            I64Serde.serialize("t", &1).unwrap().unwrap().as_ref(),
            &[0, 0, 0, 0, 0, 0, 0, 1]
        );
        assert_eq!(I32Serde.deserialize("t", Some(&[0, 0, 1, 0])).unwrap(), 256);
        assert_eq!(
            F64Serde.deserialize("t", Some(&1.5f64.to_be_bytes())).unwrap(),
            1.5
        );
    }

    /// The error of a serde's bad input: bad data, with a message naming what was
    /// wrong and (where a library refused) the library's error as its source.
    fn bad(error: SerdeError, says: &str, has_source: bool) {
        assert_eq!(error.kind(), SerdeErrorKind::BadData, "{error}");
        assert!(!error.is_unavailable());
        assert!(error.to_string().contains(says), "`{error}` should say `{says}`");
        assert_eq!(
            std::error::Error::source(&error).is_some(),
            has_source,
            "source of `{error}`"
        );
    }

    #[test]
    fn bad_input_of_every_built_in_serde_is_bad_data_naming_what_was_wrong() {
        bad(
            I64Serde.deserialize("t", Some(&[1, 2])).unwrap_err(),
            "2 bytes, expected 8 for i64",
            true,
        );
        bad(
            I64Serde.deserialize("t", None).unwrap_err(),
            "null where i64",
            false,
        );
        bad(
            I32Serde.deserialize("t", Some(&[1; 5])).unwrap_err(),
            "5 bytes, expected 4 for i32",
            true,
        );
        bad(
            F64Serde.deserialize("t", Some(&[])).unwrap_err(),
            "0 bytes, expected 8 for f64",
            true,
        );
        bad(
            StringSerde.deserialize("t", Some(&[0xff])).unwrap_err(),
            "not UTF-8",
            true,
        );
        bad(
            StringSerde.deserialize("t", None).unwrap_err(),
            "null where a string",
            false,
        );
        bad(
            BytesSerde.deserialize("t", None).unwrap_err(),
            "null where bytes",
            false,
        );
        let json = JsonSerde::<Vec<i32>>::new();
        bad(
            json.deserialize("t", Some(b"{")).unwrap_err(),
            "invalid JSON for a alloc::vec::Vec<i32>",
            true,
        );
        bad(json.deserialize("t", None).unwrap_err(), "null where JSON", false);
        let map = JsonSerde::<std::collections::HashMap<Vec<u8>, i32>>::new();
        let unwritable = std::collections::HashMap::from([(vec![1u8], 1)]);
        bad(map.serialize("t", &unwritable).unwrap_err(), "cannot write", true);
        // An option passes its inner serde's error on unchanged.
        bad(
            OptionSerde(I32Serde).deserialize("t", Some(&[1])).unwrap_err(),
            "1 bytes, expected 4",
            true,
        );
    }

    #[test]
    fn strings_json_and_options() {
        let json = JsonSerde::<Vec<i32>>::new();
        let bytes = json.serialize("t", &vec![1, 2]).unwrap().unwrap();
        assert_eq!(json.deserialize("t", Some(&bytes)).unwrap(), vec![1, 2]);
        let opt = OptionSerde(StringSerde);
        assert_eq!(opt.deserialize("t", None).unwrap(), None);
        assert_eq!(opt.serialize("t", &None).unwrap(), None);
        assert_eq!(UnitSerde.serialize("t", &()).unwrap(), None);
        assert_eq!(UnitSerde.deserialize("t", Some(b"anything")).unwrap(), ());
    }

    #[test]
    fn a_value_is_null_where_its_serde_writes_no_bytes() {
        let opt = OptionSerde(StringSerde);
        for value in [None, Some(String::new()), Some("x".to_owned())] {
            assert_eq!(opt.is_null(&value), opt.serialize("t", &value).unwrap().is_none());
        }
        assert!(UnitSerde.is_null(&()));
        assert!(!StringSerde.is_null(&String::new()));
        assert!(!I64Serde.is_null(&0));
        assert!(!BytesSerde.is_null(&Bytes::new()));
        assert!(
            !JsonSerde::<Option<i32>>::new().is_null(&None),
            "JSON writes `null` bytes"
        );
        // An option of a serde that writes null: `Some(())` is null too.
        let unit = OptionSerde(UnitSerde);
        assert!(unit.is_null(&Some(())));
        assert_eq!(unit.serialize("t", &Some(())).unwrap(), None);
        assert!(OptionSerde(OptionSerde(StringSerde)).is_null(&Some(None)));
    }
}
