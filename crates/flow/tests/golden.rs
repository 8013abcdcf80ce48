//! Golden tests: every `testdata/{nsg_flow,vnet_flow}/<case>.json` parses to
//! `<case>.expected`. Regenerate with `AZLOG_BLESS=1`, then review the diff.

mod common;

use std::path::{Path, PathBuf};

use azlog_schema::Origin;
use common::{parse_in_pieces, parse_with, render, spans, tuples_independently, unescape};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"));
    let mut v = Vec::new();
    for dir in ["nsg_flow", "vnet_flow"] {
        for e in std::fs::read_dir(root.join(dir)).expect("testdata dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "json") {
                v.push(p);
            }
        }
    }
    v.sort();
    assert!(v.len() >= 10, "fixtures missing: {v:?}");
    v
}

fn origin(name: &str) -> Origin<'_> {
    Origin {
        json_path: true,
        ..Origin::whole_file(name)
    }
}

#[test]
fn golden_files_match() {
    let bless = std::env::var_os("AZLOG_BLESS").is_some();
    let mut failed = Vec::new();
    for case in cases() {
        let input = std::fs::read(&case).expect("read");
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("case");
        let got = render(&parse_with(&input, &origin(name), 1024));
        let expected_path = case.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).expect("write expected");
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            eprintln!("--- {} differs; got:\n{got}", case.display());
            failed.push(case);
        }
    }
    assert!(failed.is_empty(), "golden mismatches: {failed:?}");
}

/// A document cut at record boundaries (as the engine reads big blobs) gives the rows,
/// provenance, counts and rejects of the whole document.
#[test]
fn pieces_cut_at_records_give_the_whole_answer() {
    let mut cut_somewhere = false;
    for case in cases() {
        let input = std::fs::read(&case).expect("read");
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("case");
        let whole = render(&parse_with(&input, &origin(name), 1024));
        for chunk in [1, 7, 64, 333, 4096] {
            let p = parse_in_pieces(&input, name, chunk);
            cut_somewhere |= p.batches.len() > 1;
            assert_eq!(render(&p), whole, "{} in pieces of {chunk}", case.display());
        }
    }
    assert!(cut_somewhere, "no case was cut into pieces");
}

/// Batch size does not change the answer.
#[test]
fn batch_size_does_not_change_output() {
    for case in cases() {
        let input = std::fs::read(&case).expect("read");
        let a = render(&parse_with(&input, &origin("x"), 1));
        let b = render(&parse_with(&input, &origin("x"), 3));
        let c = render(&parse_with(&input, &origin("x"), 65536));
        assert_eq!(a, b, "{}", case.display());
        assert_eq!(a, c, "{}", case.display());
    }
}

/// `source_offset`/`source_length` of every row select exactly the tuple's text between its
/// quotes, and rows come in the order an independent full JSON parse finds the tuples.
#[test]
fn provenance_points_at_the_tuple_bytes() {
    for case in cases() {
        let input = std::fs::read(&case).expect("read");
        let p = parse_with(&input, &origin("x"), 1024);
        let want = tuples_independently(&input);
        let got: Vec<String> = spans(&p)
            .into_iter()
            .map(|(o, l)| {
                let bytes = input.get(o..o + l).expect("span inside input");
                assert_eq!(
                    input.get(o.wrapping_sub(1)),
                    Some(&b'"'),
                    "{}",
                    case.display()
                );
                assert_eq!(input.get(o + l), Some(&b'"'), "{}", case.display());
                unescape(bytes)
            })
            .collect();
        if want.is_empty() {
            // Not valid JSON as a whole (cut or garbled fixtures): the spans are still
            // quoted tuple texts.
            assert!(
                got.iter().all(|t| t.matches(',').count() >= 7),
                "{}",
                case.display()
            );
        } else {
            assert_eq!(got, want, "{}", case.display());
        }
    }
}
