"""Host CPU use while a guest sits in WFI.

    python -m bench.wfi_idle [--seconds S]

Runs bench/guests/wfi_timer.S twice under `armtcg run`: waiting S seconds
of guest time for its timer, and not waiting; the difference of the two
runs' host CPU time (user + sys, from the kernel's rusage) over S is what
the wait cost.  A guest idling in WFI should cost next to nothing: the
exec loop sleeps until the timer's deadline.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TICKS_PER_S = 62_500_000


def build(tmp, ticks):
    elf = Path(tmp) / ("wfi_%d.elf" % ticks)
    subprocess.run(["arm-none-eabi-gcc", "-nostdlib", "-Wl,-Ttext=0x40100000",
                    "-DWAIT_TICKS=%d" % ticks, "-o", str(elf),
                    str(REPO / "bench" / "guests" / "wfi_timer.S")], check=True)
    return elf


def cpu_and_wall(elf):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "tcg.cli", "-M", "virt", "-nographic",
                    "-kernel", str(elf)], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        idle = build(tmp, int(args.seconds * TICKS_PER_S))
        busy_free = build(tmp, 2)      # the timer is due at once (the run then reports a halt)
        cpu_wait, wall_wait = cpu_and_wall(idle)
        cpu_none, wall_none = cpu_and_wall(busy_free)
    extra = max(cpu_wait - cpu_none, 0.0)
    print("guest waits %.1f s in WFI: %.2f s wall, %.2f s host CPU; without the wait %.2f s "
          "wall, %.2f s CPU" % (args.seconds, wall_wait, cpu_wait, wall_none, cpu_none))
    print("host CPU while in WFI: %.3f s over %.1f s = %.1f%% of one core"
          % (extra, args.seconds, 100.0 * extra / args.seconds))


if __name__ == "__main__":
    main()
