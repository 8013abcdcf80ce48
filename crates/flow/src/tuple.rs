//! One flow tuple: split on `,`, map per schema.md §4.1 / §5.5, write one row.

use std::fmt::Write as _;

use azlog_json::{BufAddr, Span};
use azlog_schema::vocab::{self, ResourceIdParts};
use azlog_schema::{BatchBuilder, EventTime, Provenance, col, ip, mask, push_json_string};
use simd_json::prelude::*;
use simd_json::tape::Value;

use crate::fast;
use crate::parser::{Job, RecordSite};

/// The two record shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// NSG flow log: `properties.flows[].flows[].flowTuples[]`.
    Nsg,
    /// VNet flow log: `flowRecords.flows[].flowGroups[].flowTuples[]`.
    Vnet,
}

/// Values shared by every tuple of a record.
pub(crate) struct RecordCtx<'a> {
    pub family: Family,
    pub version: Option<&'a str>,
    pub category: Option<&'a str>,
    pub operation: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub rid: &'a ResourceIdParts,
    pub site: RecordSite,
    /// Address of the scratch copy of the record, for tuple offsets.
    pub addr: BufAddr,
}

/// Values shared by the tuples of one rule (NSG: rule + NIC; VNet: ACL + rule group).
pub(crate) struct GroupCtx<'a> {
    pub rule: Option<&'a str>,
    /// Normalised MAC.
    pub mac: Option<&'a str>,
    /// The `extra` text for this group's tuples (empty for null).
    pub extra: &'a str,
    /// Indexes of the two enclosing arrays, for `json_path`.
    pub path: (usize, usize),
}

/// Where a tuple sits in its record.
#[derive(Clone, Copy)]
pub(crate) struct TupleSite {
    /// Index in its `flowTuples` array.
    pub index: usize,
    /// Ordinal within the record across nested arrays.
    pub item: u32,
}

/// Field layouts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    V1,
    V2,
    Vnet,
}

/// Names under which a tuple field is kept in `extra.tuple` when no column reproduces it.
const NSG_KEYS: [&str; 13] = [
    "timestamp",
    "srcIp",
    "dstIp",
    "srcPort",
    "dstPort",
    "protocol",
    "direction",
    "decision",
    "state",
    "packetsSrcToDst",
    "bytesSrcToDst",
    "packetsDstToSrc",
    "bytesDstToSrc",
];
const VNET_KEYS: [&str; 13] = [
    "timestamp",
    "srcIp",
    "dstIp",
    "srcPort",
    "dstPort",
    "protocol",
    "direction",
    "state",
    "encryption",
    "packetsSrcToDst",
    "bytesSrcToDst",
    "packetsDstToSrc",
    "bytesDstToSrc",
];

/// The columns every tuple of a group shares, held from its first tuple (see
/// [`BatchBuilder::row_holding`]).
const HELD: u64 = mask(&[
    col::log_family,
    col::format_version,
    col::category,
    col::operation,
    col::ocsf_class_uid,
    col::rule_name,
    col::nic_mac,
    col::resource_id,
    col::subscription_id,
    col::resource_group,
    col::resource_type,
    col::resource_name,
    col::source_file,
    col::record_index,
]);
/// `extra`, held with them while a tuple adds nothing to its group's text.
const EXTRA: u64 = mask(&[col::extra]);

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Buffers reused for every tuple.
#[derive(Default)]
pub(crate) struct TupleScratch {
    src: String,
    dst: String,
    extra: String,
    path: String,
    issues: Vec<&'static str>,
    /// Field indexes kept verbatim in `extra`.
    kept: Vec<usize>,
}

/// The tuple's bytes between its quotes in `input`, found from the string's position in the
/// scratch copy of the record.
fn locate(s: &str, rec: &RecordCtx<'_>, input: &[u8]) -> Span {
    let Some(off) = rec.addr.offset_of(s) else {
        return rec.site.span;
    };
    let start = rec.site.span.start + off;
    let end = start + s.len();
    if input.get(start..end) == Some(s.as_bytes()) && input.get(end) == Some(&b'"') {
        return Span { start, end };
    }
    // The string held escapes: find its closing quote in the source.
    let mut p = start;
    while let Some(k) = input.get(p..).and_then(|r| memchr::memchr2(b'"', b'\\', r)) {
        let j = p + k;
        if input.get(j) == Some(&b'"') {
            return Span { start, end: j };
        }
        p = j + 2;
    }
    Span {
        start,
        end: rec.site.span.end,
    }
}

fn port(s: &str) -> Result<Option<i32>, ()> {
    if s.is_empty() {
        return Ok(None);
    }
    match fast::digits(s.as_bytes(), 5) {
        Some(p) if p <= 65535 => Ok(Some(p as i32)),
        _ => Err(()),
    }
}

fn counter(s: &str) -> Result<Option<i64>, ()> {
    if s.is_empty() {
        return Ok(None);
    }
    fast::digits(s.as_bytes(), 19)
        .and_then(|v| i64::try_from(v).ok())
        .map(Some)
        .ok_or(())
}

impl TupleScratch {
    /// Converts one tuple value into a row.
    pub(crate) fn write(
        &mut self,
        t: Value<'_, '_>,
        rec: &RecordCtx<'_>,
        group: &GroupCtx<'_>,
        ts: TupleSite,
        job: &mut Job<'_, '_>,
        out: &mut BatchBuilder,
    ) {
        let Self {
            src,
            dst,
            extra,
            path,
            issues,
            kept,
        } = self;
        issues.clear();
        kept.clear();
        let (text, span) = match t.into_string() {
            Some(s) => (s, locate(s, rec, job.input)),
            None => {
                issues.push("tuple_not_string");
                ("", rec.site.span)
            }
        };

        // Split on every `,`; empty fields are fields.
        let mut f: [&str; 13] = [""; 13];
        let mut cuts = [0usize; 13];
        let commas = fast::commas(text.as_bytes(), &mut cuts);
        let n = commas + 1;
        let mut start = 0usize;
        for (i, slot) in f.iter_mut().enumerate().take(n) {
            let end = if i < commas { cuts[i] } else { text.len() };
            *slot = text.get(start..end).unwrap_or_default();
            start = end + 1;
        }
        let have = n.min(13);
        let get = |i: usize| (i < have).then(|| f[i]);

        let declared_v1 = rec.version == Some("1");
        let (layout, expected) = match rec.family {
            Family::Vnet => (Layout::Vnet, 13),
            Family::Nsg => {
                let layout = match n {
                    8 => Layout::V1,
                    13 => Layout::V2,
                    _ if declared_v1 => Layout::V1,
                    _ => Layout::V2,
                };
                let expected = match rec.version {
                    Some("1") => 8,
                    Some("2") => 13,
                    _ if n == 8 => 8,
                    _ => 13,
                };
                (layout, expected)
            }
        };
        let field_count_bad = t.as_str().is_some() && n != expected;
        if field_count_bad {
            issues.push("tuple_field_count");
        }

        // Time.
        let time: Option<EventTime> = get(0).and_then(|s| {
            let t = fast::epoch(s.as_bytes());
            if t.is_none() {
                issues.push("time_unparsed");
                kept.push(0);
            }
            t
        });

        // Addresses and ports.
        let src_ip = get(1).and_then(|s| {
            if ip::is_canonical_ipv4(s.as_bytes()) {
                // Canonical already, no port: what `split_ip_port` returns, borrowed.
                return Some(s);
            }
            let r = ip::split_ip_port(s, false, "ip_invalid:src", src);
            if let Some(i) = r.issue {
                issues.push(i);
            }
            if !r.exact || r.port.is_some() {
                kept.push(1);
            }
            r.ip
        });
        let dst_ip = get(2).and_then(|s| {
            if ip::is_canonical_ipv4(s.as_bytes()) {
                // Canonical already, no port: what `split_ip_port` returns, borrowed.
                return Some(s);
            }
            let r = ip::split_ip_port(s, false, "ip_invalid:dst", dst);
            if let Some(i) = r.issue {
                issues.push(i);
            }
            if !r.exact || r.port.is_some() {
                kept.push(2);
            }
            r.ip
        });
        let mut port_of = |i: usize, issue: &'static str| {
            get(i).and_then(|s| match port(s) {
                Ok(p) => p,
                Err(()) => {
                    issues.push(issue);
                    kept.push(i);
                    None
                }
            })
        };
        let src_port = port_of(3, "port_invalid:src");
        let dst_port = port_of(4, "port_invalid:dst");

        // Protocol.
        let mut ip_protocol = None;
        let mut transport = None;
        if let Some(p) = get(5) {
            let letter = vocab::nsg_protocol(p.as_bytes());
            let number = (layout == Layout::Vnet && !p.is_empty() && p.len() <= 3)
                .then(|| p.parse::<i16>().ok())
                .flatten()
                .filter(|n| (0..=255).contains(n) && p.bytes().all(|b| b.is_ascii_digit()));
            match (letter, number) {
                (Some((n, k)), _) => {
                    ip_protocol = Some(n);
                    transport = Some(k);
                }
                (None, Some(n)) => {
                    ip_protocol = Some(n);
                    transport = vocab::iana_keyword(n);
                }
                (None, None) => {
                    issues.push("unknown_protocol_code");
                    kept.push(5);
                }
            }
        }
        // Direction.
        let direction = get(6).and_then(|d| {
            let v = vocab::direction(d.as_bytes());
            if v.is_none() {
                issues.push("unknown_direction_code");
                kept.push(6);
            }
            v
        });
        // Decision and state.
        let mut action = None;
        let mut state = None;
        let mut encryption = None;
        match layout {
            Layout::V1 | Layout::V2 => {
                action = get(7).and_then(|d| {
                    let v = vocab::decision(d.as_bytes());
                    if v.is_none() {
                        issues.push("unknown_decision_code");
                        kept.push(7);
                    }
                    v
                });
                if layout == Layout::V2 {
                    state = get(8).and_then(|s| {
                        let v = vocab::flow_state(s.as_bytes(), false);
                        if v.is_none() {
                            issues.push("unknown_flow_state");
                            kept.push(8);
                        }
                        v
                    });
                }
            }
            Layout::Vnet => {
                if let Some(s) = get(7) {
                    state = vocab::flow_state(s.as_bytes(), true);
                    match state {
                        Some("deny") => action = Some("deny"),
                        Some(_) => action = Some("allow"),
                        None => {
                            issues.push("unknown_flow_state");
                            kept.push(7);
                        }
                    }
                }
                encryption = get(8).filter(|e| !e.is_empty());
            }
        }
        // Counters: packets src→dst, bytes src→dst, packets dst→src, bytes dst→src.
        let mut counts = [None; 4];
        if layout != Layout::V1 {
            for (c, slot) in counts.iter_mut().enumerate() {
                let i = 9 + c;
                if let Some(s) = get(i) {
                    match counter(s) {
                        Ok(v) => *slot = v,
                        Err(()) => {
                            if !issues.contains(&"counter_invalid") {
                                issues.push("counter_invalid");
                            }
                            kept.push(i);
                        }
                    }
                }
            }
        }

        // extra: the group's text plus the tuple fields no column reproduces.
        let extra_text: &str = if kept.is_empty() {
            group.extra
        } else {
            let keys = if layout == Layout::Vnet {
                &VNET_KEYS
            } else {
                &NSG_KEYS
            };
            extra.clear();
            match group.extra.strip_suffix('}') {
                Some(body) => {
                    extra.push_str(body);
                    extra.push(',');
                }
                None => extra.push('{'),
            }
            extra.push_str("\"tuple\":{");
            for (x, &i) in kept.iter().enumerate() {
                if x > 0 {
                    extra.push(',');
                }
                push_json_string(extra, keys.get(i).copied().unwrap_or("field"));
                extra.push(':');
                push_json_string(extra, f.get(i).copied().unwrap_or_default());
            }
            extra.push_str("}}");
            extra
        };

        // Provenance.
        let origin = job.origin;
        let prov = Provenance {
            offset: job.file_offset(span.start),
            length: span.len() as u64,
            line: job.line_of(span.start),
            record_index: rec.site.index,
            item_index: Some(ts.item),
        };
        let json_path = origin.json_path.then(|| {
            path.clear();
            if rec.site.in_array {
                let _ = write!(path, "$.records[{}]", rec.site.index);
            } else {
                path.push('$');
            }
            let (i, j) = group.path;
            let _ = match rec.family {
                Family::Nsg => write!(
                    path,
                    ".properties.flows[{i}].flows[{j}].flowTuples[{}]",
                    ts.index
                ),
                Family::Vnet => write!(
                    path,
                    ".flowRecords.flows[{i}].flowGroups[{j}].flowTuples[{}]",
                    ts.index
                ),
            };
            path.as_str()
        });
        let raw = (origin.keep_raw || field_count_bad).then(|| span.slice(job.input));

        // The columns the record and the group give every tuple are written with the group's
        // first tuple and held for the others (`row_holding`), which write only what varies.
        // `extra` is held too while the tuples add nothing to it. A batch cut (or any other
        // row) ends the hold; the next tuple then writes everything again.
        let held = out.held();
        let extra_held = held & EXTRA != 0;
        let cont = ts.index > 0 && held != 0 && (kept.is_empty() || !extra_held);
        let extra_value = (!extra_text.is_empty()).then_some(extra_text);
        let mut r = if cont { out.row_holding() } else { out.row() };
        r.time(time)
            .src_ip(src_ip)
            .src_port(src_port)
            .dst_ip(dst_ip)
            .dst_port(dst_port)
            .ip_protocol(ip_protocol)
            .network_transport(transport)
            .network_direction(direction)
            .action(action)
            .flow_state(state)
            .flow_encryption(encryption)
            .src_packets(counts[0])
            .src_bytes(counts[1])
            .dst_packets(counts[2])
            .dst_bytes(counts[3])
            .parse_issues((!issues.is_empty()).then_some(&issues[..]))
            .json_path(json_path)
            .raw(raw)
            .source_offset(clamp(prov.offset))
            .source_length(i32::try_from(prov.length).unwrap_or(i32::MAX))
            .source_line(clamp(prov.line))
            .item_index(i32::try_from(ts.item).unwrap_or(i32::MAX));
        if cont {
            if !extra_held {
                r.extra(extra_value);
            }
        } else {
            let family = match rec.family {
                Family::Nsg => "nsg_flow",
                Family::Vnet => "vnet_flow",
            };
            r.extra(extra_value)
                .log_family(family)
                .format_version(rec.version)
                .category(rec.category)
                .operation(rec.operation)
                .ocsf_class_uid(4001)
                .rule_name(group.rule)
                .nic_mac(group.mac)
                .resource_id(rec.resource_id)
                .subscription_id(rec.rid.subscription())
                .resource_group(rec.rid.resource_group())
                .resource_type(rec.rid.resource_type())
                .resource_name(rec.rid.resource_name())
                .source_file(origin.source_file)
                .record_index(clamp(prov.record_index))
                .hold(if kept.is_empty() { HELD | EXTRA } else { HELD });
        }
        drop(r);
        job.stats.records_read += 1;
        job.stats.rows += 1;
    }
}
