//! Column chunks of `Dictionary(Int32, Utf8)` columns, encoded from the Arrow dictionary.
//!
//! arrow-rs's Parquet writer treats a dictionary array like a string array: for every row it
//! looks the key's string up, hashes it into its own dictionary (`Interner::intern`) and
//! compares it against the running min and max. A flow row has sixteen such columns, several
//! of them long per-record constants (`resource_id`, `source_file`): in a callgrind count of
//! an NSG conversion that path was 42 % of all instructions outside SHA-256, and a constant
//! column cost 19–39 ns per row. Here each distinct string of a batch is interned once, a row
//! costs an array lookup, and min/max are taken per page over the distinct strings it used.
//!
//! The same encoder takes a `Utf8` column whose rows repeat (a flow log's `extra`, see
//! [`repetitive`]): a row equal to the one before it takes its index after one comparison.
//!
//! What is written is what arrow-rs writes for such a column: data page v1, the chunk's
//! dictionary as a PLAIN dictionary page first, RLE_DICTIONARY data pages of at most
//! [`PAGE_ROWS`] rows with RLE definition levels, chunk statistics (min, max, null count), a
//! column index and an offset index. Differences: statistics are exact (not truncated to 64
//! bytes), the column index's boundary order is always UNORDERED, and no size statistics
//! (level histograms, unencoded byte counts) are written; all three are optional in the format.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, DictionaryArray};
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use crate::chunk::{PageTally, dictionary_page};

/// Rows per data page: arrow-rs's default `data_page_row_count_limit`.
pub(crate) const PAGE_ROWS: usize = 20_000;

/// A dictionary past this many bytes of strings ends its row group early, so a column that
/// stops repeating does not build an ever larger dictionary page. arrow-rs falls back to PLAIN
/// at 1 MiB; at that limit the `extra` of VNet flow logs (370 bytes, once per record) ended
/// row groups at ~250 K rows instead of 1 M, so the limit is 8 MiB.
pub(crate) const DICTIONARY_LIMIT: usize = 8 << 20;

/// Whether a `Utf8` column's chunk is worth a dictionary, judged on the first batch of the
/// chunk: at most one row in 16 differs from the row before it. The `extra` column of a flow
/// log repeats its record's fields on every tuple (110 bytes a row for NSG, 370 for VNet);
/// the `extra` of a Storage Analytics line is nearly unique, and stays PLAIN with arrow-rs.
pub(crate) fn repetitive(array: &dyn Array) -> bool {
    let Some(s) = array.as_string_opt::<i32>() else {
        return false;
    };
    let mut changes = 0usize;
    let mut last: Option<&str> = None;
    for v in s.iter().flatten() {
        if last != Some(v) {
            changes += 1;
            last = Some(v);
        }
    }
    changes * 16 <= s.len()
}

/// One column chunk being written.
pub(crate) struct DictChunk {
    descr: ColumnDescPtr,
    zstd_level: i32,
    /// Chunk dictionary: string → index, and the strings in index order.
    index: HashMap<Box<[u8]>, u32>,
    values: Vec<Box<[u8]>>,
    /// The open page: a definition level per row, an index per non-null row, and which
    /// dictionary entries it used (one bit each).
    defs: Vec<u32>,
    idx: Vec<u32>,
    used: Vec<u64>,
    /// Finished data pages (compressed), each with its row count, null count and min/max.
    pages: Vec<DataPage>,
    rows: u64,
    nulls: u64,
    /// Bytes held (pages, dictionary, open page), for the row-group budget.
    held: usize,
    /// Bytes of the dictionary's strings.
    dict_bytes: usize,
}

struct DataPage {
    page: CompressedPage,
    rows: usize,
    nulls: usize,
    min_max: Option<(u32, u32)>,
}

impl DictChunk {
    /// A chunk for `descr`, its pages compressed with zstd at `zstd_level`.
    pub(crate) fn new(descr: ColumnDescPtr, zstd_level: i32) -> Self {
        Self {
            descr,
            zstd_level,
            index: HashMap::new(),
            values: Vec::new(),
            defs: Vec::with_capacity(PAGE_ROWS),
            idx: Vec::with_capacity(PAGE_ROWS),
            used: Vec::new(),
            pages: Vec::new(),
            rows: 0,
            nulls: 0,
            held: 0,
            dict_bytes: 0,
        }
    }

    /// Appends the rows of `array`, which must be a `Dictionary(Int32, Utf8)` array.
    /// Appends the rows of `array`: a `Dictionary(Int32, Utf8)` array, or a `Utf8` array (see
    /// [`repetitive`]).
    pub(crate) fn write(&mut self, array: &dyn Array) -> Result<()> {
        if let Some(strings) = array.as_string_opt::<i32>() {
            return self.write_strings(strings);
        }
        let dict: &DictionaryArray<Int32Type> = array
            .as_dictionary_opt()
            .ok_or_else(|| ParquetError::General("not an Int32 dictionary array".into()))?;
        let values = dict
            .values()
            .as_string_opt::<i32>()
            .ok_or_else(|| ParquetError::General("dictionary values are not Utf8".into()))?;
        // Chunk index of each of the batch's dictionary entries, looked up on first use.
        const UNSEEN: u32 = u32::MAX;
        let mut map = vec![UNSEEN; values.len()];
        let keys = dict.keys();
        let no_nulls = keys.null_count() == 0 && values.null_count() == 0;
        let mut row = 0;
        while row < keys.len() {
            // Up to the end of the open page.
            let end = keys.len().min(row + PAGE_ROWS - self.defs.len());
            if no_nulls {
                // The entry marked last in this page: a run of one key marks it once.
                let mut marked = UNSEEN;
                for &key in &keys.values()[row..end] {
                    let k = usize::try_from(key)
                        .ok()
                        .filter(|&k| k < values.len())
                        .ok_or_else(|| out_of_range(key))?;
                    let mut c = map[k];
                    if c == UNSEEN {
                        c = self.intern(values.value(k).as_bytes());
                        map[k] = c;
                    }
                    self.idx.push(c);
                    if c != marked {
                        self.used[c as usize / 64] |= 1 << (c % 64);
                        marked = c;
                    }
                }
                self.defs.resize(self.defs.len() + (end - row), 1);
            } else {
                for r in row..end {
                    let value = if keys.is_valid(r) {
                        let key = keys.value(r);
                        let k = usize::try_from(key)
                            .ok()
                            .filter(|&k| k < values.len())
                            .ok_or_else(|| out_of_range(key))?;
                        values.is_valid(k).then_some(k)
                    } else {
                        None
                    };
                    match value {
                        Some(k) => {
                            let mut c = map[k];
                            if c == UNSEEN {
                                c = self.intern(values.value(k).as_bytes());
                                map[k] = c;
                            }
                            self.defs.push(1);
                            self.idx.push(c);
                            self.used[c as usize / 64] |= 1 << (c % 64);
                        }
                        None => self.defs.push(0),
                    }
                }
            }
            row = end;
            if self.defs.len() == PAGE_ROWS {
                self.flush_page()?;
            }
        }
        Ok(())
    }

    /// Appends the rows of a `Utf8` array: a row equal to the row before it takes its index
    /// (one comparison), any other is interned.
    fn write_strings(&mut self, strings: &arrow_array::StringArray) -> Result<()> {
        let mut last: Option<(&[u8], u32)> = None;
        for row in 0..strings.len() {
            if strings.is_valid(row) {
                let v = strings.value(row).as_bytes();
                let c = match last {
                    Some((p, c)) if p == v => c,
                    _ => self.intern(v),
                };
                last = Some((v, c));
                self.defs.push(1);
                self.idx.push(c);
                self.used[c as usize / 64] |= 1 << (c % 64);
            } else {
                self.defs.push(0);
            }
            if self.defs.len() == PAGE_ROWS {
                self.flush_page()?;
            }
        }
        Ok(())
    }

    /// True once the dictionary holds more than [`DICTIONARY_LIMIT`] bytes of strings: the
    /// writer then closes the row group, and the next one decides afresh.
    pub(crate) fn dictionary_full(&self) -> bool {
        self.dict_bytes > DICTIONARY_LIMIT
    }

    fn intern(&mut self, v: &[u8]) -> u32 {
        if let Some(&c) = self.index.get(v) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(v.into());
        self.index.insert(v.into(), c);
        self.held += 2 * v.len() + 48;
        self.dict_bytes += v.len();
        if self.used.len() * 64 <= c as usize {
            self.used.push(0);
        }
        c
    }

    /// Bits of a dictionary index.
    fn bit_width(&self) -> u8 {
        let n = self.values.len().saturating_sub(1) as u64;
        (64 - n.leading_zeros()) as u8
    }

    fn compress(&self, buf: Vec<u8>) -> Result<(Vec<u8>, usize)> {
        let n = buf.len();
        let out = compress_zstd(&buf, self.zstd_level)
            .map_err(|e| ParquetError::General(format!("zstd: {e}")))?;
        Ok((out, n))
    }

    fn flush_page(&mut self) -> Result<()> {
        let rows = self.defs.len();
        if rows == 0 {
            return Ok(());
        }
        let nulls = rows - self.idx.len();
        // Definition levels (a nullable column only): a u32 length, then RLE / bit-packed at
        // 1 bit. A NOT NULL column has no levels, and no nulls.
        let mut buf = Vec::new();
        if self.descr.max_def_level() > 0 {
            buf.extend_from_slice(&[0; 4]);
            rle_hybrid(&self.defs, 1, &mut buf);
            let def_len = (buf.len() - 4) as u32;
            buf[..4].copy_from_slice(&def_len.to_le_bytes());
        } else if nulls > 0 {
            return Err(ParquetError::General(format!(
                "{nulls} nulls in the NOT NULL column {}",
                self.descr.name()
            )));
        }
        // Indices: the bit width, then RLE / bit-packed.
        let width = self.bit_width();
        buf.push(width);
        rle_hybrid(&self.idx, width, &mut buf);
        // Min and max over the distinct strings this page used.
        let mut min_max: Option<(u32, u32)> = None;
        for (w, word) in self.used.iter_mut().enumerate() {
            let mut m = std::mem::take(word);
            while m != 0 {
                let c = (w * 64 + m.trailing_zeros() as usize) as u32;
                m &= m - 1;
                let v = &self.values[c as usize];
                min_max = Some(match min_max {
                    None => (c, c),
                    Some((lo, hi)) => (
                        if **v < *self.values[lo as usize] {
                            c
                        } else {
                            lo
                        },
                        if **v > *self.values[hi as usize] {
                            c
                        } else {
                            hi
                        },
                    ),
                });
            }
        }
        let (data, uncompressed) = self.compress(buf)?;
        self.held += data.len();
        let page = Page::DataPage {
            buf: data.into(),
            num_values: rows as u32,
            encoding: Encoding::RLE_DICTIONARY,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        self.pages.push(DataPage {
            page: CompressedPage::new(page, uncompressed),
            rows,
            nulls,
            min_max,
        });
        self.rows += rows as u64;
        self.nulls += nulls as u64;
        self.defs.clear();
        self.idx.clear();
        Ok(())
    }

    /// Bytes this chunk holds so far (encoded pages, dictionary, the open page).
    pub(crate) fn memory_size(&self) -> usize {
        self.held + 4 * (self.defs.len() + self.idx.len())
    }

    /// Finishes the chunk: its bytes (dictionary page first) and what the row group needs to
    /// splice them in.
    pub(crate) fn close(mut self) -> Result<(bytes::Bytes, ColumnCloseResult)> {
        self.flush_page()?;
        let mut plain = Vec::new();
        for v in &self.values {
            plain.extend_from_slice(&(v.len() as u32).to_le_bytes());
            plain.extend_from_slice(v);
        }
        let (dict_data, dict_uncompressed) = self.compress(plain)?;
        let dict_page = dictionary_page(dict_data.into(), self.values.len(), dict_uncompressed);

        // The chunk's min and max: over the pages' (they cover every non-null row).
        let mut chunk: Option<(u32, u32)> = None;
        for (lo, hi) in self.pages.iter().filter_map(|p| p.min_max) {
            chunk = Some(match chunk {
                None => (lo, hi),
                Some((a, b)) => (
                    if self.values[lo as usize] < self.values[a as usize] {
                        lo
                    } else {
                        a
                    },
                    if self.values[hi as usize] > self.values[b as usize] {
                        hi
                    } else {
                        b
                    },
                ),
            });
        }

        let mut sink = TrackedWrite::new(Vec::new());
        let mut tally = PageTally::new(PhysicalType::BYTE_ARRAY);
        {
            let mut pw = SerializedPageWriter::new(&mut sink);
            tally.dictionary(&pw.write_page(dict_page)?);
            for p in std::mem::take(&mut self.pages) {
                let spec = pw.write_page(p.page)?;
                let min_max = p.min_max.map(|(lo, hi)| {
                    (
                        self.values[lo as usize].to_vec(),
                        self.values[hi as usize].to_vec(),
                    )
                });
                tally.data(&spec, true, p.rows, p.nulls, min_max);
            }
            pw.close()?;
        }
        let value = |c: u32| ByteArray::from(self.values[c as usize].to_vec());
        let statistics = Statistics::byte_array(
            chunk.map(|(lo, _)| value(lo)),
            chunk.map(|(_, hi)| value(hi)),
            None,
            Some(self.nulls),
            false,
        );
        tally.close_buffer(
            sink,
            self.descr.clone(),
            self.zstd_level,
            self.rows,
            statistics,
        )
    }
}

fn out_of_range(key: i32) -> ParquetError {
    ParquetError::General(format!("dictionary key {key} out of range"))
}

thread_local! {
    /// This thread's zstd context and the level it was made for. A page is a few KiB to a
    /// MiB, so a context per page (`zstd::bulk::compress`) cost more than the compression of
    /// a small page: 2.3 % of an NSG conversion's samples went to `ZSTD_createCCtx` alone,
    /// more to zeroing its fresh tables.
    static ZSTD: std::cell::RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's zstd context for `level`.
fn with_zstd<T>(
    level: i32,
    f: impl FnOnce(&mut zstd::bulk::Compressor<'static>) -> std::io::Result<T>,
) -> std::io::Result<T> {
    ZSTD.with(|cell| {
        let mut slot = cell.borrow_mut();
        if !matches!(&*slot, Some((l, _)) if *l == level) {
            *slot = Some((level, zstd::bulk::Compressor::new(level)?));
        }
        match slot.as_mut() {
            Some((_, c)) => f(c),
            None => Err(std::io::Error::other("no zstd context")),
        }
    })
}

/// `data` compressed as one zstd frame at `level`, with this thread's reused context. The
/// frame is what `zstd::bulk::compress` makes (content size in the header, no checksum).
fn compress_zstd(data: &[u8], level: i32) -> std::io::Result<Vec<u8>> {
    with_zstd(level, |c| c.compress(data))
}

/// [`compress_zstd`] into `out` (replacing what it held), whose room is kept from call to
/// call: a page-sized buffer reused instead of a fresh one at zstd's bound for every page.
pub(crate) fn compress_zstd_into(
    data: &[u8],
    level: i32,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    out.clear();
    out.reserve(zstd::zstd_safe::compress_bound(data.len()));
    with_zstd(level, |c| c.compress_to_buffer(data, out).map(|_| ()))
}

/// Writes `values` as a Parquet RLE / bit-packed hybrid run sequence at `width` bits (no
/// length prefix). Runs of 8 or more equal values become RLE runs; the rest is bit-packed in
/// groups of 8 (the last group padded with zeros, as the format allows).
pub(crate) fn rle_hybrid(values: &[u32], width: u8, out: &mut Vec<u8>) {
    let mut lit_start = 0usize; // start of the values not yet written, to bit-pack
    let mut i = 0usize;
    while i < values.len() {
        let v = values[i];
        let mut j = i + 1;
        // Eight at a time while they all match (a page of a column without nulls is one
        // run of definition levels), then one by one.
        while let Some(next) = values.get(j..j + 8)
            && next == [v; 8]
        {
            j += 8;
        }
        while j < values.len() && values[j] == v {
            j += 1;
        }
        // Align the literal stretch to a multiple of 8 with values of this run.
        let pending = i - lit_start;
        let fill = (8 - pending % 8) % 8;
        if j - i >= fill + 8 {
            let run_start = i + fill;
            bit_pack(&values[lit_start..run_start], width, out);
            rle_run(v, j - run_start, width, out);
            lit_start = j;
        }
        i = j;
    }
    bit_pack(&values[lit_start..], width, out);
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn rle_run(v: u32, n: usize, width: u8, out: &mut Vec<u8>) {
    varint((n as u64) << 1, out);
    let bytes = usize::from(width).div_ceil(8);
    out.extend_from_slice(&v.to_le_bytes()[..bytes]);
}

/// Bit-packs `values` (padded to a multiple of 8) in runs of at most 63 groups.
///
/// Eight values of `width` bits fill exactly `width` bytes: up to 16 bits a group is gathered
/// in one `u128` and written at once (a byte at a time, this was 3.6 % of an NSG conversion's
/// samples, with its RLE scan).
fn bit_pack(values: &[u32], width: u8, out: &mut Vec<u8>) {
    let w = u32::from(width);
    // (An empty slice writes nothing: a run of zero groups would be legal but odd.)
    for run in values.chunks(63 * 8) {
        let groups = run.len().div_ceil(8);
        varint(((groups as u64) << 1) | 1, out);
        out.reserve(groups * usize::from(width));
        for group in run.chunks(8) {
            if w <= 16 {
                let mut acc = 0u128;
                for (k, &v) in group.iter().enumerate() {
                    acc |= u128::from(v) << (k as u32 * w);
                }
                out.extend_from_slice(&acc.to_le_bytes()[..usize::from(width)]);
            } else {
                let mut acc = 0u64;
                let mut bits = 0u32;
                for k in 0..8 {
                    let v = group.get(k).copied().unwrap_or(0);
                    acc |= u64::from(v) << bits;
                    bits += w;
                    while bits >= 8 {
                        out.push(acc as u8);
                        acc >>= 8;
                        bits -= 8;
                    }
                }
                debug_assert_eq!(bits, 0, "8 values of any width fill whole bytes");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::StringDictionaryBuilder;
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    use bytes::Bytes;
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;

    use super::*;
    use crate::testutil::{Rng, chunk_stats, first_column, one_chunk_file};

    fn schema_of(nullable: bool) -> Arc<Schema> {
        let dt = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        Arc::new(Schema::new(vec![Field::new("d", dt, nullable)]))
    }

    fn schema() -> Arc<Schema> {
        schema_of(true)
    }

    /// Batches of `rows` rows each, values from a pool of `distinct` strings (long ones
    /// included), nulls at `null_pct` %, in runs when `runs`.
    fn batches(seed: u64, n: usize, rows: usize, distinct: u64, null_pct: u64) -> Vec<ArrayRef> {
        let mut r = Rng(seed | 1);
        (0..n)
            .map(|_| {
                let mut b = StringDictionaryBuilder::<Int32Type>::new();
                let mut run = 0;
                let mut v = 0;
                for _ in 0..rows {
                    if run == 0 {
                        v = r.below(distinct);
                        run = 1 + r.below(40);
                    }
                    run -= 1;
                    if r.below(100) < null_pct {
                        b.append_null();
                    } else {
                        let s = format!("{}-{v:05}", "x".repeat((v % 7) as usize * 30));
                        b.append_value(s);
                    }
                }
                Arc::new(b.finish()) as ArrayRef
            })
            .collect()
    }

    /// The column written by `DictChunk`, one row group, as a Parquet file.
    fn ours(arrays: &[ArrayRef]) -> Bytes {
        ours_in(arrays, schema())
    }

    fn ours_in(arrays: &[ArrayRef], schema: Arc<Schema>) -> Bytes {
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                parquet::basic::ZstdLevel::try_new(1).expect("level"),
            ))
            .build();
        one_chunk_file(schema, props, |descr| {
            let mut chunk = DictChunk::new(descr, 1);
            for a in arrays {
                chunk.write(a.as_ref())?;
            }
            chunk.close()
        })
        .expect("chunk file")
    }

    /// The same column written by arrow-rs.
    fn theirs(arrays: &[ArrayRef]) -> Bytes {
        let mut w = ArrowWriter::try_new(Vec::new(), schema(), None).expect("writer");
        for a in arrays {
            w.write(&RecordBatch::try_new(schema(), vec![a.clone()]).expect("batch"))
                .expect("write");
        }
        Bytes::from(w.into_inner().expect("finish"))
    }

    fn strings(arrays: &[ArrayRef]) -> Vec<Option<String>> {
        let mut out = Vec::new();
        for a in arrays {
            let d = a.as_dictionary::<Int32Type>();
            let v = d.values().as_string::<i32>();
            for i in 0..d.len() {
                out.push(d.key(i).map(|k| v.value(k).to_string()));
            }
        }
        out
    }

    fn read_back(file: &Bytes) -> Vec<Option<String>> {
        strings(&first_column(file))
    }

    #[test]
    fn chunks_read_back_as_written_with_arrow_rs_statistics() {
        // One value; a handful; more than 256 (9-bit indices) and pages of every kind.
        let cases = [
            (1u64, 3usize, 1000usize, 1u64, 0u64),
            (2, 2, 30_000, 5, 10),
            (3, 4, 17_000, 700, 3),
            (4, 1, 45_000, 3, 100),
            (5, 3, 9_000, 2, 50),
            (6, 1, 2, 1, 100),
            (7, 1, 2, 2, 0),
            (8, 2, 1, 1, 0),
            (10, 2, 30_000, 50, 0),
        ];
        for (seed, n, rows, distinct, nulls) in cases {
            let arrays = batches(seed, n, rows, distinct, nulls);
            let ours = ours(&arrays);
            let theirs = theirs(&arrays);
            let want = strings(&arrays);
            assert_eq!(read_back(&ours), want, "case {seed}: values");
            assert_eq!(read_back(&theirs), want, "case {seed}: arrow-rs itself");
            // Exact statistics equal arrow-rs's wherever its 64-byte truncation leaves the
            // value whole; the null count always.
            let (a, b) = (chunk_stats(&ours), chunk_stats(&theirs));
            assert_eq!(a.2, b.2, "case {seed}: null count");
            for (x, y) in [(&a.0, &b.0), (&a.1, &b.1)] {
                match (x, y) {
                    (Some(x), Some(y)) if x.len() <= 64 => assert_eq!(x, y, "case {seed}"),
                    (Some(x), Some(y)) => assert!(x.starts_with(&y[..y.len() - 1]), "case {seed}"),
                    (None, None) => assert_eq!(nulls, 100),
                    other => panic!("case {seed}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn string_chunks_read_back_as_written_with_arrow_rs_statistics() {
        // `Utf8` input: runs of equal rows, nulls, more distinct values than one word of bits.
        let mut r = Rng(21);
        let arrays: Vec<ArrayRef> = (0..3)
            .map(|_| {
                let mut b = arrow_array::builder::StringBuilder::new();
                let mut left = 0;
                let mut v = String::new();
                for _ in 0..25_000 {
                    if left == 0 {
                        v = format!("{{\"record\":{}}}", r.below(300));
                        left = 1 + r.below(60);
                    }
                    left -= 1;
                    if r.below(50) == 0 {
                        b.append_null();
                    } else {
                        b.append_value(&v);
                    }
                }
                Arc::new(b.finish()) as ArrayRef
            })
            .collect();
        assert!(arrays.iter().all(|a| repetitive(a.as_ref())));
        let schema = Arc::new(Schema::new(vec![Field::new("d", DataType::Utf8, true)]));
        let file = ours_in(&arrays, schema.clone());
        let mut w = ArrowWriter::try_new(Vec::new(), schema.clone(), None).expect("writer");
        for a in &arrays {
            w.write(&RecordBatch::try_new(schema.clone(), vec![a.clone()]).expect("batch"))
                .expect("write");
        }
        let theirs = Bytes::from(w.into_inner().expect("finish"));
        let text = |f: &Bytes| -> Vec<Option<String>> {
            ParquetRecordBatchReaderBuilder::try_new(f.clone())
                .expect("reader")
                .build()
                .expect("build")
                .flat_map(|b| {
                    let b = b.expect("batch");
                    let s = b.column(0).as_string::<i32>().clone();
                    (0..s.len())
                        .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let want: Vec<Option<String>> = arrays
            .iter()
            .flat_map(|a| {
                let s = a.as_string::<i32>().clone();
                (0..s.len())
                    .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(text(&file), want);
        assert_eq!(chunk_stats(&file), chunk_stats(&theirs));
    }

    #[test]
    fn repetitive_means_one_change_in_sixteen_rows() {
        let strings = |v: Vec<Option<&str>>| arrow_array::StringArray::from(v);
        let runs: Vec<Option<&str>> = (0..160).map(|i| Some(["a", "b"][i / 16 % 2])).collect();
        assert!(repetitive(&strings(runs)));
        let unique: Vec<String> = (0..160).map(|i| format!("{i}")).collect();
        assert!(!repetitive(&strings(
            unique.iter().map(|s| Some(s.as_str())).collect()
        )));
        let some: Vec<Option<&str>> = (0..160).map(|i| Some(["a", "b"][i / 8 % 2])).collect();
        assert!(!repetitive(&strings(some)));
        // Not a string column at all.
        assert!(!repetitive(&batches(1, 1, 10, 2, 0)[0]));
    }

    #[test]
    fn not_null_columns_have_no_levels() {
        let arrays = batches(11, 2, 30_000, 9, 0);
        let file = ours_in(&arrays, schema_of(false));
        assert_eq!(read_back(&file), strings(&arrays));
        // A null in a NOT NULL column is an error, not a corrupt page.
        let props = WriterProperties::builder().build();
        let w = ArrowWriter::try_new(Vec::new(), schema_of(false), Some(props)).expect("writer");
        let (file, _) = w.into_serialized_writer().expect("file writer");
        let mut chunk = DictChunk::new(file.schema_descr().column(0), 1);
        chunk
            .write(batches(12, 1, 10, 3, 50)[0].as_ref())
            .expect("write");
        assert!(chunk.close().is_err());
    }

    #[test]
    fn the_page_index_describes_every_page() {
        let arrays = batches(9, 3, 25_000, 40, 5);
        let want = strings(&arrays);
        let file = ours(&arrays);
        let r = ParquetRecordBatchReaderBuilder::try_new_with_options(
            file.clone(),
            ArrowReaderOptions::new()
                .with_page_index_policy(parquet::file::metadata::PageIndexPolicy::Required),
        )
        .expect("reader");
        let page_index = r.metadata().page_index_for_row_group(0);
        let locs = page_index.page_locations(0).expect("offset index").clone();
        let index = page_index.column_index(0).expect("column index");
        assert_eq!(locs.len(), want.len().div_ceil(PAGE_ROWS));
        let parquet::file::page_index::column_index::ColumnIndexMetaData::BYTE_ARRAY(ci) = index
        else {
            panic!("column index of another type: {index:?}")
        };
        for (p, loc) in locs.iter().enumerate() {
            let start = loc.first_row_index as usize;
            let end = locs
                .get(p + 1)
                .map_or(want.len(), |l| l.first_row_index as usize);
            assert_eq!(start, p * PAGE_ROWS);
            let rows = &want[start..end];
            let present: Vec<&String> = rows.iter().flatten().collect();
            let nulls = (rows.len() - present.len()) as i64;
            assert_eq!(ci.null_count(p), Some(nulls), "page {p}");
            let min = present.iter().min().map(|s| s.as_bytes());
            let max = present.iter().max().map(|s| s.as_bytes());
            assert_eq!(ci.min_value(p), min, "page {p} min");
            assert_eq!(ci.max_value(p), max, "page {p} max");
        }
    }

    #[test]
    fn rle_hybrid_round_trips_through_the_reference_layout() {
        // Decodes the hybrid format by the spec, to check the encoder against it.
        fn decode(mut b: &[u8], width: u8, n: usize) -> Vec<u32> {
            let mut out = Vec::new();
            let varint = |b: &mut &[u8]| {
                let (mut v, mut shift) = (0u64, 0);
                loop {
                    let x = b[0];
                    *b = &b[1..];
                    v |= u64::from(x & 0x7f) << shift;
                    shift += 7;
                    if x < 0x80 {
                        return v;
                    }
                }
            };
            while out.len() < n {
                let h = varint(&mut b);
                if h & 1 == 0 {
                    let bytes = usize::from(width).div_ceil(8);
                    let mut v = [0u8; 4];
                    v[..bytes].copy_from_slice(&b[..bytes]);
                    b = &b[bytes..];
                    out.extend(std::iter::repeat_n(
                        u32::from_le_bytes(v),
                        (h >> 1) as usize,
                    ));
                } else {
                    let count = (h >> 1) as usize * 8;
                    let (mut acc, mut bits) = (0u64, 0u32);
                    for _ in 0..count {
                        while bits < u32::from(width) {
                            acc |= u64::from(b[0]) << bits;
                            b = &b[1..];
                            bits += 8;
                        }
                        out.push((acc & ((1u64 << width) - 1)) as u32);
                        acc >>= width;
                        bits -= u32::from(width);
                    }
                }
            }
            out.truncate(n);
            out
        }
        let mut r = Rng(77);
        for width in [0u8, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32] {
            for len in [0usize, 1, 7, 8, 9, 63, 500, 504, 505, 3000] {
                let max = if width == 0 { 1 } else { 1u64 << width };
                let mut values = Vec::with_capacity(len);
                while values.len() < len {
                    let v = r.below(max) as u32;
                    let long = r.below(2) == 0;
                    let run = 1 + r.below(if long { 30 } else { 3 }) as usize;
                    values.extend(std::iter::repeat_n(v, run.min(len - values.len())));
                }
                let mut out = Vec::new();
                rle_hybrid(&values, width, &mut out);
                assert_eq!(decode(&out, width, len), values, "width {width} len {len}");
            }
        }
    }
}
