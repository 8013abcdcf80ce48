//! A stable text dump of batches for golden tests: one row per line, non-null columns only,
//! `name=value` in schema order. Strings are written as JSON string literals, binary as hex.

use std::fmt::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use crate::push_json_string;
use crate::time::{EventTime, civil_from_days};

/// Renders a microsecond timestamp as `YYYY-MM-DDThh:mm:ss.ffffffZ`.
pub fn format_micros(micros: i64) -> String {
    let t = EventTime {
        micros,
        extra_ns: 0,
    };
    let secs = t.micros.div_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        t.micros.rem_euclid(1_000_000)
    )
}

/// Renders the value at `row` of `array` as dump text, or `None` for null.
pub fn value_text(array: &dyn Array, row: usize) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    let mut s = String::new();
    match array.data_type() {
        DataType::Timestamp(_, _) => {
            s = format_micros(array.as_primitive::<TimestampMicrosecondType>().value(row))
        }
        DataType::Int16 => s = array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => s = array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => s = array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::Utf8 => push_json_string(&mut s, array.as_string::<i32>().value(row)),
        DataType::Dictionary(_, _) => {
            let d = array.as_dictionary::<Int32Type>();
            let key = d.keys().value(row) as usize;
            push_json_string(&mut s, d.values().as_string::<i32>().value(key));
        }
        DataType::Binary => {
            for b in array.as_binary::<i32>().value(row) {
                let _ = write!(s, "{b:02x}");
            }
        }
        DataType::List(_) => {
            let l = array.as_list::<i32>().value(row);
            let l = l.as_string::<i32>();
            s.push('[');
            for i in 0..l.len() {
                if i > 0 {
                    s.push(',');
                }
                push_json_string(&mut s, l.value(i));
            }
            s.push(']');
        }
        other => s = format!("<{other}>"),
    }
    Some(s)
}

/// Dumps every row of every batch, one line each.
pub fn dump_batches(batches: &[RecordBatch]) -> String {
    let mut out = String::new();
    for b in batches {
        let schema = b.schema();
        for row in 0..b.num_rows() {
            let mut first = true;
            for (i, f) in schema.fields().iter().enumerate() {
                if let Some(v) = value_text(b.column(i).as_ref(), row) {
                    if !first {
                        out.push(' ');
                    }
                    first = false;
                    let _ = write!(out, "{}={v}", f.name());
                }
            }
            out.push('\n');
        }
    }
    out
}
