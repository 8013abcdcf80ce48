//! `azlog`: convert archived Azure log dumps into one typed Arrow/Parquet table.
//!
//! A thin front end: it turns flags into [`azlog_convert::ConvertOptions`], shows progress,
//! prints the summary and maps the outcome to an exit code. All the work lives in the library
//! crates.
//!
//! Exit codes: 0 success; 1 some records were rejected (without `--allow-rejects`) or some
//! inputs could not be read; 2 usage error; 3 the conversion failed (output not writable...).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use azlog_convert::{Compression, ConvertError, ConvertOptions, Progress, Summary, convert};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Convert archived Azure log dumps (Storage Analytics `$logs`, NSG/VNet flow logs, Azure
/// Monitor JSON) into one typed Arrow/Parquet table.
#[derive(Parser, Debug)]
#[command(name = "azlog", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Convert log files and directories into Hive-partitioned Parquet.
    Convert(ConvertArgs),
    /// Print the unified schema (generated from the code).
    Schema {
        /// Output format.
        #[arg(long, value_enum, default_value_t = SchemaFormat::Md)]
        format: SchemaFormat,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum SchemaFormat {
    /// A Markdown table.
    Md,
    /// A JSON document.
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CompressionArg {
    /// zstd (level from --zstd-level).
    Zstd,
    /// Snappy.
    Snappy,
}

#[derive(clap::Args, Debug)]
struct ConvertArgs {
    /// Files or directories to convert (directories are walked in sorted order).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output directory (created if missing).
    #[arg(short, long)]
    out: PathBuf,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Parquet compression.
    #[arg(long, value_enum, default_value_t = CompressionArg::Zstd)]
    compression: CompressionArg,
    /// zstd level (1–22).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..=22))]
    zstd_level: i32,
    /// Keep the exact source bytes of every row in the `raw` column.
    #[arg(long)]
    raw: bool,
    /// Exit 0 even when some records were rejected (they are still written to OUT/rejects).
    #[arg(long)]
    allow_rejects: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Never show a progress bar.
    #[arg(long)]
    quiet: bool,
}

struct Bar(Mutex<Option<ProgressBar>>);

impl Progress for Bar {
    fn start(&self, files: u64, bytes: u64) {
        let pb = ProgressBar::new(bytes);
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb.set_message(format!("0/{files} files"));
        pb.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut g) = self.0.lock() {
            *g = Some(pb);
        }
    }
    fn file_done(&self, bytes: u64, _rows: u64) {
        if let Ok(g) = self.0.lock()
            && let Some(pb) = g.as_ref()
        {
            pb.inc(bytes);
            let done = pb
                .message()
                .split('/')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
                + 1;
            let total = pb
                .message()
                .split('/')
                .nth(1)
                .map(|s| s.to_string())
                .unwrap_or_default();
            pb.set_message(format!("{done}/{total}"));
        }
    }
}

fn human_summary(s: &Summary) -> String {
    let t = &s.totals;
    let mb = s.bytes_read as f64 / 1e6;
    let mut out = format!(
        "azlog: {} files ({} converted, {} skipped, {} failed), {:.1} MB in {:.2} s ({:.1} MB/s)\n       records read {}, rows written {}, records rejected {}\n",
        s.files.len(),
        s.files_converted(),
        s.files_skipped(),
        s.files_failed(),
        mb,
        s.seconds,
        if s.seconds > 0.0 { mb / s.seconds } else { 0.0 },
        t.records_read,
        t.rows,
        t.rejected
    );
    for o in &s.outputs {
        out.push_str(&format!("       wrote {} ({} rows)\n", o.path, o.rows));
    }
    for o in &s.reject_outputs {
        out.push_str(&format!("       rejects {} ({} rows)\n", o.path, o.rows));
    }
    for f in s.files.iter().filter(|f| f.skipped.is_some()) {
        let what = if f.failed { "error" } else { "skipped" };
        out.push_str(&format!(
            "       {what}: {}: {}\n",
            f.source_file,
            f.skipped.as_deref().unwrap_or("")
        ));
    }
    for r in s.rejects.iter().take(20) {
        out.push_str(&format!(
            "       rejected: {} offset {} line {}: {}: {}\n",
            r.source_file, r.reject.offset, r.reject.line, r.reject.reason, r.reject.detail
        ));
    }
    if s.rejects.len() > 20 {
        out.push_str(&format!(
            "       ... and {} more rejects (see the rejects dataset)\n",
            s.rejects.len() - 20
        ));
    }
    out
}

fn run_convert(a: ConvertArgs) -> ExitCode {
    let mut opts = ConvertOptions::new(a.inputs, a.out);
    opts.threads = a.threads;
    opts.keep_raw = a.raw;
    opts.compression = match a.compression {
        CompressionArg::Zstd => Compression::Zstd(a.zstd_level),
        CompressionArg::Snappy => Compression::Snappy,
    };
    let show_bar = !a.quiet && !a.json && std::io::stderr().is_terminal();
    let bar = Bar(Mutex::new(None));
    let result = if show_bar {
        convert(&opts, &bar)
    } else {
        convert(&opts, &azlog_convert::NoProgress)
    };
    if let Ok(g) = bar.0.lock()
        && let Some(pb) = g.as_ref()
    {
        pb.finish_and_clear();
    }
    match result {
        Ok(s) => {
            if a.json {
                println!("{}", s.to_json());
            } else {
                let _ = std::io::stdout().write_all(human_summary(&s).as_bytes());
            }
            if s.files_failed() > 0 || (s.totals.rejected > 0 && !a.allow_rejects) {
                if s.totals.rejected > 0 && !a.allow_rejects {
                    eprintln!(
                        "azlog: {} records were rejected (written to {}); pass --allow-rejects to exit 0",
                        s.totals.rejected,
                        opts.out.join("rejects").display()
                    );
                }
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("azlog: error: {e}");
            match e {
                ConvertError::Usage(_) => ExitCode::from(2),
                _ => ExitCode::from(3),
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Convert(a) => run_convert(a),
        Command::Schema { format } => {
            let text = match format {
                SchemaFormat::Md => azlog_schema::doc::markdown(),
                SchemaFormat::Json => azlog_schema::doc::json(),
            };
            // A closed pipe (`azlog schema | head`) is not an error.
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
    }
}
