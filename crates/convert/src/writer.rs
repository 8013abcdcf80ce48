//! Hive-partitioned Parquet output (schema.md §6): one open file per `(family, event_date)`
//! partition, rows in input order, written under a temporary name and renamed when complete.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampMicrosecondType};
use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_ipc::writer::StreamWriter as IpcWriter;
use arrow_select::filter::filter_record_batch;
use azlog_schema::time::civil_from_days;
use azlog_schema::{COLUMNS, SCHEMA_NAME, SCHEMA_VERSION, col, schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression as PqCompression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnDescPtr, ColumnPath};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::ConvertError;
use crate::detect::{path_date, path_hour};
use crate::dictcol::DictChunk;
use crate::intcol::IntChunk;
use crate::options::{Compression, ConvertOptions, OutputFormat, PartitionMode};
use crate::plaincol::PlainChunk;
use crate::writeback::Writeback;

/// The default zstd level: 1, not the 3 that schema.md §6 started from.
///
/// Measured on a generated 300 MB Storage Analytics corpus (`azlog-gen --seed 1`, 470 958
/// rows, one thread, median of 3): level 3 wrote 65.83 MB in 4.18 s of CPU, level 1 wrote
/// 66.10 MB (+0.41 %) in 3.38 s (−19 % for the whole conversion; zstd's block compressor was
/// the largest single item of the profile at level 3). The issue's own measurements agree:
/// level 3 was 8–41 % slower for files 0.6–2.3 % smaller. `--zstd-level` still picks any level.
pub const DEFAULT_ZSTD_LEVEL: i32 = 1;

/// Columns whose values are nearly unique: dictionary encoding would only burn CPU (§6.4).
/// `source_offset` is unique within a file by construction; with a dictionary, arrow-rs filled
/// one of 1 MiB per row group before falling back (NSG: −0.8 % instructions, −1.6 % bytes
/// without it; storage −0.8 % bytes). The request and record ids are nearly unique too (storage:
/// one per line), and byte counts and `item_index` came out smaller PLAIN in every family
/// (docs/decisions.md has the measurements).
const NO_DICTIONARY: [&str; 11] = [
    "extra",
    "raw",
    "json_path",
    "url",
    "source_offset",
    "correlation_id",
    "client_request_id",
    "record_uid",
    "src_bytes",
    "dst_bytes",
    "item_index",
];
/// Point-lookup columns that get bloom filters (§6.5).
const BLOOM: [&str; 6] = [
    "src_ip",
    "dst_ip",
    "user_name",
    "user_id",
    "correlation_id",
    "target_object",
];

/// The partition a row belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PartitionKey {
    mode: PartitionMode,
    family: String,
    date: Option<(i64, u32, u32)>,
    hour: Option<u32>,
}

/// Hive's name for the partition of rows that have no value for the key.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

impl PartitionKey {
    /// The partition's directory below the dataset root (`""` for no partitioning).
    fn dir(&self) -> String {
        let date = match self.date {
            Some((y, m, d)) => format!("{y:04}-{m:02}-{d:02}"),
            None => HIVE_NULL.to_string(),
        };
        let hour = self
            .hour
            .map_or(HIVE_NULL.to_string(), |h| format!("{h:02}"));
        match self.mode {
            PartitionMode::FamilyDate => format!("family={}/event_date={date}", self.family),
            PartitionMode::FamilyDateHour => {
                format!("family={}/event_date={date}/event_hour={hour}", self.family)
            }
            PartitionMode::Family => format!("family={}", self.family),
            PartitionMode::None => String::new(),
        }
    }

    /// What `azlog.partition` says.
    fn label(&self) -> String {
        match self.mode {
            PartitionMode::None => "none".to_string(),
            _ => self.dir(),
        }
    }
}

/// A finished output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output directory, `/`-separated.
    pub path: String,
    /// Rows in the file.
    pub rows: u64,
}

/// A Parquet file written column-parallel: the same calls `ArrowWriter` makes (same column
/// writers, same row-group cuts, chunks appended in column order), but the columns of every
/// batch are encoded, and the column chunks of every row group closed, on the rayon threads of
/// the caller's pool. The `Dictionary(Int32, Utf8)` columns are encoded by [`DictChunk`]
/// from the Arrow dictionary instead (`dictcol.rs` says why and what differs), and the
/// other text and the integer columns by [`PlainChunk`] and [`IntChunk`]. Each column
/// chunk's bytes depend only on its own values, so the file is the same whatever the thread
/// count.
///
/// Why: encoding + compression was 66–81 % of a conversion and ran on one thread.
struct ParquetSink {
    file: SerializedFileWriter<BufWriter<File>>,
    factory: ArrowRowGroupWriterFactory,
    schema: arrow_schema::SchemaRef,
    max_rows: usize,
    /// The open row group is closed once its encoded pages and buffers reach this many bytes
    /// (schema.md 6.2: about 128 MiB), so wide rows do not hold a million rows in memory. The
    /// size depends only on the data, so the cut is the same for every thread count.
    max_bytes: usize,
    /// Per leaf column: who encodes its chunks (see [`Lane`]).
    lanes: Vec<Lane>,
    /// Per leaf column: the NDV and false-positive rate of its bloom filter (used by the
    /// [`Lane::Bloom`] and [`Lane::PlainBloom`] columns).
    blooms: Vec<(u64, f64)>,
    /// The Parquet column of every leaf.
    descrs: Vec<ColumnDescPtr>,
    /// The open row group: one writer per leaf column, where each column's data goes (the
    /// arrow-rs writer or a [`DictChunk`]), and its rows so far.
    open: Option<(Vec<ArrowColumnWriter>, Vec<Slot>, usize)>,
    /// Encoded bytes of the open row group after the last write (its data; `memory_size`
    /// also counts fixed costs such as bloom filters sized for a full row group).
    buffered: usize,
}

type PqResult<T> = Result<T, parquet::errors::ParquetError>;

impl ParquetSink {
    fn new(out: BufWriter<File>, props: WriterProperties, max_bytes: usize) -> PqResult<Self> {
        let max_rows = props.max_row_group_row_count().unwrap_or(usize::MAX).max(1);
        debug_assert!(props.max_row_group_bytes().is_none());
        // `ArrowWriter` builds the file writer exactly as it would for itself (Parquet schema,
        // the encoded Arrow schema in the footer); we then drive the column writers ourselves.
        let lanes = lanes(&props);
        let blooms = schema()
            .fields()
            .iter()
            .map(|f| {
                props
                    .bloom_filter_properties(&ColumnPath::from(f.name().as_str()))
                    .map_or((0, 1.0), |b| (b.ndv(), b.fpp()))
            })
            .collect();
        let (file, factory) =
            ArrowWriter::try_new(out, schema(), Some(props))?.into_serialized_writer()?;
        let descrs = (0..file.schema_descr().num_columns())
            .map(|i| file.schema_descr().column(i))
            .collect();
        Ok(Self {
            file,
            factory,
            schema: schema(),
            lanes,
            blooms,
            descrs,
            max_rows,
            max_bytes: max_bytes.max(1),
            open: None,
            buffered: 0,
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> PqResult<()> {
        let mut remaining = batch.clone();
        while remaining.num_rows() > 0 {
            if self.open.is_none() {
                let writers = self
                    .factory
                    .create_column_writers(self.file.flushed_row_groups().len())?;
                let slots = (0..writers.len())
                    .map(|i| {
                        Ok(match (self.lanes.get(i), self.descrs.get(i)) {
                            (Some(Lane::Dict(level)), Some(d)) => {
                                Slot::Dict(Box::new(DictChunk::new(d.clone(), *level)))
                            }
                            (Some(Lane::Runs(level)), Some(_)) => Slot::Undecided(*level),
                            (Some(Lane::Plain(level)), Some(d)) => {
                                Slot::Plain(Box::new(PlainChunk::new(d.clone(), *level)))
                            }
                            (Some(Lane::Bloom(level)), Some(_)) => {
                                let (ndv, fpp) = self.blooms[i];
                                Slot::UndecidedBloom(*level, ndv, fpp)
                            }
                            (Some(Lane::Int(level, limit)), Some(d)) => {
                                Slot::Int(Box::new(IntChunk::new(d.clone(), *level, *limit)?))
                            }
                            (Some(Lane::PlainBloom(level)), Some(d)) => {
                                let (ndv, fpp) = self.blooms[i];
                                let chunk = PlainChunk::new(d.clone(), *level);
                                Slot::Plain(Box::new(chunk.with_bloom(ndv, fpp)?))
                            }
                            _ => Slot::Arrow,
                        })
                    })
                    .collect::<PqResult<_>>()?;
                self.open = Some((writers, slots, 0));
            }
            let Some((writers, dicts, rows)) = self.open.as_mut() else {
                unreachable!("row group opened above")
            };
            let room = self.max_rows - *rows;
            let take = remaining.num_rows().min(room);
            let part = remaining.slice(0, take);
            remaining = remaining.slice(take, remaining.num_rows() - take);
            encode(&self.schema, &self.descrs, writers, dicts, &part)?;
            *rows += take;
            let in_dicts: usize = dicts.iter().map(Slot::memory_size).sum();
            // A dictionary past arrow-rs's fallback size ends the row group (see `dictcol.rs`).
            let full = dicts.iter().any(Slot::dictionary_full);
            // An idle arrow-rs writer beside a `PlainChunk` with a bloom filter still holds a
            // filter of its own: the chunk counts the one that is filled.
            let bytes = in_dicts
                + writers
                    .iter()
                    .zip(dicts.iter())
                    .filter(|(_, d)| !matches!(d, Slot::Plain(p) if p.has_bloom()))
                    .map(|(w, _)| w.memory_size())
                    .sum::<usize>();
            self.buffered = in_dicts
                + writers
                    .iter()
                    .map(ArrowColumnWriter::get_estimated_total_bytes)
                    .sum::<usize>();
            if *rows >= self.max_rows || bytes >= self.max_bytes || full {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Closes the open row group: the column chunks are finished in parallel, then appended in
    /// column order.
    fn flush(&mut self) -> PqResult<()> {
        let Some((writers, dicts, _)) = self.open.take() else {
            return Ok(());
        };
        self.buffered = 0;
        let chunks: Vec<_> = writers
            .into_par_iter()
            .zip(dicts)
            .with_max_len(1)
            .map(|(w, d)| match d {
                // The arrow-rs writer of a dictionary-encoded column saw no data: dropped.
                Slot::Dict(d) => d.close().map(|(b, c)| Chunk::Ours((b.into(), c))),
                Slot::Plain(p) => p.close().map(Chunk::Ours),
                Slot::Int(c) => c.close().map(|(b, c)| Chunk::Ours((b.into(), c))),
                Slot::Arrow | Slot::Undecided(_) | Slot::UndecidedBloom(..) => {
                    w.close().map(Chunk::Arrow)
                }
            })
            .collect::<PqResult<_>>()?;
        let mut rg = self.file.next_row_group()?;
        for c in chunks {
            match c {
                Chunk::Arrow(c) => c.append_to_row_group(&mut rg)?,
                Chunk::Ours((pages, close)) => rg.append_column(&pages, close)?,
            }
        }
        rg.close()?;
        Ok(())
    }

    fn size(&self) -> usize {
        self.file.bytes_written()
            + self.open.as_ref().map_or(0, |(w, d, _)| {
                d.iter().map(Slot::memory_size).sum::<usize>()
                    + w.iter()
                        .map(ArrowColumnWriter::get_estimated_total_bytes)
                        .sum::<usize>()
            })
    }

    fn into_inner(mut self) -> PqResult<BufWriter<File>> {
        self.flush()?;
        self.file.into_inner()
    }
}

/// A closed column chunk: from arrow-rs, or from a [`DictChunk`] or a [`PlainChunk`].
enum Chunk {
    Arrow(parquet::arrow::arrow_writer::ArrowColumnChunk),
    Ours(
        (
            crate::plaincol::Pieces,
            parquet::column::writer::ColumnCloseResult,
        ),
    ),
}

/// Who encodes a leaf column's chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// arrow-rs's column writer.
    Arrow,
    /// A [`DictChunk`], from the Arrow dictionary, compressed with zstd at this level.
    Dict(i32),
    /// A `Utf8` column that gets a [`DictChunk`] for a row group whose first batch is
    /// [`repetitive`](crate::dictcol::repetitive), a [`PlainChunk`] otherwise.
    Runs(i32),
    /// A [`PlainChunk`]: a `Utf8` column without dictionary encoding.
    Plain(i32),
    /// A `Utf8` column with a bloom filter and dictionary encoding on: a row group whose first
    /// batch is [`high_cardinality`] gets a [`PlainChunk`] with the filter, any other is
    /// arrow-rs's (so its dictionary, and no filter when the chunk stays dictionary-encoded).
    Bloom(i32),
    /// A `Utf8` column with a bloom filter and dictionary encoding off: a [`PlainChunk`]
    /// with the filter.
    PlainBloom(i32),
    /// An integer or timestamp column: an [`IntChunk`] at this level, with a dictionary of
    /// up to this many bytes (0: dictionary encoding off).
    Int(i32, usize),
}

/// Where a leaf column's data goes in the open row group.
enum Slot {
    Arrow,
    Dict(Box<DictChunk>),
    Plain(Box<PlainChunk>),
    Int(Box<IntChunk>),
    /// A [`Lane::Runs`] column before its first batch.
    Undecided(i32),
    /// A [`Lane::Bloom`] column before its first batch: level, and the filter's NDV and
    /// false-positive rate.
    UndecidedBloom(i32, u64, f64),
}

impl Slot {
    /// Bytes held by our own encoder (the arrow-rs writers count theirs).
    fn memory_size(&self) -> usize {
        match self {
            Slot::Dict(d) => d.memory_size(),
            Slot::Plain(p) => p.memory_size(),
            Slot::Int(c) => c.memory_size(),
            Slot::Arrow | Slot::Undecided(_) | Slot::UndecidedBloom(..) => 0,
        }
    }

    fn dictionary_full(&self) -> bool {
        matches!(self, Slot::Dict(d) if d.dictionary_full())
    }
}

/// `Utf8` columns that may repeat from row to row: a flow log's `extra` holds its record's
/// fields on every tuple.
const RUNS: [&str; 1] = ["extra"];

/// Who encodes each leaf column. [`DictChunk`] takes the `Dictionary(Int32, Utf8)` fields of
/// the unified schema whose chunks arrow-rs would dictionary-encode, and the [`RUNS`] columns
/// while they repeat; [`PlainChunk`] takes the other `Utf8` columns without dictionary
/// encoding, and a `Utf8` column with a bloom filter in a row group where it hardly repeats
/// ([`Lane::Bloom`], [`Lane::PlainBloom`]); [`IntChunk`] takes the integer and timestamp
/// columns. All only for a column with page statistics and zstd compression; everything else
/// (Snappy output, the list and binary columns) stays with arrow-rs.
fn lanes(props: &WriterProperties) -> Vec<Lane> {
    schema()
        .fields()
        .iter()
        .map(|f| {
            let path = ColumnPath::from(f.name().as_str());
            let dict_utf8 = matches!(f.data_type(), arrow_schema::DataType::Dictionary(k, v)
                if **k == arrow_schema::DataType::Int32 && **v == arrow_schema::DataType::Utf8);
            let utf8 = *f.data_type() == arrow_schema::DataType::Utf8;
            let runs = RUNS.contains(&f.name().as_str()) && utf8;
            let int = matches!(
                f.data_type(),
                arrow_schema::DataType::Int16
                    | arrow_schema::DataType::Int32
                    | arrow_schema::DataType::Int64
                    | arrow_schema::DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _)
            );
            let page_stats = props.statistics_enabled(&path) == EnabledStatistics::Page;
            let bloom = props.bloom_filter_properties(&path).is_some();
            let plain_rules = page_stats && !bloom;
            match props.compression(&path) {
                PqCompression::ZSTD(level) if page_stats && bloom && utf8 => {
                    let level = level.compression_level();
                    if props.dictionary_enabled(&path) {
                        Lane::Bloom(level)
                    } else {
                        Lane::PlainBloom(level)
                    }
                }
                PqCompression::ZSTD(level) if plain_rules => {
                    let level = level.compression_level();
                    if dict_utf8 && props.dictionary_enabled(&path) {
                        Lane::Dict(level)
                    } else if runs {
                        Lane::Runs(level)
                    } else if utf8 && !props.dictionary_enabled(&path) {
                        Lane::Plain(level)
                    } else if int {
                        let limit = if props.dictionary_enabled(&path) {
                            props.column_dictionary_page_size_limit(&path).max(1)
                        } else {
                            0
                        };
                        Lane::Int(level, limit)
                    } else {
                        Lane::Arrow
                    }
                }
                _ => Lane::Arrow,
            }
        })
        .collect()
}

/// True when at least a quarter of the non-null values of `array` (a `Utf8` array) are
/// distinct. Such a column seldom stays dictionary-encoded for a whole row group (an NSG row
/// group's `src_ip`: 425,000 distinct values in 1,048,576 rows), and when arrow-rs falls back
/// it has interned the values for nothing and inserts every later one into the filter anyway;
/// a column at the threshold that would have kept its dictionary is written PLAIN instead. An
/// array without values is not.
fn high_cardinality(array: &dyn arrow_array::Array) -> bool {
    let Some(strings) = array.as_string_opt::<i32>() else {
        return false;
    };
    let values = strings.len() - strings.null_count();
    if values == 0 {
        return false;
    }
    let enough = values.div_ceil(4);
    let mut seen = std::collections::HashSet::with_capacity(enough.min(1 << 16));
    for v in strings.iter().flatten() {
        if seen.insert(v) && seen.len() >= enough {
            return true;
        }
    }
    false
}

/// Feeds one batch to the column writers, one column per rayon task.
fn encode(
    schema: &arrow_schema::SchemaRef,
    descrs: &[ColumnDescPtr],
    writers: &mut [ArrowColumnWriter],
    dicts: &mut [Slot],
    batch: &RecordBatch,
) -> PqResult<()> {
    let fields = schema.fields();
    let n = fields.len();
    if writers.len() == n && dicts.len() == n && descrs.len() == n {
        // One leaf per field (the unified schema has no structs): writer i is column i.
        writers
            .par_iter_mut()
            .zip(dicts.par_iter_mut().zip(descrs.par_iter()))
            .with_max_len(1)
            .zip(fields.par_iter().zip(batch.columns().par_iter()))
            .try_for_each(|((w, (d, descr)), (f, c))| {
                if let Slot::Undecided(level) = *d {
                    *d = if crate::dictcol::repetitive(c.as_ref()) {
                        Slot::Dict(Box::new(DictChunk::new(descr.clone(), level)))
                    } else {
                        Slot::Plain(Box::new(PlainChunk::new(descr.clone(), level)))
                    };
                }
                if let Slot::UndecidedBloom(level, ndv, fpp) = *d {
                    *d = if high_cardinality(c.as_ref()) {
                        Slot::Plain(Box::new(
                            PlainChunk::new(descr.clone(), level).with_bloom(ndv, fpp)?,
                        ))
                    } else {
                        Slot::Arrow
                    };
                }
                match d {
                    Slot::Dict(d) => return d.write(c.as_ref()),
                    Slot::Plain(p) => return p.write(c.as_ref()),
                    Slot::Int(i) => return i.write(c.as_ref()),
                    Slot::Arrow | Slot::Undecided(_) | Slot::UndecidedBloom(..) => {}
                }
                for leaf in compute_leaves(f, c)? {
                    w.write(&leaf)?;
                }
                Ok(())
            })
    } else {
        if dicts.iter().any(|d| !matches!(d, Slot::Arrow)) {
            return Err(parquet::errors::ParquetError::General(
                "dictionary chunks need one leaf per field".into(),
            ));
        }
        let mut it = writers.iter_mut();
        for (f, c) in fields.iter().zip(batch.columns()) {
            for leaf in compute_leaves(f, c)? {
                match it.next() {
                    Some(w) => w.write(&leaf)?,
                    None => {
                        return Err(parquet::errors::ParquetError::General(
                            "more leaves than column writers".into(),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

enum Sink {
    Parquet(ParquetSink),
    Arrow(IpcWriter<BufWriter<File>>),
}

impl Sink {
    fn write(&mut self, b: &RecordBatch) -> Result<(), String> {
        match self {
            Sink::Parquet(w) => w.write(b).map_err(|e| e.to_string()),
            Sink::Arrow(w) => w.write(b).map_err(|e| e.to_string()),
        }
    }

    /// Encoded bytes held for the open row group (Parquet); an Arrow stream writes every
    /// batch out.
    fn buffered(&self) -> usize {
        match self {
            Sink::Parquet(w) => w.buffered,
            Sink::Arrow(_) => 0,
        }
    }

    /// Whether a row group is open (Parquet): its column writers hold memory.
    fn has_open_row_group(&self) -> bool {
        match self {
            Sink::Parquet(w) => w.open.is_some(),
            Sink::Arrow(_) => false,
        }
    }

    /// Closes the open row group (Parquet).
    fn flush_row_group(&mut self) -> Result<(), String> {
        match self {
            Sink::Parquet(w) => w.flush().map_err(|e| e.to_string()),
            Sink::Arrow(_) => Ok(()),
        }
    }

    /// Bytes handed to the file so far (some may still sit in its `BufWriter`).
    fn written(&self) -> u64 {
        match self {
            Sink::Parquet(w) => w.file.bytes_written() as u64,
            Sink::Arrow(w) => w.get_ref().get_ref().metadata().map_or(0, |m| m.len()),
        }
    }

    /// Bytes written plus bytes buffered for the open row group.
    fn size(&self) -> usize {
        match self {
            Sink::Parquet(w) => w.size(),
            Sink::Arrow(w) => {
                w.get_ref()
                    .get_ref()
                    .metadata()
                    .map_or(0, |m| m.len() as usize)
                    + w.get_ref().buffer().len()
            }
        }
    }

    fn metadata(&mut self, k: &str, v: String) {
        match self {
            Sink::Parquet(w) => w
                .file
                .append_key_value_metadata(KeyValue::new(k.to_string(), v)),
            // The stream format has no footer: the schema metadata carries these (set at open).
            Sink::Arrow(_) => {
                let _ = (k, v);
            }
        }
    }

    /// Finishes the file and flushes it to disk.
    fn close(self) -> Result<(), String> {
        use std::io::Write;
        let mut inner = match self {
            Sink::Parquet(w) => w.into_inner().map_err(|e| e.to_string())?,
            Sink::Arrow(mut w) => {
                w.finish().map_err(|e| e.to_string())?;
                w.into_inner().map_err(|e| e.to_string())?
            }
        };
        inner.flush().map_err(|e| e.to_string())?;
        let file = inner.into_inner().map_err(|e| e.to_string())?;
        // Durable before the rename makes it visible under its final name.
        file.sync_all().map_err(|e| e.to_string())
    }
}

struct OpenFile {
    tmp: PathBuf,
    dir: PathBuf,
    writer: Sink,
    /// Gets its finished bytes to disk while the conversion goes on.
    writeback: Writeback,
    /// When it was last written to (the dataset's write count then).
    last_write: u64,
    rows: u64,
    sources: BTreeSet<String>,
    roll: u32,
}

/// For every source file, the output files its rows went to.
pub(crate) type OutputsBySource = BTreeMap<String, Vec<String>>;

/// Writes one dataset (the main tree or the rejects tree).
pub(crate) struct DatasetWriter {
    partition: PartitionMode,
    root: PathBuf,
    segment: usize,
    format: OutputFormat,
    max_file_bytes: u64,
    row_group_bytes: usize,
    /// Files already closed (rolled over) during the segment.
    closed: Vec<(PartitionKey, OpenFile)>,
    rolls: BTreeMap<PartitionKey, u32>,
    props: WriterProperties,
    options_json: String,
    open: BTreeMap<PartitionKey, OpenFile>,
    temp_seq: u64,
    /// Batches written so far (orders partitions by their last write).
    writes: u64,
}

/// Most partitions of a dataset with a row group open at once (see `keep_within_budget`).
const MAX_OPEN_ROW_GROUPS: usize = 4;

fn properties(opts: &ConvertOptions) -> WriterProperties {
    let compression = match opts.compression {
        Compression::Zstd(level) => {
            PqCompression::ZSTD(ZstdLevel::try_new(level).unwrap_or_default())
        }
        Compression::Snappy => PqCompression::SNAPPY,
    };
    let mut b = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_coerce_types(true)
        // A chunk that stayed dictionary encoded already lists every value in its dictionary.
        .set_bloom_filter_for_dictionary_encoded_chunks(false)
        .set_created_by(format!("azlog {}", env!("CARGO_PKG_VERSION")));
    for c in NO_DICTIONARY {
        b = b.set_column_dictionary_enabled(ColumnPath::from(c), false);
    }
    for c in BLOOM {
        b = b
            .set_column_bloom_filter_enabled(ColumnPath::from(c), true)
            .set_column_bloom_filter_fpp(ColumnPath::from(c), 0.01)
            // Sized for a full row group, then folded down by the writer to what was inserted.
            .set_column_bloom_filter_max_ndv(
                ColumnPath::from(c),
                opts.row_group_rows.max(1) as u64,
            );
    }
    debug_assert!(COLUMNS.iter().any(|c| c.name == "extra"));
    b.build()
}

fn io_err(path: &Path, what: &str, e: impl std::fmt::Display) -> ConvertError {
    ConvertError::Output(format!("{what} {}: {e}", path.display()))
}

impl DatasetWriter {
    pub(crate) fn new(root: PathBuf, segment: usize, opts: &ConvertOptions) -> Self {
        Self {
            root,
            segment,
            format: opts.format,
            partition: opts.partition,
            max_file_bytes: opts.max_file_bytes.max(1),
            row_group_bytes: opts.row_group_bytes,
            closed: Vec::new(),
            rolls: BTreeMap::new(),
            props: properties(opts),
            options_json: opts.canonical_json(),
            open: BTreeMap::new(),
            temp_seq: 0,
            writes: 0,
        }
    }

    /// Writes a batch whose rows all come from `source_file`, split by partition.
    pub(crate) fn write(
        &mut self,
        batch: &RecordBatch,
        source_file: &str,
    ) -> Result<(), ConvertError> {
        let (row_keys, keys) = partition_keys(batch, source_file, self.partition);
        if keys.len() == 1 {
            return self.write_to(keys[0].clone(), batch, source_file);
        }
        for (k, key) in keys.iter().enumerate() {
            let mask = BooleanArray::from(row_keys.iter().map(|&r| r == k).collect::<Vec<bool>>());
            let part = filter_record_batch(batch, &mask)
                .map_err(|e| ConvertError::Output(format!("partitioning rows: {e}")))?;
            self.write_to(key.clone(), &part, source_file)?;
        }
        Ok(())
    }

    fn write_to(
        &mut self,
        key: PartitionKey,
        batch: &RecordBatch,
        source_file: &str,
    ) -> Result<(), ConvertError> {
        if !self.open.contains_key(&key) {
            let f = self.open_file(&key)?;
            self.open.insert(key.clone(), f);
        }
        let Some(f) = self.open.get_mut(&key) else {
            return Err(ConvertError::Output("partition writer vanished".into()));
        };
        f.writer
            .write(batch)
            .map_err(|e| io_err(&f.tmp, "writing", e))?;
        f.writeback.written(f.writer.written());
        self.writes += 1;
        f.last_write = self.writes;
        f.rows += batch.num_rows() as u64;
        f.sources.insert(source_file.to_string());
        if f.writer.size() as u64 >= self.max_file_bytes
            && let Some(mut f) = self.open.remove(&key)
        {
            // Rolled over: the next write to this partition starts a new file. Its last row
            // group is written now, so a closed file holds no buffers until the segment ends.
            f.writer
                .flush_row_group()
                .map_err(|e| io_err(&f.tmp, "writing", e))?;
            f.writeback.written(f.writer.written());
            self.closed.push((key, f));
        }
        self.keep_within_budget()
    }

    /// Row groups of all open partitions together hold at most one row group's worth of
    /// encoded data (`row_group_bytes`): over it, the biggest is closed early. Without this, a
    /// segment spanning several dates (or `--partition family-date-hour`) holds a full row
    /// group per open partition, and peak memory grows with the partitions a segment spans.
    /// (Each open row group also has fixed costs, mostly bloom filters sized for a full row
    /// group: about 14 MB.) The cut depends only on the rows written, so the files do not
    /// depend on the threads.
    ///
    /// And at most [`MAX_OPEN_ROW_GROUPS`] partitions have a row group open: past that, the
    /// least recently written one is closed. An open row group costs ~40 MB whatever its rows
    /// (bloom filters, a page buffer and a dictionary per column), so a segment of small blobs
    /// spanning 24 days held 24 of them: 300 MB of storage logs peaked at a 762 MiB heap, against
    /// 128 MiB in one partition. Time-ordered input writes one partition after the other, so
    /// this closes a row group only where the next one starts anyway.
    fn keep_within_budget(&mut self) -> Result<(), ConvertError> {
        loop {
            let open: Vec<(&PartitionKey, u64)> = self
                .open
                .iter()
                .filter(|(_, f)| f.writer.has_open_row_group())
                .map(|(k, f)| (k, f.last_write))
                .collect();
            if open.len() <= MAX_OPEN_ROW_GROUPS {
                break;
            }
            let Some(key) = open
                .iter()
                .min_by_key(|(_, w)| *w)
                .map(|(k, _)| (*k).clone())
            else {
                break;
            };
            if let Some(f) = self.open.get_mut(&key) {
                f.writer
                    .flush_row_group()
                    .map_err(|e| io_err(&f.tmp, "writing", e))?;
            }
        }
        loop {
            let mut total = 0usize;
            let mut biggest: Option<(&PartitionKey, usize)> = None;
            for (k, f) in &self.open {
                let b = f.writer.buffered();
                total += b;
                if biggest.is_none_or(|(_, max)| b > max) {
                    biggest = Some((k, b));
                }
            }
            if total <= self.row_group_bytes || self.open.len() < 2 {
                return Ok(());
            }
            let Some((key, _)) = biggest else {
                return Ok(());
            };
            let key = key.clone();
            if let Some(f) = self.open.get_mut(&key) {
                f.writer
                    .flush_row_group()
                    .map_err(|e| io_err(&f.tmp, "writing", e))?;
            }
        }
    }

    fn open_file(&mut self, key: &PartitionKey) -> Result<OpenFile, ConvertError> {
        let dir = self.root.join(key.dir());
        std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, "creating", e))?;
        self.temp_seq += 1;
        let roll = self.rolls.entry(key.clone()).or_insert(0);
        let this_roll = *roll;
        *roll += 1;
        let tmp = dir.join(format!(
            ".azlog-inprogress-{}-{}.tmp",
            std::process::id(),
            self.temp_seq
        ));
        let file = File::create(&tmp).map_err(|e| io_err(&tmp, "creating", e))?;
        let writeback = Writeback::new(&file);
        // Small: a file stays open (with its buffer) until its segment ends, and a segment of
        // small blobs can touch a hundred partitions; column chunks are written in pieces far
        // bigger than this, which a `BufWriter` passes straight through.
        let out = BufWriter::with_capacity(64 << 10, file);
        let mut writer = match self.format {
            OutputFormat::Parquet => Sink::Parquet(
                ParquetSink::new(out, self.props.clone(), self.row_group_bytes)
                    .map_err(|e| io_err(&tmp, "starting", e))?,
            ),
            OutputFormat::Arrow => {
                let base = schema();
                let mut md = base.metadata().clone();
                md.insert("azlog.partition".to_string(), key.label());
                md.insert("azlog.row_order".to_string(), "input".to_string());
                md.insert("azlog.options".to_string(), self.options_json.clone());
                md.insert(
                    "azlog.writer".to_string(),
                    format!("azlog {}", env!("CARGO_PKG_VERSION")),
                );
                let with_md = arrow_schema::Schema::new_with_metadata(base.fields().clone(), md);
                Sink::Arrow(
                    IpcWriter::try_new(out, &with_md).map_err(|e| io_err(&tmp, "starting", e))?,
                )
            }
        };
        for (k, v) in [
            ("azlog.schema", SCHEMA_NAME.to_string()),
            ("azlog.schema_version", SCHEMA_VERSION.to_string()),
            (
                "azlog.writer",
                format!("azlog {}", env!("CARGO_PKG_VERSION")),
            ),
            ("azlog.partition", key.label()),
            ("azlog.row_order", "input".to_string()),
            ("azlog.options", self.options_json.clone()),
        ] {
            writer.metadata(k, v);
        }
        Ok(OpenFile {
            tmp,
            dir,
            writer,
            writeback,
            last_write: 0,
            rows: 0,
            sources: BTreeSet::new(),
            roll: this_roll,
        })
    }

    /// Closes every file and renames it to its final name. Returns the files, and for every
    /// source file the output files it went to.
    pub(crate) fn finish(
        self,
        out_root: &Path,
    ) -> Result<(Vec<OutputFile>, OutputsBySource), ConvertError> {
        let mut files = Vec::new();
        let mut per_source: OutputsBySource = BTreeMap::new();
        let mut first_error = None;
        let ext = match self.format {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Arrow => "arrows",
        };
        let mut all: Vec<(PartitionKey, OpenFile)> = self.closed;
        all.extend(self.open);
        for (key, mut f) in all {
            let mut h = Sha256::new();
            for s in &f.sources {
                h.update(s.as_bytes());
                h.update([0u8]);
            }
            let digest: String = h
                .finalize()
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect();
            f.writer.metadata(
                "azlog.inputs",
                format!(
                    "{{\"count\":{},\"sha256_of_sorted_source_files\":\"{digest}\"}}",
                    f.sources.len()
                ),
            );
            let name = format!("part-{:05}-{:03}-{digest}.{ext}", self.segment, f.roll);
            let dest = f.dir.join(&name);
            let writeback = f.writeback;
            let result = f
                .writer
                .close()
                .and_then(|()| writeback.finish().map_err(|e| e.to_string()))
                .map_err(|e| io_err(&f.tmp, "finishing", e))
                .and_then(|_| {
                    std::fs::rename(&f.tmp, &dest).map_err(|e| io_err(&dest, "renaming into", e))
                });
            if let Err(e) = result {
                let _ = std::fs::remove_file(&f.tmp);
                first_error.get_or_insert(e);
                continue;
            }
            let rel = dest.strip_prefix(out_root).unwrap_or(&dest);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            for s in &f.sources {
                per_source.entry(s.clone()).or_default().push(rel.clone());
            }
            let _ = &key;
            files.push(OutputFile {
                path: rel,
                rows: f.rows,
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        if let Some(e) = first_error {
            return Err(e);
        }
        for outs in per_source.values_mut() {
            outs.sort();
        }
        Ok((files, per_source))
    }

    /// Removes every temporary file (after a fatal error).
    pub(crate) fn abandon(self) {
        for (_, f) in self.open.into_iter().chain(self.closed) {
            drop(f.writer);
            let _ = std::fs::remove_file(&f.tmp);
        }
    }
}

/// The partition of every row: `log_family` and the UTC date of `event_time`, else the date of
/// the blob path, else the Hive null partition. Returns each row's index into the distinct
/// keys, and the distinct keys in order of first appearance.
fn partition_keys(
    batch: &RecordBatch,
    source_file: &str,
    mode: PartitionMode,
) -> (Vec<usize>, Vec<PartitionKey>) {
    let fam = batch.column(col::log_family).as_dictionary::<Int32Type>();
    let fam_values = fam.values().as_string::<i32>();
    let times = batch
        .column(col::event_time)
        .as_primitive::<TimestampMicrosecondType>();
    let by_family = mode != PartitionMode::None;
    let by_date = matches!(
        mode,
        PartitionMode::FamilyDate | PartitionMode::FamilyDateHour
    );
    let by_hour = mode == PartitionMode::FamilyDateHour;
    // The key per row is (family key, day, hour) with the parts the mode does not use left out.
    let mut raw: Vec<(Option<i32>, Option<i64>, Option<i64>)> = Vec::new();
    let mut rows = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let f = (by_family && fam.is_valid(i)).then(|| fam.keys().value(i));
        let t = (by_date && times.is_valid(i)).then(|| times.value(i));
        let d = t.map(|t| t.div_euclid(86_400_000_000));
        let h = t
            .filter(|_| by_hour)
            .map(|t| t.div_euclid(3_600_000_000).rem_euclid(24));
        let idx = match raw.iter().position(|&k| k == (f, d, h)) {
            Some(p) => p,
            None => {
                raw.push((f, d, h));
                raw.len() - 1
            }
        };
        rows.push(idx);
    }
    let keys = raw
        .into_iter()
        .map(|(f, d, h)| {
            let no_time = d.is_none();
            PartitionKey {
                mode,
                family: f
                    .map_or(if by_family { "unknown" } else { "" }, |k| {
                        fam_values.value(k as usize)
                    })
                    .to_string(),
                date: if by_date {
                    d.map(civil_from_days).or_else(|| path_date(source_file))
                } else {
                    None
                },
                // A row without a time takes the hour of its blob path along with its date.
                hour: if by_hour {
                    h.map(|h| h as u32).or_else(|| {
                        if no_time {
                            path_hour(source_file)
                        } else {
                            None
                        }
                    })
                } else {
                    None
                },
            }
        })
        .collect();
    (rows, keys)
}

/// Removes temporary files an interrupted run left under `out` (they were never renamed, so
/// no reader or manifest ever saw them).
pub(crate) fn remove_stale_temp_files(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            remove_stale_temp_files(&p);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(crate::engine::is_temp_name)
        {
            let _ = std::fs::remove_file(&p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azlog_schema::{BatchBuilder, Provenance};
    use parquet::basic::Encoding;
    use parquet::file::statistics::Statistics;

    /// A batch of `rows` rows, all in the hour `hour` of 2024-03-05, with some text to encode.
    fn batch(hour: i64, first: u64, rows: u64) -> RecordBatch {
        let mut b = BatchBuilder::new(usize::MAX);
        for i in first..first + rows {
            let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let url = format!(
                "https://acct.blob.core.windows.net/c/{h:016x}/{:016x}/{:016x}",
                h.rotate_left(17) ^ i,
                h.rotate_right(29).wrapping_mul(31)
            );
            let mut r = b.row();
            r.log_family("storage_analytics")
                .event_time(1_709_596_800_000_000 + hour * 3_600_000_000 + i as i64)
                .url(url.as_str())
                .provenance(
                    "x.log",
                    &Provenance {
                        offset: i * 100,
                        length: 99,
                        line: i + 1,
                        record_index: i,
                        item_index: None,
                    },
                );
        }
        b.take_batches().expect("batches").remove(0)
    }

    #[test]
    fn at_most_four_partitions_hold_a_row_group() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut opts = ConvertOptions::new(vec![], tmp.path().to_path_buf());
        opts.partition = PartitionMode::FamilyDateHour;
        opts.row_group_rows = 50_000;
        let mut w = DatasetWriter::new(tmp.path().to_path_buf(), 0, &opts);
        let mut row = 0;
        let mut most = 0;
        // Hours in time order, then two hours interleaved.
        for hour in (0..12).chain([3, 9, 3, 9]) {
            w.write(&batch(hour, row, 50), "x.log").expect("write");
            row += 50;
            let open = w
                .open
                .values()
                .filter(|f| f.writer.has_open_row_group())
                .count();
            most = most.max(open);
            assert!(open <= MAX_OPEN_ROW_GROUPS, "{open} row groups open");
            assert!(
                w.open
                    .get(&partition_keys(&batch(hour, 0, 1), "x.log", opts.partition).1[0])
                    .is_some_and(|f| f.writer.has_open_row_group()),
                "the partition just written keeps its row group"
            );
        }
        assert_eq!(most, MAX_OPEN_ROW_GROUPS);
        let (files, _) = w.finish(tmp.path()).expect("finish");
        assert_eq!(files.len(), 12);
        assert_eq!(files.iter().map(|f| f.rows).sum::<u64>(), row);
    }

    #[test]
    fn open_partitions_share_one_row_group_budget() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut opts = ConvertOptions::new(vec![], tmp.path().to_path_buf());
        opts.partition = PartitionMode::FamilyDateHour;
        // Small bloom filters, so a row group's fixed costs stay under its byte limit.
        opts.row_group_rows = 50_000;
        opts.row_group_bytes = 8 << 20;
        let mut w = DatasetWriter::new(tmp.path().to_path_buf(), 0, &opts);
        let mut peak = 0;
        let mut row = 0;
        for _ in 0..80 {
            for hour in 0..4 {
                w.write(&batch(hour, row, 500), "x.log").expect("write");
                row += 500;
                let total: usize = w.open.values().map(|f| f.writer.buffered()).sum();
                peak = peak.max(total);
                assert!(
                    total <= opts.row_group_bytes,
                    "{total} bytes buffered over {} partitions",
                    w.open.len()
                );
            }
        }
        assert_eq!(w.open.len(), 4);
        assert!(
            peak > opts.row_group_bytes / 2,
            "the budget was never approached: {peak}"
        );
        let (files, _) = w.finish(tmp.path()).expect("finish");
        assert_eq!(files.len(), 4);
        assert_eq!(files.iter().map(|f| f.rows).sum::<u64>(), row);
        // Every file was cut into several row groups by the shared budget.
        for f in &files {
            let file = File::open(tmp.path().join(&f.path)).expect("open");
            let meta = parquet::file::reader::SerializedFileReader::new(file).expect("parquet");
            use parquet::file::reader::FileReader;
            assert!(meta.metadata().num_row_groups() > 1, "{}", f.path);
        }
    }

    /// Provenance of line `i + 1`: one byte at offset `i`.
    fn row_at(i: u64) -> Provenance {
        Provenance {
            offset: i,
            length: 1,
            line: i + 1,
            record_index: i,
            item_index: None,
        }
    }

    /// The Parquet files under `dir`, in name order.
    fn parquet_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        files.sort();
        files
    }

    /// The footer of the first Parquet file under `dir`.
    fn first_metadata(dir: &Path) -> std::sync::Arc<parquet::file::metadata::ParquetMetaData> {
        let first = parquet_files(dir).into_iter().next().expect("a file");
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            File::open(first).expect("open"),
        )
        .expect("parquet")
        .metadata()
        .clone()
    }

    /// The batches of the Parquet files under `dir`, file by file in name order.
    fn batches_under(dir: &Path) -> Vec<RecordBatch> {
        parquet_files(dir)
            .iter()
            .flat_map(|f| {
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                    File::open(f).expect("open"),
                )
                .expect("parquet")
                .build()
                .expect("reader")
                .map(|b| b.expect("batch"))
            })
            .collect()
    }

    /// Every value of the `Utf8` column `c` of the files under `dir`.
    fn string_column(dir: &Path, c: usize) -> Vec<Option<String>> {
        let mut out = Vec::new();
        for b in batches_under(dir) {
            let s = b.column(c).as_string::<i32>();
            out.extend((0..s.len()).map(|i| s.is_valid(i).then(|| s.value(i).to_string())));
        }
        out
    }

    /// Every value of the dictionary column `c` of the files under `dir`, as text.
    fn dict_column(dir: &Path, c: usize) -> Vec<Option<String>> {
        let mut out = Vec::new();
        for b in batches_under(dir) {
            let d = b.column(c).as_dictionary::<Int32Type>();
            let v = d.values().as_string::<i32>();
            out.extend((0..d.len()).map(|i| d.key(i).map(|k| v.value(k).to_string())));
        }
        out
    }

    #[test]
    fn dictionary_columns_read_back_alike_from_both_encoders() {
        // zstd: the dictionary columns are encoded by `DictChunk`; Snappy: by arrow-rs.
        let mut b = BatchBuilder::new(usize::MAX);
        for i in 0..70_000u64 {
            let op = format!("Op{}", (i / 1000) % 13);
            let extra = format!("{{\"record\":{}}}", i / 100);
            let mut r = b.row();
            r.log_family("storage_analytics")
                .src_port((i % 5 != 0).then_some((i % 3000) as i32))
                .event_time((i % 4 != 0).then_some(1_720_000_000_000_000 + (i / 10) as i64))
                .operation((i % 7 != 0).then_some(op.as_str()))
                .extra((i % 11 != 0).then_some(extra.as_str()))
                .provenance(if i < 30_000 { "a.log" } else { "b.log" }, &row_at(i));
        }
        let batches = b.take_batches().expect("batches");
        let (mut got, mut extras, mut ints) = (Vec::new(), Vec::new(), Vec::new());
        for compression in [Compression::Zstd(1), Compression::Snappy] {
            let tmp = tempfile::tempdir().expect("tmp");
            let opts = one_file_of_25k_row_groups(tmp.path(), compression);
            let ours = lanes(&properties(&opts));
            let zstd = matches!(compression, Compression::Zstd(_));
            assert_eq!(matches!(ours[col::operation], Lane::Dict(1)), zstd);
            assert_eq!(matches!(ours[col::extra], Lane::Runs(1)), zstd);
            assert_eq!(matches!(ours[col::url], Lane::Plain(1)), zstd);
            assert_eq!(matches!(ours[col::src_ip], Lane::Bloom(1)), zstd);
            assert_eq!(
                matches!(ours[col::correlation_id], Lane::PlainBloom(1)),
                zstd
            );
            // Integer columns: `IntChunk` with arrow-rs's dictionary limit, or PLAIN only.
            assert_eq!(
                ours[col::src_port] == Lane::Int(1, 1 << 20),
                zstd,
                "{:?}",
                ours[col::src_port]
            );
            assert_eq!(ours[col::source_offset] == Lane::Int(1, 0), zstd);
            let mut w = DatasetWriter::new(tmp.path().to_path_buf(), 0, &opts);
            for batch in &batches {
                w.write(batch, "a.log").expect("write");
            }
            w.finish(tmp.path()).expect("finish");
            got.push(
                [col::log_family, col::operation, col::source_file]
                    .map(|c| dict_column(tmp.path(), c)),
            );
            extras.push(string_column(tmp.path(), col::extra));
            ints.push(
                [
                    col::event_time,
                    col::src_port,
                    col::source_offset,
                    col::source_length,
                    col::source_line,
                    col::record_index,
                    col::item_index,
                ]
                .map(|c| {
                    batches_under(tmp.path())
                        .iter()
                        .map(|b| b.column(c).clone())
                        .collect::<Vec<_>>()
                }),
            );
            // The repeating `extra` got a dictionary from `DictChunk` (zstd) only.
            let md = first_metadata(tmp.path());
            let chunk = md.row_group(0).column(col::extra);
            assert_eq!(chunk.dictionary_page_offset().is_some(), zstd);
        }
        assert_eq!(got[0], got[1]);
        assert_eq!(extras[0], extras[1]);
        assert_eq!(ints[0], ints[1]);
        assert_eq!(extras[0].len(), 70_000);
        assert_eq!(extras[0][100].as_deref(), Some("{\"record\":1}"));
        assert_eq!(got[0][1].len(), 70_000);
        assert_eq!(got[0][1].iter().filter(|v| v.is_none()).count(), 10_000);
        assert_eq!(got[0][2][29_999].as_deref(), Some("a.log"));
        assert_eq!(got[0][2][30_000].as_deref(), Some("b.log"));
    }

    /// Options for one unpartitioned file under `dir` with row groups of 25,000 rows.
    fn one_file_of_25k_row_groups(dir: &Path, compression: Compression) -> ConvertOptions {
        let mut opts = ConvertOptions::new(vec![], dir.to_path_buf());
        opts.partition = PartitionMode::None;
        opts.compression = compression;
        opts.row_group_rows = 25_000;
        opts
    }

    /// Writes `batches` to a dataset under `dir` in slices of 8192 rows, as the engine does.
    fn write_in_slices(dir: &Path, opts: &ConvertOptions, batches: &[RecordBatch]) {
        let mut w = DatasetWriter::new(dir.to_path_buf(), 0, opts);
        for batch in batches {
            for off in (0..batch.num_rows()).step_by(8192) {
                let n = 8192.min(batch.num_rows() - off);
                w.write(&batch.slice(off, n), "a.log").expect("write");
            }
        }
        w.finish(dir).expect("finish");
    }

    /// Writes `batches` with zstd (azlog's own encoders) and with Snappy (arrow-rs's) into
    /// 25,000-row row groups, lets `check` look at each output, and returns the text columns
    /// `cols` read back from each: zstd's first.
    fn text_columns_both_ways<const N: usize>(
        batches: &[RecordBatch],
        cols: [usize; N],
        mut check: impl FnMut(&Path, Compression),
    ) -> Vec<[Vec<Option<String>>; N]> {
        [Compression::Zstd(1), Compression::Snappy]
            .into_iter()
            .map(|compression| {
                let tmp = tempfile::tempdir().expect("tmp");
                let opts = one_file_of_25k_row_groups(tmp.path(), compression);
                write_in_slices(tmp.path(), &opts, batches);
                check(tmp.path(), compression);
                cols.map(|c| string_column(tmp.path(), c))
            })
            .collect()
    }

    #[test]
    fn bloom_columns_are_plain_with_their_filter_only_when_they_hardly_repeat() {
        // Three row groups of `src_ip`: distinct on every row, eight values, distinct again;
        // `correlation_id` distinct throughout (dictionary off).
        let ip = |i: u64| match i {
            25_000..50_000 => format!("192.0.2.{}", i % 8),
            _ => format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
        };
        let mut b = BatchBuilder::new(usize::MAX);
        for i in 0..60_000u64 {
            let (ip, id) = (ip(i), format!("req-{i:08}"));
            let mut r = b.row();
            r.log_family("storage_analytics")
                .src_ip((i % 11 != 0).then_some(ip.as_str()))
                .correlation_id(Some(id.as_str()))
                .provenance("a.log", &row_at(i));
        }
        let batches = b.take_batches().expect("batches");
        let cols = [col::src_ip, col::correlation_id];
        let got = text_columns_both_ways(&batches, cols, |dir, compression| {
            if compression != Compression::Zstd(1) {
                return;
            }
            let file = File::open(&parquet_files(dir)[0]).expect("open");
            let props = parquet::file::properties::ReaderProperties::builder()
                .set_read_bloom_filter(true)
                .build();
            let options = parquet::file::serialized_reader::ReadOptionsBuilder::new()
                .with_reader_properties(props)
                .build();
            let r = parquet::file::serialized_reader::SerializedFileReader::new_with_options(
                file, options,
            )
            .expect("reader");
            use parquet::file::reader::FileReader;
            assert_eq!(r.num_row_groups(), 3);
            for (g, dictionary) in [(0usize, false), (1, true), (2, false)] {
                let rg = r.get_row_group(g).expect("row group");
                let chunk = rg.metadata().column(col::src_ip);
                assert_eq!(chunk.dictionary_page_offset().is_some(), dictionary, "{g}");
                let bloom = rg.get_column_bloom_filter(col::src_ip);
                assert_eq!(bloom.is_none(), dictionary, "row group {g}: filter");
                if let Some(bloom) = bloom {
                    let rows = (g as u64 * 25_000)..(g as u64 * 25_000 + 25_000).min(60_000);
                    for i in rows.clone().filter(|i| i % 11 != 0) {
                        assert!(bloom.check(ip(i).as_bytes()), "row {i} in row group {g}");
                    }
                    let absent =
                        (0..50).filter(|k| bloom.check(format!("198.51.100.{k}").as_bytes()));
                    assert!(
                        absent.count() < 10,
                        "row group {g}: a filter that says yes to all"
                    );
                }
                let ids = rg.metadata().column(col::correlation_id);
                assert_eq!(ids.dictionary_page_offset(), None);
                let ids = rg
                    .get_column_bloom_filter(col::correlation_id)
                    .expect("id filter");
                assert!(ids.check(format!("req-{:08}", g * 25_000).as_bytes()));
            }
        });
        assert_eq!(got[0], got[1]);
        assert_eq!(got[0][0].len(), 60_000);
    }

    #[test]
    fn plain_text_columns_read_back_alike_from_both_encoders() {
        // zstd: `extra` (not repeating) and `url` are encoded by `PlainChunk`; Snappy: by
        // arrow-rs. Values past the 64-byte statistics cut, nulls, three row groups.
        let mut b = BatchBuilder::new(usize::MAX);
        for i in 0..60_000u64 {
            let extra = format!(
                "{{\"n\":{i},\"pad\":\"{}é\"}}",
                "x".repeat((i % 90) as usize)
            );
            let url = format!("https://a.blob.core.windows.net/c/{}", i * 7919 % 10_007);
            let mut r = b.row();
            r.log_family("storage_analytics")
                .extra((i % 13 != 0).then_some(extra.as_str()))
                .url((i % 5 != 0).then_some(url.as_str()))
                .provenance("a.log", &row_at(i));
        }
        let batches = b.take_batches().expect("batches");
        let got = text_columns_both_ways(&batches, [col::extra, col::url], |dir, _| {
            let md = first_metadata(dir);
            assert_eq!(md.num_row_groups(), 3);
            for rg in md.row_groups() {
                let chunk = rg.column(col::extra);
                assert_eq!(chunk.dictionary_page_offset(), None);
                assert_eq!(
                    chunk.encodings().collect::<Vec<_>>(),
                    [Encoding::PLAIN, Encoding::RLE]
                );
                let Some(Statistics::ByteArray(st)) = chunk.statistics() else {
                    panic!("no statistics: {:?}", chunk.statistics())
                };
                assert!(st.min_opt() <= st.max_opt() && st.min_opt().is_some());
                assert!(st.null_count_opt().is_some_and(|n| n > 0));
            }
        });
        assert_eq!(got[0], got[1]);
        assert_eq!(got[0][0].len(), 60_000);
        assert_eq!(
            got[0][0].iter().filter(|v| v.is_none()).count(),
            60_000 / 13 + 1
        );
        assert_eq!(
            got[0][1][7].as_deref(),
            Some("https://a.blob.core.windows.net/c/5398")
        );
    }

    #[test]
    fn a_dictionary_that_never_repeats_ends_its_row_groups_early() {
        // 120,000 distinct 100-byte values (12 MB) in a dictionary column: its chunk passes
        // `DICTIONARY_LIMIT` and the row group ends there; every value still reads back.
        let mut b = BatchBuilder::new(usize::MAX);
        for i in 0..120_000u64 {
            let op = format!("{i:0100}");
            let mut r = b.row();
            r.log_family("storage_analytics")
                .operation(op.as_str())
                .provenance("a.log", &row_at(i));
        }
        let batches = b.take_batches().expect("batches");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut opts = ConvertOptions::new(vec![], tmp.path().to_path_buf());
        opts.partition = PartitionMode::None;
        opts.batch_rows = 8192;
        write_in_slices(tmp.path(), &opts, &batches);
        let ops = dict_column(tmp.path(), col::operation);
        assert_eq!(ops.len(), 120_000);
        assert!(
            ops.iter()
                .enumerate()
                .all(|(i, v)| v.as_deref() == Some(format!("{i:0100}").as_str()))
        );
        let md = first_metadata(tmp.path());
        let groups = md.num_row_groups();
        assert!(groups >= 2, "{groups} row groups");
        for g in md.row_groups() {
            let dict = g.column(col::operation).dictionary_page_offset();
            assert!(dict.is_some());
            // Each group stops within a batch of the limit: 8192 rows of 100 bytes.
            assert!(g.num_rows() as usize * 100 <= crate::dictcol::DICTIONARY_LIMIT + 8192 * 100);
        }
    }
}
