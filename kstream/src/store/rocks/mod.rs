//! The RocksDB backend (feature `rocksdb`): one database per store per task, under
//! `state.dir/<application.id>/<task>/rocksdb/<store>`; a window or session store has
//! one per time segment.

use std::ops::Bound;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use parking_lot::Mutex;
use rocksdb::{DB, Direction, IteratorMode, Options, ReadOptions, WriteBatch, WriteOptions};

use super::backend::KeyValueBackend;
use super::error::StoreError;

mod bulk;
mod segments;
use crate::error::{Error, Result};
use bulk::BulkRun;
pub(crate) use segments::RocksSegments;

/// A state store backend on RocksDB.
pub struct RocksDbBackend {
    name: String,
    db: DB,
    /// Writes skip RocksDB's WAL: the changelog topic is the store's log, as in Kafka
    /// Streams, and a flush at each commit makes the data durable.
    write: WriteOptions,
    /// The options of every point lookup, made once.
    read: ReadOptions,
    /// The options the database was opened with, for the table files of a bulk load.
    options: Options,
    /// Where a bulk load's table file is written before the database ingests it.
    bulk_file: PathBuf,
    /// While a restore loads the store in bulk, the writes not yet ingested. A read
    /// ingests them first (reads take `&self`, hence the lock); outside a bulk load
    /// there is nothing to lock.
    bulk: Option<Mutex<BulkRun>>,
    /// How many bytes of writes a bulk load gathers before it writes a table file.
    bulk_run_bytes: usize,
}

impl std::fmt::Debug for RocksDbBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksDbBackend")
            .field("name", &self.name)
            .finish()
    }
}

impl RocksDbBackend {
    /// Opens (or creates) the database of store `name` at `path`.
    pub fn open(name: &str, path: &Path) -> Result<Self> {
        let failed = |source| Error::Store {
            store: name.to_owned(),
            source,
        };
        std::fs::create_dir_all(path).map_err(|source| {
            failed(StoreError::Io {
                operation: "create",
                path: path.to_owned(),
                source,
            })
        })?;
        let mut options = Options::default();
        options.create_if_missing(true);
        options.set_compression_type(rocksdb::DBCompressionType::Lz4);
        options.set_write_buffer_size(WRITE_BUFFER_BYTES);
        // A bloom filter per file: a lookup of a key the store does not hold (a new
        // window, a new key) reads no data block, as with Kafka Streams' RocksDB
        // configuration.
        let mut table = rocksdb::BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        table.set_cache_index_and_filter_blocks(true);
        options.set_block_based_table_factory(&table);
        // And one over the memtable: a window's first update looks for a key that is
        // not there, most often while the memtable holds the newest writes. At 2 % of
        // the write buffer (640 KiB, about 13 bits a key for a full memtable) it stays
        // in the CPU's cache; at 10 % each lookup missed it.
        options.set_memtable_whole_key_filtering(true);
        options.set_memtable_prefix_bloom_ratio(0.02);
        let db = DB::open(&options, path).map_err(|e| {
            failed(StoreError::Open {
                path: path.to_owned(),
                source: Box::new(e),
            })
        })?;
        let mut write = WriteOptions::default();
        write.disable_wal(true);
        Ok(Self {
            name: name.to_owned(),
            db,
            write,
            read: ReadOptions::default(),
            options,
            // Not a name RocksDB gives its own files: it leaves the file alone.
            bulk_file: path.join("bulk-load.sst"),
            bulk: None,
            bulk_run_bytes: BULK_RUN_BYTES,
        })
    }

    /// Has the database ingest the writes a bulk load gathered, if any.
    fn ingest_bulk(&self) -> Result<()> {
        let Some(bulk) = &self.bulk else {
            return Ok(());
        };
        bulk.lock()
            .ingest(&self.db, &self.options, &self.bulk_file)
            .map_err(self.fail("ingest a bulk load's table file"))
    }

    /// Gathers `writes` when a bulk load is under way, writing a table file each time
    /// enough are gathered (so a run never holds more than that and one write); says
    /// whether it did.
    fn gather(&mut self, writes: &[(&[u8], Option<&[u8]>)]) -> Result<bool> {
        if self.bulk.is_none() {
            return Ok(false);
        }
        for (key, value) in writes {
            let run = self.bulk.as_mut().map(Mutex::get_mut).expect("checked above");
            run.push(key, *value);
            if run.len_bytes() >= self.bulk_run_bytes {
                self.ingest_bulk()?;
            }
        }
        Ok(true)
    }

    /// The error of `operation` failing with RocksDB's error `e`.
    fn fail(&self, operation: &'static str) -> impl FnOnce(rocksdb::Error) -> Error + '_ {
        move |e| Error::Store {
            store: self.name.clone(),
            source: StoreError::Engine {
                operation,
                source: Box::new(e),
            },
        }
    }
}

/// The memtable's size.
const WRITE_BUFFER_BYTES: usize = 32 << 20;

/// How many bytes of keys and values a bulk load gathers before it writes a table
/// file: the memory of each store being restored. Files written as the restore goes
/// leave less to write once the fetch ends: a million-record restore from the broker
/// read 1.05 to 1.11 M/s with 4 MiB, 1.05 to 1.10 with 2 MiB and 0.98 to 1.05 with
/// 8 MiB (one file per store at its end), runs interleaved.
const BULK_RUN_BYTES: usize = 4 << 20;

impl KeyValueBackend for RocksDbBackend {
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        self.ingest_bulk()?;
        self.db
            .get_pinned_opt(key, &self.read)
            .map(|v| v.map(|v| Bytes::copy_from_slice(&v)))
            .map_err(self.fail("get"))
    }
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        if self.gather(&[(key, Some(value))])? {
            return Ok(());
        }
        self.db.put_opt(key, value, &self.write).map_err(self.fail("put"))
    }
    fn delete(&mut self, key: &[u8]) -> Result<()> {
        if self.gather(&[(key, None)])? {
            return Ok(());
        }
        self.db.delete_opt(key, &self.write).map_err(self.fail("delete"))
    }
    fn write_all(&mut self, writes: &[(&[u8], Option<&[u8]>)]) -> Result<()> {
        if self.gather(writes)? {
            return Ok(());
        }
        let mut batch = WriteBatch::default();
        for (key, value) in writes {
            match value {
                Some(v) => batch.put(key, v),
                None => batch.delete(key),
            }
        }
        self.db
            .write_opt(batch, &self.write)
            .map_err(self.fail("write a batch"))
    }
    fn range(&self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> Result<Vec<(Bytes, Bytes)>> {
        let mode = match from {
            Bound::Unbounded => IteratorMode::Start,
            Bound::Included(k) | Bound::Excluded(k) => IteratorMode::From(k, Direction::Forward),
        };
        self.ingest_bulk()?;
        let mut out = Vec::new();
        for item in self.db.iterator(mode) {
            let (k, v) = item.map_err(self.fail("iterate"))?;
            if matches!(from, Bound::Excluded(f) if *k == *f) {
                continue;
            }
            let past = match to {
                Bound::Unbounded => false,
                Bound::Included(t) => &*k > t,
                Bound::Excluded(t) => &*k >= t,
            };
            if past {
                break;
            }
            out.push((Bytes::copy_from_slice(&k), Bytes::copy_from_slice(&v)));
        }
        Ok(out)
    }
    fn approximate_len(&self) -> u64 {
        // Gathered writes count as keys: an estimate, as RocksDB's is.
        let gathered = self.bulk.as_ref().map_or(0, |run| run.lock().len() as u64);
        let stored = self
            .db
            .property_int_value("rocksdb.estimate-num-keys")
            .ok()
            .flatten()
            .unwrap_or(0);
        gathered + stored
    }
    fn flush(&mut self) -> Result<()> {
        self.ingest_bulk()?;
        self.db.flush().map_err(self.fail("flush"))
    }
    fn bulk_loading(&mut self, on: bool) -> Result<()> {
        if on {
            self.bulk.get_or_insert_with(Mutex::default);
            return Ok(());
        }
        self.ingest_bulk()?;
        self.bulk = None;
        Ok(())
    }
    fn persistent(&self) -> bool {
        true
    }
}
