#!/usr/bin/env bash
# rankloss on Cortex-M under QEMU. Builds the firmware for Cortex-M4F, M3 and M0, runs it
# (its exit status is the test result: conformance with the host, error paths, fine-tuning),
# then reports flash, code size, stack and exact instruction counts and checks the budgets.
# Exit status 0 only when every firmware run and every budget passed.
#
# Needs what .ci/setup-embedded.sh installs. Works from any directory:
#   bash examples/cortex-m/run.sh
#   EXTRA_TARGETS=0 bash examples/cortex-m/run.sh   # Cortex-M4F only (skips M3 and M0)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Debian's toolchain and this directory's target dir, whatever rustup or the caller's
# environment say (RUSTFLAGS would replace the linker scripts of .cargo/config.toml).
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO_TARGET_DIR="$PWD/target"
unset RUSTUP_TOOLCHAIN RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_BUILD_TARGET
export PATH="$PATH:${CARGO_HOME:-${HOME:-/root}/.cargo}/bin" # defmt-print
CARGO=/usr/bin/cargo

# Budgets: Cortex-M4F, f32, Workspace<f32, 64>.
CODE_BUDGET=6144  # code reachable from both losses' loss_and_grad (expf, expm1f, sort included)
STACK_BUDGET=512  # stack of loss_and_grad below its caller (the Workspace is the caller's)
INSN_LIMIT=100000 # SpearmanCorrelation::loss_and_grad, n = 64, tau = 1e-3

M4=thumbv7em-none-eabihf M3=thumbv7m-none-eabi M0=thumbv6m-none-eabi
targets=("$M4")
[ "${EXTRA_TARGETS:-1}" = 0 ] || targets+=("$M3" "$M0")
declare -A BOARD=([$M4]="mps2-an386 (Cortex-M4F)" [$M3]="mps2-an385 (Cortex-M3)" [$M0]="microbit (Cortex-M0)")
elf() { echo "target/$1/release/rankloss-cortex-m"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { # NAME OK(0/1)
  if [ "$2" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $1"; fi
}
section() { printf '\n== %s\n' "$*"; }

section "build (${targets[*]})"
t0=$SECONDS
"$CARGO" build --release --quiet $(printf -- '--target %s ' "${targets[@]}")
echo "built in $((SECONDS - t0)) s"

# ---------------------------------------------------------------- run under QEMU
for t in "${targets[@]}"; do
  section "run on ${BOARD[$t]}"
  set +e
  "$CARGO" run --release --quiet --target "$t" 2>"$tmp/$t.err" | tee "$tmp/$t.out"
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" = 0 ] || { cat "$tmp/$t.err"; echo "exit status $rc"; }
  check "firmware on ${BOARD[$t]}" "$([ "$rc" = 0 ] && echo 1 || echo 0)"
done

# ---------------------------------------------------------------- exact instruction counts
# One instruction per translation block and QEMU's exec log: one log line per executed
# instruction, the symbol last. Count the lines between the markers around each measured
# call. The log goes through a FIFO (about 115 bytes an instruction), and QEMU is stopped
# once the last measured call is done.
exec_trace() { # ELF MACHINE CALLS
  local fifo="$tmp/trace.$2" pid
  mkfifo "$fifo"
  timeout 300 qemu-system-arm -M "$2" -display none -serial none -monitor none \
    -semihosting-config enable=on,target=native -accel tcg,one-insn-per-tb=on \
    -d exec,nochain -D "$fifo" -kernel "$1" >/dev/null 2>&1 &
  pid=$!
  timeout 300 awk -v calls="$3" '
    $NF == "bench_start" { s = NR }
    $NF == "bench_end" && s { print NR - s; s = 0; if (++k == calls) exit }' "$fifo" || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
section "exact instruction counts (QEMU exec trace, ${BOARD[$M4]}, n = 64)"
mapfile -t names < <(sed -n 's/^bench \(.*\): [0-9]* instructions.*/\1/p' "$tmp/$M4.out")
mapfile -t insns < <(exec_trace "$(elf $M4)" mps2-an386 4)
for i in 0 1 2 3; do
  printf '%-32s %9s instructions\n' "${names[$i]:-?}::loss_and_grad" "${insns[$i]:-?}"
done

# ---------------------------------------------------------------- flash, code, stack
section "flash (text + data) of the whole firmware"
for t in "${targets[@]}"; do
  arm-none-eabi-size "$(elf "$t")" | awk -v b="${BOARD[$t]}" 'NR == 2 { printf "%-26s text %6d  data %d  bss %d  -> flash %d bytes\n", b, $1, $2, $3, $1 + $2 }'
done

# Worst-case stack needs a bound on core's recursive sort_unstable (ipnsort) for n <= 64:
# quicksort recurses into the left part with limit - 1, limit = 2 * floor(log2(n)) = 12, so
# at most 13 nested frames; median3_rec recurses only for n >= 64, once (n / 8 = 8 -> 1).
ROOTS=(--root rankloss_cortex_m::spearman_loss_and_grad --root rankloss_cortex_m::combined_loss_and_grad)
BOUNDS=(--bound 'core::slice::sort::unstable::quicksort::quicksort=13' --bound 'core::slice::sort::shared::pivot::median3_rec=2')
section "code and static stack of both losses' loss_and_grad, ${BOARD[$M4]} (panic paths excluded)"
python3 analyze.py "$(elf $M4)" "${ROOTS[@]}" "${BOUNDS[@]}" --skip panic --kv "$tmp/m4.kv"
python3 analyze.py "$(elf $M4)" "${ROOTS[@]}" "${BOUNDS[@]}" --kv "$tmp/m4-panic.kv" >/dev/null
with=$(awk '$1 == "code" { print $2 }' "$tmp/m4-panic.kv")
without=$(awk '$1 == "code" { print $2 }' "$tmp/m4.kv")
echo "(the panic paths of bounds checks add $((with - without)) bytes more: core::panicking, core::fmt)"
for t in "${targets[@]:1}"; do
  section "code and static stack, ${BOARD[$t]} (panic paths excluded)"
  python3 analyze.py "$(elf "$t")" "${ROOTS[@]}" "${BOUNDS[@]}" --skip panic --brief
done

section "stack painted during the measured calls (bytes below the caller)"
for t in "${targets[@]}"; do
  echo "${BOARD[$t]}:"
  sed -n 's/^bench \(.*\): \([0-9]*\) instructions (SysTick), stack \([0-9]*\) bytes$/  \1: \3 (SysTick: \2 instructions)/p' "$tmp/$t.out"
done

# ---------------------------------------------------------------- budgets
section "budgets (${BOARD[$M4]})"
code=$(awk '$1 == "code" { print $2 }' "$tmp/m4.kv")
ok=$([ "$code" -le "$CODE_BUDGET" ] && echo 1 || echo 0)
echo "code of both losses' loss_and_grad (+ expf, expm1f, sort): $code bytes, budget $CODE_BUDGET"
check "code size $code > $CODE_BUDGET bytes" "$ok"
for root in spearman:SpearmanCorrelation combined:CombinedLoss; do
  painted=$(sed -n "s/^bench ${root#*:}.*, stack \([0-9]*\) bytes$/\1/p" "$tmp/$M4.out" | sort -n | tail -1)
  root=${root%:*}
  s=$(awk -v r="rankloss_cortex_m::${root}_loss_and_grad" '$1 == "stack" && $2 == r { print $3 }' "$tmp/m4.kv")
  echo "worst-case stack of the $root loss_and_grad: $s bytes static (painted: up to ${painted:-?}), budget $STACK_BUDGET"
  check "stack of $root loss_and_grad $s > $STACK_BUDGET bytes" "$([ "$s" != inf ] && [ "$s" -le "$STACK_BUDGET" ] && echo 1 || echo 0)"
done
n="${insns[0]:-}"
echo "SpearmanCorrelation::loss_and_grad, n = 64, tau = 1e-3: ${n:-?} instructions, limit $INSN_LIMIT"
check "instruction count ${n:-missing} >= $INSN_LIMIT" "$([ -n "$n" ] && [ "$n" -lt "$INSN_LIMIT" ] && echo 1 || echo 0)"

echo
echo "cortex-m: $passed passed, $failed failed"
[ "$failed" = 0 ]
