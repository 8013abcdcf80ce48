//! The `extra` column: a JSON object written as text into a reused buffer.

/// Lanes of `x` that need escaping, as the high bit of each such byte: below 0x20, `"` or a
/// backslash. A lane can be marked wrongly only above a marked one (a borrow runs upwards), and a
/// byte >= 0x80 is never marked, so the lowest mark, if any, is exact.
#[inline(always)]
fn escape_lanes(x: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let lt = x.wrapping_sub(LO * 0x20);
    let q = (x ^ (LO * u64::from(b'"'))).wrapping_sub(LO);
    let bs = (x ^ (LO * u64::from(b'\\'))).wrapping_sub(LO);
    (lt | q | bs) & !x & HI
}

/// Index of the first byte of `b` at or after `from` that needs escaping (`b.len()` when none
/// does), eight bytes at a time (SWAR): most values have none, and the scan is what the common
/// case costs.
#[inline]
fn next_escape(b: &[u8], mut from: usize) -> usize {
    while let Some(word) = b.get(from..from + 8) {
        let m = escape_lanes(u64::from_le_bytes(word.try_into().unwrap_or([0; 8])));
        if m != 0 {
            return from + (m.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    if from >= b.len() {
        return b.len();
    }
    if b.len() >= 8 {
        // The last word, loaded so that it ends with the string. When its lanes before `from`
        // are clean (they always are on the first scan) they neither mark nor borrow, and the
        // lowest mark is exact.
        let at = b.len() - 8;
        let word: [u8; 8] = b[at..].try_into().unwrap_or([0; 8]);
        let m = escape_lanes(u64::from_le_bytes(word));
        let before = (1u64 << (8 * (from - at))) - 1;
        if m & before == 0 {
            return if m == 0 {
                b.len()
            } else {
                at + (m.trailing_zeros() / 8) as usize
            };
        }
    }
    // A string shorter than a word, or a tail after an escape: byte by byte (copying it into
    // a padded word would cost a failed store-to-load forward, which is slower).
    b[from..]
        .iter()
        .position(|&c| needs_escape(c))
        .map_or(b.len(), |k| from + k)
}

/// Whether any byte of `b` needs escaping. Most values need none, and most are short (in an
/// activity log, 70 % of the strings rendered into `extra` are under 32 bytes, a third under
/// 8), so the answer comes from whole words and two overlapping loads for the tail, without the
/// exact position [`next_escape`] finds a byte at a time below 8 bytes. A lane is marked
/// wrongly only above a truly marked one, so a mark anywhere means a byte needs escaping.
#[inline]
fn has_escape(b: &[u8]) -> bool {
    let n = b.len();
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |at: usize| {
        u64::from(u32::from_le_bytes(
            b[at..at + 4].try_into().unwrap_or([0; 4]),
        ))
    };
    match n {
        0 => false,
        1..=3 => b.iter().any(|&c| needs_escape(c)),
        // Two words of four bytes in the low lanes; the high lanes are zero and never marked.
        4..=7 => {
            escape_lanes(half(0)) & 0x8080_8080 != 0 || escape_lanes(half(n - 4)) & 0x8080_8080 != 0
        }
        _ => {
            let mut m = 0;
            let mut at = 0;
            while at + 8 <= n {
                m |= escape_lanes(word(at));
                at += 8;
            }
            if at < n {
                m |= escape_lanes(word(n - 8));
            }
            m != 0
        }
    }
}

/// Whether JSON text must escape `c` inside a string: a control character, `"` or a backslash.
#[inline(always)]
fn needs_escape(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

/// Appends `s` to `out` as a JSON string literal (quotes included).
pub fn push_json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    if !has_escape(s.as_bytes()) {
        out.push_str(s);
        out.push('"');
        return;
    }
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let i = next_escape(bytes, start);
        if i == bytes.len() {
            break;
        }
        let b = bytes[i];
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            _ => "",
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            use std::fmt::Write;
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// The `"key":` text of an object member, for [`JsonObject::string_prefixed`].
pub fn member_prefix(key: &str) -> String {
    let mut s = String::with_capacity(key.len() + 3);
    push_json_string(&mut s, key);
    s.push(':');
    s
}

/// A flat or nested JSON object built key by key. Reuse one per worker: [`JsonObject::clear`]
/// keeps the allocation.
#[derive(Debug, Default, Clone)]
pub struct JsonObject {
    buf: String,
    /// One flag per open object: whether it already has a member.
    has_member: Vec<bool>,
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every member, keeping the buffer.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.has_member.clear();
    }

    fn key(&mut self, key: &str) {
        self.open_member();
        push_json_string(&mut self.buf, key);
        self.buf.push(':');
    }

    /// Opens the object if needed and writes the separator before a new member.
    fn open_member(&mut self) {
        if self.has_member.is_empty() {
            self.buf.push('{');
            self.has_member.push(false);
        }
        if let Some(last) = self.has_member.last_mut() {
            if *last {
                self.buf.push(',');
            }
            *last = true;
        }
    }

    /// Adds `"key":"value"`.
    pub fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        push_json_string(&mut self.buf, value);
    }

    /// Adds `"key":"value"` where `prefix` is the member's `"key":` text, made once with
    /// [`member_prefix`] (a format's constant field name): one copy instead of the key, its
    /// quotes and the colon one by one. Storage Analytics adds about seven members a line.
    pub fn string_prefixed(&mut self, prefix: &str, value: &str) {
        debug_assert!(
            prefix.len() >= 3 && prefix.starts_with('"') && prefix.ends_with("\":"),
            "{prefix:?} is not a member prefix"
        );
        self.open_member();
        self.buf.reserve(prefix.len() + value.len() + 2);
        self.buf.push_str(prefix);
        push_json_string(&mut self.buf, value);
    }

    /// Adds `"key":<json>` where `json` is already valid JSON text (a number, `true`, an
    /// array...).
    pub fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.buf.push_str(json);
    }

    /// Opens a nested object under `key`; close it with [`JsonObject::end_object`].
    pub fn begin_object(&mut self, key: &str) {
        self.key(key);
        self.buf.push('{');
        self.has_member.push(false);
    }

    /// Closes the innermost object opened with [`JsonObject::begin_object`].
    pub fn end_object(&mut self) {
        if self.has_member.len() > 1 {
            self.has_member.pop();
            self.buf.push('}');
        }
    }

    /// True when no member was added.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The finished object, or `None` when it has no member (the column is then null).
    /// Closes any object left open.
    pub fn finish(&mut self) -> Option<&str> {
        if self.buf.is_empty() {
            return None;
        }
        while self.has_member.pop().is_some() {
            self.buf.push('}');
        }
        Some(&self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time definition the SWAR scan must agree with.
    fn reference(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn escaping_matches_the_reference_at_every_position() {
        let specials = [
            '"', '\\', '\n', '\u{1}', '\u{1f}', ' ', '#', ']', 'é', '\u{7f}', '€',
        ];
        for len in 0..40 {
            for pos in 0..len.max(1) {
                for &c in &specials {
                    let s: String = (0..len)
                        .map(|i| {
                            if i == pos {
                                c
                            } else {
                                (b'a' + (i % 26) as u8) as char
                            }
                        })
                        .collect();
                    let mut out = String::new();
                    push_json_string(&mut out, &s);
                    assert_eq!(out, reference(&s), "{s:?}");
                }
            }
        }
        // Two escapes: the second one is found again after the first, near the end too.
        for len in 2..20 {
            for p1 in 0..len {
                for p2 in p1 + 1..len {
                    for (&c1, &c2) in specials.iter().zip(specials.iter().rev()) {
                        let s: String = (0..len)
                            .map(|i| match i {
                                _ if i == p1 => c1,
                                _ if i == p2 => c2,
                                _ => 'x',
                            })
                            .collect();
                        let mut out = String::new();
                        push_json_string(&mut out, &s);
                        assert_eq!(out, reference(&s), "{s:?}");
                    }
                }
            }
        }
        let all: String = (0u8..0x80).map(char::from).collect();
        let mut out = String::new();
        push_json_string(&mut out, &all);
        assert_eq!(out, reference(&all));
    }

    #[test]
    fn objects_escape_and_nest() {
        let mut o = JsonObject::new();
        assert_eq!(o.finish(), None);
        o.string("a", "x\"y\\z\n\u{1}");
        o.raw("n", "41");
        o.begin_object("o");
        o.string("k", "v");
        o.end_object();
        o.string("b", "é");
        assert_eq!(
            o.finish(),
            Some(r#"{"a":"x\"y\\z\n\u0001","n":41,"o":{"k":"v"},"b":"é"}"#)
        );
        o.clear();
        o.string("a", "1");
        assert_eq!(o.finish(), Some(r#"{"a":"1"}"#));
        o.clear();
        o.string_prefixed(&member_prefix("request-md5"), "\"x\"");
        o.string("b", "2");
        o.string_prefixed(&member_prefix("c"), "");
        assert_eq!(
            o.finish(),
            Some(r#"{"request-md5":"\"x\"","b":"2","c":""}"#)
        );
        // A prefixed member is the member `string` writes, first or later, nested or not.
        let mut a = JsonObject::new();
        let mut b = JsonObject::new();
        for (k, v) in [("k", "v"), ("a-b", "é\t"), ("x", "")] {
            a.string(k, v);
            b.string_prefixed(&member_prefix(k), v);
        }
        a.begin_object("o");
        b.begin_object("o");
        a.string("in", "1");
        b.string_prefixed(&member_prefix("in"), "1");
        a.end_object();
        b.end_object();
        assert_eq!(a.finish(), b.finish());
        assert_eq!(member_prefix("a\"b"), r#""a\"b":"#);
    }
}
