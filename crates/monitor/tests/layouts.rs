//! Layouts and bad input: each malformed line costs exactly one reject, a broken legacy
//! document loses only what cannot be framed, provenance points at the exact bytes.

mod common;

use azlog_monitor::MonitorParser;
use azlog_schema::{BatchBuilder, Origin, RecordParser, col};

const GOOD: &str = r#"{"time":"2024-07-14T09:30:00.0000000Z","category":"AuditEvent","operationName":"VaultGet","properties":{"httpStatusCode":200}}"#;

/// `(reason, offset, length, line)` of a reject.
type RejectAt = (&'static str, u64, u64, u64);

fn rows_and_rejects(input: &[u8]) -> (Vec<String>, Vec<RejectAt>) {
    let (dump, rejects, stats) = common::convert(input, true, true);
    assert!(stats.reconciles());
    let rows = dump.lines().map(str::to_string).collect();
    let rj = rejects
        .iter()
        .map(|r| (r.reason, r.offset, r.length, r.line))
        .collect();
    (rows, rj)
}

#[test]
fn a_malformed_line_is_one_reject_and_its_neighbours_convert() {
    let bad = r#"{"time":"2024-07-14T09:31:00Z","category":"AuditEvent","#;
    let input = format!("{GOOD}\n{bad}\n{GOOD}\r\n\n{GOOD}");
    let (rows, rejects) = rows_and_rejects(input.as_bytes());
    assert_eq!(rows.len(), 3);
    let off = GOOD.len() as u64 + 1;
    assert_eq!(rejects, [("invalid_json", off, bad.len() as u64, 2)]);
    assert!(rows[1].contains("source_line=3 "), "{}", rows[1]);
    assert!(rows[2].contains("source_line=5 "), "{}", rows[2]);
}

#[test]
fn a_cut_last_line_is_truncated_but_a_complete_one_without_newline_is_a_record() {
    let cut = &GOOD[..50];
    let (rows, rejects) = rows_and_rejects(format!("{GOOD}\n{cut}").as_bytes());
    assert_eq!(rows.len(), 1);
    assert_eq!(rejects, [("truncated", GOOD.len() as u64 + 1, 50, 2)]);
    let (rows, rejects) = rows_and_rejects(format!("{GOOD}\n{GOOD}").as_bytes());
    assert_eq!((rows.len(), rejects.len()), (2, 0));
}

#[test]
fn a_broken_legacy_document_rejects_only_the_unframeable_part() {
    // Element 1 is not an object, element 2 converts, then `;` breaks the array.
    let doc = format!("{{\"records\":[{GOOD}, 7, {GOOD} ; {GOOD}]}}");
    let (rows, rejects) = rows_and_rejects(doc.as_bytes());
    assert_eq!(rows.len(), 2);
    assert!(rows[1].contains("json_path=\"$.records[2]\""));
    let seven = (12 + GOOD.len() + 2) as u64;
    let semi = (12 + 2 * GOOD.len() + 6) as u64;
    assert_eq!(
        rejects,
        [
            ("not_an_object", seven, 1, 1),
            ("invalid_json", semi, doc.len() as u64 - semi, 1)
        ]
    );
    // Cut inside the third element: two rows and one truncated tail from its `{`.
    let cut = format!("{{\"records\":[\n{GOOD},\n{GOOD},\n{}", &GOOD[..30]);
    let (rows, rejects) = rows_and_rejects(cut.as_bytes());
    assert_eq!(rows.len(), 2);
    let start = (13 + 2 * (GOOD.len() + 2)) as u64;
    assert_eq!(rejects, [("truncated", start, 30, 4)]);
}

#[test]
fn provenance_and_raw_locate_the_exact_bytes() {
    let input = format!("\u{feff}{{\"records\": [\n  {GOOD},\n  {GOOD}\n]}}\n");
    let bytes = input.as_bytes();
    let mut origin = Origin::whole_file("f");
    origin.keep_raw = true;
    origin.json_path = true;
    let mut p = MonitorParser::new();
    let mut out = BatchBuilder::default();
    let stats = p.parse(bytes, &origin, &mut out, &mut Vec::new());
    assert_eq!(stats.rows, 2);
    let b = &out.take_batches().expect("batches")[0];
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int32Type, Int64Type};
    let off = b.column(col::source_offset).as_primitive::<Int64Type>();
    let len = b.column(col::source_length).as_primitive::<Int32Type>();
    let line = b.column(col::source_line).as_primitive::<Int64Type>();
    let raw = b.column(col::raw).as_binary::<i32>();
    for r in 0..2 {
        let (o, l) = (off.value(r) as usize, len.value(r) as usize);
        assert_eq!(&bytes[o..o + l], GOOD.as_bytes());
        assert_eq!(raw.value(r), GOOD.as_bytes());
        assert_eq!(line.value(r), 2 + r as i64);
    }
    // The BOM counts in offsets: `{"records"` starts at 3, the first element at 3 + 16.
    assert_eq!(off.value(0), 19);
}

#[test]
fn a_reused_parser_gives_the_same_answer() {
    let files: [&[u8]; 3] = [
        GOOD.as_bytes(),
        b"{\"records\":[{\"category\":\"StorageRead\",\"statusText\":\"Success\"}]}",
        b"{\"category\":\"SignInLogs\",\"properties\":\"{\\\"userPrincipalName\\\":\\\"a@b.c\\\"}\"}\n",
    ];
    let mut p = MonitorParser::new();
    for f in files.iter().chain(files.iter()) {
        let mut out = BatchBuilder::default();
        p.parse(f, &Origin::whole_file("case"), &mut out, &mut Vec::new());
        let dump = azlog_schema::dump::dump_batches(&out.take_batches().expect("batches"));
        assert_eq!(dump, common::convert(f, false, false).0);
    }
}

#[test]
fn the_callers_input_is_not_modified() {
    let input = format!("{GOOD}\n{{\"category\":\"x\",\"s\":\"a\\u0026\\n\"}}\n").into_bytes();
    let copy = input.clone();
    let mut p = MonitorParser::new();
    p.parse(
        &input,
        &Origin::whole_file("f"),
        &mut BatchBuilder::default(),
        &mut Vec::new(),
    );
    assert_eq!(input, copy);
}

#[test]
fn invalid_utf8_anywhere_in_a_record_is_replaced_and_flagged_not_rejected() {
    // Bytes that are not UTF-8 early, in the middle (past the first 32-byte block) and at the
    // end of a record: each record converts with U+FFFD in place and `invalid_utf8` noted.
    let pad = "x".repeat(40);
    for (at, bad) in [(0usize, &b"\xff"[..]), (1, b"\xc3\x28"), (2, b"\xe2\x82")] {
        let mut line = Vec::new();
        line.extend_from_slice(
            br#"{"time":"2024-07-14T09:30:00Z","category":"AuditEvent","operationName":""#,
        );
        if at == 0 {
            line.extend_from_slice(bad);
        }
        line.extend_from_slice(pad.as_bytes());
        if at == 1 {
            line.extend_from_slice(bad);
        }
        line.extend_from_slice(pad.as_bytes());
        if at == 2 {
            line.extend_from_slice(bad);
        }
        line.extend_from_slice(b"\"}\n");
        let (rows, rejects) = rows_and_rejects(&line);
        assert_eq!(rejects, [], "{at}");
        assert_eq!(rows.len(), 1, "{at}");
        assert!(rows[0].contains("invalid_utf8"), "{at}: {}", rows[0]);
        assert!(rows[0].contains('\u{fffd}'), "{at}: {}", rows[0]);
    }
    // The same record in valid UTF-8 is not flagged.
    let (rows, _) = rows_and_rejects(GOOD.as_bytes());
    assert!(!rows[0].contains("invalid_utf8"), "{}", rows[0]);
}
