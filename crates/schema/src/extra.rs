//! The `extra` column: a JSON object written as text into a reused buffer.

/// Appends `s` to `out` as a JSON string literal (quotes included).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
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
        push_json_string(&mut self.buf, key);
        self.buf.push(':');
    }

    /// Adds `"key":"value"`.
    pub fn string(&mut self, key: &str, value: &str) {
        self.key(key);
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
    }
}
