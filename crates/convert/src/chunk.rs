//! What the three chunk encoders ([`crate::dictcol`], [`crate::intcol`], [`crate::plaincol`])
//! share when a chunk closes: its pages tallied as they are written (sizes, the offset index,
//! the column index, the encoding counts) and the chunk metadata made from that tally.

use parquet::basic::{Compression, Encoding, PageType, Type as PhysicalType, ZstdLevel};
use parquet::bloom_filter::Sbbf;
use parquet::column::page::{CompressedPage, Page, PageWriteSpec};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::Result;
use parquet::file::metadata::{
    ColumnChunkMetaData, ColumnIndexBuilder, OffsetIndexBuilder, PageEncodingStats,
};
use parquet::file::statistics::Statistics;
use parquet::file::writer::TrackedWrite;
use parquet::schema::types::ColumnDescPtr;

/// A PLAIN dictionary page of `num_values` entries: `buf` compressed from `uncompressed` bytes.
pub(crate) fn dictionary_page(
    buf: bytes::Bytes,
    num_values: usize,
    uncompressed: usize,
) -> CompressedPage {
    CompressedPage::new(
        Page::DictionaryPage {
            buf,
            num_values: num_values as u32,
            encoding: Encoding::PLAIN,
            is_sorted: false,
        },
        uncompressed,
    )
}

/// A chunk's pages, counted in the order they are laid out from the chunk's first byte: an
/// optional dictionary page, then the data pages.
pub(crate) struct PageTally {
    compressed: i64,
    uncompressed: i64,
    /// Bytes of the dictionary page (header included), where the data pages start.
    dictionary: Option<i64>,
    dictionary_pages: i32,
    plain_pages: i32,
    offsets: OffsetIndexBuilder,
    column_index: ColumnIndexBuilder,
}

impl PageTally {
    /// An empty tally for a column of `physical` type.
    pub(crate) fn new(physical: PhysicalType) -> Self {
        Self {
            compressed: 0,
            uncompressed: 0,
            dictionary: None,
            dictionary_pages: 0,
            plain_pages: 0,
            offsets: OffsetIndexBuilder::new(),
            column_index: ColumnIndexBuilder::new(physical),
        }
    }

    fn add(&mut self, spec: &PageWriteSpec) {
        self.compressed += spec.compressed_size as i64;
        self.uncompressed += spec.uncompressed_size as i64;
    }

    /// Counts the dictionary page, written first (the page indexes leave it out).
    pub(crate) fn dictionary(&mut self, spec: &PageWriteSpec) {
        debug_assert_eq!(self.compressed, 0, "the dictionary page comes first");
        self.add(spec);
        self.dictionary = Some(self.compressed);
    }

    /// Counts a data page of `rows` rows, `nulls` of them null, encoded RLE_DICTIONARY when
    /// `dictionary` (else PLAIN). `min_max` is its smallest and largest value in PLAIN bytes,
    /// `None` when the page holds only nulls.
    pub(crate) fn data(
        &mut self,
        spec: &PageWriteSpec,
        dictionary: bool,
        rows: usize,
        nulls: usize,
        min_max: Option<(Vec<u8>, Vec<u8>)>,
    ) {
        // Pages lie end to end, so a page starts where the ones before it end; each encoder
        // may serialize pages into one buffer or one buffer per page.
        self.offsets
            .append_offset_and_size(self.compressed, spec.compressed_size as i32);
        self.offsets.append_row_count(rows as i64);
        match min_max {
            Some((lo, hi)) => self.column_index.append(false, lo, hi, nulls as i64, None),
            None => self
                .column_index
                .append(true, vec![], vec![], nulls as i64, None),
        }
        if dictionary {
            self.dictionary_pages += 1;
        } else {
            self.plain_pages += 1;
        }
        self.add(spec);
    }

    /// A chunk serialized into one buffer, `sink`, without a bloom filter: its bytes and its
    /// close result (see [`PageTally::close`]).
    pub(crate) fn close_buffer(
        self,
        sink: TrackedWrite<Vec<u8>>,
        descr: ColumnDescPtr,
        zstd_level: i32,
        rows: u64,
        statistics: Statistics,
    ) -> Result<(bytes::Bytes, ColumnCloseResult)> {
        let bytes = sink.into_inner()?;
        let n = bytes.len() as u64;
        let close = self.close(descr, zstd_level, rows, statistics, n, None)?;
        Ok((bytes.into(), close))
    }

    /// The close result of a zstd chunk of `rows` rows holding `bytes_written` bytes.
    pub(crate) fn close(
        self,
        descr: ColumnDescPtr,
        zstd_level: i32,
        rows: u64,
        statistics: Statistics,
        bytes_written: u64,
        bloom_filter: Option<Sbbf>,
    ) -> Result<ColumnCloseResult> {
        let mut encodings = vec![Encoding::PLAIN, Encoding::RLE];
        let mut page_stats = Vec::new();
        if self.dictionary.is_some() {
            encodings.push(Encoding::RLE_DICTIONARY);
            page_stats.push(PageEncodingStats {
                page_type: PageType::DICTIONARY_PAGE,
                encoding: Encoding::PLAIN,
                count: 1,
            });
        }
        for (encoding, count) in [
            (Encoding::RLE_DICTIONARY, self.dictionary_pages),
            (Encoding::PLAIN, self.plain_pages),
        ] {
            if count > 0 {
                page_stats.push(PageEncodingStats {
                    page_type: PageType::DATA_PAGE,
                    encoding,
                    count,
                });
            }
        }
        let mut metadata = ColumnChunkMetaData::builder(descr)
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(zstd_level)?))
            .set_encodings(encodings)
            .set_page_encoding_stats(page_stats)
            .set_total_compressed_size(self.compressed)
            .set_total_uncompressed_size(self.uncompressed)
            .set_num_values(rows as i64)
            .set_data_page_offset(self.dictionary.unwrap_or(0))
            .set_statistics(statistics);
        if self.dictionary.is_some() {
            metadata = metadata.set_dictionary_page_offset(Some(0));
        }
        Ok(ColumnCloseResult {
            bytes_written,
            rows_written: rows,
            metadata: metadata.build()?,
            bloom_filter,
            column_index: Some(self.column_index.build()?),
            offset_index: Some(self.offsets.build()),
        })
    }
}
