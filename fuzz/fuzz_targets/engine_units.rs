//! The engine end to end on one fuzzed input file: plain, gzip, truncated gzip or zip-wrapped
//! (chosen by the first byte), named as a Storage, flow or monitor blob or not at all (second
//! byte), converted with tight limits (tiny chunks so lines straddle chunk boundaries, short
//! records, few members). Asserts: `convert` returns Ok or a clean Err; the totals and every
//! file reconcile; rejects of a plain input lie inside it; nothing is left or written outside
//! the output directory, and no temporary file survives.
#![no_main]

use std::io::Write;
use std::path::Path;

use azlog_convert::{ConvertOptions, Limits, NoProgress, convert};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = [
    "$logs/blob/2024/03/05/1400/000000.log",
    "insights-logs-networksecuritygroupflowevent/resourceId=/S/y=2024/m=03/d=05/h=14/m=00/macAddress=000D3A/PT1H.json",
    "insights-logs-auditevent/resourceId=/S/y=2024/m=03/d=05/h=14/m=00/PT1H.json",
    "dump/blob.bin",
];

const MEMBER_NAMES: [&str; 4] = ["../../evil.log", "/abs/path.log", "C:\\x.log", "a\0b.log"];

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gz");
    e.finish().expect("gz")
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip");
        z.write_all(data).expect("zip");
    }
    z.finish().expect("zip").into_inner()
}

fn files_under(d: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(d).expect("read_dir").flatten() {
        let p = e.path();
        let m = std::fs::symlink_metadata(&p).expect("meta");
        out.push(p.display().to_string());
        if m.is_dir() {
            files_under(&p, out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [mode, name_sel, body @ ..] = data else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let input_root = tmp.path().join("in");
    let name = NAMES[usize::from(*name_sel) % NAMES.len()];
    let path = input_root.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let plain = mode % 5 == 0;
    let bytes = match mode % 5 {
        0 => body.to_vec(),
        1 => gzip(body),
        2 => {
            let g = gzip(body);
            let keep = g.len() * usize::from(*name_sel) / 256;
            g[..keep.max(2)].to_vec()
        }
        3 => zip_of(&[(name, body)]),
        _ => {
            let (a, b) = body.split_at(body.len() / 2);
            let n = usize::from(*name_sel);
            let first = MEMBER_NAMES[n % 4];
            // A zip cannot hold the same name twice: the second member differs.
            let second = format!("{}.2", MEMBER_NAMES[(n / 4) % 4]);
            zip_of(&[(first, a), (second.as_str(), b), (name, body)])
        }
    };
    std::fs::write(&path, &bytes).expect("write input");
    let before_in = {
        let mut v = Vec::new();
        files_under(&input_root, &mut v);
        v
    };

    let out = tmp.path().join("out");
    let mut opts = ConvertOptions::new(vec![input_root.clone()], out.clone());
    opts.threads = 1;
    opts.batch_rows = 7;
    opts.segment_bytes = 1 << 20;
    opts.limits = Limits {
        chunk_bytes: 64,
        max_record_bytes: 1024,
        max_unit_bytes: 1 << 20,
        max_ratio: 1000,
        max_members: 2,
        ratio_min_bytes: 64 << 10,
    };
    match convert(&opts, &NoProgress) {
        Ok(s) => {
            assert!(
                s.totals.reconciles(),
                "totals do not reconcile: {:?}",
                s.totals
            );
            for f in &s.files {
                assert!(
                    f.stats.reconciles(),
                    "{} does not reconcile: {:?}",
                    f.source_file,
                    f.stats
                );
            }
            assert_eq!(
                s.rejects.len() as u64,
                s.totals.rejected,
                "rejects listed != rejects counted"
            );
            if plain {
                for r in &s.rejects {
                    let end = r.reject.offset + r.reject.length;
                    assert!(
                        end <= body.len() as u64,
                        "reject past the input: {:?}",
                        r.reject
                    );
                }
            }
            let rows: u64 = s.outputs.iter().map(|o| o.rows).sum();
            assert_eq!(rows, s.totals.rows, "rows in output files != rows counted");
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
        }
    }
    // Nothing new under the input tree, nothing beside in/ and out/, no temporary file left.
    let mut after_in = Vec::new();
    files_under(&input_root, &mut after_in);
    assert_eq!(before_in, after_in, "the input tree changed");
    let mut top: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert!(
        top.iter().all(|n| n == "in" || n == "out"),
        "written outside OUT: {top:?}"
    );
    let mut outs = Vec::new();
    if out.exists() {
        files_under(&out, &mut outs);
    }
    assert!(
        !outs.iter().any(|p| p.contains(".azlog-inprogress-")),
        "temporary file left: {outs:?}"
    );
});
