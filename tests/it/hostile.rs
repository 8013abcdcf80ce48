//! Hostile input through the binary: every broken input the forensic issue lists, converted
//! with `--json --allow-rejects` into a temporary OUT. Each run must exit 0 or 1 (never a
//! panic or a signal), reconcile `records_read == rows_written + records_rejected` in the
//! summary, per file and in the manifest, write nothing outside OUT, leave no temporary file,
//! and give the reject reason the input calls for. Big inputs are generated at test time.
//!
//! Regression inputs found by the fuzz targets or these tests live in `testdata/hostile/`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::util::*;

const STORAGE_BLOB: &str = "$logs/blob/2024/03/05/1400/000000.log";
const FLOW_BLOB: &str = "insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG/y=2024/m=03/d=05/h=14/m=00/macAddress=000D3A1B2C3D/PT1H.json";
const MONITOR_BLOB: &str = "insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV/y=2024/m=03/d=05/h=14/m=00/PT1H.json";

fn sample_lines() -> Vec<u8> {
    std::fs::read(root().join("testdata/sample-dump").join(STORAGE_BLOB)).expect("sample")
}

fn flow_doc() -> Vec<u8> {
    std::fs::read(root().join("testdata/nsg_flow/v1.json")).expect("flow fixture")
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn random_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(n + 8);
    while v.len() < n {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        v.extend_from_slice(&seed.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    v.truncate(n);
    v
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A scratch area: `ROOT/in` (inputs), `ROOT/out` (OUT) and `ROOT/bystander` (a file that
/// must never change), so writes outside OUT are seen.
struct Scratch {
    _dir: tempfile::TempDir,
    root: PathBuf,
    input: PathBuf,
    out: PathBuf,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path().to_path_buf();
        let input = root.join("in");
        std::fs::create_dir_all(&input).expect("mkdir");
        std::fs::write(root.join("bystander"), b"untouched").expect("write");
        Self {
            out: root.join("out"),
            root,
            input,
            _dir: dir,
        }
    }

    /// Writes an input file at `rel` under `in/`.
    fn put(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.input.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, data).expect("write input");
        p
    }

    /// Every path under the scratch root except OUT, with its size (the snapshot of what the
    /// run must not touch).
    fn outside_out(&self) -> Vec<(String, u64)> {
        fn walk(d: &Path, skip: &Path, v: &mut Vec<(String, u64)>) {
            for e in std::fs::read_dir(d).expect("read_dir").flatten() {
                let p = e.path();
                if p == skip {
                    continue;
                }
                let m = std::fs::symlink_metadata(&p).expect("meta");
                v.push((
                    p.display().to_string(),
                    if m.is_file() { m.len() } else { 0 },
                ));
                if m.is_dir() {
                    walk(&p, skip, v);
                }
            }
        }
        let mut v = Vec::new();
        walk(&self.root, &self.out, &mut v);
        v.sort();
        v
    }

    /// Converts `in/` with `--json --allow-rejects` plus `extra`, and checks everything every
    /// hostile run must satisfy. Returns the JSON summary.
    fn convert(&self, extra: &[&str]) -> Summary {
        let before = self.outside_out();
        let mut args = vec!["convert", s(&self.input)];
        args.extend([
            "-o",
            s(&self.out),
            "--json",
            "--allow-rejects",
            "--threads",
            "2",
        ]);
        args.extend_from_slice(extra);
        let o = azlog(&args);
        let json = String::from_utf8_lossy(&o.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        let code = o.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "exit {code:?} (a panic is 101, a signal is None)\nstderr: {stderr}\nstdout: {json}"
        );
        assert_eq!(before, self.outside_out(), "something outside OUT changed");
        assert_eq!(
            std::fs::read(self.root.join("bystander")).expect("bystander"),
            b"untouched"
        );
        let sum = Summary {
            json,
            code: code.unwrap_or(-1),
        };
        sum.check_counts();
        check_out_dir(&self.out, &sum);
        sum
    }
}

/// The `--json` summary of one run.
struct Summary {
    json: String,
    code: i32,
}

impl Summary {
    fn n(&self, key: &str) -> u64 {
        json_int(&self.json, key)
    }
    /// The start of the summary (enough for a failure message).
    fn head(&self) -> String {
        self.json.chars().take(4000).collect()
    }
    fn read(&self) -> u64 {
        self.n("records_read")
    }
    fn rows(&self) -> u64 {
        self.n("rows_written")
    }
    fn rejected(&self) -> u64 {
        self.n("records_rejected")
    }

    /// The per-file objects of the summary's `files` array.
    fn files(&self) -> Vec<&str> {
        let start = self.json.find("\"files\":[").expect("files") + 9;
        let end = self.json.rfind("],\"rejects\":[").expect("rejects");
        split_objects(&self.json[start..end])
    }

    fn check_counts(&self) {
        assert_eq!(
            self.read(),
            self.rows() + self.rejected(),
            "totals do not reconcile: {}",
            self.head()
        );
        for f in self.files() {
            reconciles(f);
        }
    }

    fn has_reason(&self, reason: &str) -> bool {
        self.json.contains(&format!("\"reason\":\"{reason}\""))
    }
}

/// Splits `{..},{..}` at top-level object boundaries (strings respected).
fn split_objects(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start, mut in_str, mut esc) = (Vec::new(), 0i32, 0, false, false);
    for (i, c) in s.char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push(&s[start..=i]);
                }
            }
            _ => {}
        }
    }
    out
}

fn reconciles(entry: &str) {
    let (r, w, j) = (
        json_int(entry, "records_read"),
        json_int(entry, "rows_written"),
        json_int(entry, "records_rejected"),
    );
    assert_eq!(r, w + j, "entry does not reconcile: {entry}");
}

/// The string list under `"key":[...]` of a flat JSON object.
fn string_list(entry: &str, key: &str) -> Vec<String> {
    let pat = format!("\"{key}\":[");
    let Some(at) = entry.find(&pat) else {
        return Vec::new();
    };
    let rest = &entry[at + pat.len()..];
    let end = rest.find(']').unwrap_or(rest.len());
    rest[..end]
        .split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.trim_matches('"').to_string())
        .collect()
}

/// Rows in every Parquet file under `dir` whose relative path passes `keep`, opening each
/// (so a partial file fails here).
fn parquet_rows(dir: &Path, keep: impl Fn(&str) -> bool) -> u64 {
    let mut n = 0;
    for f in files_under(dir) {
        if !f.ends_with(".parquet") || !keep(&f) {
            continue;
        }
        let file = std::fs::File::open(dir.join(&f)).expect("open");
        let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap_or_else(|e| panic!("{f} is not a complete Parquet file: {e}"));
        n += r.metadata().file_metadata().num_rows() as u64;
    }
    n
}

/// OUT after a run: no temporary file; every manifest line reconciles and names only files
/// that are complete Parquet; the rows on disk are the rows and rejects the summary counts.
fn check_out_dir(out: &Path, sum: &Summary) {
    let files = files_under(out);
    assert!(
        !files
            .iter()
            .any(|f| f.contains(".tmp") || f.contains(".azlog-inprogress-")),
        "temporary file left in OUT: {files:?}"
    );
    let manifest = std::fs::read_to_string(out.join("_azlog/manifest.jsonl")).expect("manifest");
    let mut manifest_read = 0;
    for line in manifest.lines() {
        reconciles(line);
        manifest_read += json_int(line, "records_read");
        for o in string_list(line, "outputs") {
            let p = out.join(&o);
            assert!(p.is_file(), "the manifest names {o}, which is missing");
            let file = std::fs::File::open(&p).expect("open");
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap_or_else(|e| panic!("the manifest names {o}, which is not complete: {e}"));
        }
    }
    assert_eq!(manifest_read, sum.read(), "manifest and summary disagree");
    assert_eq!(
        parquet_rows(out, |f| !f.starts_with("rejects")),
        sum.rows(),
        "rows on disk != rows_written"
    );
    assert_eq!(
        parquet_rows(out, |f| f.starts_with("rejects")),
        sum.rejected(),
        "reject rows on disk != records_rejected"
    );
}

#[test]
fn empty_files_in_every_family_count_nothing_and_fail_nothing() {
    let t = Scratch::new();
    t.put(STORAGE_BLOB, b"");
    t.put(FLOW_BLOB, b"");
    t.put(MONITOR_BLOB, b"");
    t.put("loose/empty.bin", b"");
    let sum = t.convert(&[]);
    assert_eq!(
        (sum.read(), sum.rows(), sum.rejected()),
        (0, 0, 0),
        "{}",
        sum.head()
    );
    assert_eq!(sum.n("files_seen"), 4, "{}", sum.head());
    assert_eq!(sum.n("files_failed"), 0, "{}", sum.head());
    assert_eq!(sum.code, 0, "{}", sum.head());
}

#[test]
fn random_bytes_under_every_family_path_are_accounted_for() {
    let t = Scratch::new();
    t.put(STORAGE_BLOB, &random_bytes(1 << 20, 1));
    t.put(FLOW_BLOB, &random_bytes(1 << 20, 2));
    t.put(MONITOR_BLOB, &random_bytes(1 << 20, 3));
    t.put("loose/random.bin", &random_bytes(1 << 20, 4));
    // Random bytes behind a Storage Analytics version prefix: parsed line by line.
    let mut sa = b"1.0;".to_vec();
    sa.extend(random_bytes(1 << 20, 5));
    t.put("sa/random-after-version.log", &sa);
    // ... and behind a JSON start: framed as a document.
    let mut js = b"{\"records\":[{\"flowTuples\":".to_vec();
    js.extend(random_bytes(1 << 20, 6));
    t.put("js/random-after-records.json", &js);
    let sum = t.convert(&[]);
    // Every line that is not empty (after a CR before its LF) is one record.
    let records = sa
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && *l != b"\r")
        .count() as u64;
    let sa_entry = sum
        .files()
        .into_iter()
        .find(|f| f.contains("\"source_file\":\"sa/random-after-version.log\""))
        .expect("sa entry");
    assert_eq!(json_int(sa_entry, "records_read"), records, "{sa_entry}");
    assert!(sum.rejected() > 0, "{}", sum.head());
}

#[test]
fn nul_bytes_and_invalid_utf8_in_storage_lines_are_flagged_or_rejected() {
    let t = Scratch::new();
    let lines = sample_lines();
    let mut bad = Vec::new();
    for (i, l) in lines.split_inclusive(|&b| b == b'\n').enumerate() {
        let mut l = l.to_vec();
        // Corrupt one byte in the middle of every line: NUL, a lone continuation byte, 0xFF.
        let at = l.len() / 2;
        l[at] = [0x00, 0x80, 0xFF][i % 3];
        bad.extend(l);
    }
    bad.extend_from_slice(b"\0\0\0\0\n\xFF\xFE\xFD\n1.0;\0;\xC3\n");
    let n_lines = bad.iter().filter(|&&b| b == b'\n').count() as u64;
    t.put(STORAGE_BLOB, &bad);
    let sum = t.convert(&["--raw"]);
    assert_eq!(sum.read(), n_lines, "one record per line: {}", sum.head());
    assert!(
        sum.rejected() >= 2,
        "the garbage lines are rejected: {}",
        sum.head()
    );
}

#[test]
fn nul_bytes_and_invalid_utf8_in_flow_json_are_flagged_or_rejected() {
    let t = Scratch::new();
    let doc = flow_doc();
    // Invalid UTF-8 inside a string value, a NUL inside another, a NUL between tokens.
    let text = String::from_utf8(doc).expect("fixture is UTF-8");
    let bad = text
        .replacen(
            "NetworkSecurityGroupFlowEvents",
            "NetworkSecurityGroup\u{0}FlowEvents",
            1,
        )
        .into_bytes();
    let mut bad = bad;
    if let Some(p) = bad.windows(4).position(|w| w == b"RG-W") {
        bad[p + 1] = 0xFF;
    }
    if let Some(p) = bad.windows(9).position(|w| w == b"\"systemId") {
        bad.insert(p, 0);
    }
    t.put(FLOW_BLOB, &bad);
    // A second file: JSON Lines with a raw NUL and a lone surrogate escape.
    t.put(
        &FLOW_BLOB.replace("PT1H", "PT2H"),
        b"{\"category\":\"NetworkSecurityGroupFlowEvent\",\"x\":\"\0\",\"y\":\"\\ud800\"}\n\xFF\xFF\n",
    );
    let sum = t.convert(&[]);
    assert!(sum.read() > 0, "{}", sum.head());
    assert_eq!(sum.n("files_failed"), 0, "{}", sum.head());
}

#[test]
fn nul_bytes_and_invalid_utf8_in_monitor_json_lines_are_flagged_or_rejected() {
    let t = Scratch::new();
    t.put(
        MONITOR_BLOB,
        b"{\"time\":\"2024-03-05T14:00:00Z\",\"category\":\"AuditEvent\",\"operationName\":\"Vault\xFFGet\"}\n\
          {\"time\":\"2024-03-05T14:00:01Z\",\"category\":\"AuditEvent\",\"operationName\":\"A\0B\"}\n\
          \0\0\0\n",
    );
    let sum = t.convert(&[]);
    // Three lines, three records: each converted (with parse_issues) or rejected. A family
    // the build cannot parse is a failed file with nothing counted, which loses evidence.
    assert_eq!(sum.read(), 3, "{}", sum.head());
    assert_eq!(sum.n("files_failed"), 0, "{}", sum.head());
}

#[test]
fn crlf_files_convert_like_lf_files() {
    let t = Scratch::new();
    let lf = sample_lines();
    let crlf: Vec<u8> = lf
        .split_inclusive(|&b| b == b'\n')
        .flat_map(|l| {
            let mut l = l.to_vec();
            if l.ends_with(b"\n") {
                l.pop();
                l.extend_from_slice(b"\r\n");
            }
            l
        })
        .collect();
    t.put(STORAGE_BLOB, &crlf);
    t.put(
        &FLOW_BLOB.replace("PT1H", "PT2H"),
        &std::fs::read(root().join("testdata/nsg_flow/jsonl_crlf.json")).expect("fixture"),
    );
    let sum = t.convert(&[]);
    let lines = lf.iter().filter(|&&b| b == b'\n').count() as u64;
    // jsonl_crlf.json holds two bad lines on purpose (see its .expected).
    assert!(
        sum.rows() > lines,
        "storage lines and flow tuples: {}",
        sum.head()
    );
    // The Storage rows alone: same count as the LF original.
    let t2 = Scratch::new();
    t2.put(STORAGE_BLOB, &crlf);
    let sum = t2.convert(&[]);
    assert_eq!((sum.rows(), sum.rejected()), (lines, 0), "{}", sum.head());
}

#[test]
fn a_100_mb_line_without_newline_is_one_record_too_long_reject() {
    let t = Scratch::new();
    let mut data = sample_lines();
    let good = data.iter().filter(|&&b| b == b'\n').count() as u64;
    data.extend_from_slice(b"1.0;");
    data.resize(data.len() + 100 * 1024 * 1024, b'x');
    t.put(STORAGE_BLOB, &data);
    drop(data);
    let sum = t.convert(&["--max-record-bytes", "1048576"]);
    assert_eq!(
        (sum.read(), sum.rows(), sum.rejected()),
        (good + 1, good, 1),
        "{}",
        sum.head()
    );
    assert!(sum.has_reason("record_too_long"), "{}", sum.head());
}

#[test]
fn a_long_line_in_the_middle_is_rejected_and_the_next_lines_convert() {
    let t = Scratch::new();
    let lines = sample_lines();
    let mut data = lines.clone();
    data.extend_from_slice(b"1.0;");
    data.resize(data.len() + 3 * 1024 * 1024, b'y');
    data.push(b'\n');
    data.extend_from_slice(&lines);
    t.put(STORAGE_BLOB, &data);
    let sum = t.convert(&["--max-record-bytes", "1048576"]);
    let good = 2 * lines.iter().filter(|&&b| b == b'\n').count() as u64;
    assert_eq!((sum.rows(), sum.rejected()), (good, 1), "{}", sum.head());
    assert!(sum.has_reason("record_too_long"), "{}", sum.head());
}

fn deep(n: usize) -> (Vec<u8>, Vec<u8>) {
    (vec![b'['; n], vec![b']'; n])
}

#[test]
fn nesting_100k_deep_in_a_flow_document_is_a_reject_not_a_stack_overflow() {
    let t = Scratch::new();
    let (open, close) = deep(100_000);
    let mut doc =
        b"{\"records\":[{\"category\":\"NetworkSecurityGroupFlowEvent\",\"properties\":".to_vec();
    doc.extend(&open);
    doc.extend(&close);
    doc.extend_from_slice(b"}]}");
    t.put(FLOW_BLOB, &doc);
    // Unclosed, too: the scanner must not recurse either way.
    let mut cut = b"{\"records\":[{\"flowTuples\":".to_vec();
    cut.extend(&open);
    t.put(&FLOW_BLOB.replace("PT1H", "PT2H"), &cut);
    let sum = t.convert(&[]);
    assert!(sum.rejected() >= 2, "{}", sum.head());
    assert_eq!(sum.rows(), 0, "{}", sum.head());
}

#[test]
fn nesting_100k_deep_in_json_lines_is_a_reject_not_a_stack_overflow() {
    let t = Scratch::new();
    let (open, close) = deep(100_000);
    let mut line = b"{\"category\":\"NetworkSecurityGroupFlowEvent\",\"flowTuples\":".to_vec();
    line.extend(&open);
    line.extend(&close);
    line.extend_from_slice(b"}\n");
    let mut flow = line.clone();
    flow.extend_from_slice(&line);
    t.put(FLOW_BLOB, &flow);
    let mut mon =
        b"{\"time\":\"2024-03-05T14:00:00Z\",\"category\":\"AuditEvent\"}\n{\"properties\":"
            .to_vec();
    mon.extend(&open);
    mon.extend(&close);
    mon.extend_from_slice(b"}\n");
    t.put(MONITOR_BLOB, &mon);
    let sum = t.convert(&[]);
    assert!(sum.rejected() >= 2, "{}", sum.head());
    // Flow: the two deep lines; monitor: one good line and one deep line.
    assert_eq!(sum.read(), 4, "{}", sum.head());
}

#[test]
fn a_10_mb_json_string_is_converted_or_rejected_with_a_reason() {
    let t = Scratch::new();
    let big = "A".repeat(10 * 1024 * 1024);
    let text = String::from_utf8(flow_doc()).expect("utf8");
    let doc = text.replacen("5a7c3e1f-2b9d-4e6a-8c0f-1d2e3f4a5b6c", &big, 1);
    assert!(doc.len() > big.len(), "the fixture holds the systemId");
    t.put(FLOW_BLOB, doc.as_bytes());
    let mon = format!(
        "{{\"time\":\"2024-03-05T14:00:00Z\",\"category\":\"AuditEvent\",\"operationName\":\"{big}\"}}\n"
    );
    t.put(MONITOR_BLOB, mon.as_bytes());
    let sum = t.convert(&[]);
    assert!(sum.read() >= 2, "{}", sum.head());
    assert_eq!(sum.n("files_failed"), 0, "{}", sum.head());
    if sum.rejected() > 0 {
        assert!(sum.json.contains("\"reason\":\""), "{}", sum.head());
    }
}

/// What a streaming reader gets out of a truncated gzip before the error.
fn decodable_prefix(gz: &[u8]) -> Vec<u8> {
    let mut d = flate2::read::MultiGzDecoder::new(gz);
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match d.read(&mut buf) {
            Ok(0) | Err(_) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn truncated_gzip_converts_the_complete_lines_and_rejects_the_rest() {
    let t = Scratch::new();
    let lines = sample_lines().repeat(2000);
    let gz = gzip(&lines);
    let cut = &gz[..gz.len() / 2];
    t.put(STORAGE_BLOB, cut);
    let sum = t.convert(&[]);
    let prefix = decodable_prefix(cut);
    let complete = prefix.iter().filter(|&&b| b == b'\n').count() as u64;
    assert!(complete > 0 && complete < 6 * 2000);
    assert_eq!(
        (sum.rows(), sum.rejected()),
        (complete, 1),
        "the complete lines before the cut, then one reject: {}",
        sum.head()
    );
    assert!(sum.has_reason("read_error"), "{}", sum.head());
}

#[test]
fn truncated_gzip_of_a_flow_document_keeps_what_frames_and_reports_the_cut() {
    let t = Scratch::new();
    // Many records, so the cut falls well past the first bytes.
    let text = String::from_utf8(flow_doc()).expect("utf8");
    let inner = text
        .trim_end()
        .strip_prefix("{\"records\":[")
        .and_then(|x| x.strip_suffix("]}"))
        .expect("records doc");
    let doc = format!("{{\"records\":[{}]}}", vec![inner; 200].join(","));
    let gz = gzip(doc.as_bytes());
    t.put(FLOW_BLOB, &gz[..gz.len() / 2]);
    let sum = t.convert(&[]);
    assert!(
        sum.rows() > 0,
        "the records before the cut convert: {}",
        sum.head()
    );
    assert!(sum.has_reason("read_error"), "{}", sum.head());
}

#[test]
fn truncated_gzip_cut_in_its_first_512_bytes_still_accounts_for_them() {
    // Regression (testdata/hostile/README.md, bug 2): a gzip member cut before 512 bytes of
    // it decompress fails the whole file with "cannot decompress" and nothing counted, where
    // a later cut converts what came before and rejects the rest as read_error.
    let t = Scratch::new();
    let data = std::fs::read(root().join("testdata/hostile/gzip_cut_in_first_512_bytes.log.gz"))
        .expect("regression input");
    t.put(STORAGE_BLOB, &data);
    let sum = t.convert(&[]);
    assert_eq!(sum.n("files_failed"), 0, "{}", sum.head());
    // The one complete line (a row or a reject) and the cut (a read_error reject).
    assert!(
        sum.read() >= 2,
        "the complete line before the cut: {}",
        sum.head()
    );
    assert!(sum.has_reason("read_error"), "{}", sum.head());
}

#[test]
fn zip_member_names_never_escape_and_name_the_rows() {
    let t = Scratch::new();
    let lines = sample_lines();
    let names = [
        "../../evil.log",
        "/abs/path.log",
        "C:\\x.log",
        "nul\0byte.log",
        "../../../../../../../../tmp/azlog-hostile-escape.log",
    ];
    let members: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, &lines[..])).collect();
    t.put("dump.zip", &zip_of(&members));
    let sum = t.convert(&["--raw"]);
    let per = lines.iter().filter(|&&b| b == b'\n').count() as u64;
    assert_eq!(sum.rows(), per * names.len() as u64, "{}", sum.head());
    let rows = crate::read_rows(&t.out);
    let mut seen: Vec<String> = rows.iter().map(|r| r.source_file.clone()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "dump.zip!/../../../../../../../../tmp/azlog-hostile-escape.log",
            "dump.zip!/../../evil.log",
            "dump.zip!/C:\\x.log",
            "dump.zip!/abs/path.log",
            "dump.zip!/nul\\0byte.log",
        ]
    );
    assert!(!Path::new("/tmp/azlog-hostile-escape.log").exists());
    assert!(!Path::new("/abs/path.log").exists());
    assert!(!t.root.join("evil.log").exists());
    // Output paths come from family and date only.
    for f in files_under(&t.out) {
        assert!(
            f.starts_with("family=") || f.starts_with("rejects/") || f.starts_with("_azlog/"),
            "{f}"
        );
    }
}

#[test]
fn many_zip_members_are_each_accounted_for() {
    // The member cap (100 000 by default, not settable from the command line) is exercised
    // by the engine_units fuzz target with `max_members: 2`; here 300 members each count.
    let t = Scratch::new();
    let lines = sample_lines();
    let names: Vec<String> = (0..300).map(|i| format!("m/{i:04}.log")).collect();
    let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &lines[..6])).collect();
    t.put("many.zip", &zip_of(&members));
    t.put(STORAGE_BLOB, &lines);
    let sum = t.convert(&[]);
    let per = lines.iter().filter(|&&b| b == b'\n').count() as u64;
    // Each member is a 6-byte cut line: one (truncated) record each.
    assert_eq!(sum.read(), per + 300, "{}", sum.head());
}

/// A gzip bomb made cheaply: `prefix` as one gzip member, then `mib` MiB of `byte` as
/// concatenated members of 8 MiB each (compressed once, ~1030:1; the decoder reads
/// multi-member gzip as one stream).
fn gzip_bomb(prefix: &[u8], byte: u8, mib: usize) -> Vec<u8> {
    let member = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![byte; 8 << 20]).expect("gz");
        e.finish().expect("gz")
    };
    let mut bomb = gzip(prefix);
    for _ in 0..mib / 8 {
        bomb.extend_from_slice(&member);
    }
    bomb
}

#[test]
fn a_gzip_bomb_stops_at_the_decompression_limit() {
    let t = Scratch::new();
    // A flow document (read whole) that never ends: 256 MiB of zeros in ~256 KB. Past 64 MiB
    // the ratio check sees > 1000:1 and stops reading.
    let bomb = gzip_bomb(b"{\"records\":[{\"flowTuples\":\"", 0, 256);
    assert!(bomb.len() < 400 << 10, "{}", bomb.len());
    t.put(FLOW_BLOB, &bomb);
    let sum = t.convert(&[]);
    assert!(sum.has_reason("decompression_limit"), "{}", sum.head());
    assert_eq!((sum.rows(), sum.rejected()), (0, 1), "{}", sum.head());
}

#[test]
fn a_gzip_bomb_of_one_endless_line_stops_at_the_decompression_limit() {
    let t = Scratch::new();
    // "1.0;" then 192 MiB of zeros: no newline ever, so past --max-record-bytes the chunker
    // skips to the line's end. The ratio limit (> 1000:1 past 64 MiB, which this bomb passes
    // by 128 MiB) must stop that skip too, not only the next chunk after it
    // (testdata/hostile/README.md, bug 1).
    let bomb = gzip_bomb(b"1.0;", 0, 192);
    t.put(STORAGE_BLOB, &bomb);
    let sum = t.convert(&["--max-record-bytes", "1048576"]);
    assert!(sum.has_reason("decompression_limit"), "{}", sum.head());
    let lengths: Vec<u64> = sum
        .json
        .match_indices("\"length\":")
        .map(|(i, _)| json_int(&sum.json[i..], "length"))
        .collect();
    assert!(
        lengths.iter().all(|&l| l < 160 << 20),
        "reading went on to the end of the bomb (reject lengths {lengths:?}): {}",
        sum.head()
    );
}

#[test]
fn a_symlink_loop_in_the_input_tree_does_not_hang() {
    let t = Scratch::new();
    t.put(STORAGE_BLOB, &sample_lines());
    let dir = t.input.join("$logs/blob");
    std::os::unix::fs::symlink("..", dir.join("loop")).expect("symlink");
    std::os::unix::fs::symlink("loop2", dir.join("loop1")).expect("symlink");
    std::os::unix::fs::symlink("loop1", dir.join("loop2")).expect("symlink");
    let sum = t.convert(&[]);
    assert_eq!(sum.rows(), 6, "the one real file, once: {}", sum.head());
    assert_eq!(
        sum.n("files_seen"),
        1,
        "links are not followed: {}",
        sum.head()
    );
    // A symlink loop named directly on the command line is an input that cannot be read.
    let o = azlog(&["convert", s(&dir.join("loop1")), "-o", s(&t.out), "--json"]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("loop1"), "the error names the path: {err}");
}

#[test]
fn an_unwritable_output_is_a_clear_error_with_no_partial_files() {
    let t = Scratch::new();
    t.put(STORAGE_BLOB, &sample_lines());
    // Root ignores permission bits, so make every create fail with ENOTDIR instead: OUT lies
    // under a regular file.
    std::fs::write(t.root.join("plainfile"), b"x").expect("write");
    let out = t.root.join("plainfile/out");
    let o = azlog(&["convert", s(&t.input), "-o", s(&out), "--json"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("plainfile/out"),
        "the error names the path: {err}"
    );
    assert!(o.stdout.is_empty(), "no summary claims success");
    assert_eq!(std::fs::read(t.root.join("plainfile")).expect("f"), b"x");
}

#[test]
fn an_output_that_fails_mid_run_leaves_no_partial_parquet_and_no_manifest_claim() {
    let t = Scratch::new();
    t.put(STORAGE_BLOB, &sample_lines());
    // OUT exists and its manifest can be opened, but the partition directory cannot be
    // created: a regular file sits where `family=storage_analytics` must go.
    std::fs::create_dir_all(&t.out).expect("mkdir");
    std::fs::write(t.out.join("family=storage_analytics"), b"in the way").expect("w");
    let o = azlog(&["convert", s(&t.input), "-o", s(&t.out), "--json"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("family=storage_analytics"),
        "the error names the path: {err}"
    );
    let files = files_under(&t.out);
    assert!(
        !files
            .iter()
            .any(|f| f.ends_with(".parquet") || f.contains(".tmp")),
        "no partial or temporary files: {files:?}"
    );
    let manifest = std::fs::read_to_string(t.out.join("_azlog/manifest.jsonl")).unwrap_or_default();
    assert!(
        manifest.trim().is_empty(),
        "the manifest claims nothing: {manifest}"
    );
}

#[test]
fn a_read_only_output_directory_fails_cleanly_when_permissions_apply() {
    use std::os::unix::fs::PermissionsExt;
    let t = Scratch::new();
    t.put(STORAGE_BLOB, &sample_lines());
    std::fs::create_dir_all(&t.out).expect("mkdir");
    std::fs::set_permissions(&t.out, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // Root (as in CI here) ignores the mode: then there is nothing to test this way, and the
    // ENOTDIR tests above cover the failure path.
    if std::fs::write(t.out.join("probe"), b"").is_ok() {
        let _ = std::fs::remove_file(t.out.join("probe"));
        std::fs::set_permissions(&t.out, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        eprintln!("SKIP: running as root, permission bits do not apply");
        return;
    }
    let o = azlog(&["convert", s(&t.input), "-o", s(&t.out), "--json"]);
    std::fs::set_permissions(&t.out, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains(s(&t.out)), "{err}");
    assert!(!files_under(&t.out).iter().any(|f| f.ends_with(".parquet")));
}

#[test]
fn a_killed_writer_leaves_only_temporaries_that_the_next_run_removes() {
    let t = Scratch::new();
    t.put(STORAGE_BLOB, &sample_lines());
    // What a SIGKILL mid-write leaves: temporaries in the partition and rejects trees, and a
    // manifest line cut in half. None of it is under a final name.
    let part = t.out.join("family=storage_analytics/event_date=2024-03-05");
    std::fs::create_dir_all(&part).expect("mkdir");
    std::fs::create_dir_all(t.out.join("rejects/x")).expect("mkdir");
    std::fs::create_dir_all(t.out.join("_azlog")).expect("mkdir");
    std::fs::write(part.join(".azlog-inprogress-4242-1.tmp"), b"PAR1 half").expect("w");
    std::fs::write(
        t.out.join("rejects/x/.azlog-inprogress-4242-2.tmp"),
        b"PAR1",
    )
    .expect("w");
    std::fs::write(
        t.out.join("_azlog/manifest.jsonl"),
        b"{\"source_file\":\"x\",\"si",
    )
    .expect("w");
    let sum = t.convert(&[]);
    assert_eq!(sum.rows(), 6, "{}", sum.head());
    // check_out_dir (in convert) already asserted no temporary is left and that every
    // manifest line reconciles and names complete files.
}

/// Every regression input under `testdata/hostile/` converts with the invariants above.
#[test]
fn regression_inputs_in_testdata_hostile() {
    let dir = root().join("testdata/hostile");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    names.sort();
    for p in names {
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        }
        let t = Scratch::new();
        let data = std::fs::read(&p).expect("read");
        // As every family: under each blob path.
        for (i, blob) in [STORAGE_BLOB, FLOW_BLOB, MONITOR_BLOB].iter().enumerate() {
            t.put(&format!("{i}/{blob}"), &data);
        }
        t.put(&name, &data);
        let sum = t.convert(&["--max-record-bytes", "1024"]);
        eprintln!("{name}: {} records", sum.read());
    }
}
