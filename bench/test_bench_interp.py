"""Interpreter speed on the guest kernels, in guest MIPS.

`make bench` runs these.  pytest-benchmark times a whole run (start-up and
translation included); extra_info carries the marginal guest MIPS of the
hot loop, the figure to compare across changes.
"""

import pytest

from bench.guests import KERNELS, marginal, run_guest
from tests.guestlib import build_guest


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_interp_kernel(benchmark, name):
    elf = build_guest(name, 2 * KERNELS[name])
    dt, insns, _ = benchmark.pedantic(run_guest, args=(elf,), rounds=3, iterations=1)
    secs, insns_per_iter = marginal(name, repeat=1)
    benchmark.extra_info["guest_insns"] = insns
    benchmark.extra_info["marginal_mips"] = round(insns_per_iter / secs / 1e6, 1)
    print("\n%s: %.1f guest MIPS marginal, %.1f MIPS whole run" %
          (name, insns_per_iter / secs / 1e6, insns / dt / 1e6))
