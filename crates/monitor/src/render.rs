//! The `extra` column: the record re-serialised as compact JSON with the consumed leaves
//! removed (schema.md §5.1). Source key order is kept because the tape is in source order;
//! an object that becomes empty once its consumed members are gone is dropped, an object that
//! was empty in the source is kept.
//!
//! Numbers: the tape holds parsed values. Integers re-render as written (simd-json refuses
//! integers beyond 64 bits, and a leading `+` or leading zeros are not JSON). Floats would lose
//! their spelling (`1.0` → `1`, `1e3` → `1000`), so when a record has a float the source
//! lexemes of all its numbers are recovered by a scan of the record bytes, in document order,
//! and every float is written with its source spelling. The one integer spelling that can change
//! is `-0` (written back as `0`).

use azlog_schema::push_json_string;
use simd_json::{Node, StaticNode};

use crate::tape::size;

/// Reusable state for serialising one record's leftovers.
#[derive(Debug, Default)]
pub(crate) struct Extra {
    /// `consumed[i]`: the value at tape index `i` is fully represented by a column.
    pub(crate) consumed: Vec<bool>,
    /// The record's number lexemes, back to back, in document order (filled on demand).
    lex_text: String,
    /// Spans of each lexeme in `lex_text`.
    lexemes: Vec<(u32, u32)>,
    /// `num_before[i]`: how many number nodes precede tape index `i` (filled on demand).
    num_before: Vec<u32>,
    /// The output text.
    pub(crate) out: String,
}

impl Extra {
    /// Prepares for a record whose tape has `len` nodes.
    pub(crate) fn reset(&mut self, len: usize) {
        self.consumed.clear();
        self.consumed.resize(len, false);
        self.lexemes.clear();
        self.lex_text.clear();
        self.num_before.clear();
        self.out.clear();
    }

    /// Marks the value at `i` as represented by a column.
    #[inline]
    pub(crate) fn consume(&mut self, i: usize) {
        if let Some(c) = self.consumed.get_mut(i) {
            *c = true;
        }
    }

    /// Serialises the members of the root object at tape index 0 that are not consumed.
    /// Leaves `out` empty when nothing remains. `src` is the record's exact bytes.
    pub(crate) fn render_root(&mut self, t: &[Node<'_>], src: &[u8]) {
        self.out.clear();
        if t.iter()
            .any(|n| matches!(n, Node::Static(StaticNode::F64(_))))
        {
            self.index_numbers(t, src);
        }
        let mut out = std::mem::take(&mut self.out);
        let wrote = self.object(t, 0, &mut out);
        if !wrote || out == "{}" {
            out.clear();
        }
        self.out = out;
    }

    fn index_numbers(&mut self, t: &[Node<'_>], src: &[u8]) {
        number_lexemes(src, &mut self.lex_text, &mut self.lexemes);
        let mut n = 0u32;
        self.num_before.reserve(t.len());
        for node in t {
            self.num_before.push(n);
            if matches!(
                node,
                Node::Static(StaticNode::I64(_) | StaticNode::U64(_) | StaticNode::F64(_))
            ) {
                n += 1;
            }
        }
        if self.lexemes.len() != n as usize {
            // Should not happen for input simd-json accepted; fall back to parsed values.
            self.lexemes.clear();
        }
    }

    /// Writes the object at `i` without its consumed members. Returns false when the object
    /// had members and all of them were consumed (the caller then drops it).
    fn object(&self, t: &[Node<'_>], i: usize, out: &mut String) -> bool {
        let Some(Node::Object { len, .. }) = t.get(i) else {
            return false;
        };
        out.push('{');
        let mut wrote = false;
        let mut j = i + 1;
        for _ in 0..*len {
            let Some(Node::String(key)) = t.get(j) else {
                break;
            };
            let v = j + 1;
            j = v + size(t, v);
            if self.consumed.get(v).copied().unwrap_or(false) {
                continue;
            }
            let mark = out.len();
            if wrote {
                out.push(',');
            }
            push_json_string(out, key);
            out.push(':');
            if self.value(t, v, out) {
                wrote = true;
            } else {
                out.truncate(mark);
            }
        }
        out.push('}');
        wrote || *len == 0
    }

    /// Writes the value at `i`; false when it is an object emptied by consumption.
    fn value(&self, t: &[Node<'_>], i: usize, out: &mut String) -> bool {
        match t.get(i) {
            Some(Node::Object { .. }) => self.object(t, i, out),
            Some(Node::Array { len, .. }) => {
                out.push('[');
                let mut j = i + 1;
                for k in 0..*len {
                    if k > 0 {
                        out.push(',');
                    }
                    // Arrays are kept whole: their elements are never consumed.
                    self.whole(t, j, out);
                    j += size(t, j);
                }
                out.push(']');
                true
            }
            Some(_) => {
                self.whole(t, i, out);
                true
            }
            None => false,
        }
    }

    /// Writes the value at `i` ignoring consumption.
    fn whole(&self, t: &[Node<'_>], i: usize, out: &mut String) {
        match t.get(i) {
            Some(Node::String(s)) => push_json_string(out, s),
            Some(Node::Object { len, .. }) => {
                out.push('{');
                let mut j = i + 1;
                for k in 0..*len {
                    if k > 0 {
                        out.push(',');
                    }
                    if let Some(Node::String(key)) = t.get(j) {
                        push_json_string(out, key);
                    }
                    out.push(':');
                    self.whole(t, j + 1, out);
                    j += 1 + size(t, j + 1);
                }
                out.push('}');
            }
            Some(Node::Array { len, .. }) => {
                out.push('[');
                let mut j = i + 1;
                for k in 0..*len {
                    if k > 0 {
                        out.push(',');
                    }
                    self.whole(t, j, out);
                    j += size(t, j);
                }
                out.push(']');
            }
            Some(Node::Static(s)) => self.scalar(*s, i, out),
            None => out.push_str("null"),
        }
    }

    fn scalar(&self, s: StaticNode, i: usize, out: &mut String) {
        use std::fmt::Write;
        match s {
            StaticNode::Null => out.push_str("null"),
            StaticNode::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            StaticNode::I64(v) => {
                let _ = write!(out, "{v}");
            }
            StaticNode::U64(v) => {
                let _ = write!(out, "{v}");
            }
            StaticNode::F64(f) => match self.lexeme(i) {
                Some(text) => out.push_str(text),
                None => {
                    let _ = write!(out, "{f:?}");
                }
            },
        }
    }

    fn lexeme(&self, i: usize) -> Option<&str> {
        let n = *self.num_before.get(i)? as usize;
        let &(s, e) = self.lexemes.get(n)?;
        self.lex_text.get(s as usize..e as usize)
    }
}

/// Collects the number lexemes of a JSON text (outside strings), in document order.
pub(crate) fn number_lexemes(src: &[u8], text: &mut String, spans: &mut Vec<(u32, u32)>) {
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'"' => {
                i += 1;
                // Skip the string's body: only `"` and `\\` matter in it.
                while let Some(k) = src.get(i..).and_then(|r| memchr::memchr2(b'"', b'\\', r)) {
                    if src[i + k] == b'"' {
                        i += k;
                        break;
                    }
                    i += k + 2;
                }
                if i >= src.len() || src[i] != b'"' {
                    i = src.len();
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < src.len()
                    && matches!(src[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                let s = text.len();
                // The lexeme is ASCII by construction.
                text.extend(src[start..i].iter().map(|&b| b as char));
                spans.push((s as u32, text.len() as u32));
            }
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(json: &str, consume: &[usize]) -> String {
        let src = json.as_bytes().to_vec();
        let mut v = src.clone();
        let t = simd_json::to_tape(&mut v).expect("json");
        let mut e = Extra::default();
        e.reset(t.0.len());
        for &i in consume {
            e.consume(i);
        }
        e.render_root(&t.0, &src);
        e.out.clone()
    }

    #[test]
    fn keeps_order_spelling_and_drops_emptied_objects() {
        let j = r#"{"z":1.50,"a":{"b":"x"},"e":{},"n":[1e3,-0.0,{"k":2}],"s":"q\"\u0026","m":-7}"#;
        assert_eq!(
            render(j, &[]),
            r#"{"z":1.50,"a":{"b":"x"},"e":{},"n":[1e3,-0.0,{"k":2}],"s":"q\"&","m":-7}"#
        );
        // 0 root, 1 "z", 2 1.50, 3 "a", 4 {..}, 5 "b", 6 "x": consuming "x" drops "a".
        assert_eq!(
            render(j, &[2, 6]),
            r#"{"e":{},"n":[1e3,-0.0,{"k":2}],"s":"q\"&","m":-7}"#
        );
        assert_eq!(render(r#"{"a":"x"}"#, &[2]), "");
        assert_eq!(render("{}", &[]), "");
    }
}
