"""Print marginal guest MIPS per kernel:  python -m bench.mips [engine ...]
(default: every engine in Emulator.ENGINES)."""

import sys

from bench.guests import KERNELS, engines, marginal

if __name__ == "__main__":
    for engine in sys.argv[1:] or engines():
        for name in sorted(KERNELS):
            secs, insns = marginal(name, engine=engine)
            print("%-6s %-10s %8.0f insns/iter  %7.2f ms/iter  %6.1f MIPS" %
                  (engine, name, insns, secs * 1e3, insns / secs / 1e6 if secs > 0 else float("nan")))
