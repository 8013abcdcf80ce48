//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use azlog_flow::FlowParser;
use azlog_schema::{BatchBuilder, Origin, ParseStats, RecordParser, Reject, col, dump};
use simd_json::prelude::*;

/// The result of one parse.
pub struct Parsed {
    pub batches: Vec<RecordBatch>,
    pub rejects: Vec<Reject>,
    pub stats: ParseStats,
}

pub fn parse_with(input: &[u8], origin: &Origin<'_>, batch_rows: usize) -> Parsed {
    let mut p = FlowParser::new();
    let mut out = BatchBuilder::new(batch_rows);
    let mut rejects = Vec::new();
    let stats = p.parse(input, origin, &mut out, &mut rejects);
    let batches = out.take_batches().expect("batches");
    assert!(stats.reconciles(), "{stats:?}");
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows as u64, stats.rows);
    assert_eq!(rejects.len() as u64, stats.rejected);
    Parsed {
        batches,
        rejects,
        stats,
    }
}

/// Parses `input` the way the engine parses a big document: buffers growing by `chunk` bytes,
/// cut at every record boundary `azlog_json::records_cut` finds, each piece parsed on its own
/// with its offset, line and record ordinal.
pub fn parse_in_pieces(input: &[u8], name: &str, chunk: usize) -> Parsed {
    use azlog_json::{Cut, DEFAULT_MAX_DEPTH, records_cut};
    let mut all = Parsed {
        batches: Vec::new(),
        rejects: Vec::new(),
        stats: ParseStats::default(),
    };
    let mut add = |piece: &[u8], base: usize, record: u64, within: bool, at_eof: bool| {
        let origin = Origin {
            base_offset: base as u64,
            first_line: 1 + input[..base].iter().filter(|&&b| b == b'\n').count() as u64,
            first_record: record,
            at_eof,
            within_records: within,
            json_path: true,
            ..Origin::whole_file(name)
        };
        let p = parse_with(piece, &origin, 1024);
        all.batches.extend(p.batches);
        all.rejects.extend(p.rejects);
        all.stats.add(&p.stats);
    };
    let (mut base, mut record, mut within, mut end, mut never) = (0, 0u64, false, 0, false);
    loop {
        end = (end + chunk).min(input.len());
        if end == input.len() {
            add(&input[base..], base, record, within, true);
            break;
        }
        if never {
            continue;
        }
        match records_cut(&input[base..end], DEFAULT_MAX_DEPTH, within) {
            Cut::At { end: cut, records } => {
                add(&input[base..base + cut], base, record, within, false);
                base += cut;
                record += records as u64;
                within = true;
            }
            Cut::NeedMore => {}
            Cut::Never => never = true,
        }
    }
    all
}

pub fn parse(input: &[u8]) -> Parsed {
    parse_with(input, &Origin::whole_file("t.json"), 1024)
}

/// The golden text: rows, then stats, then rejects.
pub fn render(p: &Parsed) -> String {
    let mut s = dump::dump_batches(&p.batches);
    s.push_str(&format!(
        "--- stats: records_read={} rows={} rejected={}\n",
        p.stats.records_read, p.stats.rows, p.stats.rejected
    ));
    for r in &p.rejects {
        let mut raw = String::new();
        azlog_schema::push_json_string(&mut raw, &String::from_utf8_lossy(&r.raw));
        s.push_str(&format!(
            "reject offset={} length={} line={} record_index={} reason={} detail={:?} raw={}\n",
            r.offset, r.length, r.line, r.record_index, r.reason, r.detail, raw
        ));
    }
    s
}

/// `(source_offset, source_length)` of every row.
pub fn spans(p: &Parsed) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    for b in &p.batches {
        let off = b.column(col::source_offset).as_primitive::<Int64Type>();
        let len = b.column(col::source_length).as_primitive::<Int32Type>();
        for i in 0..b.num_rows() {
            v.push((off.value(i) as usize, len.value(i) as usize));
        }
    }
    v
}

/// Every flow tuple string of a document or JSON Lines input, in order, found with a full
/// JSON parser (independent of the parser under test).
pub fn tuples_independently(input: &[u8]) -> Vec<String> {
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut out = Vec::new();
    let mut whole = body.to_vec();
    match simd_json::to_owned_value(&mut whole) {
        Ok(v) if v.get("records").is_some() => {
            for r in v
                .get("records")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                record_tuples(r, &mut out);
            }
        }
        _ => {
            for line in body.split(|&b| b == b'\n') {
                let mut line = line.to_vec();
                if let Ok(v) = simd_json::to_owned_value(&mut line) {
                    record_tuples(&v, &mut out);
                }
            }
        }
    }
    out
}

fn record_tuples(r: &simd_json::OwnedValue, out: &mut Vec<String>) {
    let arr = |v: Option<&simd_json::OwnedValue>| {
        v.and_then(|v| v.as_array()).cloned().unwrap_or_default()
    };
    if let Some(fr) = r.get("flowRecords") {
        for acl in arr(fr.get("flows")) {
            for g in arr(acl.get("flowGroups")) {
                for t in arr(g.get("flowTuples")) {
                    out.push(t.as_str().unwrap_or_default().to_owned());
                }
            }
        }
    } else if let Some(p) = r.get("properties") {
        for rule in arr(p.get("flows")) {
            for nic in arr(rule.get("flows")) {
                for t in arr(nic.get("flowTuples")) {
                    out.push(t.as_str().unwrap_or_default().to_owned());
                }
            }
        }
    }
}

/// Decodes the JSON string body `raw` (the bytes between the quotes).
pub fn unescape(raw: &[u8]) -> String {
    let mut b = Vec::with_capacity(raw.len() + 2);
    b.push(b'"');
    b.extend_from_slice(raw);
    b.push(b'"');
    simd_json::to_owned_value(&mut b)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
