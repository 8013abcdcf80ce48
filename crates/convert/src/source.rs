//! Reading inputs: containers (gzip, zstd, zip, tar and their combinations) detected by magic
//! bytes, never by extension; archive members as units named `archive.zip!/member/path`; and
//! record-aligned chunks cut from each unit's byte stream for the parsers.
//!
//! Memory is bounded: a line-oriented unit (Storage Analytics, JSON Lines) is read in chunks of
//! about `chunk_bytes` that end at a newline, and a flow-log `{"records":[...]}` document in
//! chunks that end after a record, so neither is ever resident as a whole. A unit that is one
//! JSON document that cannot be cut (legacy Azure Monitor documents, broken framing) is read
//! whole, up to `max_unit_bytes`.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use memchr::{memchr, memrchr};
use sha2::{Digest, Sha256};

/// Limits that protect against hostile input (archive bombs, endless lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Target size of one chunk of a line-oriented unit.
    pub chunk_bytes: usize,
    /// Longest record (line) accepted; a longer one is rejected as `record_too_long`.
    pub max_record_bytes: usize,
    /// Most bytes one unit may decompress to (or be read as one document).
    pub max_unit_bytes: u64,
    /// Largest decompressed/compressed ratio accepted once a unit passes 64 MiB.
    pub max_ratio: u64,
    /// Most members read from one archive.
    pub max_members: usize,
    /// The ratio limit applies once a unit has decompressed past this many bytes (small files
    /// legitimately compress far better than any bomb threshold).
    pub ratio_min_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            chunk_bytes: 8 << 20,
            max_record_bytes: 64 << 20,
            max_unit_bytes: 16 << 30,
            max_ratio: 1000,
            max_members: 100_000,
            ratio_min_bytes: 64 << 20,
        }
    }
}

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Plain,
    Gzip,
    Zstd,
    Zip,
    Tar,
}

pub(crate) fn sniff_container(head: &[u8]) -> Container {
    if head.starts_with(&[0x1f, 0x8b]) {
        Container::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Container::Zstd
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Container::Zip
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Container::Tar
    } else {
        Container::Plain
    }
}

/// Counts the bytes that pass through a reader, and hashes them when asked to.
pub(crate) struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
    digest: Option<Arc<Mutex<FileDigest>>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(d) = &self.digest
            && let Ok(mut d) = d.lock()
        {
            d.hasher.update(&buf[..n]);
            d.bytes += n as u64;
        }
        Ok(n)
    }
}

/// SHA-256 of a file's bytes taken as they are read for conversion, so the manifest's digest
/// costs no second pass over the input. It is whole only if every byte passed in order (a zip
/// is read by seeking, a skipped file only to its head): see [`FileDigest::finish`].
#[derive(Default)]
pub(crate) struct FileDigest {
    hasher: Sha256,
    bytes: u64,
}

impl FileDigest {
    /// The hex digest if all `size` bytes were hashed, else `None` (hash the file again).
    pub(crate) fn finish(self, size: u64) -> Option<String> {
        (self.bytes == size).then(|| {
            self.hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
    }
}

/// A reader with some bytes already taken off its front and given back.
struct Prefixed<R> {
    head: Vec<u8>,
    pos: usize,
    inner: R,
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.head.len() {
            let n = buf.len().min(self.head.len() - self.pos);
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// A reader that fails with a stored error: what a stream becomes after an error was met while
/// its head was being read. The next read re-raises it, so the ordinary error path (convert
/// what came before, reject the rest) applies.
struct Failed(Option<io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self
            .0
            .take()
            .unwrap_or_else(|| io::Error::other("read failed earlier")))
    }
}

/// Takes up to `n` bytes off `r` as a head. On an error the bytes read so far are the head and
/// the returned reader re-raises the error after them.
fn take_head<'r>(r: &'r mut dyn Read, n: usize) -> (Vec<u8>, Box<dyn Read + 'r>) {
    let mut head = Vec::with_capacity(n);
    match fill(r, &mut head, n) {
        Ok(_) => (head, Box::new(r)),
        Err(e) => (head, Box::new(Failed(Some(e)))),
    }
}

/// Reads until `buf` holds `want` bytes or the reader ends. Returns false at end of stream.
fn fill(r: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    while buf.len() < want {
        let start = buf.len();
        let grow = (want - start).min(1 << 20);
        buf.resize(start + grow, 0);
        match r.read(&mut buf[start..]) {
            Ok(0) => {
                buf.truncate(start);
                return Ok(false);
            }
            Ok(n) => buf.truncate(start + n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(start),
            Err(e) => {
                buf.truncate(start);
                return Err(e);
            }
        }
    }
    Ok(true)
}

/// One logical input handed to [`for_each_unit`]'s callback: its name and its bytes.
pub(crate) struct Unit<'r> {
    /// `source_file`: the input's name, or `archive!/member` for archive members.
    pub(crate) source_file: String,
    /// The decompressed bytes, as a stream.
    pub(crate) reader: &'r mut dyn Read,
    /// Bytes read from disk so far for the containing file (for the ratio check).
    pub(crate) disk_bytes: Arc<AtomicU64>,
}

/// Why a whole file could not be read (it becomes a failed input, the run goes on).
#[derive(Debug)]
pub(crate) struct SourceError(pub(crate) String);

fn member_name(archive: &str, member: &str) -> String {
    // Member names are only ever used as text in `source_file`; nothing is written under them,
    // so `../` or absolute names cannot escape the output. NUL bytes are made visible.
    let clean = member.trim_start_matches('/').replace('\0', "\\0");
    format!("{archive}!/{clean}")
}

/// Opens `path` (named `source_file`) and calls `f` once per unit inside it, in order: the file
/// itself, its decompressed stream, or each member of a zip or tar archive (possibly inside
/// gzip or zstd).
///
/// With `digest`, the file's bytes are hashed as they are read.
pub(crate) fn for_each_unit(
    path: &std::path::Path,
    source_file: &str,
    limits: &Limits,
    digest: Option<Arc<Mutex<FileDigest>>>,
    f: &mut dyn FnMut(Unit<'_>) -> Result<(), crate::ConvertError>,
) -> Result<Result<(), SourceError>, crate::ConvertError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return Ok(Err(SourceError(format!(
                "cannot open {}: {e}",
                path.display()
            ))));
        }
    };
    let disk = Arc::new(AtomicU64::new(0));
    let mut head = Vec::new();
    let mut counted = Counted {
        inner: BufReader::with_capacity(1 << 20, file),
        count: disk.clone(),
        digest,
    };
    let mut disk_err = None;
    if let Err(e) = fill(&mut counted, &mut head, 512) {
        if head.is_empty() {
            return Ok(Err(SourceError(format!(
                "cannot read {}: {e}",
                path.display()
            ))));
        }
        disk_err = Some(e);
    }
    if let Some(e) = disk_err {
        // The disk failed after a few bytes: convert what was read, reject the rest.
        let mut stream = Prefixed {
            head,
            pos: 0,
            inner: Failed(Some(e)),
        };
        f(Unit {
            source_file: source_file.to_string(),
            reader: &mut stream,
            disk_bytes: disk,
        })?;
        return Ok(Ok(()));
    }
    match sniff_container(&head) {
        Container::Zip => {
            drop(counted);
            return zip_units(path, source_file, limits, disk, f);
        }
        Container::Gzip | Container::Zstd => {
            let gz = sniff_container(&head) == Container::Gzip;
            let raw = Prefixed {
                head,
                pos: 0,
                inner: counted,
            };
            let mut dec: Box<dyn Read> = if gz {
                Box::new(flate2::read::MultiGzDecoder::new(raw))
            } else {
                match zstd::stream::read::Decoder::new(raw) {
                    Ok(d) => Box::new(d),
                    Err(e) => return Ok(Err(SourceError(format!("zstd: {e}")))),
                }
            };
            let (inner_head, rest) = take_head(&mut dec, 512);
            let mut stream = Prefixed {
                head: inner_head,
                pos: 0,
                inner: rest,
            };
            if sniff_container(&stream.head) == Container::Tar {
                return tar_units(&mut stream, source_file, limits, disk, f);
            }
            f(Unit {
                source_file: source_file.to_string(),
                reader: &mut stream,
                disk_bytes: disk,
            })?;
        }
        Container::Tar => {
            let mut stream = Prefixed {
                head,
                pos: 0,
                inner: counted,
            };
            return tar_units(&mut stream, source_file, limits, disk, f);
        }
        Container::Plain => {
            let mut stream = Prefixed {
                head,
                pos: 0,
                inner: counted,
            };
            f(Unit {
                source_file: source_file.to_string(),
                reader: &mut stream,
                disk_bytes: disk,
            })?;
        }
    }
    Ok(Ok(()))
}

fn tar_units(
    stream: &mut dyn Read,
    archive: &str,
    limits: &Limits,
    disk: Arc<AtomicU64>,
    f: &mut dyn FnMut(Unit<'_>) -> Result<(), crate::ConvertError>,
) -> Result<Result<(), SourceError>, crate::ConvertError> {
    let mut ar = tar::Archive::new(stream);
    let entries = match ar.entries() {
        Ok(e) => e,
        Err(e) => {
            return Ok(Err(SourceError(format!(
                "{archive}: not a readable tar: {e}"
            ))));
        }
    };
    for (n, entry) in entries.enumerate() {
        if n >= limits.max_members {
            return Ok(Err(SourceError(format!(
                "{archive}: more than {} members; the rest is not read",
                limits.max_members
            ))));
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => return Ok(Err(SourceError(format!("{archive}: tar entry {n}: {e}")))),
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| format!("member-{n}"));
        f(Unit {
            source_file: member_name(archive, &name),
            reader: &mut entry,
            disk_bytes: disk.clone(),
        })?;
    }
    Ok(Ok(()))
}

fn zip_units(
    path: &std::path::Path,
    archive: &str,
    limits: &Limits,
    disk: Arc<AtomicU64>,
    f: &mut dyn FnMut(Unit<'_>) -> Result<(), crate::ConvertError>,
) -> Result<Result<(), SourceError>, crate::ConvertError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return Ok(Err(SourceError(format!(
                "cannot open {}: {e}",
                path.display()
            ))));
        }
    };
    let mut zip = match zip::ZipArchive::new(BufReader::new(file)) {
        Ok(z) => z,
        Err(e) => {
            return Ok(Err(SourceError(format!(
                "{archive}: not a readable zip: {e}"
            ))));
        }
    };
    if zip.len() > limits.max_members {
        return Ok(Err(SourceError(format!(
            "{archive}: {} members, more than the limit of {}",
            zip.len(),
            limits.max_members
        ))));
    }
    for i in 0..zip.len() {
        let mut m = match zip.by_index(i) {
            Ok(m) => m,
            Err(e) => return Ok(Err(SourceError(format!("{archive}: member {i}: {e}")))),
        };
        if !m.is_file() {
            continue;
        }
        disk.fetch_add(m.compressed_size(), Ordering::Relaxed);
        let name = member_name(
            archive,
            &m.name()
                .map(|n| n.into_owned())
                .unwrap_or_else(|_| format!("member-{i}")),
        );
        f(Unit {
            source_file: name,
            reader: &mut m,
            disk_bytes: disk.clone(),
        })?;
    }
    Ok(Ok(()))
}

/// A piece of a unit's bytes, aligned to records, with its place in the unit.
#[derive(Debug)]
pub(crate) struct Piece {
    pub(crate) data: Vec<u8>,
    pub(crate) base_offset: u64,
    pub(crate) first_line: u64,
    pub(crate) at_eof: bool,
    /// Ordinal of the piece's first record in the unit.
    pub(crate) first_record: u64,
    /// The piece continues a records document cut at a record boundary.
    pub(crate) within_records: bool,
}

impl Piece {
    /// A piece of a line-oriented unit (a record per line).
    fn lines(data: Vec<u8>, base_offset: u64, first_line: u64, at_eof: bool) -> Self {
        Self {
            data,
            base_offset,
            first_line,
            at_eof,
            first_record: first_line.saturating_sub(1),
            within_records: false,
        }
    }

    /// A whole unit.
    pub(crate) fn whole(data: Vec<u8>) -> Self {
        Self::lines(data, 0, 1, true)
    }
}

/// A stretch of a unit that was given up on (a too-long line, a limit reached).
#[derive(Debug)]
pub(crate) struct Overflow {
    pub(crate) offset: u64,
    pub(crate) line: u64,
    pub(crate) length: u64,
    pub(crate) reason: &'static str,
    pub(crate) detail: String,
    /// The first bytes of the stretch (kept for the reject's `raw`).
    pub(crate) head: Vec<u8>,
}

/// What the chunker emits.
pub(crate) enum Emit {
    Piece(Piece),
    Overflow(Overflow),
}

const RAW_KEEP: usize = 64 << 10;

/// Piece buffers handed back once parsed ([`recycle`]), for the reader to fill again
/// ([`buffer`]).
///
/// Why: a fresh buffer of several MiB per piece was fresh memory every time. The allocator
/// returns freed memory to the kernel after a short delay, so the next buffer came back as
/// newly zeroed pages: in a profile of a storage conversion the kernel's page zeroing was 30 %
/// of all samples, 11 % of them under the reads into piece buffers.
static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
/// Buffers the pool keeps at most: the pieces of about one window.
const POOL_MAX: usize = 8;
/// The pool keeps buffers between these capacities: smaller ones are cheap to allocate, larger
/// ones (a unit read whole) would hold memory a piece never needs.
const POOL_MIN_CAPACITY: usize = 1 << 20;
const POOL_MAX_CAPACITY: usize = 64 << 20;

/// An empty buffer with room for at least `capacity` bytes, from the pool when it has one.
pub(crate) fn buffer(capacity: usize) -> Vec<u8> {
    let mut pool = POOL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match pool.iter().position(|b| b.capacity() >= capacity) {
        Some(i) => pool.swap_remove(i),
        None => {
            drop(pool);
            Vec::with_capacity(capacity)
        }
    }
}

/// Gives a piece's buffer back to the pool once its bytes are no longer needed.
pub(crate) fn recycle(mut buf: Vec<u8>) {
    if !(POOL_MIN_CAPACITY..=POOL_MAX_CAPACITY).contains(&buf.capacity()) {
        return;
    }
    buf.clear();
    let mut pool = POOL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if pool.len() < POOL_MAX {
        pool.push(buf);
    }
}

/// `head` moved into a pooled buffer with room for a piece of `chunk` bytes, unless it has room.
fn piece_buffer(head: Vec<u8>, chunk: usize) -> Vec<u8> {
    let want = chunk + (1 << 16);
    if head.capacity() >= want {
        return head;
    }
    let mut buf = buffer(want.max(head.len()));
    buf.extend_from_slice(&head);
    buf
}

/// Reads a unit whose records are lines, emitting newline-aligned pieces of about
/// `limits.chunk_bytes`. `head` holds the bytes already read.
pub(crate) fn chunk_lines(
    r: &mut dyn Read,
    buf: Vec<u8>,
    limits: &Limits,
    disk: &AtomicU64,
    emit: &mut dyn FnMut(Emit) -> Result<(), crate::ConvertError>,
) -> Result<(), crate::ConvertError> {
    let mut buf = piece_buffer(buf, limits.chunk_bytes);
    let mut base = 0u64;
    let mut line = 1u64;
    let mut eof = false;
    // A read error mid-stream (corrupt gzip, cut-off archive) ends this unit only: what was
    // read before converts, the unread rest is one reject.
    macro_rules! fill_or_stop {
        ($buf:expr, $want:expr, $main:expr) => {
            match fill(r, $buf, $want) {
                Ok(more) => !more,
                Err(e) => {
                    let mut at = base;
                    // The complete lines read before the error still convert.
                    if $main && let Some(nl) = memrchr(b'\n', $buf) {
                        let mut data = std::mem::take($buf);
                        data.truncate(nl + 1);
                        at += data.len() as u64;
                        let n_lines = memchr::memchr_iter(b'\n', &data).count() as u64;
                        emit(Emit::Piece(Piece::lines(data, base, line, false)))?;
                        line += n_lines;
                    }
                    emit(Emit::Overflow(Overflow {
                        offset: at,
                        line,
                        length: 0,
                        reason: "read_error",
                        detail: format!("reading stopped: {e}"),
                        head: Vec::new(),
                    }))?;
                    return Ok(());
                }
            }
        };
    }
    loop {
        if !eof {
            eof = fill_or_stop!(&mut buf, limits.chunk_bytes, true);
        }
        let total = base + buf.len() as u64;
        if let Some(o) = over_limit(total, disk.load(Ordering::Relaxed), limits) {
            emit(Emit::Overflow(Overflow {
                offset: base,
                line,
                length: 0,
                reason: "decompression_limit",
                detail: o,
                head: Vec::new(),
            }))?;
            return Ok(());
        }
        if eof {
            if !buf.is_empty() {
                emit_checked(buf, base, line, true, limits, emit)?;
            }
            return Ok(());
        }
        match memrchr(b'\n', &buf) {
            Some(nl) => {
                let rest = buf.split_off(nl + 1);
                let (len, n_lines) = (
                    buf.len() as u64,
                    memchr::memchr_iter(b'\n', &buf).count() as u64,
                );
                emit_checked(buf, base, line, false, limits, emit)?;
                base += len;
                line += n_lines;
                buf = buffer(limits.chunk_bytes + (1 << 16));
                buf.extend_from_slice(&rest);
            }
            None if buf.len() >= limits.max_record_bytes => {
                // One line longer than any record may be: keep its first bytes for the reject,
                // skip to its end, go on with the next line.
                let keep = buf[..RAW_KEEP.min(buf.len())].to_vec();
                let mut skipped = buf.len() as u64;
                buf.clear();
                let mut tail_start = None;
                while tail_start.is_none() {
                    let mut block = Vec::with_capacity(1 << 20);
                    let more = !fill_or_stop!(&mut block, 1 << 20, false);
                    if let Some(o) = over_limit(
                        base + skipped + block.len() as u64,
                        disk.load(Ordering::Relaxed),
                        limits,
                    ) {
                        // An endless line is how a bomb of zeros looks: stop at the limit.
                        emit(Emit::Overflow(Overflow {
                            offset: base,
                            line,
                            length: skipped + block.len() as u64,
                            reason: "decompression_limit",
                            detail: o,
                            head: keep,
                        }))?;
                        return Ok(());
                    }
                    match memchr(b'\n', &block) {
                        Some(i) => {
                            skipped += i as u64;
                            buf.extend_from_slice(&block[i + 1..]);
                            tail_start = Some(());
                        }
                        None => skipped += block.len() as u64,
                    }
                    if !more {
                        eof = true;
                        break;
                    }
                }
                emit(Emit::Overflow(Overflow {
                    offset: base,
                    line,
                    length: skipped,
                    reason: "record_too_long",
                    detail: format!(
                        "line of {skipped} bytes exceeds the limit of {} bytes",
                        limits.max_record_bytes
                    ),
                    head: keep,
                }))?;
                base += skipped + u64::from(tail_start.is_some());
                line += u64::from(tail_start.is_some());
            }
            None => {
                // A line longer than a chunk: read on until its newline.
                let want = buf.len() + limits.chunk_bytes;
                eof = fill_or_stop!(&mut buf, want, true);
                if eof {
                    continue;
                }
                // Loop again: memrchr will now find a newline or the record limit will trip.
                continue;
            }
        }
    }
}

/// Emits a newline-aligned piece, cutting out every line longer than `max_record_bytes` as a
/// `record_too_long` reject so no parser ever sees it. The common case (no such line) is one
/// scan of the line lengths and the piece passes through untouched.
fn emit_checked(
    data: Vec<u8>,
    base: u64,
    line: u64,
    at_eof: bool,
    limits: &Limits,
    emit: &mut dyn FnMut(Emit) -> Result<(), crate::ConvertError>,
) -> Result<(), crate::ConvertError> {
    let max = limits.max_record_bytes;
    let too_long = |d: &[u8]| {
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', d).chain(std::iter::once(d.len())) {
            if nl - start > max {
                return Some((start, nl));
            }
            start = nl + 1;
        }
        None
    };
    if data.len() <= max || too_long(&data).is_none() {
        return emit(Emit::Piece(Piece::lines(data, base, line, at_eof)));
    }
    let (mut from, mut base, mut line) = (0usize, base, line);
    while let Some((s, e)) = too_long(&data[from..]).map(|(s, e)| (from + s, from + e)) {
        if s > from {
            let part = data[from..s].to_vec();
            let n = memchr::memchr_iter(b'\n', &part).count() as u64;
            emit(Emit::Piece(Piece::lines(part, base, line, false)))?;
            base += (s - from) as u64;
            line += n;
        }
        let len = (e - s) as u64;
        emit(Emit::Overflow(Overflow {
            offset: base,
            line,
            length: len,
            reason: "record_too_long",
            detail: format!("line of {len} bytes exceeds the limit of {max} bytes"),
            head: data[s..e.min(s + RAW_KEEP)].to_vec(),
        }))?;
        let next = (e + 1).min(data.len());
        base += (next - s) as u64;
        line += u64::from(e < data.len());
        from = next;
        if from >= data.len() {
            return Ok(());
        }
    }
    emit(Emit::Piece(Piece::lines(
        data[from..].to_vec(),
        base,
        line,
        at_eof,
    )))
}

/// Flow-log pieces are `chunk_bytes / FLOW_CHUNK_DIVISOR` (see [`chunk_records`]).
pub(crate) const FLOW_CHUNK_DIVISOR: usize = 4;

/// Reads a unit that is a `{"records":[...]}` document (or several concatenated), emitting
/// pieces of about a quarter of `limits.chunk_bytes` cut just after a record, so a big flow
/// blob is never resident whole and its pieces are parsed on all cores. Each piece frames as
/// that stretch of the whole document would ([`azlog_json::records_cut`]); a unit that cannot
/// be cut (not a records document, broken framing) is read on to its end, up to the unit
/// limit, and parsed in one piece. `head` holds the bytes already read.
pub(crate) fn chunk_records(
    r: &mut dyn Read,
    buf: Vec<u8>,
    limits: &Limits,
    disk: &AtomicU64,
    emit: &mut dyn FnMut(Emit) -> Result<(), crate::ConvertError>,
) -> Result<(), crate::ConvertError> {
    use azlog_json::{Cut, DEFAULT_MAX_DEPTH, records_cut};
    // A byte of flow log becomes several bytes of Arrow (a row per ~100-byte tuple, some 30
    // columns each), so its pieces are a quarter of the line-oriented ones: the rows a window
    // holds in memory stay about the same size.
    let chunk = (limits.chunk_bytes / FLOW_CHUNK_DIVISOR).max(1);
    let mut buf = piece_buffer(buf, chunk);
    let (mut base, mut line, mut record, mut within) = (0u64, 1u64, 0u64, false);
    let mut want = chunk;
    let mut cuttable = true;
    let piece = |data, base, line, at_eof, record, within| {
        Emit::Piece(Piece {
            data,
            base_offset: base,
            first_line: line,
            at_eof,
            first_record: record,
            within_records: within,
        })
    };
    loop {
        let more = match fill(r, &mut buf, want) {
            Ok(more) => more,
            Err(e) => {
                // What was read still converts (its incomplete record is a truncated tail);
                // the unread rest is one reject.
                let at = base + buf.len() as u64;
                let after = line + newlines(&buf);
                if !buf.is_empty() {
                    emit(piece(buf, base, line, true, record, within))?;
                }
                return emit(Emit::Overflow(Overflow {
                    offset: at,
                    line: after,
                    length: 0,
                    reason: "read_error",
                    detail: format!("reading stopped: {e}"),
                    head: Vec::new(),
                }));
            }
        };
        if let Some(o) = over_limit(
            base + buf.len() as u64,
            disk.load(Ordering::Relaxed),
            limits,
        ) {
            return emit(Emit::Overflow(Overflow {
                offset: base,
                line,
                length: 0,
                reason: "decompression_limit",
                detail: o,
                head: Vec::new(),
            }));
        }
        if !more {
            return emit(piece(buf, base, line, true, record, within));
        }
        if cuttable {
            match records_cut(&buf, DEFAULT_MAX_DEPTH, within) {
                Cut::At { end, records } => {
                    let mut next = buffer(chunk.max(buf.len() - end) + (1 << 16));
                    next.extend_from_slice(&buf[end..]);
                    buf.truncate(end);
                    let lines = newlines(&buf);
                    emit(piece(buf, base, line, false, record, within))?;
                    base += end as u64;
                    line += lines;
                    record += records as u64;
                    within = true;
                    buf = next;
                    want = chunk;
                    continue;
                }
                Cut::NeedMore => {}
                Cut::Never => cuttable = false,
            }
        }
        // No boundary yet (a record longer than the buffer) or none to look for: read on,
        // twice as far, so scanning again stays linear in the unit's size.
        want = buf.len().saturating_mul(2).max(buf.len() + chunk);
    }
}

fn newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// Reads a whole unit (one JSON document), up to the unit limit.
/// Returns the bytes, or the bytes read so far and why reading stopped.
pub(crate) fn read_whole(
    r: &mut dyn Read,
    mut buf: Vec<u8>,
    limits: &Limits,
    disk: &AtomicU64,
) -> Result<Vec<u8>, (Vec<u8>, String)> {
    loop {
        let want = buf.len() + (16 << 20);
        let more = match fill(r, &mut buf, want) {
            Ok(m) => m,
            Err(e) => return Err((buf, format!("reading stopped: {e}"))),
        };
        if let Some(o) = over_limit(buf.len() as u64, disk.load(Ordering::Relaxed), limits) {
            return Err((Vec::new(), o));
        }
        if !more {
            return Ok(buf);
        }
    }
}

fn over_limit(decompressed: u64, disk: u64, limits: &Limits) -> Option<String> {
    if decompressed > limits.max_unit_bytes {
        return Some(format!(
            "unit exceeds {} bytes; the rest is not read",
            limits.max_unit_bytes
        ));
    }
    if decompressed > limits.ratio_min_bytes && disk > 0 && decompressed / disk > limits.max_ratio {
        return Some(format!(
            "decompression ratio {}:1 exceeds {}:1 (archive bomb?); the rest is not read",
            decompressed / disk,
            limits.max_ratio
        ));
    }
    None
}

/// Reads the first bytes of a unit (for detection). On a read error the head is what was read,
/// and the error comes back from the returned reader after it.
pub(crate) fn read_head<'r>(r: &'r mut dyn Read, n: usize) -> (Vec<u8>, Box<dyn Read + 'r>) {
    take_head(r, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(
        input: &[u8],
        chunk: usize,
        max_record: usize,
    ) -> Vec<(u64, u64, bool, Vec<u8>, bool)> {
        let limits = Limits {
            chunk_bytes: chunk,
            max_record_bytes: max_record,
            ..Limits::default()
        };
        let mut out = Vec::new();
        let mut r = input;
        let disk = AtomicU64::new(input.len() as u64);
        chunk_lines(&mut r, Vec::new(), &limits, &disk, &mut |e| {
            match e {
                Emit::Piece(p) => out.push((p.base_offset, p.first_line, p.at_eof, p.data, false)),
                Emit::Overflow(o) => out.push((o.offset, o.line, false, vec![], true)),
            }
            Ok(())
        })
        .expect("chunks");
        out
    }

    #[test]
    fn pieces_end_at_newlines_and_cover_everything() {
        let input = b"aaaa\nbb\ncccccc\nd\neeeeeeeeeeeeeee\nf";
        for chunk in 1..40 {
            let p = pieces(input, chunk, 1 << 20);
            let joined: Vec<u8> = p.iter().flat_map(|x| x.3.clone()).collect();
            assert_eq!(joined, input.to_vec(), "chunk {chunk}");
            for (off, line, _, data, _) in &p {
                assert_eq!(
                    *line as usize,
                    1 + input[..*off as usize]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                );
                assert!(*off == 0 || input[*off as usize - 1] == b'\n');
                assert!(!data.is_empty());
            }
            assert!(p.last().is_some_and(|x| x.2), "last piece is at eof");
        }
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_and_the_next_lines_go_on() {
        let mut input = b"ok1\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5000));
        input.extend_from_slice(b"\nok2\nok3\n");
        let p = pieces(&input, 64, 1000);
        let overflow: Vec<_> = p.iter().filter(|x| x.4).collect();
        assert_eq!(overflow.len(), 1);
        assert_eq!((overflow[0].0, overflow[0].1), (4, 2));
        let rest: Vec<u8> = p
            .iter()
            .filter(|x| !x.4)
            .flat_map(|x| x.3.clone())
            .collect();
        assert_eq!(rest, b"ok1\nok2\nok3\n".to_vec());
        let ok2 = p
            .iter()
            .find(|x| x.3.starts_with(b"ok2"))
            .expect("ok2 piece");
        assert_eq!((ok2.0, ok2.1), (5005, 3));
    }

    #[test]
    fn containers_by_magic() {
        assert_eq!(sniff_container(&[0x1f, 0x8b, 8]), Container::Gzip);
        assert_eq!(sniff_container(b"PK\x03\x04"), Container::Zip);
        assert_eq!(sniff_container(b"1.0;"), Container::Plain);
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    fn run(
        input: &[u8],
        chunk: usize,
        max_record: usize,
    ) -> Vec<(u64, u64, &'static str, Vec<u8>)> {
        let limits = Limits {
            chunk_bytes: chunk,
            max_record_bytes: max_record,
            ..Limits::default()
        };
        let mut out = Vec::new();
        let mut r = input;
        let disk = AtomicU64::new(input.len() as u64);
        chunk_lines(&mut r, Vec::new(), &limits, &disk, &mut |e| {
            match e {
                Emit::Piece(p) => out.push((p.base_offset, p.first_line, "piece", p.data)),
                Emit::Overflow(o) => out.push((o.offset, o.line, o.reason, Vec::new())),
            }
            Ok(())
        })
        .expect("chunks");
        out
    }

    #[test]
    fn long_lines_inside_a_piece_are_cut_out_with_their_positions() {
        let input = b"ok1\nxxxxxxxxxxxx\nok2\nyyyyyyyyyyyyyyy\nok3".to_vec();
        for chunk in [4, 16, 64, 1024] {
            let got = run(&input, chunk, 10);
            let rejects: Vec<_> = got
                .iter()
                .filter(|g| g.2 == "record_too_long")
                .map(|g| (g.0, g.1))
                .collect();
            assert_eq!(rejects, [(4, 2), (21, 4)], "chunk {chunk}: {got:?}");
            let kept: Vec<u8> = got
                .iter()
                .filter(|g| g.2 == "piece")
                .flat_map(|g| g.3.clone())
                .collect();
            assert_eq!(kept, b"ok1\nok2\nok3".to_vec(), "chunk {chunk}");
            for g in got.iter().filter(|g| g.2 == "piece") {
                assert_eq!(
                    &input[g.0 as usize..g.0 as usize + g.3.len()],
                    &g.3[..],
                    "offsets"
                );
                assert_eq!(
                    g.1 as usize,
                    1 + input[..g.0 as usize]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                );
            }
        }
    }
}
