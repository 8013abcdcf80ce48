//! Deterministic generator of realistic Azure log dumps, the benchmark corpus of azlog.
//!
//! [`generate`] writes files in the Azure blob layouts of `formats.md` (§1–5) for one
//! [`Family`]: Storage Analytics `$logs` lines (mixed 1.0/2.0), NSG flow logs (v2 and a share
//! of v1), VNet flow logs (v4), Activity log JSON Lines and resource logs (Key Vault
//! AuditEvent, StorageRead/Write/Delete, SignInLogs). The output depends only on the
//! [`Config`]: the same seed, size and file count give the same bytes on every machine.
//!
//! The pseudo-random generator is a self-contained SplitMix64 ([`Rng`]); records are formatted
//! by hand into a reused buffer and written through a large `BufWriter`, so generation runs at
//! hundreds of MB/s.
#![deny(missing_docs)]

mod flow;
mod fmt;
mod monitor;
mod rng;
mod storage;
mod world;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use rng::Rng;

/// Default size of one generated blob (64 MiB), close to what busy accounts produce per hour.
pub const DEFAULT_FILE_SIZE: u64 = 64 << 20;

/// First hour of the generated data (2024-07-14T00:00:00Z, Unix seconds).
pub const BASE_EPOCH: i64 = 1_720_915_200;

/// A log family the generator can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Storage Analytics `$logs/blob/YYYY/MM/DD/hh00/NNNNNN.log`, mixed 1.0 and 2.0 lines.
    Storage,
    /// NSG flow logs, `{"records":[...]}` documents, version 2 plus a share of version 1 files.
    Nsg,
    /// VNet flow logs (flowLogVersion 4).
    Vnet,
    /// Activity log JSON Lines (`insights-activity-logs`).
    Activity,
    /// Resource logs JSON Lines: Key Vault AuditEvent, StorageRead/Write/Delete, SignInLogs.
    Resource,
}

impl Family {
    /// Every family, in the order `--family all` writes them.
    pub const ALL: [Family; 5] = [
        Family::Storage,
        Family::Nsg,
        Family::Vnet,
        Family::Activity,
        Family::Resource,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Family::Storage => "storage",
            Family::Nsg => "nsg",
            Family::Vnet => "vnet",
            Family::Activity => "activity",
            Family::Resource => "resource",
        }
    }

    /// Parses a command-line name (`storage`, `nsg`, `vnet`, `activity`, `resource`).
    pub fn from_name(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == s)
    }

    /// The minimum number of files, so that every variant of the family is present
    /// (NSG: one v1 file in five; resource logs: one file per category).
    fn min_files(self) -> u64 {
        match self {
            Family::Nsg | Family::Resource => 5,
            _ => 1,
        }
    }

    fn salt(self) -> u64 {
        match self {
            Family::Storage => 0x5354_4f52,
            Family::Nsg => 0x4e53_4700,
            Family::Vnet => 0x564e_4554,
            Family::Activity => 0x4143_5456,
            Family::Resource => 0x5245_534f,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    /// Output directory; blob paths are created below it.
    pub out: PathBuf,
    /// Total bytes to write for the family (the result is within a few KB of it, per file).
    pub size: u64,
    /// Seed of the pseudo-random generator.
    pub seed: u64,
    /// Number of files; `None` derives it from [`Config::file_size`].
    pub files: Option<u64>,
    /// Target size of one file when `files` is `None`.
    pub file_size: u64,
}

impl Config {
    /// A configuration with the default file size and no fixed file count.
    pub fn new(out: impl Into<PathBuf>, size: u64, seed: u64) -> Config {
        Config {
            out: out.into(),
            size,
            seed,
            files: None,
            file_size: DEFAULT_FILE_SIZE,
        }
    }

    fn file_count(&self, family: Family) -> u64 {
        let n = match self.files {
            Some(k) => k.max(1),
            None => self.size.div_ceil(self.file_size.max(1)).max(1),
        };
        if self.files.is_some() {
            n
        } else {
            let m = family.min_files();
            n.max(m).div_ceil(m) * m
        }
    }
}

/// One file written.
#[derive(Debug, Clone)]
pub struct FileOut {
    /// Path relative to [`Config::out`], with `/` separators (the blob name).
    pub blob: String,
    /// Bytes written.
    pub bytes: u64,
    /// Records written (lines, JSON records).
    pub records: u64,
    /// Rows azlog should produce: lines for Storage Analytics, flow tuples for flow logs,
    /// records for Azure Monitor JSON.
    pub rows: u64,
}

/// What [`generate`] wrote for one family.
#[derive(Debug, Clone)]
pub struct Report {
    /// The family.
    pub family: Family,
    /// Every file, in generation order.
    pub files: Vec<FileOut>,
}

impl Report {
    /// Total bytes written.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
    /// Total records written.
    pub fn records(&self) -> u64 {
        self.files.iter().map(|f| f.records).sum()
    }
    /// Total rows azlog should produce.
    pub fn rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }
}

/// Counts of one generated file, returned by the family writers.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    records: u64,
    rows: u64,
}

/// What a family writer gets for one file.
struct FileJob<'a> {
    /// Index of the file within the family.
    index: u64,
    /// Bytes to write (the writer stops at the first record boundary at or after it).
    target: u64,
    /// Random state for this file only.
    rng: Rng,
    world: &'a world::World,
}

/// Generates one family as described by `cfg` and returns what was written.
pub fn generate(cfg: &Config, family: Family) -> io::Result<Report> {
    let world = world::World::new(cfg.seed);
    let n = cfg.file_count(family);
    let mut files = Vec::with_capacity(n as usize);
    let mut buf = Vec::with_capacity(1 << 16);
    for i in 0..n {
        // Spread the remainder so the sizes add up to the request.
        let target = cfg.size / n + u64::from(i < cfg.size % n);
        let rng = Rng::new(
            cfg.seed
                ^ family.salt().rotate_left(17)
                ^ (i.wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let job = FileJob {
            index: i,
            target,
            rng,
            world: &world,
        };
        let blob = match family {
            Family::Storage => storage::blob_name(&job),
            Family::Nsg => flow::nsg_blob_name(&job),
            Family::Vnet => flow::vnet_blob_name(&job),
            Family::Activity => monitor::activity_blob_name(&job),
            Family::Resource => monitor::resource_blob_name(&job),
        };
        let path = cfg.out.join(&blob);
        let mut w = create(&path)?;
        let counts = match family {
            Family::Storage => storage::write_file(job, &mut w, &mut buf)?,
            Family::Nsg => flow::write_nsg(job, &mut w, &mut buf)?,
            Family::Vnet => flow::write_vnet(job, &mut w, &mut buf)?,
            Family::Activity => monitor::write_activity(job, &mut w, &mut buf)?,
            Family::Resource => monitor::write_resource(job, &mut w, &mut buf)?,
        };
        let bytes = w.written;
        w.inner.flush()?;
        files.push(FileOut {
            blob,
            bytes,
            records: counts.records,
            rows: counts.rows,
        });
    }
    Ok(Report { family, files })
}

/// A buffered file writer that counts bytes.
struct Out {
    inner: BufWriter<File>,
    written: u64,
}

impl Out {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.written += b.len() as u64;
        self.inner.write_all(b)
    }
}

fn create(path: &Path) -> io::Result<Out> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    Ok(Out {
        inner: BufWriter::with_capacity(1 << 20, File::create(path)?),
        written: 0,
    })
}

/// Parses a size such as `500MB`, `64MiB`, `1.5G`, `2048` (bytes). Decimal units (`KB`, `MB`,
/// `GB`) are powers of 1000, binary units (`KiB`, `MiB`, `GiB`) powers of 1024; a bare `K`,
/// `M` or `G` is decimal.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let v = num * mult;
    (v.is_finite() && v >= 0.0).then_some(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("500MB"), Some(500_000_000));
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size("1.5G"), Some(1_500_000_000));
        assert_eq!(parse_size("2048"), Some(2048));
        assert_eq!(parse_size("12 kb"), Some(12_000));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("5TB"), None);
    }

    #[test]
    fn file_counts_cover_every_variant() {
        let mut c = Config::new("/tmp/x", 10 << 20, 1);
        c.file_size = 4 << 20;
        assert_eq!(c.file_count(Family::Storage), 3);
        assert_eq!(c.file_count(Family::Nsg), 5);
        assert_eq!(c.file_count(Family::Resource), 5);
        c.files = Some(2);
        assert_eq!(c.file_count(Family::Nsg), 2);
    }
}
