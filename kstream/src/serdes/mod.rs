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
#[cfg(feature = "avro")]
pub use avro::AvroSerde;

/// Why a serde refused, in words a person can act on.
pub type SerdeResult<T> = std::result::Result<T, String>;

/// Turns `T` into bytes and back. `None` bytes are Kafka's null (no key, a tombstone).
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
}

/// A shared serde.
pub type SerdeRef<T> = Arc<dyn Serde<T>>;

fn present<'a>(data: Option<&'a [u8]>, what: &str) -> SerdeResult<&'a [u8]> {
    data.ok_or_else(|| format!("null where {what} was expected"))
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
        String::from_utf8(data.to_vec()).map_err(|e| format!("not UTF-8: {e}"))
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
                let bytes = data
                    .try_into()
                    .map_err(|_| format!("{} bytes, expected {}", data.len(), std::mem::size_of::<$ty>()))?;
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
            .map_err(|e| e.to_string())
    }
    fn deserialize(&self, _: &str, data: Option<&[u8]>) -> SerdeResult<T> {
        serde_json::from_slice(present(data, "JSON")?).map_err(|e| format!("invalid JSON: {e}"))
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
        assert!(
            I64Serde
                .deserialize("t", Some(&[1, 2]))
                .unwrap_err()
                .contains("2 bytes, expected 8")
        );
        assert!(I64Serde.deserialize("t", None).unwrap_err().contains("null"));
    }

    #[test]
    fn strings_json_and_options() {
        assert!(
            StringSerde
                .deserialize("t", Some(&[0xff]))
                .unwrap_err()
                .contains("UTF-8")
        );
        let json = JsonSerde::<Vec<i32>>::new();
        let bytes = json.serialize("t", &vec![1, 2]).unwrap().unwrap();
        assert_eq!(json.deserialize("t", Some(&bytes)).unwrap(), vec![1, 2]);
        assert!(
            json.deserialize("t", Some(b"{"))
                .unwrap_err()
                .contains("invalid JSON")
        );
        let opt = OptionSerde(StringSerde);
        assert_eq!(opt.deserialize("t", None).unwrap(), None);
        assert_eq!(opt.serialize("t", &None).unwrap(), None);
        assert_eq!(UnitSerde.serialize("t", &()).unwrap(), None);
    }
}
