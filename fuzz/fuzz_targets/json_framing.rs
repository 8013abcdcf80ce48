//! The JSON framing (`scan_records_array`, `lines`) on arbitrary bytes: spans in bounds,
//! ordered and non-overlapping; errors and tails inside the input.
#![no_main]

use azlog_json::{DEFAULT_MAX_DEPTH, Tail, bom_len, lines, scan_records_array};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, doc)) = data.split_first() else {
        return;
    };
    let depth = if sel & 1 == 0 {
        DEFAULT_MAX_DEPTH
    } else {
        usize::from(sel >> 1)
    };
    match scan_records_array(doc, depth) {
        Ok(scan) => {
            let mut prev_end = bom_len(doc);
            for s in &scan.elements {
                assert!(s.start < s.end, "empty or reversed element {s:?}");
                assert!(
                    s.end <= doc.len(),
                    "element {s:?} past the end {}",
                    doc.len()
                );
                assert!(
                    s.start >= prev_end,
                    "element {s:?} overlaps or precedes {prev_end}"
                );
                // JSON whitespace only (a form feed is not whitespace to JSON).
                let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
                assert!(
                    !ws(doc[s.start]) && !ws(doc[s.end - 1]),
                    "element {s:?} not trimmed"
                );
                prev_end = s.end;
            }
            match scan.tail {
                Tail::Clean => {}
                Tail::Truncated { start } | Tail::Garbage { start } => {
                    assert!(
                        start <= doc.len(),
                        "tail {start} past the end {}",
                        doc.len()
                    );
                    assert!(
                        start >= prev_end,
                        "tail {start} inside element ending {prev_end}"
                    );
                }
            }
        }
        Err(e) => {
            assert!(
                e.offset <= doc.len(),
                "error offset {} past the end",
                e.offset
            );
            assert!(!e.reason.is_empty());
        }
    }

    let mut prev_end = 0usize;
    let mut prev_line = 0u64;
    let all: Vec<_> = lines(doc).collect();
    for (i, l) in all.iter().enumerate() {
        let s = l.span;
        assert!(
            s.start <= s.end && s.end <= doc.len(),
            "line span {s:?} out of bounds"
        );
        assert!(s.start >= prev_end, "line span {s:?} overlaps {prev_end}");
        assert!(l.line > prev_line, "line numbers not rising");
        assert!(
            !doc[s.start..s.end].contains(&b'\n'),
            "a line holds a newline"
        );
        assert!(
            l.terminated || i + 1 == all.len(),
            "an unterminated line that is not the last"
        );
        let newlines_before = doc[..s.start].iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(l.line, newlines_before + 1, "wrong line number for {s:?}");
        prev_end = s.end;
        prev_line = l.line;
    }
});
