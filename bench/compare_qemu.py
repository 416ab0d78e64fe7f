"""armtcg's engines against QEMU and native code, per guest kernel.

    python -m bench.compare_qemu [--kernels crc32,sieve,...] [--engines interp,jit,auto]
                                 [--repeat 3] [--min-seconds 0.3] [--markdown]

For each kernel the guest is built with ITERS = n and 2n, and each runner's
marginal time per iteration, (t(2n) - t(n)) / n, is measured -- start-up,
ELF loading, translation and compilation of the code that both runs share
cancel out, so what is left is what the kernel's hot loops cost:

- armtcg, under each engine: in this process through build_virt (a fresh
  Emulator for every run; only emu.board.run() is timed, less the time it
  spent translating (and, for "jit", compiling): see one_time_seconds);
- QEMU: the wall time of `qemu-system-arm -M virt -cpu cortex-a15 -m 128M
  -nographic -kernel ELF` (the same ELF);
- native: the wall time of the same C source compiled for the host with
  -DITERS (tests/guestlib.py's native build, -O2).

n is picked per kernel so that QEMU's 2n run takes at least --min-seconds
(doubling from bench.guests.KERNELS); the native build gets its own, larger
n when its runs would be too short to time, and each armtcg engine one
whose n run takes at least --min-engine-seconds (so that "auto" has
compiled its hot blocks well within the n run: its warm-up must be the
same in both runs to cancel).  Marginal times do not depend on n.  Each time is the best of
--repeat runs.  Every run's output is compared with the native build's.
"""

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import time

from bench.guests import KERNELS, engines as available_engines, run_guest
from tests import guestlib

DEFAULT_KERNELS = ("crc32", "sieve", "quicksort", "matmul", "calls", "memcpy")
NATIVE_MIN_SECONDS = 0.2
MAX_N = 1 << 16


class Measure:
    """Best times of the n and 2n runs of one runner on one kernel."""

    def __init__(self, n):
        self.n = n
        self.t1 = self.t2 = math.inf
        self.insns = None          # guest instructions per iteration (armtcg only)
        self.stats = {}            # emu.stats of the fastest 2n run
        self.wrong = []            # runs whose output differed from native

    @property
    def per_iter(self):
        """Marginal seconds per iteration, or None if lost in noise."""
        d = self.t2 - self.t1
        return d / self.n if d > 0 and math.isfinite(d) else None


def time_process(cmd, timeout=900):
    """(wall seconds, stdout bytes) of a process that must exit 0."""
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError("%s exited %s: %s" % (cmd[0], r.returncode,
                                                 r.stderr.decode(errors="replace")[-500:]))
    return dt, r.stdout


def qemu_run(name, n):
    return time_process([guestlib.QEMU, *guestlib.QEMU_ARGS, "-kernel",
                         str(guestlib.build_guest(name, n))])


def native_run(name, n):
    return time_process([str(guestlib.build_native(name, n))])


def calibrate(timed, n, min_seconds):
    """Smallest n (n doubled, at least) whose 2n run takes min_seconds."""
    while n < MAX_N:
        t = timed(2 * n)
        if t >= min_seconds:
            return n
        factor = 2
        while factor < 64 and t * factor < min_seconds:
            factor *= 2
        n *= factor
    return n


def measure_process(name, n, run, repeat):
    m = Measure(n)
    for iters in (n, 2 * n):
        want = guestlib.native_output(name, iters)
        for _ in range(repeat):
            dt, out = run(name, iters)
            if out != want:
                m.wrong.append(iters)
            if iters == n:
                m.t1 = min(m.t1, dt)
            else:
                m.t2 = min(m.t2, dt)
    return m


def one_time_seconds(stats, engine):
    """Time a run spent on the running thread translating blocks and, with
    engine "jit", compiling each before its first run (emu.stats translate_s
    and compile_s, which Emulator keeps apart).  The n and 2n runs translate
    and compile the same blocks, so this cancels in the difference anyway;
    taking it out first removes its jitter (LLVM's compile times vary by
    more than a short kernel's marginal time).  "auto" compiles in a
    background thread: nothing of that is taken out."""
    t = stats.get("translate_s", 0.0)
    if engine == "jit":
        t += stats.get("compile_s", 0.0)
    return t


def armtcg_seconds(name, iters, engine):
    r = run_guest(guestlib.build_guest(name, iters), engine)
    return r.seconds - one_time_seconds(r.stats, engine)


def measure_armtcg(name, n, engine, repeat):
    m = Measure(n)
    icounts = {}
    for iters in (n, 2 * n):
        elf = guestlib.build_guest(name, iters)
        want = guestlib.native_output(name, iters)
        for _ in range(repeat):
            r = run_guest(elf, engine)
            if r.output != want:
                m.wrong.append(iters)
            icounts[iters] = r.insns
            seconds = r.seconds - one_time_seconds(r.stats, engine)
            if iters == n:
                m.t1 = min(m.t1, seconds)
            elif seconds < m.t2:
                m.t2, m.stats = seconds, r.stats
    m.insns = (icounts[2 * n] - icounts[n]) / n
    return m


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def ratio(a, b):
    return a.per_iter / b.per_iter if a and b and a.per_iter and b.per_iter else None


# ---- output ---------------------------------------------------------------------

def fmt_ms(m):
    if m is None:
        return "-"
    if m.per_iter is None:
        return "noise"
    s = "%.3f" % (m.per_iter * 1e3) if m.per_iter < 0.1 else "%.2f" % (m.per_iter * 1e3)
    return s + (" WRONG" if m.wrong else "")


def fmt_ratio(r):
    return "-" if r is None else ("%.2f" % r if r < 100 else "%.0f" % r)


def build_tables(results, engine_list, have_qemu):
    """[(title, header, rows)]: the per-kernel table, the geometric means and,
    when an engine compiled anything, its LLVM compile statistics."""
    header = ["kernel", "n", "runner", "ms/iter", "guest MIPS"] + (["vs QEMU"] if have_qemu else []) \
        + ["vs native"]
    rows = []
    for name, r in results.items():
        insns = next((m.insns for m in r["engines"].values() if m.insns), None)
        runners = [("native", r["native"])] + ([("QEMU", r["qemu"])] if have_qemu else []) \
            + [("armtcg " + e, r["engines"][e]) for e in engine_list]
        for i, (who, m) in enumerate(runners):
            mips = "%.0f" % (insns / m.per_iter / 1e6) if insns and m.per_iter else "-"
            row = [name if i == 0 else "", str(m.n), who, fmt_ms(m), mips]
            if have_qemu:
                row.append(fmt_ratio(ratio(m, r["qemu"])))
            row.append(fmt_ratio(ratio(m, r["native"])))
            rows.append(row)
    main = ("Marginal time per kernel iteration, best of the runs (vs X = time / X's time)",
            header, rows)

    gm_header = ["engine"] + (["vs QEMU"] if have_qemu else []) + ["vs native"]
    gm_rows = []
    for e in engine_list:
        row = ["armtcg " + e]
        if have_qemu:
            row.append(fmt_ratio(geomean(ratio(r["engines"][e], r["qemu"]) for r in results.values())))
        row.append(fmt_ratio(geomean(ratio(r["engines"][e], r["native"]) for r in results.values())))
        gm_rows.append(row)
    gmean = ("Geometric means over the kernels (%s)" % ", ".join(results), gm_header, gm_rows)

    jit_rows = []
    for name, r in results.items():
        for e in engine_list:
            st = r["engines"][e].stats
            blocks = st.get("compiled_blocks", 0)
            if blocks:
                compile_s = st.get("compile_s", 0.0)
                jit_rows.append([name, e, str(st.get("translated_blocks", "-")), str(blocks),
                                 str(st.get("compile_batches", "-")), "%.3f" % compile_s,
                                 "%.2f" % (compile_s * 1e3 / blocks)])
    jit = ("LLVM compilation in the fastest 2n run (emu.stats)",
           ["kernel", "engine", "blocks translated", "blocks compiled", "batches",
            "compile s", "ms/block"], jit_rows) if jit_rows else None
    return [t for t in (main, gmean if engine_list else None, jit) if t]


def print_markdown(tables, notes):
    for title, header, rows in tables:
        print("**%s**\n" % title)
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print()
    for note in notes:
        print("- " + note)


def print_plain(tables, notes):
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        Console = None
    if Console is not None:
        console = Console()
        for title, header, rows in tables:
            table = Table(title=title)
            for i, h in enumerate(header):
                table.add_column(h, justify="left" if i == 0 else "right")
            for row in rows:
                table.add_row(*row)
            console.print(table)
    else:
        for title, header, rows in tables:
            widths = [max(len(x) for x in col) for col in zip(header, *rows)]
            print(title)
            for row in [header] + rows:
                print("  ".join(x.rjust(w) if i else x.ljust(w)
                                for i, (x, w) in enumerate(zip(row, widths))))
            print()
    for note in notes:
        print(note)


# ---- main -----------------------------------------------------------------------

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.compare_qemu", description=__doc__.split("\n\n")[0])
    p.add_argument("--kernels", default=",".join(DEFAULT_KERNELS),
                   help="comma-separated kernels (default: %(default)s)")
    p.add_argument("--engines", default=None,
                   help="comma-separated armtcg engines (default: all of Emulator.ENGINES)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each size; the best counts")
    p.add_argument("--min-seconds", type=float, default=0.3,
                   help="QEMU's 2n run must take at least this long (default %(default)s)")
    p.add_argument("--min-engine-seconds", type=float, default=1.0,
                   help="armtcg's n run must take at least this long, so that the "
                        "\"auto\" engine's warm-up (background compilation) is over "
                        "within it; n is doubled from QEMU's until it does (default %(default)s)")
    p.add_argument("--markdown", action="store_true", help="print Markdown tables (bench/RESULTS.md)")
    args = p.parse_args(argv)

    kernels = [k for k in args.kernels.split(",") if k]
    for k in kernels:
        if k not in KERNELS:
            p.error("unknown kernel %r (have: %s)" % (k, ", ".join(KERNELS)))
    have = available_engines()
    engine_list = [e for e in (args.engines.split(",") if args.engines else have) if e]
    for e in engine_list:
        if e not in have:
            p.error("engine %r is not available in this build (Emulator.ENGINES: %s)"
                    % (e, ", ".join(have)))
    have_qemu = shutil.which(guestlib.QEMU) is not None
    notes = []
    if not have_qemu:
        msg = ("%s not found (apt install qemu-system-arm): the QEMU columns are left out and n "
               "is calibrated on armtcg's %s engine instead." % (guestlib.QEMU, engine_list[0]))
        log("note: " + msg)
        notes.append(msg)
    if not engine_list and not have_qemu:
        p.error("nothing to measure: no engine selected and no QEMU")

    results = {}
    for name in kernels:
        log("%s: calibrating n ..." % name)
        if have_qemu:
            n = calibrate(lambda it: qemu_run(name, it)[0], KERNELS[name], args.min_seconds)
        else:
            n = calibrate(lambda it: run_guest(guestlib.build_guest(name, it), engine_list[0]).seconds,
                          KERNELS[name], args.min_seconds)
        n_native = calibrate(lambda it: native_run(name, it)[0], n, NATIVE_MIN_SECONDS)
        r = {"n": n}
        log("%s: n = %d (native %d); native ..." % (name, n, n_native))
        r["native"] = measure_process(name, n_native, native_run, args.repeat)
        if have_qemu:
            log("%s: QEMU ..." % name)
            r["qemu"] = measure_process(name, n, qemu_run, args.repeat)
        r["engines"] = {}
        for e in engine_list:
            n_e = calibrate(lambda it: armtcg_seconds(name, it, e), n, 2 * args.min_engine_seconds)
            log("%s: armtcg %s, n = %d ..." % (name, e, n_e))
            r["engines"][e] = measure_armtcg(name, n_e, e, args.repeat)
        for who, m in [("native", r["native"]), ("QEMU", r.get("qemu"))] + list(r["engines"].items()):
            if m is not None and m.wrong:
                notes.append("%s on %s: output differs from the native build (ITERS %s): "
                             "marked WRONG" % (who, name, sorted(set(m.wrong))))
        results[name] = r

    qemu_version = ""
    if have_qemu:
        out = subprocess.run([guestlib.QEMU, "--version"], capture_output=True, text=True).stdout
        qemu_version = out.splitlines()[0] if out else ""
    notes.insert(0, "machine: %s, %s, %d cores, Python %s; %s; best of %d runs; n calibrated so that "
                 "QEMU's 2n run takes >= %.2f s and armtcg's n run >= %.2f s"
                 % (platform.machine(), platform.system(), os.cpu_count(),
                    platform.python_version(), qemu_version or "no QEMU", args.repeat,
                    args.min_seconds, args.min_engine_seconds))
    tables = build_tables(results, engine_list, have_qemu)
    (print_markdown if args.markdown else print_plain)(tables, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
