//! Framing (records array or JSON Lines), record walking and rejects.
//!
//! Design note: a record is parsed into a reused simd-json tape over a copy of its bytes.
//! simd-json writes each unescaped string at its own position (quote + 1), so a tuple's offset
//! in the copy is its offset in the record; its length in the source is re-read from the
//! original bytes in case the string held escapes.

use std::fmt::Write as _;

use azlog_json::{BufAddr, DEFAULT_MAX_DEPTH, LineCounter, Span, Tail, TapeScratch};
use azlog_schema::vocab::{self, ResourceIdParts};
use azlog_schema::{BatchBuilder, JsonObject, Origin, ParseStats, RecordParser, Reject};
use simd_json::prelude::*;
use simd_json::tape::{Array, Object, Value};

use crate::tuple::{Family, GroupCtx, RecordCtx, TupleScratch, TupleSite};

/// The flow-log parser. One per worker thread: it owns its scratch buffers and reuses them
/// across records and inputs.
pub struct FlowParser {
    tape: TapeScratch,
    st: State,
}

/// Everything except the tape, so a record callback can borrow it while the tape is in use.
#[derive(Default)]
struct State {
    /// Record-level leftovers for `extra`.
    extra: JsonObject,
    /// The finished record-level `extra` text (empty when none).
    rec_extra: String,
    /// Record `extra` plus the group's own leftovers (`aclID`, a non-canonical `mac`).
    group_extra: String,
    /// Normalised MAC of the record (VNet) or group (NSG).
    mac: String,
    /// `format_version` text.
    version: String,
    /// Resource id parts.
    rid: ResourceIdParts,
    tuple: TupleScratch,
}

impl Default for FlowParser {
    fn default() -> Self {
        Self::new()
    }
}

impl FlowParser {
    /// A parser with empty buffers.
    pub fn new() -> Self {
        Self {
            tape: TapeScratch::new(),
            st: State::default(),
        }
    }
}

/// Per-input constants and counters.
pub(crate) struct Job<'i, 'o> {
    pub(crate) input: &'i [u8],
    pub(crate) origin: &'o Origin<'o>,
    lines: LineCounter<'i>,
    pub(crate) stats: ParseStats,
}

impl Job<'_, '_> {
    pub(crate) fn line_of(&mut self, at: usize) -> u64 {
        self.lines
            .line_at(at)
            .saturating_add(self.origin.first_line.saturating_sub(1))
    }

    pub(crate) fn file_offset(&self, at: usize) -> u64 {
        self.origin.base_offset.saturating_add(at as u64)
    }

    #[cold]
    fn reject(
        &mut self,
        span: Span,
        record_index: u64,
        reason: &'static str,
        detail: String,
        rejects: &mut Vec<Reject>,
    ) {
        let line = self.line_of(span.start);
        rejects.push(Reject {
            offset: self.file_offset(span.start),
            length: span.len() as u64,
            line,
            record_index,
            reason,
            detail,
            raw: span.slice(self.input).to_vec(),
        });
        self.stats.records_read += 1;
        self.stats.rejected += 1;
    }
}

/// Where a record sits.
#[derive(Clone, Copy)]
pub(crate) struct RecordSite {
    /// The record's bytes in the input.
    pub span: Span,
    /// File-level record ordinal.
    pub index: u64,
    /// Whether the record is an element of `records[]` (else a JSON Lines line).
    pub in_array: bool,
}

impl RecordParser for FlowParser {
    fn parse(
        &mut self,
        input: &[u8],
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
        rejects: &mut Vec<Reject>,
    ) -> ParseStats {
        let mut job = Job {
            input,
            origin,
            lines: LineCounter::new(input),
            stats: ParseStats::default(),
        };
        let scan = if origin.within_records {
            // The continuation of a document cut at a record boundary (by the engine).
            Ok(azlog_json::scan_records_array_within(
                input,
                DEFAULT_MAX_DEPTH,
            ))
        } else {
            azlog_json::scan_records_array(input, DEFAULT_MAX_DEPTH)
        };
        match scan {
            Ok(scan) => {
                let mut index = origin.first_record;
                for span in &scan.elements {
                    let site = RecordSite {
                        span: *span,
                        index,
                        in_array: true,
                    };
                    self.record(&mut job, site, false, out, rejects);
                    index += 1;
                }
                let tail = |start: usize| Span {
                    start: start.min(input.len()),
                    end: input.len(),
                };
                match scan.tail {
                    Tail::Clean => {}
                    // A piece cut after a record, with more of the document to come.
                    Tail::Truncated { start }
                        if !origin.at_eof && input[start.min(input.len())..].is_empty() => {}
                    Tail::Truncated { start } => job.reject(
                        tail(start),
                        index,
                        "truncated",
                        format!(
                            "input ends inside the records array after {index} complete records"
                        ),
                        rejects,
                    ),
                    Tail::Garbage { start } => job.reject(
                        tail(start),
                        index,
                        "invalid_json",
                        format!("bytes that cannot be framed as JSON after {index} records"),
                        rejects,
                    ),
                }
            }
            Err(_) => {
                for (index, line) in (origin.first_record..).zip(azlog_json::lines(input)) {
                    let site = RecordSite {
                        span: line.span,
                        index,
                        in_array: false,
                    };
                    let last = !line.terminated && origin.at_eof;
                    self.record(&mut job, site, last, out, rejects);
                }
            }
        }
        job.stats
    }
}

impl FlowParser {
    /// Parses one record and writes its tuples, or rejects it.
    fn record(
        &mut self,
        job: &mut Job<'_, '_>,
        site: RecordSite,
        unterminated_last: bool,
        out: &mut BatchBuilder,
        rejects: &mut Vec<Reject>,
    ) {
        let bytes = site.span.slice(job.input);
        let st = &mut self.st;
        let result = self.tape.parse(bytes, |v, addr| match v {
            Ok(v) => match v.as_object() {
                Some(obj) => {
                    st.walk(obj, addr, job, site, out);
                    Ok(())
                }
                None => Err(("invalid_json", "the record is not a JSON object".to_owned())),
            },
            Err(e) if unterminated_last => Err(("truncated", format!("last line is cut: {e}"))),
            Err(e) => Err(("invalid_json", e.to_string())),
        });
        if let Err((reason, detail)) = result {
            job.reject(site.span, site.index, reason, detail, rejects);
        }
    }
}

/// Case-insensitive member lookup.
fn member<'t, 'i>(obj: &Object<'t, 'i>, key: &str) -> Option<Value<'t, 'i>> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn member_array<'t, 'i>(obj: &Object<'t, 'i>, key: &str) -> Option<Array<'t, 'i>> {
    member(obj, key).and_then(|v| v.as_array())
}

fn member_str<'t, 'i>(obj: &Object<'t, 'i>, key: &str) -> Option<&'t str> {
    member(obj, key).and_then(|v| v.into_string())
}

/// Adds `key` with `v` to `extra`: strings as strings, anything else as JSON text.
fn keep(extra: &mut JsonObject, key: &str, v: Value<'_, '_>) {
    match v.into_string() {
        Some(s) => extra.string(key, s),
        None => extra.raw(key, &v.encode()),
    }
}

/// Adds the members of `obj` other than `skip` under `key`, when there are any.
fn keep_rest(extra: &mut JsonObject, key: &str, obj: &Object<'_, '_>, skip: &[&str]) {
    let is_skipped = |k: &str| skip.iter().any(|s| k.eq_ignore_ascii_case(s));
    if obj.iter().all(|(k, _)| is_skipped(k)) {
        return;
    }
    extra.begin_object(key);
    for (k, v) in obj.iter() {
        if !is_skipped(k) {
            keep(extra, k, v);
        }
    }
    extra.end_object();
}

/// Writes `base` (a finished JSON object or empty) plus `pairs` as one object into `out`.
fn compose(base: &str, pairs: &[(&str, &str)], out: &mut String) {
    out.clear();
    if pairs.is_empty() {
        out.push_str(base);
        return;
    }
    match base.strip_suffix('}') {
        Some(body) => {
            out.push_str(body);
            out.push(',');
        }
        None => out.push('{'),
    }
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        azlog_schema::push_json_string(out, k);
        out.push(':');
        azlog_schema::push_json_string(out, v);
    }
    out.push('}');
}

impl State {
    /// Walks one record object, writing one row per tuple.
    fn walk(
        &mut self,
        obj: Object<'_, '_>,
        addr: BufAddr,
        job: &mut Job<'_, '_>,
        site: RecordSite,
        out: &mut BatchBuilder,
    ) {
        self.extra.clear();
        self.version.clear();
        let mut category = None;
        let mut operation = None;
        let mut resource_id = None;
        let mut target = None;
        let mut mac_src = None;
        let mut has_version = false;
        let mut props = None;
        let mut flow_records = None;
        let mut vnet = false;
        for (k, v) in obj.iter() {
            let key = |name: &str| k.eq_ignore_ascii_case(name);
            if key("category") && v.as_str().is_some() {
                category = v.into_string();
            } else if key("operationName") && v.as_str().is_some() {
                operation = v.into_string();
            } else if key("resourceId") && v.as_str().is_some() && resource_id.is_none() {
                resource_id = v.into_string();
            } else if key("targetResourceID") && v.as_str().is_some() {
                target = v.into_string();
            } else if key("flowLogVersion") && !v.is_array() && !v.is_object() {
                vnet = true;
                has_version = true;
                self.version_text(v);
            } else if key("properties") && v.is_object() {
                props = v.as_object();
                if let Some(p) = &props {
                    keep_rest(&mut self.extra, k, p, &["Version", "flows"]);
                }
            } else if key("flowRecords") && v.is_object() {
                vnet = true;
                flow_records = v.as_object();
                if let Some(f) = &flow_records {
                    keep_rest(&mut self.extra, k, f, &["flows"]);
                }
            } else {
                if key("macAddress") {
                    mac_src = v.into_string();
                }
                keep(&mut self.extra, k, v);
            }
        }
        if let (false, Some(p)) = (has_version, &props)
            && let Some(v) = member(p, "Version").filter(|v| !v.is_array() && !v.is_object())
        {
            self.version_text(v);
            has_version = true;
        }
        let family = if vnet || flow_records.is_some() {
            Family::Vnet
        } else {
            Family::Nsg
        };
        // VNet rows take the resource from targetResourceID; a differing resourceId is kept.
        let resource = match family {
            Family::Vnet => {
                if let (Some(r), Some(t)) = (resource_id, target)
                    && r != t
                {
                    self.extra.string("resourceId", r);
                }
                target.or(resource_id)
            }
            Family::Nsg => {
                if let Some(t) = target {
                    self.extra.string("targetResourceID", t);
                }
                resource_id
            }
        };
        match resource {
            Some(r) => self.rid.parse(r),
            None => self.rid.parse(""),
        }
        self.rec_extra.clear();
        if let Some(e) = self.extra.finish() {
            self.rec_extra.push_str(e);
        }
        let mut mac_ok = false;
        if family == Family::Vnet {
            mac_ok = mac_src.is_some_and(|m| vocab::mac(m, &mut self.mac));
        }
        let rec = RecordCtx {
            family,
            version: has_version.then_some(self.version.as_str()),
            category,
            operation,
            resource_id: resource,
            rid: &self.rid,
            site,
            addr,
        };
        let mut item: u32 = 0;
        match family {
            Family::Nsg => {
                let Some(flows) = props.as_ref().and_then(|p| member_array(p, "flows")) else {
                    return;
                };
                for (i, rule_v) in flows.iter().enumerate() {
                    let Some(rule_o) = rule_v.as_object() else {
                        continue;
                    };
                    let rule = member_str(&rule_o, "rule");
                    let Some(nics) = member_array(&rule_o, "flows") else {
                        continue;
                    };
                    for (j, nic_v) in nics.iter().enumerate() {
                        let Some(nic_o) = nic_v.as_object() else {
                            continue;
                        };
                        let mac = member_str(&nic_o, "mac");
                        let mut pairs: [(&str, &str); 1] = [("", "")];
                        let mut n = 0;
                        let ok = mac.is_some_and(|m| vocab::mac(m, &mut self.mac));
                        if let Some(m) = mac
                            && (!ok || m.len() != 12 || m.bytes().any(|b| b.is_ascii_lowercase()))
                        {
                            pairs[0] = ("mac", m);
                            n = 1;
                        }
                        compose(&self.rec_extra, &pairs[..n], &mut self.group_extra);
                        let Some(tuples) = member_array(&nic_o, "flowTuples") else {
                            continue;
                        };
                        let group = GroupCtx {
                            rule,
                            mac: ok.then_some(self.mac.as_str()),
                            extra: &self.group_extra,
                            path: (i, j),
                        };
                        for (k, t) in tuples.iter().enumerate() {
                            let ts = TupleSite { index: k, item };
                            self.tuple.write(t, &rec, &group, ts, job, out);
                            item = item.saturating_add(1);
                        }
                    }
                }
            }
            Family::Vnet => {
                let Some(flows) = flow_records.as_ref().and_then(|f| member_array(f, "flows"))
                else {
                    return;
                };
                for (i, acl_v) in flows.iter().enumerate() {
                    let Some(acl_o) = acl_v.as_object() else {
                        continue;
                    };
                    let acl = member(&acl_o, "aclID");
                    let acl_text;
                    let mut pairs: [(&str, &str); 1] = [("", "")];
                    let mut n = 0;
                    if let Some(a) = acl {
                        acl_text = match a.into_string() {
                            Some(s) => std::borrow::Cow::Borrowed(s),
                            None => std::borrow::Cow::Owned(a.encode()),
                        };
                        pairs[0] = ("aclID", &acl_text);
                        n = 1;
                    }
                    compose(&self.rec_extra, &pairs[..n], &mut self.group_extra);
                    let Some(groups) = member_array(&acl_o, "flowGroups") else {
                        continue;
                    };
                    for (j, group_v) in groups.iter().enumerate() {
                        let Some(group_o) = group_v.as_object() else {
                            continue;
                        };
                        let Some(tuples) = member_array(&group_o, "flowTuples") else {
                            continue;
                        };
                        let group = GroupCtx {
                            rule: member_str(&group_o, "rule"),
                            mac: mac_ok.then_some(self.mac.as_str()),
                            extra: &self.group_extra,
                            path: (i, j),
                        };
                        for (k, t) in tuples.iter().enumerate() {
                            let ts = TupleSite { index: k, item };
                            self.tuple.write(t, &rec, &group, ts, job, out);
                            item = item.saturating_add(1);
                        }
                    }
                }
            }
        }
    }

    /// `format_version` from a JSON scalar: strings verbatim, numbers as written.
    fn version_text(&mut self, v: Value<'_, '_>) {
        self.version.clear();
        match v.as_str() {
            Some(s) => self.version.push_str(s),
            None => {
                if let Some(i) = v.as_i64() {
                    let _ = write!(self.version, "{i}");
                } else if let Some(u) = v.as_u64() {
                    let _ = write!(self.version, "{u}");
                } else {
                    self.version.push_str(&v.encode());
                }
            }
        }
    }
}
