//! Properties of the generated corpus: determinism, Storage Analytics field counts, valid JSON,
//! sizes close to the request.

use std::fs;
use std::path::{Path, PathBuf};

use azlog_gen::{Config, Family, Report, generate};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("azlog-gen-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    d
}

fn gen_family(dir: &Path, family: Family, size: u64, seed: u64, files: Option<u64>) -> Report {
    let mut cfg = Config::new(dir, size, seed);
    cfg.files = files;
    cfg.file_size = 256 << 10;
    generate(&cfg, family).expect("generate")
}

/// The tokenizer of formats.md §2.2.1: a quoted field closes at `"` followed by `;` or EOL.
fn split_sa(line: &[u8]) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        if line.get(i) == Some(&b'"') {
            let mut k = i + 1;
            while !(line[k] == b'"' && (k + 1 == line.len() || line[k + 1] == b';')) {
                k += 1;
                assert!(k < line.len(), "unterminated quote");
            }
            fields.push(&line[i + 1..k]);
            i = k + 1;
        } else {
            let k = line[i..]
                .iter()
                .position(|&b| b == b';')
                .map_or(line.len(), |p| i + p);
            fields.push(&line[i..k]);
            i = k;
        }
        if i == line.len() {
            break;
        }
        assert_eq!(line[i], b';');
        i += 1;
        if i == line.len() {
            fields.push(&line[i..]);
            break;
        }
    }
    fields
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for family in Family::ALL {
        let a = tmp(&format!("det-a-{}", family.name()));
        let b = tmp(&format!("det-b-{}", family.name()));
        let c = tmp(&format!("det-c-{}", family.name()));
        let ra = gen_family(&a, family, 600_000, 42, None);
        let rb = gen_family(&b, family, 600_000, 42, None);
        let rc = gen_family(&c, family, 600_000, 43, None);
        assert_eq!(ra.files.len(), rb.files.len());
        for (fa, fb) in ra.files.iter().zip(&rb.files) {
            assert_eq!(fa.blob, fb.blob);
            let x = fs::read(a.join(&fa.blob)).expect("read a");
            let y = fs::read(b.join(&fb.blob)).expect("read b");
            assert!(
                x == y,
                "{}: {} differs between runs",
                family.name(),
                fa.blob
            );
        }
        let x = fs::read(a.join(&ra.files[0].blob)).expect("read a");
        let z = fs::read(c.join(&rc.files[0].blob)).expect("read c");
        assert_ne!(x, z, "{}: another seed gives the same bytes", family.name());
        for d in [a, b, c] {
            let _ = fs::remove_dir_all(d);
        }
    }
}

#[test]
fn storage_lines_have_30_or_38_fields() {
    let dir = tmp("sa");
    let r = gen_family(&dir, Family::Storage, 3_000_000, 5, None);
    let (mut v1, mut v2, mut ipv6, mut oauth, mut unknown) = (0, 0, 0, 0, 0);
    let mut ips = std::collections::HashSet::new();
    let mut lines = 0;
    for f in &r.files {
        assert!(f.blob.starts_with("$logs/blob/2024/07/14/"), "{}", f.blob);
        assert!(f.blob.ends_with(".log"));
        let text = fs::read(dir.join(&f.blob)).expect("read");
        assert_eq!(text.last(), Some(&b'\n'));
        for line in text[..text.len() - 1].split(|&b| b == b'\n') {
            lines += 1;
            let fields = split_sa(line);
            match fields[0] {
                b"1.0" => {
                    assert_eq!(fields.len(), 30, "{}", String::from_utf8_lossy(line));
                    v1 += 1;
                }
                b"2.0" => {
                    assert_eq!(fields.len(), 38, "{}", String::from_utf8_lossy(line));
                    v2 += 1;
                    if !fields[30].is_empty() {
                        oauth += 1;
                        assert!(fields[37].starts_with(b"[{&quot;action&quot;"));
                    }
                }
                v => panic!("version {v:?}"),
            }
            assert_eq!(fields[1].len(), 28, "7-digit fraction");
            if fields[4] == b"Unknown" {
                unknown += 1;
            }
            if fields[15].starts_with(b"[2001:db8:") {
                ipv6 += 1;
            }
            ips.insert(fields[15].rsplit(|&b| b == b':').nth(1).map(<[u8]>::to_vec));
        }
    }
    assert_eq!(lines, r.rows());
    assert!(v1 > 0 && v2 > 0 && oauth > 0 && ipv6 > 0 && unknown > 0);
    assert!(ips.len() > lines as usize / 2, "many distinct requesters");
    let _ = fs::remove_dir_all(dir);
}

fn tuples(v: &serde_json::Value) -> impl Iterator<Item = &str> {
    v.as_array()
        .expect("flowTuples array")
        .iter()
        .map(|t| t.as_str().expect("tuple string"))
}

#[test]
fn flow_documents_parse_and_tuples_have_the_right_length() {
    let dir = tmp("flow");
    let nsg = gen_family(&dir, Family::Nsg, 2_000_000, 9, None);
    let (mut v1, mut states) = (0, std::collections::BTreeSet::new());
    let mut rows = 0;
    for f in &nsg.files {
        assert!(f.blob.contains("/macAddress=") && f.blob.ends_with("/PT1H.json"));
        let doc: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join(&f.blob)).expect("read")).expect("JSON");
        for rec in doc["records"].as_array().expect("records") {
            let version = rec["properties"]["Version"].as_u64().expect("Version");
            for rule in rec["properties"]["flows"].as_array().expect("flows") {
                for nic in rule["flows"].as_array().expect("flows[].flows") {
                    for t in tuples(&nic["flowTuples"]) {
                        let n = t.split(',').count();
                        rows += 1;
                        if version == 1 {
                            assert_eq!(n, 8, "{t}");
                            v1 += 1;
                        } else {
                            assert_eq!(n, 13, "{t}");
                            let p: Vec<&str> = t.split(',').collect();
                            states.insert(p[8].to_string());
                            if p[8] == "B" {
                                assert!(t.ends_with(",,,,"), "{t}");
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(rows, nsg.rows());
    assert!(v1 > 0);
    assert_eq!(states.into_iter().collect::<Vec<_>>(), ["B", "C", "E"]);

    let vnet = gen_family(&dir, Family::Vnet, 1_000_000, 9, None);
    let (mut rows, mut states, mut protos, mut enc) = (0, Vec::new(), Vec::new(), Vec::new());
    for f in &vnet.files {
        assert!(
            f.blob
                .starts_with("insights-logs-flowlogflowevent/flowLogResourceID=/")
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join(&f.blob)).expect("read")).expect("JSON");
        for rec in doc["records"].as_array().expect("records") {
            assert_eq!(rec["flowLogVersion"], 4);
            for acl in rec["flowRecords"]["flows"].as_array().expect("flows") {
                for g in acl["flowGroups"].as_array().expect("flowGroups") {
                    for t in tuples(&g["flowTuples"]) {
                        let p: Vec<&str> = t.split(',').collect();
                        assert_eq!(p.len(), 13, "{t}");
                        assert_eq!(p[0].len(), 13, "ms epoch: {t}");
                        rows += 1;
                        for (v, s) in [(&mut states, p[7]), (&mut protos, p[5]), (&mut enc, p[8])] {
                            if !v.contains(&s.to_string()) {
                                v.push(s.to_string());
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(rows, vnet.rows());
    for s in ["B", "C", "E", "D"] {
        assert!(states.contains(&s.to_string()), "state {s}");
    }
    for p in ["6", "17", "1"] {
        assert!(protos.contains(&p.to_string()), "protocol {p}");
    }
    for e in ["NX", "X", "NX_HW_NOT_SUPPORTED"] {
        assert!(enc.contains(&e.to_string()), "encryption {e}");
    }
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn monitor_lines_parse() {
    let dir = tmp("monitor");
    let act = gen_family(&dir, Family::Activity, 2_000_000, 3, None);
    let mut cats = std::collections::BTreeSet::new();
    let (mut n, mut bytes, mut dur_str, mut v6) = (0u64, 0u64, 0, 0);
    for f in &act.files {
        assert!(
            f.blob
                .starts_with("insights-activity-logs/resourceId=/SUBSCRIPTIONS/")
        );
        for line in fs::read_to_string(dir.join(&f.blob)).expect("read").lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            cats.insert(v["category"].as_str().expect("category").to_string());
            dur_str += i32::from(v["durationMs"].is_string());
            v6 += i32::from(
                v["callerIpAddress"]
                    .as_str()
                    .is_some_and(|s| s.contains(':')),
            );
            if v["category"] == "Administrative" {
                let claims = v["identity"]["claims"].as_object().expect("claims");
                assert!(
                    claims.contains_key(
                        "http://schemas.microsoft.com/identity/claims/objectidentifier"
                    )
                );
            }
            n += 1;
            bytes += line.len() as u64 + 1;
        }
    }
    assert_eq!(n, act.rows());
    assert_eq!(
        cats.into_iter().collect::<Vec<_>>(),
        ["Administrative", "Policy", "Security", "ServiceHealth"]
    );
    assert!(dur_str > 0 && v6 > 0);
    let avg = bytes / n;
    assert!(
        (1500..=3000).contains(&avg),
        "average activity record {avg} B"
    );

    let res = gen_family(&dir, Family::Resource, 2_000_000, 3, None);
    let mut cats = std::collections::BTreeSet::new();
    for f in &res.files {
        for line in fs::read_to_string(dir.join(&f.blob)).expect("read").lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            cats.insert(v["category"].as_str().expect("category").to_string());
        }
    }
    assert_eq!(
        cats.into_iter().collect::<Vec<_>>(),
        [
            "AuditEvent",
            "SignInLogs",
            "StorageDelete",
            "StorageRead",
            "StorageWrite"
        ]
    );
    assert!(
        res.files
            .iter()
            .any(|f| f.blob.starts_with("insights-logs-signinlogs/tenantId="))
    );
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn sizes_are_within_5_percent() {
    let dir = tmp("size");
    for family in Family::ALL {
        for (size, files) in [(1_500_000u64, None), (3_000_000, Some(3))] {
            let r = gen_family(&dir, family, size, 1, files);
            let got = r.bytes() as f64;
            assert!(
                (got - size as f64).abs() <= size as f64 * 0.05,
                "{}: asked {size}, wrote {got}",
                family.name()
            );
            for f in &r.files {
                let on_disk = fs::metadata(dir.join(&f.blob)).expect("stat").len();
                assert_eq!(on_disk, f.bytes);
            }
            if let Some(k) = files {
                assert_eq!(r.files.len() as u64, k);
            }
            let _ = fs::remove_dir_all(&dir);
        }
    }
}
