#!/usr/bin/env bash
# Same-run A/B of `kstream_bench`: builds it at BASE (a commit, in a temporary worktree)
# and at the working tree, then runs the two binaries alternately, RUNS times each
# (default 5), and prints each run's rates and the medians with their ratio.
#
#   benches/scripts/ab_kstream.sh BASE [kstream_bench arguments...]
#   e.g. RUNS=5 benches/scripts/ab_kstream.sh HEAD~3 --only join,count --records 1000000
#
# Both builds share one target directory (see ab_common.sh).
set -euo pipefail
base=${1:?usage: ab_kstream.sh BASE [kstream_bench arguments...]}
shift
runs=${RUNS:-5}
source "$(dirname "$0")/ab_common.sh"

build() { # build DIR OUT
  (cd "$1" && cargo build --quiet --release -p streamkit-benches --features rocksdb --bin kstream_bench)
  cp "$CARGO_TARGET_DIR/release/kstream_bench" "$2"
}
ab_build_both kstream_bench build

for i in $(seq "$runs"); do
  for side in base head; do
    out=$( { /usr/bin/time -f "cpu %U %S" "$work/kstream_bench-$side" "$@"; } 2>&1 )
    cpu=$(echo "$out" | awk '/^cpu /{print $2 + $3}')
    echo "$out" | grep -E 'records/s' | sed "s/^/run $i $side (cpu ${cpu}s): /"
  done
done | tee "$work/runs.txt"

echo
echo "medians (records/s) over $runs runs each, head/base:"
python3 - "$work/runs.txt" <<'PY'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"run \d+ (base|head) \(cpu [^)]*\): (.*?)[:(].*?([\d.]+) (?:stream )?records/s", line)
    if not m:
        continue
    side, what, rate = m.group(1), m.group(2).strip(), float(m.group(3))
    rates.setdefault(what, {}).setdefault(side, []).append(rate)
for what, sides in rates.items():
    b, h = statistics.median(sides.get("base", [0])), statistics.median(sides.get("head", [0]))
    print(f"  {what}: base {b:,.0f}, head {h:,.0f}, head/base {h / b:.3f}" if b else f"  {what}: no base runs")
PY
