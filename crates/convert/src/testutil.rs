//! Helpers shared by the unit tests of the column encoders ([`crate::dictcol`], [`crate::intcol`],
//! [`crate::plaincol`]).

use arrow_array::ArrayRef;
use arrow_schema::SchemaRef;
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::Result;
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;
use parquet::file::statistics::Statistics;
use parquet::schema::types::ColumnDescPtr;

/// A small deterministic generator (xorshift).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A Parquet file of one column (the only field of `schema`) and one row group, whose chunk
/// `chunk` encodes for the column's descriptor.
pub(crate) fn one_chunk_file<R: ChunkReader>(
    schema: SchemaRef,
    props: WriterProperties,
    chunk: impl FnOnce(ColumnDescPtr) -> Result<(R, ColumnCloseResult)>,
) -> Result<Bytes> {
    let w = ArrowWriter::try_new(Vec::new(), schema, Some(props))?;
    let (mut file, _) = w.into_serialized_writer()?;
    let (bytes, close) = chunk(file.schema_descr().column(0))?;
    let mut rg = file.next_row_group()?;
    rg.append_column(&bytes, close)?;
    rg.close()?;
    let file = Bytes::from(file.into_inner()?);
    assert_pages_laid_end_to_end(&file);
    Ok(file)
}

/// Checks the offset index of every chunk of `file` against its chunk metadata: the first data
/// page starts at `data_page_offset`, each page where the one before it ends, and the last one
/// ends where the chunk does.
pub(crate) fn assert_pages_laid_end_to_end(file: &Bytes) {
    let r = ParquetRecordBatchReaderBuilder::try_new_with_options(
        file.clone(),
        ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required),
    )
    .expect("reader");
    let meta = r.metadata();
    for g in 0..meta.num_row_groups() {
        let page_index = meta.page_index_for_row_group(g);
        for (c, column) in meta.row_group(g).columns().iter().enumerate() {
            let locs = page_index.page_locations(c).expect("offset index");
            let (start, len) = column.byte_range();
            let mut at = column.data_page_offset();
            for (p, loc) in locs.iter().enumerate() {
                assert_eq!(loc.offset, at, "row group {g} column {c} page {p} offset");
                at += i64::from(loc.compressed_page_size);
            }
            assert_eq!(
                at as u64,
                start + len,
                "row group {g} column {c}: chunk end"
            );
        }
    }
}

/// Column 0 of every batch of `file`, read back with arrow-rs.
pub(crate) fn first_column(file: &Bytes) -> Vec<ArrayRef> {
    ParquetRecordBatchReaderBuilder::try_new(file.clone())
        .expect("reader")
        .build()
        .expect("build")
        .map(|b| b.expect("batch").column(0).clone())
        .collect()
}

/// Byte-array statistics of the first chunk: min, max, null count, and whether min and max are
/// exact.
pub(crate) type Stats = (Option<Vec<u8>>, Option<Vec<u8>>, Option<u64>, bool, bool);

/// The [`Stats`] of `file`'s first column chunk.
pub(crate) fn chunk_stats(file: &Bytes) -> Stats {
    let r = ParquetRecordBatchReaderBuilder::try_new(file.clone()).expect("reader");
    let md = r.metadata().row_group(0).column(0).clone();
    match md.statistics() {
        Some(Statistics::ByteArray(s)) => (
            s.min_opt().map(|v| v.data().to_vec()),
            s.max_opt().map(|v| v.data().to_vec()),
            s.null_count_opt(),
            s.min_is_exact(),
            s.max_is_exact(),
        ),
        other => panic!("no byte-array statistics: {other:?}"),
    }
}
