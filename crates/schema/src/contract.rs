//! What every parser shares: where its input came from, what it rejected and how many records
//! it saw. Parsers know nothing of files, threads or Parquet; they take bytes plus an
//! [`Origin`], append rows to a [`crate::BatchBuilder`] and push [`Reject`]s.

/// Where a piece of input sits in its file.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The file's path relative to the input root (`source_file`).
    pub source_file: &'a str,
    /// Offset of the first input byte in the (decompressed) file.
    pub base_offset: u64,
    /// 1-based line number of the first input byte.
    pub first_line: u64,
    /// 0-based record ordinal of the first record in the input.
    pub first_record: u64,
    /// Whether the input ends where the file ends (a missing final newline is then the end of
    /// the file, and an incomplete record there is a truncated tail).
    pub at_eof: bool,
    /// Fill the `raw` column on every row.
    pub keep_raw: bool,
    /// Fill the `json_path` column (JSON families).
    pub json_path: bool,
    /// The input continues a `{"records":[...]}` document cut at a record boundary: it starts
    /// between two elements of the open `records` array (the piece before ended after an
    /// element), so it is framed from inside that array. Only record-array families use it.
    pub within_records: bool,
}

impl<'a> Origin<'a> {
    /// The origin of a whole file.
    pub fn whole_file(source_file: &'a str) -> Self {
        Self {
            source_file,
            base_offset: 0,
            first_line: 1,
            first_record: 0,
            at_eof: true,
            keep_raw: false,
            json_path: false,
            within_records: false,
        }
    }
}

/// A record that could not be converted at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Offset of the record's first byte in the file.
    pub offset: u64,
    /// Length in bytes of the rejected stretch.
    pub length: u64,
    /// 1-based line where it starts.
    pub line: u64,
    /// 0-based record ordinal.
    pub record_index: u64,
    /// A stable reason code (`truncated`, `field_count`, `unterminated_quote`, `invalid_json`…).
    pub reason: &'static str,
    /// A human-readable explanation.
    pub detail: String,
    /// The exact bytes.
    pub raw: Vec<u8>,
}

/// Counts a parser returns for its input; `records_read == rows + rejected` always.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseStats {
    /// Units of evidence seen (lines, records, tuples, unframeable stretches).
    pub records_read: u64,
    /// Rows appended.
    pub rows: u64,
    /// Records rejected.
    pub rejected: u64,
}

impl ParseStats {
    /// Adds another input's counts.
    pub fn add(&mut self, o: &ParseStats) {
        self.records_read += o.records_read;
        self.rows += o.rows;
        self.rejected += o.rejected;
    }

    /// True when every record read is either a row or a reject.
    pub fn reconciles(&self) -> bool {
        self.records_read == self.rows + self.rejected
    }
}

/// The UTF-8 byte-order mark; stripped at file start, counted in offsets.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What every family's parser implements. One parser value per worker thread: it owns its
/// scratch buffers and reuses them across inputs.
///
/// `input` is one whole file or one record-aligned chunk of it (see [`Origin`]). Every record
/// in it is either appended to `out` as a row or pushed to `rejects`, and the returned counts
/// say so (`records_read == rows + rejected`). Bad input never panics.
pub trait RecordParser: Send {
    /// Parses `input`, appending rows and rejects.
    fn parse(
        &mut self,
        input: &[u8],
        origin: &Origin<'_>,
        out: &mut crate::BatchBuilder,
        rejects: &mut Vec<Reject>,
    ) -> ParseStats;
}
