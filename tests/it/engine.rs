//! The engine through the binary: archives, resume, Arrow IPC, rolling, detect.

use std::path::Path;

use crate::util::*;

fn sample_lines() -> Vec<u8> {
    std::fs::read(root().join("testdata/sample-dump/$logs/blob/2024/03/05/1400/000000.log"))
        .expect("sample")
}

fn run_json(args: &[&str]) -> String {
    let o = azlog(args);
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf8")
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf8 path")
}

/// The manifest's digest is the SHA-256 of the file's bytes, whether it was hashed while being
/// read (plain, gzip) or read again (a zip, a file skipped after its head), with and without
/// `--resume`.
#[test]
fn manifest_digests_are_the_files_sha256() {
    use sha2::{Digest, Sha256};
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    let lines = sample_lines();
    let mut big = Vec::new();
    while big.len() < (3 << 20) {
        big.extend_from_slice(&lines);
    }
    std::fs::write(input.join("a.log"), &big).expect("plain");
    std::fs::write(input.join("b.log.gz"), gzip(&lines)).expect("gz");
    std::fs::write(
        input.join("c.zip"),
        zip_of(&[("$logs/blob/2024/03/05/1400/000000.log", &lines)]),
    )
    .expect("zip");
    std::fs::write(input.join("d.txt"), vec![b'x'; 200_000]).expect("not a log");
    let files = ["a.log", "b.log.gz", "c.zip", "d.txt"];
    let want: Vec<String> = files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(input.join(f)).expect("read");
            Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect();
    for resume in [false, true] {
        let out = tmp.path().join(format!("out-{resume}"));
        let mut args = vec!["convert", p(&input), "-o", p(&out), "--json"];
        if resume {
            args.push("--resume");
        }
        run_json(&args);
        let manifest =
            std::fs::read_to_string(out.join("_azlog/manifest.jsonl")).expect("manifest");
        for (f, digest) in files.iter().zip(&want) {
            let entry = format!("{{\"source_file\":\"{f}\",");
            let line = manifest
                .lines()
                .find(|l| l.starts_with(&entry))
                .unwrap_or_else(|| panic!("{f} not in the manifest:\n{manifest}"));
            assert!(
                line.contains(&format!("\"sha256\":\"{digest}\"")),
                "resume={resume}: {line}"
            );
        }
    }
}

#[test]
fn gzip_and_zip_members_convert_with_names_and_offsets_of_their_own() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    let lines = sample_lines();
    // A misleading extension: detection is by magic bytes.
    std::fs::write(input.join("blob-1400.log.txt"), gzip(&lines)).expect("gz");
    std::fs::write(
        input.join("dump.zip"),
        zip_of(&[
            ("$logs/blob/2024/03/05/1400/000000.log", &lines),
            ("README.txt", b"not a log"),
        ]),
    )
    .expect("zip");
    let out = tmp.path().join("out");
    let json = run_json(&["convert", p(&input), "-o", p(&out), "--json", "--raw"]);
    assert_eq!(json_int(&json, "records_rejected"), 0, "{json}");
    assert_eq!(json_int(&json, "rows_written"), 12, "6 lines twice: {json}");
    assert!(json.contains("\"source_file\":\"dump.zip\""), "{json}");
    assert!(
        json.contains("dump.zip!/README.txt: not a recognised log"),
        "{json}"
    );
    // Rows name the member and point at bytes of the decompressed stream: check with the
    // Parquet reader that source_offset/source_length cut exactly `raw` out of the member.
    let rows = crate::read_rows(&out);
    let members: Vec<_> = rows
        .iter()
        .filter(|r| r.source_file == "dump.zip!/$logs/blob/2024/03/05/1400/000000.log")
        .collect();
    assert_eq!(members.len(), 6);
    assert_eq!(
        rows.iter()
            .filter(|r| r.source_file == "blob-1400.log.txt")
            .count(),
        6
    );
    for r in &rows {
        assert_eq!(
            &lines[r.offset as usize..(r.offset + r.length) as usize],
            &r.raw[..],
            "{}",
            r.source_file
        );
    }
}

#[test]
fn an_interrupted_run_resumes_without_duplicates_or_gaps() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("in");
    let lines = sample_lines();
    for h in 0..5 {
        let dir = input.join(format!("$logs/blob/2024/03/05/{:02}00", 10 + h));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("000000.log"), &lines).expect("write");
    }
    // Every file its own segment, so a run can stop between them.
    let args = |out: &Path| {
        vec![
            "convert".to_string(),
            p(&input).to_string(),
            "-o".into(),
            p(out).to_string(),
            "--json".into(),
            "--segment-bytes".into(),
            "1".into(),
        ]
    };
    let full = tmp.path().join("full");
    let a: Vec<String> = args(&full);
    run_json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    // Simulate a kill after two segments: keep their manifest lines and files, drop the
    // rest, and leave a half-written temporary file as a killed writer would.
    let cut = tmp.path().join("cut");
    copy_tree(&full, &cut);
    let manifest = std::fs::read_to_string(cut.join("_azlog/manifest.jsonl")).expect("manifest");
    let kept: Vec<&str> = manifest.lines().take(2).collect();
    std::fs::write(cut.join("_azlog/manifest.jsonl"), kept.join("\n") + "\n").expect("write");
    for f in files_under(&cut) {
        if f.ends_with(".parquet") && !(f.contains("part-00000-") || f.contains("part-00001-")) {
            std::fs::remove_file(cut.join(&f)).expect("rm");
        }
    }
    let part_dir = files_under(&cut)
        .into_iter()
        .find(|f| f.ends_with(".parquet"))
        .expect("a parquet file");
    let stale = cut
        .join(Path::new(&part_dir).parent().expect("dir"))
        .join(".azlog-inprogress-999-1.tmp");
    std::fs::write(&stale, b"PAR1 half written").expect("stale");
    let mut a = args(&cut);
    a.push("--resume".into());
    let json = run_json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(json_int(&json, "files_resumed"), 2, "{json}");
    assert_eq!(
        json_int(&json, "rows_written"),
        30,
        "all rows accounted for: {json}"
    );
    // Same files, same bytes as the uninterrupted run; the stale temporary is gone.
    let (f1, f2) = (files_under(&full), files_under(&cut));
    let pq = |v: &[String]| {
        v.iter()
            .filter(|f| f.ends_with(".parquet"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(pq(&f1), pq(&f2));
    for f in pq(&f1) {
        assert!(
            std::fs::read(full.join(&f)).expect("a") == std::fs::read(cut.join(&f)).expect("b"),
            "{f} differs"
        );
    }
    assert!(!stale.exists(), "stale temporary file removed");
    let rows = crate::read_rows(&cut);
    assert_eq!(rows.len(), 30, "no duplicated rows");
    let mut keys: Vec<_> = rows
        .iter()
        .map(|r| (r.source_file.clone(), r.offset))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 30, "every (file, offset) once");
}

#[test]
fn arrow_ipc_output_has_the_same_rows() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out");
    let json = run_json(&[
        "convert",
        p(&root().join("testdata/sample-dump")),
        "-o",
        p(&out),
        "--format",
        "arrow",
        "--json",
    ]);
    assert_eq!(json_int(&json, "rows_written"), 25);
    let files: Vec<_> = files_under(&out)
        .into_iter()
        .filter(|f| f.ends_with(".arrows"))
        .collect();
    assert_eq!(files.len(), 6, "one per family and date: {files:?}");
    let mut rows = 0;
    for f in &files {
        let r = arrow_ipc::reader::StreamReader::try_new(
            std::fs::File::open(out.join(f)).expect("open"),
            None,
        )
        .expect("ipc");
        assert_eq!(r.schema().fields().len(), 62);
        assert_eq!(
            r.schema()
                .metadata()
                .get("azlog.schema")
                .map(String::as_str),
            Some("azlog.unified")
        );
        for b in r {
            rows += b.expect("batch").num_rows();
        }
    }
    assert_eq!(rows, 25);
}

#[test]
fn files_roll_over_at_the_size_limit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out");
    let json = run_json(&[
        "convert",
        p(&root().join("testdata/sample-dump")),
        "-o",
        p(&out),
        "--json",
        "--max-file-bytes",
        "1",
    ]);
    assert_eq!(json_int(&json, "rows_written"), 25);
    let files: Vec<_> = files_under(&out)
        .into_iter()
        .filter(|f| f.ends_with(".parquet"))
        .collect();
    // One file per write once every file is "full": more files than partitions, and the rows
    // still add up.
    assert!(files.len() > 6, "{files:?}");
    assert!(
        files.iter().any(|f| f.contains("part-00000-001-")),
        "{files:?}"
    );
    assert_eq!(crate::read_rows(&out).len(), 25);
}

#[test]
fn detect_names_each_file_and_counts_records() {
    let o = azlog(&["detect", p(&root().join("testdata/sample-dump"))]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("storage_analytics          6 records       0 rejected  $logs/blob/2024/03/05/1400/000000.log"), "{text}");
    assert!(text.contains("flow                       4 records       0 rejected  insights-logs-networksecuritygroupflowevent/"), "{text}");
    assert!(
        text.contains(
            "monitor                    2 records       0 rejected  insights-activity-logs/"
        ),
        "{text}"
    );
    assert_eq!(text.lines().count(), 8, "{text}");
}

#[test]
fn partition_layouts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let sample = root().join("testdata/sample-dump");
    for (mode, want) in [
        (
            "family,date,hour",
            "family=storage_analytics/event_date=2024-03-05/event_hour=14/",
        ),
        ("family", "family=vnet_flow/part-"),
        ("none", "part-"),
    ] {
        let out = tmp.path().join(mode.replace(',', "_"));
        let json = run_json(&[
            "convert",
            p(&sample),
            "-o",
            p(&out),
            "--json",
            "--partition",
            mode,
        ]);
        assert_eq!(json_int(&json, "rows_written"), 25, "{mode}");
        let files: Vec<_> = files_under(&out)
            .into_iter()
            .filter(|f| f.ends_with(".parquet"))
            .collect();
        assert!(
            files.iter().any(|f| f.starts_with(want)),
            "{mode}: {files:?}"
        );
        assert_eq!(crate::read_rows(&out).len(), 25, "{mode}");
        if mode == "none" {
            assert_eq!(files.len(), 1, "one file for everything: {files:?}");
        }
    }
}
