//! The validated settings of a conversion (the CLI turns its flags into this).

use std::path::PathBuf;

/// Parquet compression codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// zstd at the given level (1–22).
    Zstd(i32),
    /// Snappy, the universal fallback.
    Snappy,
}

impl Compression {
    /// Canonical text, as written to `azlog.options`.
    pub fn label(&self) -> String {
        match self {
            Compression::Zstd(l) => format!("zstd({l})"),
            Compression::Snappy => "snappy".to_string(),
        }
    }
}

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Parquet (the default).
    Parquet,
    /// Arrow IPC streams (`.arrows`), same schema and layout. The stream format, not the file
    /// format: each batch carries its own dictionaries, which the file format cannot replace.
    Arrow,
}

/// How output files are laid out in directories (Hive style).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartitionMode {
    /// `family=<log_family>/event_date=YYYY-MM-DD/` (the default).
    FamilyDate,
    /// `family=.../event_date=.../event_hour=HH/`, for very large tenants.
    FamilyDateHour,
    /// `family=<log_family>/` only.
    Family,
    /// Every file directly in the output directory.
    None,
}

impl PartitionMode {
    /// Canonical text (`family,date`, `family,date,hour`, `family`, `none`).
    pub fn label(&self) -> &'static str {
        match self {
            PartitionMode::FamilyDate => "family,date",
            PartitionMode::FamilyDateHour => "family,date,hour",
            PartitionMode::Family => "family",
            PartitionMode::None => "none",
        }
    }
}

/// Everything a conversion needs to know.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// Files and directories to convert.
    pub inputs: Vec<PathBuf>,
    /// Output directory (created if missing).
    pub out: PathBuf,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Parquet compression.
    pub compression: Compression,
    /// Fill the `raw` column on every row.
    pub keep_raw: bool,
    /// Rows per `RecordBatch` and write call.
    pub batch_rows: usize,
    /// Maximum rows per Parquet row group.
    pub row_group_rows: usize,
    /// A row group is closed once its buffered, encoded data reaches this many bytes.
    pub row_group_bytes: usize,
    /// Parquet or Arrow IPC.
    pub format: OutputFormat,
    /// Directory layout of the output.
    pub partition: PartitionMode,
    /// Convert every input as this family instead of detecting it.
    pub family: Option<crate::Family>,
    /// Skip inputs the manifest says were converted with the same digest and options.
    pub resume: bool,
    /// Limits against hostile input.
    pub limits: crate::Limits,
    /// Inputs are converted in segments of about this many bytes; each segment's files are
    /// complete (and recorded in the manifest) before the next starts, which is what `--resume`
    /// picks up from.
    pub segment_bytes: u64,
    /// An output file is closed and a new one started past this size.
    pub max_file_bytes: u64,
}

impl ConvertOptions {
    /// Options with the defaults for everything but inputs and output.
    pub fn new(inputs: Vec<PathBuf>, out: PathBuf) -> Self {
        Self {
            inputs,
            out,
            threads: 0,
            compression: Compression::Zstd(crate::writer::DEFAULT_ZSTD_LEVEL),
            keep_raw: false,
            batch_rows: azlog_schema::DEFAULT_BATCH_ROWS,
            row_group_rows: 1024 * 1024,
            row_group_bytes: 128 << 20,
            format: OutputFormat::Parquet,
            partition: PartitionMode::FamilyDate,
            family: None,
            resume: false,
            limits: crate::Limits::default(),
            segment_bytes: 1 << 30,
            max_file_bytes: 1 << 30,
        }
    }

    /// The options that change output bytes, as canonical JSON (`azlog.options`).
    pub fn canonical_json(&self) -> String {
        format!(
            "{{\"compression\":\"{}\",\"partition\":\"{}\",\"family\":\"{}\",\"format\":\"{}\",\"raw\":{},\"row_group_rows\":{},\"row_group_bytes\":{},\"segment_bytes\":{},\"max_file_bytes\":{},\"batch_rows\":{},\"chunk_bytes\":{},\"max_record_bytes\":{}}}",
            self.compression.label(),
            self.partition.label(),
            self.family.map_or("auto", |f| f.name()),
            match self.format {
                OutputFormat::Parquet => "parquet",
                OutputFormat::Arrow => "arrow",
            },
            self.keep_raw,
            self.row_group_rows,
            self.row_group_bytes,
            self.segment_bytes,
            self.max_file_bytes,
            self.batch_rows,
            self.limits.chunk_bytes,
            self.limits.max_record_bytes,
        )
    }
}
