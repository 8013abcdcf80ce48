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
}

impl ConvertOptions {
    /// Options with the defaults for everything but inputs and output.
    pub fn new(inputs: Vec<PathBuf>, out: PathBuf) -> Self {
        Self {
            inputs,
            out,
            threads: 0,
            compression: Compression::Zstd(3),
            keep_raw: false,
            batch_rows: azlog_schema::DEFAULT_BATCH_ROWS,
            row_group_rows: 1024 * 1024,
        }
    }

    /// The options that change output bytes, as canonical JSON (`azlog.options`).
    pub fn canonical_json(&self) -> String {
        format!(
            "{{\"compression\":\"{}\",\"raw\":{},\"row_group_rows\":{}}}",
            self.compression.label(),
            self.keep_raw,
            self.row_group_rows
        )
    }
}
