//! The binary on the bundled sample and on bad input.

use crate::util::*;

#[test]
fn thread_count_does_not_change_a_byte() {
    use std::io::Write;
    let tmp = tempfile::tempdir().expect("tmp");
    // Every family, plus a gzip file and a zip member.
    let sample = tmp.path().join("mixed");
    copy_tree(&root().join("testdata/sample-dump"), &sample);
    let lines =
        std::fs::read(root().join("testdata/storage_analytics/mixed_versions_per_line.log"))
            .expect("read");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&lines).expect("gz");
    std::fs::write(sample.join("extra-blob.log.gz"), gz.finish().expect("gz")).expect("write");
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file(
        "y=2024/m=07/d=14/h=09/m=00/PT1H.json",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("zip");
    z.write_all(&std::fs::read(root().join("testdata/vnet_flow/vnet1.json")).expect("read"))
        .expect("zip");
    std::fs::write(
        sample.join("flows.zip"),
        z.finish().expect("zip").into_inner(),
    )
    .expect("write");
    let mut trees = Vec::new();
    for threads in ["1", "4"] {
        let out = tmp.path().join(format!("t{threads}"));
        let o = azlog(&[
            "convert",
            sample.to_str().expect("utf8"),
            "-o",
            out.to_str().expect("utf8"),
            "--threads",
            threads,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let files = files_under(&out);
        for family in [
            "storage_analytics",
            "nsg_flow",
            "vnet_flow",
            "activity_log",
            "resource_log",
        ] {
            assert!(
                files
                    .iter()
                    .any(|f| f.starts_with(&format!("family={family}/"))),
                "{family}: {files:?}"
            );
        }
        let json = String::from_utf8_lossy(&o.stdout);
        let _ = json;
        let contents: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(out.join(f)).expect("read"))
            .collect();
        trees.push((files, contents));
    }
    assert_eq!(trees[0].0, trees[1].0, "same file names");
    assert!(
        trees[0].1 == trees[1].1,
        "byte-identical files for --threads 1 and 4"
    );
}

#[test]
fn bad_input_is_converted_or_rejected_never_lost() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    std::fs::copy(
        root().join("testdata/storage_analytics/bad_lines.log"),
        input.join("bad_lines.log"),
    )
    .expect("copy");
    std::fs::copy(
        root().join("testdata/storage_analytics/sa7_truncated_last_line.log"),
        input.join("cut.log"),
    )
    .expect("copy");
    std::fs::write(
        input.join("random.bin"),
        [0u8, 159, 146, 150, 255, 10, 1, 2],
    )
    .expect("write");
    let out = tmp.path().join("out");
    let o = azlog(&[
        "convert",
        input.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--json",
    ]);
    let json = String::from_utf8_lossy(&o.stdout);
    // Rejects without --allow-rejects: exit 1, after writing everything it could.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{json}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (read, written, rejected) = (
        json_int(&json, "records_read"),
        json_int(&json, "rows_written"),
        json_int(&json, "records_rejected"),
    );
    assert_eq!(read, written + rejected, "{json}");
    // bad_lines.log: 7 lines, 4 converted (bad time, invalid UTF-8, unknown version flagged),
    // 3 rejected; cut.log: 1 converted, the cut-off tail rejected as truncated.
    assert_eq!((read, written, rejected), (9, 5, 4), "{json}");
    assert!(json.contains("\"reason\":\"truncated\""), "{json}");
    assert!(
        json.contains("\"skipped\":[\"random.bin: not a recognised log"),
        "{json}"
    );
    assert!(
        files_under(&out)
            .iter()
            .any(|f| f.starts_with("rejects/family=storage_analytics/")),
        "{:?}",
        files_under(&out)
    );
    assert!(
        !files_under(&out).iter().any(|f| f.contains(".tmp")),
        "no temporary files left"
    );
    // --allow-rejects: same output, exit 0.
    let o = azlog(&[
        "convert",
        input.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--json",
        "--allow-rejects",
    ]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn usage_errors_are_clear() {
    let o = azlog(&[
        "convert",
        "/definitely/not/here",
        "-o",
        "/tmp/azlog-unused-out",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("/definitely/not/here"), "{err}");
    let o = azlog(&["convert"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn schema_doc_lists_every_column() {
    let o = azlog(&["schema", "--format", "md"]);
    assert!(o.status.success());
    let md = String::from_utf8_lossy(&o.stdout);
    for c in azlog_schema::COLUMNS.iter() {
        assert!(
            md.contains(&format!("| `{}` |", c.name)),
            "{} missing",
            c.name
        );
    }
    let o = azlog(&["schema", "--format", "json"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"name\":\"raw\""));
}

#[test]
fn committed_schema_doc_is_current() {
    let o = azlog(&["schema", "--format", "md"]);
    let generated = String::from_utf8(o.stdout).expect("utf8");
    let committed = std::fs::read_to_string(root().join("docs/schema.md")).expect("docs/schema.md");
    assert!(
        committed == generated,
        "docs/schema.md is stale: regenerate it with `azlog schema --format md > docs/schema.md`"
    );
}
