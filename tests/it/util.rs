#![allow(dead_code, unreachable_pub)]
//! Helpers: run the binary, parse its JSON summary, find the interop Python.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `azlog` with `args`.
pub fn azlog(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azlog"))
        .args(args)
        .output()
        .expect("azlog runs")
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

/// A number in the flat JSON summary: the value after `"key":`.
pub fn json_int(json: &str, key: &str) -> u64 {
    let pat = format!("\"{key}\":");
    let at = json
        .find(&pat)
        .unwrap_or_else(|| panic!("{key} missing in {json}"))
        + pat.len();
    json[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .expect("int")
}

/// Every file under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(
                    p.strip_prefix(base)
                        .expect("prefix")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

/// The Python with pyarrow and DuckDB that `scripts/setup-tools.sh` installs, or `None` (then
/// the interop tests skip with a message, unless `AZLOG_REQUIRE_INTEROP` is set, as the test
/// script sets it, in which case they fail).
pub fn interop_python() -> Option<PathBuf> {
    let p = std::env::var_os("AZLOG_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".ci/.tools/venv/bin/python"));
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("AZLOG_REQUIRE_INTEROP").is_none(),
        "AZLOG_REQUIRE_INTEROP is set but {} is missing: run scripts/setup-tools.sh",
        p.display()
    );
    eprintln!(
        "SKIP: {} is missing; run scripts/setup-tools.sh to enable the interop tests",
        p.display()
    );
    None
}

/// `data` gzip-compressed.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gz");
    e.finish().expect("gz")
}

/// A zip archive holding `members` (name, bytes), deflated.
pub fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip");
        z.write_all(data).expect("zip");
    }
    z.finish().expect("zip").into_inner()
}
