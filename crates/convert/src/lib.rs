//! The azlog conversion engine.
//!
//! [`convert`] takes [`ConvertOptions`] (inputs, output directory, threads, compression) and
//! turns every log it finds into Hive-partitioned Parquet of the unified schema
//! (`OUT/family=<log_family>/event_date=YYYY-MM-DD/part-*.parquet`), rejected records into the
//! same schema under `OUT/rejects/`, and a manifest under `OUT/_azlog/`. Files are written under
//! a temporary name and renamed when complete. Inputs are parsed in parallel and written in
//! input order, so the output does not depend on the thread count.
//!
//! The engine knows nothing of the command line; [`Summary`] is what a front end reports.
#![deny(missing_docs)]

mod bloom;
mod chunk;
mod detect;
mod dictcol;
mod discover;
mod engine;
mod intcol;
mod manifest;
mod options;
mod plaincol;
mod source;
#[cfg(test)]
mod testutil;
mod writeback;
mod writer;

pub use detect::{Detected, Family, detect, path_date, path_hour, sniff_storage};
pub use discover::{DiscoverError, InputFile, discover};
pub use engine::{
    DetectReport, FileReport, NoProgress, Progress, RejectInfo, Summary, convert, detect_inputs,
    parse_bytes,
};
pub use options::{Compression, ConvertOptions, OutputFormat, PartitionMode};
pub use source::Limits;
pub use writer::{DEFAULT_ZSTD_LEVEL, OutputFile};

/// A failure that stops a conversion.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConvertError {
    /// The request itself is wrong (no inputs, bad thread count).
    Usage(String),
    /// An input named on the command line cannot be read.
    Input(String),
    /// The output cannot be written.
    Output(String),
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvertError::Usage(m) => write!(f, "{m}"),
            ConvertError::Input(m) => write!(f, "input: {m}"),
            ConvertError::Output(m) => write!(f, "output: {m}"),
        }
    }
}

impl std::error::Error for ConvertError {}
