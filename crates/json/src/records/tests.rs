use super::*;
use proptest::prelude::*;

fn spans(doc: &[u8]) -> (Vec<&[u8]>, Tail) {
    let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect("records document");
    (
        scan.elements.iter().map(|s| s.slice(doc)).collect(),
        scan.tail,
    )
}

#[test]
fn compact_pretty_bom_and_other_keys() {
    let doc = b"\xEF\xBB\xBF \r\n{\"x\":{\"records\":[1]},\"Records\" : [\r\n  {\"a\":\"]}\\\"\"},\r\n  {\"b\":[{}]}\r\n ], \"y\": [\"[\"]}\n";
    let (els, tail) = spans(doc);
    assert_eq!(els, [&b"{\"a\":\"]}\\\"\"}"[..], &b"{\"b\":[{}]}"[..]]);
    assert_eq!(tail, Tail::Clean);
    let (els, tail) = spans(br#"{"records":[]}"#);
    assert!(els.is_empty());
    assert_eq!(tail, Tail::Clean);
}

#[test]
fn stray_commas_and_concatenated_documents() {
    let (els, tail) = spans(br#"{"records":[,{"a":1},,{"b":2},]}{"records":[{"c":3}]}"#);
    assert_eq!(els, [&br#"{"a":1}"#[..], br#"{"b":2}"#, br#"{"c":3}"#]);
    assert_eq!(tail, Tail::Clean);
}

#[test]
fn non_object_elements_are_framed_for_the_parser_to_reject() {
    let (els, tail) = spans(br#"{"records":[{"a":1}, 42, "s", {"b":tru}]}"#);
    assert_eq!(els, [&br#"{"a":1}"#[..], b"42", b"\"s\"", br#"{"b":tru}"#]);
    assert_eq!(tail, Tail::Clean);
}

#[test]
fn truncated_and_garbage_tails() {
    let doc = br#"{"records":[{"a":1},{"b":"x"#;
    let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect("ok");
    assert_eq!(scan.elements.len(), 1);
    assert_eq!(scan.tail, Tail::Truncated { start: 20 });
    // Cut right after a complete element: the tail is empty.
    let doc = br#"{"records":[{"a":1}"#;
    let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect("ok");
    assert_eq!(
        (scan.elements.len(), scan.tail),
        (1, Tail::Truncated { start: 19 })
    );
    // Cut after the comma: the tail is the comma.
    let doc = br#"{"records":[{"a":1},"#;
    let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect("ok");
    assert_eq!(scan.tail, Tail::Truncated { start: 19 });
    // A mismatched bracket inside an element.
    let doc = br#"{"records":[{"a":1},{"b":[}],{"c":1}]}"#;
    let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect("ok");
    assert_eq!(
        (scan.elements.len(), scan.tail),
        (1, Tail::Garbage { start: 20 })
    );
    // A missing comma.
    let doc = br#"{"records":[{"a":1} {"b":2}]}"#;
    let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect("ok");
    assert_eq!(scan.tail, Tail::Garbage { start: 20 });
    // Junk after the document.
    let doc = br#"{"records":[{"a":1}]} xyz"#;
    let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect("ok");
    assert_eq!(scan.tail, Tail::Garbage { start: 22 });
    // The array closed, the object did not.
    let doc = br#"{"records":[{"a":1}]"#;
    let scan = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect("ok");
    assert_eq!(scan.tail, Tail::Truncated { start: 20 });
}

#[test]
fn inputs_without_a_records_array_are_errors() {
    for doc in [
        &b""[..],
        b"   ",
        b"[{\"a\":1}]",
        b"{\"time\":\"x\",\"properties\":{}}\n{\"records\":[]}",
        b"{\"records\":{}}",
        b"{\"recor",
        b"{\"records\":",
        b"\xEF\xBB\xBF",
        b"}",
    ] {
        let e = scan_records_array(doc, DEFAULT_MAX_DEPTH).expect_err("no records");
        assert_eq!(
            e.reason,
            "no_records_array",
            "{:?}",
            String::from_utf8_lossy(doc)
        );
    }
}

#[test]
fn depth_is_limited_without_recursion() {
    let mut doc = b"{\"records\":[".to_vec();
    doc.extend(std::iter::repeat_n(b'[', 100_000));
    doc.extend(std::iter::repeat_n(b']', 100_000));
    doc.extend(b"]}");
    let e = scan_records_array(&doc, DEFAULT_MAX_DEPTH).expect_err("too deep");
    assert_eq!((e.reason, e.offset), ("max_depth", 12 + 510));
    let scan = scan_records_array(&doc, 200_000).expect("deep enough");
    assert_eq!(scan.elements.len(), 1);
    assert_eq!(scan.tail, Tail::Clean);
}

/// A JSON value for the property tests.
#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    Num(i64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn json_string() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[a-z{}\[\]",:\\ é\n\t\u{1}]{0,12}"#).expect("regex")
}

fn json_value() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::Num),
        json_string().prop_map(J::Str),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(J::Arr),
            prop::collection::vec((json_string(), inner), 0..5).prop_map(J::Obj),
        ]
    })
}

fn record() -> impl Strategy<Value = J> {
    prop::collection::vec((json_string(), json_value()), 0..5).prop_map(J::Obj)
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend(b"\\\""),
            '\\' => out.extend(b"\\\\"),
            '\n' => out.extend(b"\\n"),
            '\t' => out.extend(b"\\t"),
            c if (c as u32) < 0x20 => out.extend(format!("\\u{:04x}", c as u32).bytes()),
            c => out.extend(c.to_string().bytes()),
        }
    }
    out.push(b'"');
}

fn render(v: &J, ws: &[u8], out: &mut Vec<u8>) {
    match v {
        J::Null => out.extend(b"null"),
        J::Bool(b) => out.extend(if *b { &b"true"[..] } else { b"false" }),
        J::Num(n) => out.extend(n.to_string().bytes()),
        J::Str(s) => push_str(out, s),
        J::Arr(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(ws);
                render(x, ws, out);
            }
            out.extend(ws);
            out.push(b']');
        }
        J::Obj(o) => {
            out.push(b'{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(ws);
                push_str(out, k);
                out.push(b':');
                out.extend(ws);
                render(x, ws, out);
            }
            out.extend(ws);
            out.push(b'}');
        }
    }
}

/// A document, the spans of its records and the offset just past `[`.
fn document(
    before: &[(String, J)],
    records: &[J],
    after: &[(String, J)],
    pretty: bool,
    bom: bool,
) -> (Vec<u8>, Vec<Span>, usize) {
    let ws: &[u8] = if pretty { b"\r\n  " } else { b"" };
    let mut out = Vec::new();
    if bom {
        out.extend(crate::BOM);
    }
    out.push(b'{');
    for (k, v) in before {
        push_str(&mut out, &format!("k{k}"));
        out.push(b':');
        render(v, ws, &mut out);
        out.push(b',');
        out.extend(ws);
    }
    out.extend(b"\"records\":");
    out.extend(ws);
    out.push(b'[');
    let open = out.len();
    let mut spans = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend(ws);
        let start = out.len();
        render(r, ws, &mut out);
        spans.push(Span {
            start,
            end: out.len(),
        });
    }
    out.extend(ws);
    out.push(b']');
    for (k, v) in after {
        out.push(b',');
        push_str(&mut out, &format!("k{k}"));
        out.push(b':');
        render(v, ws, &mut out);
    }
    out.push(b'}');
    (out, spans, open)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn spans_match_rendered_records(
        before in prop::collection::vec((json_string(), json_value()), 0..3),
        records in prop::collection::vec(record(), 0..6),
        after in prop::collection::vec((json_string(), json_value()), 0..3),
        pretty in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let (doc, expected, open) = document(&before, &records, &after, pretty, bom);
        let scan = scan_records_array(&doc, DEFAULT_MAX_DEPTH).expect("document");
        prop_assert_eq!(&scan.elements, &expected);
        prop_assert_eq!(scan.tail, Tail::Clean);
        for cut in 0..doc.len() {
            let got = scan_records_array(&doc[..cut], DEFAULT_MAX_DEPTH);
            if cut < open {
                prop_assert!(got.is_err(), "cut {} before the array opens", cut);
                continue;
            }
            let got = got.expect("array opened");
            let complete: Vec<Span> =
                expected.iter().copied().filter(|s| s.end <= cut).collect();
            prop_assert_eq!(&got.elements, &complete, "cut {}", cut);
            match got.tail {
                Tail::Truncated { start } => {
                    prop_assert!(start <= cut);
                    prop_assert!(complete.last().is_none_or(|s| s.end <= start));
                }
                other => prop_assert!(false, "cut {} gave {:?}", cut, other),
            }
        }
    }
}

/// Frames `doc` the way the engine reads a big document: buffers of `chunk` more bytes, cut at
/// every [`records_cut`] boundary, each piece framed on its own. Returns the elements (in
/// `doc` offsets) and the last piece's tail.
fn framed_in_pieces(doc: &[u8], chunk: usize) -> (Vec<Span>, Tail) {
    let (mut base, mut within, mut end) = (0usize, false, 0usize);
    let mut elements = Vec::new();
    let mut never = false;
    loop {
        end = (end + chunk).min(doc.len());
        if end < doc.len() && !never {
            match records_cut(&doc[base..end], DEFAULT_MAX_DEPTH, within) {
                Cut::At { end: cut, records } => {
                    let piece = &doc[base..base + cut];
                    let scan = if within {
                        scan_records_array_within(piece, DEFAULT_MAX_DEPTH)
                    } else {
                        scan_records_array(piece, DEFAULT_MAX_DEPTH).expect("first piece frames")
                    };
                    assert_eq!(scan.elements.len(), records, "records of piece at {base}");
                    assert_eq!(scan.tail, Tail::Truncated { start: cut }, "piece at {base}");
                    elements.extend(scan.elements.iter().map(|s| Span {
                        start: s.start + base,
                        end: s.end + base,
                    }));
                    base += cut;
                    within = true;
                }
                Cut::NeedMore => {}
                Cut::Never => never = true,
            }
            continue;
        }
        if end < doc.len() {
            continue;
        }
        let piece = &doc[base..];
        let scan = if within {
            scan_records_array_within(piece, DEFAULT_MAX_DEPTH)
        } else {
            match scan_records_array(piece, DEFAULT_MAX_DEPTH) {
                Ok(s) => s,
                Err(_) => return (elements, Tail::Garbage { start: usize::MAX }),
            }
        };
        elements.extend(scan.elements.iter().map(|s| Span {
            start: s.start + base,
            end: s.end + base,
        }));
        let shift = |t: Tail| match t {
            Tail::Clean => Tail::Clean,
            Tail::Truncated { start } => Tail::Truncated {
                start: start + base,
            },
            Tail::Garbage { start } => Tail::Garbage {
                start: start + base,
            },
        };
        return (elements, shift(scan.tail));
    }
}

fn whole(doc: &[u8]) -> (Vec<Span>, Tail) {
    match scan_records_array(doc, DEFAULT_MAX_DEPTH) {
        Ok(s) => (s.elements, s.tail),
        Err(_) => (Vec::new(), Tail::Garbage { start: usize::MAX }),
    }
}

#[test]
fn pieces_frame_like_the_whole_document() {
    let docs: &[&[u8]] = &[
        br#"{"records":[{"a":1},{"b":"],}"},{"c":[1,{"d":2}]}]}"#,
        br#"{"records":[,{"a":1},,{"b":2},]}{"records":[{"c":3}]} {"records":[{"d":4}]}"#,
        // A missing comma: garbage in the whole, so in the pieces too.
        br#"{"records":[{"a":1},{"b":2} {"c":3},{"d":4}]}"#,
        br#"{"records":[{"a":1},{"b":[}],{"c":1}]}"#,
        br#"{"x":[1,2,3],"records":[{"a":1},{"b":2}],"y":{"z":[]}}"#,
        br#"{"records":[{"a":1},{"b":2},{"c":"#,
        b"\xEF\xBB\xBF{\"records\":[\r\n {\"a\":1},\r\n {\"b\":2}\r\n]}\r\n",
        br#"{"records":[{"a":1}]} junk {"records":[{"b":2}]}"#,
        br#"{"records":[{"a":1}, 42, "s", true,{"b":tru}, 7]}"#,
        br#"{"records":[1,2,{"a":1},3"#,
        br#"{"a":1}"#,
        br#"[{"a":1},{"b":2}]"#,
        b"",
    ];
    for doc in docs {
        let want = whole(doc);
        for chunk in 1..=doc.len().max(1) {
            assert_eq!(
                framed_in_pieces(doc, chunk),
                want,
                "chunk {chunk} of {}",
                String::from_utf8_lossy(doc)
            );
        }
    }
}

#[test]
fn cuts_need_a_known_separator() {
    // The input ends right after an element: a comma may or may not follow, so no cut.
    assert_eq!(
        records_cut(br#"{"records":[{"a":1},{"b":2}"#, DEFAULT_MAX_DEPTH, false),
        Cut::NeedMore
    );
    // Inside the next element (after a comma): cut after the last complete one.
    assert_eq!(
        records_cut(
            br#"{"records":[{"a":1},{"b":2},{"c""#,
            DEFAULT_MAX_DEPTH,
            false
        ),
        Cut::At {
            end: 27,
            records: 2
        }
    );
    assert_eq!(
        records_cut(br#",{"a":1},{"b"#, DEFAULT_MAX_DEPTH, true),
        Cut::At { end: 8, records: 1 }
    );
    // A scalar's end is only known from the byte after it: no cut right after one.
    assert_eq!(
        records_cut(br#"{"records":[{"a":1},42,{"b"#, DEFAULT_MAX_DEPTH, false),
        Cut::At {
            end: 19,
            records: 1
        }
    );
    assert_eq!(
        records_cut(br#"{"a":1}"#, DEFAULT_MAX_DEPTH, false),
        Cut::Never
    );
    assert_eq!(
        records_cut(b"\xEF\xBB\xBF  {\"records\"", DEFAULT_MAX_DEPTH, false),
        Cut::NeedMore
    );
    assert_eq!(
        records_cut(
            br#"{"records":[{"a":1},{"b":[}],{"c":1"#,
            DEFAULT_MAX_DEPTH,
            false
        ),
        Cut::Never
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pieces_of_generated_documents_frame_like_the_whole(
        before in prop::collection::vec((json_string(), json_value()), 0..2),
        records in prop::collection::vec(record(), 0..8),
        after in prop::collection::vec((json_string(), json_value()), 0..2),
        pretty in any::<bool>(),
        bom in any::<bool>(),
        twice in any::<bool>(),
        cut_at in any::<prop::sample::Index>(),
        chunk in 1usize..64,
    ) {
        let (mut doc, _, _) = document(&before, &records, &after, pretty, bom);
        if twice {
            let (second, _, _) = document(&after, &records, &before, pretty, false);
            doc.extend(b"\n");
            doc.extend(second);
        }
        let want = whole(&doc);
        prop_assert_eq!(framed_in_pieces(&doc, chunk), want);
        // And truncated anywhere.
        let cut = cut_at.index(doc.len() + 1);
        let doc = &doc[..cut];
        prop_assert_eq!(framed_in_pieces(doc, chunk), whole(doc));
    }
}
