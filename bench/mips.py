"""Print the interpreter's marginal guest MIPS per kernel:  python -m bench.mips"""

from bench.guests import KERNELS, marginal

if __name__ == "__main__":
    for name in sorted(KERNELS):
        secs, insns = marginal(name)
        print("%-10s %8.0f insns/iter  %7.2f ms/iter  %6.1f MIPS" %
              (name, insns, secs * 1e3, insns / secs / 1e6))
