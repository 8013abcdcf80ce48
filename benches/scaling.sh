#!/usr/bin/env bash
# Thread scaling of a conversion: the same generated dump converted on one core (pinned with
# taskset, --threads 1), with --threads 1 unpinned (the reading and hashing thread then runs
# beside the one worker, on the other core) and with --threads N (default 2), in alternating
# rounds. Prints per family the median wall time, the median CPU time (user + sys) and CPU use
# (CPU / wall) of each mode, and the speedup of N threads over one core and over --threads 1.
#
#   benches/scaling.sh                                   # 500 MB per family, 3 rounds
#   SCALING_MB=100 SCALING_FAMILIES=storage,vnet benches/scaling.sh
#
# Knobs (environment): SCALING_MB (MB per family, default 500), SCALING_FAMILIES (comma list of
# storage,nsg,vnet,activity,resource), SCALING_ROUNDS (3), SCALING_THREADS (2), SCALING_SEED (1).
# Equal CPU time in every mode means the threads cost nothing in contention, and the speedup is
# set by how busy the cores are kept; CPU use below the thread count is time a core sat idle.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${SCALING_MB:-500}
FAMILIES=${SCALING_FAMILIES:-storage,nsg,vnet,activity,resource}
ROUNDS=${SCALING_ROUNDS:-3}
THREADS=${SCALING_THREADS:-2}
SEED=${SCALING_SEED:-1}
die() { printf 'scaling.sh: error: %s\n' "$*" >&2; exit 2; }
[[ $MB =~ ^[0-9]+$ && $MB -gt 0 ]] || die "SCALING_MB must be a positive integer (got '$MB')"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -gt 0 ]] || die "SCALING_ROUNDS must be a positive integer"
[[ $THREADS =~ ^[0-9]+$ && $THREADS -gt 1 ]] || die "SCALING_THREADS must be at least 2"
command -v taskset >/dev/null || die "taskset (util-linux) is required to pin the one-core runs"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is required"
for f in ${FAMILIES//,/ }; do
  case $f in storage|nsg|vnet|activity|resource) ;; *) die "unknown family '$f'";; esac
done

cargo build --release --locked -p azlog -p azlog-gen >&2
TARGET_DIR=${CARGO_TARGET_DIR:-target}
AZLOG=$TARGET_DIR/release/azlog
GEN=$TARGET_DIR/release/azlog-gen
mkdir -p target/scaling
work=$(mktemp -d target/scaling/run.XXXXXX)
trap 'rm -rf "$work"' EXIT

printf 'machine: %s cores, %s; azlog %s; %s MB per family, %s rounds\n' "$(nproc)" "$(uname -sr)" \
  "$("$AZLOG" --version | awk '{print $2}')" "$MB" "$ROUNDS"
printf '%-9s %-12s %8s %8s %7s\n' family mode wall_s cpu_s cpu_use
for fam in ${FAMILIES//,/ }; do
  rm -rf "$work/in"
  "$GEN" --out "$work/in" --family "$fam" --size "${MB}MB" --file-size 16MB --seed "$SEED" \
    >/dev/null 2>&1
  : > "$work/times"
  for ((r = 1; r <= ROUNDS; r++)); do
    for mode in one-core threads-1 "threads-$THREADS"; do
      case $mode in
        one-core) cmd=(taskset -c 0 "$AZLOG" convert --threads 1) ;;
        threads-1) cmd=("$AZLOG" convert --threads 1) ;;
        *) cmd=("$AZLOG" convert --threads "$THREADS") ;;
      esac
      rm -rf "$work/out"
      /usr/bin/time -f '%e %U %S' -o "$work/t" "${cmd[@]}" "$work/in" -o "$work/out" --quiet \
        --allow-rejects >/dev/null
      echo "$mode $(cat "$work/t")" >> "$work/times"
    done
  done
  awk -v fam="$fam" -v n="threads-$THREADS" '
    function median(a, k,   i, j, t) {
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    { c[$1]++; w[$1, c[$1]] = $2; u[$1, c[$1]] = $3 + $4 }
    END {
      split("one-core threads-1 " n, modes, " ")
      for (m = 1; m <= 3; m++) {
        k = c[modes[m]]; delete a; delete b
        for (i = 1; i <= k; i++) { a[i] = w[modes[m], i]; b[i] = u[modes[m], i] }
        wall[modes[m]] = median(a, k); cpu = median(b, k)
        printf "%-9s %-12s %8.2f %8.2f %6.0f%%\n", fam, modes[m], wall[modes[m]], cpu, 100 * cpu / wall[modes[m]]
      }
      printf "%-9s %s speedup: %.2fx over one core, %.2fx over --threads 1\n", fam, n,
        wall["one-core"] / wall[n], wall["threads-1"] / wall[n]
    }' "$work/times"
done
