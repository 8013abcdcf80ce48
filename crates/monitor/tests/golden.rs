//! Golden files: every `testdata/monitor/<case>.json[l]` converts to exactly its
//! `<case>.expected` (rows dumped by `azlog_schema::dump`, then the rejects and the counts).
//! Regenerate with `AZLOG_BLESS=1 cargo test -p azlog-monitor --test golden` and review the diff.

mod common;

use std::path::PathBuf;

fn cases() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/monitor"
    ));
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/monitor")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "jsonl")
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_case_matches_its_expected_file() {
    let bless = std::env::var_os("AZLOG_BLESS").is_some();
    let mut failed = Vec::new();
    let all = cases();
    assert!(all.len() >= 15, "fixtures missing: {}", all.len());
    for path in all {
        let input = std::fs::read(&path).expect("read case");
        let (dump, rejects, stats) = common::convert(&input, true, false);
        assert!(stats.reconciles(), "{}: {stats:?}", path.display());
        let got = common::golden_text(&dump, &rejects, &stats);
        let expected_path = path.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).expect("write expected");
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if want != got {
            failed.push(format!("{}\n--- got ---\n{got}", path.display()));
        }
    }
    assert!(
        failed.is_empty(),
        "golden mismatches:\n{}",
        failed.join("\n")
    );
}

/// One answer, every path: JSON Lines fed in line-aligned chunks of several sizes gives the
/// same rows, rejects and counts as the whole file.
#[test]
fn json_lines_chunked_like_the_whole_file() {
    for path in cases() {
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let input = std::fs::read(&path).expect("read case");
        let whole = common::convert(&input, true, false);
        for n in [1, 2, 5] {
            let chunked = common::convert_chunked(&input, n);
            assert_eq!(whole.0, chunked.0, "{} rows, chunks of {n}", path.display());
            assert_eq!(
                whole.1,
                chunked.1,
                "{} rejects, chunks of {n}",
                path.display()
            );
            assert_eq!(
                whole.2,
                chunked.2,
                "{} stats, chunks of {n}",
                path.display()
            );
        }
    }
}
