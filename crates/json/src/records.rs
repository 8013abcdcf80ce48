//! Framing of `{"records":[ ... ]}` documents without building values.
//!
//! Design note: the scanner is a loop over a byte cursor, never recursive. Inside strings it
//! jumps with `memchr2` to the next `"` or `\`; between strings it looks for the next
//! structural byte (`"`, `{`, `}`, `[`, `]`) and keeps a stack of open brackets so that `{]`
//! is caught. It validates structure only: scalars and key/value syntax inside an element are
//! left to the JSON parser that later parses the element.

use crate::{Span, bom_len};

/// Nesting depth allowed unless told otherwise (the top-level object counts as depth 1).
pub const DEFAULT_MAX_DEPTH: usize = 512;

/// What follows the last complete element of the records array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// The document closes properly (further concatenated `{"records":[...]}` objects and
    /// whitespace allowed).
    Clean,
    /// The input ends before the document closes. `start` is the first byte of the incomplete
    /// element when there is one, otherwise the first byte after the last complete element
    /// (or after the structure last closed); the tail is `start..` and may be empty.
    Truncated {
        /// Offset of the tail's first byte.
        start: usize,
    },
    /// Bytes that cannot be framed (an unmatched bracket inside an element, a missing comma,
    /// junk after the document). `start` is the element's first byte, or the unexpected byte.
    Garbage {
        /// Offset of the tail's first byte.
        start: usize,
    },
}

/// The result of [`scan_records_array`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordsScan {
    /// Span of each complete element, from its first to its last byte. Empty elements left by
    /// stray commas (`[,{...}]`, `{...},,{...}`) are skipped.
    pub elements: Vec<Span>,
    /// What follows the last complete element.
    pub tail: Tail,
}

/// Why an input is not a records document at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameError {
    /// Offset of the byte where framing failed.
    pub offset: usize,
    /// A stable reason (`no_records_array`, `max_depth`).
    pub reason: &'static str,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

impl std::error::Error for FrameError {}

/// Finds the span of every element of the `records` array of `doc`.
///
/// `doc` may start with a UTF-8 BOM and whitespace; the first top-level value must be an
/// object with a `records` key (compared case-insensitively, found among any other keys)
/// whose value is an array. Further top-level objects with a `records` array may follow
/// (concatenated blobs); their elements are appended.
///
/// # Errors
///
/// `no_records_array` when the first top-level value is not an object holding a records
/// array (including an input cut before the array starts); `max_depth` when nesting exceeds
/// `max_depth` anywhere up to the point scanning stopped.
pub fn scan_records_array(doc: &[u8], max_depth: usize) -> Result<RecordsScan, FrameError> {
    scan(doc, max_depth, false).map(|(scan, _)| scan)
}

/// Like [`scan_records_array`] for the continuation of a document cut by [`records_cut`]:
/// `doc` starts between two elements of an open `records` array (a separating comma may come
/// first), and framing goes on from there: the array's remaining elements, the rest of its
/// object, then any further concatenated documents.
///
/// The input ending inside the array after a complete element gives
/// `Tail::Truncated { start }` with an empty tail (`start == doc.len()` once trailing
/// whitespace is counted), which is the normal end of every piece but the last.
pub fn scan_records_array_within(doc: &[u8], max_depth: usize) -> RecordsScan {
    match scan(doc, max_depth, true) {
        Ok((scan, _)) => scan,
        // Depth errors inside an element: nothing after it can be framed.
        Err(e) => RecordsScan {
            elements: Vec::new(),
            tail: Tail::Garbage {
                start: e.offset.min(doc.len()),
            },
        },
    }
}

/// Where a records document read so far may be cut (see [`records_cut`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Cut after byte `end - 1`: `doc[..end]` holds `records` complete elements and ends just
    /// after the last of them, inside a `records` array that is still open, so `doc[end..]`
    /// plus the rest of the input frames with [`scan_records_array_within`].
    At {
        /// Length of the first part.
        end: usize,
        /// Complete elements in the first part (what [`scan_records_array`] would count).
        records: usize,
    },
    /// No element boundary yet (the input ends inside the first element, or before or
    /// between records arrays); more input may give one.
    NeedMore,
    /// The input cannot be cut: not a records document, broken framing, too deep. Read the
    /// rest whole and let the parser report it.
    Never,
}

/// Finds the last record boundary of `doc`, the start of a records document (`within` false)
/// or of its continuation (`within` true), so a big document can be parsed in pieces that
/// frame exactly as the whole would: the pieces' elements are the whole's elements, in order.
pub fn records_cut(doc: &[u8], max_depth: usize, within: bool) -> Cut {
    match scan(doc, max_depth, within) {
        Ok((RecordsScan { tail, .. }, open)) => match (tail, open) {
            (Tail::Truncated { .. }, Some((end, records))) if records > 0 => {
                Cut::At { end, records }
            }
            (Tail::Truncated { .. } | Tail::Clean, _) => Cut::NeedMore,
            (Tail::Garbage { .. }, _) => Cut::Never,
        },
        // The input ended before the first records array opened (or is only whitespace).
        Err(e) if e.reason == "no_records_array" && (e.offset >= doc.len() || incomplete(doc)) => {
            Cut::NeedMore
        }
        Err(_) => Cut::Never,
    }
}

/// Whether the first top-level object of `doc` is still open at its end (so a records array
/// may yet come).
fn incomplete(doc: &[u8]) -> bool {
    let mut s = Scanner {
        doc,
        pos: bom_len(doc),
        max_depth: DEFAULT_MAX_DEPTH,
        stack: Vec::new(),
        cut_mark: (0, 0),
        open_array_end: None,
    };
    s.skip_ws();
    if s.peek() != Some(b'{') {
        return false;
    }
    matches!(s.skip_value(s.pos, 0), Err(Skip::Incomplete))
}

/// The scan behind the public functions; also returns, when the input ended inside an open
/// records array, where a cut may go and the elements before it.
fn scan(
    doc: &[u8],
    max_depth: usize,
    within: bool,
) -> Result<(RecordsScan, Option<(usize, usize)>), FrameError> {
    let mut s = Scanner {
        doc,
        pos: if within { 0 } else { bom_len(doc) },
        max_depth,
        stack: Vec::new(),
        cut_mark: (0, 0),
        open_array_end: None,
    };
    let mut elements = Vec::new();
    let mut documents = 0usize;
    let mut resume = within;
    let tail = loop {
        if resume {
            // The continuation: inside the array of a document already counted.
            resume = false;
            documents += 1;
            match s.document(&mut elements, true)? {
                Doc::Done => continue,
                Doc::NoRecords => break Tail::Garbage { start: s.pos },
                Doc::Stop(tail) => break tail,
            }
        }
        s.skip_ws();
        let Some(&b) = doc.get(s.pos) else {
            if documents == 0 {
                return Err(s.error("no_records_array"));
            }
            break Tail::Clean;
        };
        if b != b'{' {
            if documents == 0 {
                return Err(s.error("no_records_array"));
            }
            break Tail::Garbage { start: s.pos };
        }
        match s.document(&mut elements, false)? {
            Doc::Done => documents += 1,
            Doc::NoRecords => {
                if documents == 0 {
                    return Err(s.error("no_records_array"));
                }
                break Tail::Garbage { start: s.pos };
            }
            Doc::Stop(tail) => break tail,
        }
    };
    Ok((RecordsScan { elements, tail }, s.open_array_end))
}

/// Outcome of one top-level object.
enum Doc {
    /// Closed, with a records array.
    Done,
    /// Not a records document; `pos` is at its first byte (or wherever scanning failed
    /// before a records array was seen).
    NoRecords,
    /// Scanning stopped inside (after the records array was found).
    Stop(Tail),
}

/// Why a value could not be skipped.
enum Skip {
    /// The input ended inside the value.
    Incomplete,
    /// A structural error (unmatched bracket, unexpected byte) at this offset.
    Bad,
    /// Nesting deeper than allowed at this offset.
    TooDeep(usize),
}

struct Scanner<'a> {
    doc: &'a [u8],
    /// The cursor: every byte before it is consumed.
    pos: usize,
    max_depth: usize,
    /// Open brackets of the value being skipped (reused).
    stack: Vec<u8>,
    /// The latest safe cut: just after `[` of a records array or after one of its elements
    /// that ends in a closing bracket or quote (a scalar's end is only known from the byte
    /// after it), with the number of elements before it.
    cut_mark: (usize, usize),
    /// Set to `cut_mark` when the input ends inside an open records array (where the next
    /// element was due, or inside it). Framing from there is framing from where it ended.
    open_array_end: Option<(usize, usize)>,
}

impl Scanner<'_> {
    #[cold]
    fn error(&self, reason: &'static str) -> FrameError {
        FrameError {
            offset: self.pos,
            reason,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.doc.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// One top-level object at `pos` (`{`). Members before the records array that are cut or
    /// broken make the object `NoRecords`; after it they give a tail.
    ///
    /// `within`: `pos` is inside the object's records array, between elements (the
    /// continuation of a cut document); the array's elements come first.
    fn document(&mut self, elements: &mut Vec<Span>, within: bool) -> Result<Doc, FrameError> {
        let obj_start = self.pos;
        if self.max_depth < 1 {
            return Err(self.error("max_depth"));
        }
        let mut found = false;
        let mut first = true;
        if within {
            found = true;
            first = false;
            if let Some(tail) = self.elements(elements)? {
                return Ok(Doc::Stop(tail));
            }
        } else {
            self.pos += 1;
        }
        // Offset just after the last complete member (where a truncated tail begins).
        let mut mark = self.pos;
        let stop = |found: bool, tail: Tail, s: &mut Self| {
            if found {
                Doc::Stop(tail)
            } else {
                s.pos = obj_start;
                Doc::NoRecords
            }
        };
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Ok(stop(found, Tail::Truncated { start: mark }, self)),
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(if found {
                        Doc::Done
                    } else {
                        self.pos = obj_start;
                        Doc::NoRecords
                    });
                }
                Some(b',') if !first => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(_) if first => {}
                Some(_) => return Ok(stop(found, Tail::Garbage { start: self.pos }, self)),
            }
            // Key.
            let key_start = self.pos;
            match self.peek() {
                None => return Ok(stop(found, Tail::Truncated { start: mark }, self)),
                Some(b'"') => {}
                Some(_) => return Ok(stop(found, Tail::Garbage { start: self.pos }, self)),
            }
            let key_end = match self.skip_string(key_start) {
                Ok(e) => e,
                Err(_) => return Ok(stop(found, Tail::Truncated { start: mark }, self)),
            };
            let key = self.doc.get(key_start + 1..key_end - 1).unwrap_or_default();
            self.pos = key_end;
            self.skip_ws();
            match self.peek() {
                None => return Ok(stop(found, Tail::Truncated { start: mark }, self)),
                Some(b':') => self.pos += 1,
                Some(_) => return Ok(stop(found, Tail::Garbage { start: self.pos }, self)),
            }
            self.skip_ws();
            let value_start = self.pos;
            if !found && key.eq_ignore_ascii_case(b"records") && self.peek() == Some(b'[') {
                if self.max_depth < 2 {
                    return Err(self.error("max_depth"));
                }
                found = true;
                self.pos += 1;
                if let Some(tail) = self.elements(elements)? {
                    return Ok(Doc::Stop(tail));
                }
            } else {
                match self.skip_value(value_start, 1) {
                    Ok(end) => self.pos = end,
                    Err(Skip::TooDeep(at)) => {
                        self.pos = at;
                        return Err(self.error("max_depth"));
                    }
                    Err(Skip::Incomplete) => {
                        return Ok(stop(found, Tail::Truncated { start: value_start }, self));
                    }
                    Err(Skip::Bad) => {
                        return Ok(stop(found, Tail::Garbage { start: value_start }, self));
                    }
                }
            }
            mark = self.pos;
            first = false;
        }
    }

    /// The elements of the records array; `pos` is just after `[`. `None` when the array
    /// closed (`pos` after `]`), else the tail.
    fn elements(&mut self, elements: &mut Vec<Span>) -> Result<Option<Tail>, FrameError> {
        let mut mark = self.pos;
        self.cut_mark = (self.pos, elements.len());
        loop {
            self.skip_ws();
            let start = self.pos;
            match self.peek() {
                None => {
                    self.open_array_end = Some(self.cut_mark);
                    return Ok(Some(Tail::Truncated { start: mark }));
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(None);
                }
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                Some(_) => {}
            }
            match self.skip_value(start, 2) {
                Ok(end) => {
                    elements.push(Span { start, end });
                    self.pos = end;
                    mark = end;
                    if matches!(self.doc.get(end - 1), Some(b'}' | b']' | b'"')) {
                        self.cut_mark = (end, elements.len());
                    }
                }
                Err(Skip::Incomplete) => {
                    self.open_array_end = Some(self.cut_mark);
                    return Ok(Some(Tail::Truncated { start }));
                }
                Err(Skip::Bad) => return Ok(Some(Tail::Garbage { start })),
                Err(Skip::TooDeep(at)) => {
                    self.pos = at;
                    return Err(self.error("max_depth"));
                }
            }
            self.skip_ws();
            match self.peek() {
                // Not a cut point: whether a comma follows is not known yet (a missing one is
                // garbage in the whole document, but would pass at the start of a piece).
                None => return Ok(Some(Tail::Truncated { start: mark })),
                Some(b',') => self.pos += 1,
                Some(b']') => {}
                Some(_) => return Ok(Some(Tail::Garbage { start: self.pos })),
            }
        }
    }

    /// Index just past the string whose opening quote is at `at`.
    fn skip_string(&self, at: usize) -> Result<usize, Skip> {
        let mut p = at + 1;
        loop {
            let rest = self.doc.get(p..).ok_or(Skip::Incomplete)?;
            let k = memchr::memchr2(b'"', b'\\', rest).ok_or(Skip::Incomplete)?;
            let j = p + k;
            if rest.get(k) == Some(&b'"') {
                return Ok(j + 1);
            }
            // A backslash: the next byte is escaped (a `\uXXXX` tail holds no quote).
            p = j + 2;
            if p > self.doc.len() {
                return Err(Skip::Incomplete);
            }
        }
    }

    /// Index just past the value starting at `at`, nested inside `depth` open containers.
    fn skip_value(&mut self, at: usize, depth: usize) -> Result<usize, Skip> {
        match self.doc.get(at) {
            None => Err(Skip::Incomplete),
            Some(b'"') => self.skip_string(at),
            Some(b'{' | b'[') => self.skip_container(at, depth),
            Some(b'}' | b']' | b':' | b',') => Err(Skip::Bad),
            Some(_) => {
                // A scalar (or junk the record parser will refuse): up to the next delimiter.
                let rest = self.doc.get(at..).unwrap_or_default();
                match rest.iter().position(|&b| {
                    matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r' | b'"')
                }) {
                    Some(k) => Ok(at + k),
                    None => Err(Skip::Incomplete),
                }
            }
        }
    }

    fn skip_container(&mut self, at: usize, depth: usize) -> Result<usize, Skip> {
        self.stack.clear();
        let mut p = at;
        loop {
            let rest = self.doc.get(p..).ok_or(Skip::Incomplete)?;
            let k = rest
                .iter()
                .position(|&b| STRUCTURAL[b as usize])
                .ok_or(Skip::Incomplete)?;
            let i = p + k;
            match rest.get(k).copied() {
                Some(b'"') => p = self.skip_string(i)?,
                Some(c @ (b'{' | b'[')) => {
                    if depth + self.stack.len() + 1 > self.max_depth {
                        return Err(Skip::TooDeep(i));
                    }
                    self.stack.push(c);
                    p = i + 1;
                }
                Some(c) => {
                    let open = if c == b'}' { b'{' } else { b'[' };
                    if self.stack.pop() != Some(open) {
                        return Err(Skip::Bad);
                    }
                    p = i + 1;
                    if self.stack.is_empty() {
                        return Ok(p);
                    }
                }
                None => return Err(Skip::Incomplete),
            }
        }
    }
}

/// Bytes the container skipper stops at.
static STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

#[cfg(test)]
mod tests;
