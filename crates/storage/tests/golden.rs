//! Golden tests over `testdata/storage_analytics/`, chunking invariance, the real sample in
//! `../shared/testdata-peers/` and a render → parse property test.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use azlog_schema::dump::{dump_batches, value_text};
use azlog_schema::{BatchBuilder, Origin, ParseStats, RecordParser, Reject, col};
use azlog_storage::StorageParser;
use proptest::prelude::*;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/storage_analytics")
}

fn parse_chunks(
    input: &[u8],
    name: &str,
    cuts: &[usize],
    batch_rows: usize,
) -> (Vec<RecordBatch>, Vec<Reject>, ParseStats) {
    let mut out = BatchBuilder::new(batch_rows);
    let mut rejects = Vec::new();
    let mut stats = ParseStats::default();
    let mut parser = StorageParser::new();
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < input.len()));
    bounds.push(input.len());
    bounds.dedup();
    for w in bounds.windows(2) {
        let line = 1 + input[..w[0]].iter().filter(|&&b| b == b'\n').count() as u64;
        let origin = Origin {
            base_offset: w[0] as u64,
            first_line: line,
            first_record: line - 1,
            at_eof: w[1] == input.len(),
            ..Origin::whole_file(name)
        };
        stats.add(&parser.parse(&input[w[0]..w[1]], &origin, &mut out, &mut rejects));
    }
    (out.take_batches().expect("batches"), rejects, stats)
}

fn render(batches: &[RecordBatch], rejects: &[Reject], stats: &ParseStats) -> String {
    let mut s = dump_batches(batches);
    for r in rejects {
        let mut d = String::new();
        azlog_schema::push_json_string(&mut d, &r.detail);
        let _ = writeln!(
            s,
            "REJECT offset={} length={} line={} record_index={} reason={} detail={d} raw_len={}",
            r.offset,
            r.length,
            r.line,
            r.record_index,
            r.reason,
            r.raw.len()
        );
    }
    let _ = writeln!(
        s,
        "STATS records_read={} rows={} rejected={}",
        stats.records_read, stats.rows, stats.rejected
    );
    s
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(testdata())
        .expect("testdata/storage_analytics exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "fixtures missing");
    v
}

#[test]
fn golden_fixtures() {
    let bless = std::env::var_os("AZLOG_BLESS").is_some();
    let mut failures = Vec::new();
    for path in fixtures() {
        let input = std::fs::read(&path).expect("read fixture");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let (batches, rejects, stats) = parse_chunks(&input, name, &[], 1024);
        assert!(stats.reconciles(), "{name}: {stats:?}");
        let got = render(&batches, &rejects, &stats);
        let expected_path = path.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).expect("write expected");
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if want != got {
            failures.push(format!("{name}:\n--- expected\n{want}\n--- got\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatch (AZLOG_BLESS=1 to regenerate, then review):\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_row_points_at_its_line() {
    for path in fixtures() {
        let input = std::fs::read(&path).expect("read");
        let (batches, rejects, _) = parse_chunks(&input, "f", &[], 3);
        for b in &batches {
            for row in 0..b.num_rows() {
                let off: usize = value_text(b.column(col::source_offset).as_ref(), row)
                    .expect("offset")
                    .parse()
                    .expect("int");
                let len: usize = value_text(b.column(col::source_length).as_ref(), row)
                    .expect("len")
                    .parse()
                    .expect("int");
                let line = &input[off..off + len];
                assert!(
                    !line.contains(&b'\n') && !line.ends_with(b"\r"),
                    "{path:?} row {row}"
                );
                assert!(
                    off == 0 || off == 3 || input[off - 1] == b'\n',
                    "{path:?}: offset {off} is not a line start"
                );
                let line_no: usize = value_text(b.column(col::source_line).as_ref(), row)
                    .expect("line")
                    .parse()
                    .expect("int");
                assert_eq!(
                    line_no,
                    1 + input[..off].iter().filter(|&&c| c == b'\n').count()
                );
            }
        }
        for r in &rejects {
            assert_eq!(
                &input[r.offset as usize..(r.offset + r.length) as usize],
                &r.raw[..]
            );
        }
    }
}

#[test]
fn any_line_aligned_chunking_gives_the_same_rows() {
    for path in fixtures() {
        let input = std::fs::read(&path).expect("read");
        let whole = {
            let (b, r, s) = parse_chunks(&input, "f", &[], 1024);
            render(&b, &r, &s)
        };
        let line_starts: Vec<usize> = input
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1)
            .collect();
        // Every line its own chunk, with 1-row batches.
        let (b, r, s) = parse_chunks(&input, "f", &line_starts, 1);
        assert_eq!(render(&b, &r, &s), whole, "{path:?} per line");
        // Every other line start.
        let odd: Vec<usize> = line_starts.iter().copied().step_by(2).collect();
        let (b, r, s) = parse_chunks(&input, "f", &odd, 7);
        assert_eq!(render(&b, &r, &s), whole, "{path:?} alternate");
    }
}

#[test]
fn real_hackathon_blob_converts_with_zero_rejects() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata-peers/azure-sentinel-hackathon/000000.log");
    let Ok(input) = std::fs::read(&path) else {
        eprintln!(
            "SKIP real_hackathon_blob_converts_with_zero_rejects: {} is absent",
            path.display()
        );
        return;
    };
    let (batches, rejects, stats) = parse_chunks(&input, "000000.log", &[], 1024);
    assert!(rejects.is_empty(), "{rejects:?}");
    // 14 lines in the blob: 2 of version 1.0, 12 of version 2.0 (counted with awk -F';').
    assert_eq!((stats.records_read, stats.rows), (14, 14));
    let dump = dump_batches(&batches);
    assert_eq!(dump.matches("format_version=\"1.0\"").count(), 2);
    assert_eq!(dump.matches("format_version=\"2.0\"").count(), 12);
    // The OAuth line carries the 2.0 identity columns and the decoded authorization detail.
    assert!(dump.contains("auth_type=\"bearer\""), "{dump}");
    assert!(
        dump.contains(r#"\"authorization-detail\":\"[{\\\"action\\\":"#),
        "authorization-detail decoded: {dump}"
    );
    assert!(dump.contains(r#"user_id="313d48f1-df95-4d65-9341-6efea4f000b8" app_id="691458b9-1327-4635-9f55-ed83a7f1b41c" tenant_id="77d4565b-db60-4ea2-b853-3893a4bac195""#));
    // Every URL is decoded: no `&amp;` survives.
    assert!(!dump.contains("&amp;"));
    // IPs split from their ports.
    assert!(dump.contains("src_ip=\"41.38.245.33\" src_port=62334"));
}

// ---------------------------------------------------------------------------------------
// Property test: generated records rendered to lines, parsed back, every field equal.

#[derive(Debug, Clone)]
struct Rec {
    v2: bool,
    secs: i64,
    ticks: u32,
    operation: String,
    status: String,
    http: u16,
    e2e: u32,
    server: u32,
    auth: &'static str,
    account: String,
    url: String,
    key: String,
    ip: String,
    port: u16,
    ip_render: String,
    agent: String,
    md5: String,
    client_id: String,
    upn: String,
    sizes: [u32; 2],
}

fn text() -> impl Strategy<Value = String> {
    // Values with the characters that make the format hard: ; " & and non-ASCII.
    proptest::string::string_regex("[a-zA-Z0-9 ;\"&/=?.:,()é_-]{0,30}").expect("regex")
}

fn rec() -> impl Strategy<Value = Rec> {
    (
        (
            any::<bool>(),
            1_300_000_000i64..1_900_000_000,
            0u32..10_000_000,
            "[A-Z][a-zA-Z]{2,20}",
            "[A-Z][a-zA-Z]{2,20}",
            100u16..600,
            0u32..100_000,
            0u32..100_000,
        ),
        (
            prop_oneof![
                Just("authenticated"),
                Just("sas"),
                Just("anonymous"),
                Just("bearer")
            ],
            "[a-z0-9]{3,24}",
            text(),
            text(),
            any::<u32>(),
            any::<[u16; 8]>(),
            any::<bool>(),
            any::<u16>(),
        ),
        (
            text(),
            text(),
            text(),
            "[a-z]{1,10}@[a-z]{1,10}\\.example",
            any::<[u32; 2]>(),
        ),
    )
        .prop_map(
            |(
                (v2, secs, ticks, operation, status, http, e2e, server),
                (auth, account, url, key, v4, v6, use_v6, port),
                (agent, md5, client_id, upn, sizes),
            )| {
                let (ip, ip_render) = if use_v6 {
                    let a = std::net::Ipv6Addr::from(v6);
                    let ip = azlog_schema::ip::fold_mapped(a.into()).to_string();
                    let render = if ip.contains(':') {
                        format!("[{ip}]:{port}")
                    } else {
                        format!("{ip}:{port}")
                    };
                    (ip, render)
                } else {
                    let ip = std::net::Ipv4Addr::from(v4).to_string();
                    (ip.clone(), format!("{ip}:{port}"))
                };
                Rec {
                    v2,
                    secs,
                    ticks,
                    operation,
                    status,
                    http,
                    e2e,
                    server,
                    auth,
                    account,
                    url,
                    key,
                    ip,
                    port,
                    ip_render,
                    agent,
                    md5,
                    client_id,
                    upn,
                    sizes,
                }
            },
        )
}

fn enc(s: &str) -> String {
    format!("\"{}\"", s.replace('&', "&amp;").replace('"', "&quot;"))
}

fn quoted_or_empty(s: &str) -> String {
    if s.is_empty() { String::new() } else { enc(s) }
}

fn render_line(r: &Rec) -> String {
    let t = azlog_schema::EventTime::from_secs_nanos(r.secs, r.ticks * 100).expect("time");
    let mut time = String::new();
    azlog_schema::time::write_iso7(t, &mut time);
    let mut f: Vec<String> = vec![
        if r.v2 { "2.0" } else { "1.0" }.into(),
        time,
        r.operation.clone(),
        r.status.clone(),
        r.http.to_string(),
        r.e2e.to_string(),
        r.server.to_string(),
        r.auth.into(),
        String::new(),
        r.account.clone(),
        "blob".into(),
        quoted_or_empty(&r.url),
        quoted_or_empty(&r.key),
        "5f1c2a9e-301e-0042-1b2c-6e8a3c000000".into(),
        "0".into(),
        r.ip_render.clone(),
        "2021-08-06".into(),
        "10".into(),
        r.sizes[0].to_string(),
        "20".into(),
        r.sizes[1].to_string(),
        String::new(),
        quoted_or_empty(&r.md5),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        quoted_or_empty(&r.agent),
        String::new(),
        quoted_or_empty(&r.client_id),
    ];
    if r.v2 {
        f.extend([
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            enc(&r.upn),
            "".into(),
            "".into(),
        ]);
    }
    f.join(";")
}

fn col_text(b: &RecordBatch, c: usize, row: usize) -> Option<String> {
    value_text(b.column(c).as_ref(), row)
}

fn json(s: &str) -> String {
    let mut o = String::new();
    azlog_schema::push_json_string(&mut o, s);
    o
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn rendered_records_parse_back(recs in proptest::collection::vec(rec(), 1..12), cut in any::<prop::sample::Index>()) {
        let mut input = String::new();
        for r in &recs {
            input.push_str(&render_line(r));
            input.push('\n');
        }
        let bytes = input.as_bytes();
        let (batches, rejects, stats) = parse_chunks(bytes, "p.log", &[], 5);
        prop_assert!(rejects.is_empty(), "{:?}\n{}", rejects, input);
        prop_assert_eq!(stats.rows as usize, recs.len());
        let mut row_iter = batches.iter().flat_map(|b| (0..b.num_rows()).map(move |i| (b, i)));
        for r in &recs {
            let (b, i) = row_iter.next().expect("row");
            let opt = |s: &str| (!s.is_empty()).then(|| json(s));
            prop_assert_eq!(col_text(b, col::operation, i), Some(json(&r.operation)));
            prop_assert_eq!(col_text(b, col::result_type, i), Some(json(&r.status)));
            prop_assert_eq!(col_text(b, col::http_status, i), Some(r.http.to_string()));
            prop_assert_eq!(col_text(b, col::duration_ms, i), Some(r.e2e.to_string()));
            prop_assert_eq!(col_text(b, col::server_latency_ms, i), Some(r.server.to_string()));
            prop_assert_eq!(col_text(b, col::auth_type, i), Some(json(r.auth)));
            prop_assert_eq!(col_text(b, col::resource_name, i), Some(json(&r.account)));
            prop_assert_eq!(col_text(b, col::url, i), opt(&r.url));
            prop_assert_eq!(col_text(b, col::target_object, i), opt(&r.key));
            prop_assert_eq!(col_text(b, col::user_agent, i), opt(&r.agent));
            prop_assert_eq!(col_text(b, col::client_request_id, i), opt(&r.client_id));
            prop_assert_eq!(col_text(b, col::src_ip, i), Some(json(&r.ip)));
            prop_assert_eq!(col_text(b, col::src_port, i), Some(r.port.to_string()));
            prop_assert_eq!(col_text(b, col::src_bytes, i), Some(r.sizes[0].to_string()));
            prop_assert_eq!(col_text(b, col::dst_bytes, i), Some(r.sizes[1].to_string()));
            prop_assert_eq!(col_text(b, col::event_time_extra_ns, i), Some(((r.ticks % 10) * 100).to_string()));
            prop_assert_eq!(col_text(b, col::user_name, i), r.v2.then(|| json(&r.upn)));
            let extra = col_text(b, col::extra, i).unwrap_or_default();
            if !r.md5.is_empty() {
                // `extra` is JSON text inside the dump's JSON string: compare the inner form.
                let inner = json(&format!("\"request-md5\":{}", json(&r.md5)));
                prop_assert!(extra.contains(&inner[1..inner.len() - 1]), "{} in {}", inner, extra);
            }
            prop_assert!(!extra.contains("request-start-time"), "canonical time kept out of extra: {}", extra);
            prop_assert_eq!(col_text(b, col::parse_issues, i), None);
        }
        // Chunked at an arbitrary line boundary: same rows, same provenance.
        let starts: Vec<usize> = bytes.iter().enumerate().filter(|(_, c)| **c == b'\n').map(|(i, _)| i + 1).collect();
        let at = starts[cut.index(starts.len())];
        let (b2, r2, s2) = parse_chunks(bytes, "p.log", &[at], 3);
        prop_assert_eq!(render(&b2, &r2, &s2), render(&batches, &rejects, &stats));
    }
}
