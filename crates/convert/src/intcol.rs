//! Column chunks of the integer and timestamp columns (`Int16`, `Int32`, `Int64`,
//! `Timestamp(Microsecond)`), dictionary-encoded until the dictionary is full, then PLAIN.
//!
//! arrow-rs's writer interns every value of such a column in a general hash table
//! (`Interner::intern`: the value's bytes hashed, then a probe that compares them through the
//! dictionary's storage), computes levels and statistics in passes of its own, and builds each
//! page in a fresh buffer. Its interner alone was 4–6 % of every family's profile, 5.6 % of a
//! VNet flow log conversion's. Here a value is looked up in an open-addressing table of
//! integers with a multiplicative hash, after one comparison with the previous row's value (a
//! flow record's `record_index`, `source_line` and often its time repeat on every tuple), and
//! page and compression buffers are reused.
//!
//! What is written is what arrow-rs writes for such a column: data page v1, the chunk's
//! dictionary as a PLAIN dictionary page first, RLE_DICTIONARY data pages of at most
//! [`PAGE_ROWS`] rows with RLE definition levels (none for a NOT NULL column) until the
//! dictionary reaches the column's `dictionary_page_size_limit`, PLAIN pages from then on,
//! chunk statistics (min, max, null count), a column index and an offset index. A column
//! without a dictionary (`dictionary_enabled` off) gets PLAIN pages only. Differences: the
//! fallback is checked every [`CHECK_ROWS`] rows (arrow-rs checks once per write of up to 1024
//! rows), the column index's boundary order is always UNORDERED, and no size statistics are
//! written; both are optional in the format.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::{ParquetError, Result};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use crate::chunk::{PageTally, dictionary_page};
use crate::dictcol::{PAGE_ROWS, compress_zstd_into, rle_hybrid};

/// Rows between two checks of the dictionary's size against its limit.
pub(crate) const CHECK_ROWS: usize = 1024;

/// An empty slot of the hash table.
const EMPTY: u32 = u32::MAX;

/// One column chunk being written.
pub(crate) struct IntChunk {
    descr: ColumnDescPtr,
    zstd_level: i32,
    /// INT64 (8 bytes a value) or INT32 (4).
    wide: bool,
    /// Bytes of dictionary values at which the chunk falls back to PLAIN; 0 for no dictionary.
    dict_limit: usize,
    /// Still dictionary-encoding.
    dict: bool,
    /// The chunk dictionary: values in index order, and an open-addressing table of their
    /// indexes (`EMPTY` for a free slot; the table's length is a power of two).
    values: Vec<i64>,
    table: Vec<u32>,
    /// The last value looked up and its index.
    last: Option<(i64, u32)>,
    /// The open page: a definition level per row, and an index (dictionary pages) or the
    /// PLAIN bytes (after the fallback) per non-null row.
    defs: Vec<u32>,
    idx: Vec<u32>,
    plain: Vec<u8>,
    /// The open page's smallest and largest values.
    min_max: Option<(i64, i64)>,
    /// Reused buffers: a page before and after compression.
    body: Vec<u8>,
    compressed: Vec<u8>,
    pages: Vec<DataPage>,
    rows: u64,
    nulls: u64,
    /// Bytes of the finished pages.
    held: usize,
}

struct DataPage {
    page: CompressedPage,
    rows: usize,
    nulls: usize,
    min_max: Option<(i64, i64)>,
    dictionary: bool,
}

/// Smallest and largest of `a` and `b`.
fn widen(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> Option<(i64, i64)> {
    match (a, b) {
        (Some((lo, hi)), Some((l, h))) => Some((lo.min(l), hi.max(h))),
        (x, None) | (None, x) => x,
    }
}

/// The table slot where a value's search starts: Fibonacci hashing on its top bits.
#[inline]
fn slot_of(v: i64, mask: usize) -> usize {
    let h = (v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 32) as usize & mask
}

impl IntChunk {
    /// A chunk for `descr` (an INT32 or INT64 column), its pages compressed with zstd at
    /// `zstd_level`, dictionary-encoded until its dictionary holds `dict_limit` bytes (0: no
    /// dictionary).
    pub(crate) fn new(descr: ColumnDescPtr, zstd_level: i32, dict_limit: usize) -> Result<Self> {
        let wide = match descr.physical_type() {
            PhysicalType::INT64 => true,
            PhysicalType::INT32 => false,
            other => {
                return Err(ParquetError::General(format!(
                    "{}: an integer chunk for a {other} column",
                    descr.name()
                )));
            }
        };
        Ok(Self {
            descr,
            zstd_level,
            wide,
            dict_limit,
            dict: dict_limit > 0,
            values: Vec::new(),
            table: Vec::new(),
            last: None,
            defs: Vec::with_capacity(PAGE_ROWS),
            idx: Vec::new(),
            plain: Vec::new(),
            min_max: None,
            body: Vec::new(),
            compressed: Vec::new(),
            pages: Vec::new(),
            rows: 0,
            nulls: 0,
            held: 0,
        })
    }

    fn width(&self) -> usize {
        if self.wide { 8 } else { 4 }
    }

    /// Appends the rows of `array`: `Int64` or `Timestamp(Microsecond)` for an INT64 column,
    /// `Int32` or `Int16` for an INT32 one.
    pub(crate) fn write(&mut self, array: &dyn Array) -> Result<()> {
        if self.wide {
            if let Some(a) = array.as_primitive_opt::<Int64Type>() {
                return self.write_values(a.values(), array);
            }
            if let Some(a) = array.as_primitive_opt::<TimestampMicrosecondType>() {
                return self.write_values(a.values(), array);
            }
        } else {
            if let Some(a) = array.as_primitive_opt::<Int32Type>() {
                return self.write_values(a.values(), array);
            }
            if let Some(a) = array.as_primitive_opt::<Int16Type>() {
                return self.write_values(a.values(), array);
            }
        }
        Err(ParquetError::General(format!(
            "{}: a {} array for a {} column",
            self.descr.name(),
            array.data_type(),
            self.descr.physical_type()
        )))
    }

    /// Appends `vals`, the values of `array`, whose null buffer says which rows are null.
    fn write_values<T: Copy + Into<i64>>(&mut self, vals: &[T], array: &dyn Array) -> Result<()> {
        let nulls = array.nulls().filter(|n| n.null_count() > 0);
        let all_null = nulls.is_some_and(|n| n.null_count() == vals.len());
        let mut row = 0;
        while row < vals.len() {
            let mut end = vals.len().min(row + PAGE_ROWS - self.defs.len());
            if self.dict {
                end = end.min(row + CHECK_ROWS);
            }
            let part = &vals[row..end];
            if all_null {
                self.defs.resize(self.defs.len() + part.len(), 0);
            } else if let Some(n) = nulls {
                for (r, &v) in (row..end).zip(part) {
                    if n.is_valid(r) {
                        self.defs.push(1);
                        let v = v.into();
                        self.min_max = widen(self.min_max, Some((v, v)));
                        self.push(v);
                    } else {
                        self.defs.push(0);
                    }
                }
            } else {
                self.defs.resize(self.defs.len() + part.len(), 1);
                let mut lo = i64::MAX;
                let mut hi = i64::MIN;
                for &v in part {
                    let v: i64 = v.into();
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                self.min_max = widen(self.min_max, Some((lo, hi)));
                if self.dict {
                    for &v in part {
                        let c = self.lookup(v.into());
                        self.idx.push(c);
                    }
                } else {
                    for &v in part {
                        self.push_plain(v.into());
                    }
                }
            }
            row = end;
            if self.dict && self.values.len() * self.width() >= self.dict_limit {
                // The dictionary is full: this page is its last, the rest is PLAIN.
                self.flush_page()?;
                self.dict = false;
                self.last = None;
                self.table = Vec::new();
            } else if self.defs.len() >= PAGE_ROWS {
                self.flush_page()?;
            }
        }
        Ok(())
    }

    #[inline]
    fn push(&mut self, v: i64) {
        if self.dict {
            let c = self.lookup(v);
            self.idx.push(c);
        } else {
            self.push_plain(v);
        }
    }

    #[inline]
    fn push_plain(&mut self, v: i64) {
        if self.wide {
            self.plain.extend_from_slice(&v.to_le_bytes());
        } else {
            // An INT32 column's values came from `Int32` or `Int16`: they fit.
            self.plain.extend_from_slice(&(v as i32).to_le_bytes());
        }
    }

    /// The dictionary index of `v`, added when new.
    #[inline]
    fn lookup(&mut self, v: i64) -> u32 {
        if let Some((l, c)) = self.last
            && l == v
        {
            return c;
        }
        let c = self.intern(v);
        self.last = Some((v, c));
        c
    }

    fn intern(&mut self, v: i64) -> u32 {
        if self.table.is_empty() {
            self.table = vec![EMPTY; 1024];
        }
        let mask = self.table.len() - 1;
        let mut s = slot_of(v, mask);
        loop {
            let c = self.table[s];
            if c == EMPTY {
                break;
            }
            if self.values[c as usize] == v {
                return c;
            }
            s = (s + 1) & mask;
        }
        let c = self.values.len() as u32;
        self.values.push(v);
        self.table[s] = c;
        if self.values.len() * 2 > self.table.len() {
            self.grow();
        }
        c
    }

    /// Doubles the table and places every value again.
    fn grow(&mut self) {
        let mut table = vec![EMPTY; self.table.len() * 2];
        let mask = table.len() - 1;
        for (c, &v) in self.values.iter().enumerate() {
            let mut s = slot_of(v, mask);
            while table[s] != EMPTY {
                s = (s + 1) & mask;
            }
            table[s] = c as u32;
        }
        self.table = table;
    }

    /// Bits of a dictionary index.
    fn bit_width(&self) -> u8 {
        let n = self.values.len().saturating_sub(1) as u64;
        (64 - n.leading_zeros()) as u8
    }

    fn flush_page(&mut self) -> Result<()> {
        let rows = self.defs.len();
        if rows == 0 {
            return Ok(());
        }
        let present = if self.dict {
            self.idx.len()
        } else {
            self.plain.len() / self.width()
        };
        let nulls = rows - present;
        self.body.clear();
        if self.descr.max_def_level() > 0 {
            // A u32 length, then RLE / bit-packed levels at 1 bit.
            self.body.extend_from_slice(&[0; 4]);
            rle_hybrid(&self.defs, 1, &mut self.body);
            let len = (self.body.len() - 4) as u32;
            self.body[..4].copy_from_slice(&len.to_le_bytes());
        } else if nulls > 0 {
            return Err(ParquetError::General(format!(
                "{nulls} nulls in the NOT NULL column {}",
                self.descr.name()
            )));
        }
        let encoding = if self.dict {
            let width = self.bit_width();
            self.body.push(width);
            rle_hybrid(&self.idx, width, &mut self.body);
            Encoding::RLE_DICTIONARY
        } else {
            self.body.extend_from_slice(&self.plain);
            Encoding::PLAIN
        };
        let uncompressed = self.body.len();
        compress_zstd_into(&self.body, self.zstd_level, &mut self.compressed)
            .map_err(|e| ParquetError::General(format!("zstd: {e}")))?;
        let data = self.compressed.clone();
        self.held += data.len();
        let page = Page::DataPage {
            buf: data.into(),
            num_values: rows as u32,
            encoding,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        self.pages.push(DataPage {
            page: CompressedPage::new(page, uncompressed),
            rows,
            nulls,
            min_max: self.min_max.take(),
            dictionary: self.dict,
        });
        self.rows += rows as u64;
        self.nulls += nulls as u64;
        self.defs.clear();
        self.idx.clear();
        self.plain.clear();
        Ok(())
    }

    /// Bytes this chunk holds so far (finished pages, the dictionary, the open page).
    pub(crate) fn memory_size(&self) -> usize {
        self.held
            + 8 * self.values.len()
            + 4 * (self.table.len() + self.defs.len() + self.idx.len())
            + self.plain.len()
    }

    /// The bytes of `v` in the column's physical type (column index bounds).
    fn bytes_of(&self, v: i64) -> Vec<u8> {
        if self.wide {
            v.to_le_bytes().to_vec()
        } else {
            (v as i32).to_le_bytes().to_vec()
        }
    }

    /// Finishes the chunk: its bytes (dictionary page first, when it has one) and what the row
    /// group needs to splice them in.
    pub(crate) fn close(mut self) -> Result<(bytes::Bytes, ColumnCloseResult)> {
        self.flush_page()?;
        let has_dictionary = self.dict_limit > 0;
        let mut sink = TrackedWrite::new(Vec::new());
        let physical = if self.wide {
            PhysicalType::INT64
        } else {
            PhysicalType::INT32
        };
        let mut tally = PageTally::new(physical);
        let mut chunk: Option<(i64, i64)> = None;
        {
            let mut pw = SerializedPageWriter::new(&mut sink);
            if has_dictionary {
                let mut plain = Vec::with_capacity(self.values.len() * self.width());
                for &v in &self.values {
                    if self.wide {
                        plain.extend_from_slice(&v.to_le_bytes());
                    } else {
                        plain.extend_from_slice(&(v as i32).to_le_bytes());
                    }
                }
                compress_zstd_into(&plain, self.zstd_level, &mut self.compressed)
                    .map_err(|e| ParquetError::General(format!("zstd: {e}")))?;
                let page = dictionary_page(
                    self.compressed.clone().into(),
                    self.values.len(),
                    plain.len(),
                );
                tally.dictionary(&pw.write_page(page)?);
            }
            for p in std::mem::take(&mut self.pages) {
                let spec = pw.write_page(p.page)?;
                chunk = widen(chunk, p.min_max);
                let min_max = p
                    .min_max
                    .map(|(lo, hi)| (self.bytes_of(lo), self.bytes_of(hi)));
                tally.data(&spec, p.dictionary, p.rows, p.nulls, min_max);
            }
            pw.close()?;
        }
        let statistics = if self.wide {
            Statistics::int64(
                chunk.map(|c| c.0),
                chunk.map(|c| c.1),
                None,
                Some(self.nulls),
                false,
            )
        } else {
            Statistics::int32(
                chunk.map(|c| c.0 as i32),
                chunk.map(|c| c.1 as i32),
                None,
                Some(self.nulls),
                false,
            )
        };
        tally.close_buffer(
            sink,
            self.descr.clone(),
            self.zstd_level,
            self.rows,
            statistics,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, Int16Array, Int32Array, Int64Array, RecordBatch, TimestampMicrosecondArray,
    };
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    use bytes::Bytes;
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    use parquet::basic::Compression;
    use parquet::file::metadata::PageIndexPolicy;
    use parquet::file::properties::WriterProperties;

    use super::*;
    use crate::testutil::{Rng, first_column, one_chunk_file};

    /// `n` batches of `rows` values of `dt`: nulls at `null_pct` %, `distinct` values at most,
    /// in runs of up to `run` rows.
    fn batches(
        dt: &DataType,
        seed: u64,
        n: usize,
        rows: usize,
        (null_pct, distinct, run): (u64, u64, u64),
    ) -> Vec<ArrayRef> {
        let mut r = Rng(seed | 1);
        let mut v = 0i64;
        let mut left = 0u64;
        (0..n)
            .map(|_| {
                let vals: Vec<Option<i64>> = (0..rows)
                    .map(|_| {
                        if left == 0 {
                            // Around zero, so minimums are negative too.
                            v = r.below(distinct) as i64 - (distinct / 3) as i64;
                            left = 1 + r.below(run);
                        }
                        left -= 1;
                        (r.below(100) >= null_pct).then_some(v)
                    })
                    .collect();
                match dt {
                    DataType::Int16 => Arc::new(Int16Array::from_iter(
                        vals.iter().map(|v| v.map(|v| v as i16)),
                    )) as ArrayRef,
                    DataType::Int32 => Arc::new(Int32Array::from_iter(
                        vals.iter().map(|v| v.map(|v| v as i32)),
                    )),
                    DataType::Int64 => Arc::new(Int64Array::from_iter(
                        vals.iter().map(|v| v.map(|v| v * 1_000_003)),
                    )),
                    _ => Arc::new(
                        TimestampMicrosecondArray::from_iter(
                            vals.iter().map(|v| v.map(|v| 1_720_000_000_000_000 + v)),
                        )
                        .with_timezone("UTC"),
                    ),
                }
            })
            .collect()
    }

    fn ts() -> DataType {
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    }

    fn schema_of(dt: &DataType, nullable: bool) -> Arc<Schema> {
        Arc::new(Schema::new(vec![Field::new("v", dt.clone(), nullable)]))
    }

    fn props(dictionary: bool) -> WriterProperties {
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                parquet::basic::ZstdLevel::try_new(1).expect("level"),
            ))
            .set_dictionary_enabled(dictionary)
            .build()
    }

    /// The column written by `IntChunk` (dictionary limit `limit`), one row group.
    fn ours(arrays: &[ArrayRef], schema: Arc<Schema>, limit: usize) -> Result<Bytes> {
        one_chunk_file(schema, props(limit > 0), |descr| {
            let mut chunk = IntChunk::new(descr, 1, limit)?;
            for a in arrays {
                chunk.write(a.as_ref())?;
            }
            chunk.close()
        })
    }

    /// The same column written by arrow-rs.
    fn theirs(arrays: &[ArrayRef], schema: Arc<Schema>, dictionary: bool) -> Bytes {
        let mut w = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props(dictionary)))
            .expect("writer");
        for a in arrays {
            w.write(&RecordBatch::try_new(schema.clone(), vec![a.clone()]).expect("batch"))
                .expect("write");
        }
        Bytes::from(w.into_inner().expect("finish"))
    }

    /// Every value of `arrays`, as the data they hold (type included).
    fn data(arrays: &[ArrayRef]) -> Vec<arrow_array::ArrayRef> {
        let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
        vec![arrow_select::concat::concat(&refs).expect("concat")]
    }

    fn read_back(file: &Bytes) -> Vec<ArrayRef> {
        data(&first_column(file))
    }

    /// The first chunk's statistics, encodings, and whether it has a dictionary page.
    fn chunk_meta(file: &Bytes) -> (Option<Statistics>, Vec<Encoding>, bool) {
        let r = ParquetRecordBatchReaderBuilder::try_new(file.clone()).expect("reader");
        let md = r.metadata().row_group(0).column(0).clone();
        let mut encodings: Vec<Encoding> = md.encodings().collect();
        encodings.sort_by_key(|e| format!("{e:?}"));
        (
            md.statistics().cloned(),
            encodings,
            md.dictionary_page_offset().is_some(),
        )
    }

    /// Encodings of the data pages of the first chunk, in order.
    fn page_encodings(file: &Bytes) -> Vec<Encoding> {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let r = SerializedFileReader::new(file.clone()).expect("reader");
        let mut pages = r
            .get_row_group(0)
            .expect("row group")
            .get_column_page_reader(0)
            .expect("pages");
        let mut out = Vec::new();
        while let Some(p) = pages.get_next_page().expect("page") {
            if let Page::DataPage { encoding, .. } = p {
                out.push(encoding);
            }
        }
        out
    }

    #[test]
    fn chunks_read_back_with_the_statistics_arrow_rs_writes() {
        // (nulls %, distinct values, run length), rows per batch, batches.
        let cases = [
            ((0u64, 50u64, 1u64), 1000usize, 2usize),
            ((10, 5, 30), 9_000, 3),
            ((50, 1_000, 4), 30_000, 2),
            ((100, 10, 1), 500, 2),
            ((0, 1, 1), 1, 1),
            ((5, 40_000, 1), 25_000, 3),
            ((0, u32::MAX as u64, 1), 25_000, 2),
        ];
        for dt in [DataType::Int16, DataType::Int32, DataType::Int64, ts()] {
            for (k, (shape, rows, n)) in cases.iter().enumerate() {
                for nullable in [true, false] {
                    let shape = if nullable {
                        *shape
                    } else {
                        (0, shape.1, shape.2)
                    };
                    let arrays = batches(&dt, k as u64 + 1, *n, *rows, shape);
                    let want = data(&arrays);
                    let schema = schema_of(&dt, nullable);
                    for dictionary in [true, false] {
                        let limit = if dictionary { 1 << 20 } else { 0 };
                        let what = format!("{dt} case {k} nullable {nullable} dict {dictionary}");
                        let ours = ours(&arrays, schema.clone(), limit).expect("ours");
                        let theirs = theirs(&arrays, schema.clone(), dictionary);
                        assert_eq!(read_back(&ours), want, "{what}: values");
                        let (ours_stats, ours_enc, ours_dict) = chunk_meta(&ours);
                        let (theirs_stats, theirs_enc, theirs_dict) = chunk_meta(&theirs);
                        assert_eq!(ours_stats, theirs_stats, "{what}: statistics");
                        assert_eq!(ours_dict, theirs_dict, "{what}: dictionary page");
                        assert_eq!(ours_enc, theirs_enc, "{what}: encodings");
                    }
                }
            }
        }
    }

    #[test]
    fn a_full_dictionary_falls_back_to_plain_pages() {
        // 8-byte values, a 16 KiB limit: full after 2048 distinct values.
        let dt = DataType::Int64;
        let arrays = batches(&dt, 9, 3, 30_000, (5, 1 << 40, 1));
        let file = ours(&arrays, schema_of(&dt, true), 16 << 10).expect("ours");
        assert_eq!(read_back(&file), data(&arrays));
        let pages = page_encodings(&file);
        assert_eq!(pages[0], Encoding::RLE_DICTIONARY, "{pages:?}");
        assert!(
            pages[1..].iter().all(|e| *e == Encoding::PLAIN),
            "{pages:?}"
        );
        assert!(pages.len() > 4, "{pages:?}");
        // A dictionary that never fills: dictionary pages only.
        let few = batches(&dt, 10, 3, 30_000, (5, 100, 3));
        let file = ours(&few, schema_of(&dt, true), 16 << 10).expect("ours");
        assert_eq!(read_back(&file), data(&few));
        let pages = page_encodings(&file);
        assert!(
            pages.iter().all(|e| *e == Encoding::RLE_DICTIONARY),
            "{pages:?}"
        );
    }

    #[test]
    fn the_page_index_describes_every_page() {
        let dt = DataType::Int32;
        let mut arrays = batches(&dt, 13, 2, 45_000, (20, 70_000, 2));
        arrays.push(Arc::new(Int32Array::from(vec![None::<i32>; 25_000])));
        let want: Vec<Option<i32>> = arrays
            .iter()
            .flat_map(|a| a.as_primitive::<Int32Type>().iter().collect::<Vec<_>>())
            .collect();
        for limit in [0, 64 << 10, 1 << 20] {
            let file = ours(&arrays, schema_of(&dt, true), limit).expect("ours");
            let r = ParquetRecordBatchReaderBuilder::try_new_with_options(
                file.clone(),
                ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required),
            )
            .expect("reader");
            let page_index = r.metadata().page_index_for_row_group(0);
            let locs = page_index.page_locations(0).expect("offset index").clone();
            let index = page_index.column_index(0).expect("column index");
            let parquet::file::page_index::column_index::ColumnIndexMetaData::INT32(ci) = index
            else {
                panic!("column index of another type: {index:?}")
            };
            assert!(locs.len() > 4, "limit {limit}: {} pages", locs.len());
            for (p, loc) in locs.iter().enumerate() {
                let start = loc.first_row_index as usize;
                let end = locs
                    .get(p + 1)
                    .map_or(want.len(), |l| l.first_row_index as usize);
                let rows = &want[start..end];
                assert!(rows.len() <= PAGE_ROWS, "limit {limit} page {p}");
                let present: Vec<i32> = rows.iter().flatten().copied().collect();
                let nulls = (rows.len() - present.len()) as i64;
                assert_eq!(ci.null_count(p), Some(nulls), "limit {limit} page {p}");
                assert_eq!(ci.is_null_page(p), present.is_empty(), "page {p}");
                if !present.is_empty() {
                    assert_eq!(ci.min_value(p), present.iter().min(), "page {p} min");
                    assert_eq!(ci.max_value(p), present.iter().max(), "page {p} max");
                }
            }
            assert_eq!(read_back(&file), data(&arrays), "limit {limit}");
        }
    }

    #[test]
    fn wrong_arrays_and_nulls_in_not_null_columns_are_errors() {
        let i32s = batches(&DataType::Int32, 31, 1, 100, (0, 10, 1));
        let descr_of_int64 = one_chunk_file(schema_of(&DataType::Int64, true), props(true), |d| {
            let mut c = IntChunk::new(d, 1, 1 << 20)?;
            c.write(i32s[0].as_ref())?;
            c.close()
        });
        assert!(descr_of_int64.is_err(), "an Int32 array in an INT64 column");
        let with_nulls = batches(&DataType::Int64, 32, 1, 100, (50, 10, 1));
        assert!(ours(&with_nulls, schema_of(&DataType::Int64, false), 1 << 20).is_err());
        let utf8 = Arc::new(Schema::new(vec![Field::new("v", DataType::Utf8, true)]));
        let made = one_chunk_file(utf8, props(true), |d| IntChunk::new(d, 1, 0)?.close());
        assert!(made.is_err(), "an integer chunk for a BYTE_ARRAY column");
    }
}
