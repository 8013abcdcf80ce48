//! The conversion: discover → detect → parse in parallel → write in input order → account.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use arrow_array::RecordBatch;
use azlog_schema::{
    BatchBuilder, JsonObject, Origin, ParseStats, Provenance, RecordParser, Reject,
    push_json_string,
};
use azlog_storage::StorageParser;
use rayon::prelude::*;

use crate::ConvertError;
use crate::detect::{Detected, Family, detect};
use crate::discover::{InputFile, discover};
use crate::options::ConvertOptions;
use crate::writer::{DatasetWriter, OutputFile};

/// Hooks for showing progress; the engine calls them from worker threads.
pub trait Progress: Sync {
    /// The inputs are known.
    fn start(&self, _files: u64, _bytes: u64) {}
    /// One input is done.
    fn file_done(&self, _bytes: u64, _rows: u64) {}
}

/// Progress that shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// A rejected record, with the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectInfo {
    /// `source_file` of the input.
    pub source_file: String,
    /// The reject as the parser reported it.
    pub reject: Reject,
}

/// What happened to one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// `source_file` of the input.
    pub source_file: String,
    /// Size in bytes.
    pub size: u64,
    /// The family it was converted as, if it was.
    pub family: Option<Family>,
    /// Why it was skipped, or the error that stopped it.
    pub skipped: Option<String>,
    /// Whether it failed with an error (as opposed to being skipped as not a log).
    pub failed: bool,
    /// Record counts.
    pub stats: ParseStats,
    /// Output files its rows went to.
    pub outputs: Vec<String>,
}

/// The result of a conversion.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// One report per input, in input order.
    pub files: Vec<FileReport>,
    /// Counts over all inputs.
    pub totals: ParseStats,
    /// Bytes read from inputs.
    pub bytes_read: u64,
    /// Output files of the main dataset.
    pub outputs: Vec<OutputFile>,
    /// Output files of the rejects dataset.
    pub reject_outputs: Vec<OutputFile>,
    /// Every reject (file, offset, reason).
    pub rejects: Vec<RejectInfo>,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl Summary {
    /// Inputs converted.
    pub fn files_converted(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.family.is_some() && f.skipped.is_none())
            .count()
    }
    /// Inputs skipped as not a log.
    pub fn files_skipped(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.skipped.is_some() && !f.failed)
            .count()
    }
    /// Inputs that failed with an I/O error.
    pub fn files_failed(&self) -> usize {
        self.files.iter().filter(|f| f.failed).count()
    }

    /// The machine-readable summary (`--json`).
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        let t = &self.totals;
        let _ = write!(
            s,
            "{{\"records_read\":{},\"rows_written\":{},\"records_rejected\":{},\"files_seen\":{},\"files_converted\":{},\"files_skipped\":{},\"files_failed\":{},\"bytes_read\":{},\"seconds\":{:.3},\"output_files\":[",
            t.records_read,
            t.rows,
            t.rejected,
            self.files.len(),
            self.files_converted(),
            self.files_skipped(),
            self.files_failed(),
            self.bytes_read,
            self.seconds
        );
        for (i, o) in self.outputs.iter().chain(&self.reject_outputs).enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str("{\"path\":");
            push_json_string(&mut s, &o.path);
            let _ = write!(s, ",\"rows\":{}}}", o.rows);
        }
        s.push_str("],\"files\":[");
        for (i, f) in self.files.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str("{\"source_file\":");
            push_json_string(&mut s, &f.source_file);
            let _ = write!(s, ",\"size\":{},\"family\":", f.size);
            match f.family {
                Some(fam) => push_json_string(&mut s, fam.name()),
                None => s.push_str("null"),
            }
            let _ = write!(
                s,
                ",\"records_read\":{},\"rows_written\":{},\"records_rejected\":{}",
                f.stats.records_read, f.stats.rows, f.stats.rejected
            );
            if let Some(r) = &f.skipped {
                s.push_str(if f.failed {
                    ",\"error\":"
                } else {
                    ",\"skipped\":"
                });
                push_json_string(&mut s, r);
            }
            s.push('}');
        }
        s.push_str("],\"rejects\":[");
        for (i, r) in self.rejects.iter().take(1000).enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str("{\"source_file\":");
            push_json_string(&mut s, &r.source_file);
            let _ = write!(
                s,
                ",\"offset\":{},\"length\":{},\"line\":{},\"reason\":",
                r.reject.offset, r.reject.length, r.reject.line
            );
            push_json_string(&mut s, r.reject.reason);
            s.push_str(",\"detail\":");
            push_json_string(&mut s, &r.reject.detail);
            s.push('}');
        }
        s.push_str("]}");
        s
    }
}

/// One parser of each family, owned by one worker thread.
struct Parsers {
    storage: StorageParser,
}

impl Parsers {
    fn new() -> Self {
        Self {
            storage: StorageParser::new(),
        }
    }

    fn get(&mut self, family: Family) -> Option<&mut dyn RecordParser> {
        match family {
            Family::StorageAnalytics => Some(&mut self.storage),
            _ => None,
        }
    }
}

struct Parsed {
    report: FileReport,
    batches: Vec<RecordBatch>,
    rejects: Vec<Reject>,
}

fn parse_file(input: &InputFile, opts: &ConvertOptions, parsers: &mut Parsers) -> Parsed {
    let mut report = FileReport {
        source_file: input.source_file.clone(),
        size: input.size,
        family: None,
        skipped: None,
        failed: false,
        stats: ParseStats::default(),
        outputs: Vec::new(),
    };
    let data = match std::fs::read(&input.path) {
        Ok(d) => d,
        Err(e) => {
            report.skipped = Some(format!("cannot read {}: {e}", input.path.display()));
            report.failed = true;
            return Parsed {
                report,
                batches: Vec::new(),
                rejects: Vec::new(),
            };
        }
    };
    report.size = data.len() as u64;
    let head = &data[..data.len().min(64 * 1024)];
    let family = match detect(&input.source_file, head) {
        Detected::Family(f) => f,
        Detected::Skip(reason) => {
            report.skipped = Some(reason);
            return Parsed {
                report,
                batches: Vec::new(),
                rejects: Vec::new(),
            };
        }
    };
    report.family = Some(family);
    let Some(parser) = parsers.get(family) else {
        report.skipped = Some(format!(
            "{} logs are not supported by this build",
            family.name()
        ));
        return Parsed {
            report,
            batches: Vec::new(),
            rejects: Vec::new(),
        };
    };
    let mut out = BatchBuilder::new(opts.batch_rows);
    let mut rejects = Vec::new();
    let origin = Origin {
        keep_raw: opts.keep_raw,
        ..Origin::whole_file(&input.source_file)
    };
    report.stats = parser.parse(&data, &origin, &mut out, &mut rejects);
    match out.take_batches() {
        Ok(batches) => Parsed {
            report,
            batches,
            rejects,
        },
        Err(e) => {
            // An internal error building batches: every record of the file is unaccounted
            // for, so the file fails as a whole rather than being half written.
            report.skipped = Some(format!("internal error building batches: {e}"));
            report.failed = true;
            report.stats = ParseStats::default();
            Parsed {
                report,
                batches: Vec::new(),
                rejects: Vec::new(),
            }
        }
    }
}

/// Rejects become rows of the same schema: `log_family`, provenance and `raw` filled, the
/// reason in `parse_issues`, the explanation in `extra`.
fn reject_batches(
    family: Family,
    source_file: &str,
    rejects: &[Reject],
) -> Result<Vec<RecordBatch>, ConvertError> {
    let mut b = BatchBuilder::new(8192);
    let mut extra = JsonObject::new();
    for r in rejects {
        extra.clear();
        extra.string("reject_detail", &r.detail);
        let mut row = b.row();
        row.log_family(family.default_log_family())
            .parse_issues(&[r.reason][..])
            .raw(&r.raw[..])
            .extra(extra.finish())
            .provenance(
                source_file,
                &Provenance {
                    offset: r.offset,
                    length: r.length,
                    line: r.line,
                    record_index: r.record_index,
                    item_index: None,
                },
            );
    }
    b.take_batches()
        .map_err(|e| ConvertError::Output(format!("building reject rows: {e}")))
}

/// Converts everything `opts` names. Inputs that are not logs are skipped and reported; records
/// that cannot be parsed are rejected and reported; an output error is fatal.
pub fn convert(opts: &ConvertOptions, progress: &dyn Progress) -> Result<Summary, ConvertError> {
    let started = Instant::now();
    if opts.inputs.is_empty() {
        return Err(ConvertError::Usage("no inputs given".into()));
    }
    std::fs::create_dir_all(&opts.out).map_err(|e| {
        ConvertError::Output(format!(
            "creating output directory {}: {e}",
            opts.out.display()
        ))
    })?;
    let (files, errors) = discover(&opts.inputs);
    if let Some(e) = errors.iter().find(|e| opts.inputs.contains(&e.path)) {
        return Err(ConvertError::Input(format!(
            "{}: {}",
            e.path.display(),
            e.error
        )));
    }
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| ConvertError::Usage(format!("cannot start {threads} threads: {e}")))?;
    progress.start(files.len() as u64, files.iter().map(|f| f.size).sum());

    let mut main = DatasetWriter::new(opts.out.clone(), opts);
    let mut rejects_w = DatasetWriter::new(opts.out.join("rejects"), opts);
    let mut summary = Summary::default();
    for e in errors {
        summary.files.push(FileReport {
            source_file: e.path.display().to_string(),
            size: 0,
            family: None,
            skipped: Some(format!("cannot read directory: {}", e.error)),
            failed: true,
            stats: ParseStats::default(),
            outputs: Vec::new(),
        });
    }
    // Parse a window of files in parallel, then write them in input order: output is the same
    // for any thread count, and memory holds one window, not the whole input.
    let window = threads * 2;
    let result = (|| {
        for group in files.chunks(window.max(1)) {
            let parsed: Vec<Parsed> = pool.install(|| {
                group
                    .par_iter()
                    .map_init(Parsers::new, |p, f| {
                        let r = parse_file(f, opts, p);
                        progress.file_done(r.report.size, r.report.stats.rows);
                        r
                    })
                    .collect()
            });
            for p in parsed {
                for b in &p.batches {
                    main.write(b, &p.report.source_file)?;
                }
                if let Some(fam) = p.report.family {
                    for b in reject_batches(fam, &p.report.source_file, &p.rejects)? {
                        rejects_w.write(&b, &p.report.source_file)?;
                    }
                }
                summary.totals.add(&p.report.stats);
                summary.bytes_read += p.report.size;
                summary
                    .rejects
                    .extend(p.rejects.into_iter().map(|reject| RejectInfo {
                        source_file: p.report.source_file.clone(),
                        reject,
                    }));
                summary.files.push(p.report);
            }
        }
        Ok::<(), ConvertError>(())
    })();
    if let Err(e) = result {
        main.abandon();
        rejects_w.abandon();
        return Err(e);
    }
    let (outputs, per_source) = main.finish(&opts.out)?;
    let (reject_outputs, _) = rejects_w.finish(&opts.out)?;
    for f in &mut summary.files {
        if let Some(o) = per_source.get(&f.source_file) {
            f.outputs = o.clone();
        }
    }
    summary.outputs = outputs;
    summary.reject_outputs = reject_outputs;
    summary.seconds = started.elapsed().as_secs_f64();
    write_manifest(&opts.out, &summary)?;
    Ok(summary)
}

/// `OUT/_azlog/manifest.jsonl`: one line per input with its counts and output files, written
/// atomically.
fn write_manifest(out: &Path, summary: &Summary) -> Result<(), ConvertError> {
    let dir = out.join("_azlog");
    std::fs::create_dir_all(&dir)
        .map_err(|e| ConvertError::Output(format!("creating {}: {e}", dir.display())))?;
    let mut s = String::new();
    let mut by_file: BTreeMap<&str, &FileReport> = BTreeMap::new();
    for f in &summary.files {
        by_file.insert(&f.source_file, f);
    }
    for f in &summary.files {
        s.push_str("{\"source_file\":");
        push_json_string(&mut s, &f.source_file);
        let _ = write!(s, ",\"size\":{},\"family\":", f.size);
        match f.family {
            Some(fam) => push_json_string(&mut s, fam.name()),
            None => s.push_str("null"),
        }
        let _ = write!(
            s,
            ",\"records_read\":{},\"rows_written\":{},\"records_rejected\":{},\"outputs\":[",
            f.stats.records_read, f.stats.rows, f.stats.rejected
        );
        for (i, o) in f.outputs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            push_json_string(&mut s, o);
        }
        s.push(']');
        if let Some(r) = &f.skipped {
            s.push_str(if f.failed {
                ",\"error\":"
            } else {
                ",\"skipped\":"
            });
            push_json_string(&mut s, r);
        }
        s.push_str("}\n");
    }
    let tmp = dir.join(".manifest.jsonl.tmp");
    let dest = dir.join("manifest.jsonl");
    std::fs::write(&tmp, s)
        .map_err(|e| ConvertError::Output(format!("writing {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, &dest)
        .map_err(|e| ConvertError::Output(format!("renaming {}: {e}", dest.display())))?;
    Ok(())
}
