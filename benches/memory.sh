#!/usr/bin/env bash
# Peak memory of a conversion as the input grows: generates dumps of increasing size with
# azlog-gen and converts each with azlog, printing wall time, MB/s, peak RSS and the peak of live
# heap bytes (a second run of a build with --features alloc-stats). The claim being checked: the
# memory a conversion holds is set by threads x chunk size + writer buffers, not by input size.
#
#   benches/memory.sh                      # storage: 1 GB and 10 GB; activity: 1 GB and 4 GB
#   MEMORY_SIZES="200MB 2GB" MEMORY_FAMILIES=storage benches/memory.sh
#   MEMORY_FILE_SIZE=256KiB MEMORY_SIZES=300MB benches/memory.sh   # small blobs: many days per segment
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${MEMORY_SIZES:-"1GB 10GB"}
FAMILIES=${MEMORY_FAMILIES:-"storage activity"}
THREADS=${MEMORY_THREADS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/azlog-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The same binary with a live-heap counter (--features alloc-stats), run a second time for the
# heap column: peak RSS also holds what the allocator keeps after it is freed.
cargo build --release --locked -p azlog --features alloc-stats >&2
cp target/release/azlog "$work/azlog-alloc-stats"
cargo build --release --locked -p azlog -p azlog-gen >&2
printf '%-10s %8s %8s %9s %8s %12s %14s\n' family input threads wall_s MB/s peak_RSS_MiB peak_heap_MiB
for fam in $FAMILIES; do
  for size in $SIZES; do
    rm -rf "$work/in" "$work/out"
    target/release/azlog-gen --out "$work/in" --family "$fam" --size "$size" --seed 7 \
      ${MEMORY_FILE_SIZE:+--file-size "$MEMORY_FILE_SIZE"} >/dev/null 2>&1
    bytes=$(du -sb "$work/in" | cut -f1)
    /usr/bin/time -f '%e %M' -o "$work/time" \
      target/release/azlog convert "$work/in" -o "$work/out" --threads "$THREADS" --quiet --allow-rejects >/dev/null
    read -r wall kb < "$work/time"
    rm -rf "$work/out"
    heap=$("$work/azlog-alloc-stats" convert "$work/in" -o "$work/out" --threads "$THREADS" --quiet \
      --allow-rejects 2>&1 >/dev/null | sed -n 's/^azlog: peak live heap \([0-9]*\) bytes$/\1/p')
    awk -v f="$fam" -v s="$size" -v t="$THREADS" -v w="$wall" -v kb="$kb" -v b="$bytes" -v h="${heap:-0}" \
      'BEGIN { printf "%-10s %8s %8d %9.2f %8.1f %12.1f %14.1f\n", f, s, t, w, b / 1e6 / w, kb / 1024, h / 1048576 }'
  done
done
