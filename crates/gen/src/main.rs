//! `azlog-gen`: write a deterministic, realistic Azure log dump for benchmarks.
//!
//! ```text
//! azlog-gen --out DIR --family storage|nsg|vnet|activity|resource|all --size 500MB --seed N [--files K]
//! ```
//!
//! `--size` is per family. Prints one summary line per family on stderr, or one JSON object per
//! family on stdout with `--json`.

use std::process::ExitCode;
use std::time::Instant;

use azlog_gen::{Config, DEFAULT_FILE_SIZE, Family, generate, parse_size};
use clap::Parser;

/// Generate a deterministic, realistic Azure log dump (same seed, same bytes).
#[derive(Parser, Debug)]
#[command(name = "azlog-gen", version, about, long_about = None)]
struct Args {
    /// Output directory (blob paths are created below it).
    #[arg(long)]
    out: std::path::PathBuf,
    /// Family to write: storage, nsg, vnet, activity, resource or all.
    #[arg(long, default_value = "all")]
    family: String,
    /// Bytes per family, e.g. 500MB, 64MiB, 2G, 1048576.
    #[arg(long, default_value = "500MB", value_parser = size_arg)]
    size: u64,
    /// Seed of the pseudo-random generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of files per family (default: size / file-size, at least one per variant).
    #[arg(long)]
    files: Option<u64>,
    /// Target size of one file when --files is not given.
    #[arg(long, value_parser = size_arg, default_value_t = DEFAULT_FILE_SIZE)]
    file_size: u64,
    /// Print one JSON summary object per family on stdout.
    #[arg(long)]
    json: bool,
}

fn size_arg(s: &str) -> Result<u64, String> {
    parse_size(s).ok_or_else(|| format!("not a size: {s:?} (use e.g. 500MB, 64MiB, 2G)"))
}

fn main() -> ExitCode {
    let a = Args::parse();
    let families: Vec<Family> = if a.family == "all" {
        Family::ALL.to_vec()
    } else {
        match Family::from_name(&a.family) {
            Some(f) => vec![f],
            None => {
                eprintln!(
                    "azlog-gen: unknown family {:?} (storage, nsg, vnet, activity, resource, all)",
                    a.family
                );
                return ExitCode::from(2);
            }
        }
    };
    let cfg = Config {
        out: a.out,
        size: a.size,
        seed: a.seed,
        files: a.files,
        file_size: a.file_size,
    };
    for f in families {
        let start = Instant::now();
        match generate(&cfg, f) {
            Ok(r) => {
                let secs = start.elapsed().as_secs_f64();
                if a.json {
                    println!(
                        "{{\"family\":\"{}\",\"files\":{},\"bytes\":{},\"records\":{},\"rows\":{},\"seconds\":{:.3}}}",
                        f.name(),
                        r.files.len(),
                        r.bytes(),
                        r.records(),
                        r.rows(),
                        secs
                    );
                } else {
                    eprintln!(
                        "azlog-gen: {:<8} {} files, {:.1} MB, {} records, {} rows, {:.2} s ({:.0} MB/s)",
                        f.name(),
                        r.files.len(),
                        r.bytes() as f64 / 1e6,
                        r.records(),
                        r.rows(),
                        secs,
                        r.bytes() as f64 / 1e6 / secs.max(1e-9)
                    );
                }
            }
            Err(e) => {
                eprintln!("azlog-gen: {}: {e}", cfg.out.display());
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
