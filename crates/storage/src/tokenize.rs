//! The Storage Analytics line tokenizer (formats.md §2.2.1).
//!
//! Design note. A line is split on `;`, except inside quoted fields. A quoted field opens with
//! `"` at the start of a field and closes at the first `"` that is immediately followed by `;`
//! or the end of the line: that one rule accepts the real `"&quot;0x..&quot;"`, the
//! documentation's `""0x..""`, the empty `""` and raw inner quotes (`"[{"action":..}]"`), and
//! keeps raw `;` inside quotes as data. Trailing empty fields are kept (a line ending in `;` has
//! an empty last field): the exact field count is the validity test.
//!
//! The entity-aware mode is the retry for lines whose count is wrong: in bare fields a complete
//! character reference (`&amp;`, `&#38;`, `&#x26;`) is consumed as a unit, so its `;` does not
//! split. It repairs bare request URLs such as `https://h/c?restype=container&amp;comp=list`.

use memchr::memchr;

/// One field of a line: a byte range into the line, without its quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldSpan {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) quoted: bool,
}

/// Why a line could not be tokenized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnterminatedQuote {
    /// Offset of the opening quote within the line.
    pub(crate) at: usize,
}

/// True when `s` (the text between `&` and `;`) is a character reference name.
fn is_char_ref(s: &[u8]) -> bool {
    match s {
        [] => false,
        [b'#', b'x' | b'X', hex @ ..] => !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit),
        [b'#', dec @ ..] => !dec.is_empty() && dec.iter().all(u8::is_ascii_digit),
        name => name.len() <= 31 && name.iter().all(u8::is_ascii_alphanumeric),
    }
}

/// Index of the first `needle` at or after `from`. A field is ~17 bytes on average, too short
/// for memchr's vector loop to repay its call: the first 32 bytes are searched here a word at a
/// time, and only a longer field (a URL, a user agent) goes on to memchr. This split was 8 % of
/// a storage conversion's time in memchr's short searches.
#[inline]
fn find_byte(line: &[u8], from: usize, needle: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pat = LO * u64::from(needle);
    let mut i = from;
    for _ in 0..4 {
        let Some(word) = line.get(i..i + 8) else {
            return line[i.min(line.len())..]
                .iter()
                .position(|&b| b == needle)
                .map(|k| i + k);
        };
        let mut b = [0u8; 8];
        b.copy_from_slice(word);
        let x = u64::from_le_bytes(b) ^ pat;
        // The lowest set bit marks the first byte equal to `needle` (a borrow can only mark
        // bytes above a true match, never below one).
        let m = x.wrapping_sub(LO) & !x & HI;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    memchr(needle, &line[i..]).map(|k| i + k)
}

/// End of a bare field starting at `i` (index of the next separator or `line.len()`).
fn bare_end(line: &[u8], i: usize, entity_aware: bool) -> usize {
    if !entity_aware {
        return find_byte(line, i, b';').unwrap_or(line.len());
    }
    let mut from = i;
    loop {
        let Some(k) = memchr(b';', &line[from..]).map(|k| from + k) else {
            return line.len();
        };
        // Is this `;` the end of a character reference that starts within the field?
        let field = &line[i..k];
        let is_ref = field
            .iter()
            .rposition(|&b| b == b'&')
            .is_some_and(|a| is_char_ref(&field[a + 1..]));
        if !is_ref {
            return k;
        }
        from = k + 1;
    }
}

/// Splits `line` (no terminator) into `fields`. `fields` is cleared first.
pub(crate) fn tokenize(
    line: &[u8],
    entity_aware: bool,
    fields: &mut Vec<FieldSpan>,
) -> Result<(), UnterminatedQuote> {
    fields.clear();
    let len = line.len();
    let mut i = 0;
    loop {
        if line.get(i) == Some(&b'"') {
            let open = i;
            let mut j = i + 1;
            // The closing quote: a `"` followed by `;` or the end of the line.
            let close = loop {
                let Some(k) = find_byte(line, j, b'"') else {
                    return Err(UnterminatedQuote { at: open });
                };
                if k + 1 == len || line[k + 1] == b';' {
                    break k;
                }
                j = k + 1;
            };
            fields.push(FieldSpan {
                start: (open + 1) as u32,
                end: close as u32,
                quoted: true,
            });
            i = close + 1;
        } else {
            let end = bare_end(line, i, entity_aware);
            fields.push(FieldSpan {
                start: i as u32,
                end: end as u32,
                quoted: false,
            });
            i = end;
        }
        if i >= len {
            return Ok(());
        }
        // Here line[i] == b';'.
        i += 1;
        if i == len {
            fields.push(FieldSpan {
                start: len as u32,
                end: len as u32,
                quoted: false,
            });
            return Ok(());
        }
    }
}

/// Appends `s` with HTML/XML character references decoded: the five XML entities, `&nbsp;`
/// and numeric references. An unrecognised `&name;` is left untouched.
pub(crate) fn decode_entities(s: &str, out: &mut String) {
    let b = s.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while let Some(a) = memchr(b'&', &b[i..]).map(|k| i + k) {
        // `&amp;` (request URLs) and `&quot;` (ETags) are nearly all the references in real
        // logs: recognised from their bytes before the general search for the `;`.
        let rest = &b[a + 1..];
        let (ch, semi) = if rest.starts_with(b"amp;") {
            (Some('&'), a + 4)
        } else if rest.starts_with(b"quot;") {
            (Some('"'), a + 5)
        } else {
            let Some(semi) = rest
                .iter()
                .take(33)
                .position(|&c| c == b';')
                .map(|k| a + 1 + k)
            else {
                i = a + 1;
                continue;
            };
            let name = &s[a + 1..semi];
            let ch = match name {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => numeric_ref(name),
            };
            (ch, semi)
        };
        match ch {
            Some(c) => {
                out.push_str(&s[last..a]);
                out.push(c);
                last = semi + 1;
                i = semi + 1;
            }
            None => i = a + 1,
        }
    }
    out.push_str(&s[last..]);
}

fn numeric_ref(name: &str) -> Option<char> {
    let digits = name.strip_prefix('#')?;
    let v = match digits.strip_prefix(['x', 'X']) {
        Some(hex) if !hex.is_empty() && hex.len() <= 6 => u32::from_str_radix(hex, 16).ok()?,
        Some(_) => return None,
        None if !digits.is_empty()
            && digits.len() <= 7
            && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            digits.parse().ok()?
        }
        None => return None,
    };
    char::from_u32(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, entity_aware: bool) -> Vec<String> {
        let mut f = Vec::new();
        tokenize(line.as_bytes(), entity_aware, &mut f).expect("tokenizes");
        f.iter()
            .map(|s| line[s.start as usize..s.end as usize].to_string())
            .collect()
    }

    #[test]
    fn find_byte_finds_the_first_match_as_a_plain_search_does() {
        // Every start, length and match position around the word and memchr boundaries, with
        // neighbours of the needle's value (borrows) and high bytes around the match.
        for len in 0..80usize {
            for from in 0..=len.min(20) {
                for at in (from..len).step_by(3).chain([len]) {
                    for fill in [b'a', b':', b'<', 0xff, 0x00] {
                        let mut line = vec![fill; len];
                        if at < len {
                            line[at] = b';';
                            if at + 1 < len {
                                line[at + 1] = b';';
                            }
                        }
                        let want = line[from..]
                            .iter()
                            .position(|&b| b == b';')
                            .map(|k| from + k);
                        assert_eq!(
                            find_byte(&line, from, b';'),
                            want,
                            "len {len} from {from} at {at}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn quotes_protect_semicolons_and_trailing_empties_count() {
        assert_eq!(split(r#"a;"b;c";;d;"#, false), ["a", "b;c", "", "d", ""]);
        assert_eq!(split(r#""";x"#, false), ["", "x"]);
        assert_eq!(
            split(r#""&quot;0x1&quot;";""0x1"";"[{"a":"b"}]""#, false),
            ["&quot;0x1&quot;", "\"0x1\"", "[{\"a\":\"b\"}]"]
        );
        assert_eq!(split("", false), [""]);
        assert_eq!(split(";", false), ["", ""]);
    }

    #[test]
    fn entity_aware_mode_keeps_references_whole() {
        let line = "x;https://h/c?restype=container&amp;comp=list&#38;y=1;z";
        assert_eq!(split(line, false).len(), 5);
        assert_eq!(
            split(line, true),
            [
                "x",
                "https://h/c?restype=container&amp;comp=list&#38;y=1",
                "z"
            ]
        );
        assert_eq!(split("a&b=1;c", true), ["a&b=1", "c"]);
    }

    #[test]
    fn an_open_quote_without_its_close_is_an_error() {
        let mut f = Vec::new();
        assert_eq!(
            tokenize(br#"1.0;"abc"#, false, &mut f),
            Err(UnterminatedQuote { at: 4 })
        );
        assert_eq!(
            tokenize(br#"1.0;"abc"d;"#, false, &mut f),
            Err(UnterminatedQuote { at: 4 })
        );
    }

    #[test]
    fn entities_decode_after_splitting() {
        let mut s = String::new();
        decode_entities(
            "a&amp;b&quot;c&lt;&gt;&apos;&#59;&#x3B;&unknown;&amp",
            &mut s,
        );
        assert_eq!(s, "a&b\"c<>';;&unknown;&amp");
        s.clear();
        decode_entities("&#xD800;&#99999999;&#x;", &mut s);
        assert_eq!(s, "&#xD800;&#99999999;&#x;");
    }

    #[test]
    fn the_common_references_decode_once_and_only_when_whole() {
        for (input, want) in [
            ("&amp;amp;", "&amp;"),
            ("&quot;&quot;", "\"\""),
            ("&&amp;;", "&&;"),
            ("&amp", "&amp"),
            ("&quot", "&quot"),
            ("&quo;", "&quo;"),
            ("&ampx;", "&ampx;"),
            ("x&amp;", "x&"),
            ("&quot;0x8DCAB91BBA5354F&quot;", "\"0x8DCAB91BBA5354F\""),
            ("a=1&amp;b=2&amp;c=&#38;", "a=1&b=2&c=&"),
            ("&", "&"),
        ] {
            let mut s = String::new();
            decode_entities(input, &mut s);
            assert_eq!(s, want, "{input:?}");
        }
    }
}
