#!/usr/bin/env python3
"""Code size and worst-case stack of functions in an ARM ELF built with `-Z emit-stack-sizes`.

usage: analyze.py ELF --root NAME [--root NAME ...] [--skip REGEX] [--bound REGEX=K ...]
                  [--brief] [--kv FILE]

  --root    a function (substring of its demangled name); the code of several roots is
            counted together, the stack of each root separately
  --skip    callees left out of both reports (e.g. 'panic': the panic paths)
  --bound   REGEX=K: a recursive function matching REGEX nests at most K frames
  --brief   totals only, no per-function table or call path
  --kv      also write the totals to FILE: 'code BYTES' and 'stack ROOT BYTES' lines

Frames come from .stack_sizes (llvm-readobj), sizes from the symbol table (arm-none-eabi-nm),
the call graph from direct calls and tail calls in the disassembly (arm-none-eabi-objdump).
A tail call is counted as a call (an upper bound). Indirect calls (blx rN) are reported, not
followed. Recursion without a --bound makes the stack unbounded.
"""
import argparse
import re
import subprocess
import sys


def run(*args, stdin=None):
    return subprocess.run(args, capture_output=True, text=True, check=True, input=stdin).stdout


BRANCH = re.compile(
    r"\t(b|bl|blx|b(?:eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le))(?:\.n|\.w)?\s+"
    r"[0-9a-f]+ <([^+>]+)(\+0x[0-9a-f]+)?>"
)
INDIRECT = re.compile(r"\tblx\s+r([0-9]|1[0-2])\b")


class Elf:
    def __init__(self, path):
        self.frames, names = {}, []
        for line in run("llvm-readobj", "--stack-sizes", path).splitlines():
            if m := re.search(r"Functions: \[(.*)\]", line):
                names = m.group(1).split(", ")
            if m := re.search(r"Size: (0x[0-9A-Fa-f]+)", line):
                for n in names:
                    self.frames[n] = max(self.frames.get(n, 0), int(m.group(1), 16))
        self.sizes = {}
        for line in run("arm-none-eabi-nm", "-S", path).splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[2] in "tTwW":
                self.sizes[parts[3]] = self.sizes.get(parts[3], 0) + int(parts[1], 16)
        self.calls, self.recursive, self.indirect, cur = {}, set(), set(), None
        for line in run("arm-none-eabi-objdump", "-d", "--no-show-raw-insn", path).splitlines():
            if m := re.match(r"^[0-9a-f]+ <(.+)>:$", line):
                cur = m.group(1)
                self.calls.setdefault(cur, set())
            elif cur and (m := BRANCH.search(line)):
                op, target, offset = m.groups()
                if target != cur:
                    if not offset:
                        self.calls[cur].add(target)
                elif op in ("bl", "blx") and not offset:
                    self.recursive.add(cur)
            elif cur and INDIRECT.search(line):
                self.indirect.add(cur)
        syms = sorted(set(self.calls) | set(self.sizes))
        out = run("llvm-cxxfilt", stdin="\n".join(syms) + "\n").splitlines()
        self.dem = dict(zip(syms, out))

    def name(self, f):
        return self.dem.get(f, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("--root", action="append", required=True)
    ap.add_argument("--skip")
    ap.add_argument("--bound", action="append", default=[])
    ap.add_argument("--brief", action="store_true")
    ap.add_argument("--kv")
    a = ap.parse_args()

    elf = Elf(a.elf)
    skip = re.compile(a.skip) if a.skip else None
    bounds = [(re.compile(r), int(k)) for r, k in (b.rsplit("=", 1) for b in a.bound)]

    def callees(f):
        return [c for c in elf.calls.get(f, ()) if not (skip and skip.search(elf.name(c)))]

    def bound_of(f):
        return next((k for r, k in bounds if r.search(elf.name(f))), None)

    memo, notes = {}, set()

    def depth(f, path=()):
        """(worst-case bytes, path) below and including f's frame."""
        if f in path:
            notes.add(f"recursion through {elf.name(f)}")
            return float("inf"), [elf.name(f) + " (recursion)"]
        if f in memo:
            return memo[f]
        if f not in elf.frames and f in elf.calls and elf.calls[f] | {f} != {f}:
            notes.add(f"no .stack_sizes entry for {elf.name(f)} (counted as 0)")
        frame = elf.frames.get(f, 0)
        best = max((depth(c, path + (f,)) for c in callees(f)), key=lambda t: t[0], default=(0, []))
        label = f"{elf.name(f)} ({frame})"
        if f in elf.recursive:
            k = bound_of(f)
            if k is None:
                notes.add(f"unbounded recursion: {elf.name(f)}")
                memo[f] = float("inf"), [label + " x unbounded"] + best[1]
                return memo[f]
            memo[f] = k * frame + best[0], [f"{label} x {k} nested"] + best[1]
        else:
            memo[f] = frame + best[0], [label] + best[1]
        return memo[f]

    roots = []
    for want in a.root:
        found = [f for f in elf.calls if want == f or want in elf.name(f)]
        if len(found) != 1:
            sys.exit(f"analyze.py: {len(found)} functions match {want!r}")
        roots += found
    kv = []

    # Code reachable from the roots.
    seen, todo = set(), list(roots)
    while todo:
        f = todo.pop()
        if f not in seen:
            seen.add(f)
            todo.extend(callees(f))
    rows = sorted(((elf.sizes.get(f, 0), elf.name(f)) for f in seen), reverse=True)
    total = sum(s for s, _ in rows)
    print(f"code reachable from {', '.join(a.root)}" + (f" (without '{a.skip}' paths)" if a.skip else "") + ":")
    for s, n in (rows if not a.brief else ()):
        print(f"  {s:6d}  {n}")
    groups = {}
    for s, n in rows:
        g = ("rankloss" if n.startswith(("rankloss::", "<rankloss::")) else
             "libm" if "libm::" in n else
             "core::slice::sort" if "core::slice::sort" in n else
             "compiler_builtins" if "compiler_builtins" in n else
             "firmware wrappers (inlined rankloss code)" if "rankloss_cortex_m" in n else "other")
        groups[g] = groups.get(g, 0) + s
    for g, s in sorted(groups.items(), key=lambda t: -t[1]):
        print(f"  {s:6d}  = {g}")
    print(f"  {total:6d}  total")
    kv.append(f"code {total}")
    if seen & elf.indirect:
        print("  note: indirect calls not followed in: " + ", ".join(sorted(elf.name(f) for f in seen & elf.indirect)))

    # Worst-case stack of each root.
    for want, r in zip(a.root, roots):
        total, path = depth(r)
        shown = "unbounded" if total == float("inf") else f"{total} bytes"
        print(f"stack, static worst case of {elf.name(r)}: {shown}")
        if not a.brief:
            print("    " + "\n -> ".join(path))
        kv.append(f"stack {want} {'inf' if total == float('inf') else total}")
    for n in sorted(notes):
        print(f"  note: {n}")
    if a.kv:
        with open(a.kv, "w") as f:
            f.write("\n".join(kv) + "\n")


if __name__ == "__main__":
    main()
