"""Open azlog's Parquet output with real readers (DuckDB and pyarrow) and report what they see.

Usage: check_parquet.py OUT_DIR
Prints one JSON object; the Rust end-to-end tests assert on it. Nothing here decides pass or
fail except a reader error, which exits non-zero.
"""
import json
import sys

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq

out = sys.argv[1]
glob = f"{out}/family=*/event_date=*/*.parquet"
con = duckdb.connect()
rel = f"read_parquet('{glob}', hive_partitioning = true)"

report = {}
report["duckdb_counts"] = [
    [f, str(d), n]
    for f, d, n in con.execute(
        f"select family, event_date, count(*) from {rel} group by all order by all"
    ).fetchall()
]
report["duckdb_event_date_type"] = con.execute(
    f"select typeof(event_date) from {rel} limit 1"
).fetchone()[0]
report["duckdb_event_time_type"] = con.execute(
    f"select typeof(event_time) from {rel} limit 1"
).fetchone()[0]

dataset = ds.dataset(f"{out}", format="parquet", partitioning="hive",
                     exclude_invalid_files=False,
                     ignore_prefixes=["_", ".", "rejects"])
table = dataset.to_table()
counts = {}
for fam, date in zip(table.column("family").to_pylist(), table.column("event_date").to_pylist()):
    key = (str(fam), str(date))
    counts[key] = counts.get(key, 0) + 1
report["pyarrow_counts"] = sorted([list(k) + [v] for k, v in counts.items()])
report["pyarrow_num_columns_in_files"] = len(pq.read_schema(dataset.files[0]))
report["pyarrow_event_time_type"] = str(pq.read_schema(dataset.files[0]).field("event_time").type)


def rows(sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, [None if v is None else (v if isinstance(v, (int, float, str)) else str(v)) for v in r])) for r in cur.fetchall()]


report["by_operation"] = rows(
    f"""select operation, url, target_object, src_ip, src_port, event_time_extra_ns,
               epoch_us(event_time) * 1000 + event_time_extra_ns as epoch_ns,
               source_file, source_offset, source_length, source_line, record_index,
               log_family, user_name, extra
        from {rel} order by source_file, source_offset"""
)
meta = pq.read_metadata(dataset.files[0]).metadata or {}
report["kv_metadata"] = {k.decode(): v.decode() for k, v in meta.items() if not k.startswith(b"ARROW:")}
report["files"] = sorted(f[len(out) + 1:] for f in dataset.files)

rejects = f"{out}/rejects"
try:
    report["rejects"] = rows(
        f"select source_file, source_offset, source_length, source_line, parse_issues::varchar as issues, octet_length(raw) as raw_len "
        f"from read_parquet('{rejects}/family=*/event_date=*/*.parquet', hive_partitioning = true) order by all"
    )
except duckdb.IOException:
    report["rejects"] = []
print(json.dumps(report, sort_keys=True))
