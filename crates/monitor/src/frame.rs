//! Framing of the two file layouts without building values (formats.md 5.2): JSON Lines, and
//! streams of whitespace-separated top-level values (the legacy `{"records":[...]}` document,
//! concatenated documents, top-level arrays, pretty-printed objects).
//!
//! The scanner only tracks strings and bracket depth (a counter, no recursion), so any input
//! is framed in one linear pass; nesting limits are enforced later by simd-json.

/// One unit of evidence found by the stream framer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A complete object value: `[start, end)`, and its index in the enclosing `records`
    /// array (or top-level array) when it is an element of one.
    Record {
        start: usize,
        end: usize,
        elem: Option<Elem>,
    },
    /// A stretch that cannot be converted.
    Bad {
        start: usize,
        end: usize,
        elem: Option<Elem>,
        reason: &'static str,
        detail: &'static str,
    },
}

/// Position of a record inside an enclosing array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elem {
    /// 0-based index in the array.
    pub(crate) index: usize,
    /// True for `{"records":[...]}`, false for a bare top-level array.
    pub(crate) records: bool,
}

impl Frame {
    /// The same frame with a `truncated` reason turned into `invalid_json` (an element cut
    /// off inside the file rather than at its end).
    pub(crate) fn truncated_as_invalid(self) -> Frame {
        match self {
            Frame::Bad {
                start,
                end,
                elem,
                reason: "truncated",
                ..
            } => Frame::Bad {
                start,
                end,
                elem,
                reason: "invalid_json",
                detail: "record cut off by the end of its line",
            },
            f => f,
        }
    }
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Index of the first non-whitespace byte at or after `i` (or `b.len()`).
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// End (exclusive) of the JSON value starting at `b[i]`, or `None` when the input ends first.
/// Scalars end at the next delimiter.
pub(crate) fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => j = string_end(b, j)?,
                    b'{' | b'[' => {
                        depth += 1;
                        j += 1;
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        j += 1;
                        if depth == 0 {
                            return Some(j);
                        }
                    }
                    _ => j += 1,
                }
            }
            None
        }
        b'"' => string_end(b, i),
        _ => {
            let mut j = i;
            while j < b.len() && !is_ws(b[j]) && !matches!(b[j], b',' | b']' | b'}') {
                j += 1;
            }
            Some(j)
        }
    }
}

/// End (exclusive) of the string whose opening quote is at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        let k = memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        j += k;
        if b[j] == b'\\' {
            j += 2;
        } else {
            return Some(j + 1);
        }
    }
}

/// When the object at `b[i]` starts with the key `records` (any case) holding an array,
/// the index just after the array's `[`.
pub(crate) fn records_array(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let k = skip_ws(b, i + 1);
    let key = b.get(k..k + 9)?;
    if key[0] != b'"' || key[8] != b'"' || !key[1..8].eq_ignore_ascii_case(b"records") {
        return None;
    }
    let c = skip_ws(b, k + 9);
    if b.get(c) != Some(&b':') {
        return None;
    }
    let a = skip_ws(b, c + 1);
    (b.get(a) == Some(&b'[')).then_some(a + 1)
}

/// Frames every top-level value of `b[start..]`, calling `f` for each record or bad stretch.
/// `records[]` wrappers and top-level arrays are expanded into their elements.
pub(crate) fn stream(b: &[u8], start: usize, f: &mut impl FnMut(Frame)) {
    let mut i = skip_ws(b, start);
    while i < b.len() {
        let inner = match b[i] {
            b'{' => records_array(b, i),
            b'[' => Some(i + 1),
            _ => None,
        };
        if let Some(first) = inner {
            let wrapped = b[i] == b'{';
            let Some(after) = elements(b, wrapped, first, f) else {
                return;
            };
            i = skip_ws(b, after);
            if wrapped {
                // The wrapper object closes after the array (other keys after `records` are
                // not part of any record: reject them as one stretch).
                match b.get(i) {
                    Some(b'}') => i += 1,
                    None => {
                        f(truncated(b, b.len(), None, "records document not closed"));
                        return;
                    }
                    Some(_) => {
                        f(Frame::Bad {
                            start: i,
                            end: b.len(),
                            elem: None,
                            reason: "invalid_json",
                            detail: "unexpected content after the records array",
                        });
                        return;
                    }
                }
            }
        } else if b[i] == b'{' {
            match value_end(b, i) {
                Some(end) => {
                    f(Frame::Record {
                        start: i,
                        end,
                        elem: None,
                    });
                    i = end;
                }
                None => {
                    f(truncated(
                        b,
                        i,
                        None,
                        "object cut off by the end of the input",
                    ));
                    return;
                }
            }
        } else {
            // Not the start of a record: reject up to the end of the line and resynchronise.
            let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k);
            f(Frame::Bad {
                start: i,
                end,
                elem: None,
                reason: "invalid_json",
                detail: "content between records that is not a record",
            });
            i = end;
        }
        i = skip_ws(b, i);
    }
}

fn truncated(b: &[u8], start: usize, elem: Option<Elem>, detail: &'static str) -> Frame {
    Frame::Bad {
        start,
        end: b.len(),
        elem,
        reason: "truncated",
        detail,
    }
}

/// Frames the elements of the array whose first element position is `first` (just after
/// `[`); `records` tells a `records` wrapper from a bare array. Returns the index after `]`, or `None`
/// when the input ended (a `truncated` stretch has been reported) or the array is broken.
fn elements(b: &[u8], records: bool, first: usize, f: &mut impl FnMut(Frame)) -> Option<usize> {
    let mut i = skip_ws(b, first);
    let mut n = 0usize;
    if b.get(i) == Some(&b']') {
        return Some(i + 1);
    }
    loop {
        if i >= b.len() {
            f(truncated(b, i, None, "records array not closed"));
            return None;
        }
        match value_end(b, i) {
            Some(end) if end > i => {
                if b[i] == b'{' {
                    f(Frame::Record {
                        start: i,
                        end,
                        elem: Some(Elem { index: n, records }),
                    });
                } else {
                    f(Frame::Bad {
                        start: i,
                        end,
                        elem: Some(Elem { index: n, records }),
                        reason: "not_an_object",
                        detail: "records element is not an object",
                    });
                }
                n += 1;
                i = skip_ws(b, end);
            }
            Some(_) => {
                // A delimiter where a value should be (`[,`, `,,`): unframeable from here.
                f(Frame::Bad {
                    start: i,
                    end: b.len(),
                    elem: None,
                    reason: "invalid_json",
                    detail: "records array broken",
                });
                return None;
            }
            None => {
                f(truncated(
                    b,
                    i,
                    Some(Elem { index: n, records }),
                    "record cut off by the end of the input",
                ));
                return None;
            }
        }
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b']') => return Some(i + 1),
            None => {
                f(truncated(b, i, None, "records array not closed"));
                return None;
            }
            Some(_) => {
                f(Frame::Bad {
                    start: i,
                    end: b.len(),
                    elem: None,
                    reason: "invalid_json",
                    detail: "records array broken",
                });
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(s: &str) -> Vec<Frame> {
        let mut v = Vec::new();
        stream(s.as_bytes(), 0, &mut |f| v.push(f));
        v
    }

    #[test]
    fn legacy_documents_expand_and_tails_are_truncated() {
        let f = frames(
            "{\"Records\": [ {\"a\":\"}\"} ,\n{\"b\":[1]}]}\n{\"records\":[{\"c\":1},{\"d\":",
        );
        assert_eq!(
            f,
            vec![
                Frame::Record {
                    start: 14,
                    end: 23,
                    elem: Some(Elem {
                        index: 0,
                        records: true
                    })
                },
                Frame::Record {
                    start: 26,
                    end: 35,
                    elem: Some(Elem {
                        index: 1,
                        records: true
                    })
                },
                Frame::Record {
                    start: 50,
                    end: 57,
                    elem: Some(Elem {
                        index: 0,
                        records: true
                    })
                },
                Frame::Bad {
                    start: 58,
                    end: 63,
                    elem: Some(Elem {
                        index: 1,
                        records: true
                    }),
                    reason: "truncated",
                    detail: "record cut off by the end of the input"
                },
            ]
        );
        assert_eq!(records_array(b"{ \"records\" : [", 0), Some(15));
        assert_eq!(records_array(b"{\"recordz\":[", 0), None);
    }

    #[test]
    fn arrays_scalars_and_garbage() {
        let f = frames("[{\"a\":1}, 3]\n]}\n{\"b\":2}");
        assert!(matches!(
            f[0],
            Frame::Record {
                elem: Some(Elem {
                    index: 0,
                    records: false
                }),
                ..
            }
        ));
        assert!(matches!(
            f[1],
            Frame::Bad {
                reason: "not_an_object",
                ..
            }
        ));
        assert!(matches!(
            f[2],
            Frame::Bad {
                reason: "invalid_json",
                start: 13,
                end: 15,
                ..
            }
        ));
        assert!(matches!(
            f[3],
            Frame::Record {
                start: 16,
                end: 23,
                elem: None
            }
        ));
        assert_eq!(f.len(), 4);
        assert_eq!(frames("  "), vec![]);
    }
}
