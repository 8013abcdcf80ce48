//! JSON Lines framing and line numbers.

use crate::{Span, bom_len};

/// One non-blank line of a JSON Lines input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// The line's bytes, without its `\n` and without one `\r` before it.
    pub span: Span,
    /// 1-based line number (blank lines count).
    pub line: u64,
    /// Whether a `\n` ended the line (false for a last line at the end of the input).
    pub terminated: bool,
}

/// Iterator over the non-blank lines of an input; see [`lines`].
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    input: &'a [u8],
    /// Start of the next line to read.
    pos: usize,
    /// Lines already passed.
    line: u64,
}

/// The non-blank lines of `input` (a UTF-8 BOM at the very start is skipped; spans still
/// count it). LF or CR LF; lines holding only whitespace are skipped.
pub fn lines(input: &[u8]) -> Lines<'_> {
    Lines {
        input,
        pos: bom_len(input),
        line: 0,
    }
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        loop {
            let rest = self.input.get(self.pos..)?;
            if rest.is_empty() {
                return None;
            }
            let start = self.pos;
            let (mut end, terminated) = match memchr::memchr(b'\n', rest) {
                Some(k) => (start + k, true),
                None => (self.input.len(), false),
            };
            self.pos = if terminated { end + 1 } else { end };
            self.line += 1;
            if terminated && end > start && self.input.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
            let span = Span { start, end };
            if span.slice(self.input).iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Line {
                span,
                line: self.line,
                terminated,
            });
        }
    }
}

/// The 1-based line of byte offsets in a buffer. Counting is incremental: asking for rising
/// offsets costs one pass over the buffer in total (a smaller offset restarts from the top).
#[derive(Debug, Clone)]
pub struct LineCounter<'a> {
    buf: &'a [u8],
    /// Offset up to which `\n`s were counted.
    pos: usize,
    /// Line of `pos`.
    line: u64,
    /// Offset of the first `\n` at or after `pos` (`buf.len()` when there is none), so that
    /// asking for offsets on the same line costs no scan.
    next_nl: usize,
}

impl<'a> LineCounter<'a> {
    /// A counter over `buf`; offset 0 is line 1.
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            line: 1,
            next_nl: Self::find_nl(buf, 0),
        }
    }

    fn find_nl(buf: &[u8], from: usize) -> usize {
        let rest = buf.get(from..).unwrap_or_default();
        memchr::memchr(b'\n', rest).map_or(buf.len(), |k| from + k)
    }

    /// The 1-based line containing byte `offset` (offsets past the end count as the end).
    #[inline]
    pub fn line_at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.buf.len());
        if offset >= self.pos && offset <= self.next_nl {
            // No `\n` in `pos..offset`.
            self.pos = offset;
            return self.line;
        }
        self.line_at_slow(offset)
    }

    fn line_at_slow(&mut self, offset: usize) -> u64 {
        if offset < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        let seen = self.buf.get(self.pos..offset).unwrap_or_default();
        self.line += memchr::memchr_iter(b'\n', seen).count() as u64;
        self.pos = offset;
        self.next_nl = Self::find_nl(self.buf, offset);
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> Vec<(&[u8], u64, bool)> {
        lines(input)
            .map(|l| (l.span.slice(input), l.line, l.terminated))
            .collect()
    }

    #[test]
    fn lines_skip_blanks_and_strip_cr() {
        let input = b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"b\":2}\n{\"c\":3}";
        assert_eq!(
            collect(input),
            [
                (&b"{\"a\":1}"[..], 1, true),
                (&b"{\"b\":2}"[..], 4, true),
                (&b"{\"c\":3}"[..], 5, false)
            ]
        );
        assert_eq!(lines(input).next().map(|l| l.span.start), Some(3));
        assert!(collect(b"").is_empty());
        assert!(collect(b"\n\n\r\n").is_empty());
        assert_eq!(collect(b"x\r"), [(&b"x\r"[..], 1, false)]);
    }

    #[test]
    fn line_counter_is_incremental_and_restarts() {
        let buf = b"a\nbb\n\nccc\n";
        let mut c = LineCounter::new(buf);
        assert_eq!(c.line_at(0), 1);
        assert_eq!(c.line_at(1), 1);
        assert_eq!(c.line_at(2), 2);
        assert_eq!(c.line_at(6), 4);
        assert_eq!(c.line_at(3), 2);
        assert_eq!(c.line_at(100), 5);
        assert_eq!(c.line_at(9), 4);
        assert_eq!(c.line_at(10), 5);
        assert_eq!(c.line_at(4), 2);
        assert_eq!(c.line_at(5), 3);
        let mut c = LineCounter::new(b"abc");
        assert_eq!((c.line_at(2), c.line_at(3), c.line_at(0)), (1, 1, 1));
    }
}
