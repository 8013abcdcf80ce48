//! Column chunks of the PLAIN `Utf8` columns (`extra`, `url`, `json_path`: dictionary encoding
//! off; the bloom-filter columns whose values hardly repeat, with their filter), built in
//! buffers that are reused from page to page.
//!
//! arrow-rs builds every data page in a fresh buffer that grows by doubling, then compresses
//! it into another fresh buffer reserved at zstd's bound, larger than the page itself. For a
//! wide text column that is a copy per doubling and a page fault per fresh 4 KiB on top of
//! the compression: in an activity-log conversion, where `extra` is 95 % of the column data,
//! the page buffers' growth (`finish_grow` and its `memcpy`) and the faults and TLB-flush
//! interrupts of fresh memory were about 7 % of all samples. Here a chunk keeps one page
//! buffer and one compression buffer, and a finished page holds just its compressed bytes.
//!
//! What is written is what arrow-rs writes for such a column: data page v1 with RLE
//! definition levels (none for a NOT NULL column) and PLAIN values, a page ending once its
//! values reach [`PAGE_BYTES`] or [`PAGE_ROWS`] rows, chunk statistics (null count, and min
//! and max truncated to [`TRUNCATE`] bytes the way arrow-rs truncates them: on a UTF-8
//! character boundary, the max's last character incremented, inexact when cut), a column index
//! (min and max per page, truncated alike) and an offset index. Pages end at slightly other
//! rows than arrow-rs's, which checks their size once per 1024 rows; no size statistics (level
//! histograms, unencoded byte counts) are written, as they are optional in the format.

use arrow_array::cast::AsArray;
use arrow_array::{Array, StringArray};
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use crate::bloom::BatchBloom;
use crate::chunk::PageTally;
use crate::dictcol::{PAGE_ROWS, compress_zstd_into, rle_hybrid};

/// A page ends once its values reach this many bytes: arrow-rs's default
/// `data_page_size_limit`.
pub(crate) const PAGE_BYTES: usize = 1 << 20;

/// Statistics and column-index values longer than this are truncated: arrow-rs's default
/// `statistics_truncate_length` and `column_index_truncate_length`.
pub(crate) const TRUNCATE: usize = 64;

/// Bytes kept free at the front of the page buffer for the definition levels, so the values
/// need not move once the page's levels are known. At one bit a row, [`PAGE_ROWS`] levels take
/// at most about 2.6 KB; a page whose levels do not fit is assembled in a new buffer instead.
const LEVEL_ROOM: usize = 4096;

/// `a.cmp(b)` for byte strings, their first 8 bytes compared as one big-endian word. Every
/// value is compared with its page's min and max, most pairs differ within 8 bytes (IP
/// addresses, ids), and a slice comparison is a `memcmp` call (VNet: 490 K calls, 0.7 % of
/// the instructions, for 10 MB).
#[inline]
fn cmp_bytes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    if let (Some(x), Some(y)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        let (x, y) = (u64::from_be_bytes(*x), u64::from_be_bytes(*y));
        if x != y {
            return x.cmp(&y);
        }
        return a[8..].cmp(&b[8..]);
    }
    a.cmp(b)
}

/// One column chunk being written.
pub(crate) struct PlainChunk {
    descr: ColumnDescPtr,
    zstd_level: i32,
    /// The open page: a definition level per row, and after [`LEVEL_ROOM`] bytes the values
    /// (a little-endian `u32` length, then the bytes).
    defs: Vec<u32>,
    page: Vec<u8>,
    /// Where the open page's smallest and largest values are in `page` (start, length).
    min: Option<(usize, usize)>,
    max: Option<(usize, usize)>,
    /// Reused buffers: the definition levels of a page, and its compressed bytes.
    levels: Vec<u8>,
    compressed: Vec<u8>,
    /// Finished data pages.
    pages: Vec<DataPage>,
    /// The chunk's smallest and largest values so far (whole).
    chunk_min: Option<Vec<u8>>,
    chunk_max: Option<Vec<u8>>,
    rows: u64,
    nulls: u64,
    /// Bytes of the finished pages.
    held: usize,
    /// The chunk's bloom filter, for a column that has one: every value is inserted as arrow-rs
    /// inserts it (its bytes, hashed as the filter hashes them), a batch at a time, and the
    /// filter is folded to its false-positive rate when the chunk closes, as arrow-rs folds it.
    bloom: Option<BatchBloom>,
}

struct DataPage {
    page: CompressedPage,
    /// Compressed bytes.
    size: usize,
    rows: usize,
    nulls: usize,
    /// Min and max, truncated for the column index; `None` when the page is all nulls.
    min_max: Option<(Vec<u8>, Vec<u8>)>,
}

impl PlainChunk {
    /// A chunk for `descr`, its pages compressed with zstd at `zstd_level`.
    pub(crate) fn new(descr: ColumnDescPtr, zstd_level: i32) -> Self {
        Self {
            descr,
            zstd_level,
            defs: Vec::new(),
            page: vec![0; LEVEL_ROOM],
            min: None,
            max: None,
            levels: Vec::new(),
            compressed: Vec::new(),
            pages: Vec::new(),
            chunk_min: None,
            chunk_max: None,
            rows: 0,
            nulls: 0,
            held: 0,
            bloom: None,
        }
    }

    /// The same chunk with a bloom filter sized for `ndv` distinct values at false-positive
    /// rate `fpp` (the column's `BloomFilterProperties`).
    pub(crate) fn with_bloom(mut self, ndv: u64, fpp: f64) -> Result<Self> {
        self.bloom = Some(BatchBloom::new(ndv, fpp)?);
        Ok(self)
    }

    /// Appends the rows of `array`, which must be a `Utf8` array.
    pub(crate) fn write(&mut self, array: &dyn Array) -> Result<()> {
        let strings: &StringArray = array
            .as_string_opt::<i32>()
            .ok_or_else(|| ParquetError::General("not a Utf8 array".into()))?;
        if strings.null_count() == strings.len() {
            // An unused column (a flow log's `url`): its levels in bulk, the same pages.
            let mut left = strings.len();
            while left > 0 {
                let n = left.min(PAGE_ROWS - self.defs.len());
                self.defs.resize(self.defs.len() + n, 0);
                left -= n;
                if self.defs.len() >= PAGE_ROWS {
                    self.flush_page()?;
                }
            }
            return Ok(());
        }
        for row in 0..strings.len() {
            if strings.is_valid(row) {
                self.push(strings.value(row).as_bytes());
            } else {
                self.defs.push(0);
            }
            if self.defs.len() >= PAGE_ROWS || self.page.len() - LEVEL_ROOM >= PAGE_BYTES {
                self.flush_page()?;
            }
        }
        if let Some(bloom) = &mut self.bloom {
            bloom.flush();
        }
        Ok(())
    }

    fn push(&mut self, v: &[u8]) {
        let len = u32::try_from(v.len()).unwrap_or(u32::MAX);
        self.page.extend_from_slice(&len.to_le_bytes());
        let at = (self.page.len(), v.len());
        self.page.extend_from_slice(v);
        self.defs.push(1);
        if let Some(bloom) = &mut self.bloom {
            bloom.push(v);
        }
        let page = &self.page;
        let get = |(s, n): (usize, usize)| &page[s..s + n];
        match (self.min, self.max) {
            // min <= max, so a value below the min is not above the max.
            (Some(lo), Some(hi)) => {
                if cmp_bytes(v, get(lo)).is_lt() {
                    self.min = Some(at);
                } else if cmp_bytes(v, get(hi)).is_gt() {
                    self.max = Some(at);
                }
            }
            _ => {
                self.min = Some(at);
                self.max = Some(at);
            }
        }
    }

    fn flush_page(&mut self) -> Result<()> {
        let rows = self.defs.len();
        if rows == 0 {
            return Ok(());
        }
        let nulls = self.defs.iter().filter(|&&d| d == 0).count();
        let fresh;
        let body: &[u8] = if self.descr.max_def_level() > 0 {
            // A u32 length, then RLE / bit-packed levels at 1 bit, just before the values.
            self.levels.clear();
            rle_hybrid(&self.defs, 1, &mut self.levels);
            let header = 4 + self.levels.len();
            let len = (self.levels.len() as u32).to_le_bytes();
            if header <= LEVEL_ROOM {
                let start = LEVEL_ROOM - header;
                self.page[start..start + 4].copy_from_slice(&len);
                self.page[start + 4..LEVEL_ROOM].copy_from_slice(&self.levels);
                &self.page[start..]
            } else {
                let mut v = Vec::with_capacity(header + self.page.len() - LEVEL_ROOM);
                v.extend_from_slice(&len);
                v.extend_from_slice(&self.levels);
                v.extend_from_slice(&self.page[LEVEL_ROOM..]);
                fresh = v;
                &fresh
            }
        } else if nulls > 0 {
            return Err(ParquetError::General(format!(
                "{nulls} nulls in the NOT NULL column {}",
                self.descr.name()
            )));
        } else {
            &self.page[LEVEL_ROOM..]
        };
        let uncompressed = body.len();
        compress_zstd_into(body, self.zstd_level, &mut self.compressed)
            .map_err(|e| ParquetError::General(format!("zstd: {e}")))?;
        let data = self.compressed.clone();

        let value = |(s, n): (usize, usize)| &self.page[s..s + n];
        let min_max = match (self.min, self.max) {
            (Some(lo), Some(hi)) => {
                let (lo, hi) = (value(lo), value(hi));
                if self.chunk_min.as_deref().is_none_or(|m| lo < m) {
                    self.chunk_min = Some(lo.to_vec());
                }
                if self.chunk_max.as_deref().is_none_or(|m| hi > m) {
                    self.chunk_max = Some(hi.to_vec());
                }
                Some((truncate_min(lo).0, truncate_max(hi).0))
            }
            _ => None,
        };
        self.held += data.len();
        let page = Page::DataPage {
            buf: data.into(),
            num_values: rows as u32,
            encoding: Encoding::PLAIN,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        self.pages.push(DataPage {
            page: CompressedPage::new(page, uncompressed),
            size: self.compressed.len(),
            rows,
            nulls,
            min_max,
        });
        self.rows += rows as u64;
        self.nulls += nulls as u64;
        self.defs.clear();
        self.page.truncate(LEVEL_ROOM);
        self.min = None;
        self.max = None;
        Ok(())
    }

    /// Whether the chunk fills a bloom filter.
    pub(crate) fn has_bloom(&self) -> bool {
        self.bloom.is_some()
    }

    /// Bytes this chunk holds so far (finished pages and the open page).
    pub(crate) fn memory_size(&self) -> usize {
        self.held
            + self.page.len()
            + 4 * self.defs.len()
            + self.bloom.as_ref().map_or(0, BatchBloom::memory_size)
    }

    /// Finishes the chunk: its bytes, page by page, and what the row group needs to splice
    /// them in. The pages are not joined into one buffer: a text column's chunk can be tens of
    /// MB, and a joined copy (grown by doubling) raised a storage conversion's peak RSS by
    /// about 70 MiB.
    pub(crate) fn close(mut self) -> Result<(Pieces, ColumnCloseResult)> {
        self.flush_page()?;
        let mut pieces = Vec::with_capacity(self.pages.len());
        let mut tally = PageTally::new(PhysicalType::BYTE_ARRAY);
        for p in std::mem::take(&mut self.pages) {
            // The page header and the page, serialized on their own.
            let mut sink = TrackedWrite::new(Vec::with_capacity(p.size + 256));
            let spec = {
                let mut pw = SerializedPageWriter::new(&mut sink);
                let spec = pw.write_page(p.page)?;
                pw.close()?;
                spec
            };
            tally.data(&spec, false, p.rows, p.nulls, p.min_max);
            pieces.push(bytes::Bytes::from(sink.into_inner()?));
        }
        let pieces = Pieces(pieces);
        let statistics = match (&self.chunk_min, &self.chunk_max) {
            (Some(lo), Some(hi)) => {
                let (lo, lo_cut) = truncate_min(lo);
                let (hi, hi_cut) = truncate_max(hi);
                Statistics::ByteArray(
                    ValueStatistics::new(
                        Some(ByteArray::from(lo)),
                        Some(ByteArray::from(hi)),
                        None,
                        Some(self.nulls),
                        false,
                    )
                    .with_min_is_exact(!lo_cut)
                    .with_max_is_exact(!hi_cut),
                )
            }
            _ => Statistics::byte_array(None, None, None, Some(self.nulls), false),
        };
        let bloom = self.bloom.take().map(BatchBloom::finish);
        let close = tally.close(
            self.descr.clone(),
            self.zstd_level,
            self.rows,
            statistics,
            pieces.len(),
            bloom,
        )?;
        Ok((pieces, close))
    }
}

/// A column chunk's bytes in the pieces they were serialized in, one page each, for
/// `append_column` to copy into the file in order.
pub(crate) struct Pieces(Vec<bytes::Bytes>);

impl From<bytes::Bytes> for Pieces {
    /// A chunk serialized in one buffer.
    fn from(b: bytes::Bytes) -> Self {
        Self(vec![b])
    }
}

impl Length for Pieces {
    fn len(&self) -> u64 {
        self.0.iter().map(|b| b.len() as u64).sum()
    }
}

impl ChunkReader for Pieces {
    type T = PiecesReader;

    fn get_read(&self, start: u64) -> Result<PiecesReader> {
        let mut r = PiecesReader {
            pieces: self.0.clone(),
            piece: 0,
            at: 0,
        };
        // Skip to `start`.
        let mut skip = start;
        while let Some(p) = r.pieces.get(r.piece) {
            if skip < p.len() as u64 {
                r.at = skip as usize;
                break;
            }
            skip -= p.len() as u64;
            r.piece += 1;
        }
        Ok(r)
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<bytes::Bytes> {
        let mut out = Vec::with_capacity(length);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(self.get_read(start)?, length as u64),
            &mut out,
        )?;
        if out.len() < length {
            return Err(ParquetError::EOF(format!(
                "{length} bytes at {start} past the end of a {}-byte chunk",
                self.len()
            )));
        }
        Ok(out.into())
    }
}

/// Reads [`Pieces`] from an offset on.
pub(crate) struct PiecesReader {
    pieces: Vec<bytes::Bytes>,
    piece: usize,
    at: usize,
}

impl std::io::Read for PiecesReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(p) = self.pieces.get(self.piece) {
            if self.at < p.len() {
                let n = buf.len().min(p.len() - self.at);
                buf[..n].copy_from_slice(&p[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            self.piece += 1;
            self.at = 0;
        }
        Ok(0)
    }
}

/// A lower bound of `v` of at most [`TRUNCATE`] bytes, and whether it was cut: the longest
/// prefix that ends on a character boundary (bytes, for a value that is not UTF-8).
pub(crate) fn truncate_min(v: &[u8]) -> (Vec<u8>, bool) {
    if v.len() <= TRUNCATE {
        return (v.to_vec(), false);
    }
    let cut = match std::str::from_utf8(v) {
        Ok(s) => (1..=TRUNCATE).rev().find(|&i| s.is_char_boundary(i)),
        Err(_) => Some(TRUNCATE),
    };
    match cut {
        Some(i) => (v[..i].to_vec(), true),
        None => (v.to_vec(), false),
    }
}

/// An upper bound of `v` of at most [`TRUNCATE`] bytes, and whether it was cut: a prefix whose
/// last character that can be incremented within its UTF-8 width is incremented (the last
/// bytes plus one, for a value that is not UTF-8). `v` itself when no such prefix exists.
pub(crate) fn truncate_max(v: &[u8]) -> (Vec<u8>, bool) {
    if v.len() <= TRUNCATE {
        return (v.to_vec(), false);
    }
    let bound = match std::str::from_utf8(v) {
        Ok(s) => (TRUNCATE.saturating_sub(3)..=TRUNCATE)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .and_then(|i| increment_utf8(&s[..i])),
        Err(_) => increment_bytes(&v[..TRUNCATE]),
    };
    match bound {
        Some(b) => (b, true),
        None => (v.to_vec(), false),
    }
}

/// `s` with its last incrementable character incremented and what follows it dropped; a
/// character is incrementable when the next code point is valid and as wide in UTF-8.
fn increment_utf8(s: &str) -> Option<Vec<u8>> {
    s.char_indices().rev().find_map(|(i, c)| {
        let next = char::from_u32(c as u32 + 1).filter(|n| n.len_utf8() == c.len_utf8())?;
        let mut out = s.as_bytes()[..i].to_vec();
        let mut buf = [0u8; 4];
        out.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
        Some(out)
    })
}

/// `b` plus one, as a big-endian number of its length (0xFF bytes carry); `None` when every
/// byte is 0xFF.
fn increment_bytes(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = b.to_vec();
    for x in out.iter_mut().rev() {
        let (v, carry) = x.overflowing_add(1);
        *x = v;
        if !carry {
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::StringBuilder;
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    use bytes::Bytes;
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    use parquet::basic::Compression;
    use parquet::file::metadata::PageIndexPolicy;
    use parquet::file::page_index::column_index::ColumnIndexMetaData;
    use parquet::file::properties::WriterProperties;

    use super::*;
    use crate::testutil::{Rng, chunk_stats, first_column, one_chunk_file};

    fn schema_of(nullable: bool) -> Arc<Schema> {
        Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, nullable)]))
    }

    /// Pieces that make truncation interesting: multi-byte characters on both sides of the
    /// 64-byte cut, characters that cannot be incremented within their width, and long runs.
    const PIECES: [&str; 8] = [
        "a",
        "é",
        "€",
        "😀",
        "\u{7f}",
        "\u{7ff}",
        "\u{ffff}",
        "\u{10ffff}",
    ];

    /// `n` batches of `rows` strings: nulls at `null_pct` %, lengths up to `max_len` pieces.
    fn batches(seed: u64, n: usize, rows: usize, max_len: u64, null_pct: u64) -> Vec<ArrayRef> {
        let mut r = Rng(seed | 1);
        (0..n)
            .map(|_| {
                let mut b = StringBuilder::new();
                for _ in 0..rows {
                    if r.below(100) < null_pct {
                        b.append_null();
                        continue;
                    }
                    let len = r.below(max_len + 1);
                    let mut s = String::new();
                    // Long shared prefixes, as `extra` has (`{"operation-count":...`).
                    if r.below(2) == 0 {
                        s.push_str(&"{\"k\":".repeat(14));
                    }
                    for _ in 0..len {
                        s.push_str(PIECES[r.below(PIECES.len() as u64) as usize]);
                    }
                    b.append_value(s);
                }
                Arc::new(b.finish()) as ArrayRef
            })
            .collect()
    }

    fn zstd_props() -> WriterProperties {
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                parquet::basic::ZstdLevel::try_new(1).expect("level"),
            ))
            .set_dictionary_enabled(false)
            .build()
    }

    /// The column written by `PlainChunk`, one row group, as a Parquet file.
    fn ours(arrays: &[ArrayRef], schema: Arc<Schema>) -> Result<Bytes> {
        one_chunk_file(schema, zstd_props(), |descr| {
            let mut chunk = PlainChunk::new(descr, 1);
            for a in arrays {
                chunk.write(a.as_ref())?;
            }
            chunk.close()
        })
    }

    /// The same column written by arrow-rs (dictionary off, zstd).
    fn theirs(arrays: &[ArrayRef], schema: Arc<Schema>) -> Bytes {
        let mut w =
            ArrowWriter::try_new(Vec::new(), schema.clone(), Some(zstd_props())).expect("writer");
        for a in arrays {
            w.write(&RecordBatch::try_new(schema.clone(), vec![a.clone()]).expect("batch"))
                .expect("write");
        }
        Bytes::from(w.into_inner().expect("finish"))
    }

    fn strings(arrays: &[ArrayRef]) -> Vec<Option<String>> {
        arrays
            .iter()
            .flat_map(|a| a.as_string::<i32>().iter().map(|s| s.map(str::to_string)))
            .collect()
    }

    fn read_back(file: &Bytes) -> Vec<Option<String>> {
        strings(&first_column(file))
    }

    #[test]
    fn chunks_read_back_with_the_statistics_arrow_rs_writes() {
        // Short values, long ones (truncated statistics), all nulls, one row, several pages by
        // rows and by bytes.
        let cases = [
            (1u64, 2usize, 1000usize, 8u64, 0u64),
            (2, 3, 9_000, 40, 10),
            (3, 2, 30_000, 3, 5),
            (4, 1, 500, 30, 100),
            (5, 1, 1, 50, 0),
            (6, 4, 4_000, 200, 20),
            (7, 2, 25_000, 12, 50),
        ];
        for (seed, n, rows, max_len, nulls) in cases {
            let arrays = batches(seed, n, rows, max_len, nulls);
            let want = strings(&arrays);
            let ours = ours(&arrays, schema_of(true)).expect("ours");
            let theirs = theirs(&arrays, schema_of(true));
            assert_eq!(read_back(&ours), want, "case {seed}: values");
            assert_eq!(read_back(&theirs), want, "case {seed}: arrow-rs itself");
            assert_eq!(
                chunk_stats(&ours),
                chunk_stats(&theirs),
                "case {seed}: statistics"
            );
        }
    }

    /// The bloom filter of the first chunk of `file`, as its serialized bytes.
    fn bloom_bytes(file: &Bytes) -> Option<Vec<u8>> {
        use parquet::file::properties::ReaderProperties;
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::file::serialized_reader::ReadOptionsBuilder;
        let props = ReaderProperties::builder()
            .set_read_bloom_filter(true)
            .build();
        let options = ReadOptionsBuilder::new()
            .with_reader_properties(props)
            .build();
        let r = SerializedFileReader::new_with_options(file.clone(), options).expect("reader");
        let rg = r.get_row_group(0).expect("row group");
        rg.get_column_bloom_filter(0).map(|b| {
            let mut out = Vec::new();
            b.write(&mut out).expect("serialize");
            out
        })
    }

    #[test]
    fn bloom_filters_are_the_ones_arrow_rs_writes() {
        // Few and many distinct values (the filter folds down by different amounts), nulls.
        for (seed, n, rows, max_len, nulls) in [
            (11u64, 2usize, 5_000usize, 4u64, 10u64),
            (12, 3, 30_000, 12, 0),
        ] {
            let arrays = batches(seed, n, rows, max_len, nulls);
            let (ndv, fpp) = (100_000, 0.01);
            let props = || {
                WriterProperties::builder()
                    .set_compression(Compression::ZSTD(
                        parquet::basic::ZstdLevel::try_new(1).expect("level"),
                    ))
                    .set_dictionary_enabled(false)
                    .set_bloom_filter_enabled(true)
                    .set_bloom_filter_max_ndv(ndv)
                    .set_bloom_filter_fpp(fpp)
                    .build()
            };
            let schema = schema_of(true);
            let ours = one_chunk_file(schema.clone(), props(), |descr| {
                let mut chunk = PlainChunk::new(descr, 1).with_bloom(ndv, fpp)?;
                for a in &arrays {
                    chunk.write(a.as_ref())?;
                }
                chunk.close()
            })
            .expect("ours");
            let mut w = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props())).expect("w");
            for a in &arrays {
                w.write(&RecordBatch::try_new(schema.clone(), vec![a.clone()]).expect("batch"))
                    .expect("write");
            }
            let theirs = Bytes::from(w.into_inner().expect("finish"));
            let mine = bloom_bytes(&ours).expect("our chunk has a bloom filter");
            assert_eq!(Some(mine), bloom_bytes(&theirs), "case {seed}");
            assert_eq!(read_back(&ours), strings(&arrays), "case {seed}: values");
        }
        // Without `with_bloom` there is none.
        let arrays = batches(13, 1, 100, 4, 0);
        let plain = ours(&arrays, schema_of(true)).expect("plain");
        assert_eq!(bloom_bytes(&plain), None);
    }

    #[test]
    fn every_value_past_the_cut_gets_arrow_rs_bounds() {
        // One value per file, so the chunk's min and max are that value, truncated.
        let mut values: Vec<String> = PIECES
            .iter()
            .flat_map(|p| (60..70).map(move |n| format!("{}{}", "x".repeat(n), p.repeat(3))))
            .collect();
        values.push("\u{10ffff}".repeat(20));
        values.push(format!("a{}", "\u{10ffff}".repeat(20)));
        values.push("\u{ffff}".repeat(30));
        for v in values {
            let a: ArrayRef = Arc::new(arrow_array::StringArray::from(vec![v.as_str()]));
            let ours = ours(std::slice::from_ref(&a), schema_of(true)).expect("ours");
            let theirs = theirs(&[a], schema_of(true));
            assert_eq!(chunk_stats(&ours), chunk_stats(&theirs), "{v:?}");
            // Truncated bounds still bound the value.
            let (lo, hi, ..) = chunk_stats(&ours);
            assert!(lo.expect("min").as_slice() <= v.as_bytes(), "{v:?}");
            assert!(hi.expect("max").as_slice() >= v.as_bytes(), "{v:?}");
        }
    }

    #[test]
    fn the_page_index_describes_every_page() {
        // Pages end by rows (short values) and by bytes (long ones); some pages are all null.
        for (seed, rows, max_len, nulls) in
            [(11u64, 50_000usize, 4u64, 30u64), (12, 6_000, 400, 10)]
        {
            let mut arrays = batches(seed, 2, rows, max_len, nulls);
            arrays.push(Arc::new(arrow_array::StringArray::from(vec![
                None::<&str>;
                25_000
            ])));
            let want = strings(&arrays);
            let file = ours(&arrays, schema_of(true)).expect("ours");
            let r = ParquetRecordBatchReaderBuilder::try_new_with_options(
                file.clone(),
                ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required),
            )
            .expect("reader");
            let page_index = r.metadata().page_index_for_row_group(0);
            let locs = page_index.page_locations(0).expect("offset index").clone();
            let index = page_index.column_index(0).expect("column index");
            let ColumnIndexMetaData::BYTE_ARRAY(ci) = index else {
                panic!("column index of another type: {index:?}")
            };
            assert!(locs.len() > 2, "case {seed}: {} pages", locs.len());
            for (p, loc) in locs.iter().enumerate() {
                let start = loc.first_row_index as usize;
                let end = locs
                    .get(p + 1)
                    .map_or(want.len(), |l| l.first_row_index as usize);
                let rows = &want[start..end];
                assert!(
                    rows.len() <= PAGE_ROWS,
                    "case {seed} page {p}: {} rows",
                    rows.len()
                );
                let present: Vec<&[u8]> = rows.iter().flatten().map(|s| s.as_bytes()).collect();
                // A page ends at the first row that takes its values to PAGE_BYTES.
                let bytes: usize = present.iter().map(|v| 4 + v.len()).sum();
                let last = present.last().map_or(0, |v| 4 + v.len());
                assert!(
                    bytes - last < PAGE_BYTES,
                    "case {seed} page {p}: {bytes} bytes"
                );
                let nulls = (rows.len() - present.len()) as i64;
                assert_eq!(ci.null_count(p), Some(nulls), "case {seed} page {p}");
                assert_eq!(
                    ci.is_null_page(p),
                    present.is_empty(),
                    "case {seed} page {p}"
                );
                if let (Some(lo), Some(hi)) = (present.iter().min(), present.iter().max()) {
                    assert_eq!(
                        ci.min_value(p),
                        Some(&truncate_min(lo).0[..]),
                        "page {p} min"
                    );
                    assert_eq!(
                        ci.max_value(p),
                        Some(&truncate_max(hi).0[..]),
                        "page {p} max"
                    );
                }
            }
            assert_eq!(read_back(&file), want, "case {seed}");
        }
    }

    #[test]
    fn not_null_columns_have_no_levels() {
        let arrays = batches(21, 2, 3_000, 20, 0);
        let file = ours(&arrays, schema_of(false)).expect("ours");
        assert_eq!(read_back(&file), strings(&arrays));
        assert_eq!(
            chunk_stats(&file),
            chunk_stats(&theirs(&arrays, schema_of(false)))
        );
        // A null in a NOT NULL column is an error, not a corrupt page.
        let with_nulls = batches(22, 1, 100, 5, 50);
        assert!(ours(&with_nulls, schema_of(false)).is_err());
    }

    #[test]
    fn pieces_read_as_one_buffer() {
        let parts: [&[u8]; 4] = [b"abc", b"", b"defg", b"h"];
        let p = Pieces(
            parts
                .iter()
                .map(|b| bytes::Bytes::copy_from_slice(b))
                .collect(),
        );
        let all = b"abcdefgh";
        assert_eq!(p.len(), 8);
        for start in 0..=8u64 {
            let mut got = Vec::new();
            std::io::Read::read_to_end(&mut p.get_read(start).expect("read"), &mut got)
                .expect("read");
            assert_eq!(got, all[start as usize..], "from {start}");
            for len in 0..=(8 - start as usize) {
                let b = p.get_bytes(start, len).expect("bytes");
                assert_eq!(&b[..], &all[start as usize..start as usize + len]);
            }
        }
        assert!(p.get_bytes(6, 3).is_err());
    }

    #[test]
    fn bounds_are_cut_on_character_boundaries() {
        let long = |tail: &str| format!("{}{tail}", "a".repeat(63));
        // The cut falls inside "é" (bytes 63..65): the min stops before it, the max increments
        // the last whole character before the cut.
        assert_eq!(truncate_min(long("é").as_bytes()), (b"a".repeat(63), true));
        assert_eq!(
            truncate_max(long("é").as_bytes()),
            ([b"a".repeat(62), b"b".to_vec()].concat(), true)
        );
        // Short values stay whole and exact.
        assert_eq!(truncate_min(b"abc"), (b"abc".to_vec(), false));
        assert_eq!(truncate_max(b"abc"), (b"abc".to_vec(), false));
        // Nothing can be incremented: the max stays whole, exact.
        let top = "\u{10ffff}".repeat(20);
        assert_eq!(
            truncate_max(top.as_bytes()),
            (top.as_bytes().to_vec(), false)
        );
        // Bytes that are not UTF-8 carry.
        let mut raw = vec![0x80u8; 63];
        raw.extend_from_slice(&[0xff, 0xff, 1]);
        let (hi, cut) = truncate_max(&raw);
        assert!(cut && hi.len() == 64 && hi[62] == 0x81 && hi[63] == 0);
    }

    #[test]
    fn cmp_bytes_orders_as_slices_do() {
        // Random pairs over a small alphabet (so words and prefixes often tie), lengths 0-19,
        // behind a shared prefix of 0-11 bytes: below, at and past the 8-byte word.
        let alphabet = [0u8, b'1', b'2', 0x7f, 0x80, 0xff];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let shared = (next() % 12) as usize;
            let prefix: Vec<u8> = (0..shared)
                .map(|_| alphabet[(next() % 6) as usize])
                .collect();
            let (la, lb) = (next() % 20, next() % 20);
            let mut a = prefix.clone();
            a.extend((0..la).map(|_| alphabet[(next() % 6) as usize]));
            let mut b = prefix;
            b.extend((0..lb).map(|_| alphabet[(next() % 6) as usize]));
            assert_eq!(super::cmp_bytes(&a, &b), a.cmp(&b), "{a:?} {b:?}");
            assert_eq!(super::cmp_bytes(&a, &a), std::cmp::Ordering::Equal);
        }
    }
}
