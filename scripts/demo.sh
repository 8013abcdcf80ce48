#!/usr/bin/env bash
# Converts the bundled sample dump (testdata/sample-dump, in the Azure blob layout) into
# out/sample and shows what landed there, read back with DuckDB.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin azlog
rm -rf out/sample
./target/release/azlog convert testdata/sample-dump -o out/sample
echo
echo "Files written:"
(cd out/sample && find . -type f | sort | sed 's|^\./|  |')
bash scripts/setup-tools.sh >/dev/null
echo
echo "Read back with DuckDB (Hive partitions):"
.ci/.tools/venv/bin/python - <<'PY'
import duckdb
rel = "read_parquet('out/sample/family=*/event_date=*/*.parquet', hive_partitioning = true)"
con = duckdb.connect()
print(con.sql(f"select family, event_date, count(*) as rows from {rel} group by all order by all"))
print(con.sql(f"""select event_time, event_time_extra_ns as ns, operation, outcome, src_ip, src_port,
                         source_file, source_offset as off
                  from {rel} order by source_file, source_offset"""))
PY
