//! The output opened by real readers (DuckDB and pyarrow, installed by
//! `scripts/setup-tools.sh`).

use std::process::Command;

use crate::util::*;

fn report(out: &std::path::Path) -> Option<String> {
    let py = interop_python()?;
    let o = Command::new(py)
        .arg(root().join("tests/interop/check_parquet.py"))
        .arg(out)
        .output()
        .expect("python runs");
    assert!(
        o.status.success(),
        "reader failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(String::from_utf8(o.stdout).expect("utf8"))
}

#[test]
fn duckdb_and_pyarrow_read_the_sample_dump() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out");
    let o = azlog(&[
        "convert",
        root().join("testdata/sample-dump").to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(json_int(&summary, "records_rejected"), 0);
    let Some(r) = report(&out) else { return };
    // Row counts per family and date, by DuckDB with Hive partitioning and by pyarrow datasets.
    let counts = concat!(
        r#"[["activity_log", "2024-03-05", 2], ["nsg_flow", "2024-11-18", 4], "#,
        r#"["resource_log", "2024-07-14", 2], ["storage_analytics", "2024-03-05", 9], "#,
        r#"["storage_analytics", "2024-03-06", 1], ["vnet_flow", "2024-07-14", 7]]"#
    );
    assert!(r.contains(&format!("\"duckdb_counts\": {counts}")), "{r}");
    assert!(r.contains(&format!("\"pyarrow_counts\": {counts}")), "{r}");
    assert!(r.contains("\"duckdb_event_date_type\": \"DATE\""), "{r}");
    assert!(
        r.contains("\"duckdb_event_time_type\": \"TIMESTAMP WITH TIME ZONE\""),
        "{r}"
    );
    assert!(
        r.contains("\"pyarrow_event_time_type\": \"timestamp[us, tz=UTC]\""),
        "{r}"
    );
    assert!(r.contains("\"pyarrow_num_columns_in_files\": 62"), "{r}");
    // A decoded URL (entities and the raw ';' inside quotes), its object key.
    assert!(r.contains(r#""url": "https://contosodata.blob.core.windows.net:443/upload/notes;v2 \"final\".txt?sv=2022-11-02&sr=c&sp=cw&se=2024-03-06T00:00:00Z&sig=XXXXX""#), "{r}");
    assert!(
        r.contains(r#""target_object": "/contosodata/upload/notes;v2 \"final\".txt""#),
        "{r}"
    );
    // The IPv6 requester, split from its port.
    assert!(
        r.contains(r#""src_ip": "2001:db8:52::17", "src_port": 61533"#),
        "{r}"
    );
    // The 100 ns digit: 14:59:59.9981002 -> micros .998100 + 200 ns; exact epoch nanoseconds.
    assert!(
        r.contains(r#""epoch_ns": 1709650799998100200, "event_time_extra_ns": 200"#),
        "{r}"
    );
    // Provenance: the first row of the 1500 blob is line 1 at offset 0.
    assert!(r.contains(r#""source_file": "$logs/blob/2024/03/05/1500/000000.log", "source_length": 660, "source_line": 1, "source_offset": 0"#), "{r}");
    // Key-value metadata in the footer.
    for kv in [
        r#""azlog.schema": "azlog.unified""#,
        r#""azlog.schema_version": "1.0.0""#,
        r#""azlog.row_order": "input""#,
        r#""azlog.partition": "family=activity_log/event_date=2024-03-05""#,
    ] {
        assert!(r.contains(kv), "{kv} in {r}");
    }
    assert!(r.contains("\"azlog.inputs\": \"{\\\"count\\\":1,"), "{r}");
}

#[test]
fn rejects_are_readable_and_point_at_their_bytes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = root().join("testdata/storage_analytics/sa7_truncated_last_line.log");
    let out = tmp.path().join("out");
    let o = azlog(&[
        "convert",
        input.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--allow-rejects",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let Some(r) = report(&out) else { return };
    assert!(
        r.contains(r#""rejects": [{"issues": "[truncated]", "raw_len": 186, "source_file": "sa7_truncated_last_line.log", "source_length": 186, "source_line": 2, "source_offset": 556}]"#),
        "{r}"
    );
}
