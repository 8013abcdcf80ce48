//! Parsing one framed record with simd-json into reused buffers.

use simd_json::{Buffers, Tape};

use crate::BufAddr;

/// A scratch buffer, simd-json `Buffers` and a tape, reused across records. The caller's
/// input is copied first, so it is never mutated (simd-json unescapes strings in place) and
/// a string's offset in the scratch copy equals its opening quote + 1 in the original.
pub struct TapeScratch {
    buf: Vec<u8>,
    buffers: Buffers,
    /// The tape's node vector, kept between records (always empty here).
    tape: Option<Tape<'static>>,
}

impl Default for TapeScratch {
    fn default() -> Self {
        Self::new()
    }
}

impl TapeScratch {
    /// Empty buffers.
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            buffers: Buffers::default(),
            tape: Some(Tape::null().reset()),
        }
    }

    /// Copies `record` into the scratch buffer, parses it and calls `f` with the root value
    /// (or the simd-json error) and the address of the scratch copy, so that
    /// `addr.offset_of(s)` gives a borrowed string's offset inside `record`.
    pub fn parse<R>(
        &mut self,
        record: &[u8],
        f: impl FnOnce(Result<simd_json::tape::Value<'_, '_>, simd_json::Error>, BufAddr) -> R,
    ) -> R {
        self.buf.clear();
        self.buf.extend_from_slice(record);
        let addr = BufAddr::of(&self.buf);
        let mut tape: Tape<'_> = self.tape.take().unwrap_or_else(Tape::null).reset();
        let r = match simd_json::fill_tape(&mut self.buf, &mut self.buffers, &mut tape) {
            Ok(()) => f(Ok(tape.as_value()), addr),
            Err(e) => f(Err(e), addr),
        };
        self.tape = Some(tape.reset());
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use simd_json::prelude::*;

    #[test]
    fn strings_keep_their_offsets() {
        let rec = br#"{"a":"x\"y","b":["hello"]}"#;
        let mut t = TapeScratch::new();
        let got = t.parse(rec, |v, addr| {
            let v = v.ok()?;
            let s = v.get("b")?.get_idx(0)?.into_string()?;
            addr.offset_of(s)
        });
        assert_eq!(got, Some(18));
        assert_eq!(&rec[18..23], b"hello");
        assert!(t.parse(b"{\"a\":", |v, _| v.is_err()));
        assert!(t.parse(b"[1]", |v, _| v.is_ok_and(|v| v.is_array())));
    }
}
