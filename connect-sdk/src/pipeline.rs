//! A connector's record path without a worker: its key and value converters and its
//! transform chain, built from the connector config, run over records. What a worker
//! does to each record, and what a connector's own tests run in `cargo test`.

use crate::config::{ConfigReader, Properties};
use crate::convert::{Converter, converter};
use crate::error::Result;
use crate::record::ConnectRecord;
use crate::transforms::TransformChain;

/// The converter used when a config names none (Kafka Connect's worker default).
const DEFAULT_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

/// Bytes of a Kafka record: topic, key, value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaBytes {
    /// The topic.
    pub topic: String,
    /// The key bytes (`None`: no key).
    pub key: Option<Vec<u8>>,
    /// The value bytes (`None`: a tombstone).
    pub value: Option<Vec<u8>>,
}

/// The converters and transforms of one connector config.
///
/// ```
/// use connect_sdk::config::Properties;
/// use connect_sdk::data::Value;
/// use connect_sdk::pipeline::RecordPipeline;
/// use connect_sdk::record::ConnectRecord;
///
/// let config = Properties::from([
///     ("value.converter".into(), "org.apache.kafka.connect.json.JsonConverter".into()),
///     ("value.converter.schemas.enable".into(), "false".into()),
///     ("transforms".into(), "route".into()),
///     ("transforms.route.type".into(), "org.apache.kafka.connect.transforms.RegexRouter".into()),
///     ("transforms.route.regex".into(), "(.*)".into()),
///     ("transforms.route.replacement".into(), "copy-$1".into()),
/// ]);
/// let mut pipeline = RecordPipeline::from_properties(&config)?;
/// let out = pipeline.write(ConnectRecord::new("orders", None, Value::from("hi")))?.unwrap();
/// assert_eq!((out.topic.as_str(), out.value.as_deref()), ("copy-orders", Some(&b"\"hi\""[..])));
/// # Ok::<(), connect_sdk::Error>(())
/// ```
pub struct RecordPipeline {
    pub(crate) key_converter: Box<dyn Converter>,
    pub(crate) value_converter: Box<dyn Converter>,
    pub(crate) transforms: TransformChain,
}

impl std::fmt::Debug for RecordPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordPipeline")
            .field("transforms", &self.transforms)
            .finish_non_exhaustive()
    }
}

/// The `prefix` subset of `properties`, the prefix removed.
fn subset(properties: &Properties, prefix: &str) -> Properties {
    properties
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_owned(), v.clone())))
        .collect()
}

/// The config of the `part` (`key` or `value`) converter: its `part.converter.*` keys,
/// and `converter.type` saying which part it converts, as Kafka Connect gives it.
fn converter_config(properties: &Properties, part: &str) -> Properties {
    let mut config = subset(properties, &format!("{part}.converter."));
    config.insert("converter.type".to_owned(), part.to_owned());
    config
}

impl RecordPipeline {
    /// The pipeline of a connector config: `key.converter` and `value.converter` (the
    /// JSON converter when unset) configured by their `key.converter.*` and
    /// `value.converter.*` keys, and the chain `transforms` declares.
    pub fn from_properties(properties: &Properties) -> Result<Self> {
        let config = ConfigReader::new(properties);
        let key_class = config.string("key.converter").unwrap_or(DEFAULT_CONVERTER);
        let value_class = config.string("value.converter").unwrap_or(DEFAULT_CONVERTER);
        Ok(RecordPipeline {
            key_converter: converter(key_class, &converter_config(properties, "key"))?,
            value_converter: converter(value_class, &converter_config(properties, "value"))?,
            transforms: TransformChain::from_properties(properties)?,
        })
    }

    /// The source direction: a record a source task made, transformed and converted to
    /// the bytes written to Kafka; `None` when a transform dropped it.
    pub fn write(&mut self, record: ConnectRecord) -> Result<Option<KafkaBytes>> {
        let Some(record) = self.transforms.apply(record)? else {
            return Ok(None);
        };
        let key = self
            .key_converter
            .encode(&record.topic, record.key_schema.as_ref(), &record.key)?;
        let value =
            self.value_converter
                .encode(&record.topic, record.value_schema.as_ref(), &record.value)?;
        Ok(Some(KafkaBytes {
            topic: record.topic,
            key,
            value,
        }))
    }

    /// The sink direction: the bytes of a Kafka record, converted and transformed into
    /// the record a sink task is given; `None` when a transform dropped it.
    pub fn read(&mut self, bytes: &KafkaBytes) -> Result<Option<ConnectRecord>> {
        let (key_schema, key) = self.key_converter.decode(&bytes.topic, bytes.key.as_deref())?;
        let (value_schema, value) = self
            .value_converter
            .decode(&bytes.topic, bytes.value.as_deref())?;
        let record = ConnectRecord::new(bytes.topic.clone(), value_schema, value).with_key(key_schema, key);
        self.transforms.apply(record)
    }
}
