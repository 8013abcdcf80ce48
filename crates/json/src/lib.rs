//! JSON record framing for azlog's JSON families (flow logs, Azure Monitor).
//!
//! Nothing here builds JSON values from the whole input. The scanner finds the byte span of
//! each record so a parser can copy one record at a time into a scratch buffer, parse it with
//! simd-json and keep the caller's input untouched:
//!
//! - [`scan_records_array`]: the spans of the elements of a `{"records":[...]}` document and
//!   what follows the last complete element ([`Tail`]).
//! - [`records_cut`] and [`scan_records_array_within`]: cut a big document at record
//!   boundaries and frame the pieces after the first, so no document is read whole.
//! - [`lines`]: JSON Lines framing ([`Line`]: span, 1-based line, terminated or not).
//! - [`LineCounter`]: the 1-based line of an offset, counted incrementally.
//! - [`offset_of`] and [`BufAddr`]: where a borrowed `&str` sits inside a buffer.
//! - [`TapeScratch`]: copies a record into a reused buffer and parses it into a reused
//!   simd-json tape.
//!
//! ```
//! use azlog_json::{DEFAULT_MAX_DEPTH, Span, Tail, scan_records_array};
//!
//! let doc = br#"{"records":[{"a":1},{"b":"}"}]}"#;
//! let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).unwrap();
//! assert_eq!(scan.elements, [Span { start: 12, end: 19 }, Span { start: 20, end: 29 }]);
//! assert_eq!(scan.tail, Tail::Clean);
//!
//! let cut = &doc[..25];
//! let scan = scan_records_array(cut, DEFAULT_MAX_DEPTH).unwrap();
//! assert_eq!(scan.elements.len(), 1);
//! assert_eq!(scan.tail, Tail::Truncated { start: 20 });
//! ```
#![deny(missing_docs)]

mod lines;
mod records;
mod tape;

pub use lines::{Line, LineCounter, Lines, lines};
pub use records::{
    Cut, DEFAULT_MAX_DEPTH, FrameError, RecordsScan, Tail, records_cut, scan_records_array,
    scan_records_array_within,
};
pub use tape::TapeScratch;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A byte range `start..end` (end exclusive) of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True for an empty span.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of `buf` in this span (empty when the span is outside `buf`).
    pub fn slice<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.start..self.end).unwrap_or_default()
    }
}

/// Length of a UTF-8 BOM at the start of `input` (3 or 0).
pub fn bom_len(input: &[u8]) -> usize {
    if input.starts_with(BOM) { BOM.len() } else { 0 }
}

/// Offset of `s` inside `buf`, when `s` borrows from `buf` (pointer arithmetic, no search).
pub fn offset_of(buf: &[u8], s: &str) -> Option<usize> {
    BufAddr::of(buf).offset_of(s)
}

/// The address range of a buffer, kept so offsets can be computed while the buffer itself is
/// mutably borrowed (for instance by a simd-json tape that borrows strings from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufAddr {
    start: usize,
    len: usize,
}

impl BufAddr {
    /// The address range of `buf`.
    pub fn of(buf: &[u8]) -> Self {
        Self {
            start: buf.as_ptr() as usize,
            len: buf.len(),
        }
    }

    /// Offset of `s` inside the buffer, when all of `s` lies inside it.
    pub fn offset_of(&self, s: &str) -> Option<usize> {
        let p = s.as_ptr() as usize;
        let off = p.checked_sub(self.start)?;
        (off.checked_add(s.len())? <= self.len).then_some(off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_by_pointer() {
        let buf = b"hello world".to_vec();
        let s = std::str::from_utf8(&buf[6..]).unwrap_or_default();
        assert_eq!(offset_of(&buf, s), Some(6));
        let other = String::from("world");
        assert_eq!(offset_of(&buf, &other), None);
        assert_eq!(
            offset_of(&buf, std::str::from_utf8(&buf[11..]).unwrap_or("x")),
            Some(11)
        );
        assert_eq!(bom_len(b"\xEF\xBB\xBF{}"), 3);
        assert_eq!(bom_len(b"{}"), 0);
        assert_eq!(Span { start: 2, end: 9 }.slice(b"abc"), b"");
    }
}
