//! The bytes of a record on its way to the assembler: through the repartition topic
//! that brings every input to one task, and in the store of held records.

use bytes::{BufMut, Bytes, BytesMut};

use super::CdcRecord;
use crate::serdes::{Serde, SerdeError, SerdeResult};

/// A record read from one of the inputs, and whether it came from the transaction
/// metadata topic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CdcInput {
    pub(crate) metadata: bool,
    pub(crate) record: CdcRecord,
}

/// [`CdcInput`] as bytes: a version byte, the metadata flag, partition, offset,
/// timestamp, then the topic, the key and the value, each length-prefixed (the key and
/// the value after a presence byte).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CdcInputSerde;

const VERSION: u8 = 1;

impl Serde<CdcInput> for CdcInputSerde {
    fn serialize(&self, _: &str, input: &CdcInput) -> SerdeResult<Option<Bytes>> {
        let r = &input.record;
        let size =
            30 + r.topic.len() + r.key.as_ref().map_or(0, Vec::len) + r.value.as_ref().map_or(0, Vec::len);
        let mut out = BytesMut::with_capacity(size);
        out.put_u8(VERSION);
        out.put_u8(u8::from(input.metadata));
        out.put_i32(r.partition);
        out.put_i64(r.offset);
        out.put_i64(r.timestamp);
        put_bytes(&mut out, Some(r.topic.as_bytes()))?;
        put_bytes(&mut out, r.key.as_deref())?;
        put_bytes(&mut out, r.value.as_deref())?;
        Ok(Some(out.freeze()))
    }

    fn deserialize(&self, _: &str, data: Option<&[u8]>) -> SerdeResult<CdcInput> {
        let mut r =
            Reader(data.ok_or_else(|| SerdeError::bad_data("null where a CDC input record was expected"))?);
        let version = r.take(1)?[0];
        if version != VERSION {
            return Err(SerdeError::bad_data(format!(
                "CDC input record of version {version}, expected {VERSION}"
            )));
        }
        let metadata = r.take(1)?[0] != 0;
        let partition = i32::from_be_bytes(r.array()?);
        let offset = i64::from_be_bytes(r.array()?);
        let timestamp = i64::from_be_bytes(r.array()?);
        let topic = r
            .bytes()?
            .ok_or_else(|| SerdeError::bad_data("CDC input record without topic"))?;
        let topic = String::from_utf8(topic)
            .map_err(|e| SerdeError::bad_data("CDC input record's topic is not UTF-8").with_source(e))?;
        let key = r.bytes()?;
        let value = r.bytes()?;
        if !r.0.is_empty() {
            return Err(SerdeError::bad_data(format!(
                "{} bytes after a CDC input record",
                r.0.len()
            )));
        }
        Ok(CdcInput {
            metadata,
            record: CdcRecord {
                topic,
                partition,
                offset,
                timestamp,
                key,
                value,
            },
        })
    }
}

fn put_bytes(out: &mut BytesMut, bytes: Option<&[u8]>) -> SerdeResult<()> {
    match bytes {
        None => out.put_u8(0),
        Some(b) => {
            let len = u32::try_from(b.len())
                .map_err(|_| SerdeError::bad_data(format!("a part of {} bytes is too long", b.len())))?;
            out.put_u8(1);
            out.put_u32(len);
            out.put_slice(b);
        }
    }
    Ok(())
}

/// Reads the parts of an encoded record, refusing what is cut short.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> SerdeResult<&[u8]> {
        if self.0.len() < n {
            return Err(SerdeError::bad_data(format!(
                "a CDC input record cut short: {n} bytes wanted, {} left",
                self.0.len()
            )));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> SerdeResult<[u8; N]> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn bytes(&mut self) -> SerdeResult<Option<Vec<u8>>> {
        match self.take(1)?[0] {
            0 => Ok(None),
            _ => {
                let len = u32::from_be_bytes(self.array()?) as usize;
                Ok(Some(self.take(len)?.to_vec()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_round_trip_and_cut_bytes_are_refused() {
        let input = CdcInput {
            metadata: true,
            record: CdcRecord {
                topic: "shop.transaction".into(),
                partition: 2,
                offset: 77,
                timestamp: -1,
                key: None,
                value: Some(b"{\"status\":\"BEGIN\"}".to_vec()),
            },
        };
        let bytes = CdcInputSerde.serialize("t", &input).unwrap().unwrap();
        assert_eq!(CdcInputSerde.deserialize("t", Some(&bytes)).unwrap(), input);
        for cut in 0..bytes.len() {
            assert!(
                CdcInputSerde.deserialize("t", Some(&bytes[..cut])).is_err(),
                "{cut}"
            );
        }
        // Version 1, as written to repartition topics and stores: kept readable.
        let v1: Vec<u8> = [
            &[1, 1][..],
            &2_i32.to_be_bytes(),
            &77_i64.to_be_bytes(),
            &(-1_i64).to_be_bytes(),
            &[1, 0, 0, 0, 16],
            b"shop.transaction",
            &[0, 1, 0, 0, 0, 18],
            b"{\"status\":\"BEGIN\"}",
        ]
        .concat();
        assert_eq!(bytes.to_vec(), v1);
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(CdcInputSerde.deserialize("t", Some(&longer)).is_err());
    }
}
