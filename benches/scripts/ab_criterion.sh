#!/usr/bin/env bash
# Same-run A/B of a criterion bench of `streamkit-benches`: builds it at BASE (a commit,
# in a temporary worktree) and at the working tree, then runs the two binaries
# alternately, RUNS times each (default 3), and prints, per benchmark, the median time
# of each side, and its ratio to the FLOOR benchmark of the same run (default
# `floor_serde_json_ignored_any`): a ratio compares the code, not the machine's load.
#
#   benches/scripts/ab_criterion.sh BASE BENCH [criterion filter]
#   e.g. RUNS=3 benches/scripts/ab_criterion.sh HEAD~5 cdc_decode
#
# Both builds share one target directory (see ab_common.sh).
set -euo pipefail
base=${1:?usage: ab_criterion.sh BASE BENCH [filter]}
bench=${2:?usage: ab_criterion.sh BASE BENCH [filter]}
filter=${3:-}
runs=${RUNS:-3}
floor=${FLOOR:-floor_serde_json_ignored_any}
source "$(dirname "$0")/ab_common.sh"

build() { # build DIR OUT
  local exe
  exe=$(cd "$1" && cargo bench --quiet -p streamkit-benches --bench "$bench" --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["executable"])' | tail -1)
  cp "$exe" "$2"
}
ab_build_both "$bench" build

for i in $(seq "$runs"); do
  for side in base head; do
    out=$( { /usr/bin/time -f "cpu %U %S" "$work/$bench-$side" --bench --noplot \
      --warm-up-time 1 --measurement-time 4 $filter; } 2>&1 )
    cpu=$(echo "$out" | awk '/^cpu /{print $2 + $3}')
    # Criterion prints a name (alone on its line when long), then `time: [low unit
    # median unit high unit]`; the `change:` block's `time:` line is in percent.
    echo "$out" | python3 -c '
import re, sys
run, side, cpu = sys.argv[1:4]
name = None
for line in sys.stdin:
    if line[:1].strip():
        name = line.split()[0]
    m = re.search(r"time:\s+\[(\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\]", line)
    if m and name and not m.group(2).endswith("%"):
        print("run", run, side, "cpu", cpu, name, m.group(3), m.group(4))
' "$i" "$side" "$cpu"
  done
done | tee "$work/runs.txt"

echo
echo "medians over $runs runs each (time per iteration; ratio = floor time / this time):"
python3 - "$work/runs.txt" "$floor" <<'PY'
import re, statistics, sys
units = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
times = {}
for line in open(sys.argv[1]):
    _, run, side, _, cpu, name, value, unit = line.split()
    name = re.sub(r"_\d+B$", "", name.split("/")[-1])
    times.setdefault(name, {}).setdefault(side, {})[run] = float(value) * units[unit]
floor = sys.argv[2]
def ratio(side, name):
    rs = [times[floor][side][r] / t for r, t in times[name][side].items() if r in times.get(floor, {}).get(side, {})]
    return statistics.median(rs) if rs else float("nan")
for name, sides in times.items():
    b = statistics.median(sides.get("base", {}).values() or [float("nan")])
    h = statistics.median(sides.get("head", {}).values() or [float("nan")])
    print(f"  {name}: base {b:,.0f} ns (÷floor {ratio('base', name):.3f}), head {h:,.0f} ns (÷floor {ratio('head', name):.3f}), head/base ratio {ratio('head', name) / ratio('base', name):.3f}")
PY
