//! A store's writes while it is restored in bulk: gathered in memory, then sorted by
//! key and written as a table file that RocksDB ingests. This skips the memtable (an
//! insert into its skiplist cost most of a restore's CPU) and its flush; a file that
//! overlaps no other goes straight to the last level.

use std::path::Path;

use rocksdb::{DB, IngestExternalFileOptions, Options, SstFileWriter};

/// One gathered write: where its key and value are in the run's bytes.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The key's first 8 bytes (zeros past its end), big-endian: most comparisons of
    /// the sort end here, without reading the key.
    prefix: u64,
    key_at: u32,
    key_len: u32,
    value_at: u32,
    /// `DELETED` for a delete.
    value_len: u32,
}

const DELETED: u32 = u32::MAX;

/// Writes gathered in the order they came; the last write of a key wins.
#[derive(Debug, Default)]
pub(super) struct BulkRun {
    bytes: Vec<u8>,
    entries: Vec<Entry>,
}

impl BulkRun {
    /// Adds a write (`None` deletes).
    pub(super) fn push(&mut self, key: &[u8], value: Option<&[u8]>) {
        let key_at = self.bytes.len() as u32;
        self.bytes.extend_from_slice(key);
        let value_at = self.bytes.len() as u32;
        let value_len = match value {
            Some(v) => {
                self.bytes.extend_from_slice(v);
                v.len() as u32
            }
            None => DELETED,
        };
        let mut head = [0u8; 8];
        let n = key.len().min(8);
        head[..n].copy_from_slice(&key[..n]);
        self.entries.push(Entry {
            prefix: u64::from_be_bytes(head),
            key_at,
            key_len: key.len() as u32,
            value_at,
            value_len,
        });
    }

    /// How many bytes of keys and values it holds.
    pub(super) fn len_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// How many writes it holds.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    fn key(&self, e: &Entry) -> &[u8] {
        &self.bytes[e.key_at as usize..(e.key_at + e.key_len) as usize]
    }

    fn value(&self, e: &Entry) -> Option<&[u8]> {
        (e.value_len != DELETED)
            .then(|| &self.bytes[e.value_at as usize..(e.value_at + e.value_len) as usize])
    }

    /// The last write of each key, in key order.
    fn last_writes(&mut self) -> Vec<Entry> {
        let mut entries = std::mem::take(&mut self.entries);
        // A stable sort: of two writes of one key, the later stays after.
        entries.sort_by(|a, b| a.prefix.cmp(&b.prefix).then_with(|| self.key(a).cmp(self.key(b))));
        // Of each key's writes, the first place keeps the last one.
        entries.dedup_by(|later, kept| {
            let same = self.key(later) == self.key(kept);
            if same {
                *kept = *later;
            }
            same
        });
        entries
    }

    /// Writes the last write of each key to a table file at `path`, made with the
    /// store's `options`, and has `db` ingest it (the file moves into the database).
    /// The run is empty afterwards.
    pub(super) fn ingest(&mut self, db: &DB, options: &Options, path: &Path) -> Result<(), rocksdb::Error> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let writes = self.last_writes();
        // A file left by a crash between writing and ingesting is not the database's.
        let _ = std::fs::remove_file(path);
        let mut writer = SstFileWriter::create(options);
        writer.open(path)?;
        for e in &writes {
            match self.value(e) {
                Some(value) => writer.put(self.key(e), value)?,
                None => writer.delete(self.key(e))?,
            }
        }
        writer.finish()?;
        drop(writer);
        self.bytes.clear();
        let mut ingest = IngestExternalFileOptions::default();
        ingest.set_move_files(true);
        db.ingest_external_file_opts(&ingest, vec![path])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use std::ops::Bound;

    use proptest::prelude::*;

    use super::*;
    use crate::store::KeyValueBackend;
    use crate::store::rocks::RocksDbBackend;

    /// What a test does to a store.
    #[derive(Debug, Clone)]
    enum Op {
        Write(Vec<(Vec<u8>, Option<Vec<u8>>)>),
        Get(Vec<u8>),
        Range,
        Flush,
        Bulk(bool),
    }

    /// Every entry of `store`, in key order.
    fn everything(store: &RocksDbBackend) -> Vec<(Vec<u8>, Vec<u8>)> {
        store
            .range(Bound::Unbounded, Bound::Unbounded)
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect()
    }

    fn key() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(0u8..3, 1..4)
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => proptest::collection::vec(
                (key(), proptest::option::of(proptest::collection::vec(any::<u8>(), 0..5))),
                1..12,
            )
            .prop_map(Op::Write),
            2 => key().prop_map(Op::Get),
            1 => Just(Op::Range),
            1 => Just(Op::Flush),
            1 => any::<bool>().prop_map(Op::Bulk),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// A RocksDB store reads as a map whatever the bulk loads in between: runs of
        /// a few bytes each make many table files, one over the other.
        #[test]
        fn a_store_loaded_in_bulk_reads_as_a_map(ops in proptest::collection::vec(op(), 1..40)) {
            let dir = tempfile::tempdir().unwrap();
            let mut store = RocksDbBackend::open("bulk", dir.path()).unwrap();
            store.bulk_run_bytes = 24;
            store.bulk_loading(true).unwrap();
            let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Write(writes) => {
                        let borrowed: Vec<(&[u8], Option<&[u8]>)> =
                            writes.iter().map(|(k, v)| (&k[..], v.as_deref())).collect();
                        store.write_all(&borrowed).unwrap();
                        for (k, v) in writes {
                            match v {
                                Some(v) => model.insert(k, v),
                                None => model.remove(&k),
                            };
                        }
                    }
                    Op::Get(k) => {
                        let read = store.get(&k).unwrap();
                        prop_assert_eq!(read.as_deref(), model.get(&k).map(Vec::as_slice));
                    }
                    Op::Range => {
                        prop_assert_eq!(everything(&store), model.clone().into_iter().collect::<Vec<_>>());
                    }
                    Op::Flush => store.flush().unwrap(),
                    Op::Bulk(on) => store.bulk_loading(on).unwrap(),
                }
            }
            store.bulk_loading(false).unwrap();
            store.flush().unwrap();
            drop(store);
            let store = RocksDbBackend::open("bulk", dir.path()).unwrap();
            prop_assert_eq!(everything(&store), model.into_iter().collect::<Vec<_>>(), "after reopening");
        }

        /// The writes a run keeps are a map's: the last of each key, in key order.
        #[test]
        fn a_run_keeps_the_last_write_of_each_key_in_key_order(
            writes in proptest::collection::vec(
                (proptest::collection::vec(0u8..4, 0..4), proptest::option::of(proptest::collection::vec(any::<u8>(), 0..6))),
                0..200,
            )
        ) {
            let mut run = BulkRun::default();
            let mut model: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
            for (key, value) in &writes {
                run.push(key, value.as_deref());
                model.insert(key.clone(), value.clone());
            }
            prop_assert_eq!(run.len(), writes.len());
            let kept: Vec<(Vec<u8>, Option<Vec<u8>>)> = run
                .last_writes()
                .iter()
                .map(|e| (run.key(e).to_vec(), run.value(e).map(<[u8]>::to_vec)))
                .collect();
            prop_assert_eq!(kept, model.into_iter().collect::<Vec<_>>());
        }
    }
}
