//! Converters: Connect data to the bytes of a Kafka record and back, chosen by the Java
//! class names of `key.converter` and `value.converter`.

#[cfg(feature = "avro")]
mod avro;
pub(crate) mod json;
mod simple;

#[cfg(feature = "avro")]
pub use avro::AvroConverter;
pub use json::{DecimalFormat, JsonConverter};
pub use simple::{ByteArrayConverter, NumberConverter, StringConverter};

use crate::config::Properties;
use crate::data::{Schema, Type, Value};
use crate::error::{Error, Result};

/// Turns Connect data into record bytes and back (Kafka's `Converter`).
pub trait Converter: Send + std::fmt::Debug {
    /// The bytes of `value` (with `schema`) for `topic`; `None` for a null record part
    /// (Kafka's `fromConnectData`).
    fn encode(&mut self, topic: &str, schema: Option<&Schema>, value: &Value) -> Result<Option<Vec<u8>>>;

    /// The schema and value `bytes` of `topic` hold (`None` bytes: a null value;
    /// Kafka's `toConnectData`).
    fn decode(&mut self, topic: &str, bytes: Option<&[u8]>) -> Result<(Option<Schema>, Value)>;
}

/// The converter a Java class name stands for, configured by `properties` (the
/// `key.converter.` or `value.converter.` subset of a config, prefix removed).
///
/// ```
/// use connect_sdk::convert::converter;
/// use connect_sdk::config::Properties;
///
/// let props = Properties::from([("schemas.enable".to_owned(), "false".to_owned())]);
/// let mut json = converter("org.apache.kafka.connect.json.JsonConverter", &props)?;
/// let (_, value) = json.decode("t", Some(br#"{"a":1}"#))?;
/// assert_eq!(value.map_get("a"), Some(&connect_sdk::data::Value::Int64(1)));
/// # Ok::<(), connect_sdk::Error>(())
/// ```
pub fn converter(class: &str, properties: &Properties) -> Result<Box<dyn Converter>> {
    let number = |kind| -> Result<Box<dyn Converter>> { Ok(Box::new(NumberConverter::new(kind)?)) };
    match class.trim() {
        "org.apache.kafka.connect.json.JsonConverter" | "JsonConverter" => {
            Ok(Box::new(JsonConverter::configure(properties)?))
        }
        "org.apache.kafka.connect.storage.StringConverter" | "StringConverter" => {
            Ok(Box::new(StringConverter))
        }
        "org.apache.kafka.connect.converters.ByteArrayConverter" | "ByteArrayConverter" => {
            Ok(Box::new(ByteArrayConverter))
        }
        "org.apache.kafka.connect.converters.ShortConverter" | "ShortConverter" => number(Type::Int16),
        "org.apache.kafka.connect.converters.IntegerConverter" | "IntegerConverter" => number(Type::Int32),
        "org.apache.kafka.connect.converters.LongConverter" | "LongConverter" => number(Type::Int64),
        "org.apache.kafka.connect.converters.FloatConverter" | "FloatConverter" => number(Type::Float32),
        "org.apache.kafka.connect.converters.DoubleConverter" | "DoubleConverter" => number(Type::Float64),
        #[cfg(feature = "avro")]
        "io.confluent.connect.avro.AvroConverter" | "AvroConverter" => {
            let is_key = properties.get("converter.type").map(String::as_str) == Some("key");
            Ok(Box::new(AvroConverter::configure(properties, is_key)?))
        }
        other => Err(Error::config(
            "converter",
            other,
            format!("Class {other} could not be found."),
        )),
    }
}
