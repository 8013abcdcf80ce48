#!/usr/bin/env bash
# Copies the fixtures under testdata/ into fuzz/corpus/<target>/ as seed corpora (git-ignored).
# Targets that read a selector byte (or two) first get the fixture behind a fixed prefix, so a
# seed starts as the plain fixture.
set -euo pipefail
cd "$(dirname "$0")"
td=../testdata
mkdir -p corpus/storage_lines corpus/flow_document corpus/json_framing corpus/monitor_lines \
  corpus/engine_units

# seed TARGET PREFIX_HEX FILE...: writes PREFIX + FILE under corpus/TARGET/, named after the file.
seed() {
  local target=$1 prefix=$2
  shift 2
  local f n
  for f in "$@"; do
    [ -f "$f" ] || continue
    # Skip anything big: libFuzzer inputs are kept small (-max_len in run.sh).
    [ "$(stat -c %s "$f")" -le 65536 ] || continue
    n=$(printf '%s' "${f#"$td"/}" | tr '/$ ' '___')
    { printf "$prefix"; cat "$f"; } >"corpus/$target/$n"
  done
}

mapfile -t storage < <(find "$td" -type f -name '*.log' | sort)
mapfile -t flow < <(find "$td/nsg_flow" "$td/vnet_flow" -type f \( -name '*.json' -o -name '*.jsonl' \) 2>/dev/null | sort)
mapfile -t monitor < <(find "$td/monitor" -type f \( -name '*.json' -o -name '*.jsonl' \) 2>/dev/null | sort)
mapfile -t hostile < <(find "$td/hostile" -type f 2>/dev/null | sort)

seed storage_lines '\x01' "${storage[@]}" "${hostile[@]}"
seed flow_document '' "${flow[@]}" "${hostile[@]}"
seed json_framing '\x00' "${flow[@]}" "${monitor[@]}" "${hostile[@]}"
seed monitor_lines '' "${monitor[@]}" "${hostile[@]}"
# engine_units: mode byte 0 = plain file; name byte 0 = $logs path, 1 = flow path, 2 = monitor.
seed engine_units '\x00\x00' "${storage[@]}"
seed engine_units '\x00\x01' "${flow[@]}"
seed engine_units '\x00\x02' "${monitor[@]}"
# ... and a few wrapped: 1 = gzip, 3 = zip, 4 = zip with hostile member names.
seed engine_units '\x01\x00' "${storage[@]:0:3}"
seed engine_units '\x03\x01' "${flow[@]:0:3}"
seed engine_units '\x04\x07' "${storage[@]:0:2}"

for t in corpus/*/; do
  printf '%-24s %4d seeds\n' "$(basename "$t")" "$(find "$t" -type f | wc -l)"
done
