//! [`MonitorParser`]: layout detection, the per-record parse on reused simd-json buffers, and
//! row writing.

use std::fmt::Write as _;

use azlog_schema::vocab;
use azlog_schema::{BOM, BatchBuilder, Origin, ParseStats, Provenance, RecordParser, Reject};
use simd_json::{Buffers, INPUT_PADDING, Tape};

use crate::fast::{self, Rid};
use crate::frame::{self, Elem, Frame};
use crate::record::{self, Parts, Row, Taker, Top, V};
use crate::render::Extra;

/// Nesting limit for one record (objects and arrays); deeper records are rejected.
pub const MAX_DEPTH: usize = 128;

/// A scratch buffer and tape for a JSON document found inside a string value.
struct Nested {
    scratch: Vec<u8>,
    tape: Tape<'static>,
}

impl Default for Nested {
    fn default() -> Self {
        Self {
            scratch: Vec::new(),
            tape: Tape(Vec::new()),
        }
    }
}

/// Parser for Azure Monitor JSON: the Activity log (storage export and API/SDK export) and
/// resource logs of every category, in JSON Lines or `{"records":[...]}` layout.
///
/// One value per worker thread; its buffers are reused across records and inputs. The input
/// is copied record by record into a scratch buffer before simd-json parses it in place, so
/// the caller's bytes are never modified.
pub struct MonitorParser {
    buffers: Buffers,
    scratch: Vec<u8>,
    tape: Tape<'static>,
    nested: [Nested; 3],
    extra: Extra,
    ip_scratch: String,
    text_scratch: String,
    path: String,
    rid: Rid,
    frames: Vec<Frame>,
}

impl Default for MonitorParser {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a record sits, for provenance and rejects.
#[derive(Clone, Copy)]
struct At {
    start: usize,
    end: usize,
    line: u64,
    record_index: u64,
    elem: Option<Elem>,
}

type Fail = (&'static str, String);

impl MonitorParser {
    /// A parser with empty buffers.
    pub fn new() -> Self {
        Self {
            buffers: Buffers::with_max_depth(4096, MAX_DEPTH),
            scratch: Vec::new(),
            tape: Tape(Vec::new()),
            nested: Default::default(),
            extra: Extra::default(),
            ip_scratch: String::new(),
            text_scratch: String::new(),
            path: String::new(),
            rid: Rid::default(),
            frames: Vec::new(),
        }
    }

    fn json_lines(
        &mut self,
        input: &[u8],
        start: usize,
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
        rejects: &mut Vec<Reject>,
        stats: &mut ParseStats,
    ) {
        let mut pos = start;
        let mut line = origin.first_line;
        while pos < input.len() {
            let (mut end, next, terminated) = match memchr::memchr(b'\n', &input[pos..]) {
                Some(k) => (pos + k, pos + k + 1, true),
                None => (input.len(), input.len(), false),
            };
            while end > pos && input[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            let s = frame::skip_ws(&input[..end], pos);
            if s < end {
                let record_index = line.saturating_sub(1);
                if frame::records_array(&input[..end], s).is_some() || input[s] == b'[' {
                    // A line holding a `records` wrapper or an array: expand it.
                    // An incomplete element is a cut-off tail only on an unterminated last
                    // line; inside the file it is just invalid.
                    let cut_ok = !terminated && origin.at_eof;
                    let mut frames = std::mem::take(&mut self.frames);
                    frames.clear();
                    frame::stream(&input[..end], s, &mut |f| frames.push(f));
                    for f in frames.drain(..) {
                        let f = if cut_ok { f } else { f.truncated_as_invalid() };
                        self.frame(input, f, line, record_index, origin, out, rejects, stats);
                    }
                    self.frames = frames;
                } else {
                    let at = At {
                        start: s,
                        end,
                        line,
                        record_index,
                        elem: None,
                    };
                    let r = self.convert(input, at, origin, out);
                    let r = r.map_err(|(reason, d)| {
                        // An unterminated last line is a cut-off tail only when its value
                        // is incomplete; a complete but invalid line is just invalid.
                        let cut = frame::value_end(&input[..end], s).is_none();
                        if reason == "invalid_json" && !terminated && origin.at_eof && cut {
                            (
                                "truncated",
                                format!("last line cut off by the end of the file ({d})"),
                            )
                        } else {
                            (reason, d)
                        }
                    });
                    account(input, at, r, origin, rejects, stats);
                }
            }
            line += 1;
            pos = next;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn frame(
        &mut self,
        input: &[u8],
        f: Frame,
        line: u64,
        record_index: u64,
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
        rejects: &mut Vec<Reject>,
        stats: &mut ParseStats,
    ) {
        match f {
            Frame::Record { start, end, elem } => {
                let at = At {
                    start,
                    end,
                    line,
                    record_index,
                    elem,
                };
                let r = self.convert(input, at, origin, out);
                account(input, at, r, origin, rejects, stats);
            }
            Frame::Bad {
                start,
                end,
                elem,
                reason,
                detail,
            } => {
                let at = At {
                    start,
                    end,
                    line,
                    record_index,
                    elem,
                };
                account(
                    input,
                    at,
                    Err((reason, detail.to_string())),
                    origin,
                    rejects,
                    stats,
                );
            }
        }
    }

    fn stream(
        &mut self,
        input: &[u8],
        start: usize,
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
        rejects: &mut Vec<Reject>,
        stats: &mut ParseStats,
    ) {
        let mut frames = std::mem::take(&mut self.frames);
        frames.clear();
        frame::stream(input, start, &mut |f| frames.push(f));
        let mut lines = LineCounter {
            buf: input,
            pos: 0,
            line: origin.first_line,
        };
        for (n, f) in frames.drain(..).enumerate() {
            let s = match &f {
                Frame::Record { start, .. } | Frame::Bad { start, .. } => *start,
            };
            let line = lines.line_at(s);
            let record_index = origin.first_record + n as u64;
            self.frame(input, f, line, record_index, origin, out, rejects, stats);
        }
        self.frames = frames;
    }

    /// Parses one record and appends its row.
    fn convert(
        &mut self,
        input: &[u8],
        at: At,
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
    ) -> Result<(), Fail> {
        let Self {
            buffers,
            scratch,
            tape: store,
            nested,
            extra,
            ip_scratch,
            text_scratch,
            path,
            rid,
            ..
        } = self;
        let src = &input[at.start..at.end];
        let mut issues_utf8 = false;
        scratch.clear();
        // simdutf8: a record is a few KiB, checked 32 bytes at a time (std's check was 1.4 K
        // instructions an activity record). Its error carries no position: none is needed.
        match simdutf8::basic::from_utf8(src) {
            Ok(_) => scratch.extend_from_slice(src),
            Err(_) => {
                // Invalid UTF-8 must not cost the record (formats.md 1.3): replace and flag.
                scratch.extend_from_slice(String::from_utf8_lossy(src).as_bytes());
                issues_utf8 = true;
            }
        }
        let len = scratch.len();
        scratch.resize(len + INPUT_PADDING, 0);
        let mut tape = std::mem::replace(store, Tape(Vec::new())).reset();
        if let Err(e) = simd_json::fill_tape_padded(scratch, len, buffers, &mut tape) {
            *store = tape.reset();
            return Err(("invalid_json", e.to_string()));
        }
        if !crate::tape::is_object(&tape.0, 0) {
            *store = tape.reset();
            return Err((
                "not_an_object",
                "the record is valid JSON but not an object".into(),
            ));
        }
        let root = V {
            t: &tape.0,
            i: 0,
            own: true,
        };
        let top = Top::index(&tape.0);
        let [n_id, n_cl, n_pr] = nested;

        let identity_v = top.identity.map(|i| V { i, ..root });
        let id_tape = identity_v.and_then(|v| parse_nested(v, n_id, buffers));
        let identity = object_or_nested(identity_v, id_tape.as_ref());

        let claims_v = identity
            .and_then(|i| i.get("claims").or_else(|| i.get("claim")))
            .or_else(|| top.claims.map(|i| V { i, ..root }));
        let cl_tape = claims_v.and_then(|v| parse_nested(v, n_cl, buffers));
        let claims = object_or_nested(claims_v, cl_tape.as_ref());

        let props_v = top.properties.map(|i| V { i, ..root });
        let pr_tape = props_v.and_then(|v| parse_nested(v, n_pr, buffers));
        let props = object_or_nested(props_v, pr_tape.as_ref());

        let parts = Parts {
            root,
            top,
            identity,
            claims,
            props,
        };
        extra.reset(tape.0.len());
        let mut tk = Taker {
            extra,
            ip_scratch: std::mem::take(ip_scratch),
        };
        let mut row = Row::default();
        if issues_utf8 {
            row.issues.push("invalid_utf8");
        }
        record::map(&parts, &mut tk, &mut row);
        tk.extra.render_root(&tape.0, src);
        *ip_scratch = std::mem::take(&mut tk.ip_scratch);

        let json_path = match at.elem {
            Some(e) if origin.json_path => {
                path.clear();
                let _ = write!(
                    path,
                    "{}[{}]",
                    if e.records { "$.records" } else { "$" },
                    e.index
                );
                Some(path.as_str())
            }
            _ => None,
        };
        let prov = Provenance {
            offset: origin.base_offset.saturating_add(at.start as u64),
            length: (at.end - at.start) as u64,
            line: at.line,
            record_index: at.record_index,
            item_index: None,
        };
        let raw = origin.keep_raw.then_some(src);
        let extra_text = (!extra.out.is_empty()).then_some(extra.out.as_str());
        let mut w = out.row();
        write_row(&mut w, &row, ip_scratch, text_scratch, rid);
        w.extra(extra_text)
            .json_path(json_path)
            .raw(raw)
            .provenance(origin.source_file, &prov);
        drop(w);

        drop(row);
        if let Some(t) = id_tape {
            n_id.tape = t.reset();
        }
        if let Some(t) = cl_tape {
            n_cl.tape = t.reset();
        }
        if let Some(t) = pr_tape {
            n_pr.tape = t.reset();
        }
        *store = tape.reset();
        Ok(())
    }
}

/// When `v` is a string holding a JSON object (`identity` / `properties` written as text),
/// parses it into `slot` and returns the tape.
fn parse_nested<'s>(v: V<'_>, slot: &'s mut Nested, buffers: &mut Buffers) -> Option<Tape<'s>> {
    let text = v.str()?;
    if !text.trim_start().starts_with('{') {
        return None;
    }
    slot.scratch.clear();
    slot.scratch.extend_from_slice(text.as_bytes());
    let len = slot.scratch.len();
    slot.scratch.resize(len + INPUT_PADDING, 0);
    let mut tape = std::mem::replace(&mut slot.tape, Tape(Vec::new())).reset();
    match simd_json::fill_tape_padded(&mut slot.scratch, len, buffers, &mut tape) {
        Ok(()) if crate::tape::is_object(&tape.0, 0) => Some(tape),
        _ => {
            slot.tape = tape.reset();
            None
        }
    }
}

/// The object `v` itself, or the root of the tape parsed from it.
fn object_or_nested<'a>(v: Option<V<'a>>, nested: Option<&'a Tape<'a>>) -> Option<V<'a>> {
    match nested {
        Some(t) => Some(V {
            t: &t.0,
            i: 0,
            own: false,
        }),
        None => v.filter(|v| crate::tape::is_object(v.t, v.i)),
    }
}

/// Counts one unit of evidence and pushes its reject when it failed.
fn account(
    input: &[u8],
    at: At,
    r: Result<(), Fail>,
    origin: &Origin<'_>,
    rejects: &mut Vec<Reject>,
    stats: &mut ParseStats,
) {
    stats.records_read += 1;
    match r {
        Ok(()) => stats.rows += 1,
        Err((reason, detail)) => {
            stats.rejected += 1;
            rejects.push(Reject {
                offset: origin.base_offset.saturating_add(at.start as u64),
                length: (at.end - at.start) as u64,
                line: at.line,
                record_index: at.record_index,
                reason,
                detail,
                raw: input[at.start..at.end].to_vec(),
            });
        }
    }
}

/// Line numbers of increasing offsets.
struct LineCounter<'b> {
    buf: &'b [u8],
    pos: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.buf.len());
        if offset > self.pos {
            self.line += memchr::memchr_iter(b'\n', &self.buf[self.pos..offset]).count() as u64;
            self.pos = offset;
        }
        self.line
    }
}

/// Writes the typed columns of `row`, normalising GUIDs, IPs, region, protocol, method and
/// resource-id parts on the way.
fn write_row(
    w: &mut azlog_schema::RowWriter<'_>,
    row: &Row<'_>,
    ip: &mut String,
    text: &mut String,
    rid: &mut Rid,
) {
    w.time(row.time)
        .log_family(row.log_family)
        .format_version(row.format_version)
        .category(row.category)
        .operation(row.operation)
        .ocsf_class_uid(row.ocsf_class_uid)
        .outcome(row.outcome)
        .result_type(row.result_type.as_deref())
        .result_signature(row.result_signature.as_deref())
        .result_description(row.result_description)
        .http_status(row.http_status)
        .level(row.level)
        .user_name(row.user_name)
        .app_name(row.app_name)
        .auth_type(row.auth_type)
        .src_geo_country(row.src_geo_country)
        .src_bytes(row.src_bytes)
        .dst_bytes(row.dst_bytes)
        .url(row.url)
        .target_object(row.target_object)
        .user_agent(row.user_agent)
        .duration_ms(row.duration_ms)
        .server_latency_ms(row.server_latency_ms)
        .correlation_id(row.correlation_id)
        .client_request_id(row.client_request_id)
        .record_uid(row.record_uid)
        .resource_id(row.resource_id)
        .parse_issues((!row.issues.is_empty()).then_some(&row.issues[..]));
    w.user_id(row.user_id.map(|s| fast::guid_lower(s, text)));
    w.app_id(row.app_id.map(|s| fast::guid_lower(s, text)));
    w.tenant_id(row.tenant_id.map(|s| fast::guid_lower(s, text)));
    match row.src_ip {
        Some(s) => {
            let r = azlog_schema::ip::split_ip_port(s, false, "ip_invalid:src", ip);
            w.src_port(r.port.map(i32::from));
            w.src_ip(r.ip);
        }
        None => {
            w.src_ip(None).src_port(None);
        }
    }
    w.region(row.region.map(|s| {
        vocab::region(s, text);
        text.as_str()
    }));
    w.app_protocol(row.app_protocol.map(|s| {
        text.clear();
        text.push_str(s);
        text.make_ascii_lowercase();
        text.as_str()
    }));
    w.http_method(row.http_method.map(|s| {
        text.clear();
        text.push_str(s);
        text.make_ascii_uppercase();
        text.as_str()
    }));
    match row.resource_id {
        Some(id) => {
            rid.parse(id);
            w.subscription_id(rid.subscription())
                .resource_group(rid.resource_group())
                .resource_type(rid.resource_type())
                .resource_name(rid.resource_name());
        }
        None => {
            w.subscription_id(None)
                .resource_group(None)
                .resource_type(None)
                .resource_name(None);
        }
    }
}

impl RecordParser for MonitorParser {
    fn parse(
        &mut self,
        input: &[u8],
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
        rejects: &mut Vec<Reject>,
    ) -> ParseStats {
        let mut stats = ParseStats::default();
        let start = if origin.base_offset == 0 && input.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let first = frame::skip_ws(input, start);
        if first >= input.len() {
            // Empty or blank input: zero records (formats.md 1.3).
            return stats;
        }
        let stream = origin.base_offset == 0 && is_value_stream(input, first, origin.at_eof);
        if stream {
            self.stream(input, start, origin, out, rejects, &mut stats);
        } else {
            self.json_lines(input, start, origin, out, rejects, &mut stats);
        }
        stats
    }
}

/// Decides the layout from the first value (formats.md 5.2). Only a whole file (or its first
/// chunk) can be a value stream: later chunks are line-aligned pieces of JSON Lines.
///
/// - A `records` wrapper or a top-level array is a value stream when it spans lines or is
///   the only value of a whole file; a one-line wrapper followed by more lines is JSON Lines
///   of wrappers (Event Hub captures), so one broken line costs only that line and ordinals
///   stay chunk-independent.
/// - A plain object is a value stream only when its first line holds nothing but `{`
///   (pretty-printed records); otherwise the file is JSON Lines, so a malformed first line
///   cannot swallow the lines after it.
fn is_value_stream(input: &[u8], first: usize, whole: bool) -> bool {
    let line_end = memchr::memchr(b'\n', &input[first..]).map_or(input.len(), |k| first + k);
    match input.get(first) {
        Some(b'[') => wrapper_stream(input, first, line_end, whole),
        Some(b'{') if frame::records_array(input, first).is_some() => {
            wrapper_stream(input, first, line_end, whole)
        }
        Some(b'{') => {
            frame::skip_ws(&input[..line_end], first + 1) == line_end && line_end < input.len()
        }
        _ => false,
    }
}

/// A wrapper or array that spans lines or is the only value (complete or cut) of a whole
/// file — unless the next line starts another `records` document: then the file is JSON
/// Lines of wrappers whose first line is broken, and only that line is lost.
fn wrapper_stream(input: &[u8], first: usize, line_end: usize, whole: bool) -> bool {
    let next = frame::skip_ws(input, line_end);
    if next < input.len() && frame::records_array(input, next).is_some() {
        return false;
    }
    match frame::value_end(input, first) {
        Some(end) => end > line_end || (whole && frame::skip_ws(input, end) == input.len()),
        // Cut off: a whole file, or a first chunk whose value goes on past its first line.
        None => whole || next < input.len(),
    }
}
