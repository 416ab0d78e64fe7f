"""Running the bundled guest kernels for measurement.

Marginal time per iteration: each kernel is built with ITERS = n and 2n;
(t(2n) - t(n)) / n removes start-up and one-time translation, which is what
a hot loop costs.  Guest MIPS are computed the same way from instruction
counts.

Every run builds a fresh Emulator (no translated or compiled code carried
over) and times only emu.board.run(), not the set-up or the ELF load.
"""

import io
import time

from tcg.emulator import virt_emulator
from tests.guestlib import build_guest

KERNELS = {            # name: iterations for the "n" run (interpreter-sized)
    "crc32": 4,
    "sieve": 4,
    "quicksort": 2,
    "matmul": 8,
    "calls": 4,
    "memcpy": 2,
    "vfp": 2,          # hard-float VFPv4 (tests/guest/vfp.c)
}


def engines():
    """The execution engines of this build (Emulator.ENGINES)."""
    from tcg.emulator import Emulator
    return tuple(Emulator.ENGINES)


class GuestRun:
    """One run to power-off: seconds, guest instructions, UART bytes and the
    engine's statistics (emu.stats, empty when the engine keeps none)."""

    __slots__ = ("seconds", "insns", "output", "stats")

    def __init__(self, seconds, insns, output, stats):
        self.seconds, self.insns, self.output, self.stats = seconds, insns, output, stats

    def __iter__(self):          # (seconds, insns, output), as before
        return iter((self.seconds, self.insns, self.output))

    def __lt__(self, other):     # min() of several runs = the fastest
        return self.seconds < other.seconds


def run_guest(elf, engine=None, jit_threshold=None):
    """Run elf on a fresh virt board to power-off; returns a GuestRun.
    engine None = build_virt's default."""
    out = io.BytesIO()
    kw = {} if jit_threshold is None else {"jit_threshold": jit_threshold}
    emu = virt_emulator(128 << 20, uart_out=out, engine=engine or "interp", **kw)
    try:
        emu.board.load(str(elf))
        t0 = time.perf_counter()
        reason = emu.board.run()
        dt = time.perf_counter() - t0
        if reason.kind != "shutdown":
            raise RuntimeError("%s stopped with %r" % (elf, reason))
        return GuestRun(dt, emu.icount, out.getvalue(), dict(getattr(emu, "stats", None) or {}))
    finally:
        close = getattr(emu, "close", None)
        if close is not None:
            close()


def marginal(name, n=None, repeat=3, engine=None):
    """Best-of-`repeat` marginal seconds and instructions per iteration."""
    n = n or KERNELS[name]
    small, big = build_guest(name, n), build_guest(name, 2 * n)
    r1 = min(run_guest(small, engine) for _ in range(repeat))
    r2 = min(run_guest(big, engine) for _ in range(repeat))
    return (r2.seconds - r1.seconds) / n, (r2.insns - r1.insns) / n
