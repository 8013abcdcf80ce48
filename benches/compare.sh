#!/usr/bin/env bash
# Side-by-side benchmark: azlog vs DuckDB vs Polars on the same generated Azure log dumps.
#
#   benches/compare.sh                      # ~500 MB per family, 3 rounds, all families
#   COMPARE_MB=50 benches/compare.sh        # quick run
#
# Knobs (environment):
#   COMPARE_MB        MB generated per family (default 500)
#   COMPARE_FAMILIES  comma list of storage,nsg,vnet,activity,resource (default: all five)
#   COMPARE_ROUNDS    alternating rounds per family (default 3)
#   COMPARE_SEED      generator seed (default 1)
#   COMPARE_FILE_MB   target size of one generated blob in MB (default 16)
#   COMPARE_THREADS   threads for azlog and DuckDB (default 0 = all cores)
#   COMPARE_KEEP=1    keep target/compare/<run>/ (generated data, logs) instead of deleting it
#
# Installs DuckDB, Polars and pyarrow into .ci/.tools/bench-venv (git-ignored), builds azlog and
# azlog-gen in release mode into target/, generates the corpus, alternates runs (azlog, duckdb,
# polars, azlog, ...) and prints median wall time, MB/s, peak RSS and the ratio tool/azlog per
# family. Exits non-zero when a tool's row count differs from azlog's rows_written.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${COMPARE_MB:-500}
FAMILIES=${COMPARE_FAMILIES:-storage,nsg,vnet,activity,resource}
ROUNDS=${COMPARE_ROUNDS:-3}
SEED=${COMPARE_SEED:-1}
FILE_MB=${COMPARE_FILE_MB:-16}
export COMPARE_THREADS=${COMPARE_THREADS:-0}

say() { printf '\n### %s\n' "$*"; }
die() { printf 'compare.sh: error: %s\n' "$*" >&2; exit 2; }

[[ $MB =~ ^[0-9]+$ && $MB -gt 0 ]] || die "COMPARE_MB must be a positive integer (got '$MB')"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -gt 0 ]] || die "COMPARE_ROUNDS must be a positive integer"
for f in ${FAMILIES//,/ }; do
  case $f in storage|nsg|vnet|activity|resource) ;; *) die "unknown family '$f' in COMPARE_FAMILIES";; esac
done
command -v python3 >/dev/null || die "python3 is required"
command -v cargo >/dev/null || die "cargo is required"

# 1. Tools: a private venv with pinned DuckDB and pyarrow and the current Polars.
VENV=.ci/.tools/bench-venv
if [[ ! -x $VENV/bin/python ]]; then
  say "creating $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import duckdb, polars, pyarrow; assert duckdb.__version__ == "2.0.0" and pyarrow.__version__ == "26.0.1"' 2>/dev/null; then
  say "installing duckdb==2.0.0 polars pyarrow==26.0.1 into $VENV"
  "$VENV/bin/pip" install -q duckdb==2.0.0 polars pyarrow==26.0.1
fi
PY=$VENV/bin/python
VERSIONS=$("$PY" -c 'import duckdb, polars, pyarrow; print(f"duckdb {duckdb.__version__}, polars {polars.__version__}, pyarrow {pyarrow.__version__}")')

# 2. Build (default target dir: what users get).
say "building azlog and azlog-gen (release)"
cargo build --release --locked -p azlog -p azlog-gen
TARGET_DIR=${CARGO_TARGET_DIR:-target}
AZLOG=$TARGET_DIR/release/azlog
GEN=$TARGET_DIR/release/azlog-gen
[[ -x $AZLOG && -x $GEN ]] || die "release binaries not found in $TARGET_DIR/release"

# 3. Corpus, in a temporary directory under target/compare/ (removed on exit).
mkdir -p target/compare
RUN=$(mktemp -d target/compare/run.XXXXXX)
RUN=$(cd "$RUN" && pwd)
cleanup() {
  if [[ ${COMPARE_KEEP:-0} == 1 ]]; then echo "kept $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
say "generating ${MB} MB per family (seed $SEED, ${FILE_MB} MB blobs) into $RUN/data"
for f in ${FAMILIES//,/ }; do
  "$GEN" --out "$RUN/data/$f" --family "$f" --size "${MB}MB" --file-size "${FILE_MB}MB" \
    --seed "$SEED" --json | tee -a "$RUN/gen.jsonl"
done

# 4. Alternating runs and the table.
say "machine: $(nproc) cores, $(uname -sr); $VERSIONS; azlog $("$AZLOG" --version | awk '{print $2}')"
echo "timing: $( [[ -x /usr/bin/time ]] && echo '/usr/bin/time -v' || echo 'wait4 rusage') per run; threads: $COMPARE_THREADS (0 = all)"
mkdir -p "$RUN/work"
rc=0
"$PY" benches/compare.py run --azlog "$AZLOG" --data "$RUN/data" --work "$RUN/work" \
  --families "$FAMILIES" --rounds "$ROUNDS" --gen-report "$RUN/gen.jsonl" || rc=$?
exit $rc
