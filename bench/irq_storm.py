"""Timer interrupts per host second through the GIC and the generic timer.

    python -m bench.irq_storm [--engine interp] [--n N] [-icount N]

Runs bench/guests/irq_storm.S (each interrupt: GICC_IAR read, CNTV_TVAL
re-arm, GICC_EOIR write, as Linux's tick) with N and 2N interrupts:
idling in WFI between them for a 1 us deadline (wfi), spinning (busy),
and spinning with the next interrupt due at once (due); prints the
marginal rate (N / (t(2N) - t(N)), each t the best of 3, so start-up
cancels).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


# name -> (spin instead of WFI, timer period in ticks): "due" re-arms with
# TVAL = 0, so the next interrupt is pending at once (no deadline: the cost
# of the path alone); the others wait ~1 us for a deadline
MODES = {"wfi": (False, 64), "busy": (True, 64), "due": (True, 0)}


def build(tmp, nirq, busy, period):
    elf = Path(tmp) / ("storm_%d_%d_%d.elf" % (nirq, busy, period))
    cmd = ["arm-none-eabi-gcc", "-nostdlib", "-Wl,-Ttext=0x40100000", "-DNIRQ=%d" % nirq,
           "-DPERIOD=%d" % period,
           "-o", str(elf), str(REPO / "bench" / "guests" / "irq_storm.S")]
    if busy:
        cmd.insert(1, "-DBUSY")
    subprocess.run(cmd, check=True)
    return elf


def wall(elf, engine, icount, repo):
    cmd = [sys.executable, "-m", "tcg.cli", "-M", "virt", "-nographic", "--engine", engine,
           "-kernel", str(elf)]
    if icount is not None:
        cmd += ["-icount", "shift=%d" % icount]
    t0 = time.monotonic()
    subprocess.run(cmd, cwd=repo, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", default="interp")
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-icount", type=int, default=None)
    ap.add_argument("--repo", default=str(REPO), help="the armtcg tree to run (a before/after pair)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for mode, (busy, period) in MODES.items():
            small, large = build(tmp, args.n, busy, period), build(tmp, 2 * args.n, busy, period)
            t_small = min(wall(small, args.engine, args.icount, args.repo) for _ in range(args.runs))
            t_large = min(wall(large, args.engine, args.icount, args.repo) for _ in range(args.runs))
            best = t_large - t_small
            print("%-5s %-6s: %8.0f interrupts per host second (%.1f us each)"
                  % (mode, args.engine, args.n / best, 1e6 * best / args.n), flush=True)


if __name__ == "__main__":
    main()
