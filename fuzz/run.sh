#!/usr/bin/env bash
# Builds the fuzz targets and runs each one for SECONDS (default 60), one after the other, on
# one core each, seeded from testdata/ (seed.sh). Prints libFuzzer's executions per target and
# any crash; exits 1 if a target crashed. Crash inputs land in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Uses the nightly toolchain with AddressSanitizer when `cargo +nightly` works here, else the
# stable toolchain without a sanitizer (`cargo fuzz build -s none`). Installs cargo-fuzz if it
# is missing. FUZZ_SANITIZER=none forces the stable build.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install --locked cargo-fuzz || exit 1
fi

triple=$(rustc -vV | sed -n 's/^host: //p')
if [ "${FUZZ_SANITIZER:-}" != none ] && cargo +nightly --version >/dev/null 2>&1; then
  build=(cargo +nightly fuzz build -O)
  how="nightly, AddressSanitizer"
else
  build=(cargo fuzz build -O -s none)
  how="stable, no sanitizer"
fi

# monitor_lines needs crates/monitor, which may be mid-change: build it when it compiles.
mkdir -p target
features=()
if "${build[@]}" --features monitor >target/build.log 2>&1; then
  features=(--features monitor)
  targets=(storage_lines flow_document json_framing monitor_lines engine_units)
else
  echo "== crates/monitor does not build (see fuzz/target/build.log); monitor_lines is left out"
  if ! "${build[@]}" >target/build.log 2>&1; then
    cat target/build.log
    echo "== build failed"
    exit 1
  fi
  targets=(storage_lines flow_document json_framing engine_units)
fi
[ $# -gt 0 ] && targets=("$@")
echo "== built ($how): ${targets[*]}"

./seed.sh >/dev/null
bin=target/$triple/release
status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "artifacts/$t" "corpus/$t"
  log=artifacts/$t/last-run.log
  echo "== $t: ${secs}s"
  # One process, one core (no -jobs/-workers forks). Crashes are written as artifacts.
  "$bin/$t" "corpus/$t" -max_total_time="$secs" -max_len=65536 -timeout=60 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  if [ $rc -ne 0 ]; then
    status=1
    tail -40 "$log"
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    summary+=("$(printf '%-16s CRASH (exit %d) after %s runs: %s' "$t" "$rc" "${runs:-?}" "${crash:-see $log}")")
  else
    summary+=("$(printf '%-16s ok: %s runs in %s s' "$t" "${runs:-?}" "${took:-$secs}")")
  fi
done
echo "== summary ($how)"
printf '%s\n' "${summary[@]}"
exit $status
