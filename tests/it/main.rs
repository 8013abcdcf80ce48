//! End-to-end tests of the `azlog` binary: conversion of the bundled sample dump, real
//! readers on the output, determinism across thread counts and the accounting on bad input.

mod util;

mod convert;
mod engine;
mod hostile;
mod interop;
mod pieces;

use std::path::Path;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};

/// The provenance of one row read back from the Parquet output.
#[allow(missing_docs)]
pub struct RowRef {
    pub source_file: String,
    pub offset: i64,
    pub length: i64,
    pub raw: Vec<u8>,
}

/// Every row of the main dataset under `out`, read with the parquet crate.
pub fn read_rows(out: &Path) -> Vec<RowRef> {
    let mut rows = Vec::new();
    for f in util::files_under(out) {
        if !f.ends_with(".parquet") || f.starts_with("rejects") {
            continue;
        }
        let file = std::fs::File::open(out.join(&f)).expect("open");
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("parquet")
            .build()
            .expect("reader");
        for b in reader {
            let b = b.expect("batch");
            let sf = b
                .column(azlog_schema::col::source_file)
                .as_dictionary::<Int32Type>();
            let names = sf.values().as_string::<i32>();
            let off = b
                .column(azlog_schema::col::source_offset)
                .as_primitive::<Int64Type>();
            let len = b
                .column(azlog_schema::col::source_length)
                .as_primitive::<Int32Type>();
            let raw = b.column(azlog_schema::col::raw).as_binary::<i32>();
            for i in 0..b.num_rows() {
                rows.push(RowRef {
                    source_file: names.value(sf.keys().value(i) as usize).to_string(),
                    offset: off.value(i),
                    length: i64::from(len.value(i)),
                    raw: if raw.is_valid(i) {
                        raw.value(i).to_vec()
                    } else {
                        Vec::new()
                    },
                });
            }
        }
    }
    rows
}
