//! Source connectors and tasks: records read from a system, each with the source
//! partition and offset it came from, which the worker stores and gives back at start.

use super::Connector;
use crate::config::Properties;
use crate::data::Value;
use crate::error::Result;
use crate::record::SourceRecord;

/// Reads back the last committed source offsets at start.
pub trait OffsetReader {
    /// The offset last committed for `partition` (a map of string keys, as the
    /// connector names its partitions), if any.
    fn offset(&self, partition: &Value) -> Result<Option<Value>>;
}

/// A source connector (Kafka's `SourceConnector`): splits the work into task configs.
pub trait SourceConnector: Connector {
    /// A new task of this connector, to be started with one of its task configs.
    fn create_task(&self) -> Box<dyn SourceTask>;

    /// Checks offsets a user is about to set (`PATCH /connectors/{name}/offsets`, Kafka's
    /// `SourceConnector.alterOffsets`): each source partition with its new offset
    /// (`None`: removed). An error refuses them all. By default any are taken.
    fn alter_offsets(&self, config: &Properties, offsets: &[(Value, Option<Value>)]) -> Result<()> {
        let _ = (config, offsets);
        Ok(())
    }
}

/// A source task (Kafka's `SourceTask`): polls records from its system.
pub trait SourceTask: Send {
    /// Starts with its config, resuming from the offsets `offsets` reads back.
    fn start(&mut self, config: &Properties, offsets: &dyn OffsetReader) -> Result<()>;

    /// The records available now, waiting briefly when there are none (an empty batch
    /// is fine: the worker polls again). A retriable error
    /// ([`Error::retriable`](crate::Error::retriable)) is retried by the worker.
    fn poll(&mut self) -> Result<Vec<SourceRecord>>;

    /// The records polled so far were written and their offsets committed.
    fn commit(&mut self) -> Result<()> {
        Ok(())
    }

    /// `record` was written to Kafka (or dropped by a transform).
    fn commit_record(&mut self, record: &SourceRecord) -> Result<()> {
        let _ = record;
        Ok(())
    }

    /// Stops; no more polls follow.
    fn stop(&mut self) -> Result<()>;
}
