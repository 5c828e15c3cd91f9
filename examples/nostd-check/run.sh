#!/usr/bin/env bash
# Host proof that rankloss's dependency graph is `no_std` and allocation-free, with default
# features and with `defmt`: a `no_std`, `no_main` binary with its own panic handler and no
# global allocator links the crate (a crate that needs `std` or `alloc` breaks the link), and
# runs. Then a control: the same build with rankloss's `std` feature must fail, or the check
# would prove nothing. Uses the ordinary (rustup) stable toolchain; works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export CARGO_TARGET_DIR="$PWD/target"
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_BUILD_TARGET

cargo --version
for features in "" defmt; do
  echo "== rankloss, features: ${features:-default}"
  cargo build --release --quiet ${features:+--features "$features"}
  ./target/release/rankloss-nostd-check
  echo "no_std, no allocator: linked and ran (exit status 0)"
done

echo "== control: rankloss with its std feature must not link here"
if cargo build --release --quiet --features rankloss/std 2>"$CARGO_TARGET_DIR/control.log"; then
  echo "FAILED: a std build linked; the check would not detect std"
  exit 1
fi
grep -m1 -E "duplicate lang item|E0152" "$CARGO_TARGET_DIR/control.log" ||
  { cat "$CARGO_TARGET_DIR/control.log"; echo "FAILED: unexpected error"; exit 1; }
echo "nostd-check: 3 passed, 0 failed"
