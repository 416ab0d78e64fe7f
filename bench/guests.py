"""Running the bundled guest kernels for measurement.

Marginal time per iteration: each kernel is built with ITERS = n and 2n;
(t(2n) - t(n)) / n removes start-up and one-time translation, which is what
a hot loop costs.  Guest MIPS are computed the same way from instruction
counts.
"""

import io
import time

from runtime.board import build_virt
from tests.guestlib import build_guest

KERNELS = {            # name: iterations for the "n" run
    "crc32": 4,
    "sieve": 4,
    "quicksort": 2,
    "matmul": 8,
}


def run_guest(elf):
    """(seconds, guest instructions, uart bytes) of one run to power-off."""
    out = io.BytesIO()
    emu = build_virt(128 << 20, uart_out=out)
    emu.board.load(str(elf))
    t0 = time.perf_counter()
    reason = emu.board.run()
    dt = time.perf_counter() - t0
    if reason.kind != "shutdown":
        raise RuntimeError("%s stopped with %r" % (elf, reason))
    return dt, emu.icount, out.getvalue()


def marginal(name, n=None, repeat=3):
    """Best-of-`repeat` marginal seconds and instructions per iteration."""
    n = n or KERNELS[name]
    small, big = build_guest(name, n), build_guest(name, 2 * n)
    t1 = min(run_guest(small)[0] for _ in range(repeat))
    t2, i2, _ = min(run_guest(big) for _ in range(repeat))
    _, i1, _ = run_guest(small)
    return (t2 - t1) / n, (i2 - i1) / n
