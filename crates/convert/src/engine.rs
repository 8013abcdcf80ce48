//! The conversion: discover → group into segments → read units → cut record-aligned pieces →
//! parse a window of pieces in parallel → write them in input order → account → manifest.
//!
//! Output bytes depend only on the inputs and the options: pieces are cut at fixed sizes and
//! written in input order whatever the thread count, and windows only decide which pieces are
//! parsed at the same time.

use std::fmt::Write as _;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use arrow_array::RecordBatch;
use azlog_schema::{
    BatchBuilder, JsonObject, Origin, ParseStats, Provenance, RecordParser, Reject, SizeHint,
    Sizes, push_json_string,
};
use rayon::prelude::*;

use crate::ConvertError;
use crate::detect::{Detected, Family, detect};
use crate::discover::{InputFile, discover};
use crate::manifest;
use crate::options::{ConvertOptions, PartitionMode};
use crate::source::{
    Emit, FileDigest, Limits, Overflow, Piece, chunk_lines, chunk_records, for_each_unit,
    read_head, read_whole,
};
use crate::writer::{DatasetWriter, OutputFile};

/// Hooks for showing progress; the engine calls them from its own thread.
pub trait Progress: Sync {
    /// The inputs are known.
    fn start(&self, _files: u64, _bytes: u64) {}
    /// One input is done; `bytes` is what `rows_done` did not already report (the whole size
    /// of a file taken from the manifest by `--resume`, else 0).
    fn file_done(&self, _bytes: u64, _rows: u64) {}
    /// A piece of input was written: its rows and the (decompressed) bytes it covered. Called
    /// from the writing thread, possibly a worker.
    fn rows_done(&self, _rows: u64, _bytes: u64) {}
}

/// Progress that shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// A rejected record, with the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectInfo {
    /// `source_file` of the unit.
    pub source_file: String,
    /// The reject as the parser reported it.
    pub reject: Reject,
}

/// What happened to one input file (all its archive members together).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileReport {
    /// `source_file` of the input.
    pub source_file: String,
    /// Size in bytes on disk.
    pub size: u64,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The families its units were converted as.
    pub families: Vec<Family>,
    /// Units (the file itself, or archive members) converted.
    pub units: u64,
    /// Units skipped as not a log, with the reason (`member: reason`).
    pub skipped: Vec<String>,
    /// The error that stopped reading it, if any.
    pub error: Option<String>,
    /// Whether this run took it from the manifest (`--resume`) instead of converting it.
    pub resumed: bool,
    /// Record counts.
    pub stats: ParseStats,
    /// Output files its rows went to.
    pub outputs: Vec<String>,
    /// The conversion segment it belongs to.
    pub segment: usize,
}

/// The result of a conversion.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// One report per input file, in input order.
    pub files: Vec<FileReport>,
    /// Counts over all inputs.
    pub totals: ParseStats,
    /// Bytes read from inputs (on disk).
    pub bytes_read: u64,
    /// Output files of the main dataset written by this run.
    pub outputs: Vec<OutputFile>,
    /// Output files of the rejects dataset written by this run.
    pub reject_outputs: Vec<OutputFile>,
    /// Every reject of this run (file, offset, reason).
    pub rejects: Vec<RejectInfo>,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl Summary {
    /// Input files with at least one unit converted.
    pub fn files_converted(&self) -> usize {
        self.files.iter().filter(|f| f.units > 0).count()
    }
    /// Input files with nothing converted and no error (not logs).
    pub fn files_skipped(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.units == 0 && f.error.is_none() && !f.resumed)
            .count()
    }
    /// Input files that failed with an error.
    pub fn files_failed(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_some()).count()
    }
    /// Input files taken from the manifest by `--resume`.
    pub fn files_resumed(&self) -> usize {
        self.files.iter().filter(|f| f.resumed).count()
    }

    /// The machine-readable summary (`--json`).
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        let t = &self.totals;
        let _ = write!(
            s,
            "{{\"records_read\":{},\"rows_written\":{},\"records_rejected\":{},\"files_seen\":{},\"files_converted\":{},\"files_skipped\":{},\"files_failed\":{},\"files_resumed\":{},\"bytes_read\":{},\"seconds\":{:.3},\"output_files\":[",
            t.records_read,
            t.rows,
            t.rejected,
            self.files.len(),
            self.files_converted(),
            self.files_skipped(),
            self.files_failed(),
            self.files_resumed(),
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
            manifest::write_entry(&mut s, f);
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

/// One parser of each family, owned by one worker thread and reused across pieces.
struct Parsers {
    storage: azlog_storage::StorageParser,
    flow: azlog_flow::FlowParser,
    monitor: azlog_monitor::MonitorParser,
}

impl Parsers {
    fn new() -> Self {
        Self {
            storage: azlog_storage::StorageParser::new(),
            flow: azlog_flow::FlowParser::new(),
            monitor: azlog_monitor::MonitorParser::new(),
        }
    }

    fn get(&mut self, family: Family) -> Option<&mut dyn RecordParser> {
        match family {
            Family::StorageAnalytics => Some(&mut self.storage),
            Family::Flow => Some(&mut self.flow),
            Family::Monitor => Some(&mut self.monitor),
        }
    }
}

/// Whether a unit of this family can be cut at newlines (one record per line).
fn line_oriented(family: Family, head: &[u8]) -> bool {
    match family {
        Family::StorageAnalytics => true,
        Family::Flow => false,
        // JSON Lines: the first line is a whole object (possibly a one-line `{"records":[...]}`
        // wrapper, as Event Hub captures write them). A pretty-printed document is not, and is
        // read whole.
        Family::Monitor => {
            let h = head.strip_prefix(azlog_schema::BOM).unwrap_or(head);
            let first = match memchr::memchr(b'\n', h) {
                Some(i) => &h[..i],
                None => return false,
            };
            let t = first.trim_ascii();
            t.starts_with(b"{") && t.ends_with(b"}")
        }
    }
}

/// A unit being converted in this segment.
struct UnitState {
    source_file: Arc<str>,
    family: Family,
    file: usize,
}

/// Work for the parallel window: a piece to parse, or a stretch already given up on.
struct Work {
    unit: Arc<UnitState>,
    emit: Emit,
}

struct Done {
    unit: Arc<UnitState>,
    /// Input bytes this piece covered (for progress).
    bytes: u64,
    batches: Vec<RecordBatch>,
    rejects: Vec<Reject>,
    stats: ParseStats,
    error: Option<String>,
}

fn overflow_reject(o: Overflow) -> Reject {
    Reject {
        offset: o.offset,
        length: o.length,
        line: o.line,
        record_index: o.line.saturating_sub(1),
        reason: o.reason,
        detail: o.detail,
        raw: o.head,
    }
}

/// What the last piece of each family built: its input bytes and the sizes of its batches.
/// A new piece's builder is made with room for the same per byte (`Sizes::scaled`), so its
/// column buffers are allocated once instead of doubling up from 8192 rows (each doubling a
/// copy into new memory, at ~12 K rows per storage piece and ~28 K per flow piece).
#[derive(Default)]
struct SizeHints(Mutex<Vec<(Family, SizeHint)>>);

impl SizeHints {
    /// A builder sized for `bytes` of `family`'s input.
    fn builder(&self, family: Family, bytes: usize, batch_rows: usize) -> BatchBuilder {
        // Copied under the lock, built outside it: the builder allocates 62 columns.
        let hint = {
            let hints = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            hints
                .iter()
                .find(|h| h.0 == family)
                .map(|(_, h)| h.clone())
                .unwrap_or_default()
        };
        hint.builder(bytes, batch_rows)
    }

    fn learn(&self, family: Family, bytes: usize, sizes: &Sizes) {
        let mut hints = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match hints.iter_mut().find(|h| h.0 == family) {
            Some((_, h)) => h.learn(bytes, sizes),
            None => {
                let mut h = SizeHint::default();
                h.learn(bytes, sizes);
                hints.push((family, h));
            }
        }
    }
}

fn parse_piece(w: Work, opts: &ConvertOptions, p: &mut Parsers, hints: &SizeHints) -> Done {
    let bytes = match &w.emit {
        Emit::Piece(piece) => piece.data.len() as u64,
        Emit::Overflow(o) => o.length,
    };
    let u = &*w.unit;
    match w.emit {
        Emit::Overflow(o) => Done {
            unit: w.unit.clone(),
            bytes,
            batches: Vec::new(),
            rejects: vec![overflow_reject(o)],
            stats: ParseStats {
                records_read: 1,
                rows: 0,
                rejected: 1,
            },
            error: None,
        },
        Emit::Piece(Piece {
            data,
            base_offset,
            first_line,
            at_eof,
            first_record,
            within_records,
        }) => {
            let mut out = hints.builder(u.family, data.len(), opts.batch_rows);
            let mut rejects = Vec::new();
            let origin = Origin {
                source_file: &u.source_file,
                base_offset,
                first_line,
                first_record,
                at_eof,
                keep_raw: opts.keep_raw,
                json_path: false,
                within_records,
            };
            let Some(parser) = p.get(u.family) else {
                return Done {
                    unit: w.unit.clone(),
                    bytes,
                    batches: Vec::new(),
                    rejects,
                    stats: ParseStats::default(),
                    error: Some(format!(
                        "{} logs are not supported by this build",
                        u.family.name()
                    )),
                };
            };
            let stats = parser.parse(&data, &origin, &mut out, &mut rejects);
            let taken = out.take_batches();
            hints.learn(u.family, data.len(), out.sizes());
            crate::source::recycle(data);
            match taken {
                Ok(batches) => Done {
                    unit: w.unit.clone(),
                    bytes,
                    batches,
                    rejects,
                    stats,
                    error: None,
                },
                Err(e) => Done {
                    unit: w.unit.clone(),
                    bytes,
                    batches: Vec::new(),
                    rejects: Vec::new(),
                    stats: ParseStats::default(),
                    error: Some(format!("internal error building batches: {e}")),
                },
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

/// The write side of a segment: its writers and what it has learnt about its inputs.
struct Output<'p> {
    main: DatasetWriter,
    rejects_w: DatasetWriter,
    rejects: Vec<RejectInfo>,
    progress: Option<&'p dyn Progress>,
}

/// What the reading side learns about its files from a written piece.
struct Written {
    file: usize,
    stats: ParseStats,
    error: Option<String>,
}

impl Output<'_> {
    /// Writes parsed pieces, in input order.
    fn write_done(&mut self, done: Vec<Done>) -> Result<Vec<Written>, ConvertError> {
        let mut written = Vec::with_capacity(done.len());
        for d in done {
            let u = &*d.unit;
            for b in &d.batches {
                self.main.write(b, &u.source_file)?;
            }
            for b in reject_batches(u.family, &u.source_file, &d.rejects)? {
                self.rejects_w.write(&b, &u.source_file)?;
            }
            if let Some(p) = self.progress {
                p.rows_done(d.stats.rows, d.bytes);
            }
            written.push(Written {
                file: u.file,
                stats: d.stats,
                error: d.error.map(|e| format!("{}: {e}", u.source_file)),
            });
            let sf = u.source_file.to_string();
            self.rejects
                .extend(d.rejects.into_iter().map(|reject| RejectInfo {
                    source_file: sf.clone(),
                    reject,
                }));
        }
        Ok(written)
    }
}

/// The write side of a segment, on a thread of its own: it takes windows of pieces from the
/// reading thread, parses each in parallel on the pool while the window before it is written
/// (its columns encoded in parallel too: one pool does both, so a core that finishes its share
/// of parsing helps encoding and the other way round), and reports back what it wrote. The
/// reading thread meanwhile reads, hashes and cuts the next window: reading used to wait for
/// both. The channel it takes windows from holds none, so at most one window waits read.
fn write_side<'p>(
    pool: &rayon::ThreadPool,
    opts: &ConvertOptions,
    mut out: Output<'p>,
    windows: Receiver<Vec<Work>>,
    report: Sender<Written>,
) -> (Output<'p>, Result<(), ConvertError>) {
    let mut pending: Vec<Done> = Vec::new();
    let hints = SizeHints::default();
    let send = |w: Vec<Written>| {
        for x in w {
            let _ = report.send(x);
        }
    };
    for work in windows {
        let (done, written) = pool.install(|| {
            rayon::join(
                || -> Vec<Done> {
                    work.into_par_iter()
                        .with_max_len(1)
                        .map_init(Parsers::new, |p, w| parse_piece(w, opts, p, &hints))
                        .collect()
                },
                || out.write_done(std::mem::take(&mut pending)),
            )
        });
        pending = done;
        match written {
            Ok(w) => send(w),
            // Dropping `windows` here tells the reading side to stop.
            Err(e) => return (out, Err(e)),
        }
    }
    let last = pool.install(|| out.write_done(pending));
    match last {
        Ok(w) => {
            send(w);
            (out, Ok(()))
        }
        Err(e) => (out, Err(e)),
    }
}

/// The reading side of one segment's conversion: its files' reports, the window being filled
/// and the channel to the write side ([`write_side`]).
struct Segment<'a> {
    opts: &'a ConvertOptions,
    window_len: usize,
    window: Vec<Work>,
    window_bytes: usize,
    reports: Vec<FileReport>,
    windows: Option<SyncSender<Vec<Work>>>,
    written: Receiver<Written>,
}

impl Segment<'_> {
    fn push(&mut self, w: Work) -> Result<(), ConvertError> {
        if let Emit::Piece(p) = &w.emit {
            self.window_bytes += p.data.len();
        }
        self.window.push(w);
        if self.window.len() >= self.window_len
            || self.window_bytes >= self.window_len * self.opts.limits.chunk_bytes
        {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands the window to the write side (waiting while it is busy with the one before).
    fn flush(&mut self) -> Result<(), ConvertError> {
        self.apply_written();
        if self.window.is_empty() {
            return Ok(());
        }
        let work = std::mem::take(&mut self.window);
        self.window_bytes = 0;
        match &self.windows {
            Some(tx) if tx.send(work).is_ok() => Ok(()),
            // The write side stopped on an error; the caller gets it from the join.
            _ => Err(ConvertError::Output("the writer stopped".into())),
        }
    }

    /// Folds what the write side has reported into the files' reports.
    fn apply_written(&mut self) {
        for w in self.written.try_iter() {
            let r = &mut self.reports[w.file];
            r.stats.add(&w.stats);
            if let Some(e) = w.error {
                r.error.get_or_insert(e);
            }
        }
    }

    /// Reads one unit: detect, then cut it into pieces for the window.
    fn unit(
        &mut self,
        file: usize,
        source_file: String,
        reader: &mut dyn std::io::Read,
        disk: &AtomicU64,
    ) -> Result<(), ConvertError> {
        let limits: Limits = self.opts.limits;
        // A read error inside the head comes back from `reader` after the head, so what was
        // read before it still converts and the rest is one `read_error` reject.
        let (head, mut reader) = read_head(reader, 64 * 1024);
        if head.is_empty()
            && let Err(e) = reader.read(&mut [0u8; 1])
        {
            self.reports[file]
                .error
                .get_or_insert(format!("{source_file}: cannot read: {e}"));
            return Ok(());
        }
        let family = match self.opts.family {
            Some(f) => f,
            None => match detect(&source_file, &head) {
                Detected::Family(f) => f,
                Detected::Skip(reason) => {
                    self.reports[file]
                        .skipped
                        .push(format!("{source_file}: {reason}"));
                    return Ok(());
                }
            },
        };
        let r = &mut self.reports[file];
        r.units += 1;
        if !r.families.contains(&family) {
            r.families.push(family);
        }
        let unit = Arc::new(UnitState {
            source_file: source_file.into(),
            family,
            file,
        });
        if line_oriented(family, &head) {
            chunk_lines(&mut reader, head, &limits, disk, &mut |emit| {
                self.push(Work {
                    unit: unit.clone(),
                    emit,
                })
            })
        } else if family == Family::Flow {
            chunk_records(&mut reader, head, &limits, disk, &mut |emit| {
                self.push(Work {
                    unit: unit.clone(),
                    emit,
                })
            })
        } else {
            match read_whole(&mut reader, head, &limits, disk) {
                Ok(data) => self.push(Work {
                    unit: unit.clone(),
                    emit: Emit::Piece(Piece::whole(data)),
                }),
                Err((partial, reason)) => {
                    let at = partial.len() as u64;
                    let line = 1 + memchr::memchr_iter(b'\n', &partial).count() as u64;
                    if !partial.is_empty() {
                        self.push(Work {
                            unit: unit.clone(),
                            emit: Emit::Piece(Piece::whole(partial)),
                        })?;
                    }
                    let stop = if reason.starts_with("reading stopped") {
                        "read_error"
                    } else {
                        "decompression_limit"
                    };
                    self.push(Work {
                        unit,
                        emit: Emit::Overflow(Overflow {
                            offset: at,
                            line,
                            length: 0,
                            reason: stop,
                            detail: reason,
                            head: Vec::new(),
                        }),
                    })
                }
            }
        }
    }
}

/// Reads a segment's files into windows for the write side: detection, pieces, digests.
fn read_segment(
    s: &mut Segment<'_>,
    seg_files: &[InputFile],
    opts: &ConvertOptions,
    progress: &dyn Progress,
) -> Result<(), ConvertError> {
    for (i, f) in seg_files.iter().enumerate() {
        let digest = (!opts.resume).then(|| Arc::new(Mutex::new(FileDigest::default())));
        let r = for_each_unit(
            &f.path,
            &f.source_file,
            &opts.limits,
            digest.clone(),
            &mut |u| s.unit(i, u.source_file, u.reader, &u.disk_bytes),
        )?;
        let report = &mut s.reports[i];
        if let Err(e) = r {
            report.error.get_or_insert(e.0);
        }
        if let Some(d) = digest {
            // Whole when every byte was read in order; else (a zip, a skipped file) the file
            // is hashed again.
            report.sha256 = Arc::try_unwrap(d)
                .ok()
                .and_then(|m| m.into_inner().ok())
                .and_then(|d| d.finish(f.size))
                .unwrap_or_else(|| manifest::sha256_file(&f.path));
        }
        if report.units == 0 && report.error.is_none() && report.skipped.is_empty() {
            report
                .skipped
                .push(format!("{}: no log found in it", f.source_file));
        }
        progress.file_done(0, 0);
    }
    s.flush()
}

/// Groups files into segments of about `segment_bytes` (a file larger than that is a segment
/// of its own). With `by_date` (the output is partitioned by date), a segment of at least a
/// quarter of that also ends where the blob path's date changes: a segment straddling midnight
/// keeps two partitions open, and each open row group costs ~40 MB whatever its rows.
/// Depends only on the paths and sizes, so a resumed run sees the same segments.
fn segments(files: &[InputFile], segment_bytes: u64, by_date: bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0u64;
    for (i, f) in files.iter().enumerate() {
        let new_day = by_date
            && i > start
            && bytes >= segment_bytes / 4
            && crate::detect::path_date(&f.source_file)
                .is_some_and(|d| crate::detect::path_date(&files[i - 1].source_file) != Some(d));
        if i > start && (bytes + f.size > segment_bytes || new_day) {
            out.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += f.size;
    }
    if start < files.len() {
        out.push(start..files.len());
    }
    out
}

/// Converts everything `opts` names. Inputs that are not logs are skipped and reported; records
/// that cannot be parsed are rejected and reported; an output error is fatal.
pub fn convert(opts: &ConvertOptions, progress: &dyn Progress) -> Result<Summary, ConvertError> {
    let started = Instant::now();
    if opts.inputs.is_empty() {
        return Err(ConvertError::Usage("no inputs given".into()));
    }
    for i in &opts.inputs {
        if let Err(e) = std::fs::metadata(i) {
            return Err(ConvertError::Input(format!("{}: {e}", i.display())));
        }
    }
    std::fs::create_dir_all(&opts.out).map_err(|e| {
        ConvertError::Output(format!(
            "creating output directory {}: {e}",
            opts.out.display()
        ))
    })?;
    crate::writer::remove_stale_temp_files(&opts.out);
    let (files, errors) = discover(&opts.inputs);
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

    let previous = if opts.resume {
        manifest::load(&opts.out)
    } else {
        Default::default()
    };
    let options_json = opts.canonical_json();
    let mut manifest = manifest::Writer::create(&opts.out, opts.resume)?;
    let mut summary = Summary::default();
    for e in errors {
        summary.files.push(FileReport {
            source_file: e.path.display().to_string(),
            error: Some(format!("cannot read directory: {}", e.error)),
            ..Default::default()
        });
    }
    for (seg, range) in segments(
        &files,
        opts.segment_bytes,
        matches!(
            opts.partition,
            PartitionMode::FamilyDate | PartitionMode::FamilyDateHour
        ),
    )
    .into_iter()
    .enumerate()
    {
        let seg_files = &files[range];
        // `--resume` needs the digests before it can skip a segment; otherwise each file is
        // hashed as it is read (no second pass over the input).
        let digests: Vec<String> = if opts.resume {
            pool.install(|| {
                seg_files
                    .par_iter()
                    .map(|f| manifest::sha256_file(&f.path))
                    .collect()
            })
        } else {
            vec![String::new(); seg_files.len()]
        };
        if opts.resume
            && let Some(reports) =
                manifest::resumable(&previous, seg_files, &digests, &options_json, &opts.out)
        {
            for r in &reports {
                progress.file_done(r.size, r.stats.rows);
            }
            summary.files.extend(reports);
            continue;
        }
        let reports: Vec<FileReport> = seg_files
            .iter()
            .zip(&digests)
            .map(|(f, d)| FileReport {
                source_file: f.source_file.clone(),
                size: f.size,
                sha256: d.clone(),
                segment: seg,
                ..Default::default()
            })
            .collect();
        let out = Output {
            main: DatasetWriter::new(opts.out.clone(), seg, opts),
            rejects_w: DatasetWriter::new(opts.out.join("rejects"), seg, opts),
            rejects: Vec::new(),
            progress: Some(progress),
        };
        let (out, result, mut reports) = std::thread::scope(|scope| {
            let (windows_tx, windows_rx) = std::sync::mpsc::sync_channel(0);
            let (written_tx, written_rx) = std::sync::mpsc::channel();
            let pool = &pool;
            let writer = scope.spawn(move || write_side(pool, opts, out, windows_rx, written_tx));
            let mut s = Segment {
                opts,
                // Two windows are alive at once (one parsing, one being written) and a third is
                // being read, so a window is `threads` pieces (at least 2). Output does not
                // depend on it.
                window_len: threads.max(2),
                window: Vec::new(),
                window_bytes: 0,
                reports,
                windows: Some(windows_tx),
                written: written_rx,
            };
            let read = read_segment(&mut s, seg_files, opts, progress);
            // Closing the channel ends the write side once it has written everything.
            s.windows = None;
            let (out, written) = match writer.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            s.apply_written();
            // A write error explains a read that stopped because the writer did.
            (out, written.and(read), s.reports)
        });
        if let Err(e) = result {
            out.main.abandon();
            out.rejects_w.abandon();
            return Err(e);
        }
        let Output {
            main,
            rejects_w,
            rejects,
            ..
        } = out;
        // On the conversion's pool: closing the last row groups encodes their columns in
        // parallel, and that must not start rayon's global pool (one thread per core,
        // whatever `--threads` says).
        let (outputs, per_source) = pool.install(|| main.finish(&opts.out))?;
        let (reject_outputs, reject_per_source) = pool.install(|| rejects_w.finish(&opts.out))?;
        for r in &mut reports {
            // Archive members report under the archive: collect the outputs of every unit.
            for (src, outs) in per_source.iter().chain(reject_per_source.iter()) {
                if src == &r.source_file || src.starts_with(&format!("{}!/", r.source_file)) {
                    for o in outs {
                        if !r.outputs.contains(o) {
                            r.outputs.push(o.clone());
                        }
                    }
                }
            }
            r.outputs.sort();
        }
        manifest.append_segment(&reports, &options_json)?;
        summary.outputs.extend(outputs);
        summary.reject_outputs.extend(reject_outputs);
        summary.rejects.extend(rejects);
        summary.files.extend(reports);
    }
    for f in &summary.files {
        summary.totals.add(&f.stats);
        summary.bytes_read += f.size;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Parses bytes of a known family without touching the file system: the embedding API. Returns
/// the rows as batches of the unified schema, the rejects and the counts.
pub fn parse_bytes(
    family: Family,
    source_file: &str,
    data: &[u8],
    keep_raw: bool,
) -> Result<(Vec<RecordBatch>, Vec<Reject>, ParseStats), ConvertError> {
    let mut parsers = Parsers::new();
    let Some(parser) = parsers.get(family) else {
        return Err(ConvertError::Usage(format!(
            "{} logs are not supported by this build",
            family.name()
        )));
    };
    let mut out = BatchBuilder::default();
    let mut rejects = Vec::new();
    let origin = Origin {
        keep_raw,
        ..Origin::whole_file(source_file)
    };
    let stats = parser.parse(data, &origin, &mut out, &mut rejects);
    let batches = out
        .take_batches()
        .map_err(|e| ConvertError::Output(format!("building batches: {e}")))?;
    Ok((batches, rejects, stats))
}

/// Whether a path is one of the engine's own temporary files.
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with(".azlog-inprogress-")
}

/// What `detect` found in one unit (a file or an archive member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectReport {
    /// `source_file` of the unit.
    pub source_file: String,
    /// Its family, or why it is not a log.
    pub detected: Detected,
    /// Counts from parsing it (nothing is written).
    pub stats: ParseStats,
    /// Why reading it stopped early, if it did.
    pub error: Option<String>,
}

/// Finds what every input is and how many records it holds, writing nothing.
pub fn detect_inputs(opts: &ConvertOptions) -> Result<Vec<DetectReport>, ConvertError> {
    for i in &opts.inputs {
        if let Err(e) = std::fs::metadata(i) {
            return Err(ConvertError::Input(format!("{}: {e}", i.display())));
        }
    }
    let (files, errors) = discover(&opts.inputs);
    let mut out: Vec<DetectReport> = errors
        .into_iter()
        .map(|e| DetectReport {
            source_file: e.path.display().to_string(),
            detected: Detected::Skip("cannot read".into()),
            stats: ParseStats::default(),
            error: Some(e.error.to_string()),
        })
        .collect();
    let mut parsers = Parsers::new();
    for f in &files {
        let r = for_each_unit(&f.path, &f.source_file, &opts.limits, None, &mut |u| {
            let (head, mut reader) = read_head(u.reader, 64 * 1024);
            let detected = match opts.family {
                Some(fam) => Detected::Family(fam),
                None => detect(&u.source_file, &head),
            };
            let mut rep = DetectReport {
                source_file: u.source_file.clone(),
                detected: detected.clone(),
                stats: ParseStats::default(),
                error: None,
            };
            if let Detected::Family(fam) = detected {
                let data = match read_whole(&mut reader, head, &opts.limits, &u.disk_bytes) {
                    Ok(d) => d,
                    Err((partial, reason)) => {
                        rep.error = Some(reason);
                        partial
                    }
                };
                if let Some(p) = parsers.get(fam) {
                    let mut b = BatchBuilder::new(1 << 16);
                    let mut rejects = Vec::new();
                    rep.stats = p.parse(
                        &data,
                        &Origin::whole_file(&u.source_file),
                        &mut b,
                        &mut rejects,
                    );
                } else {
                    rep.error = Some(format!(
                        "{} logs are not supported by this build",
                        fam.name()
                    ));
                }
            }
            out.push(rep);
            Ok(())
        })?;
        if let Err(e) = r {
            out.push(DetectReport {
                source_file: f.source_file.clone(),
                detected: Detected::Skip("unreadable".into()),
                stats: ParseStats::default(),
                error: Some(e.0),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64) -> InputFile {
        InputFile {
            path: name.into(),
            source_file: name.into(),
            size,
        }
    }

    #[test]
    fn segments_end_at_a_new_day_once_a_quarter_full() {
        let day = |d: u32, h: u32| format!("$logs/blob/2024/03/{d:02}/{h:02}00/000000.log");
        // 25 MB blobs, 3 a day, 100 MB segments: by size they straddle days, by date not.
        let mut files = Vec::new();
        for d in 1..=3 {
            for h in 0..3 {
                files.push(file(&day(d, h), 25));
            }
        }
        assert_eq!(segments(&files, 100, false), [0..4, 4..8, 8..9]);
        assert_eq!(segments(&files, 100, true), [0..3, 3..6, 6..9]);
        // Small blobs, one a day: a day ends a segment only once it holds a quarter.
        let small: Vec<InputFile> = (1..=9).map(|d| file(&day(d, 0), 10)).collect();
        assert_eq!(segments(&small, 100, true), [0..3, 3..6, 6..9]);
        assert_eq!(segments(&small, 100, false), vec![(0..9)]);
        // Paths without a date are cut by size.
        let plain: Vec<InputFile> = (0..5).map(|i| file(&format!("x{i}.log"), 30)).collect();
        assert_eq!(segments(&plain, 100, true), [0..3, 3..5]);
    }
}
