# The checks of what users build besides the tests: each crate with its default features
# and with each feature on its own, the API docs without warnings, and the fuzz targets.
# Sourced, not run.

CARGO_HACK_VERSION=0.6.46

# cargo-hack, installed once into the cache's tools.
cargo_hack_install() {
  if [[ "$(cargo hack --version 2>/dev/null)" != "cargo-hack $CARGO_HACK_VERSION" ]]; then
    cargo install --quiet --locked --root "$TOOLS" --version "$CARGO_HACK_VERSION" cargo-hack
  fi
  cargo hack --version
}

# Each package with its default features, and with each feature on its own: the
# libraries and binaries users build, without the dev-dependencies (which would turn
# features on: `streamlog`'s own `test-util`, say).
features_check() {
  cargo hack check --workspace --each-feature --no-dev-deps --quiet
}

# The API documentation, warnings (broken links, missing docs) as errors.
docs_check() {
  RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --quiet
}

# The fuzz targets are their own workspaces (`cargo fuzz` builds them with a nightly
# compiler and coverage instrumentation). Here they are built on the stable compiler,
# without instrumentation, and each one runs a few thousand random inputs: a decoder
# that panics, or a target that no longer compiles, fails the run.
FUZZ_CRATES=(cdc-core/fuzz schema-registry-client/fuzz)
fuzz_build_and_smoke() {
  local crate bin
  for crate in "${FUZZ_CRATES[@]}"; do
    CARGO_TARGET_DIR="$CACHE/fuzz-target" cargo build --quiet --manifest-path "$crate/Cargo.toml" --bins
    for bin in $(sed -n 's/^name = "\(.*\)"$/\1/p' "$crate/Cargo.toml" | tail -n +2); do
      "$CACHE/fuzz-target/debug/$bin" -runs=5000 -seed=1 -max_len=4096 >"$CACHE/fuzz-$bin.log" 2>&1 || {
        tail -30 "$CACHE/fuzz-$bin.log"
        echo "fuzz target $crate:$bin failed (log: $CACHE/fuzz-$bin.log)"
        return 1
      }
      echo "fuzz target $crate:$bin: 5000 inputs, no failure"
    done
  done
}
