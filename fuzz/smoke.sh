#!/usr/bin/env bash
# Fuzz smoke test: builds every fuzz target twice (rankloss with its `std`
# feature, i.e. with the SIMD rows, and without it, `no_std` + libm) and runs
# each for a few seconds. Exits non-zero on the first crash, hang or build
# failure; prints the executions of each run and the total.
#
#   fuzz/smoke.sh                    # ~60 s of fuzzing (8 runs x 7 s) plus builds
#   SMOKE_SECONDS=30 fuzz/smoke.sh   # seconds per target and build
#   FUZZ_SANITIZER=address fuzz/smoke.sh   # default: none (the crate has no unsafe)
#   SMOKE_SEED=1 SMOKE_RUNS=30000 fuzz/smoke.sh   # reproducible (CI)
#
# Needs rustup's nightly toolchain; installs cargo-fuzz if it is missing.
set -euo pipefail

cd "$(dirname "$0")"
SECS=${SMOKE_SECONDS:-7}
SAN=${FUZZ_SANITIZER:-none}
# Reproducible runs (CI): SMOKE_SEED fixes libFuzzer's seed, SMOKE_RUNS the
# number of executions per target and build (the time limit still applies).
EXTRA=()
[ -n "${SMOKE_SEED:-}" ] && EXTRA+=("-seed=$SMOKE_SEED")
[ -n "${SMOKE_RUNS:-}" ] && EXTRA+=("-runs=$SMOKE_RUNS")
TARGETS=(spearman_f32 spearman_f64 combined_f32 combined_f64)
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "smoke: installing the nightly toolchain" >&2
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "smoke: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

total=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run LABEL [extra cargo-fuzz options...]
run() {
    local label=$1 t runs
    shift
    echo "== build ($label)"
    cargo +nightly fuzz build -s "$SAN" "$@"
    for t in "${TARGETS[@]}"; do
        mkdir -p "corpus/$t" "seeds/$t"
        # corpus/ collects new inputs (not versioned); seeds/ holds the
        # versioned regression inputs, replayed first.
        if ! cargo +nightly fuzz run -s "$SAN" "$@" "$t" "corpus/$t" "seeds/$t" -- \
            -max_total_time="$SECS" -timeout=10 -print_final_stats=1 "${EXTRA[@]}" >"$log" 2>&1; then
            tail -n 60 "$log"
            echo "smoke: FAILED: $t ($label); the input is in fuzz/artifacts/$t/" >&2
            exit 1
        fi
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        runs=${runs:-0}
        total=$((total + runs))
        printf '%-14s %-7s %10d executions (time limit %s s)\n' "$t" "$label" "$runs" "$SECS"
    done
}

run std
run no_std --no-default-features --target-dir target/nostd

echo "smoke: OK, total executions: $total"
