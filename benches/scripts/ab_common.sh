# What the same-run A/B scripts share, sourced after they set `base`: a temporary
# worktree at BASE, removed on exit, and `ab_build_both NAME BUILD`, which runs
# `BUILD DIR OUT` (build the binary in DIR, copy it to OUT) at BASE and at the working
# tree, leaving $work/NAME-base and $work/NAME-head. Both builds use $CARGO_TARGET_DIR
# (default ~/.cache/streamkit/target), one after the other, so dependencies are
# compiled once.
root=$(git rev-parse --show-toplevel)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/streamkit/target}
work=$(mktemp -d)
ab_cleanup() {
  git -C "$root" worktree remove --force "$work/base" 2>/dev/null || true
  rm -rf "$work"
}
trap ab_cleanup EXIT

ab_build_both() { # ab_build_both NAME BUILD
  local name=$1 build=$2
  git -C "$root" worktree add --quiet --detach "$work/base" "$base"
  echo "building $name at $base ($(git -C "$root" rev-parse --short "$base"))"
  "$build" "$work/base" "$work/$name-base"
  echo "building $name at the working tree ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo ', with changes'))"
  "$build" "$root" "$work/$name-head"
}
