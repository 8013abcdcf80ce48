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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azlog_convert::{
    Compression, ConvertError, ConvertOptions, Detected, Family, OutputFormat, PartitionMode,
    Progress, Summary, convert, detect_inputs,
};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

#[cfg(not(feature = "alloc-stats"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "alloc-stats")]
#[global_allocator]
static GLOBAL: alloc_stats::Counting = alloc_stats::Counting;

/// `--features alloc-stats`: mimalloc behind a counter of live heap bytes, so a benchmark can
/// tell the memory a conversion holds from what the allocator keeps (peak RSS). It costs two
/// atomic operations per allocation, so it is not the default build.
#[cfg(feature = "alloc-stats")]
#[allow(unsafe_code)]
mod alloc_stats {
    use std::alloc::{GlobalAlloc, Layout};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    /// Counts live bytes, allocates with mimalloc.
    pub(crate) struct Counting;

    fn grew(by: usize) {
        let now = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(now, Relaxed);
    }

    // SAFETY: every call is forwarded unchanged to mimalloc, which upholds `GlobalAlloc`; the
    // counters are only arithmetic on the sizes.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            grew(l.size());
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { mimalloc::MiMalloc.alloc(l) }
        }
        unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
            grew(l.size());
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { mimalloc::MiMalloc.alloc_zeroed(l) }
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            LIVE.fetch_sub(l.size(), Relaxed);
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { mimalloc::MiMalloc.dealloc(p, l) }
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            // Counted as the new block allocated before the old one is freed, as it may be.
            grew(new);
            LIVE.fetch_sub(l.size(), Relaxed);
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { mimalloc::MiMalloc.realloc(p, l, new) }
        }
    }

    /// The most heap bytes live at once so far.
    pub(crate) fn peak() -> usize {
        PEAK.load(Relaxed)
    }
}

/// mimalloc settings made at the top of `main`.
///
/// A conversion allocates and frees the same few hundred MiB over and over (pieces, the column
/// builders of every batch, the parquet page buffers). Memory the allocator has returned to the
/// kernel comes back as fresh zeroed pages on its next use: with mimalloc's default 10 ms purge
/// delay a profile of a 300 MB storage conversion spent ~20 % of its samples in the kernel's
/// `clear_page_erms`. Never purging lets fragmentation pile up instead (peak RSS of a storage
/// conversion: 371 MiB at 1 GB, 496 MiB at 4 GB). So freed memory is kept for 1000 ms, and
/// transparent huge pages are off for the process: with them a fault on a purged range zeroes
/// a whole 2 MiB page, and peak RSS was 1–8 % higher with them for the same speed. Measured on 2
/// threads (`docs/decisions.md` has the table). `MIMALLOC_PURGE_DELAY` and
/// `MIMALLOC_ALLOW_THP` in the environment still win.
#[allow(unsafe_code)]
mod alloc_tuning {
    use std::ffi::{c_int, c_long};

    // libmimalloc-sys is built without its `extended` feature, so declare the one entry point
    // we need. `mi_option_set(mi_option_t, long)`; `mi_option_t` is a C enum (an `int`).
    unsafe extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }

    #[cfg(target_os = "linux")]
    unsafe extern "C" {
        /// glibc's and musl's `int prctl(int option, ...)`.
        fn prctl(option: c_int, ...) -> c_int;
    }

    /// `mi_option_purge_delay` in mimalloc 3.x's `mi_option_t` (libmimalloc-sys 0.1.49).
    const MI_OPTION_PURGE_DELAY: c_int = 15;
    /// How long freed memory is kept before it goes back to the kernel.
    const PURGE_DELAY_MS: c_long = 1000;
    /// `PR_SET_THP_DISABLE` from `<linux/prctl.h>`.
    #[cfg(target_os = "linux")]
    const PR_SET_THP_DISABLE: c_int = 41;

    pub(crate) fn tune() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: `mi_option_set` only stores the value in mimalloc's option table (it is
            // thread-safe and valid at any time); the index is in range for the linked
            // mimalloc, and a delay in milliseconds is what this option holds.
            unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
        }
        // mimalloc reads `allow_thp` when it starts, before `main`, so the process setting it
        // would make is made here. Pages already faulted in keep their size.
        #[cfg(target_os = "linux")]
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            // SAFETY: PR_SET_THP_DISABLE takes one integer argument (the rest must be 0) and
            // only changes how the kernel backs this process's future page faults. A kernel
            // without it returns -1 (EINVAL), which leaves everything as it was.
            let _ = unsafe {
                prctl(
                    PR_SET_THP_DISABLE,
                    1 as std::ffi::c_ulong,
                    0 as std::ffi::c_ulong,
                    0 as std::ffi::c_ulong,
                    0 as std::ffi::c_ulong,
                )
            };
        }
    }
}

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
    /// Say what each input is (family, records) without writing anything.
    Detect {
        /// Files or directories.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Print JSON Lines instead of a table.
        #[arg(long)]
        json: bool,
    },
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

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    /// Parquet files.
    Parquet,
    /// Arrow IPC files.
    Arrow,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PartitionArg {
    /// family=<log_family>/event_date=YYYY-MM-DD/
    #[value(name = "family,date")]
    FamilyDate,
    /// family=.../event_date=.../event_hour=HH/
    #[value(name = "family,date,hour")]
    FamilyDateHour,
    /// family=<log_family>/
    #[value(name = "family")]
    Family,
    /// Everything directly in OUT.
    #[value(name = "none")]
    None,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FamilyArg {
    /// Detect from path and content.
    Auto,
    /// Storage Analytics `$logs` lines.
    StorageAnalytics,
    /// NSG and VNet flow logs.
    Flow,
    /// Azure Monitor JSON (activity and resource logs).
    Monitor,
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
    #[arg(long, default_value_t = azlog_convert::DEFAULT_ZSTD_LEVEL, value_parser = clap::value_parser!(i32).range(1..=22))]
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Parquet)]
    format: FormatArg,
    /// Directory layout of the output (Hive style).
    #[arg(long, value_enum, default_value_t = PartitionArg::FamilyDate)]
    partition: PartitionArg,
    /// Convert every input as this family instead of detecting it.
    #[arg(long, value_enum, default_value_t = FamilyArg::Auto)]
    family: FamilyArg,
    /// Continue an interrupted run: skip inputs the manifest in OUT/_azlog says were already
    /// converted with the same content (SHA-256) and options.
    #[arg(long)]
    resume: bool,
    /// Longest record (line) accepted, in bytes; longer ones are rejected.
    #[arg(long, default_value_t = 64 << 20)]
    max_record_bytes: usize,
    /// Most bytes one input (or archive member) may decompress to; the rest is rejected.
    #[arg(long, default_value_t = 16 << 30)]
    max_unit_bytes: u64,
    /// Largest decompression ratio accepted (archive bombs), once past --ratio-min-bytes.
    #[arg(long, default_value_t = 1000)]
    max_ratio: u64,
    /// Decompressed size from which the ratio limit applies.
    #[arg(long, default_value_t = 64 << 20)]
    ratio_min_bytes: u64,
    /// Most members read from one zip or tar archive.
    #[arg(long, default_value_t = 100_000)]
    max_members: usize,
    /// Start a new output file once one reaches this many bytes.
    #[arg(long, default_value_t = 1 << 30)]
    max_file_bytes: u64,
    /// Inputs are converted (and recorded for --resume) in segments of about this many bytes.
    #[arg(long, default_value_t = 1 << 30, hide = true)]
    segment_bytes: u64,
}

/// The terminal progress bar: bytes read (with rate and ETA), files done, rows written and
/// rows per second.
struct Bar {
    pb: Mutex<Option<ProgressBar>>,
    files: AtomicU64,
    files_done: AtomicU64,
    rows: AtomicU64,
    started: Instant,
}

impl Bar {
    fn new() -> Self {
        Self {
            pb: Mutex::new(None),
            files: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    fn refresh(&self, pb: &ProgressBar) {
        let rows = self.rows.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        pb.set_message(format!(
            "{}/{} files, {rows} rows ({:.0} rows/s)",
            self.files_done.load(Ordering::Relaxed),
            self.files.load(Ordering::Relaxed),
            rows as f64 / secs
        ));
    }

    fn finish(&self) {
        if let Ok(g) = self.pb.lock()
            && let Some(pb) = g.as_ref()
        {
            pb.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn start(&self, files: u64, bytes: u64) {
        let pb = ProgressBar::new(bytes);
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        self.files.store(files, Ordering::Relaxed);
        self.refresh(&pb);
        pb.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut g) = self.pb.lock() {
            *g = Some(pb);
        }
    }

    fn file_done(&self, bytes: u64, _rows: u64) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        if let Ok(g) = self.pb.lock()
            && let Some(pb) = g.as_ref()
        {
            pb.inc(bytes);
            self.refresh(pb);
        }
    }

    fn rows_done(&self, rows: u64, bytes: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        if let Ok(g) = self.pb.lock()
            && let Some(pb) = g.as_ref()
        {
            // Decompressed bytes can outrun the on-disk total of compressed inputs.
            let pos = pb.position() + bytes;
            if pb.length().is_some_and(|l| pos > l) {
                pb.set_length(pos);
            }
            pb.set_position(pos);
            self.refresh(pb);
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
    for f in &s.files {
        for sk in &f.skipped {
            out.push_str(&format!("       skipped: {sk}\n"));
        }
        if let Some(e) = &f.error {
            out.push_str(&format!("       error: {}: {e}\n", f.source_file));
        }
    }
    if s.files_resumed() > 0 {
        out.push_str(&format!(
            "       resumed: {} files already converted (from the manifest)\n",
            s.files_resumed()
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
    opts.resume = a.resume;
    opts.partition = match a.partition {
        PartitionArg::FamilyDate => PartitionMode::FamilyDate,
        PartitionArg::FamilyDateHour => PartitionMode::FamilyDateHour,
        PartitionArg::Family => PartitionMode::Family,
        PartitionArg::None => PartitionMode::None,
    };
    opts.max_file_bytes = a.max_file_bytes.max(1);
    opts.segment_bytes = a.segment_bytes.max(1);
    opts.limits.max_record_bytes = a.max_record_bytes.max(1024);
    opts.limits.max_unit_bytes = a.max_unit_bytes.max(1);
    opts.limits.max_ratio = a.max_ratio.max(1);
    opts.limits.ratio_min_bytes = a.ratio_min_bytes;
    opts.limits.max_members = a.max_members.max(1);
    opts.format = match a.format {
        FormatArg::Parquet => OutputFormat::Parquet,
        FormatArg::Arrow => OutputFormat::Arrow,
    };
    opts.family = match a.family {
        FamilyArg::Auto => None,
        FamilyArg::StorageAnalytics => Some(Family::StorageAnalytics),
        FamilyArg::Flow => Some(Family::Flow),
        FamilyArg::Monitor => Some(Family::Monitor),
    };
    opts.compression = match a.compression {
        CompressionArg::Zstd => Compression::Zstd(a.zstd_level),
        CompressionArg::Snappy => Compression::Snappy,
    };
    let show_bar = !a.quiet && !a.json && std::io::stderr().is_terminal();
    let bar = Bar::new();
    let result = if show_bar {
        convert(&opts, &bar)
    } else {
        convert(&opts, &azlog_convert::NoProgress)
    };
    bar.finish();
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

fn run_detect(inputs: Vec<PathBuf>, json: bool) -> ExitCode {
    let opts = ConvertOptions::new(inputs, PathBuf::new());
    match detect_inputs(&opts) {
        Ok(reports) => {
            let mut out = String::new();
            for r in &reports {
                let (what, reason) = match &r.detected {
                    Detected::Family(f) => (f.name().to_string(), None),
                    Detected::Skip(why) => ("-".to_string(), Some(why.clone())),
                };
                if json {
                    let mut line = String::from("{\"source_file\":");
                    azlog_schema::push_json_string(&mut line, &r.source_file);
                    line.push_str(",\"family\":");
                    azlog_schema::push_json_string(&mut line, &what);
                    line.push_str(&format!(
                        ",\"records_read\":{},\"rows\":{},\"records_rejected\":{}",
                        r.stats.records_read, r.stats.rows, r.stats.rejected
                    ));
                    if let Some(why) = reason.as_ref().or(r.error.as_ref()) {
                        line.push_str(",\"note\":");
                        azlog_schema::push_json_string(&mut line, why);
                    }
                    line.push('}');
                    out.push_str(&line);
                    out.push('\n');
                } else {
                    out.push_str(&format!(
                        "{:<18} {:>9} records {:>7} rejected  {}{}\n",
                        what,
                        r.stats.records_read,
                        r.stats.rejected,
                        r.source_file,
                        reason
                            .or(r.error.clone())
                            .map(|w| format!("  ({w})"))
                            .unwrap_or_default()
                    ));
                }
            }
            let _ = std::io::stdout().write_all(out.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("azlog: error: {e}");
            ExitCode::from(3)
        }
    }
}

fn main() -> ExitCode {
    alloc_tuning::tune();
    let cli = Cli::parse();
    match cli.command {
        Command::Convert(a) => {
            let code = run_convert(a);
            #[cfg(feature = "alloc-stats")]
            eprintln!("azlog: peak live heap {} bytes", alloc_stats::peak());
            code
        }
        Command::Detect { inputs, json } => run_detect(inputs, json),
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
