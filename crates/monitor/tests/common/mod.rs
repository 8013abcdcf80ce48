//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fmt::Write as _;

use azlog_monitor::MonitorParser;
use azlog_schema::{BatchBuilder, Origin, ParseStats, RecordParser, Reject};

/// Converts `input` as one whole file.
pub(crate) fn convert(
    input: &[u8],
    json_path: bool,
    keep_raw: bool,
) -> (String, Vec<Reject>, ParseStats) {
    let mut origin = Origin::whole_file("case");
    origin.json_path = json_path;
    origin.keep_raw = keep_raw;
    let mut p = MonitorParser::new();
    let mut out = BatchBuilder::new(7);
    let mut rejects = Vec::new();
    let stats = p.parse(input, &origin, &mut out, &mut rejects);
    let batches = out.take_batches().expect("batches");
    (azlog_schema::dump::dump_batches(&batches), rejects, stats)
}

/// Converts `input` as line-aligned chunks of `lines_per_chunk` lines, one parser reused.
pub(crate) fn convert_chunked(
    input: &[u8],
    lines_per_chunk: usize,
) -> (String, Vec<Reject>, ParseStats) {
    let mut p = MonitorParser::new();
    let mut out = BatchBuilder::new(3);
    let mut rejects = Vec::new();
    let mut stats = ParseStats::default();
    let mut start = 0usize;
    let mut line = 1u64;
    while start < input.len() {
        let mut end = start;
        let mut n = 0;
        while end < input.len() && n < lines_per_chunk {
            end = memchr_nl(input, end).map_or(input.len(), |k| k + 1);
            n += 1;
        }
        let origin = Origin {
            source_file: "case",
            base_offset: start as u64,
            first_line: line,
            first_record: line - 1,
            at_eof: end == input.len(),
            keep_raw: false,
            json_path: true,
            within_records: false,
        };
        stats.add(&p.parse(&input[start..end], &origin, &mut out, &mut rejects));
        line += n as u64;
        start = end;
    }
    let batches = out.take_batches().expect("batches");
    (azlog_schema::dump::dump_batches(&batches), rejects, stats)
}

fn memchr_nl(b: &[u8], from: usize) -> Option<usize> {
    b[from..].iter().position(|&c| c == b'\n').map(|k| from + k)
}

/// The golden text: the rows' dump, then one line per reject.
pub(crate) fn golden_text(dump: &str, rejects: &[Reject], stats: &ParseStats) -> String {
    let mut s = String::new();
    s.push_str(dump);
    for r in rejects {
        let mut raw = String::new();
        azlog_schema::push_json_string(&mut raw, &String::from_utf8_lossy(&r.raw));
        let _ = writeln!(
            s,
            "reject offset={} length={} line={} record_index={} reason={} detail={:?} raw={}",
            r.offset, r.length, r.line, r.record_index, r.reason, r.detail, raw
        );
    }
    let _ = writeln!(
        s,
        "stats records_read={} rows={} rejected={}",
        stats.records_read, stats.rows, stats.rejected
    );
    s
}

/// Checks the round-trip rule (schema.md §2 rule 3) for one record and its row: every source
/// leaf (scalars; arrays count as one leaf) is either found unchanged at the same path in
/// `extra`, or its text equals the text of one of the row's columns. Returns the leaves that
/// are neither.
pub(crate) fn lost_leaves(
    source: &[u8],
    batch: &arrow_array::RecordBatch,
    row: usize,
) -> Vec<String> {
    use simd_json::prelude::*;
    let mut src = source.to_vec();
    let Ok(src) = simd_json::to_owned_value(&mut src) else {
        return vec!["<source does not parse>".into()];
    };
    let columns = column_texts(batch, row);
    let extra = columns
        .iter()
        .find(|(n, _)| n == "extra")
        .map(|(_, v)| v.clone());
    let extra = extra.and_then(|e| {
        let mut b = e.into_bytes();
        simd_json::to_owned_value(&mut b).ok()
    });
    let mut lost = Vec::new();
    let mut path = Vec::new();
    walk(&src, &mut path, &mut |path, leaf| {
        let in_extra = extra
            .as_ref()
            .and_then(|e| at_path(e, path))
            .is_some_and(|v| v == leaf);
        if in_extra {
            return;
        }
        let text = match leaf {
            simd_json::OwnedValue::String(s) => Some(s.to_string()),
            v if v.is_i64() || v.is_u64() => Some(v.to_string()),
            _ => None,
        };
        let in_column = text.as_ref().is_some_and(|t| {
            columns
                .iter()
                .any(|(n, c)| !DERIVED_ONLY.contains(&n.as_str()) && c == t)
        });
        if !in_column {
            lost.push(format!("{} = {}", path.join("."), leaf.encode()));
        }
    });
    lost
}

/// Columns that never hold a source value (provenance, codes computed by the parser).
const DERIVED_ONLY: &[&str] = &[
    "extra",
    "raw",
    "json_path",
    "source_file",
    "source_offset",
    "source_length",
    "source_line",
    "record_index",
    "item_index",
    "event_time_extra_ns",
    "log_family",
    "ocsf_class_uid",
    "outcome",
];

fn walk(
    v: &simd_json::OwnedValue,
    path: &mut Vec<String>,
    f: &mut impl FnMut(&[String], &simd_json::OwnedValue),
) {
    match v {
        simd_json::OwnedValue::Object(o) if !o.is_empty() => {
            for (k, v) in o.iter() {
                path.push(k.to_string());
                walk(v, path, f);
                path.pop();
            }
        }
        other => f(path, other),
    }
}

fn at_path<'v>(v: &'v simd_json::OwnedValue, path: &[String]) -> Option<&'v simd_json::OwnedValue> {
    use simd_json::prelude::*;
    path.iter()
        .try_fold(v, |v, k| v.as_object()?.get(k.as_str()))
}

/// Every non-null column of a row as plain text: strings unquoted, integers in decimal,
/// `event_time` in the canonical 7-digit form Azure writes.
pub(crate) fn column_texts(batch: &arrow_array::RecordBatch, row: usize) -> Vec<(String, String)> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
    let schema = batch.schema();
    let mut out = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        let a = batch.column(i);
        if a.is_null(row) {
            continue;
        }
        let text = if let Some(s) = a.as_string_opt::<i32>() {
            s.value(row).to_string()
        } else if let Some(d) = a.as_dictionary_opt::<Int32Type>() {
            let k = d.keys().value(row) as usize;
            d.values().as_string::<i32>().value(k).to_string()
        } else if let Some(p) = a.as_primitive_opt::<Int16Type>() {
            p.value(row).to_string()
        } else if let Some(p) = a.as_primitive_opt::<Int32Type>() {
            p.value(row).to_string()
        } else if let Some(p) = a.as_primitive_opt::<Int64Type>() {
            p.value(row).to_string()
        } else if let Some(p) = a.as_primitive_opt::<TimestampMicrosecondType>() {
            let micros = p.value(row);
            let ns = batch
                .column(azlog_schema::col::event_time_extra_ns)
                .as_primitive::<Int16Type>()
                .value(row);
            let mut s = String::new();
            azlog_schema::time::write_iso7(
                azlog_schema::EventTime {
                    micros,
                    extra_ns: ns,
                },
                &mut s,
            );
            s
        } else {
            continue;
        };
        out.push((field.name().clone(), text));
    }
    // `ip:port` is rendered from two columns.
    let get = |n: &str| out.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    if let (Some(ip), Some(port)) = (get("src_ip"), get("src_port")) {
        let joined = if ip.contains(':') {
            format!("[{ip}]:{port}")
        } else {
            format!("{ip}:{port}")
        };
        out.push(("src_ip+src_port".into(), joined));
    }
    out
}
