#!/usr/bin/env bash
# Same-run A/B of the `cdc_decode` cases by instructions executed, which do not move with
# the machine's load as times do (on a shared VM, times move by 30% between runs). Builds
# `cdc_decode_loop` at BASE (a commit, in a temporary worktree; the loop and its cases
# are copied there from the working tree when BASE has none, with the benches crate's
# manifest, so BASE must have the public API they call) and at the working tree, runs each case N times under
# `valgrind --tool=callgrind` on each side, and prints instructions per decode (the setup
# alone, a run with N = 0, subtracted) and head ÷ base.
#
#   benches/scripts/ab_instructions.sh BASE [case regex]
#   e.g. N=20000 benches/scripts/ab_instructions.sh HEAD~5 json
#
# Instructions leave out what a cache miss or an allocator's lock costs: read them next
# to the criterion A/B (ab_criterion.sh), not instead of it.
set -euo pipefail
base=${1:?usage: ab_instructions.sh BASE [case regex]}
filter=${2:-}
n=${N:-20000}
command -v valgrind >/dev/null || { echo "ab_instructions.sh needs valgrind (apt-get install valgrind)" >&2; exit 1; }
source "$(dirname "$0")/ab_common.sh"

build() { # build DIR OUT
  if [ ! -e "$1/benches/src/bin/cdc_decode_loop.rs" ]; then
    cp "$root/benches/src/cdc_cases.rs" "$1/benches/src/cdc_cases.rs"
    cp "$root/benches/src/bin/cdc_decode_loop.rs" "$1/benches/src/bin/cdc_decode_loop.rs"
    cp "$root/benches/Cargo.toml" "$1/benches/Cargo.toml"
  fi
  (cd "$1" && cargo build --quiet --release -p streamkit-benches --bin cdc_decode_loop)
  cp "$CARGO_TARGET_DIR/release/cdc_decode_loop" "$2"
}
ab_build_both cdc_decode_loop build

count() { # count BINARY CASE N: instructions of the whole run
  local out
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$2" "$3" 2>&1) \
    || { echo "$1 $2 $3 failed: $out" >&2; return 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$out"
}
printf '%-34s %14s %14s %8s\n' case "base instr" "head instr" "head/base"
"$work/cdc_decode_loop-head" --list | grep -E -- "${filter:-.}" | while read -r case; do
  per() { # per BINARY: instructions per decode
    local setup total
    setup=$(count "$1" "$case" 0) || exit 1
    total=$(count "$1" "$case" "$n") || exit 1
    echo $(((total - setup) / n))
  }
  b=$(per "$work/cdc_decode_loop-base")
  h=$(per "$work/cdc_decode_loop-head")
  printf '%-34s %14d %14d %8.3f\n' "$case" "$b" "$h" "$(echo "$h / $b" | bc -l)"
done
