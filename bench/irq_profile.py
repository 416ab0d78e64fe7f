"""Where a Linux boot's interrupt traffic goes: GIC MMIO accesses, clock
services (exits from the exec loop to Python for the clock), interrupts
acknowledged, and the host time they cost.

    python -m bench.irq_profile [--engine interp] [-icount shift=N]

Boots Debian's armmp kernel (tests/.debian-cache, fetched by the Linux
tests) with tests/linux/init.S as /init, in-process, under `--engine
interp`, and prints one table on stderr.  Counting wraps the Python entry
points (the GIC's MMIO views, Clock.service) and reads the C GIC's own
counters (gic.stats()) where the GIC is served in C.
"""

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


class Meter:
    """count and host seconds of each wrapped entry point."""

    def __init__(self):
        self.count = collections.Counter()
        self.secs = collections.Counter()

    def wrap(self, owner, attr, key):
        fn = getattr(owner, attr)

        def wrapped(*args, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                self.secs[key] += time.perf_counter() - t0
                self.count[key] += 1
        setattr(owner, attr, wrapped)


def install(meter):
    from runtime import clock
    from runtime.devices import gicv2
    from tcg import emulator
    meter.wrap(clock.Clock, "service", "clock.service (Python)")
    meter.wrap(emulator.Emulator, "_serve_exception", "exec loop -> Python: exception/WFI")
    views = getattr(gicv2, "_View", None)
    if views is not None and hasattr(gicv2.GICv2, "acknowledge"):    # the Python GIC
        meter.wrap(views, "read", "GIC MMIO read (Python)")
        meter.wrap(views, "write", "GIC MMIO write (Python)")
        meter.wrap(gicv2.GICv2, "acknowledge", "GICC_IAR reads")
    made = []
    init = emulator.Emulator.__init__

    def keep(self, *a, **kw):
        init(self, *a, **kw)
        made.append(self)
    emulator.Emulator.__init__ = keep
    return made


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", default="interp")
    ap.add_argument("-icount", default=None)
    args = ap.parse_args(argv)
    import linuxlib
    from tcg import cli
    kernel = linuxlib.linux_kernel()
    meter = Meter()
    made = install(meter)
    with tempfile.TemporaryDirectory() as tmp:
        initrd = Path(tmp) / "initrd.gz"
        initrd.write_bytes(linuxlib.make_initramfs({
            "init": linuxlib.build_init("init").read_bytes(),
            "dev": None, "dev/console": ("chr", 5, 1)}))
        argv = ["-M", "virt", "-cpu", "cortex-a15", "-m", "256M", "-nographic", "-no-reboot",
                "--engine", args.engine, "-kernel", str(kernel[0]), "-initrd", str(initrd),
                "-append", "console=ttyAMA0"]
        if args.icount:
            argv += ["-icount", args.icount]
        t0 = time.perf_counter()
        status = cli.main(argv)
        wall = time.perf_counter() - t0
    emu = made[-1] if made else None
    out = sys.stderr
    out.write("\nstatus %s, wall %.2f s, guest insns %s\n"
              % (status, wall, emu.cpu.icount if emu else "?"))
    gic = getattr(getattr(emu, "board", None), "gic", None)
    stats = gic.stats() if gic is not None and hasattr(gic, "stats") else {}
    for key, value in sorted(stats.items()):
        out.write("  %-40s %10d   (C)\n" % (key, value))
    for key in sorted(meter.count):
        out.write("  %-40s %10d  %8.3f s  %6.2f us each\n"
                  % (key, meter.count[key], meter.secs[key],
                     1e6 * meter.secs[key] / max(1, meter.count[key])))
    return status


if __name__ == "__main__":
    sys.exit(main())
