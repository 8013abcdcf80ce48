#!/usr/bin/env python3
"""Side-by-side benchmark helper for benches/compare.sh: azlog vs DuckDB vs Polars.

Two modes:

  compare.py worker TOOL FAMILY INPUT_DIR OUT_DIR
      Run one tool (duckdb | polars) on one generated family and write ONE zstd Parquet file
      into OUT_DIR. Prints `ROWS <n>` (rows in the Parquet file) on stdout. This is the process
      that gets timed.

  compare.py run --azlog BIN --data DIR --work DIR --families a,b --rounds N
      Orchestrate: for each family, alternate azlog / duckdb / polars runs, measure wall time and
      peak RSS of each run, check row counts, print the table. Exit 1 on a row-count mismatch.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

TOOLS = ["azlog", "duckdb", "polars"]

# How each generated family is found below the data directory (azlog-gen blob layouts).
PATTERNS = {
    "storage": "$logs/**/*.log",
    "nsg": "insights-logs-networksecuritygroupflowevent/**/PT1H.json",
    "vnet": "insights-logs-flowlogflowevent/**/PT1H.json",
    "activity": "insights-activity-logs/**/PT1H.json",
    "resource": "insights-logs-*/**/PT1H.json",
}

NOTES = {
    ("duckdb", "storage"): "read_csv(delim=';', quote='\"', all_varchar, 38 cols, null_padding, no sniffing)",
    ("duckdb", "nsg"): "read_json + unnest records/flows/flows/flowTuples + string_split",
    ("duckdb", "vnet"): "read_json + unnest records/flows/flowGroups/flowTuples + string_split",
    ("duckdb", "activity"): "read_json(format='newline_delimited', union_by_name)",
    ("duckdb", "resource"): "read_json(format='newline_delimited', union_by_name)",
    ("polars", "storage"): "scan_csv(separator=';', quote_char='\"', infer_schema=False, 38 cols)",
    ("polars", "nsg"): "native: scan_ndjson (one blob = one JSON line) + explode nested lists + str.split",
    ("polars", "vnet"): "native: scan_ndjson (one blob = one JSON line) + explode nested lists + str.split",
    ("polars", "activity"): "scan_ndjson(infer_schema_length=None)",
    ("polars", "resource"): "scan_ndjson(infer_schema_length=None, identity read as String)",
}


def family_files(data, family):
    files = sorted(glob.glob(os.path.join(glob.escape(data), PATTERNS[family]), recursive=True))
    if family == "resource":
        files = [f for f in files if "insights-logs-networksecuritygroupflowevent" not in f
                 and "insights-logs-flowlogflowevent" not in f]
    return files


# ----------------------------------------------------------------------------------- workers

def sql_list(files):
    return "[" + ",".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


NSG_TYPE = (
    'STRUCT("time" VARCHAR, "systemId" VARCHAR, "macAddress" VARCHAR, "category" VARCHAR, '
    '"resourceId" VARCHAR, "operationName" VARCHAR, "properties" STRUCT("Version" INTEGER, '
    '"flows" STRUCT("rule" VARCHAR, "flows" STRUCT("mac" VARCHAR, "flowTuples" VARCHAR[])[])[]))[]'
)
VNET_TYPE = (
    'STRUCT("time" VARCHAR, "flowLogVersion" INTEGER, "flowLogGUID" VARCHAR, "macAddress" VARCHAR, '
    '"category" VARCHAR, "flowLogResourceID" VARCHAR, "targetResourceID" VARCHAR, '
    '"operationName" VARCHAR, "flowRecords" STRUCT("flows" STRUCT("aclID" VARCHAR, '
    '"flowGroups" STRUCT("rule" VARCHAR, "flowTuples" VARCHAR[])[])[]))[]'
)


def split_cols(n, var="s"):
    return ", ".join(f"{var}[{i}] AS f{i:02d}" for i in range(1, n + 1))


def duckdb_query(family, files):
    fl = sql_list(files)
    # read_json allocates buffers of twice this per thread: 64 MiB covers the 16 MB blobs.
    big = "maximum_object_size=67108864"
    if family == "storage":
        cols = "{" + ", ".join(f"'c{i:02d}': 'VARCHAR'" for i in range(1, 39)) + "}"
        return (f"SELECT * FROM read_csv({fl}, delim=';', header=false, quote='\"', escape='\"', "
                f"all_varchar=true, auto_detect=false, null_padding=true, strict_mode=false, columns={cols})")
    if family == "nsg":
        return f"""
            WITH r AS (SELECT unnest(records) AS rec FROM read_json({fl}, {big},
                       columns={{'records': '{NSG_TYPE}'}})),
            f AS (SELECT rec.time AS time, rec.resourceId AS resource_id,
                         rec.properties."Version" AS version, unnest(rec.properties.flows) AS rf FROM r),
            m AS (SELECT time, resource_id, version, rf.rule AS rule, unnest(rf.flows) AS mf FROM f),
            t AS (SELECT time, resource_id, version, rule, mf.mac AS mac,
                         unnest(mf.flowTuples) AS tuple FROM m)
            SELECT time, resource_id, version, rule, mac, {split_cols(13)}
            FROM (SELECT *, string_split(tuple, ',') AS s FROM t)"""
    if family == "vnet":
        return f"""
            WITH r AS (SELECT unnest(records) AS rec FROM read_json({fl}, {big},
                       columns={{'records': '{VNET_TYPE}'}})),
            a AS (SELECT rec.time AS time, rec.macAddress AS mac, rec.flowLogResourceID AS flow_log,
                         unnest(rec.flowRecords.flows) AS acl FROM r),
            g AS (SELECT time, mac, flow_log, acl.aclID AS acl_id, unnest(acl.flowGroups) AS grp FROM a),
            t AS (SELECT time, mac, flow_log, acl_id, grp.rule AS rule, unnest(grp.flowTuples) AS tuple FROM g)
            SELECT time, mac, flow_log, acl_id, rule, {split_cols(13)}
            FROM (SELECT *, string_split(tuple, ',') AS s FROM t)"""
    return (f"SELECT * FROM read_json({fl}, format='newline_delimited', union_by_name=true, "
            f"sample_size=-1, {big})")


def run_duckdb(family, files, out):
    import duckdb

    con = duckdb.connect()
    threads = os.environ.get("COMPARE_THREADS")
    if threads and threads != "0":
        con.execute(f"SET threads={int(threads)}")
    q = duckdb_query(family, files)
    target = out.replace("'", "''")
    con.execute(f"COPY ({q}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")


def run_polars(family, files, out):
    import polars as pl

    if family == "storage":
        schema = {f"c{i:02d}": pl.String for i in range(1, 39)}
        lf = pl.scan_csv(files, separator=";", has_header=False, quote_char='"',
                         infer_schema=False, schema=schema, truncate_ragged_lines=True,
                         missing_columns="insert")
    elif family in ("nsg", "vnet"):
        lf = pl.scan_ndjson(files, infer_schema_length=None)
        lf = lf.select(pl.col("records")).explode("records").unnest("records")
        if family == "nsg":
            lf = (lf.select(pl.col("time"), pl.col("resourceId"),
                            pl.col("properties").struct.field("Version").alias("version"),
                            pl.col("properties").struct.field("flows").alias("rf"))
                  .explode("rf")
                  .with_columns(pl.col("rf").struct.field("rule").alias("rule"),
                                pl.col("rf").struct.field("flows").alias("mf"))
                  .drop("rf").explode("mf")
                  .with_columns(pl.col("mf").struct.field("mac").alias("mac"),
                                pl.col("mf").struct.field("flowTuples").alias("tuple"))
                  .drop("mf"))
        else:
            lf = (lf.select(pl.col("time"), pl.col("macAddress"), pl.col("flowLogResourceID"),
                            pl.col("flowRecords").struct.field("flows").alias("acl"))
                  .explode("acl")
                  .with_columns(pl.col("acl").struct.field("aclID").alias("acl_id"),
                                pl.col("acl").struct.field("flowGroups").alias("grp"))
                  .drop("acl").explode("grp")
                  .with_columns(pl.col("grp").struct.field("rule").alias("rule"),
                                pl.col("grp").struct.field("flowTuples").alias("tuple"))
                  .drop("grp"))
        # explode() turns an empty list into one null row: drop those (a rule with "flows": []).
        lf = (lf.explode("tuple").filter(pl.col("tuple").is_not_null())
              .with_columns(pl.col("tuple").str.split(",").alias("s"))
              .with_columns([pl.col("s").list.get(i, null_on_oob=True).alias(f"f{i + 1:02d}")
                             for i in range(13)])
              .drop("s", "tuple"))
    elif family == "resource":
        # `identity` is an object in Key Vault/storage records and a plain string in SignInLogs
        # (formats.md 5.3): Polars cannot build one column from both, so read it as JSON text.
        lf = pl.scan_ndjson(files, infer_schema_length=None, schema_overrides={"identity": pl.String})
    else:
        lf = pl.scan_ndjson(files, infer_schema_length=None)
    lf.sink_parquet(out, compression="zstd")


def worker(tool, family, data, outdir):
    files = family_files(data, family)
    if not files:
        sys.exit(f"compare.py: no {family} files under {data}")
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, f"{family}.parquet")
    {"duckdb": run_duckdb, "polars": run_polars}[tool](family, files, out)
    import pyarrow.parquet as pq

    print(f"ROWS {pq.ParquetFile(out).metadata.num_rows}")


# ------------------------------------------------------------------------------- orchestrator

TIME_V = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def measure(cmd, log):
    """Runs cmd; returns (wall seconds, peak RSS in MiB, exit code, stdout)."""
    with open(log, "w") as err:
        if TIME_V:
            full = [TIME_V, "-v"] + cmd
        else:
            full = cmd
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    rss_kib = usage.ru_maxrss
    if TIME_V:
        with open(log, errors="replace") as f:
            for line in f:
                if "Maximum resident set size" in line:
                    rss_kib = int(line.rsplit(":", 1)[1])
    return wall, rss_kib / 1024.0, p.returncode, out.decode(errors="replace")


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            lines = [ln for ln in f if not ln.startswith("\t")]
        return "".join(lines[-n:])
    except OSError:
        return ""


def orchestrate(a):
    families = [f for f in a.families.split(",") if f]
    gen = {}
    if a.gen_report and os.path.exists(a.gen_report):
        with open(a.gen_report) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    gen[r["family"]] = r
    py = sys.executable
    me = os.path.abspath(__file__)
    results = []  # (family, mb, tool, median, mbps, rss, ratio, note)
    failures = []
    skipped = []
    for fam in families:
        data = os.path.join(a.data, fam)
        files = family_files(data, fam)
        if not files:
            failures.append(f"{fam}: no generated files under {data}")
            continue
        mb = sum(os.path.getsize(f) for f in files) / 1e6
        print(f"== {fam}: {len(files)} files, {mb:.1f} MB, {a.rounds} rounds", flush=True)
        times = {t: [] for t in TOOLS}
        rss = {t: [] for t in TOOLS}
        rows = {}
        azlog_skip = None
        broken = set()
        for rnd in range(a.rounds):
            for tool in TOOLS:
                if tool in broken:
                    continue
                out = os.path.join(a.work, f"{fam}-{tool}-{rnd}")
                shutil.rmtree(out, ignore_errors=True)
                log = os.path.join(a.work, f"{fam}-{tool}-{rnd}.log")
                if tool == "azlog":
                    cmd = [a.azlog, "convert", data, "-o", out, "--json", "--quiet",
                           "--allow-rejects", "--compression", "zstd",
                           "--threads", os.environ.get("COMPARE_THREADS", "0")]
                else:
                    cmd = [py, me, "worker", tool, fam, data, out]
                wall, peak, rc, stdout = measure(cmd, log)
                if tool == "azlog" and rc == 1 and stdout.lstrip().startswith("{"):
                    rc = 0  # exit 1 = some inputs failed or were rejected; the summary says which
                if rc != 0:
                    print(f"   {tool} round {rnd + 1}: FAILED (exit {rc}); last lines of {log}:\n"
                          + tail(log), flush=True)
                    failures.append(f"{fam}/{tool}: exit {rc}")
                    broken.add(tool)
                    continue
                if tool == "azlog":
                    s = json.loads(stdout)
                    n = s["rows_written"]
                    if (s.get("files_converted", 0) == 0 or s.get("files_skipped", 0) > 0
                            or s.get("files_failed", 0) > 0):
                        reasons = sorted({f.get("skipped") or f.get("error") or ""
                                          for f in s.get("files", [])
                                          if f.get("skipped") or f.get("error")})
                        azlog_skip = (f"azlog skipped {s.get('files_skipped')} and failed "
                                      f"{s.get('files_failed')} of "
                                      f"{s.get('files_seen')} files: " + "; ".join(reasons)[:300])
                    if s.get("records_rejected"):
                        print(f"   azlog: {s['records_rejected']} records rejected", flush=True)
                else:
                    n = int(stdout.split("ROWS", 1)[1].split()[0])
                if rows.setdefault(tool, n) != n:
                    failures.append(f"{fam}/{tool}: row count changed between rounds")
                times[tool].append(wall)
                rss[tool].append(peak)
                print(f"   round {rnd + 1} {tool:<6} {wall:7.2f} s {peak:8.0f} MiB  rows {n}",
                      flush=True)
                shutil.rmtree(out, ignore_errors=True)
                if azlog_skip:
                    break
            if azlog_skip:
                break
        if azlog_skip:
            print(f"   NOT COMPARED: azlog does not convert this family yet ({azlog_skip})",
                  flush=True)
            skipped.append(fam)
            results.append((fam, mb, "azlog", None, None, None, None, "not converted by azlog yet"))
            continue
        expected = gen.get(fam, {}).get("rows")
        base = rows.get("azlog")
        if base is not None:
            for tool, n in rows.items():
                if n != base:
                    failures.append(f"{fam}: ROW COUNT MISMATCH {tool}={n} azlog={base}")
            if expected is not None and expected != base:
                failures.append(f"{fam}: ROW COUNT MISMATCH azlog={base} generator={expected}")
        az_med = statistics.median(times["azlog"]) if times["azlog"] else None
        for tool in TOOLS:
            if not times[tool]:
                continue
            med = statistics.median(times[tool])
            ratio = med / az_med if az_med else None
            results.append((fam, mb, tool, med, mb / med, max(rss[tool]), ratio,
                            NOTES.get((tool, fam), f"rows {rows.get(tool)}")))
    print()
    print(f"{'family':<9} {'MB':>7} {'tool':<7} {'median s':>9} {'MB/s':>8} {'peak RSS MiB':>13} "
          f"{'ratio':>7}  how")
    print("-" * 110)
    for fam, mb, tool, med, mbps, peak, ratio, note in results:
        if med is None:
            print(f"{fam:<9} {mb:7.1f} {tool:<7} {'-':>9} {'-':>8} {'-':>13} {'-':>7}  {note}")
            continue
        r = f"{ratio:.2f}" if ratio is not None else "-"
        print(f"{fam:<9} {mb:7.1f} {tool:<7} {med:9.2f} {mbps:8.1f} {peak:13.0f} {r:>7}  {note}")
    print("ratio = tool median / azlog median (> 1: azlog is faster). Peak RSS = max over rounds.")
    if skipped:
        print("not compared (azlog skips the files of these families so far): " + ", ".join(skipped))
    if failures:
        print()
        for f in failures:
            print("!!! " + f)
        print("!!! compare: FAILED (see above)")
        return 1
    print("row counts: every tool produced the same number of rows as azlog for every compared family")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    w = sub.add_parser("worker")
    w.add_argument("tool", choices=["duckdb", "polars"])
    w.add_argument("family", choices=list(PATTERNS))
    w.add_argument("data")
    w.add_argument("out")
    r = sub.add_parser("run")
    r.add_argument("--azlog", required=True)
    r.add_argument("--data", required=True)
    r.add_argument("--work", required=True)
    r.add_argument("--families", default="storage,nsg,vnet,activity,resource")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--gen-report", default="")
    a = ap.parse_args()
    if a.mode == "worker":
        worker(a.tool, a.family, a.data, a.out)
        return 0
    return orchestrate(a)


if __name__ == "__main__":
    sys.exit(main())
